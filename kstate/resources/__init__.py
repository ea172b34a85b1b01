"""Frozen attrs resources, one module per kind. The bottom layer: imports only
`kstate.errors` and its own modules."""
from kstate.resources.event import Event, ObjectReference
from kstate.resources.frozen import EMPTY, FrozenDict, deep_freeze, freeze, thaw
from kstate.resources.meta import Condition, ObjectMeta, OwnerReference
from kstate.resources.namespace import Namespace, NamespaceStatus
from kstate.resources.node import Node, NodeAddress, NodeSpec, NodeStatus, Taint
from kstate.resources.pod import (
    Affinity, Container, ContainerPort, ContainerState, ContainerStatus,
    NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec, PodStatus, Probe,
    ResourceRequirements, Toleration,
)

#: kind name → class, for every kind kstate accepts in a manifest.
KINDS = {cls.KIND: cls for cls in (Pod, Node, Namespace)}

__all__ = [
    "Affinity", "Condition", "Container", "ContainerPort", "ContainerState", "ContainerStatus",
    "EMPTY", "Event", "FrozenDict", "KINDS", "Namespace", "NamespaceStatus", "Node", "NodeAddress",
    "NodeSelectorRequirement", "NodeSelectorTerm", "NodeSpec", "NodeStatus", "ObjectMeta",
    "ObjectReference", "OwnerReference", "Pod", "PodSpec", "PodStatus", "Probe",
    "ResourceRequirements", "Taint", "Toleration", "deep_freeze", "freeze", "thaw",
]

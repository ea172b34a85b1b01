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
    ResourceClaim, ResourceRequirements, Toleration,
)
from kstate.resources.selector import LabelSelector, Requirement
from kstate.resources.workloads import (
    Deployment, DeploymentSpec, DeploymentStatus, DeploymentStrategy, PodTemplateSpec,
    ReplicaSet, ReplicaSetSpec, ReplicaSetStatus, ReplicationController,
    ReplicationControllerSpec, RollingUpdateDeployment,
)

__all__ = [
    "Affinity", "Condition", "Container", "ContainerPort", "ContainerState", "ContainerStatus",
    "Deployment", "DeploymentSpec", "DeploymentStatus", "DeploymentStrategy", "EMPTY", "Event",
    "FrozenDict", "LabelSelector", "Namespace", "NamespaceStatus", "Node", "NodeAddress",
    "NodeSelectorRequirement", "NodeSelectorTerm", "NodeSpec", "NodeStatus", "ObjectMeta",
    "ObjectReference", "OwnerReference", "Pod", "PodSpec", "PodStatus", "PodTemplateSpec", "Probe",
    "ReplicaSet", "ReplicaSetSpec", "ReplicaSetStatus", "ReplicationController",
    "ReplicationControllerSpec", "Requirement", "ResourceClaim", "ResourceRequirements",
    "RollingUpdateDeployment",
    "Taint", "Toleration", "deep_freeze", "freeze", "thaw",
]

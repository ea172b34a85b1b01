"""The v1 Node: capacity, taints, conditions, pod CIDR, addresses.

Owns: the Node shape (k8s.io/api/core/v1 types.go) as frozen attrs classes and
the well-known taint keys (k8s.io/api/core/v1 well_known_taints.go). Must not
import anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import ClassVar, Optional

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict
from kstate.resources.meta import Condition, ObjectMeta, get_condition

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_ZONE = "topology.kubernetes.io/zone"


@attrs.frozen
class Taint:
    key: str
    effect: str  # NoSchedule | PreferNoSchedule | NoExecute
    value: str = ""
    time_added: Optional[int] = None


@attrs.frozen
class NodeAddress:
    type: str  # InternalIP | Hostname | ExternalIP
    address: str


@attrs.frozen
class ContainerImage:
    """One entry of status.images: the names the runtime knows the image by
    and its size (the kubelet's Images setter, pkg/kubelet/nodestatus/setters.go)."""
    names: tuple[str, ...] = ()
    size_bytes: int = 0


@attrs.frozen
class NodeSpec:
    pod_cidr: str = ""
    pod_cidrs: tuple[str, ...] = ()
    unschedulable: bool = False
    taints: tuple[Taint, ...] = ()
    provider_id: str = ""


@attrs.frozen
class NodeStatus:
    capacity: FrozenDict = EMPTY  # "cpu" → "4", "memory" → "16Gi", "pods" → "110"
    allocatable: FrozenDict = EMPTY
    conditions: tuple[Condition, ...] = ()
    addresses: tuple[NodeAddress, ...] = ()
    # kstate's lifecycle state (machines/node.py) and when it was entered.
    state: str = "Ready"
    state_since: Optional[int] = None
    # Last kubelet heartbeat the node lifecycle controller saw (ms); the
    # simulated kubelet heartbeats implicitly while the node is up.
    last_heartbeat: Optional[int] = None
    # The images on the node, largest first (the kubelet reports at most 50).
    images: tuple[ContainerImage, ...] = ()


@attrs.frozen
class Node:
    KIND: ClassVar[str] = "Node"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = False

    metadata: ObjectMeta
    spec: NodeSpec = NodeSpec()
    status: NodeStatus = NodeStatus()


def node_ready_status(node: Node) -> str:
    """The Ready condition's status ("True", "False", "Unknown"); a node
    without one counts as "Unknown"."""
    c = get_condition(node.status.conditions, "Ready")
    return c.status if c is not None else "Unknown"

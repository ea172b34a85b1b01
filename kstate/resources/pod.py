"""The v1 Pod: spec, status, containers, probes, tolerations, node affinity.

Owns: the Pod shape (k8s.io/api/core/v1 types.go) as frozen attrs classes with
snake_case names, plus small pure helpers over it (is_pod_active, is_pod_ready,
is_pod_available, requests). Must not import anything of kstate above
`resources/`.

Fields kstate carries but does not model (env, volumes, securityContext …) live
in `extra` as frozen JSON so manifests round-trip unchanged.
"""
from __future__ import annotations

from enum import Enum
from typing import ClassVar, Optional

import attrs

from kstate.resources.frozen import EMPTY, HASH_OMIT_DEFAULT, FrozenDict
from kstate.resources.meta import Condition, ObjectMeta, get_condition


class PodPhase(str, Enum):
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    UNKNOWN = "Unknown"


class RestartPolicy(str, Enum):
    ALWAYS = "Always"
    ON_FAILURE = "OnFailure"
    NEVER = "Never"


TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})


@attrs.frozen
class ContainerPort:
    container_port: int
    name: str = ""
    protocol: str = "TCP"
    host_port: Optional[int] = None


@attrs.frozen
class ResourceClaim:
    """One entry of a container's resources.claims (dynamic resource
    allocation): the name of a pod.spec.resourceClaims entry and, optionally,
    one request of that claim."""

    name: str
    request: str = ""


@attrs.frozen
class ResourceRequirements:
    requests: FrozenDict = EMPTY  # "cpu" → "500m", "memory" → "128Mi"
    limits: FrozenDict = EMPTY
    claims: tuple[ResourceClaim, ...] = attrs.field(default=(), metadata=HASH_OMIT_DEFAULT)


NO_RESOURCES = ResourceRequirements()


@attrs.frozen
class Probe:
    """Timing parts of a probe (pkg/apis/core/v1/defaults.go SetDefaults_Probe);
    the handler (httpGet, tcpSocket, exec, grpc) is carried verbatim."""

    initial_delay_seconds: int = 0
    period_seconds: int = 10
    timeout_seconds: int = 1
    success_threshold: int = 1
    failure_threshold: int = 3
    handler: FrozenDict = EMPTY


@attrs.frozen
class Container:
    name: str
    image: str = ""
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    ports: tuple[ContainerPort, ...] = ()
    resources: ResourceRequirements = NO_RESOURCES
    readiness_probe: Optional[Probe] = None
    liveness_probe: Optional[Probe] = None
    startup_probe: Optional[Probe] = None
    restart_policy: Optional[str] = None  # "Always" makes an init container a sidecar
    extra: FrozenDict = EMPTY


@attrs.frozen
class Toleration:
    key: str = ""
    operator: str = "Equal"  # "Equal" | "Exists"
    value: str = ""
    effect: str = ""  # "" matches every effect
    toleration_seconds: Optional[int] = None

    def tolerates(self, taint) -> bool:
        """v1.Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go):
        an empty effect matches all effects, an empty key with Exists matches
        every key, Exists ignores the value."""
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        return self.value == taint.value if self.key else False


@attrs.frozen
class NodeSelectorRequirement:
    key: str
    operator: str  # In NotIn Exists DoesNotExist Gt Lt
    values: tuple[str, ...] = ()


@attrs.frozen
class NodeSelectorTerm:
    match_expressions: tuple[NodeSelectorRequirement, ...] = ()
    match_fields: tuple[NodeSelectorRequirement, ...] = ()


@attrs.frozen
class Affinity:
    """Only requiredDuringSchedulingIgnoredDuringExecution node affinity is
    modelled; the rest (preferred terms, pod (anti-)affinity) is carried."""

    required_node_terms: Optional[tuple[NodeSelectorTerm, ...]] = None
    extra: FrozenDict = EMPTY


@attrs.frozen
class PodSpec:
    containers: tuple[Container, ...]
    init_containers: tuple[Container, ...] = ()
    restart_policy: str = "Always"
    termination_grace_period_seconds: int = 30
    node_selector: FrozenDict = EMPTY
    affinity: Optional[Affinity] = None
    tolerations: tuple[Toleration, ...] = ()
    node_name: str = ""
    scheduler_name: str = "default-scheduler"
    hostname: str = ""
    subdomain: str = ""
    priority: Optional[int] = None
    readiness_gates: tuple[str, ...] = ()
    #: Pod-level requests and limits (PodLevelResources: cpu and memory only).
    resources: Optional[ResourceRequirements] = attrs.field(default=None, metadata=HASH_OMIT_DEFAULT)
    extra: FrozenDict = EMPTY


@attrs.frozen
class ContainerState:
    """One of waiting / running / terminated (kind), flattened. kind "" is the
    empty state `{}` (a lastState before any termination)."""

    kind: str = ""
    reason: str = ""
    message: str = ""
    exit_code: Optional[int] = None
    started_at: Optional[int] = None
    finished_at: Optional[int] = None


NO_STATE = ContainerState()


@attrs.frozen
class ContainerStatus:
    name: str
    image: str = ""
    ready: bool = False
    started: Optional[bool] = None
    restart_count: int = 0
    state: ContainerState = NO_STATE
    last_state: ContainerState = NO_STATE
    container_id: str = ""


@attrs.frozen
class PodStatus:
    phase: str = "Pending"
    conditions: tuple[Condition, ...] = ()
    container_statuses: tuple[ContainerStatus, ...] = ()
    init_container_statuses: tuple[ContainerStatus, ...] = ()
    pod_ip: str = ""
    host_ip: str = ""
    start_time: Optional[int] = None
    reason: str = ""
    message: str = ""
    nominated_node_name: str = ""
    # kstate's lifecycle state (machines/pod.py) and when it was entered; not
    # part of the Kubernetes shape, kept in snapshots.
    state: str = "Pending"
    state_since: Optional[int] = None


@attrs.frozen
class Pod:
    KIND: ClassVar[str] = "Pod"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: PodSpec
    status: PodStatus = PodStatus()


# -- predicates over pods (pkg/controller/controller_utils.go, pkg/api/v1/pod/util.go)


def is_pod_terminal(pod: Pod) -> bool:
    return pod.status.phase in TERMINAL_PHASES


def is_pod_active(pod: Pod) -> bool:
    """controller_utils.go IsPodActive: not Succeeded/Failed and no deletionTimestamp."""
    return pod.status.phase not in TERMINAL_PHASES and pod.metadata.deletion_timestamp is None


def pod_ready_condition(pod: Pod) -> Optional[Condition]:
    return get_condition(pod.status.conditions, "Ready")


def is_pod_ready(pod: Pod) -> bool:
    c = pod_ready_condition(pod)
    return c is not None and c.status == "True"


def is_pod_available(pod: Pod, min_ready_seconds: int, now: int) -> bool:
    """pkg/api/v1/pod/util.go IsPodAvailable: Ready, and Ready for at least
    minReadySeconds (`lastTransitionTime + minReadySeconds <= now`).

    Example: ready since t=10 s, minReadySeconds 5 → available from t=15 s on.
    """
    c = pod_ready_condition(pod)
    if c is None or c.status != "True":
        return False
    if min_ready_seconds == 0:
        return True
    if c.last_transition_time is None:
        return False
    return c.last_transition_time + min_ready_seconds * 1000 <= now


def is_admitted(pod: Pod) -> bool:
    """The pod's kubelet has admitted it (kstate's lifecycle state is past
    Scheduled) and it has not finished. A pod deleted before admission is
    Terminating without any container status: never admitted."""
    st = pod.status
    if st.phase in TERMINAL_PHASES or st.state in ("Pending", "Scheduled"):
        return False
    return st.state != "Terminating" or bool(st.container_statuses or st.init_container_statuses)

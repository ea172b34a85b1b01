"""apps/v1 ReplicaSet and Deployment, v1 ReplicationController.

Owns: their shapes (k8s.io/api/apps/v1 types.go, core/v1 ReplicationController)
as frozen attrs classes. Must not import anything of kstate above `resources/`.
"""
from __future__ import annotations

from typing import ClassVar, Optional, Union

import attrs

from kstate.resources.frozen import FrozenDict
from kstate.resources.meta import Condition, ObjectMeta
from kstate.resources.pod import PodSpec
from kstate.resources.selector import LabelSelector

IntOrString = Union[int, str]

ANN_REVISION = "deployment.kubernetes.io/revision"
ANN_REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
ANN_DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
ANN_MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ANN_CHANGE_CAUSE = "kubernetes.io/change-cause"
ANN_RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
ANN_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
LABEL_POD_TEMPLATE_HASH = "pod-template-hash"


@attrs.frozen
class PodTemplateSpec:
    metadata: ObjectMeta = ObjectMeta()
    spec: Optional[PodSpec] = None


@attrs.frozen
class ReplicaSetSpec:
    selector: Optional[LabelSelector]
    template: PodTemplateSpec
    replicas: int = 1
    min_ready_seconds: int = 0


@attrs.frozen
class ReplicaSetStatus:
    replicas: int = 0
    fully_labeled_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    observed_generation: int = 0
    conditions: tuple[Condition, ...] = ()
    state: str = ""


@attrs.frozen
class ReplicaSet:
    KIND: ClassVar[str] = "ReplicaSet"
    API_VERSION: ClassVar[str] = "apps/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: ReplicaSetSpec
    status: ReplicaSetStatus = ReplicaSetStatus()


@attrs.frozen
class ReplicationControllerSpec:
    selector: FrozenDict
    template: PodTemplateSpec
    replicas: int = 1
    min_ready_seconds: int = 0


@attrs.frozen
class ReplicationController:
    KIND: ClassVar[str] = "ReplicationController"
    API_VERSION: ClassVar[str] = "v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: ReplicationControllerSpec
    status: ReplicaSetStatus = ReplicaSetStatus()


@attrs.frozen
class RollingUpdateDeployment:
    max_unavailable: Optional[IntOrString] = "25%"
    max_surge: Optional[IntOrString] = "25%"


@attrs.frozen
class DeploymentStrategy:
    type: str = "RollingUpdate"  # RollingUpdate | Recreate
    rolling_update: Optional[RollingUpdateDeployment] = RollingUpdateDeployment()


@attrs.frozen
class DeploymentSpec:
    selector: Optional[LabelSelector]
    template: PodTemplateSpec
    replicas: int = 1
    strategy: DeploymentStrategy = DeploymentStrategy()
    min_ready_seconds: int = 0
    revision_history_limit: Optional[int] = 10
    paused: bool = False
    progress_deadline_seconds: Optional[int] = 600


@attrs.frozen
class DeploymentStatus:
    observed_generation: int = 0
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    conditions: tuple[Condition, ...] = ()
    collision_count: Optional[int] = None
    # kstate's rollout lifecycle state (machines/deployment.py).
    state: str = "Progressing"
    state_since: Optional[int] = None


@attrs.frozen
class Deployment:
    KIND: ClassVar[str] = "Deployment"
    API_VERSION: ClassVar[str] = "apps/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: DeploymentSpec
    status: DeploymentStatus = DeploymentStatus()


def deletion_cost_from_annotations(annotations) -> tuple[int, bool]:
    """getDeletionCostFromPodAnnotations (pkg/apis/core/helper/helpers.go
    GetDeletionCostFromPodAnnotations, used by controller_utils.go
    ActivePodsWithRanks.Less and by pod validation): (cost, valid).

    Absent → (0, True). Otherwise validFirstDigit — a non-empty value whose
    first byte is '-', or '1'…'9', or the value is exactly "0" — and then
    strconv.ParseInt(v, 10, 32): an optional sign already vetted, ASCII
    digits only (no spaces, no underscores, leading zeros allowed after '-'),
    within int32. Anything else → (0, False): Go returns 0 with an error.

    Examples: "10" → 10; "-0" → 0; "-008" → -8; "+10", "008", " 5", "5 ",
    "", "1_0", "2147483648" → 0, invalid.
    """
    v = annotations.get(ANN_DELETION_COST)
    if v is None:
        return 0, True
    if not v or not (v[0] == "-" or v == "0" or "1" <= v[0] <= "9"):
        return 0, False
    digits = v[1:] if v[0] == "-" else v
    if not digits or any(not "0" <= ch <= "9" for ch in digits):
        return 0, False
    n = int(v)
    if not -(2 ** 31) <= n <= 2 ** 31 - 1:
        return 0, False
    return n, True


# ------------------------------------------------------------------ DaemonSet

LABEL_CONTROLLER_REVISION_HASH = "controller-revision-hash"


@attrs.frozen
class RollingUpdateDaemonSet:
    max_unavailable: Optional[IntOrString] = 1
    max_surge: Optional[IntOrString] = 0


@attrs.frozen
class DaemonSetUpdateStrategy:
    type: str = "RollingUpdate"  # RollingUpdate | OnDelete
    rolling_update: Optional[RollingUpdateDaemonSet] = RollingUpdateDaemonSet()


@attrs.frozen
class DaemonSetSpec:
    selector: Optional[LabelSelector]
    template: PodTemplateSpec
    update_strategy: DaemonSetUpdateStrategy = DaemonSetUpdateStrategy()
    min_ready_seconds: int = 0
    revision_history_limit: Optional[int] = 10


@attrs.frozen
class DaemonSetStatus:
    current_number_scheduled: int = 0
    number_misscheduled: int = 0
    desired_number_scheduled: int = 0
    number_ready: int = 0
    observed_generation: int = 0
    updated_number_scheduled: int = 0
    number_available: int = 0
    number_unavailable: int = 0
    collision_count: Optional[int] = None
    conditions: tuple[Condition, ...] = ()
    state: str = ""


@attrs.frozen
class DaemonSet:
    KIND: ClassVar[str] = "DaemonSet"
    API_VERSION: ClassVar[str] = "apps/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: DaemonSetSpec
    status: DaemonSetStatus = DaemonSetStatus()


@attrs.frozen
class ControllerRevisionStatus:
    """ControllerRevision has no status; kstate keeps an empty one so every
    stored kind answers `status.state`."""
    state: str = ""


@attrs.frozen
class ControllerRevisionBody:
    """A ControllerRevision's top-level `data` and `revision`. kstate keeps
    them under `spec` because that is what a PUT carries (the engine's
    generic update replaces metadata and spec); on the wire they stay at the
    top level."""
    data: object = None
    revision: int = 0


@attrs.frozen
class ControllerRevision:
    """apps/v1 ControllerRevision: an immutable snapshot of a workload's
    template. `data` is the PodTemplateSpec a controller recorded (the
    `{"spec": {"template": …, "$patch": "replace"}}` patch on the wire), or the
    raw JSON of a revision applied by a user."""
    KIND: ClassVar[str] = "ControllerRevision"
    API_VERSION: ClassVar[str] = "apps/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: ControllerRevisionBody = ControllerRevisionBody()
    status: ControllerRevisionStatus = ControllerRevisionStatus()

    @property
    def data(self) -> object:
        return self.spec.data

    @property
    def revision(self) -> int:
        return self.spec.revision


# ---------------------------------------------------------------- StatefulSet

LABEL_STATEFULSET_POD_NAME = "statefulset.kubernetes.io/pod-name"
LABEL_POD_INDEX = "apps.kubernetes.io/pod-index"


@attrs.frozen
class RollingUpdateStatefulSetStrategy:
    partition: int = 0
    #: MaxUnavailableStatefulSet (beta, on by default from Kubernetes 1.35): defaulted to 1.
    max_unavailable: Optional[IntOrString] = 1


@attrs.frozen
class StatefulSetUpdateStrategy:
    type: str = "RollingUpdate"  # RollingUpdate | OnDelete
    rolling_update: Optional[RollingUpdateStatefulSetStrategy] = RollingUpdateStatefulSetStrategy()


@attrs.frozen
class StatefulSetPersistentVolumeClaimRetentionPolicy:
    when_deleted: str = "Retain"  # Retain | Delete
    when_scaled: str = "Retain"


@attrs.frozen
class StatefulSetSpec:
    selector: Optional[LabelSelector]
    template: PodTemplateSpec
    replicas: int = 1
    #: the PersistentVolumeClaims of volumeClaimTemplates (storage.PersistentVolumeClaim objects).
    volume_claim_templates: tuple = ()
    service_name: str = ""
    pod_management_policy: str = "OrderedReady"  # OrderedReady | Parallel
    update_strategy: StatefulSetUpdateStrategy = StatefulSetUpdateStrategy()
    revision_history_limit: Optional[int] = 10
    min_ready_seconds: int = 0
    persistent_volume_claim_retention_policy: StatefulSetPersistentVolumeClaimRetentionPolicy = \
        StatefulSetPersistentVolumeClaimRetentionPolicy()
    #: spec.ordinals.start
    ordinals_start: int = 0


@attrs.frozen
class StatefulSetStatus:
    observed_generation: int = 0
    replicas: int = 0
    ready_replicas: int = 0
    current_replicas: int = 0
    updated_replicas: int = 0
    current_revision: str = ""
    update_revision: str = ""
    collision_count: Optional[int] = None
    available_replicas: int = 0
    conditions: tuple[Condition, ...] = ()
    state: str = ""


@attrs.frozen
class StatefulSet:
    KIND: ClassVar[str] = "StatefulSet"
    API_VERSION: ClassVar[str] = "apps/v1"
    NAMESPACED: ClassVar[bool] = True

    metadata: ObjectMeta
    spec: StatefulSetSpec
    status: StatefulSetStatus = StatefulSetStatus()

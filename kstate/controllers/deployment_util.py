"""Pure Deployment arithmetic, mirroring
pkg/controller/deployment/util/deployment_util.go and
k8s.io/apimachinery/pkg/util/intstr (GetScaledValueFromIntOrPercent).

Owns: fenceposts, NewRSNewReplicas, proportions for proportional scaling,
revisions, template equality/hashing, completeness/progress/timeout
predicates. Must not import engine/ or io/.
"""
from __future__ import annotations

import json
import math
from typing import Iterable, Optional

import attrs

from kstate.errors import SpecError
from kstate.resources.meta import Condition, get_condition
from kstate.resources.workloads import (
    ANN_DESIRED_REPLICAS, ANN_MAX_REPLICAS, ANN_REVISION, LABEL_POD_TEMPLATE_HASH, Deployment, PodTemplateSpec,
    ReplicaSet,
)
from kstate.resources.frozen import HASH_OMIT_DEFAULT_KEY, evolve

MAX_INT32 = 2**31 - 1
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

# Progressing condition reasons (deployment_util.go).
REASON_NEW_RS_CREATED = "NewReplicaSetCreated"
REASON_FOUND_NEW_RS = "FoundNewReplicaSet"
REASON_RS_UPDATED = "ReplicaSetUpdated"
REASON_NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
REASON_TIMED_OUT = "ProgressDeadlineExceeded"
REASON_PAUSED = "DeploymentPaused"
REASON_RESUMED = "DeploymentResumed"
REASON_MIN_AVAILABLE = "MinimumReplicasAvailable"
REASON_MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
REASON_FAILED_RS_CREATE = "ReplicaSetCreateError"


def get_scaled_value_from_int_or_percent(value, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is; "<n>%" of total,
    rounded up or down; anything else is an error.

    Example: "25%" of 10 → 3 rounding up, 2 rounding down; 5 → 5.
    """
    if isinstance(value, bool):
        raise SpecError(f"invalid type: bool {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            p = int(value[:-1])
        except ValueError:
            raise SpecError(f"invalid value for IntOrString: invalid value {value!r}") from None
        x = p * total
        return -(-x // 100) if round_up else x // 100
    raise SpecError(f"invalid value for IntOrString: invalid type: string is not a percentage: {value!r}")


def resolve_fenceposts(max_surge, max_unavailable, desired: int) -> tuple[int, int]:
    """ResolveFenceposts: surge rounds up, unavailable rounds down; both 0 →
    unavailable 1 (so a rollout can always progress).

    Examples: ("25%", "25%", 10) → (3, 2); ("0%", "0%", 0) → (0, 1);
    ("39%", None, 10) → (4, 0).
    """
    surge = get_scaled_value_from_int_or_percent(0 if max_surge is None else max_surge, desired, True)
    unavailable = get_scaled_value_from_int_or_percent(0 if max_unavailable is None else max_unavailable,
                                                       desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def is_rolling_update(d: Deployment) -> bool:
    return d.spec.strategy.type == "RollingUpdate"


def max_unavailable(d: Deployment) -> int:
    """MaxUnavailable: 0 unless RollingUpdate with replicas > 0; never more than replicas."""
    if not is_rolling_update(d) or d.spec.replicas == 0:
        return 0
    ru = d.spec.strategy.rolling_update
    _, unavailable = resolve_fenceposts(ru.max_surge if ru else None, ru.max_unavailable if ru else None,
                                        d.spec.replicas)
    return min(unavailable, d.spec.replicas)


def max_surge(d: Deployment) -> int:
    """MaxSurge: 0 unless RollingUpdate."""
    if not is_rolling_update(d):
        return 0
    ru = d.spec.strategy.rolling_update
    surge, _ = resolve_fenceposts(ru.max_surge if ru else None, ru.max_unavailable if ru else None,
                                  d.spec.replicas)
    return surge


def get_replica_count_for_replica_sets(rss: Iterable[Optional[ReplicaSet]]) -> int:
    return sum(rs.spec.replicas for rs in rss if rs is not None)


def get_actual_replica_count_for_replica_sets(rss) -> int:
    return sum(rs.status.replicas for rs in rss if rs is not None)


def get_ready_replica_count_for_replica_sets(rss) -> int:
    return sum(rs.status.ready_replicas for rs in rss if rs is not None)


def get_available_replica_count_for_replica_sets(rss) -> int:
    return sum(rs.status.available_replicas for rs in rss if rs is not None)


def new_rs_new_replicas(d: Deployment, all_rss, new_rs: ReplicaSet) -> int:
    """NewRSNewReplicas (pkg/controller/deployment/util/deployment_util.go).
    RollingUpdate: maxTotal = replicas + maxSurge (the RAW maxSurge, rounded
    up); cur = Σ spec.replicas of `all_rss`; cur ≥ maxTotal → the new RS's
    current size; else newRS + min(maxTotal − cur, replicas − newRS).
    Recreate: replicas.

    There is no early return for a new RS at or above `replicas`: the
    min() then goes negative and brings it down to `replicas` whenever cur is
    below maxTotal (reconcileNewReplicaSet handles newRS ≥ replicas itself
    before calling this).

    Examples: 10 replicas, 25 % surge (3), all RSs total 10, new 0 → min(13 − 10, 10 − 0) = 3.
    1 replica, surge 10, new RS 5, all RSs total 5 → 5 + min(11 − 5, 1 − 5) = 1.
    """
    if is_rolling_update(d):
        ru = d.spec.strategy.rolling_update
        surge = get_scaled_value_from_int_or_percent(
            0 if ru is None or ru.max_surge is None else ru.max_surge, d.spec.replicas, True)
        current = get_replica_count_for_replica_sets(all_rss)
        max_total = d.spec.replicas + surge
        if current >= max_total:
            return new_rs.spec.replicas
        scale_up = min(max_total - current, d.spec.replicas - new_rs.spec.replicas)
        return new_rs.spec.replicas + scale_up
    return d.spec.replicas


def get_non_negative_int32_annotation(obj, key: str) -> Optional[int]:
    """getNonNegativeInt32FromAnnotation: a base-10 unsigned value ≤ MaxInt32,
    else None (missing, malformed, negative or out of range).

    Example: "13" → 13; "-1" → None; "2147483648" → None.
    """
    v = obj.metadata.annotations.get(key)
    if v is None or not v.isdigit() or not v.isascii():
        return None
    n = int(v)
    return n if n <= MAX_INT32 else None


def is_saturated(d: Deployment, rs: Optional[ReplicaSet]) -> bool:
    """IsSaturated: the new RS has spec = desired-replicas annotation = d.replicas
    and all of them available."""
    if rs is None:
        return False
    desired = get_non_negative_int32_annotation(rs, ANN_DESIRED_REPLICAS)
    return (desired is not None and rs.spec.replicas == d.spec.replicas and desired == d.spec.replicas
            and rs.status.available_replicas == d.spec.replicas)


def get_replica_set_fraction(rs: ReplicaSet, d: Deployment) -> int:
    """getReplicaSetFraction: round(rs × (replicas + maxSurge) / annotated max) − rs;
    a missing, invalid or 0 max-replicas annotation falls back to status.replicas.

    Example: rs 5, d 10 → 50 with surge 25 % of 50 = 13 → 63; annotated max 13
    → round(5 × 63 / 13) − 5 = 24 − 5 = 19.
    """
    if d.spec.replicas == 0:
        return -rs.spec.replicas
    deployment_replicas = d.spec.replicas + max_surge(d)
    annotated = get_non_negative_int32_annotation(rs, ANN_MAX_REPLICAS)
    if not annotated:
        annotated = d.status.replicas
    if annotated == 0:
        return 0
    new_size = rs.spec.replicas * deployment_replicas / annotated
    return _go_round(new_size) - rs.spec.replicas


def _go_round(x: float) -> int:
    """Go's math.Round: half away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def get_proportion(rs: Optional[ReplicaSet], d: Deployment, to_add: int, added: int) -> int:
    """GetProportion: this RS's share of `to_add`, bounded by what is left."""
    if rs is None or rs.spec.replicas == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = get_replica_set_fraction(rs, d)
    allowed = to_add - added
    if to_add > 0:
        return min(fraction, allowed)
    return max(fraction, allowed)


def revision(obj) -> int:
    """Revision annotation as an integer (0 when absent or unparsable)."""
    try:
        return int(obj.metadata.annotations.get(ANN_REVISION, "0"))
    except ValueError:
        return 0


def max_revision(rss) -> int:
    return max((revision(rs) for rs in rss), default=0)


def last_revision(rss) -> int:
    """LastRevision: the second highest revision."""
    mx = sec = 0
    for rs in rss:
        v = revision(rs)
        if v >= mx:
            sec, mx = mx, v
        elif v > sec:
            sec = v
    return sec


#: kubectl rollback.go annotationsToSkip: not copied from the old RS to the deployment.
ANNOTATIONS_TO_SKIP_ON_ROLLBACK = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", ANN_REVISION, "deployment.kubernetes.io/revision-history",
    ANN_DESIRED_REPLICAS, ANN_MAX_REPLICAS, "deprecated.deployment.rollback.to",
})


def template_without_hash(t: PodTemplateSpec) -> PodTemplateSpec:
    labels = t.metadata.labels
    if LABEL_POD_TEMPLATE_HASH in labels:
        labels = labels.without(LABEL_POD_TEMPLATE_HASH)
    return evolve(t, metadata=evolve(t.metadata, labels=labels))


def equal_ignore_hash(a: PodTemplateSpec, b: PodTemplateSpec) -> bool:
    """EqualIgnoreHash: templates equal once `pod-template-hash` is dropped."""
    return template_without_hash(a) == template_without_hash(b)


def compute_hash(template: PodTemplateSpec, collision_count: Optional[int]) -> str:
    """ComputeHash's shape with kstate's own stable dump: FNV-32a over a
    canonical JSON of the template (Go's deep dump cannot be reproduced), the
    collision count mixed in as a little-endian uint32 in 8 bytes, the sum
    printed in decimal and encoded with SafeEncodeString (alphabet
    bcdfghjklmnpqrstvwxz2456789, byte % 27). Fields marked HASH_OMIT_DEFAULT
    (kstate.resources.frozen) are left out while they hold their default."""
    dump = json.dumps(attrs.asdict(template_without_hash(template), recurse=True, filter=_hashed),
                      sort_keys=True, separators=(",", ":"), default=str).encode()
    h = fnv32a(dump)
    if collision_count is not None:
        h = fnv32a(collision_count.to_bytes(8, "little"), h)
    return safe_encode_string(str(h))


def _hashed(a: attrs.Attribute, value: object) -> bool:
    """A field counts in the template hash unless it is marked
    HASH_OMIT_DEFAULT and holds its default."""
    return not (a.metadata.get(HASH_OMIT_DEFAULT_KEY) and value == a.default)


def fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode_string(s: str) -> str:
    """rand.SafeEncodeString: each byte mapped to the alphabet by byte % 27."""
    return "".join(NAME_ALPHABET[ord(ch) % len(NAME_ALPHABET)] for ch in s)


def deployment_complete(d: Deployment, new_status) -> bool:
    """DeploymentComplete: updated = replicas = status.replicas = available and
    observedGeneration ≥ generation."""
    return (new_status.updated_replicas == d.spec.replicas and new_status.replicas == d.spec.replicas
            and new_status.available_replicas == d.spec.replicas
            and new_status.observed_generation >= d.metadata.generation)


def deployment_progressing(d: Deployment, new_status) -> bool:
    """DeploymentProgressing: more updated, fewer old, more ready or more available."""
    old = d.status
    old_old = old.replicas - old.updated_replicas
    new_old = new_status.replicas - new_status.updated_replicas
    return (new_status.updated_replicas > old.updated_replicas or new_old < old_old
            or new_status.ready_replicas > d.status.ready_replicas
            or new_status.available_replicas > d.status.available_replicas)


def has_progress_deadline(d: Deployment) -> bool:
    return d.spec.progress_deadline_seconds is not None and d.spec.progress_deadline_seconds != MAX_INT32


def deployment_timed_out(d: Deployment, new_status, now: int) -> bool:
    """DeploymentTimedOut: the Progressing condition was last updated more
    than progressDeadlineSeconds ago (strictly), unless complete."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(new_status.conditions, "Progressing")
    if cond is None:
        return False
    if cond.reason == REASON_NEW_RS_AVAILABLE:
        return False
    if cond.reason == REASON_TIMED_OUT:
        return True
    last = cond.last_update_time if cond.last_update_time is not None else cond.last_transition_time
    return last is not None and last + d.spec.progress_deadline_seconds * 1000 < now


def set_deployment_condition(conditions: tuple[Condition, ...], new: Condition) -> tuple[Condition, ...]:
    """SetDeploymentCondition: no-op if same status and reason; keep
    lastTransitionTime when the status is unchanged; the condition moves to
    the end (Kubernetes filters it out and appends)."""
    cur = get_condition(conditions, new.type)
    if cur is not None and cur.status == new.status and cur.reason == new.reason:
        return conditions
    if cur is not None and cur.status == new.status:
        new = evolve(new, last_transition_time=cur.last_transition_time)
    return tuple(c for c in conditions if c.type != new.type) + (new,)


def new_condition(type_: str, status: str, reason: str, message: str, now: int) -> Condition:
    return Condition(type_, status, reason, message, last_transition_time=now, last_update_time=now)

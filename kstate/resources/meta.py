"""ObjectMeta, owner references, conditions and timestamps shared by every kind.

Owns: the metadata shape (k8s.io/apimachinery/pkg/apis/meta/v1 types.go) and the
condition helpers every controller uses. Must not import anything of kstate but
`kstate.errors` and sibling resource modules.

Timestamps are integers: milliseconds since the Unix epoch (UTC). The engine's
clock speaks the same unit, so a reconcile compares them without conversion;
`to_manifest` renders RFC 3339.
"""
from __future__ import annotations

import datetime as _dt
from typing import Iterable, Optional

import attrs

from kstate.resources.frozen import EMPTY, FrozenDict, evolve


@attrs.frozen
class OwnerReference:
    api_version: str
    kind: str
    name: str
    uid: str
    controller: Optional[bool] = None
    block_owner_deletion: Optional[bool] = None


@attrs.frozen
class ObjectMeta:
    name: str = ""
    generate_name: str = ""
    namespace: str = ""
    uid: str = ""
    labels: FrozenDict = EMPTY
    annotations: FrozenDict = EMPTY
    owner_references: tuple[OwnerReference, ...] = ()
    creation_timestamp: Optional[int] = None
    deletion_timestamp: Optional[int] = None
    deletion_grace_period_seconds: Optional[int] = None
    generation: int = 0
    resource_version: str = ""
    finalizers: tuple[str, ...] = ()


def controller_of(meta: ObjectMeta) -> Optional[OwnerReference]:
    """The owner reference with controller=true (metav1.GetControllerOf)."""
    for ref in meta.owner_references:
        if ref.controller:
            return ref
    return None


@attrs.frozen
class Condition:
    """One status condition. Pod, Node, Deployment, Job … conditions all fit:
    the kind-specific timestamps are optional and omitted from the manifest
    when unset."""

    type: str
    status: str  # "True" | "False" | "Unknown"
    reason: str = ""
    message: str = ""
    last_transition_time: Optional[int] = None
    last_probe_time: Optional[int] = None
    last_heartbeat_time: Optional[int] = None
    last_update_time: Optional[int] = None


#: (type, status, reason, message, lastTransitionTime) → the one Condition with
#: those fields (and no probe, heartbeat or update time): a flyweight. Pods
#: changing at one instant hold equal conditions (Ready True since 1000 ms);
#: sharing one immutable object is the same value for less memory and no
#: constructor call. Bounded: cleared when full, which only stops the sharing.
_INTERNED: dict = {}
_INTERNED_MAX = 1 << 15


def condition(type_: str, status: str, reason: str = "", message: str = "",
              last_transition_time: Optional[int] = None) -> Condition:
    """`Condition(type_, status, reason, message, last_transition_time)`,
    shared with every equal one made before (see _INTERNED)."""
    key = (type_, status, reason, message, last_transition_time)
    c = _INTERNED.get(key)
    if c is None:
        if len(_INTERNED) >= _INTERNED_MAX:
            _INTERNED.clear()
        c = _INTERNED[key] = Condition(type_, status, reason, message, last_transition_time)
    return c


def _with_transition_time(c: Condition, t: Optional[int]) -> Condition:
    if c.last_probe_time is None and c.last_heartbeat_time is None and c.last_update_time is None:
        return condition(c.type, c.status, c.reason, c.message, t)
    return evolve(c, last_transition_time=t)


def get_condition(conditions: Iterable[Condition], type_: str) -> Optional[Condition]:
    for c in conditions:
        if c.type == type_:
            return c
    return None


def condition_true(conditions: Iterable[Condition], type_: str) -> bool:
    c = get_condition(conditions, type_)
    return c is not None and c.status == "True"


def set_condition(
    conditions: tuple[Condition, ...], new: Condition, now: int
) -> tuple[Condition, ...]:
    """Replace or append `new`, keeping lastTransitionTime when the status is
    unchanged (pkg/api/v1/pod/util.go UpdatePodCondition; the same rule as
    deployment_util.go SetDeploymentCondition). Returns the same tuple object
    when nothing changes, so callers can test `is` for a no-op.

    Example: Ready False since t=5 s, set Ready False reason X at t=9 s →
    lastTransitionTime stays 5 s; set Ready True at t=9 s → it becomes 9 s.
    """
    for i, old in enumerate(conditions):
        if old.type != new.type:
            continue
        if old.status == new.status:
            if old.reason == new.reason and old.message == new.message:
                return conditions
            new = _with_transition_time(new, old.last_transition_time)
        elif new.last_transition_time is None:
            new = _with_transition_time(new, now)
        return conditions[:i] + (new,) + conditions[i + 1:]
    if new.last_transition_time is None:
        new = _with_transition_time(new, now)
    return conditions + (new,)


def remove_condition(conditions: tuple[Condition, ...], type_: str) -> tuple[Condition, ...]:
    kept = tuple(c for c in conditions if c.type != type_)
    return conditions if len(kept) == len(conditions) else kept


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
#: the range of times metav1.Time can serialise (RFC 3339 has four-digit
#: years; Go's Time.MarshalJSON refuses years outside [0, 9999]) and Python's
#: datetime can hold: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999Z in ms.
MIN_TIME_MS = (_dt.datetime(1, 1, 1, tzinfo=_dt.timezone.utc) - _EPOCH) // _dt.timedelta(milliseconds=1)
MAX_TIME_MS = (_dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=_dt.timezone.utc) - _EPOCH) \
    // _dt.timedelta(milliseconds=1)


def _clamp(ms: int) -> int:
    """A time outside what can be written (a deletionTimestamp of now plus an
    int64-max grace period) is shown at the nearest end of the range."""
    return MIN_TIME_MS if ms < MIN_TIME_MS else MAX_TIME_MS if ms > MAX_TIME_MS else ms


def format_time(ms: Optional[int]) -> Optional[str]:
    """RFC 3339 in UTC, seconds precision as the API server writes metav1.Time
    (`2026-01-01T00:00:05Z`). Sub-second parts are dropped like Kubernetes does."""
    if ms is None:
        return None
    ms = _clamp(ms)
    t = _EPOCH + _dt.timedelta(milliseconds=ms - ms % 1000)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> int:
    """RFC 3339 → ms since epoch. Raises ValueError on bad input."""
    s = text.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    t = _dt.datetime.fromisoformat(s)
    if t.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return (t - _EPOCH) // _dt.timedelta(milliseconds=1)


def to_datetime(ms: int) -> _dt.datetime:
    return _EPOCH + _dt.timedelta(milliseconds=_clamp(ms))

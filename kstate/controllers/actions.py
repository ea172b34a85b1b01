"""Actions a reconcile returns: API verbs the engine applies in order.

Owns: the action types and `Result`. Must not import engine/ or io/.
Every prefix of a Result's actions must leave the cluster safe: the engine
may apply only the first k (an injected fault).
"""
from __future__ import annotations

from typing import Any, Optional

import attrs

from kstate.resources.event import ObjectReference


@attrs.frozen
class Create:
    """POST: the engine assigns uid, name (from generateName), timestamps.
    `event` = (involved, reason, source): record "Created pod: <name>" once
    the name is known (controller_utils.go CreatePods' SuccessfulCreate)."""
    obj: Any
    event: Optional[tuple] = None


@attrs.frozen
class Update:
    """PUT of metadata/spec. The engine bumps metadata.generation when the
    spec changed, as the API server does for workloads."""
    obj: Any


@attrs.frozen
class UpdateStatus:
    """PUT of the status subresource. `trigger` names the lifecycle edge when
    `obj.status.state` differs from the stored state; None means the state is
    unchanged (a condition or counter changed). The engine checks it against
    the kind's machine and raises InvalidTransition otherwise."""
    obj: Any
    trigger: Optional[str] = None


@attrs.frozen
class Bind:
    """POST pods/binding: set spec.nodeName of an unbound pod."""
    namespace: str
    name: str
    uid: str
    node_name: str


@attrs.frozen
class Delete:
    """DELETE with an optional uid precondition and grace period
    (None → the object's own terminationGracePeriodSeconds)."""
    kind: str
    namespace: str
    name: str
    uid: Optional[str] = None
    grace_period_seconds: Optional[int] = None
    propagation: Optional[str] = None  # Background | Foreground | Orphan


@attrs.frozen
class RecordEvent:
    involved: ObjectReference
    reason: str
    message: str
    type: str = "Normal"
    source: str = ""


@attrs.frozen
class SetMemory:
    """A controller's in-process memory (kubelet back-off entries, the
    scheduler's start index, rate limiters): lost when that controller
    restarts, never part of the API objects. value None forgets the key."""
    controller: str
    key: Any
    value: Any


@attrs.frozen
class Result:
    actions: tuple = ()
    requeue_after: Optional[int] = None  # ms


NOTHING = Result()


def ref_of(obj) -> ObjectReference:
    """An ObjectReference to a stored object (for events)."""
    m = obj.metadata
    return ObjectReference(kind=obj.KIND, name=m.name, namespace=m.namespace, uid=m.uid,
                           api_version=obj.API_VERSION)

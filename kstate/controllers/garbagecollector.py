"""The garbage collector, per owner uid: deletion propagation through
ownerReferences.

Owns: Background (the owner is gone: delete its dependents, or drop the
reference when they have other owners), Foreground (the owner waits with the
`foregroundDeletion` finalizer until its dependents are gone) and Orphan (the
`orphan` finalizer: strip the references, keep the dependents). Must not
import engine/ or io/.

Kubernetes source: pkg/controller/garbagecollector/garbagecollector.go
(attemptToDeleteItem, processDeletingDependentsItem, orphanDependents).
"""
from __future__ import annotations

import attrs

from kstate.controllers.actions import NOTHING, Delete, RecordEvent, Result, Update, ref_of
from kstate.resources.frozen import evolve

NAME = "garbage-collector"
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


@attrs.frozen
class GCObs:
    uid: str
    owner: object = None
    dependents: tuple = ()
    #: per dependent: is `owner` its owner as the GC resolves it (same
    #: namespace, or cluster-scoped)? Where not, the owner is absent for it.
    resolves: tuple = ()


def owner_resolves(owner, dependent) -> bool:
    """garbagecollector.go isDangling: the owner is looked up in the
    dependent's namespace (cluster-scoped owners without one), so an object
    of that uid elsewhere is not this dependent's owner."""
    return owner is not None and owner.metadata.namespace in ("", dependent.metadata.namespace)


def observe_gc(view, uid) -> GCObs:
    owner = view.by_uid(uid)
    deps = tuple(view.owned_by(uid))
    return GCObs(uid=uid, owner=owner, dependents=deps, resolves=tuple(owner_resolves(owner, d) for d in deps))


def _invalid_namespace_event(d, uid: str, owner) -> RecordEvent:
    """graph_builder.go reportInvalidNamespaceOwnerRef."""
    ref = next(r for r in d.metadata.owner_references if r.uid == uid)
    ns = d.metadata.namespace
    return RecordEvent(ref_of(d), "OwnerRefInvalidNamespace",
                       f"ownerRef [{ref.api_version}/{ref.kind}, namespace: {ns}, name: {ref.name}, uid: {uid}] "
                       f"does not exist in namespace \"{ns}\"", "Warning", "garbage-collector-controller")


def _without_ref(obj, uid: str):
    refs = tuple(r for r in obj.metadata.owner_references if r.uid != uid)
    return evolve(obj, metadata=evolve(obj.metadata, owner_references=refs))


def _without_finalizer(obj, name: str):
    fins = tuple(f for f in obj.metadata.finalizers if f != name)
    return evolve(obj, metadata=evolve(obj.metadata, finalizers=fins))


def reconcile_gc(obs: GCObs, now: int) -> Result:
    owner, uid = obs.owner, obs.uid
    if owner is not None and not all(obs.resolves):
        # Dependents in another namespace than their owner: for them the
        # owner is absent (they are collected as orphans); the others are
        # handled below as usual.
        strays = tuple(d for d, ok in zip(obs.dependents, obs.resolves) if not ok)
        events = tuple(_invalid_namespace_event(d, uid, owner) for d in strays)
        rest = reconcile_gc(GCObs(uid, owner, tuple(d for d, ok in zip(obs.dependents, obs.resolves) if ok),
                                  tuple(True for ok in obs.resolves if ok)), now)
        gone = _owner_absent(GCObs(uid, None, strays, ()), uid)
        return Result(events + gone + rest.actions)
    if owner is not None and owner.metadata.deletion_timestamp is None:
        return NOTHING
    if owner is not None and ORPHAN in owner.metadata.finalizers:
        acts = [Update(_without_ref(d, uid)) for d in obs.dependents]
        return Result(tuple(acts) + (Update(_without_finalizer(owner, ORPHAN)),))
    if owner is not None and FOREGROUND in owner.metadata.finalizers:
        if obs.dependents:
            return Result(tuple(Delete(d.KIND, d.metadata.namespace, d.metadata.name, d.metadata.uid,
                                       propagation="Foreground")
                                for d in obs.dependents if d.metadata.deletion_timestamp is None))
        return Result((Update(_without_finalizer(owner, FOREGROUND)),))
    if owner is not None:
        return NOTHING
    return Result(_owner_absent(obs, uid))


def _owner_absent(obs: GCObs, uid: str) -> tuple:
    """attemptToDeleteItem for dependents whose owner `uid` is absent: drop
    the reference when they have other owners, else delete them."""
    acts = []
    for d in obs.dependents:
        if any(r.uid != uid for r in d.metadata.owner_references):
            acts.append(Update(_without_ref(d, uid)))
        elif d.metadata.deletion_timestamp is None:
            acts.append(Delete(d.KIND, d.metadata.namespace, d.metadata.name, d.metadata.uid, propagation="Background"))
    return tuple(acts)


# -- watches (the GC's graph builder watches every kind)

def watch_removed(old, new, view) -> tuple:
    """An object left the store: its dependents may be orphans now, and an
    owner waiting in foreground deletion may be free to go."""
    if new is not None:
        return ()
    m = old.metadata
    out = [m.uid] if view.owned_by(m.uid) else []
    for ref in m.owner_references:
        owner = view.by_uid(ref.uid)
        if owner is not None and owner.metadata.deletion_timestamp is not None:
            out.append(ref.uid)
    return tuple(out)


def watch_deleting(old, new, view) -> tuple:
    """Deletion started on an object with finalizers (foreground, orphan, or
    a user's), or a GC finalizer appeared on an object already being deleted
    (deleted again with another propagation policy): the GC processes it
    (graph_builder.go deletionStartsWithFinalizer)."""
    if new is None or new.metadata.deletion_timestamp is None or not new.metadata.finalizers:
        return ()
    if old is not None and old.metadata.deletion_timestamp is not None and not any(
            f in (FOREGROUND, ORPHAN) and f not in old.metadata.finalizers for f in new.metadata.finalizers):
        return ()
    return (new.metadata.uid,)


def watch_owner_refs(old, new, view) -> tuple:
    """graph_builder.go processGraphChanges: a new or changed reference to an
    owner that does not resolve (no object of that uid, or one in another
    namespace) makes the owner a virtual node the GC checks; if it is still
    absent when the GC runs (an owner created later in the same apply is not)
    its dependents are collected."""
    if new is None or not new.metadata.owner_references:
        return ()
    before = {r.uid for r in old.metadata.owner_references} if old is not None else set()
    return tuple(r.uid for r in new.metadata.owner_references
                 if r.uid not in before and not owner_resolves(view.by_uid(r.uid), new))

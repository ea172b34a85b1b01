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

from kstate.controllers.actions import NOTHING, Delete, Result, Update
from kstate.resources.frozen import evolve

NAME = "garbage-collector"
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


@attrs.frozen
class GCObs:
    uid: str
    owner: object = None
    dependents: tuple = ()


def observe_gc(view, uid) -> GCObs:
    return GCObs(uid=uid, owner=view.by_uid(uid), dependents=tuple(view.owned_by(uid)))


def _without_ref(obj, uid: str):
    refs = tuple(r for r in obj.metadata.owner_references if r.uid != uid)
    return evolve(obj, metadata=evolve(obj.metadata, owner_references=refs))


def _without_finalizer(obj, name: str):
    fins = tuple(f for f in obj.metadata.finalizers if f != name)
    return evolve(obj, metadata=evolve(obj.metadata, finalizers=fins))


def reconcile_gc(obs: GCObs, now: int) -> Result:
    owner, uid = obs.owner, obs.uid
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
    acts = []
    for d in obs.dependents:
        if any(r.uid != uid for r in d.metadata.owner_references):
            acts.append(Update(_without_ref(d, uid)))
        elif d.metadata.deletion_timestamp is None:
            acts.append(Delete(d.KIND, d.metadata.namespace, d.metadata.name, d.metadata.uid, propagation="Background"))
    return Result(tuple(acts))


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
    a user's): the GC processes it."""
    if new is None or new.metadata.deletion_timestamp is None or not new.metadata.finalizers:
        return ()
    if old is not None and old.metadata.deletion_timestamp is not None:
        return ()
    return (new.metadata.uid,)

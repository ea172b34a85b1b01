"""Controllers: pure `observe_<x>(view, key)` and `reconcile_<x>(obs, now) -> Result`.

Owns: the registry of controllers the engine runs. Must not import engine/ or
io/, and no controller touches the store, the clock, randomness or I/O.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from kstate.controllers import deployment, garbagecollector, kubelet, nodelifecycle, replicaset, scheduler
from kstate.controllers.actions import (  # noqa: F401  (re-exported)
    NOTHING, Bind, Create, Delete, RecordEvent, Result, SetMemory, Update, UpdateStatus,
)


class Controller(NamedTuple):
    name: str
    observe: Callable[[Any, Any], Any]
    reconcile: Callable[[Any, int], Result]
    #: workqueue tier: at one instant lower tiers drain first. Node-local
    #: work (scheduling, the kubelet) settles before the ReplicaSet
    #: controller looks, and ReplicaSets before Deployments — the order in
    #: which a real cluster's informers would observe instantaneous changes.
    tier: int = 0


CONTROLLERS: dict[str, Controller] = {c.name: c for c in (
    Controller(scheduler.NAME, scheduler.observe_scheduler, scheduler.reconcile_scheduler),
    Controller(kubelet.NAME, kubelet.observe_kubelet, kubelet.reconcile_kubelet),
    Controller(nodelifecycle.NAME, nodelifecycle.observe_node_lifecycle, nodelifecycle.reconcile_node_lifecycle),
    Controller(nodelifecycle.ZONE, nodelifecycle.observe_zone, nodelifecycle.reconcile_zone),
    Controller(nodelifecycle.TAINT_EVICTION, nodelifecycle.observe_taint_eviction,
               nodelifecycle.reconcile_taint_eviction),
    Controller(nodelifecycle.PODGC, nodelifecycle.observe_podgc, nodelifecycle.reconcile_podgc),
    Controller(replicaset.NAME, replicaset.observe_replicaset, replicaset.reconcile_replicaset, 1),
    Controller(garbagecollector.NAME, garbagecollector.observe_gc, garbagecollector.reconcile_gc, 1),
    Controller(deployment.NAME, deployment.observe_deployment, deployment.reconcile_deployment, 2),
)}
TIERS = 3

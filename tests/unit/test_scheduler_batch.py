"""The scheduler's batch form (`reconcile_scheduler_batch`, the assume
overlay): for every run of pending pods the engine hands it, its Results
must be the ones the one-pod scheduler gives when each pod is observed after
the binds before it landed — the plain fold. The property test draws random
pending-pod sets (bare pods of several sizes, some too big for any node,
node selectors, host ports, scheduling gates, anti-affinity, extended
resources) on random nodes (small, tainted, cordoned, labelled) and compares
the Results, in application order, and the whole run (trace, events,
snapshot) with the scheduler's batch form switched off."""
from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import kstate
from kstate.controllers import CONTROLLERS, scheduler
from kstate.indexes.nodetable import NodeTable

SIZES = (("100m", "64Mi"), ("500m", "256Mi"), ("1", "1Gi"), ("0", "0"), ("3", "6Gi"), ("64", "1Ti"))
KINDS = ("bare", "bare", "bare", "bare", "selector", "port", "gated", "anti", "gpu", "tolerating")


def _pod(name: str, kind: str, size: tuple) -> dict:
    cpu, mem = size
    container = {"name": "c", "image": "nginx"}
    if cpu != "0":
        container["resources"] = {"requests": {"cpu": cpu, "memory": mem}}
    spec: dict = {"containers": [container]}
    meta: dict = {"name": name}
    if kind == "selector":
        spec["nodeSelector"] = {"disk": "ssd"}
    elif kind == "port":
        container["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    elif kind == "gated":
        spec["schedulingGates"] = [{"name": "example.com/wait"}]
    elif kind == "anti":
        meta["labels"] = {"app": "anti"}
        spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "anti"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    elif kind == "gpu":
        container["resources"] = {"requests": {"example.com/gpu": "1"}, "limits": {"example.com/gpu": "1"}}
    elif kind == "tolerating":
        spec["tolerations"] = [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


NODES = st.lists(st.tuples(st.sampled_from(("2", "4", "8")), st.sampled_from(("4", "110")),
                           st.sampled_from(("plain", "plain", "plain", "ssd", "tainted", "cordoned"))),
                 min_size=1, max_size=7)
PODS = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(SIZES)), min_size=1, max_size=30)


def _run(nodes: list, pods: list, batch: bool, seed: int):
    """The cluster after applying `pods` at one instant and 5 s more; the
    scheduler's Results in the order they were applied."""
    applied: list = []
    spec = CONTROLLERS[scheduler.NAME]

    def reconcile(obs, now):
        result = scheduler.reconcile_scheduler(obs, now)
        applied.append((obs.pod and obs.pod.metadata.name, result))
        return result

    batches: list = []

    def reconcile_batch(observations, now):
        results = scheduler.reconcile_scheduler_batch(observations, now)
        batches.append((len(observations), len(results)))
        applied.extend((o.pod and o.pod.metadata.name, r) for o, r in zip(observations, results))
        return results

    ctrls = dict(CONTROLLERS)
    ctrls[scheduler.NAME] = spec._replace(reconcile=reconcile, reconcile_batch=reconcile_batch if batch else None)
    c = kstate.Cluster(nodes=0, seed=seed, controllers=ctrls)
    for i, (cpu, max_pods, flavour) in enumerate(nodes):
        labels = {"disk": "ssd"} if flavour == "ssd" else {}
        taints = [{"key": "dedicated", "value": "x", "effect": "NoSchedule"}] if flavour == "tainted" else []
        c.add_node(f"node-{i}", labels=labels, taints=taints, cpu=cpu, memory="8Gi", pods=max_pods)
        if flavour == "cordoned":
            c.cordon(f"node-{i}")
    c.advance("1s")
    applied.clear()
    c.apply([_pod(f"p{j:02d}", kind, size) for j, (kind, size) in enumerate(pods)])
    c.advance("5s")
    return c, applied, batches


@settings(deadline=None)
@given(nodes=NODES, pods=PODS, seed=st.integers(0, 3))
def test_the_batch_gives_the_folds_results_on_random_pending_pods(nodes, pods, seed):
    batched, b_results, batches = _run(nodes, pods, True, seed)
    folded, f_results, _ = _run(nodes, pods, False, seed)
    assert b_results == f_results
    assert batched.trace() == folded.trace()
    assert batched.events() == folded.events()
    assert batched.snapshot() == folded.snapshot()
    assert batched.engine.steps == folded.engine.steps
    assert all(0 < answered <= asked for asked, answered in batches)


def test_bare_pods_pending_together_are_placed_in_one_batch_as_the_fold_places_them():
    """40 bare pods on 5 equal nodes: one call answers all 40 (each pod
    assumed into the copy of the table before the next is scored), and the
    placements spread 8 a node, as the one-pod scheduler's."""
    nodes = [("4", "110", "plain")] * 5
    pods = [("bare", ("100m", "64Mi"))] * 40
    batched, b_results, batches = _run(nodes, pods, True, 0)
    folded, f_results, _ = _run(nodes, pods, False, 0)
    assert batches == [(40, 40)]
    assert b_results == f_results and batched.trace() == folded.trace()
    per_node: dict = {}
    for p in batched.list("Pod"):
        per_node[p.spec.node_name] = per_node.get(p.spec.node_name, 0) + 1
    assert sorted(per_node.values()) == [8] * 5


def test_the_batch_stops_at_a_pod_it_cannot_foresee_and_the_engine_folds_the_rest():
    """A pod with a host port after bare ones: the copy of the table does
    not model ports, so the batch answers the bare pods before it and the
    engine schedules the rest one at a time."""
    nodes = [("4", "110", "plain")] * 3
    pods = [("bare", ("100m", "64Mi"))] * 3 + [("port", ("100m", "64Mi"))] + [("bare", ("100m", "64Mi"))] * 2
    batched, b_results, batches = _run(nodes, pods, True, 0)
    folded, f_results, _ = _run(nodes, pods, False, 0)
    assert batches == [(6, 3)]
    assert b_results == f_results and batched.trace() == folded.trace()


def test_a_broken_overlay_is_caught(monkeypatch):
    """The comparison above can fail: a batch form that forgets to assume
    the pods it placed scores every pod against the table before the batch."""
    nodes = [("4", "110", "plain")] * 3
    pods = [("bare", ("500m", "256Mi"))] * 6
    folded, f_results, _ = _run(nodes, pods, False, 0)
    monkeypatch.setattr(NodeTable, "assumed", lambda table: type("NoAssume", (), {
        "add_usage": lambda self, *a: None, "__getattr__": lambda self, k: getattr(table, k)})())
    batched, b_results, batches = _run(nodes, pods, True, 0)
    assert batches == [(6, 6)]
    assert b_results != f_results


def test_the_assumed_observation_carries_every_other_field():
    """A field added to SchedulerObs must reach the batch's observations too."""
    fields = attrs.fields(scheduler.SchedulerObs)
    obs = scheduler.SchedulerObs(**{f.name: object() for f in fields})
    table, start = object(), 7
    out = scheduler._assumed_obs(obs, table, start)
    assert out == attrs.evolve(obs, table=table, next_start=start)
    assert all(getattr(out, f.name) is getattr(obs, f.name) for f in fields if f.name not in ("table", "next_start"))

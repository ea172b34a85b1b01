"""The cached path for pods whose only extra score is PodTopologySpread's
system default constraints (kstate.controllers.scheduling.defaultspread),
and the scheduler cache's per-label-set spread counts it reads
(kstate.indexes.SpreadCounts).

The property: for random clusters (zones present, absent or mixed; nodes
full; NoSchedule and PreferNoSchedule taints; terminating pods; relabelled
and removed nodes) and random workloads (Services, a Deployment's
ReplicaSet), every pending pod gets exactly the same scheduling result from
(a) the cached path, (b) the full path reading the cached counts and (c) the
full path walking the matching pods through the label index — same node,
same next search offset, same events — for every search offset and window
size. Sources: pkg/scheduler/framework/plugins/podtopologyspread/scoring.go,
pkg/scheduler/schedule_one.go (findNodesThatPassFilters, selectHost).
"""
from collections import Counter

import attrs
import pytest
from hypothesis import event, given, strategies as st

import kstate
from kstate.controllers import scheduler as sched
from kstate.controllers.scheduling import defaultspread
from kstate.controllers.scheduling import podtopologyspread as pts
from kstate.controllers.scheduling.terms import LABEL_HOSTNAME, LABEL_ZONE
from kstate.indexes.nodetable import NodeTable
from kstate.resources.selector import LabelSelector

NAME = sched.NAME


def _node(name, zone=None, cpu="2", taint=None):
    labels = {} if zone is None else {LABEL_ZONE: zone}
    spec = {"taints": [{"key": "k", "value": "v", "effect": taint}]} if taint else {}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}, "spec": spec,
            "status": {"capacity": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}}


def _pod(name, app=None, cpu="300m", node=None, tier=None):
    meta = {"name": name}
    if app is not None:
        meta["labels"] = {"app": app}
        if tier is not None:
            meta["labels"]["tier"] = tier      # another label set the Service's selector matches
    spec = {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": cpu}}}]}
    if node is not None:
        spec["nodeName"] = node       # bound by hand: any spread of the workload
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def _service(app):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": app},
            "spec": {"selector": {"app": app}, "ports": [{"port": 80}]}}


def _deployment(name, replicas, cpu="200m"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "x",
                                                           "resources": {"requests": {"cpu": cpu}}}]}}}}


def _walk_counts(c, selector):
    """What _spread_matched counts for a selector: bound, counted, not
    terminating pods, per node and per zone of a node the table holds."""
    cache = c.engine.index(sched.SCHEDULER_CACHE)
    by_node, by_zone = Counter(), Counter()
    for p in c.engine.objects_matching("Pod", "default", selector):
        if (p.metadata.namespace, p.metadata.name) not in cache.usage or p.metadata.deletion_timestamp:
            continue
        by_node[p.spec.node_name] += 1
        zone = cache.node_zone(p.spec.node_name)
        if zone is not None:
            by_zone[zone] += 1
    return dict(by_node), dict(by_zone)


def _results(c, key, start, monkeypatch):
    """The scheduling result of pod `key` at search offset `start` by the
    cached path, the full path on cached counts, and the full path walking
    the pods; plus whether the cached path decided."""
    eng = c.engine
    fast = sched.observe_scheduler(eng, key)
    ref = sched.observe_scheduler(eng, key, use_counts=False)
    if fast.pod is None:
        return None
    fast, ref = attrs.evolve(fast, next_start=start), attrs.evolve(ref, next_start=start)
    decided = []
    real = defaultspread.best_with_default_spread

    def spy(*a, **kw):
        hit = real(*a, **kw)
        decided.append(hit is not None)
        return hit

    monkeypatch.setattr(defaultspread, "best_with_default_spread", spy)
    r_fast = sched.reconcile_scheduler(fast, eng.now)
    monkeypatch.setattr(defaultspread, "best_with_default_spread", lambda *a, **kw: None)
    r_counts = sched.reconcile_scheduler(fast, eng.now)
    monkeypatch.setattr(defaultspread, "best_with_default_spread", real)
    r_ref = sched.reconcile_scheduler(ref, eng.now)
    return r_fast.actions, r_counts.actions, r_ref.actions, any(decided)


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 8))
    zone_mode = draw(st.sampled_from(["none", "all", "mixed"]))
    zones = draw(st.integers(1, 3))
    nodes = []
    for i in range(n):
        zoned = zone_mode == "all" or (zone_mode == "mixed" and draw(st.booleans()))
        nodes.append(_node(f"n{i}", f"z{draw(st.integers(0, zones - 1))}" if zoned else None,
                           draw(st.sampled_from(["1", "2", "4"])),
                           draw(st.sampled_from([None, None, None, None, "NoSchedule", "PreferNoSchedule"]))))
    apps = draw(st.lists(st.tuples(st.sampled_from([None, "a", "b"]), st.one_of(st.none(), st.integers(0, n - 1)),
                                   st.sampled_from([None, None, "x"])), max_size=14))
    rs = draw(st.integers(0, 5))
    terminate = draw(st.lists(st.integers(0, 20), max_size=3))
    relabel_pods = draw(st.lists(st.tuples(st.integers(0, 20), st.sampled_from(["a", "b", "c"])), max_size=3))
    relabel = draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from([None, "z0", "z1", "z9"])), max_size=2))
    remove = draw(st.lists(st.integers(0, n - 1), max_size=1))
    pending = draw(st.lists(st.sampled_from([None, "a", "b"]), min_size=1, max_size=3))
    scale_to = rs + draw(st.integers(0, 2)) if rs else 0
    want = draw(st.integers(1, n))
    return nodes, apps, rs, terminate, relabel_pods, relabel, remove, pending, scale_to, want


@given(scenarios())
def test_cached_path_chooses_what_the_full_path_chooses(scenario):
    mp = pytest.MonkeyPatch()     # a function-scoped fixture would be shared by the examples
    try:
        _check(scenario, mp)
    finally:
        mp.undo()


def _check(scenario, mp):
    nodes, apps, rs, terminate, relabel_pods, relabel, remove, pending, scale_to, want = scenario
    c = kstate.Cluster(nodes=nodes, seed=len(apps))
    c.apply([_service("a"), _service("b")]
            + [_pod(f"p{i}", app, node=None if at is None else f"n{at}", tier=tier)
               for i, (app, at, tier) in enumerate(apps)]
            + ([_deployment("web", rs)] if rs else []))
    c.advance("20s")     # not run_until_stable: a pod no node fits stays pending
    bound = sorted(p.metadata.name for p in c.list("Pod") if p.spec.node_name)
    for i in terminate:
        if bound and bound[i % len(bound)] in {p.metadata.name for p in c.list("Pod")}:
            c.delete("Pod", bound[i % len(bound)], grace_period=30)     # terminating: no longer counted
    mine = [name for name in bound if name.startswith("p")]
    for i, app in relabel_pods:       # a bound pod's labels change: it moves between label sets
        if mine and c.engine.get("Pod", "default", mine[i % len(mine)]) is not None:
            cur = c.get("Pod", mine[i % len(mine)])
            c.apply(_pod(cur.metadata.name, app, node=cur.spec.node_name, tier=cur.metadata.labels.get("tier")))
    for i, zone in relabel:
        name = nodes[i]["metadata"]["name"]
        if c.engine.get("Node", "", name) is not None:
            cur = c.get("Node", name)
            labels = {k: v for k, v in cur.metadata.labels.items() if k != LABEL_ZONE}
            if zone is not None:
                labels[LABEL_ZONE] = zone
            c.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}})
    for i in remove:
        name = nodes[i]["metadata"]["name"]
        if c.engine.get("Node", "", name) is not None and len(c.list("Node")) > 1:
            c.remove_node(name)
    c.stop_controller(NAME)
    c.apply([_pod(f"q{i}", app) for i, app in enumerate(pending)])
    if scale_to > rs:
        c.scale("Deployment", "web", scale_to)
    c.advance("1s")
    cache = c.engine.index(sched.SCHEDULER_CACHE)
    # the index holds what the walk finds, for every workload selector
    for app in ("a", "b", "web"):
        sel = LabelSelector(match_labels={"app": app})
        by_node, by_zone, rows = cache.spread_counts("default", sel)
        assert (dict(by_node), dict(by_zone)) == _walk_counts(c, sel)
        # the occupied rows, kept incrementally, are by_node's nodes in the table, sorted
        assert list(rows) == sorted(cache.table.row[x] for x in by_node if x in cache.table.row)
    n = cache.table.size
    mp.setattr(sched, "num_feasible_nodes_to_find", lambda total, percentage=0: min(total, want))
    waiting = sorted(p.metadata.name for p in c.list("Pod") if not p.spec.node_name
                     and p.metadata.deletion_timestamp is None)
    assert waiting
    for name in waiting:
        for start in range(n):
            got = _results(c, ("default", name), start, mp)
            assert got is not None
            fast, counts, ref, hit = got
            event("cached path decided" if hit else "full path decided")
            assert fast == ref, (name, start)
            assert counts == ref, (name, start)


def test_cached_path_decides_and_agrees_on_a_zoned_cluster(monkeypatch):
    """Three zones, two Services and a Deployment: the cached path decides
    every pending pod (no node full or tainted) and agrees with the walk
    for every offset and window size."""
    nodes = [_node(f"n{i}", f"z{i % 3}", "8") for i in range(7)]
    c = kstate.Cluster(nodes=nodes, seed=3)
    c.apply([_service("a"), _service("b"), _deployment("web", 6)]
            + [_pod(f"p{i}", "ab"[i % 2]) for i in range(9)])
    c.run_until_stable()
    c.stop_controller(NAME)
    c.apply([_pod("qa", "a"), _pod("qb", "b")])
    c.scale("Deployment", "web", 8)
    c.advance("1s")
    waiting = sorted(p.metadata.name for p in c.list("Pod") if not p.spec.node_name)
    assert len(waiting) == 4
    decided = 0
    for want in (1, 3, 5, 7):
        monkeypatch.setattr(sched, "num_feasible_nodes_to_find", lambda total, percentage=0, w=want: min(total, w))
        for name in waiting:
            for start in range(7):
                fast, counts, ref, hit = _results(c, ("default", name), start, monkeypatch)
                assert fast == ref == counts
                decided += hit
    assert decided == 4 * 4 * 7


class _Table(NodeTable):
    """A node table whose cached resource scores are given."""

    def __init__(self, keys):
        super().__init__()
        self.given = keys

    def window_keys(self, req, start, want):
        return [self.given[(start + j) % self.size] for j in range(want)]


def _table(zones, keys):
    table = _Table(keys)
    for i, z in enumerate(zones):
        (node,) = kstate.parse_manifests(_node(f"n{i}", z), source="test")
        table.add_node(node)
    return table


def test_worked_example_of_the_docstring():
    """best_with_default_spread's worked example: nodes n0..n3 in zones a,
    a, b, b, one matching pod on n0 (zone a: 1): raw 9, 7, 6, 6 →
    normalized 66, 88, 100, 100; equal resource scores → ties n2, n3; draw
    5 picks n3."""

    table = _table(["a", "a", "b", "b"], [180] * 4)
    cons = pts.default_constraints(LabelSelector(match_labels={"app": "x"}))
    assert [c.topology_key for c in cons] == [LABEL_HOSTNAME, LABEL_ZONE]
    assert defaultspread.best_with_default_spread(table, None, 0, 4, 5, cons, {"n0": 1}, {"a": 1}) == (3, 4)
    assert defaultspread.best_with_default_spread(table, None, 0, 4, 4, cons, {"n0": 1}, {"a": 1}) == (2, 4)
    # the full path's arithmetic on the same inputs
    labels = [{LABEL_HOSTNAME: f"n{i}", LABEL_ZONE: z} for i, z in enumerate("aabb")]
    got = pts.scores_from_counts(cons, labels, [{"n0": 1}, {"a": 1}], False)
    assert got == [66, 88, 100, 100]


def test_a_zone_whose_window_nodes_all_hold_pods_adds_no_shared_score():
    """NormalizeScore's min is over the nodes scored: zone z's only node n0
    holds a matching pod, so z's score for an empty node (raw 7) is no
    node's and must not lower the min. Nodes n0 (z, 1 pod), n1 (y, empty),
    n2 (y, 3 pods); zone counts z 1, y 3; weights log 5 = 1.609 (3 nodes)
    and log 4 = 1.386 (2 zones). raw n0 = round(1.609 + 2 + 1.386 + 4) = 9,
    n1 = round(2 + 4.159 + 4) = 10, n2 = round(4.828 + 2 + 4.159 + 4) = 15
    → normalized 100 × (15 + 9 − s) // 15 = 100, 93, 60 (a min of 7 would
    give 86, 80, 46). Resource scores 100 and 113: n0 300 against n1 299
    (with the wrong min, 272 against 273 and n1 would win)."""
    table = _table(["z", "y", "y"], [100, 113, 0])
    cons = pts.default_constraints(LabelSelector(match_labels={"app": "x"}))
    labels = [{LABEL_HOSTNAME: f"n{i}", LABEL_ZONE: z} for i, z in enumerate("zyy")]
    assert pts.scores_from_counts(cons, labels, [{"n0": 1, "n2": 3}, {"z": 1, "y": 3}], False) == [100, 93, 60]
    for draw in range(3):
        assert defaultspread.best_with_default_spread(table, None, 0, 3, draw, cons, {"n0": 1, "n2": 3},
                                                      {"z": 1, "y": 3}) == (0, 3)


def test_unzoned_nodes_count_as_one_more_zone_domain():
    """scoring.go initPreScoreState with the system defaults: a feasible
    node without a zone adds the value "" to topoSize, so zones z1, z2 and
    an unzoned node are 3 zone domains (weight log 5, not log 4), and the
    unzoned node gets no zone term itself.

    Nodes a (z1), b (z2), c (none), 3 matching pods on a. Hostname weight
    log 5 = 1.609 (3 feasible nodes), zone weight log 5. raw a =
    round(3 × 1.609 + 2 + 3 × 1.609 + 4) = round(15.66) = 16 (with log 4
    for the zone: round(14.99) = 15), b = round(2 + 4) = 6, c = 2 →
    normalized 100 × (16 + 2 − s) // 16: a 12, b 75, c 100.
    """
    cons = pts.default_constraints(LabelSelector(match_labels={"app": "x"}))
    labels = [{LABEL_HOSTNAME: "a", LABEL_ZONE: "z1"}, {LABEL_HOSTNAME: "b", LABEL_ZONE: "z2"}, {LABEL_HOSTNAME: "c"}]
    assert pts.scores_from_counts(cons, labels, [{"a": 3}, {"z1": 3}], False) == [12, 75, 100]

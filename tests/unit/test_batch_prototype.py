"""The batch-per-instant prototype (benchmarks/batchproto.py, issue 12 item 3)
against kstate's engine, so that the design study in docs/performance.md
cannot silently rot: for the scale benchmark's workload at small sizes the
prototype's placements, trace, events, pods, node table, admission totals
and memory must be the engine's, byte for byte; the window scans it can run
instead of the node table's index (the baseline the benchmarks time) must
answer as NodeTable.best_simple does."""
from __future__ import annotations

import os
import random
import sys

import attrs
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "benchmarks")
if BENCH not in sys.path:
    sys.path.append(BENCH)     # appended: a benchmark script's name never shadows another module

import batchproto  # noqa: E402
from _common import make_pods  # noqa: E402
from batchwindow import scan_best  # noqa: E402

from kstate.controllers.scheduler import Requests  # noqa: E402
from kstate.indexes.nodetable import NodeTable, ScoreWindow  # noqa: E402
from kstate.resources.frozen import FrozenDict  # noqa: E402


@pytest.mark.parametrize("pods,nodes,seed", [
    (4, 3, 0),          # fewer than 100 nodes: every node is in the window
    (300, 120, 0),      # 120 nodes: a 100-node window that wraps around
    (1000, 40, 3),      # 25 pods a node, another seed
    (2000, 150, 0),
])
def test_prototype_run_equals_the_engine(pods, nodes, seed):
    run = batchproto.prototype(make_pods(pods), nodes, seed)
    ref = batchproto.engine_reference(make_pods(pods), nodes, seed)
    assert batchproto.differences(run, ref) == []
    # the batches: one scheduler batch and four kubelet passes (admit, the pass
    # that finds the start 1 s away, start already Ready, the pass that finds
    # nothing), five reconciles a pod as the engine's
    assert run.batches == 5
    assert run.steps == 5 * pods
    # the kubelet's classes: one per pass, and the start twice (a node's first pull records its images)
    assert run.classes == 5
    placements = {run.pods.meta[r].name: run.table.names[run.pods.node[r]] for r in range(len(run.pods))}
    assert placements == {p.metadata.name: p.spec.node_name for p in ref.engine.store.list("Pod")}


def test_prototype_with_the_window_scans_per_object_parse_and_without_classes_equals_the_engine():
    ref = batchproto.engine_reference(make_pods(500), 130, 1)
    run = batchproto.prototype(make_pods(500), 130, 1, block_window=False, batched_parse=False)
    assert batchproto.differences(run, ref) == []
    run = batchproto.prototype(make_pods(500), 130, 1, by_class=False)
    assert batchproto.differences(run, ref) == []
    assert run.classes == 4 * 500     # the plain fold: the real reconcile for every pod and kubelet pass


def test_differences_sees_a_changed_placement_trace_or_status():
    ref = batchproto.engine_reference(make_pods(50), 7)
    run = batchproto.prototype(make_pods(50), 7)
    run.pods.node[3] = (run.pods.node[3] + 1) % 7
    assert any("pod pod-000003 differs" in d for d in batchproto.differences(run, ref))
    run = batchproto.prototype(make_pods(50), 7)
    run.trace_codes[10], run.trace_codes[11] = run.trace_codes[11], run.trace_codes[10]
    assert any(d.startswith("trace differs") for d in batchproto.differences(run, ref))
    run = batchproto.prototype(make_pods(50), 7)
    run.event_times[0] += 1
    assert any(d.startswith("events differ") for d in batchproto.differences(run, ref))


def test_prototype_refuses_what_it_does_not_model():
    pods = make_pods(3)
    labelled = [attrs.evolve(pods[0], metadata=attrs.evolve(pods[0].metadata, labels=FrozenDict({"app": "a"})))]
    from kstate import Cluster
    run = batchproto.BatchRun(Cluster(nodes=2))
    with pytest.raises(batchproto.Unsupported):
        run.apply(labelled)
    # full nodes in the window: the scheduler's filter path, which the prototype does not model
    run = batchproto.BatchRun(Cluster(nodes=2))
    run.apply(make_pods(81))      # 2 nodes × 4 cpu hold 80 pods of 100m
    with pytest.raises(batchproto.Unsupported, match="infeasible"):
        run.run_until_stable()


def test_the_scan_baseline_answers_as_best_simple():
    rnd = random.Random(12)
    req = Requests(1, 1, 1, 1)
    paths = {"drawn": 0, "k-th": 0}
    for _ in range(400):
        n = rnd.randint(1, 400)
        spread = rnd.choice([4, 60])   # many ties (drawn positions) or few (the k-th occurrence)
        vals = [rnd.randint(0, spread) for _ in range(n)]
        if rnd.random() < 0.3:
            vals[rnd.randrange(n)] = -1
        table = NodeTable()
        table.names = ["n"] * n
        table._scores[(1, 1, 1, 1)] = window = ScoreWindow(list(vals))
        for _ in range(8):
            i = rnd.randrange(n)
            v = -1 if rnd.random() < 0.05 else rnd.randint(0, spread + 2)
            vals[i] = v
            window.update(i, v)
            start, want, draw = rnd.randrange(n), rnd.randint(1, n + 5), rnd.getrandbits(32)
            assert scan_best(table, req, start, want, draw) == table.best_simple(req, start, want, draw)
            w = min(want, n)
            seg = (vals + vals)[start:start + w]
            if min(seg) >= 0:
                paths["drawn" if seg.count(max(seg)) * 8 >= w else "k-th"] += 1
        assert window.keys == vals
    assert paths["drawn"] > 100 and paths["k-th"] > 100, paths


def _template(image: str, cpu: str, memory: str):
    from kstate import parse_manifests
    (tpl,) = parse_manifests({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tpl", "namespace": "default"},
        "spec": {"containers": [{"name": "app", "image": image,
                                 "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}}, source="test")
    return tpl


def test_prototype_equals_the_engine_with_two_templates_and_cached_images():
    """Two templates interleaved (two request shapes in the scheduler's
    window, two specs per node at admission) with tagged images
    (IfNotPresent: a node's first start pulls, the later ones find the image
    "already present" — the per-node images overlay decides the class)."""
    small = make_pods(300, tpl=_template("nginx:1.25", "100m", "128Mi"))
    big = make_pods(300, start=300, tpl=_template("redis:7", "250m", "256Mi"))
    pods = [p for pair in zip(small, big) for p in pair]
    run = batchproto.prototype(list(pods), 40, 2)
    ref = batchproto.engine_reference(list(pods), 40, 2)
    assert batchproto.differences(run, ref) == []
    reasons = {e.reason + ":" + e.message[:9] for e in ref.events(kind="Pod")}
    assert "Pulled:Container" in reasons and "Pulling:Pulling i" in reasons   # both outcomes occurred

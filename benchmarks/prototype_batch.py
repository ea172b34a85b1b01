"""Design-study prototype (issue 12 item 3): scale.py's workload run batch-per-instant.

    PYTHONPATH=. python benchmarks/prototype_batch.py --nodes 5000 --pods 150000 --seed 0
    PYTHONPATH=. python benchmarks/prototype_batch.py --nodes 150 --pods 2000 --check
    PYTHONPATH=. python benchmarks/prototype_batch.py --nodes 1000 --pods 30000 --paired 3 --engine-at CHECKOUT
    PYTHONPATH=. python benchmarks/prototype_batch.py --nodes 5000 --window-bench

The workload is scale.py's: one Pod manifest (one container, cpu 100m,
memory 128Mi) copied N times, applied to a cluster of M nodes, run until
every pod is Running and Ready. The cluster and its nodes are made by
`kstate.Cluster`; from `apply` on, `batchproto.BatchRun` runs the pods'
lives: the scheduler's and the kubelet's reconciles batched per instant,
the hot pod status in columns, trace and events integer-coded (see
benchmarks/batchproto.py and docs/performance.md).

Timed like scale.py: from just before `apply` to the end of the run
(`wall_seconds`, `cpu_seconds` with time.process_time), the cyclic GC paused
as the engine pauses it. Then, untimed, one pass over the columns checks that
every pod is Running with Ready=True, and `materialise_seconds` times
building every pod's frozen `Pod` (what a reader of all pods would pay).

`--check` also runs the same workload through kstate's engine and reports
every difference (trace, events, pods, node table, admission totals,
memory): none is expected. `--paired K` runs this prototype and scale.py
in turn, K times each, each in its own process, and reports the medians of
their CPU seconds and the ratio of each pair (a shared machine's drift
falls on both); `--engine-at CHECKOUT` adds the scale.py of another kstate
checkout to each round (an older revision, to relate the figures to ones
recorded for it on another machine).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import kstate_revision, load_average, make_pods, peak_rss_mib, pod_template, python_version  # noqa: E402

import batchproto  # noqa: E402
from kstate import Cluster  # noqa: E402
from kstate.engine.core import gc_paused  # noqa: E402


def run_once(args) -> dict:
    rev0 = kstate_revision()
    t0 = time.perf_counter()
    cluster = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr=args.cluster_cidr)
    t1 = time.perf_counter()
    pods = make_pods(args.pods, tpl=pod_template())
    t2 = time.perf_counter()
    run = batchproto.BatchRun(cluster, block_window=not args.scan_window, by_class=not args.no_classes,
                              batched_parse=not args.per_object_parse)
    load0 = load_average()
    pa, ta = time.process_time(), time.perf_counter()
    with gc_paused():
        run.apply(pods)
        pb, tb = time.process_time(), time.perf_counter()
        run.run_until_stable()
    pc, tc = time.process_time(), time.perf_counter()
    # untimed: every pod Running and Ready, read from the columns
    ready = sum(1 for core in run.pods.core if core.phase == "Running" and any(
        c.type == "Ready" and c.status == "True" for c in core.conditions))
    tm = time.process_time()
    for row in range(len(run.pods)):
        run.pod(row)
    materialise = time.process_time() - tm
    out = {
        "benchmark": "prototype_batch",
        "nodes": args.nodes,
        "pods": args.pods,
        "seed": args.seed,
        "window": "scan" if args.scan_window else "blocks",
        "kubelet": "per pod" if args.no_classes else "per class",
        "parse": "per object" if args.per_object_parse else "per template",
        "wall_seconds": round(tc - ta, 3),
        "cpu_seconds": round(pc - pa, 3),
        "apply_cpu_seconds": round(pb - pa, 3),
        "run_cpu_seconds": round(pc - pb, 3),
        "scheduler_cpu_seconds": round(run.cpu[batchproto.SCHED], 3),
        "kubelet_cpu_seconds": round(run.cpu[batchproto.KUBELET], 3),
        "materialise_seconds": round(materialise, 3),
        "setup_seconds": {"cluster_with_nodes": round(t1 - t0, 3), "make_pods": round(t2 - t1, 3)},
        "peak_rss_mib": peak_rss_mib(),
        "trace_entries": len(run.trace_codes),
        "events": len(run.event_codes),
        "reconciles": run.steps,
        "batches": run.batches,
        "kubelet_classes": run.classes,
        "score_memo_entries": len(run.table._memo),
        "simulated_seconds": (run.eng.now - run.eng.start) / 1000,
        "all_ready": ready == args.pods,
        "ready_pods": ready,
        "cpu_count": os.cpu_count(),
        "load_average_before": load0,
        "load_average_after": load_average(),
        "python": python_version(),
        "kstate_revision": rev0,
    }
    if args.check:
        t = time.process_time()
        ref = batchproto.engine_reference(make_pods(args.pods, tpl=pod_template()), args.nodes, args.seed,
                                          args.cluster_cidr)
        out["engine_cpu_seconds_with_setup"] = round(time.process_time() - t, 3)
        diffs = batchproto.differences(run, ref)
        out["differences"] = diffs
        out["identical_to_engine"] = not diffs
    return out


def paired(args) -> dict:
    """This prototype and scale.py (of this checkout, and of every
    `--engine-at` checkout) in turn, each in a fresh process."""
    here = os.path.dirname(os.path.abspath(__file__))
    common = ["--nodes", str(args.nodes), "--pods", str(args.pods), "--seed", str(args.seed)]
    engines = [("engine", os.path.dirname(here))] + [
        (f"engine@{os.path.basename(os.path.normpath(p))}", os.path.abspath(p)) for p in args.engine_at]
    results: dict = {"prototype": []}
    for name, _ in engines:
        results[name] = []
    for _ in range(args.paired):
        runs = [("prototype", [os.path.join(here, "prototype_batch.py")], os.path.dirname(here))] + [
            (name, [os.path.join(root, "benchmarks", "scale.py")], root) for name, root in engines]
        for name, cmd, root in runs:
            done = subprocess.run([sys.executable, *cmd, *common], env=dict(os.environ, PYTHONPATH=root), cwd=root,
                                  capture_output=True, text=True, check=True)
            results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    cpu = {k: [r["cpu_seconds"] for r in v] for k, v in results.items()}
    wall = {k: [r["wall_seconds"] for r in v] for k, v in results.items()}
    return {
        "benchmark": "prototype_batch_paired",
        "nodes": args.nodes, "pods": args.pods, "seed": args.seed, "runs": args.paired,
        "cpu_seconds": cpu, "wall_seconds": wall,
        "median_cpu_seconds": {k: statistics.median(v) for k, v in cpu.items()},
        "over_prototype_cpu_per_pair": {k: [round(e / p, 2) for p, e in zip(cpu["prototype"], v)]
                                        for k, v in cpu.items() if k != "prototype"},
        "revisions": {k: v[0].get("kstate_revision") for k, v in results.items()},
        "peak_rss_mib": {k: [r["peak_rss_mib"] for r in v] for k, v in results.items()},
        "all_ready": all(r["all_ready"] for v in results.values() for r in v),
        "load_average_at_end": load_average(),
        "python": python_version(),
    }


def window_bench(args) -> dict:
    """µs per placement: the window scans NodeTable.best_simple did before
    the block index (batchwindow.scan_best) against best_simple itself (the
    node table's ScoreWindow), on one score list of `--nodes` nodes, 1,000
    random window starts, best of 5: with 4 distinct scores (as nodes
    filling evenly have; ties common, a drawn position) and with 200 (ties
    rare, the k-th best in walk order)."""
    import random
    import timeit

    from batchwindow import scan_best
    from kstate.controllers.scheduler import Requests, num_feasible_nodes_to_find
    from kstate.indexes.nodetable import NodeTable, ScoreWindow
    rnd = random.Random(args.seed)
    n = args.nodes
    req = Requests(1, 1, 1, 1)
    want = num_feasible_nodes_to_find(n)
    out = {"benchmark": "prototype_batch_window", "nodes": n, "window": want}
    for label, spread in (("", 4), ("few_ties_", 200)):
        table = NodeTable()
        table.names = ["node"] * n
        table._scores[(1, 1, 1, 1)] = ScoreWindow([180 + rnd.randrange(spread) for _ in range(n)])
        starts = [(rnd.randrange(n), rnd.getrandbits(32)) for _ in range(1000)]
        assert all(table.best_simple(req, s, want, d) == scan_best(table, req, s, want, d) for s, d in starts)
        scan = min(timeit.repeat(lambda: [scan_best(table, req, s, want, d) for s, d in starts], number=1, repeat=5))
        blocks = min(timeit.repeat(lambda: [table.best_simple(req, s, want, d) for s, d in starts], number=1,
                                   repeat=5))
        out[label + "scan_us"] = round(scan * 1000, 2)
        out[label + "blocks_us"] = round(blocks * 1000, 2)
    return {**out, "load_average": load_average(), "python": python_version(), "kstate_revision": kstate_revision()}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cluster-cidr", default="10.0.0.0/8")
    ap.add_argument("--check", action="store_true", help="also run kstate's engine and compare everything")
    ap.add_argument("--scan-window", action="store_true",
                    help="place pods with the window scans best_simple did before its block index")
    ap.add_argument("--no-classes", action="store_true",
                    help="run the real reconcile_kubelet for every pod (a plain fold) instead of once per class")
    ap.add_argument("--per-object-parse", action="store_true",
                    help="validate every applied object as Cluster.apply does today, not once per template")
    ap.add_argument("--paired", type=int, default=0, metavar="K",
                    help="run the prototype and scale.py K times each, alternately, in fresh processes")
    ap.add_argument("--window-bench", action="store_true",
                    help="only time one placement: best_simple's scans against the block index")
    ap.add_argument("--engine-at", action="append", default=[], metavar="CHECKOUT",
                    help="with --paired: also run the scale.py of this kstate checkout (e.g. an older revision)")
    args = ap.parse_args(argv)
    out = window_bench(args) if args.window_bench else paired(args) if args.paired else run_once(args)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

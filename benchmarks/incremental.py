"""Incremental benchmark: the cost of one event on a settled cluster, small vs large.

    PYTHONPATH=. python benchmarks/incremental.py --sizes 1000,150000 --ops 200

For each size N (nodes = ceil(N / 30), the same pod template as scale.py) a
cluster is built and run until stable (not timed), then M single operations
are timed one by one with time.perf_counter:

- delete: `cluster.delete("Pod", name)` of one Running pod (default grace
  30 s), then `cluster.advance("1s")` until the pod is gone. With the default
  profile the kubelet stops the containers at once (stop-on-sigterm, 0 s), so
  Terminating → Failed → removed all happen at the deletion instant and one
  advance suffices (`advances_per_op` reports it).
- create (secondary): `cluster.apply(pod)` of one new pod, then
  `cluster.advance("1s")` until it is Running and Ready (scheduler + kubelet).

Prints one JSON object with per-op median / p90 in microseconds, reconciles
and applied changes per op, and the ratio of the medians largest / smallest
size. Target (issue): per-event cost at 150k ≤ 2× the cost at 1k.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attrs  # noqa: E402

from _common import (  # noqa: E402
    kstate_revision, load_average, make_pods, peak_rss_mib, percentile, pod_template, python_version,
)

from kstate import Cluster  # noqa: E402
from kstate.resources.pod import is_pod_ready  # noqa: E402

TARGET_RATIO = 2.0
MAX_ADVANCES = 60


def _summary(times_s: list, steps: list, changes: list, advances: list, cpu_s: list) -> dict:
    us = sorted(t * 1e6 for t in times_s)
    cpu = sorted(t * 1e6 for t in cpu_s)
    return {
        "ops": len(us),
        "median_us": round(statistics.median(us), 1),
        "p90_us": round(percentile(us, 90), 1),
        "mean_us": round(statistics.fmean(us), 1),
        "min_us": round(us[0], 1),
        "max_us": round(us[-1], 1),
        "cpu_median_us": round(statistics.median(cpu), 1),
        "cpu_p90_us": round(percentile(cpu, 90), 1),
        "reconciles_per_op": round(statistics.fmean(steps), 3),
        "changes_per_op": round(statistics.fmean(changes), 3),
        "advances_per_op": round(statistics.fmean(advances), 3),
    }


def build(n: int, seed: int, cidr: str, trace: bool):
    nodes = math.ceil(n / 30)
    t0 = time.perf_counter()
    cluster = Cluster(nodes=nodes, seed=seed, cluster_cidr=cidr, record_trace=trace)
    cluster.apply(make_pods(n))
    cluster.run_until_stable(timeout="10m")
    return cluster, nodes, time.perf_counter() - t0


def victims(n: int, ops: int) -> list[str]:
    """`ops` distinct pods spread evenly over the cluster (and so over nodes)."""
    step = n / ops
    return [f"pod-{int(i * step):06d}" for i in range(ops)]


def _time_ops(cluster, items, start, done, what: str) -> dict:
    """Time each operation on its own: `start(item)`, then advance 1 s at a
    time until `done(item)`; reconciles, changes and advances per op too."""
    eng = cluster.engine
    times, steps, changes, advances, cpu = [], [], [], [], []
    for item in items:
        s0, r0, t0 = eng.steps, eng._rv, len(eng.trace)
        a = 0
        cstart = time.process_time()
        t_start = time.perf_counter()
        start(item)
        while True:
            cluster.advance("1s")
            a += 1
            if done(item):
                break
            if a >= MAX_ADVANCES:
                raise AssertionError(f"{what} {item!r}: not done after {a} advances")
        times.append(time.perf_counter() - t_start)
        cpu.append(time.process_time() - cstart)
        steps.append(eng.steps - s0)
        # trace entries when tracing (includes the remove), else resource-version writes
        changes.append(len(eng.trace) - t0 if eng.record_trace else eng._rv - r0)
        advances.append(a)
    return _summary(times, steps, changes, advances, cpu)


def time_deletes(cluster, names: list[str]) -> dict:
    store = cluster.engine.store

    def start(name):
        assert cluster.get("Pod", name).status.phase == "Running"
        cluster.delete("Pod", name)
    return _time_ops(cluster, names, start, lambda name: store.get("Pod", "default", name) is None, "delete")


def time_creates(cluster, pods: list) -> dict:
    store = cluster.engine.store

    def done(pod):
        p = store.get("Pod", "default", pod.metadata.name)
        return p.status.phase == "Running" and is_pod_ready(p)
    return _time_ops(cluster, pods, cluster.apply, done, "create")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,150000")
    ap.add_argument("--ops", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=5, help="untimed operations of each kind before the timed ones")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-trace", action="store_true")
    ap.add_argument("--no-create", action="store_true", help="skip the secondary create measurement")
    ap.add_argument("--cluster-cidr", default="10.0.0.0/8")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    rev0 = kstate_revision()
    results = []
    tpl = pod_template()
    for n in sizes:
        if n < args.ops + args.warmup:
            raise SystemExit(f"size {n} is smaller than ops + warmup")
        cluster, nodes, build_s = build(n, args.seed, args.cluster_cidr, not args.no_trace)
        names = victims(n, args.ops + args.warmup)
        gc0 = [s["collections"] for s in gc.get_stats()]
        time_deletes(cluster, names[:args.warmup])
        delete = time_deletes(cluster, names[args.warmup:])
        entry = {"pods": n, "nodes": nodes, "build_seconds": round(build_s, 2), "delete": delete}
        if not args.no_create:
            new = make_pods(args.ops + args.warmup, start=n, tpl=tpl)
            new = [attrs.evolve(p, metadata=attrs.evolve(p.metadata, name="new-" + p.metadata.name)) for p in new]
            time_creates(cluster, new[:args.warmup])
            entry["create"] = time_creates(cluster, new[args.warmup:])
        entry["gc_collections_during_ops"] = [s["collections"] - c for s, c in zip(gc.get_stats(), gc0)]
        results.append(entry)
        del cluster
        gc.collect()

    small, large = results[0], results[-1]
    ratios = {"delete": round(large["delete"]["median_us"] / small["delete"]["median_us"], 3)}
    if "create" in small:
        ratios["create"] = round(large["create"]["median_us"] / small["create"]["median_us"], 3)
    out = {
        "benchmark": "incremental",
        "ops": args.ops,
        "warmup": args.warmup,
        "seed": args.seed,
        "record_trace": not args.no_trace,
        "sizes": results,
        "ratio_of_medians": ratios["delete"],
        "ratio_of_medians_by_op": ratios,
        "target_ratio": TARGET_RATIO,
        "meets_target": ratios["delete"] <= TARGET_RATIO,
        "peak_rss_mib": peak_rss_mib(),
        "cpu_count": os.cpu_count(),
        "load_average_after": load_average(),
        "python": python_version(),
        # modules are imported before the run, so rev0 is what was measured; a
        # different end revision only warns that the tree moved meanwhile
        "kstate_revision": rev0,
        "kstate_revision_at_end": kstate_revision(),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

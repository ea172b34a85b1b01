"""Scale benchmark: N pods onto M nodes, from `apply` to every pod Running and Ready.

    PYTHONPATH=. python benchmarks/scale.py --nodes 5000 --pods 150000 --seed 0
    PYTHONPATH=. python benchmarks/scale.py --nodes 5000 --pods 150000 --seed 0 --services 1500 --zones 3

Prints one JSON object. Targets (issue): 150k pods / 5k nodes in ≤ 30 s wall
and ≤ 2 GiB peak RSS on 2 cores.

By default the pods are bare: no owner, no Service selects them, so no
topology spread constraint applies (as in Kubernetes). `--services K` makes
them carry the scheduler's system default constraints the way workloads do:
K Services are applied with the pods, Service j selecting `app=svc-<j>`, and
the pods are labelled in consecutive blocks of pods/K (the first block for
svc-0, …), as K Deployments applied one after another would create them.
Every such pod is then scored with PodTopologySpread's defaults (hostname
maxSkew 3, zone maxSkew 5, ScheduleAnyway) against the pods of its Service.
`--zones Z` labels node i with `topology.kubernetes.io/zone: zone-<i mod Z>`
(a real cluster's nodes carry a zone; without it only the hostname
constraint scores). Both default to 0, which is the plain run.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import attrs  # noqa: E402

from _common import (  # noqa: E402
    kstate_revision, load_average, make_pods, peak_rss_mib, pod_counts, pod_template, python_version,
)

from kstate import Cluster, parse_manifests  # noqa: E402
from kstate.resources.frozen import FrozenDict  # noqa: E402
from kstate.controllers import CONTROLLERS  # noqa: E402

CONTROLLER_SETS = {
    "bacfd8c": frozenset((
        "default-scheduler", "kubelet", "node-lifecycle-controller", "node-lifecycle-zone",
        "taint-eviction-controller", "pod-garbage-collector", "replicaset-controller", "garbage-collector",
        "deployment-controller")),
}


def _nodes(n: int, zones: int):
    """A node count, or (with zones) the same nodes as Node manifests with a zone label."""
    if not zones:
        return n
    return [{"apiVersion": "v1", "kind": "Node",
             "metadata": {"name": f"node-{i}", "labels": {"topology.kubernetes.io/zone": f"zone-{i % zones}"}},
             "status": {"capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"}}} for i in range(n)]


def _with_services(pods: list, k: int):
    """The pods labelled app=svc-<j> in k consecutive blocks, and the k Services selecting them."""
    per = -(-len(pods) // k)
    labels = [FrozenDict({"app": f"svc-{j:05d}"}) for j in range(k)]
    out = [attrs.evolve(p, metadata=attrs.evolve(p.metadata, labels=labels[i // per])) for i, p in enumerate(pods)]
    services = list(parse_manifests([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{j:05d}"},
                                      "spec": {"selector": {"app": f"svc-{j:05d}"}, "ports": [{"port": 80}]}}
                                     for j in range(k)], source="benchmark"))
    return out, services


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-trace", action="store_true", help="Cluster(record_trace=False)")
    ap.add_argument("--cluster-cidr", default="10.0.0.0/8",
                    help="the default 10.244.0.0/16 has room for only 256 /24 node subnets")
    ap.add_argument("--timeout", default="10m", help="simulated-time budget for run_until_stable")
    ap.add_argument("--gc", choices=("default", "off", "freeze"), default="default",
                    help="experiment: 'off' disables the cyclic GC for the measured part, 'freeze' "
                         "moves everything allocated before apply to the permanent generation")
    ap.add_argument("--services", type=int, default=0,
                    help="K Services, each selecting a block of pods/K pods (the system default spreading)")
    ap.add_argument("--zones", type=int, default=0, help="label the nodes with Z zones, round robin")
    args = ap.parse_args(argv)
    # The controller set, from the environment so that compare.py can pass it
    # to this revision while an older one (which had only these) ignores it:
    # KSTATE_BENCH_CONTROLLERS=bacfd8c runs the nine controllers bacfd8c had,
    # isolating the engine's own cost from the work later controllers add.
    only = CONTROLLER_SETS.get(os.environ.get("KSTATE_BENCH_CONTROLLERS", ""))

    rev0 = kstate_revision()
    t0 = time.perf_counter()
    cluster = Cluster(nodes=_nodes(args.nodes, args.zones), seed=args.seed, cluster_cidr=args.cluster_cidr,
                      record_trace=not args.no_trace,
                      controllers=None if only is None else {n: c for n, c in CONTROLLERS.items() if n in only})
    t1 = time.perf_counter()
    tpl = pod_template()
    pods = make_pods(args.pods, tpl=tpl)
    services = []
    if args.services:
        pods, services = _with_services(pods, args.services)
    t2 = time.perf_counter()
    eng = cluster.engine
    steps0, rv0, trace0 = eng.steps, eng._rv, len(eng.trace)

    gc_pause = [0.0, 0]
    gc_t = [0.0]

    def _gc_cb(phase, info):
        if phase == "start":
            gc_t[0] = time.perf_counter()
        else:
            gc_pause[0] += time.perf_counter() - gc_t[0]
            gc_pause[1] += info["generation"] == 2

    gc.collect()
    if args.gc == "freeze":
        gc.freeze()
    gc_before = [st["collections"] for st in gc.get_stats()]
    gc.callbacks.append(_gc_cb)
    if args.gc == "off":
        gc.disable()

    # -- the measured part: apply → all pods Running and Ready
    load0 = load_average()
    pa = time.process_time()
    ta = time.perf_counter()
    cluster.apply(services + pods)
    # The applied objects are the cluster's now: like a caller that applies and
    # forgets, the benchmark keeps no reference to its input (before 2026-12-02
    # it held the 150,000 input Pods and their metadata, ~31 MiB, to the end).
    del pods, services
    tb = time.perf_counter()
    cluster.run_until_stable(timeout=args.timeout)
    tc = time.perf_counter()
    pc = time.process_time()
    gc.enable()
    gc.callbacks.remove(_gc_cb)
    gc_collections = [st["collections"] - b for st, b in zip(gc.get_stats(), gc_before)]

    counts = pod_counts(eng)
    assert counts["total"] == args.pods, counts
    assert counts["running_and_ready"] == args.pods, counts
    changes = len(eng.trace) - trace0 if eng.record_trace else None
    writes = eng._rv - rv0
    wall = tc - ta
    applied = changes if changes is not None else writes
    out = {
        "benchmark": "scale",
        "nodes": args.nodes,
        "pods": args.pods,
        "seed": args.seed,
        "services": args.services,
        "zones": args.zones,
        "record_trace": eng.record_trace,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(pc - pa, 3),
        "apply_seconds": round(tb - ta, 3),
        "run_seconds": round(tc - tb, 3),
        "setup_seconds": {"cluster_with_nodes": round(t1 - t0, 3), "make_pods": round(t2 - t1, 3)},
        "peak_rss_mib": peak_rss_mib(),
        "applied_changes": applied,
        "applied_changes_source": "len(engine.trace)" if changes is not None else "resource_version writes",
        "resource_version_writes": writes,
        "changes_per_second": round(applied / wall) if wall else None,
        "reconciles": eng.steps - steps0,
        "reconciles_per_pod": round((eng.steps - steps0) / args.pods, 3) if args.pods else None,
        "controllers": sorted(eng.controllers),
        "gc_mode": args.gc,
        "gc_collections_by_generation": gc_collections,
        "gc_pause_seconds": round(gc_pause[0], 3),
        "simulated_seconds": (eng.now - eng.start) / 1000,
        "all_ready": counts["running_and_ready"] == args.pods,
        "ready_pods": counts["running_and_ready"],
        "cpu_count": os.cpu_count(),
        "load_average_before": load0,
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

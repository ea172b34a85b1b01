"""Job benchmark: J Jobs × C completions each, run until every Job is finished.

    PYTHONPATH=. python benchmarks/jobs.py --jobs 1000 --completions 100 --parallelism 10 --nodes 200

Every Job runs C pods, P at a time, each exiting 10 s after it starts (one in
`--fail-every` exits 1 instead, so the pod-failure back-off and
replacement path is exercised; 0 = never). Half the Jobs are Indexed. Prints
one JSON object: wall and CPU seconds from apply to the last Job finished,
simulated time taken, pods created, reconciles, peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import kstate_revision, load_average, peak_rss_mib, python_version  # noqa: E402

from kstate import Cluster, parse_manifests  # noqa: E402


def job(name: str, completions: int, parallelism: int, indexed: bool, fail: bool) -> dict:
    spec = {"completions": completions, "parallelism": parallelism, "backoffLimit": completions,
            "template": {"metadata": {"annotations": {"kstate.io/exit-after": "10s",
                                                      "kstate.io/exit-code": "1" if fail else "0"}},
                         "spec": {"restartPolicy": "Never", "containers": [{
                             "name": "c", "image": "busybox",
                             "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}
    if indexed:
        spec["completionMode"] = "Indexed"
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}


def finished(j) -> bool:
    return any(c.type in ("Complete", "Failed") and c.status == "True" for c in j.status.conditions)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--completions", type=int, default=100)
    ap.add_argument("--parallelism", type=int, default=10)
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--fail-every", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    cluster = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr="10.0.0.0/8", record_trace=False)
    objs = parse_manifests([job(f"job-{i:05d}", args.completions, args.parallelism, i % 2 == 1,
                                args.fail_every > 0 and i % args.fail_every == 0)
                            for i in range(args.jobs)], source="bench")
    t1, c1 = time.perf_counter(), time.process_time()
    steps0 = cluster.engine.steps
    cluster.apply(list(objs))
    start = cluster.engine.now
    step = 60_000
    while True:
        cluster.advance(f"{step}ms")
        jobs = cluster.list("Job")
        if all(finished(j) for j in jobs):
            break
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    jobs = cluster.list("Job")
    out = {
        "benchmark": "jobs", "jobs": args.jobs, "completions": args.completions, "parallelism": args.parallelism,
        "nodes": args.nodes, "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "simulated_seconds": (cluster.engine.now - start) / 1000,
        "complete": sum(1 for j in jobs if any(c.type == "Complete" for c in j.status.conditions)),
        "succeeded_pods": sum(j.status.succeeded for j in jobs), "failed_pods": sum(j.status.failed for j in jobs),
        "reconciles": cluster.engine.steps - steps0,
        "peak_rss_mib": peak_rss_mib(), "load_average": load_average(),
        "python": python_version(), "cpu_count": os.cpu_count(), "kstate_revision": kstate_revision(),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

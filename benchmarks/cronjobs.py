"""CronJob benchmark: C CronJobs with mixed schedules over one simulated day.

    PYTHONPATH=. python benchmarks/cronjobs.py --cronjobs 10000 --nodes 200 --hours 24

Schedules cycle through a fixed mix (hourly at a per-CronJob minute, every
6 hours, daily, weekdays at 09:xx, every 15 minutes for 1 in 50); every Job
runs one pod that exits 10 s after it starts. Prints one JSON object: wall
and CPU seconds of the run, Jobs created, peak RSS, reconciles, and the
next-fire memo's hit rate.
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
from kstate.resources import cron  # noqa: E402


def schedule(i: int) -> str:
    m = i % 60
    if i % 50 == 0:
        return "*/15 * * * *"
    return (f"{m} * * * *", f"{m} */6 * * *", f"{m} {i % 24} * * *", f"{m} 9 * * 1-5")[i % 4]


def cronjob(name: str, sched: str) -> dict:
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": sched, "jobTemplate": {"spec": {"template": {
                "metadata": {"annotations": {"kstate.io/exit-after": "10s"}},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox", "resources": {
                    "requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}}}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cronjobs", type=int, default=10_000)
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--hours", type=float, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-trace", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    cluster = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr="10.0.0.0/8",
                      start="2026-01-05T00:00:00Z", record_trace=not args.no_trace)
    objs = parse_manifests([cronjob(f"cj-{i:05d}", schedule(i)) for i in range(args.cronjobs)], source="bench")
    setup = time.perf_counter() - t0
    cron.next_time.cache_clear()
    t1, c1 = time.perf_counter(), time.process_time()
    cluster.apply(list(objs))
    cluster.advance(f"{int(args.hours * 3600)}s")
    wall, cpu = time.perf_counter() - t1, time.process_time() - c1
    created = sum(1 for e in cluster.events("CronJob") if e.reason == "SuccessfulCreate")
    info = cron.next_time.cache_info()
    out = {
        "benchmark": "cronjobs", "cronjobs": args.cronjobs, "nodes": args.nodes, "hours": args.hours,
        "setup_seconds": round(setup, 2), "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "jobs_created": created, "jobs_in_store": len(cluster.list("Job")),
        "pods_in_store": len(cluster.list("Pod")),
        "next_fire_memo": {"hits": info.hits, "misses": info.misses},
        "peak_rss_mib": peak_rss_mib(), "load_average": load_average(),
        "python": python_version(), "cpu_count": os.cpu_count(), "kstate_revision": kstate_revision(),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

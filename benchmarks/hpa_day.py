"""HPA benchmark: H Deployments (2 × 100m cpu pods) each autoscaled by an HPA
(50 % cpu, 1..10, no behavior) through a daily load profile over a simulated
period, on N nodes.

    PYTHONPATH=. python benchmarks/hpa_day.py --hpas 1000 --hours 24 --nodes 500 [--start-hour H]

Each workload's cpu load is one load profile set once (`Cluster.set_load`
with `points`): 100m until 06:00, rising linearly to 400m at 12:00, back to
100m at 18:00 (the metrics-server reads it at every 15 s scrape). With
`--hourly-steps` the same curve is instead set every simulated hour as a
constant (`base × (1 + 3 × peak(h))`). Prints one JSON object:
wall and cpu seconds of the simulated period, reconciles, HPA rescales, peak
RSS and the load average.
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

from kstate import Cluster  # noqa: E402


def deployment(name: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "app:1", "resources": {
                                      "requests": {"cpu": "100m", "memory": "32Mi"}}}]}}}}


def hpa(name: str) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": 1, "maxReplicas": 10,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 50}}}]}}


def peak(hour: int) -> float:
    h = hour % 24
    if 6 <= h < 12:
        return (h - 6) / 6
    if 12 <= h < 18:
        return (18 - h) / 6
    return 0.0


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hpas", type=int, default=1000)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--start-hour", type=int, default=0, help="the hour of the profile the run starts at")
    ap.add_argument("--nodes", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-trace", action="store_true")
    ap.add_argument("--hourly-steps", action="store_true", help="set a constant load every hour instead")
    args = ap.parse_args(argv)

    cluster = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr="10.0.0.0/8", record_trace=not args.no_trace)
    eng = cluster.engine
    names = [f"app-{i:04d}" for i in range(args.hpas)]
    t0 = time.perf_counter()
    cluster.apply([deployment(n) for n in names])
    cluster.advance("6m")                       # past the cpu initialization period
    cluster.apply([hpa(n) for n in names])
    setup = time.perf_counter() - t0
    steps0 = eng.steps
    w0, c0 = time.perf_counter(), time.process_time()
    if args.hourly_steps:
        for hour in range(args.start_hour, args.start_hour + args.hours):
            cpu = f"{int(100 * (1 + 3 * peak(hour)))}m"
            for n in names:
                cluster.set_load("deployment", n, cpu=cpu)
            cluster.advance("1h")
    else:
        # the curve's times are counted from now, so shift it by the start hour
        curve = [(6, "100m"), (12, "400m"), (18, "100m"), (30, "100m"), (36, "400m"), (42, "100m")]
        pts = [[f"{h - args.start_hour}h" if h >= args.start_hour else "0s", v] for h, v in curve
               if h >= args.start_hour]
        if pts[0][0] != "0s":
            pts.insert(0, ["0s", f"{int(100 * (1 + 3 * peak(args.start_hour)))}m"])
        for n in names:
            cluster.set_load("deployment", n, cpu={"points": pts})
        cluster.advance(f"{args.hours}h")
    wall, cpu_s = time.perf_counter() - w0, time.process_time() - c0
    rescales = sum(1 for e in cluster.events(kind="HorizontalPodAutoscaler") if e.reason == "SuccessfulRescale")
    out = {"benchmark": "hpa_day", "python": python_version(), "cpu_count": os.cpu_count(),
           "kstate_revision": kstate_revision(), "hpas": args.hpas, "hours": args.hours,
           "start_hour": args.start_hour, "load": "hourly-steps" if args.hourly_steps else "points-profile",
           "hpa_syncs": args.hpas * args.hours * 240,
           "nodes": args.nodes, "setup_seconds": round(setup, 2), "wall_seconds": round(wall, 2),
           "cpu_seconds": round(cpu_s, 2), "reconciles": eng.steps - steps0, "rescale_events": rescales,
           "pods_at_end": len(cluster.list("Pod", namespace=None)), "peak_rss_mib": peak_rss_mib(),
           "load_average": load_average()}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

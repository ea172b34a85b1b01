"""StatefulSet benchmark: one OrderedReady StatefulSet of R replicas to all Ready.

    PYTHONPATH=. python benchmarks/statefulsets.py --replicas 1000 --nodes 100 [--claims] [--no-trace]

Applies one OrderedReady StatefulSet whose pods start 1 s after their
containers are created (`kstate.io/start-after: 1s`) and runs until it is
settled: pod i is created only once pods 0..i-1 are Running and Ready, so the
simulated time is about R seconds while the wall time stays small. With
`--claims` each pod also gets a 1Gi claim from a volumeClaimTemplate, which
the provisioner binds to a generated volume before the pod is scheduled.
Prints one JSON object; `ordered` says whether the pods were created in
ordinal order, each after its predecessor became Ready (checked on the
trace; not available with --no-trace).
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


def manifest(replicas: int, claims: bool) -> dict:
    d = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "default"},
         "spec": {"replicas": replicas, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                  "template": {"metadata": {"labels": {"app": "db"}, "annotations": {"kstate.io/start-after": "1s"}},
                               "spec": {"containers": [{"name": "db", "image": "postgres:17", "resources": {
                                   "requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}
    if claims:
        d["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    return d


def ordered(trace: list) -> bool:
    """Pods created as db-0, db-1, …, each at or after its predecessor's Ready=True."""
    created, ready = [], {}
    for t, verb, kind, ns, name, detail in trace:
        if kind != "Pod" or not name.startswith("db-"):
            continue
        if verb == "create":
            created.append((t, name))
        elif verb == "status" and "Ready=True" in detail:
            ready.setdefault(name, t)
    names = [n for _, n in created]
    if names != [f"db-{i}" for i in range(len(names))]:
        return False
    return all(t >= ready.get(f"db-{i}", float("inf")) for i, (t, _) in enumerate(created[1:]))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", type=int, default=1000)
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--claims", action="store_true")
    ap.add_argument("--no-trace", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    c = Cluster(nodes=args.nodes, seed=args.seed, record_trace=not args.no_trace)
    eng = c.engine
    t1 = time.perf_counter()
    cpu1 = time.process_time()
    c.apply(manifest(args.replicas, args.claims))
    c.run_until_stable(timeout=f"{args.replicas * 3 + 600}s")
    t2 = time.perf_counter()
    cpu2 = time.process_time()
    s = c.get("StatefulSet", "db").status
    out = {"benchmark": "statefulsets", "replicas": args.replicas, "nodes": args.nodes, "claims": args.claims,
           "seed": args.seed, "setup_seconds": round(t1 - t0, 3), "wall_seconds": round(t2 - t1, 3),
           "cpu_seconds": round(cpu2 - cpu1, 3), "simulated_seconds": c.elapsed_ms / 1000,
           "reconciles": eng.steps, "changes": len(eng.trace),
           "status": {"replicas": s.replicas, "ready": s.ready_replicas, "available": s.available_replicas,
                      "current": s.current_replicas, "updated": s.updated_replicas},
           "ordered": None if args.no_trace else ordered(eng.trace),
           "peak_rss_mib": peak_rss_mib(), "load_average": load_average(), "python": python_version(),
           "revision": kstate_revision()}
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()

"""DaemonSet benchmark: one DaemonSet on N nodes, then node churn.

    PYTHONPATH=. python benchmarks/daemonsets.py --nodes 5000 --churn 500

Phase 1 applies a DaemonSet to an N-node cluster and runs until every node
runs a Ready daemon pod. Phase 2 removes `churn` nodes and adds as many new
ones at the same instant, and runs until the DaemonSet is settled again (the
removed nodes' pods are collected by PodGC after its 40 s quarantine; the
new nodes get pods at once). Prints one JSON object.
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

DAEMONSET = {
    "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "node-agent", "namespace": "default"},
    "spec": {"selector": {"matchLabels": {"app": "node-agent"}},
             "template": {"metadata": {"labels": {"app": "node-agent"}},
                          "spec": {"containers": [{"name": "agent", "image": "agent:1",
                                                   "resources": {"requests": {"cpu": "50m",
                                                                              "memory": "64Mi"}}}]}}},
}


def _status(cluster) -> dict:
    s = cluster.get("DaemonSet", "node-agent").status
    return {"desired": s.desired_number_scheduled, "current": s.current_number_scheduled,
            "ready": s.number_ready, "available": s.number_available}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--churn", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cluster-cidr", default="10.0.0.0/8")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    c = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr=args.cluster_cidr)
    eng = c.engine
    t1 = time.perf_counter()
    steps0, trace0, sim0 = eng.steps, len(eng.trace), c.elapsed_ms
    c.apply(DAEMONSET)
    c.run_until_stable()
    t2 = time.perf_counter()
    phase1 = {"wall_seconds": round(t2 - t1, 3), "reconciles": eng.steps - steps0,
              "changes": len(eng.trace) - trace0, "simulated_seconds": (c.elapsed_ms - sim0) / 1000,
              "status": _status(c)}

    steps0, trace0, sim0 = eng.steps, len(eng.trace), c.elapsed_ms
    for i in range(args.churn):
        c.remove_node(f"node-{i}")
    for i in range(args.churn):
        c.add_node(f"new-{i}")
    c.run_until_stable()
    t3 = time.perf_counter()
    phase2 = {"wall_seconds": round(t3 - t2, 3), "reconciles": eng.steps - steps0,
              "changes": len(eng.trace) - trace0, "simulated_seconds": (c.elapsed_ms - sim0) / 1000,
              "status": _status(c)}
    out = {"benchmark": "daemonsets", "nodes": args.nodes, "churn": args.churn, "seed": args.seed,
           "setup_seconds": round(t1 - t0, 3), "apply_to_ready": phase1, "churn_to_settled": phase2,
           "violations": len(c.violations()), "peak_rss_mib": peak_rss_mib(), "load_average": load_average(),
           "python": python_version(), "revision": kstate_revision()}
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()

"""Rollout benchmark: D Deployments × R replicas on N nodes, created, then all
rolled to a new image (25 %/25 %), until every Deployment is complete.

    PYTHONPATH=. python benchmarks/deployments.py --deployments 1000 --replicas 100 --nodes 2000

Prints one JSON object: wall seconds for the initial rollout and for the
image update, peak RSS, applied changes and reconciles.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import load_average, peak_rss_mib, python_version  # noqa: E402

import attrs  # noqa: E402

from kstate import Cluster, parse_manifests  # noqa: E402


def deployment_manifest(name: str, replicas: int, image: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": image, "resources": {
                                      "requests": {"cpu": "10m", "memory": "32Mi"}}}]}}}}


def all_complete(cluster) -> bool:
    return all(d.status.state == "Complete" for d in cluster.list("Deployment"))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deployments", type=int, default=1000)
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-trace", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    cluster = Cluster(nodes=args.nodes, seed=args.seed, cluster_cidr="10.0.0.0/8", record_trace=not args.no_trace)
    eng = cluster.engine
    (tpl,) = parse_manifests(deployment_manifest("tpl", args.replicas, "app:1"))
    names = [f"app-{i:04d}" for i in range(args.deployments)]

    def make(name, image):
        labels = tpl.metadata.labels
        sel = attrs.evolve(tpl.spec.selector, match_labels=tpl.spec.selector.match_labels.set("app", name))
        t = tpl.spec.template
        t = attrs.evolve(t, metadata=attrs.evolve(t.metadata, labels=t.metadata.labels.set("app", name)),
                         spec=attrs.evolve(t.spec, containers=(attrs.evolve(t.spec.containers[0], image=image),)))
        return attrs.evolve(tpl, metadata=attrs.evolve(tpl.metadata, name=name, labels=labels),
                            spec=attrs.evolve(tpl.spec, selector=sel, template=t))

    t1 = time.perf_counter()
    cluster.apply([make(n, "app:1") for n in names])
    cluster.run_until_stable(timeout="30m")
    t2 = time.perf_counter()
    assert all_complete(cluster), "initial rollout did not complete"
    steps1, rv1 = eng.steps, eng._rv
    for n in names:
        cluster.set_image("Deployment", n, "app", "app:2")
    cluster.run_until_stable(timeout="30m")
    t3 = time.perf_counter()
    assert all_complete(cluster), "image rollout did not complete"
    pods = cluster.engine.store.count("Pod")
    out = {
        "benchmark": "deployments",
        "deployments": args.deployments, "replicas": args.replicas, "nodes": args.nodes, "pods": pods,
        "setup_seconds": round(t1 - t0, 2),
        "create_seconds": round(t2 - t1, 2),
        "rollout_seconds": round(t3 - t2, 2),
        "peak_rss_mib": peak_rss_mib(),
        "applied_changes_create": rv1, "applied_changes_rollout": eng._rv - rv1,
        "reconciles_create": steps1, "reconciles_rollout": eng.steps - steps1,
        "rollout_changes_per_second": round((eng._rv - rv1) / (t3 - t2), 1),
        "load_average": load_average(),
        "python": python_version(),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

"""Services at scale: S Services with P pods each on N nodes. Measures the
apply + run until every pod is Ready (with the Endpoints and EndpointSlice
controllers, when the tree has them), one node's kube-proxy rules (gathering
the endpoints, then the pure rendering), and the same after one endpoint
changes (one backend pod deleted).

    PYTHONPATH=. python benchmarks/services.py --nodes 1000 --services 10000 --pods-per-service 3 --seed 0
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time

import attrs

sys.path.insert(0, ".")

from benchmarks._common import kstate_revision, load_average, peak_rss_mib, pod_template, python_version  # noqa: E402
import kstate  # noqa: E402
from kstate.kinds.network import proxy_slices  # noqa: E402
from kstate.network import kubeproxy  # noqa: E402
from kstate.resources.frozen import FrozenDict  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--services", type=int, default=10000)
    ap.add_argument("--pods-per-service", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    out: dict = {"benchmark": "services", "nodes": a.nodes, "services": a.services,
                 "pods_per_service": a.pods_per_service, "seed": a.seed, "python": python_version(),
                 "kstate_revision": kstate_revision()}
    c = kstate.Cluster(nodes=a.nodes, seed=a.seed, cluster_cidr="10.0.0.0/8", record_trace=False)
    tpl = pod_template()
    pods = []
    for s in range(a.services):
        labels = FrozenDict({"app": f"svc-{s:05d}"})
        for i in range(a.pods_per_service):
            pods.append(attrs.evolve(tpl, metadata=attrs.evolve(tpl.metadata, name=f"svc-{s:05d}-{i}",
                                                               labels=labels)))
    services = kstate.parse_manifests([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc-{s:05d}"},
                                        "spec": {"selector": {"app": f"svc-{s:05d}"}, "ports": [{"port": 80}]}}
                                       for s in range(a.services)], source="benchmark")
    has_controllers = "endpointslice-controller" in c.engine.controllers
    out["endpoint_controllers"] = has_controllers
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    c._apply_objects(list(services) + pods)
    t1 = time.perf_counter()
    c.run_until_stable()
    t2, c2 = time.perf_counter(), time.process_time()
    out.update(apply_seconds=round(t1 - t0, 2), converge_seconds=round(t2 - t1, 2),
               converge_cpu_seconds=round(c2 - c0, 2))
    eng = c.engine

    def render(node: str) -> tuple[float, float, str]:
        """CPU seconds (the machine is shared: wall time is noise) of gathering
        the endpoints and of rendering."""
        svcs = eng.list("Service")
        ta = time.process_time()
        sl = proxy_slices(eng, svcs)
        tb = time.process_time()
        text = kubeproxy.iptables_save(svcs, sl, node, kubeproxy.ProxyConfig(cluster_cidr=eng.cluster_cidr))
        tc = time.process_time()
        return tb - ta, tc - tb, text

    gather, rend, text = render("node-0")
    out.update(rules_gather_cpu_seconds=round(gather, 3), rules_render_cpu_seconds=round(rend, 3),
               rules_lines=text.count("\n"), rules_bytes=len(text), dnat_rules=text.count("-j DNAT"))
    victim = next(p for p in eng.list("Pod") if p.metadata.name.endswith("-0"))
    t3 = time.perf_counter()
    c.delete("Pod", victim.metadata.name)
    c.run_until_stable()
    t4 = time.perf_counter()
    gather2, rend2, text2 = render("node-0")
    out.update(change_converge_seconds=round(t4 - t3, 3), rerender_gather_cpu_seconds=round(gather2, 3),
               rerender_render_cpu_seconds=round(rend2, 3), dnat_rules_after=text2.count("-j DNAT"),
               peak_rss_mib=peak_rss_mib(), load_average=load_average(),
               kstate_revision_at_end=kstate_revision())
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

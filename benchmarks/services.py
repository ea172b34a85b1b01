"""Services at scale: S Services with P pods each on N nodes (issue 10's
acceptance size: 5,000 nodes, 10,000 Services × 15 pods = 150,000 pods,
100,000 traced packets). Measures, as CPU seconds (the machine may be
shared) and wall seconds:

- converge: apply and run until every pod is Ready, the Endpoints and
  EndpointSlices written and kube-proxy's rules synced;
- render: one node's full rule set as kube-proxy has programmed it;
- one endpoint change (one backend pod deleted): the run until it settles
  (including kube-proxy's partial sync), the partial sync's iptables-restore
  input for that node, and the node's full rules rendered again;
- traces: T packets (pod → Service by DNS name, pod → pod, node →
  ClusterIP) traced through one reading of the cluster.

    PYTHONPATH=. python benchmarks/services.py --nodes 5000 --services 10000 --pods-per-service 15 --traces 100000 --seed 0
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time

import attrs

sys.path.insert(0, ".")

from benchmarks._common import kstate_revision, load_average, peak_rss_mib, pod_template, python_version  # noqa: E402
import kstate  # noqa: E402
from kstate.resources.frozen import FrozenDict  # noqa: E402


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    r = fn()
    return r, round(time.perf_counter() - t0, 3), round(time.process_time() - c0, 3)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--services", type=int, default=10000)
    ap.add_argument("--pods-per-service", type=int, default=3)
    ap.add_argument("--traces", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    out: dict = {"benchmark": "services", "nodes": a.nodes, "services": a.services,
                 "pods_per_service": a.pods_per_service, "pods": a.services * a.pods_per_service,
                 "traces": a.traces, "seed": a.seed, "python": python_version(), "kstate_revision": kstate_revision()}
    (c, wall, cpu) = _timed(lambda: kstate.Cluster(nodes=a.nodes, seed=a.seed, cluster_cidr="10.0.0.0/8",
                                                   record_trace=False))
    out.update(cluster_wall_seconds=wall, cluster_cpu_seconds=cpu)
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
    gc.collect()
    _, wall, cpu = _timed(lambda: c._apply_objects(list(services) + pods))
    _, wall2, cpu2 = _timed(c.run_until_stable)
    eng = c.engine
    slices = eng.list("EndpointSlice")
    out.update(converge_wall_seconds=round(wall + wall2, 2), converge_cpu_seconds=round(cpu + cpu2, 2),
               endpoint_slices=len(slices), slice_endpoints=sum(len(s.spec.endpoints) for s in slices),
               kube_proxy_syncs=eng.index("kube-proxy-sync").syncs if "kube-proxy" in eng.controllers else 0)

    text, wall, cpu = _timed(lambda: c.iptables("node-0"))
    out.update(render_wall_seconds=wall, render_cpu_seconds=cpu, rules_lines=text.count("\n"),
               rules_bytes=len(text), dnat_rules=text.count("-j DNAT"))
    del text

    c.advance("5s")      # past kube-proxy's min-sync period: the change below syncs at once
    victim = "svc-00000-0"
    _, wall, cpu = _timed(lambda: (c.delete("Pod", victim), c.run_until_stable()))
    out.update(change_settle_wall_seconds=wall, change_settle_cpu_seconds=cpu)
    info, wall, cpu = _timed(lambda: c.kube_proxy_sync("node-0"))
    out.update(partial_sync_full=info.full, partial_sync_services=list(info.services),
               partial_sync_input_cpu_seconds=cpu, partial_sync_input_lines=info.input.count("\n"),
               partial_sync_dnat_rules=info.input.count("-j DNAT"))
    text, wall, cpu = _timed(lambda: c.iptables("node-0"))
    out.update(rerender_wall_seconds=wall, rerender_cpu_seconds=cpu, dnat_rules_after=text.count("-j DNAT"))
    del text

    rng = random.Random(a.seed)
    running = sorted(p.metadata.name for p in eng.list("Pod") if p.status.pod_ip)
    nodes = [n.metadata.name for n in eng.list("Node")]
    ips = {s.metadata.name: s.spec.cluster_ip for s in eng.list("Service")}
    packets = []
    for i in range(a.traces):
        kind = i % 4
        if kind in (0, 1):
            packets.append((rng.choice(running), f"svc-{rng.randrange(a.services):05d}", 80))
        elif kind == 2:
            packets.append((rng.choice(running), rng.choice(running), 8080))
        else:
            packets.append((rng.choice(nodes), ips[f"svc-{rng.randrange(a.services):05d}"], 80))
    traces, wall, cpu = _timed(lambda: c.trace_packets(packets))
    verdicts: dict = {}
    for t in traces:
        verdicts[t.verdict] = verdicts.get(t.verdict, 0) + 1
    out.update(traces_wall_seconds=wall, traces_cpu_seconds=cpu,
               trace_us_per_packet=round(cpu / max(a.traces, 1) * 1e6, 1), trace_verdicts=verdicts,
               peak_rss_mib=peak_rss_mib(), load_average=load_average(), kstate_revision_at_end=kstate_revision())
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

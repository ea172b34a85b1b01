"""The cluster network (issue 10, items 4–6): flannel's subnet.env and
routes, packet traces through bridges, VXLAN and kube-proxy's DNAT, and
cluster DNS with the pod resolver's search path."""
from __future__ import annotations

import pathlib
from fractions import Fraction

import pytest

import kstate
from kstate.network import dns, endpoints as epmod, flannel

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fb():
    c = kstate.Cluster(nodes=3, seed=0)
    c.apply_file(ROOT / "specs" / "manifests" / "frontend-backend.yaml")
    c.run_until_stable()
    return c


def _pods(c, app):
    return sorted((p for p in c.list("pods") if p.metadata.labels.get("app") == app),
                  key=lambda p: p.status.pod_ip)


def test_flannel_subnet_env_and_routes(fb):
    node = fb.get("node", "node-1")
    assert fb.flannel_subnet_env("node-1") == (
        "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
    assert node.spec.pod_cidr == "10.244.1.0/24"
    routes = fb.routes("node-0")
    assert routes[0] == "default via 172.18.0.1 dev eth0"
    assert "10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink" in routes
    assert "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink" in routes
    assert not any("10.244.0.0/24 via" in r for r in routes)
    assert flannel.subnet_env("10.244.0.0/16", "10.244.7.0/24").splitlines()[1] == "FLANNEL_SUBNET=10.244.7.1/24"


def test_trace_same_pod_same_node_and_other_node(fb):
    fe = _pods(fb, "frontend")[0]
    assert fb.trace_packet(fe.metadata.name, fe.metadata.name).hops[0].device == "lo"
    backends = _pods(fb, "backend")
    same = next(p for p in backends if p.spec.node_name == fe.spec.node_name)
    other = next(p for p in backends if p.spec.node_name != fe.spec.node_name)
    t = fb.trace_packet(fe.metadata.name, same.metadata.name)
    assert [h.device for h in t.hops] == ["eth0", "veth", "cni0", "veth", "eth0"] and t.verdict == "delivered"
    t = fb.trace_packet(fe.metadata.name, other.status.pod_ip, port=8080)
    devices = [h.device for h in t.hops]
    assert devices == ["eth0", "veth", "cni0", "route", "flannel.1", "eth0", "flannel.1", "cni0", "veth", "eth0"]
    encap = t.hops[4].detail
    src_ip = next(a.address for a in fb.get("node", fe.spec.node_name).status.addresses if a.type == "InternalIP")
    dst_ip = next(a.address for a in fb.get("node", other.spec.node_name).status.addresses if a.type == "InternalIP")
    assert f"outer {src_ip} → {dst_ip} UDP 8472 VNI 1" in encap


def test_trace_through_a_service_lists_each_endpoint_with_one_third(fb):
    fe = _pods(fb, "frontend")[0]
    for dst in ("backend", "backend.default", "backend.default.svc.cluster.local",
                fb.get("svc", "backend").spec.cluster_ip):
        t = fb.trace_packet(fe.metadata.name, dst, port=80)
        assert t.verdict == "load-balanced", dst
        assert sorted(b.endpoint for b in t.branches) == sorted(f"{p.status.pod_ip}:8080" for p in _pods(fb, "backend"))
        assert [b.probability for b in t.branches] == [Fraction(1, 3)] * 3
        assert all(b.verdict == "delivered" for b in t.branches)
    text = fb.trace_packet(fe.metadata.name, "backend").render()
    assert "KUBE-SVC-" in text and "p=1/3" in text


def test_trace_node_port_and_refusals(fb):
    t = fb.trace_packet("node-0", "node-2:30080")
    assert t.verdict == "load-balanced" and len(t.branches) == 1
    assert "KUBE-NODEPORTS" in t.render()
    assert fb.trace_packet("node-0", "node-2:30999").verdict == "refused"
    c = kstate.Cluster(nodes=2, seed=1)
    c.apply_file(ROOT / "specs" / "manifests" / "frontend-backend.yaml")
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty"},
             "spec": {"selector": {"app": "nothing"}, "ports": [{"port": 80}]}})
    c.run_until_stable()
    fe = _pods(c, "frontend")[0].metadata.name
    t = c.trace_packet(fe, "empty")
    assert t.verdict == "refused" and "connection refused" in t.reason and "has no endpoints" in t.reason


def test_node_failure_empties_endpoints_then_recovery_restores_them():
    c = kstate.Cluster(nodes=3, seed=0)
    c.apply_file(ROOT / "specs" / "manifests" / "frontend-backend.yaml")
    c.run_until_stable()
    fe = _pods(c, "frontend")[0]
    victim = next(n for n in ("node-0", "node-1", "node-2") if n != fe.spec.node_name)
    on_victim = [p.status.pod_ip for p in _pods(c, "backend") if p.spec.node_name == victim]
    assert on_victim
    c.fail_node(victim)
    c.advance("60s")          # past the 40 s grace period and the next monitor pass: pods not ready
    t = c.trace_packet(fe.metadata.name, "backend")
    assert not any(b.endpoint.split(":")[0] in on_victim for b in t.branches)
    assert [b.probability for b in t.branches] == [Fraction(1, len(t.branches))] * len(t.branches)
    assert not any(ip in c.iptables(fe.spec.node_name) for ip in on_victim)
    c.recover_node(victim)
    c.run_until_stable()
    t = c.trace_packet(fe.metadata.name, "backend")
    assert len(t.branches) == 3


def test_dns_search_path_ndots_headless_externalname_and_hostnames():
    c = kstate.Cluster(nodes=2, seed=0)
    c.apply_file(ROOT / "specs" / "manifests" / "frontend-backend.yaml")
    c.apply([
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
         "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
         "spec": {"type": "ExternalName", "externalName": "db.example.com"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "labels": {"app": "db"}},
         "spec": {"hostname": "db-0", "subdomain": "db", "containers": [{"name": "c", "image": "postgres"}]}},
    ])
    c.run_until_stable()
    fe = _pods(c, "frontend")[0].metadata.name
    a = c.resolve("backend", from_pod=fe)
    assert (a.type, a.values, a.tried) == ("A", (c.get("svc", "backend").spec.cluster_ip,),
                                           ("backend.default.svc.cluster.local",))
    assert c.resolve("kubernetes.default", from_pod=fe).values == ("10.96.0.1",)
    db_ip = c.get("pod", "db-0").status.pod_ip
    assert c.resolve("db", from_pod=fe).values == (db_ip,)
    assert c.resolve("db-0.db.default.svc.cluster.local").values == (db_ip,)
    ext = c.resolve("ext", from_pod=fe)
    assert (ext.type, ext.values) == ("CNAME", ("db.example.com.",))
    miss = c.resolve("nope", from_pod=fe)
    assert miss.type == "NXDOMAIN" and miss.tried == ("nope.default.svc.cluster.local", "nope.svc.cluster.local",
                                                      "nope.cluster.local", "nope")
    assert c.resolve("backend").type == "NXDOMAIN"           # a node has no cluster search path
    # ndots 5: a name with five dots is tried as is first
    assert dns.candidates("a.b.c.d.e.f", "default")[0] == "a.b.c.d.e.f"
    assert dns.candidates("a.b", "ns")[0] == "a.b.ns.svc.cluster.local"
    assert dns.lookup("10-244-1-5.default.pod.cluster.local", {}) == ("A", ("10.244.1.5",))


def test_endpoint_groups_named_ports_readiness_and_terminating():
    c = kstate.Cluster(nodes=2, seed=0)
    c.apply_file(ROOT / "specs" / "manifests" / "frontend-backend.yaml")
    c.run_until_stable()
    svc = c.get("svc", "backend")
    pods = _pods(c, "backend")
    (g,) = epmod.endpoint_groups(svc, pods)
    assert g.ports == (("", 8080, "TCP"),)
    assert [e.ip for e in g.endpoints] == [p.status.pod_ip for p in pods]
    assert all(e.ready and e.serving and not e.terminating for e in g.endpoints)
    c.delete("pod", pods[0].metadata.name)
    gone = c.get("pod", pods[0].metadata.name)
    (g,) = epmod.endpoint_groups(svc, [gone] + pods[1:])
    first = next(e for e in g.endpoints if e.pod == gone.metadata.name)
    assert (first.ready, first.terminating) == (False, True)
    assert [s[1] for s in epmod.endpoints_subsets(svc, [gone] + pods[1:])] == [
        tuple(p.status.pod_ip for p in pods[1:])]
    assert len(epmod.slices_of([epmod.EndpointGroup(g.ports, tuple(range(250)))])) == 3


def test_kstate_run_network_prints_each_nodes_rules_and_traces(capsys):
    from kstate.cli import main
    assert main(["run", str(ROOT / "specs" / "scenarios" / "service-node-failure.yaml"), "--network", "-q"]) == 0
    out = capsys.readouterr().out
    for node in ("node-0", "node-1", "node-2"):
        assert f"# iptables-save on {node} (kube-proxy)\n*filter\n" in out
    assert "-> service default/backend" in out and "each with probability 1/3" in out

"""Service as a simulated kind (issue 10, item 1): defaults, validation,
ClusterIP and NodePort allocation with the static/dynamic bands, the
bootstrap `default/kubernetes` Service, release on delete, update rules,
kubectl columns, snapshots."""
from __future__ import annotations

import ipaddress

import pytest

import kstate
from kstate.errors import SpecError
from kstate.io import tables
from kstate.network import ipallocator


def svc(name: str, **spec) -> dict:
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


# -- ported: pkg/registry/core/service/ipallocator/bitmap_test.go Test_calculateRangeOffset

@pytest.mark.parametrize("cidr,want", [
    ("192.168.1.1/32", 0), ("192.168.1.1/30", 0), ("192.168.1.1/28", 0), ("192.168.1.1/27", 16),
    ("192.168.1.1/22", 64), ("192.168.1.1/8", 256),
    ("fd00::1/128", 0), ("fd00::1/126", 0), ("fd00::1/124", 0), ("fd00::1/122", 16), ("fd00::1/118", 64),
])
def test_ip_range_offset_ported(cidr, want):
    assert ipallocator.ip_range_offset(ipaddress.ip_network(cidr, strict=False).num_addresses) == want


# -- ported: pkg/registry/core/service/portallocator/allocator_test.go Test_calculateRangeOffset

@pytest.mark.parametrize("size,want", [(2768, 86), (10, 0), (16, 0), (128, 16), (2048, 64)])
def test_port_range_offset_ported(size, want):
    assert ipallocator.port_range_offset(size) == want


def test_the_kubernetes_service_exists_from_the_start_on_the_first_ip():
    c = kstate.Cluster(nodes=0)
    k = c.get("svc", "kubernetes")
    assert (k.spec.cluster_ip, k.spec.ports[0].port, k.spec.ports[0].target_port) == ("10.96.0.1", 443, 6443)
    assert k.spec.selector is None
    assert not any("kubernetes" in line for line in c.trace())
    c2 = kstate.Cluster(nodes=0, service_cidr="10.0.0.0/24")
    assert c2.get("svc", "kubernetes").spec.cluster_ip == "10.0.0.1"
    with pytest.raises(SpecError, match="service_cidr|valid CIDR"):
        kstate.Cluster(nodes=0, service_cidr="10.0.0.0/33")


def test_defaults():
    c = kstate.Cluster(nodes=0)
    s = c.apply(svc("web", selector={"app": "web"}, ports=[{"port": 80, "targetPort": "http"}, {
        "name": "b", "port": 81, "protocol": "UDP"}][:1]))
    p = s.spec.ports[0]
    assert (s.spec.type, p.protocol, p.target_port, s.spec.session_affinity) == ("ClusterIP", "TCP", "http", "None")
    assert (s.spec.internal_traffic_policy, s.spec.external_traffic_policy) == ("Cluster", "")
    s2 = c.apply(svc("n", type="NodePort", ports=[{"port": 8080}], sessionAffinity="ClientIP"))
    assert s2.spec.ports[0].target_port == 8080
    assert (s2.spec.external_traffic_policy, s2.spec.session_affinity_timeout) == ("Cluster", 10800)
    lb = c.apply(svc("lb", type="LoadBalancer"))
    assert lb.spec.allocate_load_balancer_node_ports is True and lb.spec.ports[0].node_port
    out = kstate.to_manifest(lb)
    assert out["status"] == {"loadBalancer": {}}
    assert out["spec"]["clusterIPs"] == [lb.spec.cluster_ip]


def test_dynamic_ips_come_from_the_upper_band_and_requested_ones_are_honoured():
    c = kstate.Cluster(nodes=0)
    first_dynamic = ipaddress.ip_address("10.96.0.1") + 256
    for i in range(20):
        s = c.apply(svc(f"s{i}"))
        ip = ipaddress.ip_address(s.spec.cluster_ip)
        assert first_dynamic <= ip <= ipaddress.ip_address("10.111.255.254")
    dns = c.apply(svc("dns", clusterIP="10.96.0.10"))
    assert dns.spec.cluster_ip == "10.96.0.10"
    ips = [s.spec.cluster_ip for s in c.list("svc")]
    assert len(ips) == len(set(ips)) == 22


def test_a_small_range_falls_back_to_the_lower_band_and_then_is_full():
    c = kstate.Cluster(nodes=0, service_cidr="10.0.0.0/27")   # 30 usable, band of 16
    got = [c.apply(svc(f"s{i}")).spec.cluster_ip for i in range(29)]
    offsets = [ipallocator.ip_offset("10.0.0.0/27", ip) for ip in got]
    assert sorted(offsets[:14]) == list(range(16, 30))          # the upper band first
    assert sorted(offsets) == list(range(1, 30))                # 0 is default/kubernetes
    with pytest.raises(SpecError, match="range is full"):
        c.apply(svc("one-too-many"))


@pytest.mark.parametrize("spec,path,message", [
    ({"clusterIP": "10.96.0.1"}, "spec.clusterIPs",
     'Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated'),
    ({"clusterIP": "10.0.0.9"}, "spec.clusterIPs",
     "failed to allocate IP 10.0.0.9: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12"),
    ({"clusterIP": "10.96.0.0"}, "spec.clusterIPs", "provided IP is not in the valid range"),
    ({"clusterIP": "10.111.255.255"}, "spec.clusterIPs", "provided IP is not in the valid range"),
    ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 29999}]}, "spec.ports[0].nodePort",
     "provided port is not in the valid range. The range of valid ports is 30000-32767"),
    ({"clusterIP": "None", "type": "NodePort"}, "spec.clusterIPs[0]", "may not be set to 'None'"),
    ({"type": "ExternalName", "externalName": "x.example", "clusterIP": "10.96.5.5"}, "spec.clusterIPs",
     "Forbidden"),
    ({"externalTrafficPolicy": "Local"}, "spec.externalTrafficPolicy", "externally-accessible"),
])
def test_refused(spec, path, message):
    c = kstate.Cluster(nodes=0)
    before = c.snapshot()
    with pytest.raises(SpecError) as e:
        c.apply(svc("bad", **spec))
    assert e.value.path == path and message in e.value.message
    assert c.snapshot() == before


def test_node_ports_unique_released_on_delete_and_shared_by_protocols():
    c = kstate.Cluster(nodes=0)
    a = c.apply(svc("a", type="NodePort", ports=[{"name": "u", "port": 53, "protocol": "UDP"},
                                                 {"name": "t", "port": 53, "protocol": "TCP"}]))
    assert a.spec.ports[0].node_port == a.spec.ports[1].node_port
    assert 30086 <= a.spec.ports[0].node_port <= 32767
    b = c.apply(svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert b.spec.ports[0].node_port == 30080
    with pytest.raises(SpecError, match="provided port is already allocated"):
        c.apply(svc("c", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    ip = b.spec.cluster_ip
    c.delete("svc", "b")
    c.apply(svc("c", type="NodePort", clusterIP=ip, ports=[{"port": 80, "nodePort": 30080}]))
    assert c.get("svc", "c").spec.cluster_ip == ip


def test_updates_keep_allocations_and_refuse_changes_of_them():
    c = kstate.Cluster(nodes=0)
    s = c.apply(svc("web", type="NodePort", selector={"app": "web"}))
    s2 = c.apply(svc("web", type="NodePort", selector={"app": "web2"}))
    assert (s2.spec.cluster_ip, s2.spec.ports[0].node_port) == (s.spec.cluster_ip, s.spec.ports[0].node_port)
    assert s2.spec.selector == {"app": "web2"}
    with pytest.raises(SpecError) as e:
        c.apply(svc("web", type="NodePort", clusterIP="10.96.7.7"))
    assert e.value.path == "spec.clusterIPs[0]" and "may not change once set" in e.value.message


def test_kubectl_columns():
    c = kstate.Cluster(nodes=0, seed=4)
    c.apply([svc("dns", clusterIP="10.96.0.10", ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                                        {"name": "dns-tcp", "port": 53}]),
             svc("hl", clusterIP="None", selector={"a": "b"}),
             svc("ext", type="ExternalName", externalName="db.example.com", ports=[]),
             svc("lb", type="LoadBalancer", ports=[{"port": 443, "nodePort": 30443}])])
    lines = tables.kind_table(c, ["Service"])
    assert lines[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["dns"] == ["ClusterIP", "10.96.0.10", "<none>", "53/UDP,53/TCP", "0s"]
    assert rows["hl"] == ["ClusterIP", "None", "<none>", "80/TCP", "0s"]
    assert rows["ext"] == ["ExternalName", "<none>", "db.example.com", "<none>", "0s"]
    assert rows["lb"][0] == "LoadBalancer" and rows["lb"][2:] == ["<pending>", "443:30443/TCP", "0s"]
    assert rows["kubernetes"] == ["ClusterIP", "10.96.0.1", "<none>", "443/TCP", "0s"]


def test_same_seed_same_ips_and_snapshot_restores_the_allocators():
    def run():
        c = kstate.Cluster(nodes=0, seed=9)
        return c, [c.apply(svc(f"s{i}", type="NodePort")).spec for i in range(5)]
    (c1, a), (_, b) = run(), run()
    assert a == b
    r = kstate.Cluster.restore(c1.snapshot())
    assert r.list("svc") == c1.list("svc")
    assert r.apply(svc("next")).spec.cluster_ip == c1.apply(svc("next")).spec.cluster_ip

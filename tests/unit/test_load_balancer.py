"""LoadBalancer Services with a simulated load-balancer pool (issue 10,
item 2): status.loadBalancer.ingress from `Cluster(load_balancer_pool=...)`,
healthCheckNodePort allocation (pkg/registry/core/service/storage/alloc.go
allocHealthCheckNodePort), and kube-proxy's rules for the ingress IPs
(pkg/proxy/iptables/proxier.go syncProxyRules; TestNoEndpointsReject)."""
from __future__ import annotations

import pytest

import kstate
from kstate.errors import SpecError
from kstate.io import tables
from kstate.network import ipallocator, kubeproxy as kp
from tests.unit.test_kubeproxy import CONFIG, NODE, service, slice_


def lb(name, **spec):
    base = {"type": "LoadBalancer", "selector": {"app": name}, "ports": [{"port": 80}]}
    base.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": base}


def test_without_a_pool_status_stays_empty_and_external_ip_pending():
    c = kstate.Cluster(nodes=0)
    s = c.apply(lb("web"))
    assert s.status.load_balancer_ingress == ()
    assert kstate.to_manifest(s)["status"] == {"loadBalancer": {}}
    rows = {line.split()[0]: line.split()[1:] for line in tables.kind_table(c, ["Service"])[1:]}
    assert rows["web"][2] == "<pending>"


def test_pool_hands_out_the_lowest_free_address_and_takes_it_back():
    c = kstate.Cluster(nodes=0, load_balancer_pool="192.0.2.0/30")
    got = [c.apply(lb(f"s{i}")).status.load_balancer_ingress for i in range(5)]
    assert got == [("192.0.2.0",), ("192.0.2.1",), ("192.0.2.2",), ("192.0.2.3",), ()]   # exhausted: pending
    assert kstate.to_manifest(c.get("Service", "s1"))["status"] == {
        "loadBalancer": {"ingress": [{"ip": "192.0.2.1", "ipMode": "VIP"}]}}
    rows = {line.split()[0]: line.split()[1:] for line in tables.kind_table(c, ["Service"])[1:]}
    assert rows["s1"][2] == "192.0.2.1" and rows["s4"][2] == "<pending>"
    c.delete("Service", "s1")
    c.run_until_stable()
    assert c.apply(lb("s5")).status.load_balancer_ingress == ("192.0.2.1",)
    # other types get nothing from the pool
    assert c.apply(lb("np", type="NodePort")).status.load_balancer_ingress == ()


def test_requested_load_balancer_ip_honoured_only_inside_the_pool_and_free():
    c = kstate.Cluster(nodes=0, load_balancer_pool="192.0.2.10-192.0.2.12")
    assert c.apply(lb("a", loadBalancerIP="192.0.2.12")).status.load_balancer_ingress == ("192.0.2.12",)
    assert c.apply(lb("b", loadBalancerIP="192.0.2.12")).status.load_balancer_ingress == ()
    assert c.apply(lb("c", loadBalancerIP="198.51.100.1")).status.load_balancer_ingress == ()
    assert c.apply(lb("d")).status.load_balancer_ingress == ("192.0.2.10",)


def test_status_in_a_manifest_is_reset_on_create():
    c = kstate.Cluster(nodes=0)
    m = lb("web")
    m["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}
    assert c.apply(m).status.load_balancer_ingress == ()


@pytest.mark.parametrize("pool", ["192.0.2.0/33", "nonsense", "192.0.2.9-192.0.2.1", 5])
def test_a_bad_pool_is_refused(pool):
    with pytest.raises(SpecError) as e:
        kstate.Cluster(nodes=0, load_balancer_pool=pool)
    assert e.value.path == "load_balancer_pool"


def test_pool_addresses():
    assert ipallocator.pool_addresses("192.0.2.0/30")[1] == 4
    assert ipallocator.pool_addresses("192.0.2.10-192.0.2.12")[1] == 3
    assert ipallocator.allocate_lb_ip("192.0.2.0/31", ["192.0.2.0", "192.0.2.1"]) is None


def test_health_check_node_port_allocated_for_local_load_balancers_kept_and_released():
    c = kstate.Cluster(nodes=0)
    s = c.apply(lb("loc", externalTrafficPolicy="Local"))
    hc = s.spec.extra["healthCheckNodePort"]
    assert 30000 <= hc <= 32767 and hc != s.spec.ports[0].node_port
    assert "healthCheckNodePort" not in c.apply(lb("clu")).spec.extra
    assert c.apply(lb("loc", externalTrafficPolicy="Local")).spec.extra["healthCheckNodePort"] == hc  # re-apply keeps it
    with pytest.raises(SpecError) as e:
        c.apply(lb("other", externalTrafficPolicy="Local", healthCheckNodePort=hc))
    assert e.value.path == "spec.healthCheckNodePort" and "already allocated" in str(e.value)
    c.delete("Service", "loc")
    c.run_until_stable()
    assert c.apply(lb("other", externalTrafficPolicy="Local", healthCheckNodePort=hc)).spec.extra[
        "healthCheckNodePort"] == hc
    with pytest.raises(SpecError) as e:
        c.apply(lb("np", type="NodePort", healthCheckNodePort=31999))
    assert e.value.path == "spec.healthCheckNodePort"


def test_no_endpoints_reject_ported():
    """proxier_test.go TestNoEndpointsReject: a LoadBalancer Service without
    endpoints rejects its ClusterIP, externalIP, NodePort and LB IP."""
    svc = service("ns1", "svc1", "172.30.0.41", "LoadBalancer", 3001, "Cluster", ["192.168.99.11"],
                  lb_ips=["1.2.3.4"])
    text = kp.iptables_save([svc], {}, NODE, CONFIG)
    comment = '-m comment --comment "ns1/svc1:p80 has no endpoints"'
    for line in (f"-A KUBE-SERVICES {comment} -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT",
                 f"-A KUBE-EXTERNAL-SERVICES {comment} -m tcp -p tcp -d 192.168.99.11 --dport 80 -j REJECT",
                 f"-A KUBE-EXTERNAL-SERVICES {comment} -m tcp -p tcp -d 1.2.3.4 --dport 80 -j REJECT",
                 f"-A KUBE-EXTERNAL-SERVICES {comment} -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 "
                 "-j REJECT"):
        assert line in text.splitlines()
    assert "loadbalancer IP" not in text and "KUBE-FW-" not in text


def test_source_range_containing_the_node_lets_the_node_reach_the_vip():
    """proxier.go syncProxyRules (allowFromNode): when a source range holds
    the node's IP, the KUBE-FW chain also accepts packets from the LB IP
    itself (a VIP routed locally loops back with it as the source)."""
    svc = service("ns5", "svc5", "172.30.0.45", "LoadBalancer", 3002, "Cluster", lb_ips=["5.6.7.8"],
                  source_ranges=["192.168.0.0/24", "bogus"])
    text = kp.iptables_save([svc], {("ns5", "svc5"): slice_(kp.Endpoint("10.180.0.3"))}, NODE, CONFIG)
    fw = [line for line in text.splitlines() if line.startswith("-A KUBE-FW-NUKIZ6OKUXPJNT4C")]
    assert fw == [
        '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 192.168.0.0/24 '
        "-j KUBE-EXT-NUKIZ6OKUXPJNT4C",
        '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 5.6.7.8 '
        "-j KUBE-EXT-NUKIZ6OKUXPJNT4C",
        '-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by '
        'KUBE-PROXY-FIREWALL"']


def test_cluster_rules_follow_the_pool():
    c = kstate.Cluster(nodes=1, load_balancer_pool="192.0.2.0/28")
    c.apply([lb("web"), {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w", "labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "c", "image": "nginx"}]}}])
    c.run_until_stable()
    text = c.iptables("node-0")
    assert '"default/web loadbalancer IP" -m tcp -p tcp -d 192.0.2.0 --dport 80 -j KUBE-EXT-' in text


def test_trace_to_a_load_balancer_ip():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "w", "labels": {"app": "web"}},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    client = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
              "spec": {"containers": [{"name": "c", "image": "curl"}]}}
    c = kstate.Cluster(nodes=2, load_balancer_pool="192.0.2.0/28")
    c.apply([lb("web"), lb("fw", selector={"app": "web"}, loadBalancerSourceRanges=["198.51.100.0/24"]), pod,
             client])
    c.run_until_stable()
    t = c.trace_packet("client", "192.0.2.0", port=80)
    assert t.verdict == "load-balanced" and [b.pod for b in t.branches] == ["default/w"]
    assert "KUBE-SERVICES -d 192.0.2.0 --dport 80 → KUBE-EXT-" in t.render()
    t = c.trace_packet("client", "192.0.2.1", port=80)
    assert t.verdict == "dropped" and "outside loadBalancerSourceRanges 198.51.100.0/24" in t.reason


def test_a_source_range_does_not_leak_into_the_next_services_masquerade_rule():
    svc5 = service("ns5", "svc5", "172.30.0.45", "LoadBalancer", 3002, "Cluster", lb_ips=["5.6.7.8"],
                   source_ranges=["203.0.113.0/25"])
    svc6 = service("ns6", "svc6", "172.30.0.46")
    text = kp.iptables_save([svc5, svc6], {("ns5", "svc5"): slice_(kp.Endpoint("10.180.0.3")),
                                           ("ns6", "svc6"): slice_(kp.Endpoint("10.180.0.6"))}, NODE, CONFIG)
    assert "--dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ" in [
        line for line in text.splitlines() if line.startswith("-A KUBE-SVC-") and "ns6/svc6:p80 cluster IP" in line][0]

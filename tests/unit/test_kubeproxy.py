"""kube-proxy's iptables rules (issue 10, item 3) against the expectations
of kube-proxy's own tests: pkg/proxy/iptables/proxier_test.go
TestOverallIPTablesRules (the fake proxier's node "test-node" with IP
192.168.0.2, cluster CIDR 10.0.0.0/8, localhost NodePorts and nfacct on) and
TestNoEndpointsReject. The LoadBalancer services carry the
status.loadBalancer ingress IPs the test sets (in a cluster, kstate's
simulated load-balancer pool sets them); the expected text is the test's,
byte for byte."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from kstate.network import kubeproxy as kp
from kstate.resources.frozen import FrozenDict
from kstate.resources.meta import ObjectMeta
from kstate.resources.service import Service, ServicePort, ServiceSpec, ServiceStatus

NODE = "test-node"
NODE_IP = "192.168.0.2"
CONFIG = kp.ProxyConfig(cluster_cidr="10.0.0.0/8", node_ip=NODE_IP)


def service(ns, name, ip, typ="ClusterIP", node_port=0, etp="", external_ips=(), affinity="None", lb_ips=(),
            hc_node_port=0, source_ranges=()):
    extra = {}
    if external_ips:
        extra["externalIPs"] = tuple(external_ips)
    if hc_node_port:
        extra["healthCheckNodePort"] = hc_node_port
    if source_ranges:
        extra["loadBalancerSourceRanges"] = tuple(source_ranges)
    return Service(metadata=ObjectMeta(name=name, namespace=ns), spec=ServiceSpec(
        type=typ, cluster_ip=ip, ports=(ServicePort(port=80, name="p80", target_port=80, node_port=node_port),),
        external_traffic_policy=etp or ("Cluster" if typ != "ClusterIP" else ""), internal_traffic_policy="Cluster",
        session_affinity=affinity, session_affinity_timeout=10800 if affinity == "ClientIP" else 0,
        extra=FrozenDict(extra)), status=ServiceStatus(load_balancer_ingress=tuple(lb_ips)))


def slice_(*eps):
    return [kp.Slice(ports=(("p80", 80, "TCP"),), endpoints=tuple(eps))]


SERVICES = [
    service("ns1", "svc1", "172.30.0.41"),
    service("ns2", "svc2", "172.30.0.42", "LoadBalancer", 3001, "Local", ["192.168.99.22"], lb_ips=["1.2.3.4"],
            hc_node_port=30000),
    service("ns3", "svc3", "172.30.0.43", "NodePort", 3003),
    service("ns4", "svc4", "172.30.0.44", "NodePort", 0, external_ips=["192.168.99.33"]),
    # the test's stray space in the source range is ignored, as kube-proxy ignores it
    service("ns5", "svc5", "172.30.0.45", "LoadBalancer", 3002, "Cluster", affinity="ClientIP", lb_ips=["5.6.7.8"],
            hc_node_port=30000, source_ranges=[" 203.0.113.0/25"]),
    service("ns6", "svc6", "172.30.0.46"),
]
SLICES = {
    ("ns1", "svc1"): slice_(kp.Endpoint("10.180.0.1")),
    ("ns2", "svc2"): slice_(kp.Endpoint("10.180.0.2")),                 # no nodeName: not local
    ("ns3", "svc3"): slice_(kp.Endpoint("10.180.0.3")),
    ("ns4", "svc4"): slice_(kp.Endpoint("10.180.0.4"), kp.Endpoint("10.180.0.5", node_name=NODE)),
    ("ns5", "svc5"): slice_(kp.Endpoint("10.180.0.3")),
}

EXPECTED = """\
*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-NODEPORTS -m comment --comment "ns2/svc2:p80 health check node port" -m tcp -p tcp --dport 30000 -j ACCEPT
-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP
-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-PROXY-FIREWALL -m comment --comment "ns5/svc5:p80 traffic not accepted by KUBE-FW-NUKIZ6OKUXPJNT4C" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j DROP
COMMIT
*nat
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXT-4SW47YFZTEDKD3PK - [0:0]
:KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-EXT-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-EXT-X27LE4BHSL4DOUIK - [0:0]
:KUBE-FW-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-C6EBXVWJJZMIWKLZ - [0:0]
:KUBE-SEP-I77PXRDZVX7PMWMN - [0:0]
:KUBE-SEP-OYPFS5VJICHGATKP - [0:0]
:KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]
:KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]
:KUBE-SEP-UKSFD7AGPMPPLUHC - [0:0]
:KUBE-SVC-4SW47YFZTEDKD3PK - [0:0]
:KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]
:KUBE-SVC-NUKIZ6OKUXPJNT4C - [0:0]
:KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
:KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]
-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3003 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-X27LE4BHSL4DOUIK
-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK
-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3002 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT
-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-FW-NUKIZ6OKUXPJNT4C
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C
-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-NUKIZ6OKUXPJNT4C
-A KUBE-FW-NUKIZ6OKUXPJNT4C -m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ
-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ
-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ
-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ
-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ
-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC
-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN
-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ
COMMIT
"""


def test_overall_rules_match_kube_proxys_test():
    got = kp.iptables_save(SERVICES, SLICES, NODE, CONFIG)
    assert got.splitlines() == EXPECTED.splitlines()


def test_chain_names_are_kube_proxys_hashes():
    assert kp.chain("KUBE-SVC-", "ns1/svc1:p80", "tcp") == "KUBE-SVC-XPGD46QRK7WJZT7O"
    assert kp.endpoint_chain("ns1/svc1:p80", "tcp", "10.180.0.1:80") == "KUBE-SEP-SXIVWICOYRO3J4NJ"
    assert kp.chain("KUBE-FW-", "ns5/svc5:p80", "tcp") == "KUBE-FW-NUKIZ6OKUXPJNT4C"


def test_probabilities_are_printed_like_kube_proxy_and_the_last_rule_is_unconditional():
    eps = [kp.Endpoint(f"10.180.0.{i}") for i in range(1, 4)]
    text = kp.iptables_save([service("ns1", "svc1", "172.30.0.41")], {("ns1", "svc1"): slice_(*eps)}, NODE, CONFIG)
    svc_rules = [line for line in text.splitlines() if line.startswith("-A KUBE-SVC-XPGD46QRK7WJZT7O") and "->" in line]
    assert ["0.3333333333" in svc_rules[0], "0.5000000000" in svc_rules[1], "statistic" in svc_rules[2]] == [
        True, True, False]


def test_fallback_to_serving_terminating_and_internal_local():
    term = kp.Endpoint("10.180.0.9", ready=False, serving=True, terminating=True)
    svc = service("ns1", "svc1", "172.30.0.41")
    text = kp.iptables_save([svc], {("ns1", "svc1"): slice_(term)}, NODE, CONFIG)
    assert "--to-destination 10.180.0.9:80" in text
    gone = kp.Endpoint("10.180.0.9", ready=False, serving=False, terminating=True)
    text = kp.iptables_save([svc], {("ns1", "svc1"): slice_(gone)}, NODE, CONFIG)
    assert '"ns1/svc1:p80 has no endpoints"' in text and "-j DNAT" not in text
    import attrs
    local = attrs.evolve(svc, spec=attrs.evolve(svc.spec, internal_traffic_policy="Local"))
    text = kp.iptables_save([local], {("ns1", "svc1"): slice_(kp.Endpoint("10.180.0.1"))}, NODE, CONFIG)
    assert '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp ' \
           "-d 172.30.0.41 --dport 80 -j DROP" in text
    text = kp.iptables_save([local], {("ns1", "svc1"): slice_(kp.Endpoint("10.180.0.1", node_name=NODE))},
                            NODE, CONFIG)
    svl = kp.chain("KUBE-SVL-", "ns1/svc1:p80", "tcp")
    assert f'--dport 80 -j {svl}' in text and "KUBE-SVC-" not in text


def test_large_clusters_drop_endpoint_comments():
    eps = [kp.Endpoint(f"10.{i // 250}.{i % 250}.1") for i in range(1001)]
    text = kp.iptables_save([service("ns1", "svc1", "172.30.0.41")], {("ns1", "svc1"): slice_(*eps)}, NODE, CONFIG)
    assert not any(line.startswith("-A KUBE-SEP-") and "comment" in line for line in text.splitlines())


@given(st.integers(min_value=1, max_value=60))
def test_each_endpoint_gets_exactly_one_nth(n):
    eps = [kp.PortEndpoint(f"10.0.0.{i}", 80, True, True, False, False) for i in range(n)]
    shares = [p for _, p in kp.dnat_choices(eps)]
    assert shares == [Fraction(1, n)] * n
    # and the printed probabilities are 1/(n-i) to 10 places
    assert [kp.probability(n - i) for i in range(n - 1)] == [f"{1 / (n - i):.10f}" for i in range(n - 1)]


@pytest.mark.parametrize("port_name,want", [("", "ns/web"), ("http", "ns/web:http")])
def test_service_port_name(port_name, want):
    assert kp.service_port_name("ns", "web", port_name) == want

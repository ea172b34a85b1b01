"""kube-proxy's partial syncs (issue 10, item 4): pkg/proxy/iptables/
proxier_test.go TestSyncProxyRulesRepeated, step by step, on kstate's sync
history (kstate.network.proxysync). Each expected text is the Go test's
(the fake proxier's node, cluster CIDR 10.0.0.0/8), in its canonical order,
with the v1.35 form of the INVALID drop rule (nfacct counter, as in
TestOverallIPTablesRules at v1.35). The test's forced partial-restore
failure is not modelled: its final full resync is checked directly."""
from __future__ import annotations

import attrs

from kstate.network import kubeproxy as kp, proxysync as ps
from kstate.resources.meta import ObjectMeta
from kstate.resources.service import Service, ServicePort, ServiceSpec

NODE = "test-node"
CONFIG = kp.ProxyConfig(cluster_cidr="10.0.0.0/8", node_ip="192.168.0.2")


def svc(ns, name, ip, port_name, port):
    return Service(metadata=ObjectMeta(name=name, namespace=ns), spec=ServiceSpec(
        cluster_ip=ip, ports=(ServicePort(port=port, name=port_name, target_port=port),),
        internal_traffic_policy="Cluster"))


def eps(port_name, port, *ips):
    return (kp.Slice(ports=((port_name, port, "TCP"),), endpoints=tuple(kp.Endpoint(ip) for ip in ips)),)


def _filter(*rules):
    return "\n".join([
        "*filter", ":KUBE-NODEPORTS - [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-EXTERNAL-SERVICES - [0:0]",
        ":KUBE-FIREWALL - [0:0]", ":KUBE-FORWARD - [0:0]", ":KUBE-PROXY-FIREWALL - [0:0]", *rules,
        '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s '
        "127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
        "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP",
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate '
        "RELATED,ESTABLISHED -j ACCEPT",
        "COMMIT"])


TOP = ["-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000",
       "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
       "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000",
       '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE']
NODEPORTS = ('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule '
             'in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')


def _nat(chains, services, rules):
    return "\n".join(["*nat", ":KUBE-NODEPORTS - [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-MARK-MASQ - [0:0]",
                      ":KUBE-POSTROUTING - [0:0]", *[f":{c} - [0:0]" for c in chains], *services, NODEPORTS,
                      *TOP, *rules, "COMMIT"]) + "\n"


CIP1 = ('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 '
        "-j KUBE-SVC-XPGD46QRK7WJZT7O")
CIP2 = ('-A KUBE-SERVICES -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport '
        "8080 -j KUBE-SVC-2VJB64SDSIJUP5T6")
CIP3 = ('-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 '
        "-j KUBE-SVC-X27LE4BHSL4DOUIK")
CIP4 = ('-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 '
        "-j KUBE-SVC-4SW47YFZTEDKD3PK")


def _sep(chain, spn, ip, port):
    return [f"-A {chain} -m comment --comment {spn} -s {ip} -j KUBE-MARK-MASQ",
            f"-A {chain} -m comment --comment {spn} -m tcp -p tcp -j DNAT --to-destination {ip}:{port}"]


def _svc_masq(chain, spn, ip, port):
    return (f'-A {chain} -m comment --comment "{spn} cluster IP" -m tcp -p tcp -d {ip} --dport {port} ! -s '
            "10.0.0.0/8 -j KUBE-MARK-MASQ")


def _svc_jump(chain, spn, addr, sep, prob=None):
    stat = f"-m statistic --mode random --probability {prob} " if prob else ""
    return f'-A {chain} -m comment --comment "{spn} -> {addr}" {stat}-j {sep}'


def test_sync_proxy_rules_repeated_ported():
    st = ps.ProxySyncState()
    k1, k2, k3, k4 = ("ns1", "svc1"), ("ns2", "svc2"), ("ns3", "svc3"), ("ns4", "svc4")
    s1 = svc("ns1", "svc1", "172.30.0.41", "p80", 80)
    s2 = svc("ns2", "svc2", "172.30.0.42", "p8080", 8080)
    s3 = svc("ns3", "svc3", "172.30.0.43", "p80", 80)
    s4 = svc("ns4", "svc4", "172.30.0.44", "p80", 80)

    # initial state: a full sync
    ps.apply_sync(st, 0, True, [(k1, s1, eps("p80", 80, "10.0.1.1")), (k2, s2, eps("p8080", 8080, "10.0.2.1"))])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat(
        ["KUBE-SEP-SNQ3ZNILQDEJNDQO", "KUBE-SEP-UHEGFW77JX3KXTOV", "KUBE-SVC-2VJB64SDSIJUP5T6",
         "KUBE-SVC-XPGD46QRK7WJZT7O"], [CIP1, CIP2],
        _sep("KUBE-SEP-SNQ3ZNILQDEJNDQO", "ns1/svc1:p80", "10.0.1.1", 80)
        + _sep("KUBE-SEP-UHEGFW77JX3KXTOV", "ns2/svc2:p8080", "10.0.2.1", 8080)
        + [_svc_masq("KUBE-SVC-2VJB64SDSIJUP5T6", "ns2/svc2:p8080", "172.30.0.42", 8080),
           _svc_jump("KUBE-SVC-2VJB64SDSIJUP5T6", "ns2/svc2:p8080", "10.0.2.1:8080", "KUBE-SEP-UHEGFW77JX3KXTOV"),
           _svc_masq("KUBE-SVC-XPGD46QRK7WJZT7O", "ns1/svc1:p80", "172.30.0.41", 80),
           _svc_jump("KUBE-SVC-XPGD46QRK7WJZT7O", "ns1/svc1:p80", "10.0.1.1:80", "KUBE-SEP-SNQ3ZNILQDEJNDQO")])

    # a new service and its endpoints: only its SVC and SEP chains
    ps.apply_sync(st, 1000, False, [(k3, s3, eps("p80", 80, "10.0.3.1"))])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat(
        ["KUBE-SEP-BSWRHOQ77KEXZLNL", "KUBE-SVC-X27LE4BHSL4DOUIK"], [CIP1, CIP2, CIP3],
        _sep("KUBE-SEP-BSWRHOQ77KEXZLNL", "ns3/svc3:p80", "10.0.3.1", 80)
        + [_svc_masq("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "172.30.0.43", 80),
           _svc_jump("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "10.0.3.1:80", "KUBE-SEP-BSWRHOQ77KEXZLNL")])

    # a service deleted: its chains flushed and deleted, no other rewritten
    ps.apply_sync(st, 2000, False, [(k2, None, ())])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat(
        ["KUBE-SEP-UHEGFW77JX3KXTOV", "KUBE-SVC-2VJB64SDSIJUP5T6"], [CIP1, CIP3],
        ["-X KUBE-SEP-UHEGFW77JX3KXTOV", "-X KUBE-SVC-2VJB64SDSIJUP5T6"])

    # a service without endpoints: only its REJECT rule
    ps.apply_sync(st, 3000, False, [(k4, s4, ())])
    assert ps.restore_input(st, NODE, CONFIG) == _filter(
        '-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.44 '
        "--dport 80 -j REJECT") + "\n" + _nat([], [CIP1, CIP3], [])

    # then its endpoints
    ps.apply_sync(st, 4000, False, [(k4, s4, eps("p80", 80, "10.0.4.1"))])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat(
        ["KUBE-SEP-AYCN5HPXMIRJNJXU", "KUBE-SVC-4SW47YFZTEDKD3PK"], [CIP1, CIP3, CIP4],
        _sep("KUBE-SEP-AYCN5HPXMIRJNJXU", "ns4/svc4:p80", "10.0.4.1", 80)
        + [_svc_masq("KUBE-SVC-4SW47YFZTEDKD3PK", "ns4/svc4:p80", "172.30.0.44", 80),
           _svc_jump("KUBE-SVC-4SW47YFZTEDKD3PK", "ns4/svc4:p80", "10.0.4.1:80", "KUBE-SEP-AYCN5HPXMIRJNJXU")])

    # an endpoint of an existing service changed: its SVC and SEP chains, the old SEP deleted
    ps.apply_sync(st, 5000, False, [(k3, s3, eps("p80", 80, "10.0.3.2"))])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat(
        ["KUBE-SEP-BSWRHOQ77KEXZLNL", "KUBE-SEP-DKCFIS26GWF2WLWC", "KUBE-SVC-X27LE4BHSL4DOUIK"], [CIP1, CIP3, CIP4],
        _sep("KUBE-SEP-DKCFIS26GWF2WLWC", "ns3/svc3:p80", "10.0.3.2", 80)
        + [_svc_masq("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "172.30.0.43", 80),
           _svc_jump("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "10.0.3.2:80", "KUBE-SEP-DKCFIS26GWF2WLWC"),
           "-X KUBE-SEP-BSWRHOQ77KEXZLNL"])

    # an endpoint added
    ps.apply_sync(st, 6000, False, [(k3, s3, eps("p80", 80, "10.0.3.2", "10.0.3.3"))])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat(
        ["KUBE-SEP-DKCFIS26GWF2WLWC", "KUBE-SEP-JVVZVJ7BSEPPRNBS", "KUBE-SVC-X27LE4BHSL4DOUIK"], [CIP1, CIP3, CIP4],
        _sep("KUBE-SEP-DKCFIS26GWF2WLWC", "ns3/svc3:p80", "10.0.3.2", 80)
        + _sep("KUBE-SEP-JVVZVJ7BSEPPRNBS", "ns3/svc3:p80", "10.0.3.3", 80)
        + [_svc_masq("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "172.30.0.43", 80),
           _svc_jump("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "10.0.3.2:80", "KUBE-SEP-DKCFIS26GWF2WLWC",
                     "0.5000000000"),
           _svc_jump("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "10.0.3.3:80", "KUBE-SEP-JVVZVJ7BSEPPRNBS")])

    # a sync with no changes rewrites no service chain
    ps.apply_sync(st, 7000, False, [])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat([], [CIP1, CIP3, CIP4], [])

    # svc4 deleted in a full resync: every chain rewritten, svc4's deleted
    ps.apply_sync(st, 8000, True, [(k1, s1, eps("p80", 80, "10.0.1.1")),
                                   (k3, s3, eps("p80", 80, "10.0.3.2", "10.0.3.3")), (k4, None, ())])
    assert ps.restore_input(st, NODE, CONFIG) == _filter() + "\n" + _nat(
        ["KUBE-SEP-AYCN5HPXMIRJNJXU", "KUBE-SEP-DKCFIS26GWF2WLWC", "KUBE-SEP-JVVZVJ7BSEPPRNBS",
         "KUBE-SEP-SNQ3ZNILQDEJNDQO", "KUBE-SVC-4SW47YFZTEDKD3PK", "KUBE-SVC-X27LE4BHSL4DOUIK",
         "KUBE-SVC-XPGD46QRK7WJZT7O"], [CIP1, CIP3],
        _sep("KUBE-SEP-DKCFIS26GWF2WLWC", "ns3/svc3:p80", "10.0.3.2", 80)
        + _sep("KUBE-SEP-JVVZVJ7BSEPPRNBS", "ns3/svc3:p80", "10.0.3.3", 80)
        + _sep("KUBE-SEP-SNQ3ZNILQDEJNDQO", "ns1/svc1:p80", "10.0.1.1", 80)
        + [_svc_masq("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "172.30.0.43", 80),
           _svc_jump("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "10.0.3.2:80", "KUBE-SEP-DKCFIS26GWF2WLWC",
                     "0.5000000000"),
           _svc_jump("KUBE-SVC-X27LE4BHSL4DOUIK", "ns3/svc3:p80", "10.0.3.3:80", "KUBE-SEP-JVVZVJ7BSEPPRNBS"),
           _svc_masq("KUBE-SVC-XPGD46QRK7WJZT7O", "ns1/svc1:p80", "172.30.0.41", 80),
           _svc_jump("KUBE-SVC-XPGD46QRK7WJZT7O", "ns1/svc1:p80", "10.0.1.1:80", "KUBE-SEP-SNQ3ZNILQDEJNDQO"),
           "-X KUBE-SEP-AYCN5HPXMIRJNJXU", "-X KUBE-SVC-4SW47YFZTEDKD3PK"])
    # and the programmed rules are exactly a full render of what the API holds
    assert ps.rules(st, NODE, CONFIG) == kp.iptables_save(
        [s1, s3], {k1: eps("p80", 80, "10.0.1.1"), k3: eps("p80", 80, "10.0.3.2", "10.0.3.3")}, NODE, CONFIG)


def test_programmed_rules_after_partial_syncs_equal_a_full_render():
    st = ps.ProxySyncState()
    services = {("ns", f"s{i}"): svc("ns", f"s{i}", f"172.30.0.{i + 1}", "http", 80) for i in range(5)}
    slices = {k: eps("http", 80, f"10.0.{i}.1") for i, k in enumerate(services)}
    ps.apply_sync(st, 0, True, [(k, services[k], slices[k]) for k in services])
    slices[("ns", "s2")] = eps("http", 80, "10.0.2.1", "10.0.2.2")
    ps.apply_sync(st, 1000, False, [(("ns", "s2"), services[("ns", "s2")], slices[("ns", "s2")])])
    del services[("ns", "s4")]
    ps.apply_sync(st, 2000, False, [(("ns", "s4"), None, ())])
    assert ps.rules(st, NODE, CONFIG) == kp.iptables_save(list(services.values()), slices, NODE, CONFIG)
    assert st.last.written == (("ns", "s4"),) and not st.last.full and st.syncs == 3


def test_chains_keep_the_form_they_were_written_in_across_the_large_cluster_threshold():
    """proxier.go: largeClusterMode is decided per sync from the total
    endpoint count, but a partial sync does not rewrite the chains of
    unchanged services, so their endpoint rules keep their comments."""
    st = ps.ProxySyncState()
    small = svc("ns", "small", "172.30.0.1", "http", 80)
    big = svc("ns", "big", "172.30.0.2", "http", 80)
    ps.apply_sync(st, 0, True, [(("ns", "small"), small, eps("http", 80, "10.9.0.1"))])
    many = eps("http", 80, *[f"10.{i // 250}.{i % 250}.1" for i in range(1000)])
    ps.apply_sync(st, 1000, False, [(("ns", "big"), big, many)])
    text = ps.rules(st, NODE, CONFIG)
    assert "-A KUBE-SEP-" in text
    small_sep = kp.endpoint_chain("ns/small:http", "tcp", "10.9.0.1:80")
    assert f"-A {small_sep} -m comment --comment ns/small:http -s 10.9.0.1 -j KUBE-MARK-MASQ" in text
    big_sep = kp.endpoint_chain("ns/big:http", "tcp", "10.0.0.1:80")
    assert f"-A {big_sep} -s 10.0.0.1 -j KUBE-MARK-MASQ" in text
    # a full resync writes every chain in large-cluster form
    ps.apply_sync(st, 3_601_001, True, [(("ns", "small"), small, eps("http", 80, "10.9.0.1")),
                                        (("ns", "big"), big, many)])
    assert f"-A {small_sep} -s 10.9.0.1 -j KUBE-MARK-MASQ" in ps.rules(st, NODE, CONFIG)


def test_sync_timing():
    st = ps.ProxySyncState()
    assert ps.needs_full_sync(st, 0) and ps.next_sync_at(st, 0) == 0
    ps.apply_sync(st, 30_000, True, [])
    assert ps.next_sync_at(st, 30_400) == 31_000 and ps.next_sync_at(st, 32_000) == 32_000
    assert not ps.needs_full_sync(st, 30_000 + ps.FULL_SYNC_PERIOD_MS)
    assert ps.needs_full_sync(st, 30_001 + ps.FULL_SYNC_PERIOD_MS)
    ps.mark_changed(st, ("ns", "a"))
    assert list(st.pending) == [("ns", "a")]
    assert attrs.has(ps.Synced)

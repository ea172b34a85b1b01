"""kube-proxy's sync loop in a running cluster (issue 10, item 4): rules
follow the API through kube-proxy's syncs, at most one per min-sync period
(proxier.go NewProxier: 1 s), the first one full and the later ones partial
(only the services whose Service or EndpointSlices changed)."""
from __future__ import annotations

import pytest

import kstate
from kstate.errors import InvalidOperation


def pod(name, app, node=None):
    spec = {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 8080}]}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}}, "spec": spec}


def service(name, app):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]}}


def dnat_count(text, ip):
    return sum(1 for line in text.splitlines() if f"--to-destination {ip}" in line)


def test_the_first_sync_is_full_and_has_the_kubernetes_service():
    c = kstate.Cluster(nodes=1)
    info = c.kube_proxy_sync("node-0")
    assert info.full and info.services == ("default/kubernetes",) and info.at == c.engine.start
    assert '"default/kubernetes:https has no endpoints"' in c.iptables("node-0")


def test_changes_within_the_min_sync_period_wait_for_the_next_sync():
    c = kstate.Cluster(nodes=2)
    c.apply([service("a", "a"), service("b", "b"), pod("a0", "a"), pod("b0", "b")])
    c.run_until_stable()
    ip = c.get("Pod", "b0").status.pod_ip
    assert dnat_count(c.iptables("node-0"), ip) == 1
    c.advance("5s")
    t0 = c.engine.now
    # one change now syncs at once (the last sync is more than 1 s ago) ...
    c.delete("Pod", "a0", grace_period=0)
    c.advance("0ms")
    first = c.kube_proxy_sync("node-0")
    assert first.at == t0 and not first.full and first.services == ("default/a",)
    # ... a second one 200 ms later waits until 1 s after that sync
    c.advance("200ms")
    c.delete("Pod", "b0", grace_period=0)
    c.advance("0ms")
    assert dnat_count(c.iptables("node-1"), ip) == 1                 # still programmed
    assert c.trace_packet("node-1", "b", port=80).verdict == "load-balanced"
    c.advance("799ms")
    assert dnat_count(c.iptables("node-1"), ip) == 1
    c.advance("1ms")
    assert dnat_count(c.iptables("node-1"), ip) == 0
    second = c.kube_proxy_sync("node-1")
    assert second.at == t0 + 1000 and second.services == ("default/b",)
    assert "KUBE-SVC-" not in "".join(line for line in second.input.splitlines() if "default/a" in line)
    assert any(line.startswith("-X KUBE-SEP-") for line in second.input.splitlines())
    assert c.trace_packet("node-1", "b", port=80).verdict == "refused"


def test_a_new_service_has_no_rules_until_kube_proxy_syncs():
    c = kstate.Cluster(nodes=1)
    c.apply([service("a", "a"), pod("a0", "a")])
    c.run_until_stable()
    c.advance("100ms")
    c.apply(service("late", "a"))
    t = c.trace_packet("node-0", "late", port=80)
    assert t.verdict == "dropped" and "has not programmed default/late yet" in t.reason
    assert '"default/late cluster IP"' not in c.iptables("node-0")
    c.run_until_stable()
    assert '"default/late cluster IP"' in c.iptables("node-0")
    assert c.trace_packet("node-0", "late", port=80).verdict == "load-balanced"


def test_programmed_rules_equal_a_full_render_once_stable_and_survive_a_snapshot():
    from kstate.kinds.network import proxy_slices
    from kstate.network import kubeproxy as kp
    c = kstate.Cluster(nodes=3, seed=3)
    c.apply([service(f"s{i}", f"a{i % 3}") for i in range(5)] + [pod(f"p{i}", f"a{i % 3}") for i in range(7)])
    c.run_until_stable()
    c.delete("Pod", "p4")
    c.apply(pod("p9", "a1"))
    c.run_until_stable()
    eng = c.engine
    for node in ("node-0", "node-2"):
        ip = next(a.address for a in c.get("Node", node).status.addresses if a.type == "InternalIP")
        svcs = eng.list("Service")
        want = kp.iptables_save(svcs, proxy_slices(eng, svcs), node,
                                kp.ProxyConfig(cluster_cidr=eng.cluster_cidr, node_ip=ip))
        assert c.iptables(node) == want
    r = kstate.Cluster.restore(c.snapshot())
    assert r.iptables("node-1") == c.iptables("node-1")
    assert r.kube_proxy_sync("node-1") == c.kube_proxy_sync("node-1")


def test_without_the_kube_proxy_loop_rules_follow_the_api_at_once():
    from kstate.controllers import CONTROLLERS
    ctrls = {k: v for k, v in CONTROLLERS.items() if k != "kube-proxy"}
    c = kstate.Cluster(nodes=1, controllers=ctrls)
    c.apply([service("a", "a")])
    assert '"default/a:' in c.iptables("node-0") or "default/a has no endpoints" in c.iptables("node-0")
    with pytest.raises(InvalidOperation):
        c.kube_proxy_sync("node-0")

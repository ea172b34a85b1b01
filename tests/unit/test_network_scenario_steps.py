"""Scenario steps that look at the data plane mid-run (issue 10, item 9):
`iptables` (a node's kube-proxy rules: printed, searched, a Service's
endpoint count) and `trace` (a packet traced at that moment: verdict,
endpoints, text). Failed checks are run failures naming the step."""
from __future__ import annotations

from kstate.io.scenario import parse_scenario, run_scenario

BACKEND = [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"b{i}", "labels": {"app": "b"}},
     "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 8080}]}]}}
    for i in range(2)
] + [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
      "spec": {"selector": {"app": "b"}, "ports": [{"port": 80, "targetPort": 8080}]}}]


def _scenario(timeline, until="1m"):
    return parse_scenario({"cluster": {"nodes": 2}, "manifests": BACKEND, "timeline": timeline,
                           "run": {"until": until}}, "steps.yaml")


def test_passing_steps_print_and_count_their_checks():
    report = run_scenario(_scenario([
        {"at": "10s", "iptables": {"node": "node-0", "print": True, "service": "svc", "endpoints": 2,
                                   "contains": ["-j DNAT --to-destination"],
                                   "not-contains": ["KUBE-FW-"]}},
        {"at": "10s", "trace": {"from": "node-1", "to": "svc", "port": 80, "verdict": "load-balanced",
                                "endpoints": 2, "contains": ["p=1/2"], "print": True}},
        {"at": "10s", "trace": {"from": {"selector": "app=b", "node": "node-0"}, "to": {"selector": {"app": "b"}},
                                "verdict": "delivered"}},
    ]))
    assert report.ok, report.failures
    assert report.checked == 3 + 3 + 1
    out = report.output
    assert ">>> iptables node node-0 default/svc endpoints 2: 3 checks ok" in out
    assert "      # iptables-save on node-0 (kube-proxy)" in out and "      *nat" in out
    assert ">>> trace node-1 -> svc:80: 3 checks ok" in out
    assert "= load-balanced: 2 endpoint(s), each with probability 1/2" in out


def test_failing_checks_are_failures_naming_the_step_and_what_was_seen():
    report = run_scenario(_scenario([
        {"at": "10s", "delete": {"kind": "Pod", "name": "b0"}},
        {"at": "10s", "iptables": {"node": "node-1", "service": "svc", "endpoints": 2, "contains": ["KUBE-FW-"]}},
        {"at": "10s", "trace": {"from": "node-0", "to": "svc", "port": 80, "verdict": "refused", "endpoints": 2}},
        {"at": "10s", "trace": {"from": {"selector": "app=nope"}, "to": "svc", "print": True}},
    ]))
    assert not report.ok
    f = report.failures
    assert f[0] == "+10.000s: timeline[1]: no rule on node-1 contains \"KUBE-FW-\""
    assert f[1] == "+10.000s: timeline[1]: default/svc DNATs to 1 endpoint(s) on node-1, want 2"
    assert f[2].startswith("+10.000s: timeline[2]: trace node-0 -> svc: verdict load-balanced")
    assert f[3] == "+10.000s: timeline[2]: trace node-0 -> svc: 1 endpoint(s) to choose from, want 2"
    assert f[4].startswith("+10.000s: timeline[3] trace pod(app=nope) -> svc: ") and "no Running pod" in f[4]
    assert len(f) == 5


def test_the_pod_network_scenario_passes_and_prints_rules_and_traces():
    from kstate.io.scenario import load_scenario
    report = run_scenario(load_scenario("specs/scenarios/pod-network.yaml"))
    assert report.ok, report.failures
    out = report.output
    for text in ("# iptables-save on node-0 (kube-proxy)", "] lo  10.244.1.3 is the pod's own address",
                 "bridge, 10.244.1.2 is on this node", "VXLAN encap: outer 172.18.0.3 → 172.18.0.2 UDP 8472 VNI 1",
                 "p=1/3 via KUBE-SEP-", "KUBE-SERVICES -d 192.0.2.0 --dport 80 → KUBE-EXT-"):
        assert text in out

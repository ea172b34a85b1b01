"""Minimised failures of the cluster machine that a scenario file cannot
express, kept forever. (Everything else lives in specs/scenarios/regressions/.)

The scenario runner advances the clock by 0 ms after every timeline step, so
it never sees the state a `Cluster` call leaves before the controllers run —
which a library user calling `Cluster.get` or `Cluster.violations()` does see.

While a bug is open its test is xfail(strict=True, raises=AssertionError):
it flips to XPASS — failing the suite — the moment the bug is fixed; then
drop the marker and keep the test.
"""
import pytest

from kstate import Cluster

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
       "spec": {"containers": [{"name": "app", "image": "nginx"}]}}


def test_pod_adopted_by_a_recreated_node_is_consistent_before_the_kubelet_runs():
    """Hypothesis (thorough profile), minimised:

        (nodes_0,) = state.setup(k=1, seed=0)
        state.create_pods(pods=[{... 'name': 'pod-0', 'nodeName': 'node-0' ...}])
        state.settle()
        state.remove_node(name=nodes_0)
        nodes_1 = state.add_node(node={... 'name': 'node-0' ...})
        -> invariant pod-phase-consistent violated at t=1200000 ms:
           Pod default/pod-0: state Scheduled but phase Running
    """
    c = Cluster(nodes=1, seed=0)
    c.apply(POD)
    c.advance("5s")
    c.remove_node("node-0")
    c.add_node("node-0")
    # no time has passed: what a user sees right after add_node
    assert c.get("Pod", "web").status.state == "Scheduled"
    assert c.violations() == []


def test_pod_adopted_by_a_recreated_node_runs_again():
    """The other half of the same sequence, fixed in 7efae94: once the
    kubelet of the new node-0 ran, the pod has a fresh sandbox and IP."""
    c = Cluster(nodes=1, seed=0)
    c.apply(POD)
    c.advance("5s")
    old_ip = c.get("Pod", "web").status.pod_ip
    c.remove_node("node-0")
    c.add_node("node-0")
    c.advance("5s")
    pod = c.get("Pod", "web")
    assert pod.status.state == "Running" and pod.status.phase == "Running"
    assert pod.status.pod_ip and pod.status.pod_ip != old_ip
    assert c.violations() == []


def test_terminating_pod_of_a_removed_node_loses_its_address_when_the_name_returns():
    """Hypothesis (thorough profile), minimised:

        (nodes_0,) = state.setup(k=1, seed=0)
        state.create_pods(pods=[{... 'name': 'pod-0', 'nodeName': 'node-0',
                                 'annotations': {'kstate.io/exit-after': '1s'} ...}])
        state.settle()
        state.remove_node(name=nodes_0)
        state.delete_pod(grace=None, pod=pods_0)     # Terminating: its kubelet is gone
        state.add_node(node={... 'name': 'node-0' ...})
        -> pod-ips-unique-in-node-cidr: IP 10.244.0.2 not a pod address of 10.244.1.0/24
    """
    c = Cluster(nodes=1, seed=0)
    c.apply({**POD, "metadata": {"name": "web", "annotations": {"kstate.io/exit-after": "1s"}},
             "spec": {**POD["spec"], "nodeName": "node-0"}})
    c.advance("5m")
    c.remove_node("node-0")
    c.delete("Pod", "web")
    assert c.get("Pod", "web").status.state == "Terminating"
    c.add_node("node-0")
    assert c.violations() == []
    c.advance("1s")
    assert c.list("pods") == []


def test_pods_deleted_before_a_recreated_node_admits_them_do_not_count_against_it():
    """Hypothesis (thorough profile), minimised in spirit: pods left bound to
    a removed node (one of them crash-looping) are reset when a smaller node
    of the same name joins, then drained before its kubelet admitted them.
    They are Terminating without ever running there, so they hold none of
    its capacity (no-node-over-capacity counted them)."""
    c = Cluster(nodes=0, seed=0)
    c.add_node("node-1", cpu="4")
    for i in range(3):
        c.apply({**POD, "metadata": {"name": f"p{i}"},
                 "spec": {**POD["spec"], "nodeName": "node-1",
                          "containers": [{"name": "app", "image": "nginx",
                                          "resources": {"requests": {"cpu": "350m"}}}]}})
    c.advance("10s")
    c.remove_node("node-1")
    c.add_node("node-1", cpu="1")
    c.drain("node-1", force=True)
    assert c.violations() == []


def test_terminating_pods_of_a_removed_node_hold_no_capacity_on_its_successor():
    """DeploymentMachine (helper run, many seeds), minimised: pods deleted on a
    node that is then removed and re-created smaller are Terminating with the
    old node's container statuses; they ran on the old machine, not this one."""
    c = Cluster(nodes=1, seed=0)
    for n in "abc":
        c.apply({**POD, "metadata": {"name": n}})
    c.advance("5s")
    for n in "abc":
        c.delete("Pod", n)
    c.remove_node("node-0")
    c.add_node("node-0", pods=2)
    assert c.violations() == []
    c.advance("1s")
    assert c.list("pods") == []


def test_daemonset_pod_kept_on_a_node_it_no_longer_tolerates_counts_as_misscheduled():
    """DaemonSetMachine (thorough profile), minimised: a DaemonSet tolerating
    a NoSchedule taint runs a pod on the tainted node; re-applied without the
    toleration, the pod stays (NoSchedule evicts nothing) and the status
    counts it misscheduled, as daemon_controller.go updateDaemonSetStatus
    does. The machine's liveness check wrongly wanted no misscheduled pod."""
    from kstate.testing.daemonset_machine import DaemonSetMachine
    m = DaemonSetMachine()
    m.setup(k=1, seed=0)
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "logs"},
          "spec": {"selector": {"matchLabels": {"app": "logs"}}, "updateStrategy": {"type": "OnDelete"},
                   "template": {"metadata": {"labels": {"app": "logs"}},
                                "spec": {"containers": [{"name": "c", "image": "img:1"}],
                                         "tolerations": [{"key": "dedicated", "operator": "Equal",
                                                          "value": "special", "effect": "NoSchedule"}]}}}}
    m.create_daemonset(ds)
    m.add_node({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-7"},
                "spec": {"taints": [{"key": "dedicated", "value": "special", "effect": "NoSchedule"}]},
                "status": {"capacity": {"cpu": "1", "memory": "1Gi", "pods": "5"}}})
    m.cluster.advance("10s")
    del ds["spec"]["template"]["spec"]["tolerations"]
    m.create_daemonset(ds)
    m.settle()
    assert m.cluster.get("DaemonSet", "logs").status.number_misscheduled == 1
    assert [p.spec.node_name for p in m.cluster.list("pods")].count("node-7") == 1

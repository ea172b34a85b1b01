"""Node loss: Unknown after the grace period, tainting, eviction, PodGC.

Timings follow pkg/controller/nodelifecycle (tryUpdateNodeHealth,
handleDisruption), tainteviction (getMinTolerationTime; TestGetMinTolerationTime
in taint_eviction_test.go) and podgc (gcOrphaned).
"""
import pytest

import kstate
from kstate.controllers.nodelifecycle import get_min_toleration_time, unknown_at, zone_state
from kstate.resources.pod import Toleration


def test_unknown_at_arithmetic():
    assert unknown_at(30_000, 0) == 85_000
    assert unknown_at(31_000, 0) == 90_000


@pytest.mark.parametrize("seconds,want", [
    ((), None),              # no toleration seconds: forever
    ((300, 60), 60_000),
    ((None, 30), 30_000),
    ((-5,), 0),               # negative → immediately
])
def test_get_min_toleration_time(seconds, want):
    tols = [Toleration(key="k", operator="Exists", effect="NoExecute", toleration_seconds=s) for s in seconds]
    assert get_min_toleration_time(tols) == want


def _pods(c, n, **extra):
    for i in range(n):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                 "spec": {"containers": [{"name": "app", "image": "nginx"}], **extra}})


def test_node_failure_timeline():
    c = kstate.Cluster(nodes=3)
    _pods(c, 3)
    c.advance("33s")
    n0 = c.get("Pod", "p0").spec.node_name      # ties are drawn at random: follow p0
    c.fail_node(n0)                 # last heartbeat at 30 s
    c.advance("51s")                       # t = 84 s
    assert c.get("Node", n0).status.state == "Silent"
    assert kstate.resources.pod.is_pod_ready(c.get("Pod", "p0"))
    c.advance("1s")                        # t = 85 s: Unknown, tainted, pods NotReady
    node = c.get("Node", n0)
    ready = next(x for x in node.status.conditions if x.type == "Ready")
    assert (ready.status, ready.reason, ready.message) == ("Unknown", "NodeStatusUnknown",
                                                           "Kubelet stopped posting node status.")
    assert {(t.key, t.effect) for t in node.spec.taints} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    p0 = c.get("Pod", "p0")
    assert not kstate.resources.pod.is_pod_ready(p0) and p0.status.phase == "Running"
    c.advance("299s")
    assert c.get("Pod", "p0").metadata.deletion_timestamp is None
    c.advance("1s")                        # 300 s toleration after the taint
    p0 = c.get("Pod", "p0")
    assert p0.metadata.deletion_timestamp is not None and p0.status.state == "Terminating"
    assert next(x for x in p0.status.conditions if x.type == "DisruptionTarget").reason == "DeletionByTaintManager"
    c.advance("10m")
    assert c.get("Pod", "p0").status.state == "Terminating"   # the kubelet is gone: stays
    c.remove_node(n0)               # at 985 s → PodGC pass at 1000 s, deleted at 1040 s
    c.advance("54s")
    assert c.get("Pod", "p0") is not None
    c.advance("1s")
    with pytest.raises(kstate.NotFound):
        c.get("Pod", "p0")
    assert c.get("Pod", "p1").status.phase == "Running"
    assert c.violations() == []


def test_recovery_removes_taints_and_finishes_termination():
    c = kstate.Cluster(nodes=2)
    _pods(c, 2)
    c.advance("5s")
    n0 = c.get("Pod", "p0").spec.node_name      # ties are drawn at random: follow p0
    c.fail_node(n0)
    c.advance("7m")
    assert c.get("Pod", "p0").status.state == "Terminating"
    c.recover_node(n0)
    c.advance("1s")
    assert c.get("Node", n0).spec.taints == ()
    with pytest.raises(kstate.NotFound):
        c.get("Pod", "p0")


def test_single_node_cluster_never_evicts():
    """All zones fully disrupted → no NoExecute taints, nothing evicted."""
    c = kstate.Cluster(nodes=1)
    _pods(c, 1)
    c.advance("5s")
    c.fail_node("node-0")
    c.advance("20m")
    node = c.get("Node", "node-0")
    assert node.status.state == "Unknown"
    assert [t.effect for t in node.spec.taints] == ["NoSchedule"]
    assert c.get("Pod", "p0").metadata.deletion_timestamp is None


def test_no_execute_tainting_is_rate_limited_per_zone():
    c = kstate.Cluster(nodes=10)
    c.advance("5s")
    for n in ("node-0", "node-1", "node-2"):
        c.fail_node(n)
    c.advance("55s")   # all three Unknown at 55 s (heartbeat 0, probe 0, grace 50 → 55 s)
    def tainted():
        return sorted(n.metadata.name for n in c.list("Node") if any(t.effect == "NoExecute" for t in n.spec.taints))
    assert tainted() == ["node-0"]
    c.advance("10s")
    assert tainted() == ["node-0", "node-1"]
    c.advance("10s")
    assert tainted() == ["node-0", "node-1", "node-2"]


def test_zone_state():
    c = kstate.Cluster(nodes=4)
    nodes = c.list("Node")
    assert zone_state(nodes) == "Normal"


def test_pod_tolerating_forever_is_not_evicted():
    c = kstate.Cluster(nodes=2)
    _pods(c, 1, tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}])
    c.advance("5s")
    c.fail_node(c.get("Pod", "p0").spec.node_name)
    c.advance("30m")
    assert c.get("Pod", "p0").metadata.deletion_timestamp is None


def test_drain_refuses_unmanaged_pods_and_changes_nothing():
    c = kstate.Cluster(nodes=2)
    _pods(c, 2)
    c.advance("5s")
    before = c.snapshot()
    with pytest.raises(kstate.InvalidOperation, match="declare no controller"):
        c.drain("node-0")
    assert c.snapshot() == before
    deleted = c.drain("node-0", force=True)
    assert deleted.evicted == ("default/p0",)
    assert deleted.warnings == ("deleting Pods that declare no controller: default/p0",)
    assert c.get("Node", "node-0").spec.unschedulable
    c.advance("1s")
    with pytest.raises(kstate.NotFound):
        c.get("Pod", "p0")

"""Every registered invariant is quiet on a healthy cluster: after pods ran,
through a node failure with eviction and recovery, and through a node
removal with pod garbage collection. (That each one fires on a broken
controller is tests/quality/test_invariants_have_teeth.py.)"""
from __future__ import annotations

import pytest

from kstate import Cluster
from kstate.invariants import INVARIANTS, Violation, check_all
from kstate.resources.pod import is_pod_ready

NAMES = sorted(INVARIANTS)


def pod(name: str, node_selector=None, policy="Always", **annotations) -> dict:
    spec = {"containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "100m",
                                                                                       "memory": "64Mi"}}}],
            "restartPolicy": policy}
    if node_selector:
        spec["nodeSelector"] = node_selector
    meta = {"name": name}
    if annotations:
        meta["annotations"] = {f"kstate.io/{k.replace('_', '-')}": v for k, v in annotations.items()}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}


def healthy_cluster() -> Cluster:
    c = Cluster(nodes=3, seed=1)
    c.apply([
        pod("plain"),
        pod("slow", start_after="3s", ready_after="5s"),
        pod("job", policy="Never", exit_after="10s", exit_code="0"),
        pod("failing", policy="Never", exit_after="5s", exit_code="1"),
        pod("crashloop", exit_after="2s", exit_code="1"),
        pod("pinned", node_selector={"kubernetes.io/hostname": "node-0"}),
        pod("unready", never_ready="true"),
        DEPLOYMENT,
    ])
    return c


def assert_quiet(c: Cluster, name: str, when: str, since: int = 0) -> None:
    kwargs = {"since": since} if name == "status-changes-are-machine-edges" else {}
    found = list(INVARIANTS[name](c.engine, **kwargs))
    assert found == [], f"{name} {when}: " + "; ".join(map(str, found))


@pytest.mark.parametrize("name", NAMES)
def test_quiet_after_pods_ran(name):
    c = healthy_cluster()
    for _ in range(24):
        c.advance("5s")
        assert_quiet(c, name, f"at {c.elapsed_ms} ms")
    phases = {p.metadata.name: p.status.phase for p in c.list("Pod")}
    assert phases["plain"] == "Running" and phases["job"] == "Succeeded" and phases["failing"] == "Failed"
    assert c.get("Pod", "crashloop").status.container_statuses[0].restart_count >= 2
    assert c.get("Pod", "pinned").spec.node_name == "node-0"
    assert c.get("Deployment", "web").status.ready_replicas == 3


@pytest.mark.parametrize("name", NAMES)
def test_quiet_through_node_failure_eviction_and_recovery(name):
    c = healthy_cluster()
    c.advance("1m")
    on_node_0 = sorted(p.metadata.name for p in c.engine.placed("Pod", "node-0")
                       if p.status.phase not in ("Succeeded", "Failed"))
    assert on_node_0, "the scenario needs live pods on the failing node"
    c.fail_node("node-0")
    for _ in range(14):                      # 7 minutes: Unknown after ~55 s, evicted ~5 min later
        c.advance("30s")
        assert_quiet(c, name, f"with node-0 down, at {c.elapsed_ms} ms")
    node = c.get("Node", "node-0")
    assert node.status.state == "Unknown"
    assert any(t.effect == "NoExecute" for t in node.spec.taints)
    evicted = [p for p in c.engine.placed("Pod", "node-0") if p.metadata.deletion_timestamp is not None]
    assert evicted, "nothing was evicted"
    assert all(not is_pod_ready(p) for p in c.engine.placed("Pod", "node-0"))
    c.recover_node("node-0")
    for _ in range(6):
        c.advance("30s")
        assert_quiet(c, name, f"after recovery, at {c.elapsed_ms} ms")
    assert not c.get("Node", "node-0").spec.taints
    assert all(p.metadata.deletion_timestamp is None for p in c.list("Pod"))
    assert c.get("Deployment", "web").status.available_replicas == 3


@pytest.mark.parametrize("name", NAMES)
def test_quiet_through_node_removal_and_pod_gc(name):
    c = healthy_cluster()
    c.advance("1m")
    assert c.engine.placed("Pod", "node-1")
    c.remove_node("node-1")
    for _ in range(8):
        c.advance("15s")
        assert_quiet(c, name, f"after removing node-1, at {c.elapsed_ms} ms")
    assert c.engine.placed("Pod", "node-1") == []
    assert c.get("Deployment", "web").status.available_replicas == 3


def test_machine_edge_check_resumes_from_a_cursor():
    c = healthy_cluster()
    c.advance("30s")
    n = len(c.engine.trace)
    assert n > 0
    assert list(INVARIANTS["status-changes-are-machine-edges"](c.engine, since=n)) == []
    assert list(INVARIANTS["status-changes-are-machine-edges"](c.engine, since=0)) == []


def test_check_all_runs_every_invariant_or_the_named_ones():
    c = healthy_cluster()
    c.advance("30s")
    assert check_all(c.engine) == [] == c.violations()
    assert check_all(c.engine, ["no-node-over-capacity"]) == []
    with pytest.raises(KeyError):
        check_all(c.engine, ["no-such-invariant"])


def test_violation_reads_like_a_sentence():
    v = Violation("no-node-over-capacity", "Node node-0", "cpu requested 5000 > allocatable 4000")
    assert str(v) == "no-node-over-capacity: Node node-0: cpu requested 5000 > allocatable 4000"

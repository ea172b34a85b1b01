"""Engine: determinism, snapshots, workqueue semantics, all-or-nothing apply."""
import json
import os
import subprocess
import sys

import pytest

import kstate

SCRIPT = """
import kstate, hashlib
c = kstate.Cluster(nodes=4, seed=11)
for i in range(12):
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-", "labels": {"app": "web", "i": str(i)},
             "annotations": {"kstate.io/exit-after": f"{5 + i}s", "kstate.io/exit-code": str(i % 2)}},
             "spec": {"restartPolicy": ["Always", "OnFailure", "Never"][i % 3],
                      "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "300m"}}}]}})
c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
         "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "api"}},
                  "template": {"metadata": {"labels": {"app": "api"}},
                               "spec": {"containers": [{"name": "a", "image": "api:1"}]}}}})
c.advance("20s"); c.set_image("deploy", "api", "a", "api:2")
c.advance("40s"); c.fail_node("node-1"); c.advance("8m"); c.remove_node("node-1"); c.advance("3m")
print("\\n".join(c.trace()))
print(sorted(p.metadata.name + p.metadata.uid + p.status.pod_ip for p in c.list("pods")))
"""


def _run(seed_env: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed_env)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True).stdout


def test_same_seed_same_trace_across_hash_seeds():
    a, b = _run("1"), _run("2")
    assert a == b
    assert "Terminating" in a and "generateName" not in a and "ReplicaSet default/api-" in a


def test_different_seed_changes_identity():
    def build(seed):
        c = kstate.Cluster(nodes=2, seed=seed)
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "w-"},
                 "spec": {"containers": [{"name": "a", "image": "x"}]}})
        return c.list("pods")[0].metadata
    assert build(1) != build(2)
    assert build(1) == build(1)


def test_snapshot_restore_continues_identically():
    def cluster():
        c = kstate.Cluster(nodes=3, seed=5)
        for i in range(5):
            c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "annotations": {
                "kstate.io/exit-after": "7s", "kstate.io/exit-code": "1"}},
                "spec": {"containers": [{"name": "a", "image": "x"}]}})
        c.advance("30s")
        c.fail_node("node-0")
        c.advance("20s")
        return c
    a = cluster()
    snap = json.loads(json.dumps(a.snapshot()))
    b = kstate.Cluster.restore(snap)
    assert b.snapshot() == a.snapshot()
    for c in (a, b):
        c.advance("7m")
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "late-"},
                 "spec": {"containers": [{"name": "a", "image": "x"}]}})
        c.advance("1m")
    assert a.trace() == b.trace()
    assert a.snapshot() == b.snapshot()


def test_apply_is_all_or_nothing():
    c = kstate.Cluster(nodes=1)
    before = c.snapshot()
    docs = """
apiVersion: v1
kind: Pod
metadata: {name: good}
spec: {containers: [{name: a, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: missing}
spec: {containers: [{name: a, image: x}]}
"""
    with pytest.raises(kstate.SpecError) as e:
        c.apply(docs)
    assert e.value.path == "metadata.namespace"
    assert c.snapshot() == before


def test_apply_namespace_and_pod_together_and_update_labels():
    c = kstate.Cluster(nodes=1)
    objs = c.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: team}
spec: {containers: [{name: a, image: x}]}
""")
    assert [o.KIND for o in objs] == ["Namespace", "Pod"]
    c.advance("2s")
    p = c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team", "labels": {"x": "1"}},
                 "spec": {"containers": [{"name": "a", "image": "y"}]}})
    assert p.metadata.labels == {"x": "1"} and p.spec.containers[0].image == "y"
    assert c.list("pods", selector="x=1") == [p] and c.list("pods", selector={"x": "2"}) == []
    with pytest.raises(kstate.SpecError, match="Forbidden"):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team"},
                 "spec": {"restartPolicy": "Never", "containers": [{"name": "a", "image": "y"}]}})


def test_namespace_deletion_removes_its_pods():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}})
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "tmp"},
             "spec": {"containers": [{"name": "a", "image": "x"}]}})
    c.advance("5s")
    c.delete("Namespace", "tmp")
    assert c.get("Namespace", "tmp").status.phase == "Terminating"
    with pytest.raises(kstate.SpecError):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q", "namespace": "tmp"},
                 "spec": {"containers": [{"name": "a", "image": "x"}]}})
    c.advance("1s")
    with pytest.raises(kstate.NotFound):
        c.get("Namespace", "tmp")


def test_run_until_stable_and_not_stable():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "a", "image": "x"}]}})
    c.run_until_stable()
    assert c.elapsed_ms == 1000
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crash", "annotations": {
        "kstate.io/exit-after": "1s", "kstate.io/exit-code": "1"}}, "spec": {"containers": [{"name": "a", "image": "x"}]}})
    with pytest.raises(kstate.NotStable):
        c.run_until_stable(timeout="2m")


def test_pod_ips_and_node_cidrs():
    c = kstate.Cluster(nodes=2)
    assert [n.spec.pod_cidr for n in c.list("nodes")] == ["10.244.0.0/24", "10.244.1.0/24"]
    for i in range(3):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                 "spec": {"nodeName": "node-1", "containers": [{"name": "a", "image": "x"}]}})
    c.advance("2s")
    assert [c.get("Pod", f"p{i}").status.pod_ip for i in range(3)] == ["10.244.1.2", "10.244.1.3", "10.244.1.4"]
    assert c.get("Pod", "p0").status.host_ip == c.get("Node", "node-1").status.addresses[0].address
    c.delete("Pod", "p0", grace_period=0)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p3"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "a", "image": "x"}]}})
    c.advance("1s")
    assert c.get("Pod", "p3").status.pod_ip == "10.244.1.5"   # host-local: no immediate reuse


def test_node_without_cidr_cannot_start_pods():
    c = kstate.Cluster(nodes=0, cluster_cidr="10.244.0.0/23")
    c.add_node("a"); c.add_node("b"); c.add_node("c")
    assert c.get("Node", "c").spec.pod_cidr == ""
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"nodeName": "c", "containers": [{"name": "a", "image": "x"}]}})
    c.advance("10s")
    assert c.get("Pod", "p").status.state == "Scheduled"
    assert any(e.reason == "FailedCreatePodSandBox" for e in c.events("Pod", "p"))


def test_invalid_transition_raises_and_changes_nothing():
    import attrs
    from kstate.controllers.actions import UpdateStatus
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "a", "image": "x"}]}})
    c.advance("5s")
    p = c.get("Pod", "p")
    bad = attrs.evolve(p, status=attrs.evolve(p.status, state="Succeeded", phase="Succeeded"))
    with pytest.raises(kstate.InvalidTransition):
        c.engine.apply_action(UpdateStatus(bad, "start"))
    assert c.get("Pod", "p") is p

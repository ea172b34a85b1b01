"""What the ownership machine (kstate.testing.ownership_machine) found,
minimised: each test failed before its fix. Those a scenario can express
are also under specs/scenarios/regressions/."""
import attrs

import kstate

HOLD = "example.com/hold"


def _pod(name="web", **meta):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta},
            "spec": {"containers": [{"name": "app", "image": "nginx"}]}}


def _release(c, kind, name, namespace="default"):
    """`kubectl patch` taking every finalizer off (the public apply keeps a live object's finalizers)."""
    o = c.get(kind, name, namespace)
    c.engine.update(attrs.evolve(o, metadata=attrs.evolve(o.metadata, finalizers=())))


# -- a pod's finalizers hold its deletion (store.go: grace 0 + finalizers = kept)

def test_unscheduled_pod_with_a_finalizer_is_kept_until_it_is_taken_off():
    c = kstate.Cluster(nodes=0, seed=0)
    c.apply(_pod(finalizers=[HOLD]))
    c.delete("Pod", "web")
    pod = c.get("Pod", "web")
    assert pod.metadata.deletion_timestamp is not None and pod.metadata.deletion_grace_period_seconds == 0
    c.advance("1m")
    assert c.get("Pod", "web").status.phase == "Pending" and c.violations() == []
    _release(c, "Pod", "web")
    assert c.list("pods") == []


def test_running_pod_with_a_finalizer_stops_then_waits_for_it():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_pod(finalizers=[HOLD]))
    c.advance("5s")
    c.delete("Pod", "web", grace_period=5)
    assert c.get("Pod", "web").status.state == "Terminating"
    assert c.get("Pod", "web").metadata.finalizers == (HOLD,)
    c.advance("1m")
    pod = c.get("Pod", "web")  # the kubelet stopped it and deleted it with grace 0: kept
    assert pod.status.phase in ("Succeeded", "Failed") and pod.metadata.deletion_grace_period_seconds == 0
    assert c.violations() == []
    _release(c, "Pod", "web")
    assert c.list("pods") == []


def test_finalizer_taken_off_a_pod_still_in_its_grace_period_leaves_it_to_the_kubelet():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_pod(finalizers=[HOLD]))
    c.advance("5s")
    c.delete("Pod", "web", grace_period=30)
    _release(c, "Pod", "web")
    assert c.get("Pod", "web").status.state == "Terminating"  # still stopping
    c.advance("1m")
    assert c.list("pods") == []


def test_pod_with_a_dangling_owner_and_a_finalizer_is_collected_but_kept():
    """OwnershipMachine, minimised: the GC deleted such a pod and it vanished
    at once (grace 0 for an unscheduled pod), finalizer and all."""
    c = kstate.Cluster(nodes=0, seed=0)
    c.apply(_pod(finalizers=[HOLD], ownerReferences=[
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "gone", "uid": "00000000-0000-4000-8000-000000000001"}]))
    c.advance("1s")
    pod = c.get("Pod", "web")
    assert pod.metadata.deletion_timestamp is not None
    _release(c, "Pod", "web")
    assert c.list("pods") == []


def test_pod_with_a_finalizer_on_a_removed_node_is_force_deleted_and_kept():
    """OwnershipMachine, minimised: PodGC force-deletes it, the finalizer
    keeps it, pods-bound-to-existing-nodes must not call that a missed GC."""
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_pod(finalizers=[HOLD]))
    c.advance("5s")
    c.remove_node("node-0")
    c.advance("2m")
    pod = c.get("Pod", "web")
    assert pod.metadata.deletion_timestamp is not None and pod.metadata.deletion_grace_period_seconds == 0
    assert c.violations() == []
    _release(c, "Pod", "web")
    assert c.list("pods") == []


# -- NamespaceLifecycle admission refuses creates only

def test_objects_in_a_terminating_namespace_can_still_be_updated():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "team", "finalizers": [HOLD]}}
    c.apply(cm)
    c.delete("Namespace", "team", "")
    assert c.get("Namespace", "team", "").status.phase == "Terminating"
    c.apply({**cm, "metadata": {**cm["metadata"], "labels": {"a": "b"}}})
    assert c.get("ConfigMap", "cfg", "team").metadata.labels == {"a": "b"}
    try:
        c.apply({**cm, "metadata": {"name": "new", "namespace": "team"}})
        raise AssertionError("create in a Terminating namespace accepted")
    except kstate.InvalidOperation as e:
        assert "being terminated" in str(e)
    _release(c, "ConfigMap", "cfg", "team")
    assert [n.metadata.name for n in c.list("namespaces")].count("team") == 0


# -- invariants judge what controllers own, not what users wrote

def test_user_reference_to_an_owner_in_another_namespace_is_not_a_violation_and_is_collected():
    """OwnershipMachine: owners-in-same-namespace judged the user's own
    reference (the API server accepts it) before the GC had seen it."""
    c = kstate.Cluster(nodes=0, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}})
    owner = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    c.apply(_pod(namespace="b", finalizers=[HOLD], ownerReferences=[
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}]))
    assert c.violations() == []  # the GC has not seen it yet
    c.advance("1s")
    assert c.get("Pod", "web", "b").metadata.deletion_timestamp is not None
    assert c.violations() == []
    _release(c, "Pod", "web", "b")
    assert c.list("pods", namespace="b") == []


def test_a_non_controller_reference_to_a_deployment_does_not_make_a_replicaset_its_own():
    c = kstate.Cluster(nodes=2, seed=0)
    d = c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                 "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                          "template": {"metadata": {"labels": {"app": "web"}},
                                       "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    c.advance("10s")
    assert c.get("Deployment", "web").status.state == "Complete"
    c.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {
        "name": "other", "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d.metadata.uid}]},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "other"}},
                 "template": {"metadata": {"labels": {"app": "other"}},
                              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    c.advance("10s")
    assert c.violations() == []


# -- deletionFinalizersForGarbageCollection: a delete's policy sets the GC finalizers

def _rs(name="rs", **meta):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name, **meta},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}}


def test_orphan_delete_of_an_object_written_with_the_foreground_finalizer_finishes():
    """OwnershipMachine, minimised: a ReplicaSet created with
    foregroundDeletion and deleted with Orphan kept both finalizers; the GC
    orphaned its pods, dropped `orphan` and never came back for
    `foregroundDeletion` (stuck being deleted, a lost wakeup)."""
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_rs(finalizers=["foregroundDeletion"]))
    c.advance("5s")
    c.delete("ReplicaSet", "rs", propagation_policy="Orphan")
    c.advance("1s")
    assert c.list("rs") == []
    assert len(c.list("pods")) == 1 and c.list("pods")[0].metadata.owner_references == ()


def test_background_delete_drops_gc_finalizers_and_no_policy_keeps_them():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_rs("a", finalizers=["foregroundDeletion", HOLD]))
    c.apply(_rs("b", finalizers=["foregroundDeletion"]))
    c.delete("ReplicaSet", "a", propagation_policy="Background")
    assert c.get("ReplicaSet", "a").metadata.finalizers == (HOLD,)
    c.delete("ReplicaSet", "b")
    assert c.get("ReplicaSet", "b").metadata.finalizers == ("foregroundDeletion",)
    c.advance("1m")
    assert c.list("rs") and [r.metadata.name for r in c.list("rs")] == ["a"]


def test_deleting_again_with_another_policy_switches_the_finalizer_and_wakes_the_gc():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_rs(finalizers=[HOLD]))
    c.advance("5s")
    c.delete("ReplicaSet", "rs", propagation_policy="Foreground")
    c.delete("ReplicaSet", "rs", propagation_policy="Orphan")
    assert c.get("ReplicaSet", "rs").metadata.finalizers == (HOLD, "orphan")
    c.advance("1s")
    assert c.get("ReplicaSet", "rs").metadata.finalizers == (HOLD,)
    assert c.list("pods")[0].metadata.owner_references == ()


def test_orphan_and_foreground_finalizers_cannot_both_be_set():
    c = kstate.Cluster(nodes=0, seed=0)
    try:
        c.apply(_rs(finalizers=["orphan", "foregroundDeletion"]))
        raise AssertionError("accepted")
    except kstate.SpecError as e:
        assert e.path == "metadata.finalizers" and "cannot be both set" in str(e)


# -- paused-deployment-creates-no-replicaset judges the controller's ReplicaSets only

def test_a_users_replicaset_naming_a_paused_deployment_as_controller_is_not_a_violation():
    """OwnershipMachine, minimised: a ReplicaSet the user created with a
    controller reference to a paused Deployment was reported as one the
    Deployment created while paused."""
    c = kstate.Cluster(nodes=1, seed=0)
    d = c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                 "spec": {"replicas": 1, "paused": True, "selector": {"matchLabels": {"app": "web"}},
                          "template": {"metadata": {"labels": {"app": "web"}},
                                       "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    c.advance("5s")
    c.apply(_rs("rs", ownerReferences=[{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                        "uid": d.metadata.uid, "controller": True}]))
    assert c.violations() == []
    c.advance("5s")
    assert c.violations() == []

"""StatefulSets through the public API: ordered start and stop shown on the
trace, stable identity and storage across pod deletion and node failure,
Parallel management, partitioned and maxUnavailable rolling updates, OnDelete,
revision history and rollout operations, claim retention, and the
PersistentVolumeClaim / PersistentVolume kinds with their tables."""
from __future__ import annotations

import pytest

import kstate
from kstate.controllers.actions import UpdateStatus
from kstate.resources.frozen import evolve


def statefulset(name="web", replicas=3, image="nginx:1.27", claims=True, annotations=None, **spec):
    d = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
         "spec": {"serviceName": "nginx", "replicas": replicas, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}, "annotations": dict(annotations or {})},
                               "spec": {"containers": [{"name": "nginx", "image": image}]}}, **spec}}
    if claims:
        d["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "www"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    return d


HEADLESS = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
            "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80, "name": "web"}]}}


def lines(c, verb, kind, name_prefix="default/web-"):
    """(time ms, object name) of trace lines `<t> <verb> <kind> <name> …`."""
    out = []
    for line in c.trace():
        parts = line.split(" ")
        if parts[1] == verb and parts[2] == kind and parts[3].startswith(name_prefix):
            out.append((int(parts[0]), parts[3].split("/")[-1]))
    return out


def ready_lines(c):
    out = []
    for line in c.trace():
        parts = line.split(" ")
        if parts[1] == "status" and parts[2] == "Pod" and "Ready=True" in line and parts[3].startswith("default/web-"):
            out.append((int(parts[0]), parts[3].split("/")[-1]))
    return out


def live(c, name="web"):
    return sorted(p.metadata.name for p in c.list("pods") if p.metadata.labels.get("app") == name
                  and p.metadata.deletion_timestamp is None)


def assert_each_deleted_after_the_previous_is_gone(trace, order):
    """In trace order: the delete of each pod comes after the previous one
    was removed from the store (OrderedReady scale-down)."""
    pos = lambda text: next(i for i, l in enumerate(trace) if text in l)  # noqa: E731
    for prev, cur in zip(order, order[1:]):
        assert pos(f"remove Pod default/{prev} ") < pos(f"delete Pod default/{cur} ")


def _fail(c, pod_name):
    p = c.get("Pod", pod_name)
    from kstate.resources.meta import Condition, set_condition
    conds = set_condition(p.status.conditions, Condition("Ready", "False", "PodFailed"), c.engine.now)
    st = evolve(p.status, phase="Failed", state="Failed", reason="Evicted", conditions=conds)
    c.engine.apply_action(UpdateStatus(evolve(p, status=st), "fail"))


def test_ordered_start_each_pod_created_only_after_its_predecessor_is_ready():
    c = kstate.Cluster(nodes=3)
    c.apply([HEADLESS, statefulset()])
    c.run_until_stable()
    creates = lines(c, "create", "Pod")
    ready = ready_lines(c)
    assert [n for _, n in creates] == ["web-0", "web-1", "web-2"]
    assert [n for _, n in ready] == ["web-0", "web-1", "web-2"]
    # pod i is created at (not before) the instant pod i-1 became ready
    assert creates[1][0] >= ready[0][0] and creates[2][0] >= ready[1][0]
    # each pod's claim is created before the pod, in the trace order
    trace = c.trace()
    for i in range(3):
        claim = next(k for k, l in enumerate(trace) if f"create PersistentVolumeClaim default/www-web-{i}" in l)
        pod = next(k for k, l in enumerate(trace) if f"create Pod default/web-{i}" in l)
        assert claim < pod
    st = c.get("StatefulSet", "web").status
    assert (st.replicas, st.ready_replicas, st.current_replicas, st.updated_replicas, st.available_replicas) == \
        (3, 3, 3, 3, 3)
    assert st.current_revision == st.update_revision and st.current_revision.startswith("web-")
    assert st.state == "Stable"


def test_identity_labels_hostname_subdomain_and_claim_volume():
    c = kstate.Cluster(nodes=2)
    c.apply(statefulset(replicas=2))
    c.run_until_stable()
    p = c.get("Pod", "web-1")
    assert p.metadata.labels["statefulset.kubernetes.io/pod-name"] == "web-1"
    assert p.metadata.labels["apps.kubernetes.io/pod-index"] == "1"
    assert p.metadata.labels["controller-revision-hash"] == c.get("StatefulSet", "web").status.update_revision
    assert (p.spec.hostname, p.spec.subdomain) == ("web-1", "nginx")
    vols = kstate.to_manifest(p)["spec"]["volumes"]
    assert vols[0] == {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}}
    pvc = c.get("PersistentVolumeClaim", "www-web-1")
    assert pvc.status.phase == "Bound" and pvc.status.capacity == "1Gi"
    assert pvc.metadata.labels == {"app": "web"}
    assert pvc.spec.storage_class_name == "standard"
    pv = c.get("PersistentVolume", pvc.spec.volume_name, namespace="")
    assert pv.status.phase == "Bound" and pv.spec.claim_ref.name == "www-web-1"
    assert pv.spec.persistent_volume_reclaim_policy == "Delete"


def test_scale_to_five_then_two_removes_from_the_highest_ordinal_one_at_a_time():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset())
    c.run_until_stable()
    c.scale("sts", "web", 5)
    c.run_until_stable()
    assert live(c) == [f"web-{i}" for i in range(5)]
    assert [n for _, n in lines(c, "create", "Pod")] == [f"web-{i}" for i in range(5)]
    mark = len(c.trace())
    c.scale("statefulset", "web", 2)
    c.run_until_stable()
    deletes = [l for l in c.trace()[mark:] if " delete Pod default/web-" in l]
    order = [l.split(" ")[3].split("/")[1] for l in deletes]
    assert order == ["web-4", "web-3", "web-2"]
    assert_each_deleted_after_the_previous_is_gone(c.trace()[mark:], order)
    assert live(c) == ["web-0", "web-1"]
    # Retain (default): the claims of the removed ordinals stay
    assert {p.metadata.name for p in c.list("pvc")} == {f"www-web-{i}" for i in range(5)}


def test_a_killed_pod_comes_back_with_the_same_name_and_claim_after_the_old_object_is_gone():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset())
    c.run_until_stable()
    old = c.get("Pod", "web-1")
    volume = c.get("PersistentVolumeClaim", "www-web-1").spec.volume_name
    c.delete("Pod", "web-1")
    c.run_until_stable()
    new = c.get("Pod", "web-1")
    assert new.metadata.uid != old.metadata.uid
    assert c.get("PersistentVolumeClaim", "www-web-1").spec.volume_name == volume
    assert len(c.list("pvc")) == 3 and len(c.list("pv")) == 3
    creates = [t for t, n in lines(c, "create", "Pod") if n == "web-1"]
    assert len(creates) == 2


def test_a_failed_pod_is_deleted_and_recreated_and_blocks_higher_ordinals():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset(replicas=2))
    c.run_until_stable()
    c.scale("sts", "web", 3)
    _fail(c, "web-0")
    c.run_until_stable()
    creates = [n for _, n in lines(c, "create", "Pod")]
    assert creates == ["web-0", "web-1", "web-0", "web-2"]


def test_node_failure_blocks_the_replacement_until_the_pod_object_is_gone():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset())
    c.run_until_stable()
    node = c.get("Pod", "web-1").spec.node_name
    c.fail_node(node)
    c.advance("10m")
    p = c.get("Pod", "web-1")
    assert p.metadata.deletion_timestamp is not None      # evicted, stuck Terminating
    assert [n for _, n in lines(c, "create", "Pod")].count("web-1") == 1
    c.remove_node(node)
    c.run_until_stable()
    p = c.get("Pod", "web-1")
    assert p.metadata.deletion_timestamp is None and p.spec.node_name != node
    assert c.get("StatefulSet", "web").status.ready_replicas == 3


def test_parallel_creates_and_deletes_all_at_once():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset(replicas=4, podManagementPolicy="Parallel", claims=False))
    c.run_until_stable()
    creates = lines(c, "create", "Pod")
    assert len({t for t, _ in creates}) == 1 and len(creates) == 4
    mark = len(c.trace())
    c.scale("sts", "web", 1)
    c.run_until_stable()
    deletes = [int(l.split(" ")[0]) for l in c.trace()[mark:] if " delete Pod default/web-" in l]
    assert len(deletes) == 3 and len(set(deletes)) == 1
    assert live(c) == ["web-0"]


def test_partitioned_rolling_update_from_the_highest_ordinal_down_to_the_partition():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset(replicas=4, updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    c.run_until_stable()
    old_rev = c.get("StatefulSet", "web").status.current_revision
    mark = len(c.trace())
    c.set_image("sts", "web", "nginx", "nginx:1.28")
    c.run_until_stable()
    deletes = [l.split(" ")[3].split("/")[1] for l in c.trace()[mark:] if " delete Pod default/web-" in l]
    assert deletes == ["web-3", "web-2"]
    st = c.get("StatefulSet", "web").status
    assert st.current_revision == old_rev and st.update_revision != old_rev
    assert (st.updated_replicas, st.current_replicas) == (2, 2)
    images = {p.metadata.name: p.spec.containers[0].image for p in c.list("pods")}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.27", "web-2": "nginx:1.28", "web-3": "nginx:1.28"}
    assert c.rollout_status("web", kind="sts").message == "partitioned roll out complete: 2 new pods have been updated..."
    # a deleted pod below the partition comes back at the current revision
    c.delete("Pod", "web-0")
    c.run_until_stable()
    assert c.get("Pod", "web-0").spec.containers[0].image == "nginx:1.27"
    # lowering the partition finishes the rollout; the update revision becomes current
    sts = c.get("StatefulSet", "web")
    c.apply(statefulset(replicas=4, image="nginx:1.28", updateStrategy={"type": "RollingUpdate",
                                                                         "rollingUpdate": {"partition": 0}}))
    c.run_until_stable()
    st = c.get("StatefulSet", "web").status
    assert st.current_revision == st.update_revision == sts.status.update_revision
    assert (st.current_replicas, st.updated_replicas) == (4, 4)


def test_rolling_update_one_at_a_time_each_waiting_for_the_previous_to_be_ready():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset())
    c.run_until_stable()
    mark = len(c.trace())
    c.set_image("sts", "web", "nginx", "nginx:1.28")
    c.run_until_stable()
    tail = c.trace()[mark:]
    deletes = [(int(l.split(" ")[0]), l.split(" ")[3].split("/")[1]) for l in tail if " delete Pod default/web-" in l]
    readies = [(int(l.split(" ")[0]), l.split(" ")[3].split("/")[1]) for l in tail
               if " status Pod default/web-" in l and "Ready=True" in l]
    assert [n for _, n in deletes] == ["web-2", "web-1", "web-0"]
    # web-1 is deleted only once the new web-2 is ready, web-0 once web-1 is
    ready_at = {n: t for t, n in readies}
    assert deletes[1][0] >= ready_at["web-2"] and deletes[2][0] >= ready_at["web-1"]
    assert c.rollout_status("web", kind="sts").done


def test_max_unavailable_two_replaces_two_pods_at_a_time():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset(replicas=5, claims=False, updateStrategy={
        "type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}))
    c.run_until_stable()
    mark = len(c.trace())
    c.set_image("sts", "web", "nginx", "nginx:1.28")
    c.run_until_stable()
    deletes = [(int(l.split(" ")[0]), l.split(" ")[3].split("/")[1]) for l in c.trace()[mark:]
               if " delete Pod default/web-" in l]
    assert [n for _, n in deletes] == ["web-4", "web-3", "web-2", "web-1", "web-0"]
    assert deletes[0][0] == deletes[1][0] and deletes[2][0] == deletes[3][0] != deletes[1][0]


def test_on_delete_replaces_only_deleted_pods_at_the_new_revision():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset(claims=False, updateStrategy={"type": "OnDelete"}))
    c.run_until_stable()
    c.set_image("sts", "web", "nginx", "nginx:1.28")
    c.run_until_stable()
    assert {p.spec.containers[0].image for p in c.list("pods")} == {"nginx:1.27"}
    c.delete("Pod", "web-1")
    c.run_until_stable()
    images = {p.metadata.name: p.spec.containers[0].image for p in c.list("pods")}
    assert images == {"web-0": "nginx:1.27", "web-1": "nginx:1.28", "web-2": "nginx:1.27"}
    with pytest.raises(kstate.InvalidOperation):
        c.rollout_status("web", kind="statefulset")


def test_rollout_history_undo_restart_and_revision_history_limit():
    c = kstate.Cluster(nodes=2)
    c.apply(statefulset(replicas=2, claims=False, revisionHistoryLimit=1))
    c.run_until_stable()
    c.set_image("sts", "web", "nginx", "nginx:1.28")
    c.run_until_stable()
    hist = c.rollout_history("web", kind="sts")
    assert [h["revision"] for h in hist] == [1, 2]
    c.rollout_undo("web", kind="sts")
    c.run_until_stable()
    assert {p.spec.containers[0].image for p in c.list("pods")} == {"nginx:1.27"}
    hist = c.rollout_history("web", kind="sts")
    assert [h["revision"] for h in hist] == [2, 3]   # revision 1 renumbered to 3
    c.rollout_restart("web", kind="sts")
    c.run_until_stable()
    revs = c.list("controllerrevisions")
    assert len(revs) == 2          # limit 1 old + the update revision
    assert all(p.spec is not None for p in c.list("pods"))
    st = c.get("StatefulSet", "web").status
    assert st.current_revision == st.update_revision
    assert c.rollout_status("web", kind="sts").done


def test_retention_policy_delete_on_scale_and_on_delete():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset(persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Delete"}))
    c.run_until_stable()
    refs = c.get("PersistentVolumeClaim", "www-web-0").metadata.owner_references
    assert [(r.kind, r.name, r.controller) for r in refs] == [("StatefulSet", "web", True)]
    c.scale("sts", "web", 1)
    c.run_until_stable()
    assert sorted(p.metadata.name for p in c.list("pvc")) == ["www-web-0"]
    # the provisioned volumes of the deleted claims are released and deleted (reclaim policy Delete)
    assert len(c.list("pv")) == 1
    c.delete("StatefulSet", "web")
    c.run_until_stable()
    assert c.list("pvc") == [] and c.list("pv") == [] and c.list("pods") == []


def test_retain_policy_keeps_claims_and_a_scale_up_reuses_them():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset())
    c.run_until_stable()
    vol2 = c.get("PersistentVolumeClaim", "www-web-2").spec.volume_name
    c.scale("sts", "web", 1)
    c.run_until_stable()
    c.scale("sts", "web", 3)
    c.run_until_stable()
    assert c.get("PersistentVolumeClaim", "www-web-2").spec.volume_name == vol2
    assert len(c.list("pv")) == 3
    c.delete("StatefulSet", "web")
    c.run_until_stable()
    assert c.list("pods") == [] and len(c.list("pvc")) == 3


def test_deleting_the_set_removes_pods_together_scaling_to_zero_first_is_ordered():
    c = kstate.Cluster(nodes=3)
    c.apply(statefulset(claims=False))
    c.run_until_stable()
    mark = len(c.trace())
    c.delete("StatefulSet", "web")
    c.run_until_stable()
    deletes = [int(l.split(" ")[0]) for l in c.trace()[mark:] if " delete Pod default/web-" in l]
    assert len(deletes) == 3 and len(set(deletes)) == 1   # the garbage collector: all at once
    c.apply(statefulset(claims=False))
    c.run_until_stable()
    mark = len(c.trace())
    c.scale("sts", "web", 0)
    c.run_until_stable()
    order = [(int(l.split(" ")[0]), l.split(" ")[3].split("/")[1]) for l in c.trace()[mark:]
             if " delete Pod default/web-" in l]
    assert [n for _, n in order] == ["web-2", "web-1", "web-0"]
    assert_each_deleted_after_the_previous_is_gone(c.trace()[mark:], [n for _, n in order])


def test_ordinals_start_and_min_ready_seconds():
    c = kstate.Cluster(nodes=2)
    c.apply(statefulset(replicas=2, claims=False, ordinals={"start": 5}, minReadySeconds=10))
    c.run_until_stable()
    creates = lines(c, "create", "Pod")
    assert [n for _, n in creates] == ["web-5", "web-6"]
    ready = dict((n, t) for t, n in ready_lines(c))
    assert creates[1][0] >= ready["web-5"] + 10_000
    assert c.get("StatefulSet", "web").status.available_replicas == 2


def test_pod_with_a_missing_or_unbound_claim_stays_pending_with_the_scheduler_message():
    c = kstate.Cluster(nodes=2)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
             "spec": {"containers": [{"name": "c", "image": "busybox"}],
                      "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}})
    c.run_until_stable()
    pod = c.get("Pod", "app")
    assert not pod.spec.node_name
    msgs = [e.message for e in c.events("Pod", "app") if e.reason == "FailedScheduling"]
    assert msgs[-1] == ('0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes '
                        'are available: 2 Preemption is not helpful for scheduling.')
    # a claim of a class nobody provisions stays Pending: unbound immediate claim
    c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                      "resources": {"requests": {"storage": "5Gi"}}}})
    c.run_until_stable()
    assert c.get("PersistentVolumeClaim", "data").status.phase == "Pending"
    msgs = [e.message for e in c.events("Pod", "app") if e.reason == "FailedScheduling"]
    assert msgs[-1] == ("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                        "0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
    assert not c.get("Pod", "app").spec.node_name
    assert any(e.reason == "ProvisioningFailed" and e.message == 'storageclass.storage.k8s.io "fast" not found'
               for e in c.events("PersistentVolumeClaim", "data"))


def test_a_bare_claim_binds_and_wakes_its_pending_pod():
    c = kstate.Cluster(nodes=2)
    c.apply([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
              "spec": {"containers": [{"name": "c", "image": "busybox"}],
                       "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}}])
    c.run_until_stable()
    assert not c.get("Pod", "app").spec.node_name
    c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}})
    c.run_until_stable()
    assert c.get("Pod", "app").spec.node_name
    assert c.get("PersistentVolumeClaim", "data").status.phase == "Bound"
    c.delete("Pod", "app")
    c.delete("PersistentVolumeClaim", "data")
    c.run_until_stable()
    assert c.list("pv") == []     # released, then deleted under the Delete policy


def test_default_storage_class_annotation_wins_over_the_builtin_standard():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
             "metadata": {"name": "gold", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
             "provisioner": "example.com/gold", "reclaimPolicy": "Retain"})
    c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}})
    c.run_until_stable()
    pvc = c.get("PersistentVolumeClaim", "data")
    assert pvc.spec.storage_class_name == "gold" and pvc.status.phase == "Bound"
    pv = c.get("PersistentVolume", pvc.spec.volume_name, namespace="")
    assert pv.spec.persistent_volume_reclaim_policy == "Retain"
    assert pv.metadata.annotations["pv.kubernetes.io/provisioned-by"] == "example.com/gold"
    c.delete("PersistentVolumeClaim", "data")
    c.run_until_stable()
    assert c.get("PersistentVolume", pv.metadata.name, namespace="").status.phase == "Released"


def test_tables_for_statefulsets_claims_and_volumes():
    from kstate.io import tables
    c = kstate.Cluster(nodes=2)
    c.apply(statefulset(replicas=2))
    c.run_until_stable()
    c.advance("1m")
    sts = tables.kind_table(c, ["StatefulSet"])
    assert sts[0].split() == ["NAME", "READY", "AGE"]
    assert sts[1].split()[:2] == ["web", "2/2"]
    pvc = tables.kind_table(c, ["PersistentVolumeClaim"])
    assert pvc[0].split() == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                              "VOLUMEATTRIBUTESCLASS", "AGE"]
    row = pvc[1].split()
    assert row[0] == "www-web-0" and row[1] == "Bound" and row[2].startswith("pvc-") and row[3:7] == [
        "1Gi", "RWO", "standard", "<unset>"]
    pv = tables.kind_table(c, ["PersistentVolume"])
    assert pv[0].split()[:4] == ["NAME", "CAPACITY", "ACCESS", "MODES"]
    assert sorted(r.split()[5] for r in pv[1:]) == ["default/www-web-0", "default/www-web-1"]
    assert pv[1].split()[1:5] == ["1Gi", "RWO", "Delete", "Bound"]
    cr = tables.kind_table(c, ["ControllerRevision"])
    assert cr[1].split()[:3] == [c.get("StatefulSet", "web").status.update_revision, "statefulset.apps/web", "1"]


def test_manifest_round_trip_and_defaults():
    (obj,) = kstate.parse_manifests([statefulset()])
    out = kstate.to_manifest(obj)
    assert out["spec"]["podManagementPolicy"] == "OrderedReady"
    assert out["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                             "rollingUpdate": {"partition": 0, "maxUnavailable": 1}}
    assert out["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert out["spec"]["revisionHistoryLimit"] == 10
    (again,) = kstate.parse_manifests([out])
    assert again.spec == obj.spec


@pytest.mark.parametrize("patch, path", [
    ({"podManagementPolicy": "Random"}, "spec.podManagementPolicy"),
    ({"updateStrategy": {"type": "OnDelete", "rollingUpdate": {"partition": 1}}}, "spec.updateStrategy.rollingUpdate"),
    ({"updateStrategy": {"rollingUpdate": {"maxUnavailable": 0}}}, "spec.updateStrategy.rollingUpdate.maxUnavailable"),
    ({"updateStrategy": {"rollingUpdate": {"partition": -1}}}, "spec.updateStrategy.rollingUpdate.partition"),
    ({"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Keep"}},
     "spec.persistentVolumeClaimRetentionPolicy.whenDeleted"),
    ({"ordinals": {"start": -1}}, "spec.ordinals.start"),
    ({"selector": {"matchLabels": {"app": "other"}}}, "spec.template.metadata.labels"),
    ({"volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]},
     "spec.volumeClaimTemplates[0].spec.accessModes"),
])
def test_bad_specs_are_refused_at_their_field(patch, path):
    doc = statefulset()
    doc["spec"].update(patch)
    with pytest.raises(kstate.SpecError) as e:
        kstate.parse_manifests([doc])
    assert e.value.path == path


def test_only_the_mutable_fields_may_change():
    c = kstate.Cluster(nodes=1)
    c.apply(statefulset(replicas=1))
    c.run_until_stable()
    with pytest.raises(kstate.SpecError) as e:
        c.apply(statefulset(replicas=1, serviceName="other"))
    assert "updates to statefulset spec for fields other than 'replicas'" in e.value.message
    c.apply(statefulset(replicas=2, minReadySeconds=1))
    assert c.get("StatefulSet", "web").spec.replicas == 2


def _slots(c) -> dict:
    from kstate.controllers import statefulset as ssc
    eng = c.engine
    out = {}
    for o in range(6):
        pod = eng.get("Pod", "default", f"web-{o}")
        claimed = eng.get("PersistentVolumeClaim", "default", f"www-web-{o}") is not None
        out[o] = ssc.slot_state(pod, claimed)
    return out


def test_every_slot_change_is_an_edge_of_the_stateful_slot_machine():
    """Ordered start, scale up and down (claims deleted with whenScaled
    Delete), a killed pod, a failed pod and a rolling update: every ordinal's
    slot, looked at before every controller step, only moves along
    machines/statefulslot.py."""
    from kstate.controllers import CONTROLLERS
    from kstate.machines import lifecycle
    machine = lifecycle("statefulslot")
    seen: dict = {}
    moves: list = []

    def look(c):
        for o, state in _slots(c).items():
            prev = seen.get(o, "Absent")
            if state != prev:
                moves.append((prev, state))
                seen[o] = state

    holder: list = []

    def wrap(ctrl):
        def observe(view, key):
            if holder:
                look(holder[0])
            return ctrl.observe(view, key)
        return ctrl._replace(observe=observe)

    c = kstate.Cluster(nodes=3, controllers={n: wrap(x) for n, x in CONTROLLERS.items()})
    holder.append(c)
    c.apply(statefulset(annotations={"kstate.io/start-after": "2s", "kstate.io/ready-after": "1s"},
                        persistentVolumeClaimRetentionPolicy={"whenDeleted": "Retain", "whenScaled": "Delete"}))
    c.run_until_stable()
    c.scale("sts", "web", 5)
    c.run_until_stable()
    c.delete("Pod", "web-3")
    c.run_until_stable()
    _fail(c, "web-1")
    c.run_until_stable()
    c.set_image("sts", "web", "nginx", "nginx:1.28")
    c.run_until_stable()
    c.scale("sts", "web", 2)
    c.run_until_stable()
    look(c)
    assert moves, "no slot moved"
    bad = [(a, b) for a, b in moves if not machine.has_edge(a, b)]
    assert bad == []
    visited = {s for pair in moves for s in pair}
    assert {"Absent", "Claimed", "Creating", "Running", "Ready", "Failed", "Terminating"} <= visited


def test_graph_command_draws_the_statefulset_machines(capsys):
    from kstate.cli import main
    for name in ("statefulset", "statefulslot", "pvc", "pv"):
        assert main(["graph", name]) == 0
        out = capsys.readouterr().out
        assert out.startswith("stateDiagram-v2")


def test_a_revision_name_taken_by_another_object_bumps_collision_count():
    """getStatefulSetRevisions → CreateControllerRevision: the name
    `<set>-<hash>` is taken by a revision with other data, so collisionCount
    is bumped and the revision gets the next hash's name."""
    from kstate.controllers import statefulset as ssc
    (sts,) = kstate.parse_manifests([statefulset(claims=False)])
    taken = f"web-{ssc.compute_hash(sts.spec.template, None)}"
    c = kstate.Cluster(nodes=2)
    c.apply({"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": taken},
             "data": {"other": True}, "revision": 1})
    c.apply(statefulset(claims=False))
    c.run_until_stable()
    st = c.get("StatefulSet", "web").status
    assert st.collision_count == 1
    assert st.update_revision == f"web-{ssc.compute_hash(sts.spec.template, 1)}" != taken
    assert c.get("StatefulSet", "web").status.ready_replicas == 3

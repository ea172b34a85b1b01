"""The StatefulSet controller's helpers and reconcile, unit by unit: cases
ported from pkg/controller/statefulset/stateful_set_utils_test.go and
stateful_set_control_test.go (cited per test), and each reconcile checked by
its exact list of actions."""
from __future__ import annotations

import pytest

import kstate
from kstate.controllers import statefulset as ssc
from kstate.controllers.actions import Create, Delete, RecordEvent, Update, UpdateStatus
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import Condition, ObjectMeta, OwnerReference
from kstate.resources.pod import PodStatus


def new_stateful_set(replicas=3, name="foo", claims=True, **spec):
    """stateful_set_utils_test.go newStatefulSet: one container, a
    volumeClaimTemplate "datadir", selector foo=bar."""
    doc = {"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": {"name": name, "namespace": "default"},
           "spec": {"replicas": replicas, "serviceName": "governingsvc",
                    "selector": {"matchLabels": {"foo": "bar"}},
                    "template": {"metadata": {"labels": {"foo": "bar"}},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}, **spec}}
    if claims:
        doc["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "datadir"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    (sts,) = kstate.parse_manifests([doc])
    return evolve(sts, metadata=evolve(sts.metadata, uid="set-uid", generation=1))


def created(pod, uid=None, phase="Pending", ready=False, since=0):
    conds = (Condition("Ready", "True" if ready else "False", last_transition_time=since),) if phase == "Running" else ()
    return evolve(pod, metadata=evolve(pod.metadata, uid=uid or f"uid-{pod.metadata.name}"),
                  status=PodStatus(phase=phase, conditions=conds, state=phase))


def running(pod, **kw):
    return created(pod, phase="Running", ready=True, **kw)


# ------------------------------------------------------------- stateful_set_utils_test.go


def test_get_parent_name_and_ordinal():
    """TestGetParentNameAndOrdinal."""
    s = new_stateful_set(3)
    pod = ssc.new_stateful_set_pod(s, 1)
    assert ssc.get_parent_name_and_ordinal(pod) == ("foo", 1)
    pod = evolve(pod, metadata=evolve(pod.metadata, name="1-bar"))
    assert ssc.get_parent_name_and_ordinal(pod) == ("", -1)


def test_is_member_of():
    """TestIsMemberOf: a pod of set "foo" is not a member of set "foo2"."""
    s, s2 = new_stateful_set(3), new_stateful_set(3, name="foo2")
    pod = ssc.new_stateful_set_pod(s, 1)
    assert ssc.is_member_of(s, pod) and not ssc.is_member_of(s2, pod)


def test_identity_matches():
    """TestIdentityMatches."""
    s = new_stateful_set(3)
    pod = ssc.new_stateful_set_pod(s, 1)
    assert ssc.identity_matches(s, pod)
    assert not ssc.identity_matches(s, evolve(pod, metadata=evolve(pod.metadata, name="foo")))
    assert not ssc.identity_matches(s, evolve(pod, metadata=evolve(pod.metadata, namespace="")))
    labels = {k: v for k, v in pod.metadata.labels.items() if k != "statefulset.kubernetes.io/pod-name"}
    assert not ssc.identity_matches(s, evolve(pod, metadata=evolve(pod.metadata, labels=FrozenDict(labels))))


def _with_volumes(pod, vols):
    return evolve(pod, spec=evolve(pod.spec, extra=FrozenDict({**pod.spec.extra, "volumes": vols})))


def test_storage_matches():
    """TestStorageMatches: a renamed volume, no volumes, or another claim name do not match."""
    s = new_stateful_set(3)
    pod = ssc.new_stateful_set_pod(s, 1)
    assert ssc.storage_matches(s, pod)
    (vol,) = pod.spec.extra["volumes"]
    assert vol == {"name": "datadir", "persistentVolumeClaim": {"claimName": "datadir-foo-1"}}
    assert not ssc.storage_matches(s, _with_volumes(pod, ({"name": "foo", "persistentVolumeClaim": {
        "claimName": "datadir-foo-1"}},)))
    assert not ssc.storage_matches(s, _with_volumes(pod, ()))
    assert not ssc.storage_matches(s, _with_volumes(pod, ({"name": "datadir", "persistentVolumeClaim": {
        "claimName": "foo"}},)))


def test_update_identity():
    """TestUpdateIdentity: a wrong namespace and a missing pod-name label are repaired."""
    s = new_stateful_set(3)
    pod = ssc.new_stateful_set_pod(s, 1)
    broken = evolve(pod, metadata=evolve(pod.metadata, namespace="", labels=FrozenDict({"foo": "bar"})))
    assert not ssc.identity_matches(s, broken)
    fixed = ssc.update_identity(s, broken, 1)
    assert ssc.identity_matches(s, fixed)
    assert fixed.metadata.labels["apps.kubernetes.io/pod-index"] == "1"


def test_update_storage():
    """TestUpdateStorage: missing or renamed claim volumes are restored; other volumes are kept after them."""
    s = new_stateful_set(3)
    pod = ssc.new_stateful_set_pod(s, 1)
    other = {"name": "cache", "emptyDir": {}}
    fixed = ssc.update_storage(s, _with_volumes(pod, (other,)))
    assert ssc.storage_matches(s, fixed)
    assert [v["name"] for v in fixed.spec.extra["volumes"]] == ["datadir", "cache"]


def test_is_running_and_ready():
    """TestIsRunningAndReady."""
    pod = ssc.new_stateful_set_pod(new_stateful_set(3), 1)
    assert not ssc.is_running_and_ready(pod)
    assert not ssc.is_running_and_ready(created(pod, phase="Running", ready=False))
    assert ssc.is_running_and_ready(running(pod))


def test_new_pod_controller_ref_hostname_and_subdomain():
    """TestNewPodControllerRef, plus initIdentity's hostname/subdomain."""
    s = new_stateful_set(3)
    pod = ssc.new_stateful_set_pod(s, 1)
    (ref,) = pod.metadata.owner_references
    assert (ref.kind, ref.name, ref.uid, ref.controller, ref.block_owner_deletion) == (
        "StatefulSet", "foo", "set-uid", True, True)
    assert (pod.spec.hostname, pod.spec.subdomain) == ("foo-1", "governingsvc")


@pytest.mark.parametrize("max_unavailable, replicas, expected", [
    (None, 10, 1), (3, 10, 3), (3, 0, 3), (0, 0, 1), ("10%", 25, 2), ("100%", 5, 5), ("50%", 5, 2),
    ("10%", 5, 1), ("0%", 0, 1),
])
def test_get_stateful_set_max_unavailable(max_unavailable, replicas, expected):
    """TestGetStatefulSetMaxUnavailable: percent rounds down, at least 1."""
    assert ssc.get_stateful_set_max_unavailable(max_unavailable, replicas) == expected


def test_get_persistent_volume_claims():
    """TestGetPersistentVolumeClaims: names, namespace, labels = template labels + selector matchLabels."""
    s = new_stateful_set(3)
    (claim,) = ssc.get_persistent_volume_claims(s, 2)
    assert (claim.metadata.name, claim.metadata.namespace) == ("datadir-foo-2", "default")
    assert claim.metadata.labels == {"foo": "bar"}


@pytest.mark.parametrize("when_deleted, when_scaled, condemned, expected", [
    ("Retain", "Retain", False, []),
    ("Retain", "Retain", True, []),
    ("Delete", "Retain", False, [("StatefulSet", True)]),
    ("Delete", "Retain", True, [("StatefulSet", True)]),
    ("Retain", "Delete", False, []),
    ("Retain", "Delete", True, [("Pod", None)]),
    ("Delete", "Delete", False, [("StatefulSet", True)]),
    ("Delete", "Delete", True, [("Pod", None)]),
])
def test_update_claim_owner_ref_for_set_and_pod(when_deleted, when_scaled, condemned, expected):
    """TestUpdateClaimOwnerRefForSetAndPod / TestClaimOwnerMatchesSetAndPod:
    the owners a claim should have for each policy and scale state."""
    s = new_stateful_set(3, persistentVolumeClaimRetentionPolicy={"whenDeleted": when_deleted,
                                                                  "whenScaled": when_scaled})
    pod = created(ssc.new_stateful_set_pod(s, 1), uid="pod-uid")
    if condemned:
        s = evolve(s, spec=evolve(s.spec, replicas=1))
    (claim,) = ssc.get_persistent_volume_claims(s, 1)
    refs = ssc.desired_claim_owner_refs(claim, s, pod)
    assert [(r.kind, r.controller) for r in refs] == expected


def test_a_foreign_controller_reference_keeps_ours_off_the_claim():
    """TestUpdateClaimOwnerRefForSetAndPod "other controller": only our references are removed."""
    s = new_stateful_set(3, persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Delete"})
    pod = created(ssc.new_stateful_set_pod(s, 1), uid="pod-uid")
    (claim,) = ssc.get_persistent_volume_claims(s, 1)
    foreign = OwnerReference("v1", "Other", "x", "x-uid", controller=True)
    claim = evolve(claim, metadata=evolve(claim.metadata, owner_references=(foreign,)))
    assert ssc.desired_claim_owner_refs(claim, s, pod) == (foreign,)


def test_has_stale_owner_ref_and_pod_claim_is_stale():
    """TestHasStaleOwnerRef / TestPodClaimIsStale: a reference to a pod of the
    same name with another uid is stale; under whenScaled=Retain nothing is."""
    s = new_stateful_set(3, persistentVolumeClaimRetentionPolicy={"whenDeleted": "Retain", "whenScaled": "Delete"})
    pod = ssc.new_stateful_set_pod(s, 1)
    (claim,) = ssc.get_persistent_volume_claims(s, 1)
    old = OwnerReference("v1", "Pod", "foo-1", "old-uid")
    stale = evolve(claim, metadata=evolve(claim.metadata, owner_references=(old,)))
    assert ssc.has_stale_owner_ref(stale, pod)
    assert not ssc.has_stale_owner_ref(stale, created(pod, uid="old-uid"))
    assert ssc.pod_claim_is_stale({"datadir-foo-1": stale}, s, pod)
    retain = new_stateful_set(3)
    assert not ssc.pod_claim_is_stale({"datadir-foo-1": stale}, retain, pod)


def test_new_versioned_stateful_set_pod_respects_the_partition():
    """newVersionedStatefulSetPod: ordinals below the partition get the current revision."""
    cur = new_stateful_set(4, updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    upd = evolve(cur, spec=evolve(cur.spec, template=evolve(cur.spec.template, spec=evolve(
        cur.spec.template.spec, containers=(evolve(cur.spec.template.spec.containers[0], image="nginx:2"),)))))
    revs = [ssc.get_pod_revision(ssc.new_versioned_stateful_set_pod(cur, upd, "foo-a", "foo-b", o)) for o in range(4)]
    images = [ssc.new_versioned_stateful_set_pod(cur, upd, "foo-a", "foo-b", o).spec.containers[0].image
              for o in range(4)]
    assert revs == ["foo-a", "foo-a", "foo-b", "foo-b"]
    assert images == ["nginx", "nginx", "nginx:2", "nginx:2"]
    ondelete = new_stateful_set(4, updateStrategy={"type": "OnDelete"})
    assert ssc.get_pod_revision(ssc.new_versioned_stateful_set_pod(ondelete, ondelete, "a", "b", 0)) == "b"


def test_create_apply_revision():
    """TestCreateApplyRevision: the revision's data is the template, and
    ApplyRevision restores it onto a changed set."""
    s = new_stateful_set(1)
    rev = ssc.new_revision(s, 1, ssc.current_hash(s))
    assert rev.metadata.name == f"foo-{ssc.current_hash(s)}" and rev.revision == 1
    assert rev.metadata.labels["controller-revision-hash"] == ssc.current_hash(s)
    changed = evolve(s, spec=evolve(s.spec, template=evolve(s.spec.template, metadata=ObjectMeta(
        labels=FrozenDict({"foo": "bar", "x": "y"})))))
    assert ssc.apply_revision(changed, rev).spec.template == s.spec.template


def test_truncate_history_keeps_live_revisions():
    """TestStatefulSetControlLimitsHistory's rule: only non-live revisions beyond the limit are deleted."""
    s = new_stateful_set(1, revisionHistoryLimit=1)
    revs = [evolve(ssc.new_revision(s, i, f"h{i}"), metadata=evolve(ssc.new_revision(s, i, f"h{i}").metadata,
                                                                     uid=f"r{i}")) for i in range(1, 5)]
    pod = ssc.set_pod_revision(created(ssc.new_stateful_set_pod(s, 0)), "foo-h2")
    out = ssc.truncate_history(s, [pod], revs, revs[3], revs[3])
    assert out == [Delete("ControllerRevision", "default", "foo-h1", "r1")]


# ------------------------------------------------------------- reconcile, exact actions


def _obs(s, pods=(), revisions=(), claims=None, named=None):
    return ssc.STSObs(sts=s, pods=tuple(pods), revisions=tuple(revisions), named_revision=named,
                      claims=FrozenDict(claims or {}))


def _with_status(s, rev, **kw):
    return evolve(s, status=evolve(s.status, current_revision=rev.metadata.name, update_revision=rev.metadata.name,
                                   observed_generation=1, collision_count=0, **kw))


def test_first_sync_creates_the_revision_then_the_claim_then_pod_0_only():
    """TestStatefulSetControlCreates (first step): the revision, the claim of
    ordinal 0, pod 0 with its events, and the status; nothing for ordinals 1, 2."""
    s = evolve(new_stateful_set(3), status=evolve(new_stateful_set(3).status, state="Pending"))
    res = ssc.reconcile_statefulset(_obs(s), 0)
    rev = ssc.new_revision(s, 1, ssc.current_hash(s))
    claim, = ssc.get_persistent_volume_claims(s, 0)
    pod = ssc.set_pod_revision(ssc.new_stateful_set_pod(s, 0), rev.metadata.name)
    status = evolve(s.status, observed_generation=1, current_revision=rev.metadata.name,
                    update_revision=rev.metadata.name, collision_count=0, state="ScalingUp")
    assert res.actions == (
        Create(rev),
        Create(claim),
        RecordEvent(ssc.ref_of(s), "SuccessfulCreate", "create Claim datadir-foo-0 Pod foo-0 in StatefulSet foo "
                    "success", "Normal", ssc.NAME),
        Create(pod),
        RecordEvent(ssc.ref_of(s), "SuccessfulCreate", "create Pod foo-0 in StatefulSet foo successful", "Normal",
                    ssc.NAME),
        UpdateStatus(evolve(s, status=status), "scale_up"),
    )


def test_ordered_ready_waits_for_a_pending_pod_and_creates_the_next_when_it_is_ready():
    s = new_stateful_set(3, claims=False)
    rev = ssc.new_revision(s, 1, ssc.current_hash(s))
    s = _with_status(s, rev, state="ScalingUp")
    p0 = ssc.set_pod_revision(ssc.new_stateful_set_pod(s, 0), rev.metadata.name)
    res = ssc.reconcile_statefulset(_obs(s, [created(p0)], [rev]), 0)
    assert [type(a).__name__ for a in res.actions] == ["UpdateStatus"]     # counts only, no create
    s1 = res.actions[0].obj
    res = ssc.reconcile_statefulset(_obs(s1, [running(p0)], [rev]), 1000)
    p1 = ssc.set_pod_revision(ssc.new_stateful_set_pod(s, 1), rev.metadata.name)
    assert res.actions[:2] == (Create(p1), RecordEvent(ssc.ref_of(s1), "SuccessfulCreate",
                                                       "create Pod foo-1 in StatefulSet foo successful", "Normal",
                                                       ssc.NAME))


def test_scale_down_deletes_the_highest_condemned_pod_only():
    """TestStatefulSetControlScaleDown (one step): with every pod healthy the
    highest ordinal is deleted, one per sync."""
    s = new_stateful_set(1, claims=False)
    rev = ssc.new_revision(s, 1, ssc.current_hash(s))
    s = _with_status(s, rev, state="Stable", replicas=3, ready_replicas=3, current_replicas=3, updated_replicas=3,
                     available_replicas=3)
    pods = [running(ssc.set_pod_revision(ssc.new_stateful_set_pod(s, o), rev.metadata.name)) for o in range(3)]
    res = ssc.reconcile_statefulset(_obs(s, pods, [rev]), 0)
    assert res.actions[:2] == (
        Delete("Pod", "default", "foo-2", "uid-foo-2"),
        RecordEvent(ssc.ref_of(s), "SuccessfulDelete", "delete Pod foo-2 in StatefulSet foo successful", "Normal",
                    ssc.NAME))
    assert [a for a in res.actions if isinstance(a, Delete)] == [res.actions[0]]


def test_scale_down_waits_while_an_in_range_pod_is_unhealthy():
    s = new_stateful_set(1, claims=False)
    rev = ssc.new_revision(s, 1, ssc.current_hash(s))
    s = _with_status(s, rev, state="ScalingDown")
    pods = [created(ssc.set_pod_revision(ssc.new_stateful_set_pod(s, 0), rev.metadata.name)),
            running(ssc.set_pod_revision(ssc.new_stateful_set_pod(s, 1), rev.metadata.name))]
    res = ssc.reconcile_statefulset(_obs(s, pods, [rev]), 0)
    assert not [a for a in res.actions if isinstance(a, Delete)]


def test_failed_pod_is_deleted_and_the_sync_ends():
    """processReplica: a Failed pod is deleted; its replacement waits for the object to go."""
    s = new_stateful_set(2, claims=False)
    rev = ssc.new_revision(s, 1, ssc.current_hash(s))
    s = _with_status(s, rev, state="ScalingUp")
    p0 = created(ssc.set_pod_revision(ssc.new_stateful_set_pod(s, 0), rev.metadata.name), phase="Failed")
    res = ssc.reconcile_statefulset(_obs(s, [p0], [rev]), 0)
    assert res.actions[0] == Delete("Pod", "default", "foo-0", "uid-foo-0")
    assert not [a for a in res.actions if isinstance(a, Create)]


def test_parallel_creates_every_missing_pod_in_one_sync():
    """TestStatefulSetControlBurstScaling (one step)."""
    s = new_stateful_set(3, claims=False, podManagementPolicy="Parallel")
    rev = ssc.new_revision(s, 1, ssc.current_hash(s))
    s = _with_status(s, rev, state="Pending")
    res = ssc.reconcile_statefulset(_obs(s, [], [rev]), 0)
    assert [a.obj.metadata.name for a in res.actions if isinstance(a, Create)] == ["foo-0", "foo-1", "foo-2"]


def test_rolling_update_deletes_the_highest_outdated_pod_and_retention_updates_claims():
    s = new_stateful_set(2, persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete", "whenScaled": "Retain"})
    old = ssc.new_revision(s, 1, "old")
    s = _with_status(s, old, state="Stable")
    pods = [running(ssc.set_pod_revision(ssc.new_stateful_set_pod(s, o), old.metadata.name)) for o in range(2)]
    claims = {c.metadata.name: evolve(c, metadata=evolve(c.metadata, uid=f"c{o}"))
              for o in range(2) for c in ssc.get_persistent_volume_claims(s, o)}
    res = ssc.reconcile_statefulset(_obs(s, pods, [old], claims), 0)
    # the template differs from revision "old"'s hash name only: data equal → no new revision
    updates = [a for a in res.actions if isinstance(a, Update)]
    assert [a.obj.metadata.name for a in updates] == ["datadir-foo-0", "datadir-foo-1"]
    assert all(a.obj.metadata.owner_references[0].kind == "StatefulSet" for a in updates)

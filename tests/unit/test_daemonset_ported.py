"""DaemonSet controller helpers against the Kubernetes tables they mirror.

Ported (cases, not code) from pkg/controller/daemon/util/daemonset_util_test.go
(TestIsPodUpdated, TestCreatePodTemplate, TestReplaceDaemonSetPodNodeNameNodeAffinity,
TestGetTargetNodeName) and pkg/controller/daemon/update_test.go
(TestGetUnavailableNumbers), plus NodeShouldRunDaemonPod cases in the spirit of
daemon_controller_test.go (TestNodeShouldRunDaemonPod, TestTaintPressureNodeDaemonLaunchesPod,
TestNodeDaemonLaunchesToleratePod, TestDaemonSetRespectsTermination).
"""
from __future__ import annotations

import pytest

from kstate.controllers import daemonset as dsc
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import Condition, ObjectMeta
from kstate.resources.node import Node, NodeSpec, Taint
from kstate.resources.pod import (
    Affinity, Container, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec, PodStatus, Toleration,
)
from kstate.resources.selector import LabelSelector
from kstate.resources.workloads import (
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, PodTemplateSpec, RollingUpdateDaemonSet,
)

HASH_LABEL = "controller-revision-hash"


def make_ds(name="x", max_unavailable=1, max_surge=0, strategy="RollingUpdate", node_selector=None,
            affinity=None, tolerations=(), node_name="", host_network=False) -> DaemonSet:
    spec = PodSpec(containers=(Container(name="c", image="foo/bar"),), node_selector=FrozenDict(node_selector or {}),
                   affinity=affinity, tolerations=tuple(tolerations), node_name=node_name,
                   extra=FrozenDict({"hostNetwork": True}) if host_network else FrozenDict())
    template = PodTemplateSpec(metadata=ObjectMeta(labels=FrozenDict({"name": "simple-daemon"})), spec=spec)
    ru = RollingUpdateDaemonSet(max_unavailable=max_unavailable, max_surge=max_surge)
    return DaemonSet(metadata=ObjectMeta(name=name, namespace="default", uid=f"uid-{name}", generation=1),
                     spec=DaemonSetSpec(selector=LabelSelector(match_labels=FrozenDict({"name": "simple-daemon"})),
                                        template=template,
                                        update_strategy=DaemonSetUpdateStrategy(type=strategy, rolling_update=ru)))


def make_node(name="node-0", labels=None, taints=(), unschedulable=False) -> Node:
    return Node(metadata=ObjectMeta(name=name, labels=FrozenDict(labels or {})),
                spec=NodeSpec(taints=tuple(taints), unschedulable=unschedulable))


def make_pod(name, node="", labels=None, ready=False, deleting=False, affinity=None) -> Pod:
    conds = (Condition("Ready", "True", last_transition_time=0),) if ready else ()
    return Pod(metadata=ObjectMeta(name=name, namespace="default", uid=f"uid-{name}",
                                   labels=FrozenDict(labels or {}), creation_timestamp=0,
                                   deletion_timestamp=1000 if deleting else None),
               spec=PodSpec(containers=(Container(name="c", image="foo/bar"),), node_name=node, affinity=affinity),
               status=PodStatus(phase="Running", conditions=conds))


def name_term(*values, op="In", key="metadata.name"):
    return NodeSelectorTerm(match_fields=(NodeSelectorRequirement(key, op, tuple(values)),))


# ----------------------------------------------------- daemonset_util_test.go

@pytest.mark.parametrize("labels,hash_,updated", [
    # TestIsPodUpdated rows without the deprecated templateGeneration (kstate
    # does not model it): only the hash decides.
    ({HASH_LABEL: "55555"}, "55555", True),
    ({HASH_LABEL: "55555"}, "55555123", False),
    ({HASH_LABEL: "55555"}, "", False),
    ({}, "", False),
    ({}, "55555", False),
])
def test_is_pod_updated(labels, hash_, updated):
    assert dsc.is_pod_updated(make_pod("pod1", "node1", labels), hash_) is updated


@pytest.mark.parametrize("hash_,expect_label", [("", False), ("3242341807", True)])
def test_create_pod_template_hash_label(hash_, expect_label):
    """TestCreatePodTemplate: the hash label only when a hash is given."""
    t = dsc.create_pod_template(make_ds(), hash_)
    assert (t.metadata.labels.get(HASH_LABEL) == hash_) if expect_label else HASH_LABEL not in t.metadata.labels


def test_create_pod_template_adds_daemon_tolerations_in_order():
    t = dsc.create_pod_template(make_ds(), "h")
    assert [(x.key, x.operator, x.effect, x.toleration_seconds) for x in t.spec.tolerations] == [
        ("node.kubernetes.io/not-ready", "Exists", "NoExecute", None),
        ("node.kubernetes.io/unreachable", "Exists", "NoExecute", None),
        ("node.kubernetes.io/disk-pressure", "Exists", "NoSchedule", None),
        ("node.kubernetes.io/memory-pressure", "Exists", "NoSchedule", None),
        ("node.kubernetes.io/pid-pressure", "Exists", "NoSchedule", None),
        ("node.kubernetes.io/unschedulable", "Exists", "NoSchedule", None),
    ]
    hn = dsc.create_pod_template(make_ds(host_network=True), "h")
    assert hn.spec.tolerations[-1] == Toleration(key="node.kubernetes.io/network-unavailable", operator="Exists",
                                                 effect="NoSchedule")


def test_add_or_update_toleration_replaces_a_matching_one_in_place():
    """AddOrUpdateTolerationInPodSpec: a user's not-ready toleration with
    300 s is replaced (same key/operator/value/effect), keeping its position."""
    user = (Toleration(key="a", operator="Exists"),
            Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute",
                       toleration_seconds=300))
    out = dsc.add_daemon_tolerations(PodSpec(containers=(), tolerations=user)).tolerations
    assert out[0] == user[0]
    assert out[1] == Toleration(key="node.kubernetes.io/not-ready", operator="Exists", effect="NoExecute")
    assert len(out) == 7


HOST_1 = (name_term("host_1"),)


@pytest.mark.parametrize("affinity", [
    None,
    Affinity(required_node_terms=(NodeSelectorTerm(match_expressions=(
        NodeSelectorRequirement("kubernetes.io/hostname", "In", ("host_1",)),)),)),
    Affinity(required_node_terms=None, extra=FrozenDict({"nodeAffinity": FrozenDict({"preferred": 1})})),
    Affinity(required_node_terms=(name_term("host_1", "host_2"),)),
    Affinity(required_node_terms=(NodeSelectorTerm(match_expressions=(
        NodeSelectorRequirement("hostname", "In", ("host_1",)),)), name_term("host_2"))),
    Affinity(required_node_terms=(name_term("host_2", op="NotIn"),)),
    Affinity(required_node_terms=(name_term("bar", key="metadata.foo"),)),
])
def test_replace_daemonset_pod_node_name_node_affinity(affinity):
    """TestReplaceDaemonSetPodNodeNameNodeAffinity: whatever the required
    terms were, they become the single matchFields term; anything else
    (preferred terms) is kept."""
    got = dsc.replace_node_name_affinity(affinity, "host_1")
    assert got.required_node_terms == HOST_1
    if affinity is not None:
        assert got.extra == affinity.extra


@pytest.mark.parametrize("pod,node", [
    (make_pod("pod1", node="node-1"), "node-1"),
    (make_pod("pod2", affinity=Affinity(required_node_terms=(name_term("node-1"),))), "node-1"),
    (make_pod("pod3", affinity=Affinity(required_node_terms=(name_term("node-1", "node-2"),))), None),
    (make_pod("pod4"), None),
])
def test_get_target_node_name(pod, node):
    """TestGetTargetNodeName (None stands for Go's error)."""
    assert dsc.get_target_node_name(pod) == node


# ------------------------------------------------------------ update_test.go

def _ready(name, node, deleting=False):
    return make_pod(name, node, {"name": "simple-daemon"}, ready=True, deleting=deleting)


@pytest.mark.parametrize("name,nodes,ds,node_pods,expect", [
    ("No nodes", 0, make_ds(max_unavailable=0), {}, (0, 0, 0, 0)),
    ("Two nodes with ready pods", 2, make_ds(max_unavailable=1),
     {"node-0": [_ready("pod-0", "node-0")], "node-1": [_ready("pod-1", "node-1")]}, (0, 1, 2, 0)),
    ("Two nodes, one node without pods", 2, make_ds(max_unavailable=0),
     {"node-0": [_ready("pod-0", "node-0")]}, (0, 1, 2, 1)),
    ("Two nodes, one node without pods, surge", 2, make_ds(max_unavailable=0, max_surge=0),
     {"node-0": [_ready("pod-0", "node-0")]}, (0, 1, 2, 1)),
    ("Two nodes with pods, MaxUnavailable in percents", 2, make_ds(max_unavailable="50%"),
     {"node-0": [_ready("pod-0", "node-0")], "node-1": [_ready("pod-1", "node-1")]}, (0, 1, 2, 0)),
    ("Two nodes with pods, MaxUnavailable in percents, surge", 2, make_ds(max_unavailable=0, max_surge="50%"),
     {"node-0": [_ready("pod-0", "node-0")], "node-1": [_ready("pod-1", "node-1")]}, (1, 0, 2, 0)),
    ("Two nodes with pods, MaxUnavailable is 100%, surge", 2, make_ds(max_unavailable=0, max_surge="100%"),
     {"node-0": [_ready("pod-0", "node-0")], "node-1": [_ready("pod-1", "node-1")]}, (2, 0, 2, 0)),
    ("Two nodes with pods, MaxUnavailable in percents, pod terminating", 3, make_ds(max_unavailable="50%"),
     {"node-0": [_ready("pod-0", "node-0")], "node-1": [_ready("pod-1", "node-1", deleting=True)]}, (0, 2, 3, 1)),
])
def test_get_unavailable_numbers(name, nodes, ds, node_pods, expect):
    """TestGetUnavailableNumbers: (maxSurge, maxUnavailable, desired, empty
    nodes) from updatedDesiredNodeCounts; percentages round UP."""
    runs = {f"node-{i}": dsc.node_should_run_daemon_pod(make_node(f"node-{i}"), ds) for i in range(nodes)}
    node_pods = {k: list(v) for k, v in node_pods.items()}
    surge, unavailable, desired = dsc.updated_desired_node_counts(ds, runs, node_pods)
    empty = sum(1 for pods in node_pods.values() if not pods)
    assert (surge, unavailable, desired, empty) == expect, name


# ------------------------------------------------- NodeShouldRunDaemonPod

@pytest.mark.parametrize("ds,node,expect", [
    (make_ds(), make_node(), (True, True)),
    # nodeSelector / required node affinity / template nodeName
    (make_ds(node_selector={"disk": "ssd"}), make_node(labels={"disk": "hdd"}), (False, False)),
    (make_ds(node_selector={"disk": "ssd"}), make_node(labels={"disk": "ssd"}), (True, True)),
    (make_ds(affinity=Affinity(required_node_terms=(NodeSelectorTerm(match_expressions=(
        NodeSelectorRequirement("zone", "In", ("a",)),)),))), make_node(labels={"zone": "b"}), (False, False)),
    (make_ds(node_name="node-9"), make_node(), (False, False)),
    (make_ds(node_name="node-0"), make_node(), (True, True)),
    # taints: the default daemon tolerations cover these
    (make_ds(), make_node(taints=[Taint("node.kubernetes.io/not-ready", "NoExecute")]), (True, True)),
    (make_ds(), make_node(taints=[Taint("node.kubernetes.io/unreachable", "NoExecute")]), (True, True)),
    (make_ds(), make_node(taints=[Taint("node.kubernetes.io/disk-pressure", "NoSchedule"),
                                  Taint("node.kubernetes.io/memory-pressure", "NoSchedule"),
                                  Taint("node.kubernetes.io/pid-pressure", "NoSchedule")]), (True, True)),
    (make_ds(), make_node(taints=[Taint("node.kubernetes.io/unschedulable", "NoSchedule")], unschedulable=True),
     (True, True)),
    # network-unavailable only for hostNetwork pods
    (make_ds(), make_node(taints=[Taint("node.kubernetes.io/network-unavailable", "NoSchedule")]),
     (False, True)),
    (make_ds(host_network=True), make_node(taints=[Taint("node.kubernetes.io/network-unavailable",
                                                         "NoSchedule")]), (True, True)),
    # untolerated taints: NoSchedule keeps running pods, NoExecute does not
    (make_ds(), make_node(taints=[Taint("dedicated", "NoSchedule", "db")]), (False, True)),
    (make_ds(), make_node(taints=[Taint("dedicated", "NoExecute", "db")]), (False, False)),
    (make_ds(), make_node(taints=[Taint("dedicated", "PreferNoSchedule", "db")]), (True, True)),
    (make_ds(tolerations=[Toleration(key="dedicated", operator="Equal", value="db", effect="NoExecute")]),
     make_node(taints=[Taint("dedicated", "NoExecute", "db")]), (True, True)),
    # no resource fit check: a full node still should run the daemon
])
def test_node_should_run_daemon_pod(ds, node, expect):
    assert dsc.node_should_run_daemon_pod(node, ds) == expect


# ----------------------------------------------------------------- back-off

def test_failed_pod_backoff_doubles_to_fifteen_minutes():
    """flowcontrol.Backoff(1 s, 15 min) as the DaemonSet controller uses it."""
    entry, delays = None, []
    now = 0
    for _ in range(12):
        entry = dsc.next_backoff(entry, now)
        delays.append(entry[0])
        assert dsc.is_in_backoff_since_update(entry, now + entry[0] - 1)
        assert not dsc.is_in_backoff_since_update(entry, now + entry[0])
        now += entry[0]
    assert delays[:5] == [1000, 2000, 4000, 8000, 16000]
    assert delays[-1] == 900_000
    # untouched for more than 2 × max: forgotten, back to 1 s
    assert dsc.next_backoff(entry, now + 1_800_001) == (1000, now + 1_800_001)


def test_pods_by_creation_timestamp_and_phase():
    """podByCreationTimestampAndPhase: scheduled first, then older, then name."""
    a = evolve(make_pod("a"), metadata=evolve(make_pod("a").metadata, creation_timestamp=0))
    b = make_pod("b", node="n")
    c = evolve(make_pod("c", node="n"), metadata=evolve(make_pod("c").metadata, creation_timestamp=5000))
    d = make_pod("d", node="n")
    assert [p.metadata.name for p in dsc.sort_by_creation([a, c, d, b])] == ["b", "d", "c", "a"]


# ------------------------------------------- exact actions of one reconcile

from kstate.controllers.actions import Create, Delete, RecordEvent, UpdateStatus  # noqa: E402
from kstate.resources.meta import OwnerReference  # noqa: E402
from kstate.resources.workloads import ControllerRevision, ControllerRevisionBody  # noqa: E402


def _owned(pod, ds):
    ref = OwnerReference(api_version="apps/v1", kind="DaemonSet", name=ds.metadata.name, uid=ds.metadata.uid,
                         controller=True, block_owner_deletion=True)
    return evolve(pod, metadata=evolve(pod.metadata, owner_references=(ref,)))


def _with_revision(ds):
    h = dsc.current_hash(ds)
    rev = dsc.snapshot_revision(ds, h, 1)
    rev = evolve(rev, metadata=evolve(rev.metadata, uid="uid-rev"))
    return h, rev


def test_reconcile_creates_one_pinned_pod_per_eligible_node_then_status():
    ds = make_ds()
    h, rev = _with_revision(ds)
    nodes = (make_node("a"), make_node("b", taints=[Taint("dedicated", "NoSchedule")]), make_node("c"))
    res = dsc.reconcile_daemonset(dsc.DSObs(ds=ds, nodes=nodes, revisions=(rev,), named_revision=rev), 0)
    kinds = [type(a).__name__ for a in res.actions]
    assert kinds == ["Create", "Create", "UpdateStatus"]
    pinned = [a.obj.spec.affinity.required_node_terms[0].match_fields[0].values for a in res.actions[:2]]
    assert pinned == [("a",), ("c",)]
    assert all(a.obj.metadata.labels[HASH_LABEL] == h for a in res.actions[:2])
    st = res.actions[-1].obj.status
    assert (st.desired_number_scheduled, st.current_number_scheduled, st.number_unavailable,
            st.observed_generation) == (2, 0, 2, 1)


def test_reconcile_snapshots_the_first_revision():
    ds = make_ds()
    res = dsc.reconcile_daemonset(dsc.DSObs(ds=ds, nodes=()), 0)
    (create, status) = res.actions
    assert isinstance(create, Create) and isinstance(create.obj, ControllerRevision)
    assert create.obj.metadata.name == f"x-{dsc.current_hash(ds)}" and create.obj.revision == 1
    assert create.obj.data == ds.spec.template
    assert isinstance(status, UpdateStatus)


def test_reconcile_name_collision_bumps_collision_count():
    ds = make_ds()
    h = dsc.current_hash(ds)
    other = ControllerRevision(metadata=ObjectMeta(name=f"x-{h}", namespace="default", uid="other"),
                               spec=ControllerRevisionBody(data=None, revision=7))
    res = dsc.reconcile_daemonset(dsc.DSObs(ds=ds, nodes=(make_node("a"),), named_revision=other), 0)
    (status,) = res.actions
    assert status.obj.status.collision_count == 1 and res.requeue_after == 1000
    assert dsc.current_hash(status.obj) != h


def test_reconcile_failed_pod_in_backoff_is_kept_and_requeued():
    ds = make_ds()
    h, rev = _with_revision(ds)
    failed = _owned(make_pod("p", "a", {"name": "simple-daemon", HASH_LABEL: h}), ds)
    failed = evolve(failed, status=evolve(failed.status, phase="Failed"))
    key = dsc.failed_pods_backoff_key(ds, "a")
    obs = dsc.DSObs(ds=ds, nodes=(make_node("a"),), pods=(failed,), revisions=(rev,), named_revision=rev,
                    backoff=FrozenDict({key: (4000, 1000)}))
    res = dsc.reconcile_daemonset(obs, 2000)
    assert not any(isinstance(a, Delete) for a in res.actions)
    assert res.requeue_after == 4000
    # once the back-off is over: the FailedDaemonPod event, then the delete
    res = dsc.reconcile_daemonset(obs, 5000)
    names = [(type(a).__name__, getattr(a, "reason", "")) for a in res.actions]
    assert names[:3] == [("RecordEvent", "FailedDaemonPod"), ("Delete", ""), ("RecordEvent", "SuccessfulDelete")]
    mem = next(a for a in res.actions if type(a).__name__ == "SetMemory")
    assert mem.value[key] == (8000, 5000)


def test_reconcile_rolling_update_waits_while_manage_acts():
    """updateDaemonSet: rollingUpdate runs only when manage's expectations are
    satisfied — a sync that creates a pod on a new node deletes no old pod."""
    ds = make_ds()
    h, rev = _with_revision(ds)
    old = _owned(make_pod("old", "a", {"name": "simple-daemon", HASH_LABEL: "stale"}, ready=True), ds)
    obs = dsc.DSObs(ds=ds, nodes=(make_node("a"), make_node("b")), pods=(old,), revisions=(rev,),
                    named_revision=rev)
    kinds = [type(a).__name__ for a in dsc.reconcile_daemonset(obs, 0).actions]
    assert "Create" in kinds and "Delete" not in kinds
    obs = dsc.DSObs(ds=ds, nodes=(make_node("a"),), pods=(old,), revisions=(rev,), named_revision=rev)
    acts = dsc.reconcile_daemonset(obs, 0).actions
    assert [(type(a).__name__, getattr(a, "name", "")) for a in acts][:1] == [("Delete", "old")]
    assert isinstance(acts[1], RecordEvent)

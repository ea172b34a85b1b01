"""The disruption controller's sync, ported from
pkg/controller/disruption/disruption_test.go (kubernetes/kubernetes at the
declared version). Each Go test drives `dc.sync` on fake listers and checks
VerifyPdbStatus(disruptionsAllowed, currentHealthy, desiredHealthy,
expectedPods, disruptedPods); here the same pods, budgets and controller
scales go into `reconcile_disruption` and the status it writes is checked.
Times are ms on kstate's clock."""
from __future__ import annotations

import pytest

import kstate
from kstate.controllers import disruption as D
from kstate.controllers.actions import RecordEvent, UpdateStatus
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import Condition, ObjectMeta, OwnerReference
from kstate.resources.pod import PodStatus
from kstate.resources.policy import PodDisruptionBudgetStatus
from kstate.resources.selector import LabelSelector

NOW = 1_000_000


def pod(name, ready=True, owner=None, labels=None, deleting=False):
    (p,) = kstate.parse_manifests({"apiVersion": "v1", "kind": "Pod",
                                   "metadata": {"name": name.replace(" ", "-"), "labels": labels or {"foo": "bar"}},
                                   "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    conds = (Condition("Ready", "True" if ready else "False"),)
    refs = (OwnerReference(owner[0], owner[1], owner[2], owner[3], controller=True),) if owner else ()
    meta = evolve(p.metadata, name=name, uid=f"uid-{name}", owner_references=refs,
                  deletion_timestamp=NOW if deleting else None)
    return evolve(p, metadata=meta, status=PodStatus(phase="Running", conditions=conds, state="Running"))


def pdb(min_available=None, max_unavailable=None, selector=None, generation=1, status=None):
    doc = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "foobar"},
           "spec": {"selector": selector if selector is not None else {"matchLabels": {"foo": "bar"}}}}
    if min_available is not None:
        doc["spec"]["minAvailable"] = min_available
    if max_unavailable is not None:
        doc["spec"]["maxUnavailable"] = max_unavailable
    (b,) = kstate.parse_manifests(doc)
    b = evolve(b, metadata=evolve(b.metadata, uid="pdb-uid", generation=generation))
    return evolve(b, status=status) if status is not None else b


RS = ("apps/v1", "ReplicaSet", "foobar", "rs-uid")
RC = ("v1", "ReplicationController", "foobar", "rc-uid")


def sync(budget, pods=(), scales=None, now=NOW):
    obs = D.DisruptionObs(pdb=budget, pods=tuple(pods), scales=FrozenDict(scales or {}))
    return D.reconcile_disruption(obs, now)


def written(result):
    ups = [a for a in result.actions if isinstance(a, UpdateStatus)]
    assert len(ups) <= 1
    return ups[0].obj if ups else None


def status_tuple(b):
    s = b.status
    return (s.disruptions_allowed, s.current_healthy, s.desired_healthy, s.expected_pods, dict(s.disrupted_pods))


def events(result):
    return [a.reason for a in result.actions if isinstance(a, RecordEvent)]


# TestNoSelector: an empty selector selects every pod of the namespace.
def test_no_selector():
    b = pdb(min_available=3, selector={})
    assert b.spec.selector == LabelSelector()
    got = written(sync(b))
    assert status_tuple(got) == (0, 0, 3, 0, {})
    got = written(sync(got, [pod("yo-yo-yo")]))
    assert status_tuple(got) == (0, 1, 3, 1, {})


# TestUnavailable: counts go up with pods, down when one turns unready.
def test_unavailable():
    b = written(sync(pdb(min_available=3)))
    pods = []
    for i in range(4):
        assert status_tuple(b) == (0, i, 3, i, {})
        pods.append(pod(f"yo-yo-yo {i}"))
        b = written(sync(b, pods)) or b
    assert status_tuple(b) == (1, 4, 3, 4, {})
    pods[0] = pod("yo-yo-yo 0", ready=False)
    b = written(sync(b, pods))
    assert status_tuple(b) == (0, 3, 3, 4, {})


# TestIntegerMaxUnavailable / TestNakedPod: no disruption for unmanaged pods.
@pytest.mark.parametrize("budget", [pdb(max_unavailable=1), pdb(min_available="28%")])
def test_naked_pod_allows_no_disruption(budget):
    r = sync(budget)
    assert written(r).status.disruptions_allowed == 0 and events(r) == ["NoPods"]
    r = sync(written(r), [pod("naked")])
    assert events(r) == ["UnmanagedPods"]
    assert (written(r) or budget).status.disruptions_allowed == 0
    ev = [a for a in r.actions if isinstance(a, RecordEvent)][0]
    assert ev.type == "Warning" and ev.message.startswith(
        "Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{foo: bar,},"
        "MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged.")


# TestIntegerMaxUnavailableWithScaling and TestPercentageMaxUnavailableWithScaling
@pytest.mark.parametrize("max_unavailable,scale,want", [
    (2, 7, (0, 1, 5, 7)), (2, 5, (0, 1, 3, 5)),
    ("30%", 7, (0, 1, 4, 7)), ("30%", 3, (0, 1, 2, 3)),
])
def test_max_unavailable_with_scaling(max_unavailable, scale, want):
    got = written(sync(pdb(max_unavailable=max_unavailable), [pod("pod", owner=RS)],
                       {"rs-uid": D.ControllerAndScale("rs-uid", scale)}))
    assert status_tuple(got) == (*want, {})


# TestUnsupportedControllerPod: an owner kind that serves no scale → failSafe.
def test_unsupported_controller_pod():
    r = sync(pdb(min_available="28%"), [pod("naked", owner=("apps.test.io/v1", "TestWorkload", "fake", "x"))],
             {"x": 'no matches for kind "TestWorkload" in version "apps.test.io/v1"'})
    assert events(r) == ["CalculateExpectedPodCountFailed"]
    got = written(r)
    assert got.status.disruptions_allowed == 0
    (c,) = got.status.conditions
    assert (c.type, c.status, c.reason, c.message) == (
        "DisruptionAllowed", "False", "SyncFailed", 'no matches for kind "TestWorkload" in version "apps.test.io/v1"')


# TestReplicaSet: a ReplicaSet's scale counts without a Deployment.
def test_replica_set():
    got = written(sync(pdb(min_available="20%"), [pod("pod", owner=RS)],
                       {"rs-uid": D.ControllerAndScale("rs-uid", 10)}))
    assert status_tuple(got) == (0, 1, 2, 10, {})


# TestScaleResource: any kind with a scale subresource.
def test_scale_resource():
    pods = [pod(f"pod-{i}", owner=("example.com/v1", "Custom", "c", "cr-uid")) for i in range(4)]
    got = written(sync(pdb(max_unavailable=5), pods, {"cr-uid": D.ControllerAndScale("cr-uid", 10)}))
    assert status_tuple(got) == (0, 4, 5, 10, {})


# TestMultipleControllers: one RC of scale 1 owning two ready pods, 1% → 1 allowed.
def test_multiple_controllers():
    pods = [pod(f"pod {i}") for i in range(2)]
    assert written(sync(pdb(min_available="1%"), pods)).status.disruptions_allowed == 0
    pods = [pod(f"pod {i}", owner=RC) for i in range(2)]
    got = written(sync(pdb(min_available="1%"), pods, {"rc-uid": D.ControllerAndScale("rc-uid", 1)}))
    assert got.status.disruptions_allowed == 1


# TestReplicationController / TestStatefulSetController: 34% of 3 rounds up to 2; a rogue unmanaged pod counts.
@pytest.mark.parametrize("owner", [RC, ("apps/v1", "StatefulSet", "foobar", "rc-uid")])
def test_replication_controller(owner):
    labels = {"foo": "bar", "baz": "quux"}
    scales = {"rc-uid": D.ControllerAndScale("rc-uid", 3)}
    b = written(sync(pdb(min_available="34%"), [], scales))
    assert status_tuple(b) == (0, 0, 0, 0, {})
    pods = []
    for i in range(3):
        pods.append(pod(f"foobar {i}", owner=owner, labels=labels))
        b = written(sync(b, pods, scales)) or b
        assert status_tuple(b) == ((0, i + 1, 2, 3, {}) if i < 2 else (1, 3, 2, 3, {}))
    b = written(sync(b, pods + [pod("rogue")], scales))
    assert b.status.disruptions_allowed == 2


# TestTwoControllers (its first half): pods of an RC of 11 at 28% → 4 wanted, unready ones not counted.
def test_two_controllers_first_controller():
    scales = {"rc-uid": D.ControllerAndScale("rc-uid", 11)}
    b = written(sync(pdb(min_available="28%"), [], scales))
    pods = []
    unavailable = 11 - 4 - 1
    for i in range(1, 12):
        pods.append(pod(f"quux {i}", owner=RC, ready=i > unavailable))
        b = written(sync(b, pods, scales)) or b
        if i <= unavailable:
            want = (0, 0, 4, 11, {})
        elif i - unavailable <= 4:
            want = (0, i - unavailable, 4, 11, {})
        else:
            want = (1, i - unavailable, 4, 11, {})
        assert status_tuple(b) == want


# TestUpdateDisruptedPods: entries of evicted pods that are gone, deleting, or
# older than DeletionTimeout leave the map (the expired one with NotDeleted);
# the rest keep their pods out of currentHealthy and schedule a recheck.
def test_update_disrupted_pods():
    old = NOW - 4 * 60_000
    budget = pdb(min_available=1, status=PodDisruptionBudgetStatus(
        disruptions_allowed=1, disrupted_pods=FrozenDict({"p1": NOW, "p2": NOW, "p3": NOW, "p4": old})))
    pods = [pod("p1", owner=RS, deleting=True), pod("p2", owner=RS), pod("p3", owner=RS), pod("p4", owner=RS)]
    r = sync(budget, pods, {"rs-uid": D.ControllerAndScale("rs-uid", 4)})
    got = written(r)
    assert status_tuple(got) == (0, 1, 1, 4, {"p2": NOW, "p3": NOW})
    assert events(r) == ["NotDeleted"]
    ev = r.actions[0]
    assert ev.involved.name == "p4" and ev.message == "Pod was expected by PDB default/default to be deleted but it wasn't"
    assert r.requeue_after == D.DELETION_TIMEOUT_MS


# TestKeepExistingPDBConditionDuringSync / updatePdbStatus: nothing written when up to date.
def test_no_write_when_up_to_date_and_condition_flips_with_allowed():
    pods = [pod("a"), pod("b")]
    b = written(sync(pdb(min_available=1), pods))
    (c,) = b.status.conditions
    assert (c.status, c.reason, c.observed_generation, c.last_transition_time) == ("True", "SufficientPods", 1, NOW)
    assert written(sync(b, pods, now=NOW + 5)) is None
    b2 = written(sync(b, [pod("a"), pod("b", ready=False)], now=NOW + 7))
    (c,) = b2.status.conditions
    assert (c.status, c.reason, c.last_transition_time) == ("False", "InsufficientPods", NOW + 7)


# A new generation is synced even when the numbers do not change.
def test_new_generation_is_observed():
    pods = [pod("a")]
    b = written(sync(pdb(min_available=1), pods))
    b = evolve(b, metadata=evolve(b.metadata, generation=2))
    got = written(sync(b, pods))
    assert got.status.observed_generation == 2 and got.status.conditions[0].observed_generation == 2


def test_neither_field_set_allows_nothing():
    got = written(sync(pdb(), [pod("a"), pod("b")]))
    assert status_tuple(got) == (0, 2, 0, 0, {})


# ---------------------------------------------------------------- finders (TestBasicFinderFunctions, TestDeploymentFinderFunction)


class View:
    def __init__(self, *objs):
        self.objs = {(o.KIND, o.metadata.namespace, o.metadata.name): o for o in objs}

    def get(self, kind, ns, name):
        return self.objs.get((kind, ns, name))


def _obj(doc, uid, owner=None):
    (o,) = kstate.parse_manifests(doc)
    refs = (OwnerReference(*owner, controller=True),) if owner else ()
    return evolve(o, metadata=evolve(o.metadata, uid=uid, owner_references=refs))


def _workload(kind, replicas, api="apps/v1"):
    spec = {"replicas": replicas, "selector": {"matchLabels": {"foo": "bar"}},
            "template": {"metadata": {"labels": {"foo": "bar"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}
    if kind == "ReplicationController":
        spec["selector"] = {"foo": "bar"}
    return {"apiVersion": api, "kind": kind, "metadata": {"name": "foobar"}, "spec": spec}


def ref(api, kind, uid):
    return OwnerReference(api, kind, "foobar", uid, controller=True)


def test_basic_finder_functions():
    rs = _obj(_workload("ReplicaSet", 10), "rs-uid")
    rc = _obj(_workload("ReplicationController", 12, "v1"), "rc-uid")
    v = View(rs, rc)
    assert D.find_controller(v, ref("apps/v1", "ReplicaSet", "rs-uid"), "default") == D.ControllerAndScale("rs-uid", 10)
    assert D.find_controller(v, ref("v1", "ReplicationController", "rc-uid"), "default") == \
        D.ControllerAndScale("rc-uid", 12)
    # a stale uid is no controller (the pod's owner was replaced)
    assert D.find_controller(v, ref("apps/v1", "ReplicaSet", "other"), "default") is None
    assert D.find_controller(v, ref("apps/v1", "DaemonSet", "x"), "default") == \
        "daemonsets.apps does not implement the scale subresource"
    assert D.find_controller(v, ref("batch/v1", "Job", "x"), "default") == \
        "jobs.batch does not implement the scale subresource"


def test_deployment_finder_function():
    d = _obj(_workload("Deployment", 10), "d-uid")
    rs = _obj(_workload("ReplicaSet", 5), "rs-uid", owner=("apps/v1", "Deployment", "foobar", "d-uid"))
    v = View(d, rs)
    assert D.find_controller(v, ref("apps/v1", "ReplicaSet", "rs-uid"), "default") == D.ControllerAndScale("d-uid", 10)
    # the RS's Deployment is gone: the ReplicaSet finder skips an RS a Deployment controls, the scale finder does not
    v = View(rs)
    assert D.find_controller(v, ref("apps/v1", "ReplicaSet", "rs-uid"), "default") == D.ControllerAndScale("rs-uid", 5)


# ---------------------------------------------------------------- stale DisruptionTarget (TestStalePodDisruption)


@pytest.mark.parametrize("reason,deleting,phase,want_stale", [
    ("EvictionByEvictionAPI", False, "Running", True),
    ("TerminationByKubelet", False, "Running", False),      # the kubelet's condition is never stale
    ("EvictionByEvictionAPI", True, "Running", False),      # being deleted
    ("EvictionByEvictionAPI", False, "Failed", False),      # terminal
])
def test_stale_pod_disruption(reason, deleting, phase, want_stale):
    p = pod("p", deleting=deleting)
    p = evolve(p, status=evolve(p.status, phase=phase, conditions=p.status.conditions + (
        Condition("DisruptionTarget", "True", reason, last_transition_time=NOW),)))
    r = D.reconcile_stale(p, NOW + 60_000)
    if not want_stale:
        assert r.actions == () and r.requeue_after is None
        return
    assert r.actions == () and r.requeue_after == 60_000
    r = D.reconcile_stale(p, NOW + 120_000)
    (a,) = r.actions
    cond = [c for c in a.obj.status.conditions if c.type == "DisruptionTarget"][0]
    assert (cond.status, cond.reason, cond.last_transition_time) == ("False", "", NOW + 120_000)


# ---------------------------------------------------------------- preemption's filterPodsWithPDBViolation


def _with_allowed(b, n, disrupted=()):
    return evolve(b, status=PodDisruptionBudgetStatus(disruptions_allowed=n,
                                                      disrupted_pods=FrozenDict({d: NOW for d in disrupted})))


def test_filter_pods_with_pdb_violation():
    # pkg/scheduler/framework/preemption preemption_test.go / default_preemption_test.go cases
    a, b, c = pod("a"), pod("b"), pod("c", labels={"app": "other"})
    budget = _with_allowed(pdb(min_available=1), 1)
    assert D.filter_pods_with_pdb_violation([a, b, c], [budget]) == ([b], [a, c])
    assert D.pdb_violating_pods([a, b, c], [budget]) == {"uid-b"}
    # a pod already in disruptedPods spends nothing
    assert D.filter_pods_with_pdb_violation([a, b], [_with_allowed(pdb(min_available=1), 1, ["a"])]) == ([], [a, b])
    # an empty selector matches nothing here (unlike the controller and the eviction API)
    assert D.filter_pods_with_pdb_violation([a], [_with_allowed(pdb(min_available=1, selector={}), 0)]) == ([], [a])
    # a budget of another namespace does not count
    other = _with_allowed(pdb(min_available=1), 0)
    other = evolve(other, metadata=evolve(other.metadata, namespace="kube-system"))
    assert D.filter_pods_with_pdb_violation([a], [other]) == ([], [a])
    # two budgets: violating one is enough
    assert D.pdb_violating_pods([a], [_with_allowed(pdb(min_available=1), 5), _with_allowed(
        pdb(min_available=1, selector={"matchLabels": {"foo": "bar"}}), 0)]) == {"uid-a"}

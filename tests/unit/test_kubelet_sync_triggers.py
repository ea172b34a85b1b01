"""What makes the kubelet sync a pod, and how it keeps going by itself.

The real kubelet does not sync a pod because its status changed: its pod
config source compares the new pod with the one it has
(pkg/kubelet/config/config.go podsDifferSemantically: spec, labels,
annotations, deletionTimestamp, deletionGracePeriodSeconds) and calls a
status-only change a RECONCILE (checkAndUpdatePod), which
pkg/kubelet/kubelet.go HandlePodReconcile syncs only when
status.NeedToReconcilePodReadiness(pod). The pod worker goes on by itself
(pod_workers.go completeWork: at once after a phase transition). kstate's
`watch_pods` follows that rule, and the kubelet's reconcile asks to be
requeued for what its own write leaves to do (`kubelet.next_look`).
"""
import attrs
import pytest

import kstate
from kstate.controllers import kubelet as kl
from kstate.controllers.actions import Delete, RecordEvent, Result, SetMemory, UpdateStatus
from kstate.resources.frozen import freeze
from kstate.resources.meta import Condition, get_condition, set_condition
from kstate.resources.pod import is_pod_ready

KEY = ("default", "p")


def _doc(name="p", annotations=None, policy="Always", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"restartPolicy": policy, "containers": [{"name": "app", "image": "nginx"}], **spec}}


def _bound(annotations=None, policy="Always", **spec):
    """A cluster whose kubelet is stopped, with pod p bound (Scheduled) to node-0."""
    c = kstate.Cluster(nodes=1, seed=0)
    c.stop_controller(kl.NAME)
    c.apply(_doc(annotations=annotations, policy=policy, **spec))
    c.advance("0s")
    assert c.get("Pod", "p").status.state == "Scheduled"
    return c


def _step(c, at=None):
    """The kubelet's reconcile of p at `at` (default: now), applied; returns its Result."""
    eng = c.engine
    if at is not None:
        eng.now = at
    r = kl.reconcile_kubelet(kl.observe_kubelet(eng, KEY), eng.now)
    eng.apply_result(r)
    return r


def _kinds(r: Result) -> list:
    return [(type(a).__name__, getattr(a, "trigger", None) or getattr(a, "reason", None)) for a in r.actions]


# -- the steps that now ask to be requeued


def test_admit_requeues_at_the_container_start():
    c = _bound()
    t0 = c.engine.now
    r = _step(c)
    assert _kinds(r) == [("UpdateStatus", "create_containers")]
    (write,) = r.actions
    assert write.obj.status.state == "ContainerCreating"
    assert [s.state.reason for s in write.obj.status.container_statuses] == ["ContainerCreating"]
    # the default profile starts containers 1 s after ContainerCreating: that pass is the next one
    assert r.requeue_after == 1000
    assert c.get("Pod", "p").status.state_since == t0


def test_start_running_and_ready_asks_for_nothing_more():
    c = _bound()
    t0 = c.engine.now
    _step(c)
    r = _step(c, t0 + 1000)
    assert _kinds(r) == [("UpdateStatus", "start"), ("RecordEvent", "Pulling"), ("RecordEvent", "Pulled"),
                         ("RecordEvent", "Created"), ("RecordEvent", "Started"), ("SetMemory", None)]
    assert is_pod_ready(r.actions[0].obj) and r.actions[0].obj.status.state == "Running"
    assert r.requeue_after is None
    # and indeed: the next look would find nothing
    assert kl.reconcile_kubelet(kl.observe_kubelet(c.engine, KEY), c.engine.now) == kstate.controllers.NOTHING


def test_start_requeues_at_the_exit_a_rule_makes_due():
    c = _bound(annotations={"kstate.io/exit-after": "10s", "kstate.io/exit-code": "3"}, policy="Never")
    t0 = c.engine.now
    _step(c)
    r = _step(c, t0 + 1000)
    assert _kinds(r)[0] == ("UpdateStatus", "start")
    assert r.requeue_after == 10_000
    r = _step(c, t0 + 11_000)
    assert _kinds(r) == [("UpdateStatus", "exit")]
    # restartPolicy Never: the pod fails at once (restart_or_finish) — a step due now
    assert r.requeue_after == 0
    r = _step(c)
    assert _kinds(r) == [("UpdateStatus", "fail")]
    assert r.requeue_after is None
    assert c.get("Pod", "p").status.phase == "Failed"


def test_an_exit_with_restart_policy_always_restarts_at_once_then_backs_off():
    c = _bound(annotations={"kstate.io/exit-after": "5s", "kstate.io/exit-code": "1"})
    t0 = c.engine.now
    _step(c)
    _step(c, t0 + 1000)
    r = _step(c, t0 + 6000)
    assert _kinds(r) == [("UpdateStatus", "exit")] and r.requeue_after == 0
    r = _step(c)
    assert _kinds(r) == [("SetMemory", None), ("UpdateStatus", "restart"), ("RecordEvent", "Pulling"),
                         ("RecordEvent", "Pulled"), ("RecordEvent", "Created"), ("RecordEvent", "Started")]
    assert r.requeue_after == 5000          # the next exit, 5 s after this start
    r = _step(c, t0 + 11_000)
    assert _kinds(r) == [("UpdateStatus", "exit")] and r.requeue_after == 0
    r = _step(c)
    # in back-off (10 s from the first restart's entry): CrashLoopBackOff until then
    assert _kinds(r) == [("UpdateStatus", "back_off"), ("RecordEvent", "BackOff")]
    assert r.requeue_after == 10_000


def test_the_last_write_of_a_deleted_pod_requeues_for_the_delete():
    c = _bound()
    t0 = c.engine.now
    _step(c)
    _step(c, t0 + 1000)
    c.engine.delete("Pod", "default", "p", 2)       # the app stops on SIGTERM at once (default profile)
    r = _step(c)
    assert _kinds(r) == [("UpdateStatus", "succeed"), ("RecordEvent", "Killing")]
    assert r.requeue_after == 0
    r = _step(c)
    assert [type(a) for a in r.actions] == [Delete] and r.requeue_after is None
    assert c.engine.get("Pod", "default", "p") is None


def test_a_failed_mount_keeps_its_back_off_requeue():
    c = _bound(volumes=[{"name": "cfg", "configMap": {"name": "missing"}}])
    r = _step(c)
    assert _kinds(r) == [("UpdateStatus", "create_containers"), ("SetMemory", None), ("RecordEvent", "FailedMount")]
    assert r.requeue_after == kl.INITIAL_MOUNT_BACKOFF_MS


def test_next_look_replaces_the_requeue_by_what_the_written_pod_needs():
    """A step that asked for a later requeue but whose write leaves a step
    due now is requeued at once; one whose write leaves nothing, not at all."""
    c = _bound()
    obs = kl.observe_kubelet(c.engine, KEY)
    admit = kl.admit_pod(obs, c.engine.now)
    assert kl.next_look(obs, Result(admit.actions, requeue_after=50), c.engine.now).requeue_after == 1000
    assert kl.next_look(obs, Result(admit.actions, requeue_after=0), c.engine.now).requeue_after == 0
    # no write of the pod: nothing of its own to look at again
    event = Result((RecordEvent(kstate.controllers.actions.ref_of(obs.pod), "X", "y"),), requeue_after=70)
    assert kl.next_look(obs, event, c.engine.now) is event


def test_observed_after_carries_the_memory_the_result_sets():
    c = _bound()
    obs = kl.observe_kubelet(c.engine, KEY)
    new = attrs.evolve(obs.pod, status=attrs.evolve(obs.pod.status, state="ContainerCreating"))
    r = Result((UpdateStatus(new, "create_containers"),
                SetMemory(kl.NAME, obs.pod.metadata.uid, freeze({kl.PULL_KEY: 5})),
                SetMemory(kl.NAME, (kl.IMAGES_KEY, "node-0"), frozenset({"nginx"}))))
    after = kl.observed_after(obs, r)
    assert after.pod is new and after.backoff == {kl.PULL_KEY: 5} and after.images == frozenset({"nginx"})
    forget = Result((UpdateStatus(new), SetMemory(kl.NAME, obs.pod.metadata.uid, None)))
    assert kl.observed_after(obs, forget).backoff == {}
    gone = Result((UpdateStatus(new), Delete("Pod", "default", "p", obs.pod.metadata.uid, 0)))
    assert kl.observed_after(obs, gone) is None


# -- the watch: semantic changes and readiness only


def _running_ready():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_doc())
    c.advance("5s")
    p = c.get("Pod", "p")
    assert is_pod_ready(p)
    return c, p


def _with_conditions(p, conds):
    return attrs.evolve(p, status=attrs.evolve(p.status, conditions=conds))


def test_a_status_only_change_by_another_writer_does_not_sync():
    c, p = _running_ready()
    # taint eviction's (or PodGC's, or preemption's) DisruptionTarget condition
    marked = _with_conditions(p, set_condition(p.status.conditions, Condition(
        "DisruptionTarget", "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint"), 1))
    assert kl.watch_pods(p, marked, c.engine) == ()
    # the disruption controller clearing it again
    cleared = _with_conditions(marked, set_condition(marked.status.conditions,
                                                     Condition("DisruptionTarget", "False"), 2))
    assert kl.watch_pods(marked, cleared, c.engine) == ()


def test_the_kubelets_own_status_writes_do_not_sync():
    c = _bound()
    before = c.get("Pod", "p")
    _step(c)
    after = c.get("Pod", "p")
    assert after.status.state == "ContainerCreating"
    assert kl.watch_pods(before, after, c.engine) == ()
    assert not c.engine.in_workqueue(kl.NAME, KEY)


def test_a_readiness_disagreement_syncs():
    """The node lifecycle controller's MarkPodsNotReady: Ready=False while
    every container is ready — the status manager puts it back."""
    c, p = _running_ready()
    not_ready = _with_conditions(p, set_condition(p.status.conditions, Condition("Ready", "False"), 1))
    assert kl.need_to_reconcile_pod_readiness(not_ready)
    assert kl.watch_pods(p, not_ready, c.engine) == (KEY,)
    # and a Ready the kubelet agrees with needs nothing
    assert not kl.need_to_reconcile_pod_readiness(p)


def test_the_readiness_answer_is_remembered_only_for_its_two_tuples():
    """need_to_reconcile_pod_readiness remembers the last (conditions,
    container statuses) pair of a plain pod whose Ready agreed: a pod with
    the same conditions tuple but a container not ready disagrees, and so
    does one with the same tuples but an init sidecar that is not ready."""
    c, p = _running_ready()
    assert not kl.need_to_reconcile_pod_readiness(p)           # remembered
    sts = p.status.container_statuses
    unready = attrs.evolve(p, status=attrs.evolve(p.status, container_statuses=tuple(
        attrs.evolve(s, ready=False) for s in sts)))
    assert unready.status.conditions is p.status.conditions
    assert kl.need_to_reconcile_pod_readiness(unready)
    sidecar = attrs.evolve(sts[0], name="side")
    with_init = attrs.evolve(p, spec=attrs.evolve(p.spec, init_containers=(attrs.evolve(
        p.spec.containers[0], name="side", restart_policy="Always"),)),
        status=attrs.evolve(p.status, init_container_statuses=(attrs.evolve(sidecar, ready=False),)))
    assert with_init.status.conditions is p.status.conditions
    assert with_init.status.container_statuses is sts
    assert kl.need_to_reconcile_pod_readiness(with_init)


@pytest.mark.parametrize("change", [
    lambda p: attrs.evolve(p, metadata=attrs.evolve(p.metadata, labels=freeze({"app": "web"}))),
    lambda p: attrs.evolve(p, metadata=attrs.evolve(p.metadata, annotations=freeze({"kstate.io/exit-after": "1s"}))),
    lambda p: attrs.evolve(p, metadata=attrs.evolve(p.metadata, deletion_timestamp=5000,
                                                    deletion_grace_period_seconds=30)),
    lambda p: attrs.evolve(p, metadata=attrs.evolve(p.metadata, deletion_grace_period_seconds=0)),
    lambda p: attrs.evolve(p, spec=attrs.evolve(p.spec, termination_grace_period_seconds=5)),
], ids=["labels", "annotations", "deletion", "grace-period", "spec"])
def test_a_semantic_change_syncs(change):
    c, p = _running_ready()
    new = change(p)
    assert kl.pods_differ_semantically(p, new)
    assert kl.watch_pods(p, new, c.engine) == (KEY,)


def test_a_bind_and_an_add_sync_an_unbound_pod_does_not():
    c = kstate.Cluster(nodes=1, seed=0)
    c.stop_controller(kl.NAME)
    c.stop_controller("default-scheduler")
    c.apply(_doc())
    c.advance("0s")
    unbound = c.get("Pod", "p")
    assert kl.watch_pods(None, unbound, c.engine) == ()
    bound = attrs.evolve(unbound, spec=attrs.evolve(unbound.spec, node_name="node-0"))
    assert kl.watch_pods(unbound, bound, c.engine) == (KEY,)       # spec.nodeName set
    assert kl.watch_pods(None, bound, c.engine) == (KEY,)          # created bound, or a kubelet's (re)start


def test_readiness_gates_need_reconciling_when_the_gate_condition_changes():
    """status_manager.go NeedToReconcilePodReadiness: with readiness gates,
    Ready is reconciled when its status or message differs from the one
    generated from the containers and the gates; the sync rewrites it."""
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_doc(readinessGates=[{"conditionType": "example.com/lb"}]))
    c.advance("5s")
    p = c.get("Pod", "p")
    ready = get_condition(p.status.conditions, "Ready")
    assert (ready.status, ready.reason) == ("False", "ReadinessGatesNotReady")
    assert not kl.need_to_reconcile_pod_readiness(p)
    # an outside controller (a load balancer's) sets the gate's condition
    c.engine.apply_action(UpdateStatus(_with_conditions(p, set_condition(
        p.status.conditions, Condition("example.com/lb", "True"), c.engine.now))))
    gated = c.get("Pod", "p")
    assert kl.need_to_reconcile_pod_readiness(gated)
    assert c.engine.in_workqueue(kl.NAME, KEY)
    c.advance("0s")
    assert is_pod_ready(c.get("Pod", "p"))


# -- every other writer of pod status


def test_outside_status_writers_wake_the_kubelet_only_when_it_matters():
    c, p = _running_ready()
    eng = c.engine
    # the disruption controller's / PodGC's / preemption's condition: no sync
    eng.apply_action(UpdateStatus(_with_conditions(p, set_condition(
        p.status.conditions, Condition("DisruptionTarget", "True", "PreemptionByScheduler", "x"), eng.now))))
    assert not eng.in_workqueue(kl.NAME, KEY)
    # the node lifecycle controller marking it NotReady: a sync, which puts Ready back
    p = c.get("Pod", "p")
    eng.apply_action(UpdateStatus(_with_conditions(p, set_condition(p.status.conditions,
                                                                    Condition("Ready", "False"), eng.now))))
    assert eng.in_workqueue(kl.NAME, KEY)
    c.advance("0s")
    assert is_pod_ready(c.get("Pod", "p"))
    # a container exit (the runtime's PLEG event): crash_container wakes it, and it restarts the container
    c.crash_container("p", exit_code=1)
    assert eng.in_workqueue(kl.NAME, KEY)
    c.advance("0s")
    st = c.get("Pod", "p").status
    assert st.state == "Running" and st.container_statuses[0].restart_count == 1


def test_a_bare_pod_costs_the_kubelet_two_reconciles():
    """admit (→ ContainerCreating, requeue at the start) and start (→ Running
    and Ready, nothing left): the looks its own writes used to cause are gone."""
    calls = []
    reg = dict(kstate.controllers.CONTROLLERS)
    real = reg[kl.NAME].reconcile

    def counting(obs, now):
        calls.append((obs.pod.metadata.name if obs.pod is not None else None, now))
        return real(obs, now)
    reg[kl.NAME] = reg[kl.NAME]._replace(reconcile=counting)
    c = kstate.Cluster(nodes=2, seed=0, controllers=reg)
    t0 = c.engine.now
    for name in ("a", "b", "c"):
        c.apply(_doc(name))
    c.advance("10s")
    assert all(is_pod_ready(c.get("Pod", n)) for n in ("a", "b", "c"))
    assert sorted(calls) == [(n, t) for n in ("a", "b", "c") for t in (t0, t0 + 1000)]


def test_next_look_sees_what_a_fresh_look_after_the_write_sees(monkeypatch):
    """In every scenario, each kubelet write's next look (taken on
    `observed_after`, before the engine applies the result) decides what a
    look at the stored state right after the write decides — an action now,
    or the same requeue — so no field of the observation is missed (the
    engine's own additions, e.g. the pod IP, are not read by the decision)."""
    import pathlib
    from kstate.engine.core import Engine
    from kstate.io.scenario import load_scenario, run_scenario
    from kstate.registry import REGISTRY

    spec = REGISTRY.controllers[kl.NAME]
    pending: dict = {}

    def reconcile(obs, now):
        r = spec.reconcile(obs, now)
        if r.actions:
            pending[id(r)] = (r, obs, now)
        return r

    real = Engine.apply_result
    checked = []

    def apply_result(self, result):
        real(self, result)
        item = pending.pop(id(result), None)
        if item is None or item[0] is not result:
            return
        r, obs, now = item
        after = kl.observed_after(obs, r)
        if after is None or after.pod.status.state == "Scheduled":
            return
        key = (obs.pod.metadata.namespace, obs.pod.metadata.name)
        fresh = kl._sync(kl.observe_kubelet(self, key), now)
        predicted = kl._sync(after, now)
        assert (bool(fresh.actions), fresh.requeue_after) == (bool(predicted.actions), predicted.requeue_after), \
            (key, now, fresh, predicted)
        checked.append(key)

    monkeypatch.setitem(REGISTRY.controllers, kl.NAME, spec._replace(reconcile=reconcile))
    monkeypatch.setattr(Engine, "apply_result", apply_result)
    root = pathlib.Path(__file__).resolve().parents[2] / "specs" / "scenarios"
    for path in sorted(root.rglob("*.yaml")):
        run_scenario(load_scenario(path))
    assert len(checked) > 500, len(checked)

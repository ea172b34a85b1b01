"""Nominated pods reserve their node: the room a preemption freed goes to
the preemptor, not to a pod of lower priority that is scheduled first.

Sources (1.35): pkg/scheduler/framework/runtime/framework.go
(RunFilterPluginsWithNominatedPods, addGENominatedPods: pods nominated to
the node with a priority at least the incoming pod's count as running
there), pkg/scheduler/schedule_one.go (findNodesThatFitPod →
evaluateNominatedNode: a nominated pod tries that node first),
pkg/scheduler/backend/queue (the nominator)."""
import kstate
from kstate.controllers import scheduler as sched
from kstate.controllers.actions import RecordEvent, SetMemory, UpdateStatus


def _pc(name, value):
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value}


def _pod(name, cls=None, cpu="3", **meta):
    spec = {"containers": [{"name": "a", "image": "x", "resources": {"requests": {"cpu": cpu}}}],
            "terminationGracePeriodSeconds": 30}
    if cls:
        spec["priorityClassName"] = cls
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta}, "spec": spec}


def _preempted_cluster():
    """node-0 (4 cpu) runs `low` (3 cpu, priority 0); `high` (3 cpu, 1000)
    preempts it and is nominated to node-0. The scheduler is then stopped,
    so `high` is not bound again before `low` is gone."""
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply([_pc("high", 1000), _pc("mid", 500)])
    c.apply(_pod("low", annotations={"kstate.io/stop-after": "10s"}))
    c.advance("1s")
    c.apply(_pod("high", "high"))
    c.advance("0s")
    c.stop_controller(sched.NAME)
    assert c.get("Pod", "high").status.nominated_node_name == "node-0"
    assert c.get("Pod", "high").spec.node_name == ""
    c.advance("11s")                                     # the victim is gone
    assert [p.metadata.name for p in c.list("Pod")] == ["high"]
    return c


def test_a_lower_priority_pod_does_not_take_the_room_reserved_for_the_preemptor():
    c = _preempted_cluster()
    c.apply(_pod("other", cpu="2"))
    obs = sched.observe_scheduler(c.engine, ("default", "other"))
    assert set(obs.nominated) == {"node-0"}
    result = sched.reconcile_scheduler(obs, c.engine.now)
    status, event, park = result.actions
    assert type(status) is UpdateStatus and type(event) is RecordEvent and type(park) is SetMemory
    msg = ("0/1 nodes are available: 1 Insufficient cpu. "
           "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
    cond = next(x for x in status.obj.status.conditions if x.type == "PodScheduled")
    assert (cond.status, cond.reason, cond.message) == ("False", "Unschedulable", msg)
    assert (event.reason, event.message) == ("FailedScheduling", msg)
    assert park == SetMemory(sched.NAME, ("unschedulable", "default", "other"),
                             (0, c.get("Pod", "other").metadata.creation_timestamp, False))
    # the scheduler comes back: the preemptor gets its node, the other pod waits
    c.start_controller(sched.NAME)
    c.advance("1s")
    assert c.get("Pod", "high").spec.node_name == "node-0"
    assert c.get("Pod", "other").spec.node_name == ""


def test_the_preemptor_evaluates_its_nominated_node_first_and_binds_there():
    c = _preempted_cluster()                   # the scheduler is down: its reconcile runs by hand
    obs = sched.observe_scheduler(c.engine, ("default", "high"))
    result = sched.reconcile_scheduler(obs, c.engine.now)
    mem, bind, event = result.actions
    assert mem == SetMemory(sched.NAME, "next_start", obs.next_start % 1)   # the window did not move
    assert bind.node_name == "node-0"
    assert event.message == "Successfully assigned default/high to node-0"


def test_a_pod_of_equal_or_higher_priority_is_not_held_back_by_the_reservation():
    c = _preempted_cluster()
    c.apply(_pod("peer", "high", cpu="3"))              # the same priority: the nominated pod counts
    obs = sched.observe_scheduler(c.engine, ("default", "peer"))
    result = sched.reconcile_scheduler(obs, c.engine.now)
    assert [type(a).__name__ for a in result.actions][:2] == ["UpdateStatus", "RecordEvent"]
    c.apply([_pc("top", 2000), _pod("top", "top", cpu="3")])   # higher: the reservation does not count
    obs = sched.observe_scheduler(c.engine, ("default", "top"))
    result = sched.reconcile_scheduler(obs, c.engine.now)
    assert [type(a).__name__ for a in result.actions] == ["SetMemory", "Bind", "RecordEvent"]


def test_deleting_the_nominated_pod_frees_the_room_for_the_waiting_pod():
    c = _preempted_cluster()
    c.apply(_pod("other", cpu="2"))
    c.start_controller(sched.NAME)
    c.delete("Pod", "high")                       # before the scheduler binds it
    c.advance("1s")
    assert c.get("Pod", "other").spec.node_name == "node-0"
    assert c.engine.index(sched.NOMINATED_PODS) == {"by_node": {}, "by_pod": {}}


def test_without_a_stop_the_preemptor_wins_and_the_run_is_clean():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply([_pc("high", 1000)])
    c.apply(_pod("low", annotations={"kstate.io/stop-after": "10s"}))
    c.advance("1s")
    c.apply(_pod("high", "high"))
    c.advance("2s")
    c.apply(_pod("other", cpu="1"))                     # fits beside the preemptor's reservation
    c.apply(_pod("other2", cpu="2"))                    # would fit in the freed room: must wait
    c.advance("20s")
    assert c.get("Pod", "high").spec.node_name == "node-0"
    assert c.get("Pod", "other2").spec.node_name == ""
    assert c.violations() == []


def test_snapshot_keeps_the_nominator():
    c = _preempted_cluster()
    d = kstate.Cluster.restore(c.snapshot())
    assert c.engine.index(sched.NOMINATED_PODS)["by_pod"] == {("default", "high"): "node-0"}
    assert d.engine.index(sched.NOMINATED_PODS) == c.engine.index(sched.NOMINATED_PODS)

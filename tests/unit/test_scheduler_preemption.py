"""DefaultPreemption end to end, scheduling gates and the queue order.

Sources (1.35): pkg/scheduler/framework/plugins/defaultpreemption
(PostFilter, SelectVictimsOnNode, PodEligibleToPreemptOthers),
pkg/scheduler/framework/preemption/preemption.go (Preempt, prepareCandidate:
DisruptionTarget reason PreemptionByScheduler, then delete; the "Preempted"
event), pkg/scheduler/backend/queue (priority_sort.go Less).
"""
import kstate
from kstate.controllers import scheduler as sched


def _pod(name, prio=None, cpu="3", **spec):
    """A pod; with `prio` (and `preemptionPolicy`), also the PriorityClass it
    names — the Priority admission plugin refuses a bare spec.priority."""
    policy = spec.pop("preemptionPolicy", None)
    s = {"containers": [{"name": "a", "image": "x", "resources": {"requests": {"cpu": cpu}}}], **spec}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": s}
    if prio is None or (prio == 0 and policy is None):
        return pod
    cls = f"prio-{prio}" + (f"-{policy.lower()}" if policy else "")
    s["priorityClassName"] = cls
    pc = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": cls}, "value": prio}
    if policy:
        pc["preemptionPolicy"] = policy
    return [pc, pod]


def test_higher_priority_pod_preempts_a_lower_one():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_pod("low", 0))
    c.advance("5s")
    n = len(c.trace())
    c.apply(_pod("high", 1000))
    c.advance("0s")
    lines = [line for line in c.trace()[n:] if " PriorityClass " not in line]
    assert lines[:5] == [
        "5000 create Pod default/high",
        "5000 status Pod default/high PodScheduled=False",
        "5000 status Pod default/low DisruptionTarget=True",
        "5000 delete Pod default/low Running->Terminating (delete) grace=30s",
        "5000 status Pod default/low Terminating->Succeeded (succeed)",
    ]
    high = c.get("Pod", "high")
    assert high.status.nominated_node_name == "node-0"
    assert high.spec.node_name == "node-0"          # bound once the victim's requests are gone
    (failed,) = [e for e in c.events("Pod", "high") if e.reason == "FailedScheduling"]
    # PostFilter succeeded: no preemption part in the message
    assert failed.message == "0/1 nodes are available: 1 Insufficient cpu."
    assert c.violations() == []


def test_victim_gets_disruption_target_and_preempted_event():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_pod("low", 0, terminationGracePeriodSeconds=30))
    c.advance("5s")
    obs = sched.observe_scheduler(c.engine, ("default", "low"))
    assert obs.pod is None                            # bound: not the scheduler's
    c.apply(_pod("high", 1000))
    obs = sched.observe_scheduler(c.engine, ("default", "high"))
    result = sched.reconcile_scheduler(obs, c.engine.now)
    kinds = [type(a).__name__ for a in result.actions]
    assert kinds == ["UpdateStatus", "UpdateStatus", "Delete", "RecordEvent", "RecordEvent", "SetMemory"]
    nominate, victim, delete, preempted, failed, _ = result.actions
    assert nominate.obj.status.nominated_node_name == "node-0"
    cond = next(x for x in victim.obj.status.conditions if x.type == "DisruptionTarget")
    assert (cond.status, cond.reason, cond.message) == (
        "True", "PreemptionByScheduler", "default-scheduler: preempting to accommodate a higher priority pod")
    assert (delete.kind, delete.name, delete.grace_period_seconds) == ("Pod", "low", None)   # graceful
    high = c.get("Pod", "high")
    assert (preempted.reason, preempted.message) == (
        "Preempted", f"Preempted by pod {high.metadata.uid} on node node-0")
    assert preempted.involved.name == "low"


def test_equal_priority_is_not_preempted_and_message_says_so():
    c = kstate.Cluster(nodes=2, seed=0)
    c.apply(_pod("a", 0))
    c.apply(_pod("b", 0))
    c.apply(_pod("c", 0))
    c.advance("1s")
    msg = next(x for x in c.get("Pod", "c").status.conditions if x.type == "PodScheduled").message
    assert msg == ("0/2 nodes are available: 2 Insufficient cpu. "
                   "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")


def test_preemption_policy_never():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_pod("low", 0))
    c.advance("1s")
    c.apply(_pod("high", 1000, preemptionPolicy="Never"))
    c.advance("1s")
    assert c.get("Pod", "low").metadata.deletion_timestamp is None
    msg = next(x for x in c.get("Pod", "high").status.conditions if x.type == "PodScheduled").message
    assert msg == "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."


def test_preemption_not_helpful_when_unresolvable():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_pod("low", 0, cpu="100m"))
    c.advance("1s")
    c.apply(_pod("high", 1000, cpu="100m", nodeSelector={"disk": "ssd"}))
    c.advance("1s")
    msg = next(x for x in c.get("Pod", "high").status.conditions if x.type == "PodScheduled").message
    assert msg == ("0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
                   "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")


def test_preemption_only_evicts_lower_priority_and_keeps_the_most_important():
    c = kstate.Cluster(nodes=0, seed=0)
    c.add_node("n", cpu="4")
    c.apply(_pod("p0", 0, cpu="1"))
    c.apply(_pod("p5", 5, cpu="1"))
    c.apply(_pod("p2000", 2000, cpu="1"))
    c.advance("1s")
    c.apply(_pod("high", 1000, cpu="2"))
    c.advance("1s")
    names = {p.metadata.name for p in c.list("Pod")}
    assert names == {"p5", "p2000", "high"}            # one victim is enough: the least important one
    assert c.get("Pod", "high").spec.node_name == "n"


def test_scheduling_gates_hold_the_pod_until_removed():
    c = kstate.Cluster(nodes=1, seed=0)
    doc = _pod("g", cpu="100m", schedulingGates=[{"name": "example.com/wait"}])
    c.apply(doc)
    c.advance("1s")
    p = c.get("Pod", "g")
    assert p.spec.node_name == ""
    cond = next(x for x in p.status.conditions if x.type == "PodScheduled")
    assert (cond.status, cond.reason, cond.message) == (
        "False", "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates")
    assert not [e for e in c.events("Pod", "g") if e.reason == "FailedScheduling"]
    doc["spec"]["schedulingGates"] = []
    c.apply(doc)
    c.advance("1s")
    assert c.get("Pod", "g").spec.node_name == "node-0"


def test_unschedulable_pods_are_retried_by_priority_then_time():
    """queuesort PrioritySort: when capacity frees up, the higher-priority
    pending pod goes first even though it was created later."""
    c = kstate.Cluster(nodes=0, seed=0)
    c.add_node("n", cpu="4")
    c.apply(_pod("blocker", 100, cpu="4"))
    c.advance("1s")
    c.apply(_pod("early-low", 0, cpu="3", preemptionPolicy="Never"))
    c.advance("1s")
    c.apply(_pod("late-high", 50, cpu="3", preemptionPolicy="Never"))
    c.advance("1s")
    c.delete("Pod", "blocker", grace_period=0)
    c.advance("1s")
    assert c.get("Pod", "late-high").spec.node_name == "n"
    assert c.get("Pod", "early-low").spec.node_name == ""


def test_pod_waiting_for_affinity_is_retried_when_a_matching_pod_binds():
    """interpodaffinity's queueing hint: a pod added that matches a pending
    pod's required affinity moves it back to the active queue."""
    c = kstate.Cluster(nodes=2, seed=0)
    web = _pod("web", cpu="100m", affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}})
    c.apply(web)
    c.advance("1s")
    assert c.get("Pod", "web").spec.node_name == ""
    msg = next(x.message for x in c.get("Pod", "web").status.conditions if x.type == "PodScheduled")
    assert msg == ("0/2 nodes are available: 2 node(s) didn't match pod affinity rules. "
                   "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
    c.apply(_pod("db", cpu="100m"))
    c.advance("1s")
    assert c.get("Pod", "web").spec.node_name == c.get("Pod", "db").spec.node_name != ""

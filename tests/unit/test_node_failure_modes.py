"""Node failure modes: a partition (containers keep running) and a crash
(containers are gone; restarted when the node comes back), and PodGC's
force-deletion of terminating pods on an out-of-service node.

Sources (1.35): pkg/controller/podgc/gc_controller.go gcTerminating
(!IsNodeReady && TaintKeyExists(out-of-service), markFailedAndDeletePod,
grace 0), pkg/kubelet/kuberuntime/kuberuntime_manager.go computePodActions
(SandboxChanged "Pod sandbox changed, it will be killed and re-created."),
pkg/controller/nodelifecycle: --node-monitor-grace-period 50 s
(kubernetes PR #126287, 1.32+).
"""
import attrs
import pytest

import kstate
from kstate.controllers import kubelet as kl
from kstate.controllers import nodelifecycle as nl
from kstate.controllers.actions import Delete, UpdateStatus
from kstate.resources.node import Taint

S = 1000


def _pods(c, n, **spec):
    for i in range(n):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                 "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], "nodeName": "node-0", **spec}})


def _app(c, name="p0"):
    return c.get("Pod", name).status.container_statuses[0]


def test_node_monitor_grace_period_is_50s_at_1_35():
    assert kstate.KUBERNETES_VERSION == "1.35" and nl.NODE_MONITOR_GRACE_MS == 50 * S


def test_fail_node_mode_is_checked():
    c = kstate.Cluster(nodes=1)
    with pytest.raises(kstate.SpecError) as e:
        c.fail_node("node-0", mode="reboot")
    assert e.value.path == "mode"
    assert c.get("Node", "node-0").status.state == "Ready"


def test_partition_keeps_the_containers():
    c = kstate.Cluster(nodes=1)
    _pods(c, 1)
    c.advance("5s")
    started = _app(c).state.started_at
    c.fail_node("node-0")                 # mode="partition", the default
    c.advance("2m")
    c.recover_node("node-0")
    c.advance("5s")
    st = _app(c)
    assert (st.state.kind, st.state.started_at, st.restart_count) == ("running", started, 0)


def test_crash_loses_the_containers_and_they_restart_when_the_node_returns():
    c = kstate.Cluster(nodes=1)
    _pods(c, 2)
    c.advance("5s")
    c.fail_node("node-0", mode="crash")
    crashed = c.engine.now
    c.advance("2m")
    assert _app(c).state.kind == "running"     # nobody can tell yet: the kubelet is down
    c.recover_node("node-0")
    c.advance("1s")
    for name in ("p0", "p1"):
        st = _app(c, name)
        assert (st.state.kind, st.restart_count) == ("running", 1)
        assert st.state.started_at == c.engine.now - 1 * S
        assert (st.last_state.kind, st.last_state.reason, st.last_state.exit_code, st.last_state.finished_at) == (
            "terminated", "Unknown", 255, crashed)
        assert [e.message for e in c.events("Pod", name) if e.reason == "SandboxChanged"] == [
            "Pod sandbox changed, it will be killed and re-created."]
    assert c.violations() == []
    # a second crash adds to the restart count
    c.fail_node("node-0", mode="crash")
    c.advance("1m")
    c.recover_node("node-0")
    c.advance("1s")
    assert _app(c).restart_count == 2


def test_crash_fails_a_pod_that_never_restarts():
    c = kstate.Cluster(nodes=1)
    _pods(c, 1, restartPolicy="Never")
    c.advance("5s")
    c.fail_node("node-0", mode="crash")
    c.advance("1m")
    c.recover_node("node-0")
    c.advance("1s")
    p = c.get("Pod", "p0")
    assert p.status.phase == "Failed" and p.status.container_statuses[0].state.exit_code == 255


def test_crash_while_creating_starts_over():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p0", "annotations": {"kstate.io/start-after": "30s"}},
             "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], "nodeName": "node-0"}})
    c.advance("5s")
    c.fail_node("node-0", mode="crash")
    c.advance("1m")
    c.recover_node("node-0")
    c.advance("1s")
    lines = [line for line in c.trace() if "Pod default/p0" in line and " status " in line]
    assert "ContainerCreating->Scheduled (sandbox_lost)" in lines[-2]
    assert lines[-1].endswith("Scheduled->ContainerCreating (create_containers)")


# -- PodGC and the out-of-service taint


def test_out_of_service_taint_force_deletes_terminating_pods():
    c = kstate.Cluster(nodes=2)
    _pods(c, 2)
    c.advance("5s")
    c.fail_node("node-0")
    c.advance("6m")                        # Unknown at 55 s, NoExecute taint, evicted 300 s later: Terminating
    assert c.get("Pod", "p0").status.state == "Terminating"
    c.advance("2m")
    assert c.get("Pod", "p0").status.state == "Terminating"   # stuck: the kubelet is gone
    c.taint("node-0", "node.kubernetes.io/out-of-service", "NoExecute", value="nodeshutdown")
    t = c.engine.now - c.engine.start
    next_pass = -(-t // (20 * S)) * 20 * S
    c.engine.run_to(c.engine.start + next_pass - 1)
    assert c.engine.get("Pod", "default", "p0") is not None
    c.engine.run_to(c.engine.start + next_pass)
    assert c.engine.get("Pod", "default", "p0") is None and c.engine.get("Pod", "default", "p1") is None
    gone = [line for line in c.trace() if "Pod default/p0" in line][-2:]
    assert gone[0].endswith("Terminating->Failed (fail)") and "remove Pod default/p0" in gone[1]


def test_out_of_service_taint_on_a_ready_node_deletes_nothing():
    c = kstate.Cluster(nodes=1)
    _pods(c, 1)
    c.advance("5s")
    c.delete("Pod", "p0")   # the kubelet finishes it anyway; the taint must not race it
    c.taint("node-0", "node.kubernetes.io/out-of-service", "NoSchedule")
    assert nl.is_out_of_service(c.get("Node", "node-0")) is False


def _obs(pods, ready=False, taint=True, now=0):
    return nl.PodGCObs(node_name="node-0", node_exists=True, removed_at=None, pods=tuple(pods), epoch=0,
                       out_of_service=taint and not ready)


def test_gc_terminating_by_exact_actions():
    from tests.unit.helpers import pod
    a = attrs.evolve(pod("a"), metadata=attrs.evolve(pod("a").metadata, creation_timestamp=5, deletion_timestamp=9))
    b = attrs.evolve(pod("b"), metadata=attrs.evolve(pod("b").metadata, creation_timestamp=1, deletion_timestamp=9))
    b = attrs.evolve(b, status=attrs.evolve(b.status, phase="Succeeded", state="Succeeded"))
    a = attrs.evolve(a, status=attrs.evolve(a.status, phase="Running", state="Terminating"))
    r = nl.reconcile_podgc(_obs([a, b]), 7 * S)
    assert r.actions == () and r.requeue_after == 13 * S
    r = nl.reconcile_podgc(_obs([a, b]), 20 * S)
    # oldest first; a terminal pod is deleted without a status write
    assert r.actions[0] == Delete("Pod", "default", "b", "uid-b", 0)
    upd = r.actions[1]
    assert isinstance(upd, UpdateStatus) and upd.trigger == "fail" and upd.obj.status.phase == "Failed"
    assert r.actions[2] == Delete("Pod", "default", "a", "uid-a", 0)


def test_is_out_of_service():
    from kstate.resources.node import Node, NodeSpec, NodeStatus
    from kstate.resources.meta import ObjectMeta
    n = Node(metadata=ObjectMeta(name="n"), spec=NodeSpec(taints=(Taint("node.kubernetes.io/out-of-service",
                                                                        "NoExecute"),)),
             status=NodeStatus(state="Unknown"))
    assert nl.is_out_of_service(n)
    assert not nl.is_out_of_service(attrs.evolve(n, status=attrs.evolve(n.status, state="Ready")))
    assert not nl.is_out_of_service(attrs.evolve(n, spec=NodeSpec()))


def test_crash_and_recovery_at_the_same_instant_restarts_once():
    """Found by ClusterMachine: containers restarted at the crash instant were
    taken as lost again, for ever (a livelock); each pod now goes through a
    given crash once."""
    c = kstate.Cluster(nodes=1)
    _pods(c, 1)
    c.advance("5s")
    c.fail_node("node-0", mode="crash")
    c.recover_node("node-0")
    c.advance("1s")
    assert _app(c).restart_count == 1 and _app(c).state.kind == "running"
    c.advance("1m")
    assert _app(c).restart_count == 1

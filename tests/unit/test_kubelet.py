"""The kubelet: phase computation, crash-loop back-off, conditions, timing.

Tables ported from pkg/kubelet/kubelet_pods_test.go (TestPodPhaseWithRestartAlways,
TestPodPhaseWithRestartNever, TestPodPhaseWithRestartOnFailure) and the back-off
arithmetic of client-go util/flowcontrol/backoff_test.go as the kubelet uses it.
"""
import attrs
import pytest

import kstate
from kstate.controllers.kubelet import (
    KubeletObs, get_phase, is_in_backoff_since, next_backoff, reconcile_kubelet,
)
from kstate.controllers.actions import UpdateStatus
from kstate.io.profile import load_profile
from tests.unit.helpers import pod, running, terminated, waiting

TWO = ("c1", "c2")


@pytest.mark.parametrize("statuses,expected", [
    # TestPodPhaseWithRestartAlways
    ((running("c1"), running("c2")), "Running"),            # all running
    ((terminated("c1"), terminated("c2")), "Running"),       # all stopped is running under Always
    ((terminated("c1"), running("c2")), "Running"),          # mixed state
    ((running("c1"),), "Pending"),                           # c2 has no status: pending
    ((running("c1"), waiting("c2")), "Pending"),             # waiting beats running
    ((running("c1"), waiting("c2", "CrashLoopBackOff", last_code=1)), "Running"),  # restarting
])
def test_phase_restart_always(statuses, expected):
    p = pod(containers=TWO, restart_policy="Always")
    assert get_phase(p, (), statuses) == expected


@pytest.mark.parametrize("statuses,expected", [
    # TestPodPhaseWithRestartNever
    ((running("c1"), running("c2")), "Running"),
    ((terminated("c1"), terminated("c2")), "Succeeded"),     # all succeeded
    ((terminated("c1", 1), terminated("c2")), "Failed"),     # one failed
    ((terminated("c1"), running("c2")), "Running"),
    ((running("c1"),), "Pending"),
    ((running("c1"), waiting("c2")), "Pending"),
])
def test_phase_restart_never(statuses, expected):
    assert get_phase(pod(containers=TWO, restart_policy="Never"), (), statuses) == expected


@pytest.mark.parametrize("statuses,expected", [
    # TestPodPhaseWithRestartOnFailure
    ((running("c1"), running("c2")), "Running"),
    ((terminated("c1"), terminated("c2")), "Succeeded"),
    ((terminated("c1", 1), terminated("c2")), "Running"),    # will be restarted
    ((terminated("c1"), running("c2")), "Running"),
    ((running("c1"),), "Pending"),
    ((running("c1"), waiting("c2", "CrashLoopBackOff", last_code=1)), "Running"),
])
def test_phase_restart_on_failure(statuses, expected):
    assert get_phase(pod(containers=TWO, restart_policy="OnFailure"), (), statuses) == expected


def test_phase_init_containers():
    p = pod(init=("i1",), restart_policy="Never")
    assert get_phase(p, (running("i1"),), (waiting("app", "PodInitializing"),)) == "Pending"
    assert get_phase(p, (terminated("i1", 1),), (waiting("app", "PodInitializing"),)) == "Failed"
    p_always = attrs.evolve(p, spec=attrs.evolve(p.spec, restart_policy="Always"))
    assert get_phase(p_always, (terminated("i1", 1),), (waiting("app", "PodInitializing"),)) == "Pending"


def test_backoff_sequence_crash_every_5s():
    """A container crashing 5 s after every start restarts at 0, 5, 20, 45, 90,
    175, 340, 645 s (reference §1.2): delays 0, 10, 20, 40, 80, 160, 300."""
    entry, starts, t = None, [0], 0
    for _ in range(7):
        finished = t + 5_000
        now = finished
        while is_in_backoff_since(entry, finished, now):
            now += 1_000
        entry = next_backoff(entry, finished, now)
        t = now
        starts.append(t // 1000)
    assert starts == [0, 5, 20, 45, 90, 175, 340, 645]


def test_backoff_resets_after_running_over_600s():
    entry = next_backoff(None, 0, 0)            # first restart at 0: 10 s
    entry = next_backoff(entry, 5_000, 15_000)  # 20 s, last update 15 s
    assert entry == (20_000, 15_000)
    finished = 15_000 + 600_001                 # ran just over 600 s
    assert not is_in_backoff_since(entry, finished, finished)
    assert next_backoff(entry, finished, finished) == (10_000, finished)
    finished_short = 15_000 + 600_000           # exactly 600 s: not expired
    assert is_in_backoff_since(entry, finished_short, finished_short)


def test_backoff_capped_at_300s():
    entry = (160_000, 0)
    assert next_backoff(entry, 1_000, 1_000)[0] == 300_000
    assert next_backoff((300_000, 0), 1_000, 1_000)[0] == 300_000


def _cluster(**kw):
    return kstate.Cluster(nodes=1, seed=1, **kw)


def _pod(c, name="p", annotations=None, policy="Always", **spec):
    return c.apply({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name, "annotations": annotations or {}},
                    "spec": {"restartPolicy": policy, "containers": [{"name": "app", "image": "nginx"}], **spec}})


def test_crash_loop_restart_times_and_status():
    c = _cluster()
    _pod(c, annotations={"kstate.io/exit-after": "5s", "kstate.io/exit-code": "1"})
    starts = []
    for second in range(0, 100):
        c.advance("1s")
        p = c.get("Pod", "p")
        st = p.status.container_statuses[0]
        if st.state.kind == "running" and st.state.started_at not in starts:
            starts.append(st.state.started_at)
    rel = [(s - c.engine.start) // 1000 for s in starts]
    # started 1 s after binding; crash 5 s later each time; then 0, 10, 20, 40 s back-off;
    # the fifth crash (96 s) is the fourth BackOff.
    assert rel == [1, 6, 21, 46, 91]
    p = c.get("Pod", "p")
    st = p.status.container_statuses[0]
    assert p.status.phase == "Running"
    assert st.restart_count == 4
    assert st.state.reason == "CrashLoopBackOff"
    assert st.last_state.kind == "terminated" and st.last_state.exit_code == 1 and st.last_state.reason == "Error"
    assert "back-off 1m20s restarting failed container=app pod=p_default(" in st.state.message
    backoff = [e for e in c.events("Pod", "p") if e.reason == "BackOff"]
    assert len(backoff) == 1 and backoff[0].count == 4 and backoff[0].type == "Warning"


def test_restart_policy_never_succeeds_and_fails():
    c = _cluster()
    _pod(c, "ok", {"kstate.io/exit-after": "3s"}, policy="Never")
    _pod(c, "bad", {"kstate.io/exit-after": "3s", "kstate.io/exit-code": "2"}, policy="Never")
    c.advance("10s")
    assert c.get("Pod", "ok").status.phase == "Succeeded"
    assert c.get("Pod", "ok").status.container_statuses[0].state.reason == "Completed"
    bad = c.get("Pod", "bad")
    assert bad.status.phase == "Failed" and bad.status.container_statuses[0].state.exit_code == 2
    ready = next(x for x in bad.status.conditions if x.type == "Ready")
    assert ready.status == "False" and ready.reason == "PodFailed"


def test_on_failure_restarts_only_failures():
    c = _cluster()
    _pod(c, "ok", {"kstate.io/exit-after": "3s"}, policy="OnFailure")
    _pod(c, "bad", {"kstate.io/exit-after": "3s", "kstate.io/exit-code": "1"}, policy="OnFailure")
    c.advance("30s")
    assert c.get("Pod", "ok").status.phase == "Succeeded"
    bad = c.get("Pod", "bad")
    assert bad.status.phase == "Running" and bad.status.container_statuses[0].restart_count >= 2


def test_timing_annotations_and_conditions():
    c = _cluster()
    _pod(c, annotations={"kstate.io/start-after": "4s", "kstate.io/ready-after": "3s"})
    c.advance("4999ms")
    p = c.get("Pod", "p")
    assert p.status.phase == "Running" and p.status.start_time == c.engine.start
    c.advance("1ms")
    assert {x.type: x.status for x in c.get("Pod", "p").status.conditions}["Ready"] == "False"
    c.advance("2s")
    conds = {x.type: x for x in c.get("Pod", "p").status.conditions}
    assert conds["Ready"].status == "True" and conds["Ready"].last_transition_time == c.engine.start + 7000
    assert [x.type for x in c.get("Pod", "p").status.conditions] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]


def test_readiness_probe_initial_delay_and_never_ready():
    c = _cluster()
    _pod(c, "probe", containers=[{"name": "app", "image": "nginx",
                                   "readinessProbe": {"httpGet": {"path": "/", "port": 80},
                                                      "initialDelaySeconds": 5, "successThreshold": 2,
                                                      "periodSeconds": 3}}])
    _pod(c, "never", {"kstate.io/never-ready": "true"})
    c.advance("8999ms")   # start 1 s + delay 5 s + (2 − 1) × 3 s = 9 s
    assert not kstate.resources.pod.is_pod_ready(c.get("Pod", "probe"))
    c.advance("1ms")
    assert kstate.resources.pod.is_pod_ready(c.get("Pod", "probe"))
    c.advance("10m")
    never = c.get("Pod", "never")
    assert never.status.phase == "Running" and not kstate.resources.pod.is_pod_ready(never)


def test_init_containers_run_in_order():
    c = _cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"kstate.io/init-duration": "2s"}},
             "spec": {"initContainers": [{"name": "i1", "image": "busybox"}, {"name": "i2", "image": "busybox"}],
                      "containers": [{"name": "app", "image": "nginx"}]}})
    c.advance("1s")
    p = c.get("Pod", "p")
    assert p.status.phase == "Pending" and p.status.state == "Initializing"
    assert [s.state.kind for s in p.status.init_container_statuses] == ["running", "waiting"]
    assert p.status.container_statuses[0].state.reason == "PodInitializing"
    init = {x.type: x for x in p.status.conditions}["Initialized"]
    assert init.status == "False" and init.message == "containers with incomplete status: [i1 i2]"
    c.advance("2s")
    assert [s.state.kind for s in c.get("Pod", "p").status.init_container_statuses] == ["terminated", "running"]
    c.advance("1s")   # i2 done at 4 s; containers start 1 s later
    assert c.get("Pod", "p").status.state == "ContainerCreating"
    c.advance("1s")
    assert c.get("Pod", "p").status.phase == "Running"


@pytest.mark.parametrize("stop_after,grace,gone_at,code,sigterm", [
    ("0s", 30, 0, 0, None),       # exits 0 on SIGTERM at once (a well-behaved app): Succeeded
    ("10s", 30, 10, 0, None),     # takes 10 s to stop
    ("10s", 30, 10, 143, "143"),  # dies of the signal (kstate.io/sigterm-exit-code): Failed
    ("45s", 30, 30, 137, None),   # SIGKILL at the end of the grace period
])
def test_graceful_deletion(stop_after, grace, gone_at, code, sigterm):
    c = _cluster()
    ann = {"kstate.io/stop-after": stop_after}
    if sigterm is not None:
        ann["kstate.io/sigterm-exit-code"] = sigterm
    _pod(c, annotations=ann, terminationGracePeriodSeconds=grace)
    c.advance("5s")
    c.delete("Pod", "p")
    p = c.get("Pod", "p")
    assert p.metadata.deletion_timestamp == c.engine.now + grace * 1000
    assert p.status.state == "Terminating"
    if gone_at:
        c.advance(f"{gone_at * 1000 - 1}ms")
        assert c.get("Pod", "p").status.state == "Terminating"
        c.advance("1ms")
    else:
        c.advance("0s")
    with pytest.raises(kstate.NotFound):
        c.get("Pod", "p")
    phase = "Succeeded" if code == 0 else "Failed"
    line = next(l for l in c.trace() if f"Terminating->{phase}" in l)
    assert ("(succeed)" if code == 0 else "(fail)") in line
    assert any(f"{phase}->Deleted (remove)" in l for l in c.trace())


def test_second_delete_only_shortens_grace():
    c = _cluster()
    _pod(c, annotations={"kstate.io/stop-after": "1h"})
    c.advance("5s")
    c.delete("Pod", "p", grace_period=30)
    ts = c.get("Pod", "p").metadata.deletion_timestamp
    c.advance("2s")
    c.delete("Pod", "p", grace_period=60)           # longer: ignored
    assert c.get("Pod", "p").metadata.deletion_timestamp == ts
    c.delete("Pod", "p", grace_period=5)            # 30 → 5: ts − 30 s + 5 s
    assert c.get("Pod", "p").metadata.deletion_timestamp == ts - 25_000


def test_unscheduled_pod_is_deleted_at_once():
    c = kstate.Cluster(nodes=0)
    _pod(c)
    c.advance("1s")
    c.delete("Pod", "p")
    with pytest.raises(kstate.NotFound):
        c.get("Pod", "p")


def test_kubelet_reconcile_is_idempotent_at_fixed_point():
    c = _cluster()
    _pod(c)
    c.advance("5s")
    p = c.get("Pod", "p")
    node = c.get("Node", "node-0")
    obs = KubeletObs(pod=p, node=node, node_alive=True, profile=load_profile("default"))
    assert reconcile_kubelet(obs, c.engine.now).actions == ()


def test_kubelet_does_nothing_on_dead_node():
    c = _cluster()
    _pod(c)
    c.advance("0s")
    p = c.get("Pod", "p")
    p = attrs.evolve(p, status=attrs.evolve(p.status, state="Scheduled"))  # as just bound
    obs = KubeletObs(pod=p, node=c.get("Node", "node-0"), node_alive=False, profile=load_profile("default"))
    assert reconcile_kubelet(obs, c.engine.now).actions == ()
    obs = attrs.evolve(obs, node_alive=True)
    (action,) = reconcile_kubelet(obs, c.engine.now).actions
    assert isinstance(action, UpdateStatus) and action.trigger == "create_containers"


def test_initialized_reason_pod_completed_without_init_containers():
    """status/generate.go GeneratePodInitializedCondition: in phase Succeeded
    with every init container's status known — none at all included — the
    condition is True with reason PodCompleted (kubelet_pods_test.go
    Test_generateAPIPodStatus "terminal phase cannot be changed": a pod without
    init containers gets {Initialized True PodCompleted})."""
    c = _cluster()
    _pod(c, "ok", {"kstate.io/exit-after": "3s"}, policy="Never")
    c.advance("10s")
    p = c.get("Pod", "ok")
    init = next(x for x in p.status.conditions if x.type == "Initialized")
    assert (p.status.phase, init.status, init.reason) == ("Succeeded", "True", "PodCompleted")
    assert next(x for x in p.status.conditions if x.type == "Ready").reason == "PodCompleted"

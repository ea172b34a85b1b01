"""Probes on their timers: startup, liveness and readiness (kstate/controllers/prober.py).

Cases ported from pkg/kubelet/prober/worker_test.go (1.35) where they fit a
model without a runtime: TestInitialDelay, TestSuccessThreshold,
TestFailureThreshold, TestResultRunOnLivenessCheckFailure,
TestLivenessProbeDisabledByStarted, TestStartupProbeDisabledByStarted; the
rest (TestDoProbe's status plumbing, TestCleanUp, TestOnHold…) test the
worker's goroutine and channels, which kstate does not have.
"""
import attrs
import pytest

import kstate
from kstate.controllers import kubelet as kl
from kstate.controllers import prober as pr
from kstate.controllers.actions import RecordEvent, SetMemory, UpdateStatus
from kstate.io.profile import load_profile
from kstate.resources.frozen import FrozenDict
from kstate.resources.pod import Probe, is_pod_ready
from tests.unit.helpers import pod, running

S = 1000
HTTP = FrozenDict({"httpGet": FrozenDict({"path": "/", "port": 80})})


def _probe(delay=0, period=10, success=1, failure=3):
    return Probe(initial_delay_seconds=delay, period_seconds=period, success_threshold=success,
                 failure_threshold=failure, handler=HTTP)


def _pod(annotations=None, **probes):
    p = pod(node="node-0")
    c = attrs.evolve(p.spec.containers[0], **probes)
    return attrs.evolve(p, metadata=attrs.evolve(p.metadata, annotations=FrozenDict(annotations or {})),
                        spec=attrs.evolve(p.spec, containers=(c,)))


def _plan(p, start=1 * S, w0=0):
    return pr.plan_container(p, p.spec.containers[0], start, w0)


# -- probe_instants


def test_initial_delay_skips_probes_until_it_has_passed():
    """TestInitialDelay: no probe while time since startedAt < initialDelaySeconds; then the ticks."""
    got = list(_take(pr.probe_instants(0, 10 * S, 1 * S, 5, 1 * S), 3))
    assert got == [10 * S, 20 * S, 30 * S]
    # without delay the tick at the start itself counts, as does a manual trigger
    assert list(_take(pr.probe_instants(0, 10 * S, 0, 0, 0), 2)) == [0, 10 * S]
    assert list(_take(pr.probe_instants(0, 10 * S, 1 * S, 0, 1 * S, manual=(1 * S,)), 3)) == [1 * S, 10 * S, 20 * S]


def test_initial_delay_truncates_to_whole_seconds():
    """doProbe compares int32(time.Since(startedAt).Seconds()): 4.9 s is still inside a 5 s delay."""
    assert next(pr.probe_instants(0, 1 * S, 100, 5, 100, manual=(5_099, 5_100))) == 5_100


def _take(it, n):
    for _ in range(n):
        yield next(it)


# -- readiness


def test_ready_on_the_first_probe_tick_not_at_the_delay():
    p = _pod(readiness_probe=_probe(delay=5))
    plan = _plan(p)
    assert plan.started_at == 1 * S and plan.ready_at == 10 * S and plan.unready_at is None
    assert plan.failures == ()     # the manual trigger at 1 s is inside the delay: no probe, no failure


def test_ready_at_once_without_delay_by_the_manual_trigger():
    """prober_manager.go UpdatePodStatus triggers the readiness worker when it writes a started, unready container."""
    assert _plan(_pod(readiness_probe=_probe())).ready_at == 1 * S


def test_success_threshold():
    """TestSuccessThreshold: successThreshold 3 → ready on the third success in a row."""
    plan = _plan(_pod(readiness_probe=_probe(success=3)))
    assert plan.ready_at == 20 * S       # successes at 1 s (manual), 10 s, 20 s


def test_failure_threshold_readiness_goes_unready_after_three_failures():
    """TestFailureThreshold: a ready container stays ready until failureThreshold failures in a row."""
    p = _pod({"kstate.io/readiness-fails-after": "25s"}, readiness_probe=_probe())
    plan = _plan(p)
    assert plan.ready_at == 1 * S
    assert plan.unready_at == 50 * S     # the app fails from 26 s: failures at 30, 40, 50 s
    assert plan.failures == ((30 * S, pr.READINESS), (40 * S, pr.READINESS), (50 * S, pr.READINESS))


def test_readiness_failures_before_the_app_is_ready_are_unhealthy_events():
    p = _pod({"kstate.io/ready-after": "25s"}, readiness_probe=_probe())
    plan = _plan(p)
    assert plan.ready_at == 30 * S
    assert [t for t, _ in plan.failures] == [1 * S, 10 * S, 20 * S]


def test_never_ready_records_failure_threshold_failures_then_stops():
    plan = _plan(_pod({"kstate.io/never-ready": "true"}, readiness_probe=_probe()))
    assert plan.ready_at is None
    assert [t for t, _ in plan.failures] == [1 * S, 10 * S, 20 * S]


# -- liveness


def test_result_run_on_liveness_check_failure():
    """TestResultRunOnLivenessCheckFailure: failureThreshold 3 → killed on the third failure in a row."""
    p = _pod({"kstate.io/liveness-fails-after": "15s"}, liveness_probe=_probe())
    plan = _plan(p)
    assert plan.kill == (40 * S, pr.LIVENESS)
    assert [t for t, _ in plan.failures] == [20 * S, 30 * S, 40 * S]


def test_liveness_without_failures_never_kills():
    assert _plan(_pod(liveness_probe=_probe())).kill is None


# -- startup


def test_liveness_probe_disabled_until_started():
    """TestLivenessProbeDisabledByStarted: liveness does not run before the startup probe succeeded."""
    p = _pod({"kstate.io/startup-takes": "25s", "kstate.io/liveness-fails-after": "0s"},
             startup_probe=_probe(failure=10), liveness_probe=_probe())
    plan = _plan(p)
    assert plan.started_at == 30 * S
    # startup failures at 10 s and 20 s (the tick at 0 s has no container), then liveness from 40 s on
    assert plan.failures[:2] == ((10 * S, pr.STARTUP), (20 * S, pr.STARTUP))
    assert plan.kill == (60 * S, pr.LIVENESS)


def test_startup_probe_disabled_once_started_and_holds_readiness():
    """TestStartupProbeDisabledByStarted: once started, the startup probe stops; readiness runs from then on."""
    p = _pod({"kstate.io/startup-takes": "15s"}, startup_probe=_probe(), readiness_probe=_probe())
    plan = _plan(p)
    assert plan.started_at == 20 * S
    assert plan.ready_at == 20 * S                   # the manual trigger when it is written started
    assert plan.failures == ((10 * S, pr.STARTUP),)


def test_startup_probe_that_never_succeeds_kills():
    p = _pod({"kstate.io/startup-takes": "1h"}, startup_probe=_probe(failure=3))
    plan = _plan(p)
    assert plan.started_at is None and plan.kill == (30 * S, pr.STARTUP)


# -- the reconcile, by exact actions


def _obs(p, **kw):
    return kl.KubeletObs(pod=p, node=object(), node_alive=True, profile=load_profile("default"), **kw)


def _running_pod(p, started=1 * S, ready=False, is_started=True):
    st = attrs.evolve(running("app", ready=ready, started=started), started=is_started)
    return attrs.evolve(p, status=attrs.evolve(p.status, state="Running", state_since=started, start_time=0,
                                               phase="Running", container_statuses=(st,)))


def test_reconcile_asks_to_be_woken_at_the_tick_then_writes_ready():
    p = _running_pod(_pod(readiness_probe=_probe(delay=5)))
    r = kl.reconcile_kubelet(_obs(p), 2 * S)
    assert r.actions == () and r.requeue_after == 8 * S
    r = kl.reconcile_kubelet(_obs(p), 10 * S)
    (upd,) = r.actions
    assert isinstance(upd, UpdateStatus) and upd.trigger is None
    assert upd.obj.status.container_statuses[0].ready is True


def test_reconcile_liveness_kill_by_exact_actions():
    p = _running_pod(_pod({"kstate.io/liveness-fails-after": "15s"}, liveness_probe=_probe()), ready=True)
    r = kl.reconcile_kubelet(_obs(p), 20 * S)
    mem, ev = r.actions           # one failure: nothing to write yet but the event
    assert mem == SetMemory(kl.NAME, "uid-p", FrozenDict({kl.PROBE_KEY: 20 * S}))
    assert ev == RecordEvent(ev.involved, "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500",
                             "Warning", kl.NAME)
    # at 40 s (the failures at 30 s and 40 s not yet recorded) the container is killed
    r = kl.reconcile_kubelet(_obs(p, backoff=mem.value), 40 * S)
    upd, mem2, e30, e40, kill = r.actions
    assert upd.trigger == "exit" and upd.obj.status.state == "Terminated"
    st = upd.obj.status.container_statuses[0]
    assert (st.state.kind, st.state.exit_code, st.state.finished_at) == ("terminated", kl.sigterm_exit_code(p), 40 * S)
    assert mem2.value[kl.PROBE_KEY] == 40 * S
    assert [e.reason for e in (e30, e40)] == ["Unhealthy", "Unhealthy"]
    assert (kill.reason, kill.message) == ("Killing", "Container app failed liveness probe, will be restarted")


def test_killing_message_without_restart_under_never():
    p = _pod({"kstate.io/liveness-fails-after": "0s"}, liveness_probe=_probe(failure=1))
    p = attrs.evolve(p, spec=attrs.evolve(p.spec, restart_policy="Never"))
    r = kl.reconcile_kubelet(_obs(_running_pod(p, ready=True)), 10 * S)
    assert r.actions[-1].message == "Container app failed liveness probe"


def test_pods_without_probes_never_consult_the_prober(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the prober ran for a pod without probes")
    monkeypatch.setattr(kl, "plan_container", boom)
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
             "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}})
    c.advance("5s")
    assert is_pod_ready(c.get("Pod", "a"))


# -- the whole cluster: trace order


def _apply(c, annotations=None, **container):
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "annotations": annotations or {}},
             "spec": {"containers": [{"name": "app", "image": "nginx:1.25", **container}]}})


def _lines(c):
    return [line for line in c.trace() if "Pod default/a" in line and " status " in line]


def test_trace_ready_lands_on_the_probe_tick():
    c = kstate.Cluster(nodes=1)
    _apply(c, readinessProbe={"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 5,
                              "periodSeconds": 10})
    c.advance("30s")
    assert _lines(c) == [
        "0 status Pod default/a Scheduled->ContainerCreating (create_containers)",
        "1000 status Pod default/a ContainerCreating->Running (start)",
        "10000 status Pod default/a Ready=True ContainersReady=True",
    ]


def test_trace_liveness_restart_with_back_off():
    c = kstate.Cluster(nodes=1)
    _apply(c, {"kstate.io/liveness-fails-after": "30s"},
           livenessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10, "failureThreshold": 3})
    c.advance("125s")
    assert _lines(c)[1:] == [
        "1000 status Pod default/a ContainerCreating->Running (start)",
        "1000 status Pod default/a Ready=True ContainersReady=True",
        "60000 status Pod default/a Running->Terminated (exit)",           # failures at 40, 50, 60 s
        "60000 status Pod default/a Terminated->Running (restart)",        # first restart at once
        "60000 status Pod default/a Ready=True ContainersReady=True",
        "110000 status Pod default/a Running->Terminated (exit)",          # failures at 90, 100, 110 s
        "110000 status Pod default/a Terminated->CrashLoopBackOff (back_off)",
        "120000 status Pod default/a CrashLoopBackOff->Running (restart)",  # after the 10 s back-off
        "120000 status Pod default/a Ready=True ContainersReady=True",
    ]
    p = c.get("Pod", "a")
    assert p.status.container_statuses[0].restart_count == 2
    ev = {(e.reason, e.message): e.count for e in c.events("Pod", "a")}
    assert ev[("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500")] == 6
    assert ev[("Killing", "Container app failed liveness probe, will be restarted")] == 2


def test_trace_startup_probe_holds_readiness_and_started():
    c = kstate.Cluster(nodes=1)
    _apply(c, {"kstate.io/startup-takes": "15s"},
           startupProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10, "failureThreshold": 30},
           readinessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10})
    c.advance("15s")
    st = c.get("Pod", "a").status.container_statuses[0]
    assert (st.started, st.ready) == (False, False)
    c.advance("10s")
    assert _lines(c)[-1] == "20000 status Pod default/a Ready=True ContainersReady=True"
    st = c.get("Pod", "a").status.container_statuses[0]
    assert (st.started, st.ready) == (True, True)
    assert [e.message for e in c.events("Pod", "a") if e.reason == "Unhealthy"] == [
        "Startup probe failed: HTTP probe failed with statuscode: 500"]


def test_trace_readiness_failure_makes_the_pod_unready_and_settles():
    c = kstate.Cluster(nodes=1)
    _apply(c, {"kstate.io/readiness-fails-after": "25s"},
           readinessProbe={"exec": {"command": ["true"]}, "periodSeconds": 10})
    c.run_until_stable("5m")
    assert _lines(c)[-1] == "50000 status Pod default/a Ready=False ContainersReady=False"
    assert [(e.message, e.count) for e in c.events("Pod", "a") if e.reason == "Unhealthy"] == [
        ("Readiness probe failed: ", 3)]


@pytest.mark.parametrize("handler,out", [
    ({"tcpSocket": {"port": 8080}}, "dial tcp {ip}:8080: connect: connection refused"),
    ({"grpc": {"port": 9000}}, 'service unhealthy (responded with "NOT_SERVING")'),
])
def test_failure_output_per_handler(handler, out):
    c = kstate.Cluster(nodes=1)
    _apply(c, {"kstate.io/never-ready": "true"}, readinessProbe={**handler, "periodSeconds": 10})
    c.advance("2s")
    ip = c.get("Pod", "a").status.pod_ip
    assert [e.message for e in c.events("Pod", "a") if e.reason == "Unhealthy"] == [
        "Readiness probe failed: " + out.format(ip=ip)]

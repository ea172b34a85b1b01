"""Container lifecycle at the end: preStop hooks, the SIGTERM exit code, the
pod object removed once the kubelet confirmed termination; PodInitializing
and the Initialized condition.

Sources (1.35): pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer
(preStop within the grace period, minimumGracePeriodInSeconds = 2),
pkg/kubelet/kubelet.go SyncTerminatingPod, pkg/kubelet/kubelet_pods.go
convertToAPIContainerStatuses (defaultWaitingState PodInitializing),
pkg/kubelet/status/generate.go GeneratePodInitializedCondition (PodCompleted).
"""
import attrs
import pytest

import kstate
from kstate.controllers import kubelet as kl
from kstate.io.profile import load_profile
from kstate.resources.frozen import FrozenDict, freeze
from kstate.resources.meta import get_condition
from kstate.io.tables import pod_row
from tests.unit.helpers import pod

S = 1000


def _doc(annotations=None, init=None, grace=30, **container):
    spec = {"terminationGracePeriodSeconds": grace,
            "containers": [{"name": "app", "image": "nginx:1.25", **container}]}
    if init:
        spec["initContainers"] = init
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "annotations": annotations or {}},
            "spec": spec}


def _app(c):
    return c.engine.get("Pod", "default", "a").status.container_statuses[0]


def _pod_lines(c):
    return [line for line in c.trace() if "Pod default/a" in line]


def test_sigterm_exit_code_defaults_to_0_and_the_pod_succeeds():
    c = kstate.Cluster(nodes=1)
    c.apply(_doc())
    c.advance("2s")
    c.delete("Pod", "a")
    c.advance("1s")
    lines = _pod_lines(c)
    assert lines[-2:] == ["2000 status Pod default/a Terminating->Succeeded (succeed)",
                          "2000 remove Pod default/a Succeeded->Deleted (remove)"]


def test_sigterm_exit_code_from_the_annotation():
    c = kstate.Cluster(nodes=1)
    c.apply(_doc({"kstate.io/sigterm-exit-code": "143", "kstate.io/stop-after": "3s"}))
    c.advance("2s")
    c.delete("Pod", "a")
    c.advance("2s")
    # the object stays, Terminating, until the kubelet has seen the container stop
    p = c.engine.get("Pod", "default", "a")
    assert p is not None and p.metadata.deletion_timestamp is not None
    c.advance("1s")
    assert _pod_lines(c)[-2:] == ["5000 status Pod default/a Terminating->Failed (fail)",
                                  "5000 remove Pod default/a Failed->Deleted (remove)"]


def test_the_terminal_status_carries_the_exit_code():
    p, c0 = _with({"kstate.io/sigterm-exit-code": "143"})
    st = attrs.evolve(p.status.__class__(), state="Terminating")
    from tests.unit.helpers import running
    p = attrs.evolve(p, metadata=attrs.evolve(p.metadata, deletion_timestamp=30 * S, deletion_grace_period_seconds=30),
                     status=attrs.evolve(st, phase="Running", container_statuses=(running("app", ready=True),)))
    upd, killing = kl.reconcile_kubelet(_obs(p), 0).actions
    assert upd.trigger == "fail" and upd.obj.status.phase == "Failed"
    s = upd.obj.status.container_statuses[0].state
    assert (s.kind, s.reason, s.exit_code, s.finished_at) == ("terminated", "Error", 143, 0)
    assert (killing.reason, killing.message) == ("Killing", "Stopping container app")


def _obs(p):
    return kl.KubeletObs(pod=p, node=object(), node_alive=True, profile=load_profile("default"))


def _with(annotations=None, lifecycle=None):
    p = pod(node="node-0")
    c = p.spec.containers[0]
    if lifecycle is not None:
        c = attrs.evolve(c, extra=c.extra.set("lifecycle", freeze(lifecycle)))
    return attrs.evolve(p, metadata=attrs.evolve(p.metadata, annotations=FrozenDict(annotations or {})),
                        spec=attrs.evolve(p.spec, containers=(c,))), c


PRESTOP = {"preStop": {"exec": {"command": ["sleep", "1"]}}}


@pytest.mark.parametrize("annotations,lifecycle,want", [
    # no hook: SIGTERM at once, the app stops after stop-after
    ({"kstate.io/stop-after": "25s"}, None, (25 * S, 0)),
    ({"kstate.io/stop-after": "40s"}, None, (30 * S, kl.EXIT_SIGKILL)),
    # the worked example of kill_container_at: hook 10.5 s, 30 − 10 = 20 s left
    ({"kstate.io/stop-after": "25s", "kstate.io/pre-stop-takes": "10500ms"}, PRESTOP, (30_500, kl.EXIT_SIGKILL)),
    ({"kstate.io/stop-after": "5s", "kstate.io/pre-stop-takes": "10s"}, PRESTOP, (15 * S, 0)),
    # a hook that uses the whole grace period: SIGTERM at 30 s, 2 s minimum, SIGKILL at 32 s
    ({"kstate.io/stop-after": "5s", "kstate.io/pre-stop-takes": "1h"}, PRESTOP, (32 * S, kl.EXIT_SIGKILL)),
    ({"kstate.io/pre-stop-takes": "1h", "kstate.io/sigterm-exit-code": "143"}, PRESTOP, (30 * S, 143)),
    # a sleep action takes its seconds
    ({}, {"preStop": {"sleep": {"seconds": 7}}}, (7 * S, 0)),
    # a hook without the annotation takes no time
    ({}, PRESTOP, (0, 0)),
])
def test_kill_container_at(annotations, lifecycle, want):
    p, c = _with(annotations, lifecycle)
    assert kl.kill_container_at(_obs(p), c, 0, 30) == want


def test_prestop_hook_delays_the_stop_in_the_cluster():
    c = kstate.Cluster(nodes=1)
    c.apply(_doc({"kstate.io/pre-stop-takes": "10s"}, lifecycle=PRESTOP))
    c.advance("2s")
    c.delete("Pod", "a")
    c.advance("9s")
    assert _app(c).state.kind == "running"
    c.advance("1s")
    assert _pod_lines(c)[-2:] == ["12000 status Pod default/a Terminating->Succeeded (succeed)",
                                  "12000 remove Pod default/a Succeeded->Deleted (remove)"]


def test_containers_with_and_without_hooks_stop_each_at_their_time():
    c = kstate.Cluster(nodes=1)
    doc = _doc({"kstate.io/pre-stop-takes": "10s"}, lifecycle=PRESTOP)
    doc["spec"]["containers"].append({"name": "plain", "image": "nginx:1.25"})
    c.apply(doc)
    c.advance("2s")
    c.delete("Pod", "a")
    c.advance("1s")
    sts = {s.name: s.state.kind for s in c.engine.get("Pod", "default", "a").status.container_statuses}
    assert sts == {"app": "running", "plain": "terminated"}
    c.advance("10s")
    assert c.engine.get("Pod", "default", "a") is None


def test_pod_initializing_after_the_init_containers():
    c = kstate.Cluster(nodes=1)
    c.apply(_doc({"kstate.io/init-duration": "5s"}, init=[{"name": "setup", "image": "busybox:1.36"}]))
    c.advance("5500ms")
    p = c.engine.get("Pod", "default", "a")
    assert p.status.state == "ContainerCreating"
    assert (_app(c).state.kind, _app(c).state.reason) == ("waiting", "PodInitializing")
    assert pod_row(p, c.engine.now)[1:4] == ["0/1", "PodInitializing", "0"]     # kubectl get pods
    c.advance("1s")
    assert _app(c).state.kind == "running"


def test_default_waiting_reason():
    assert kl.default_waiting_reason(pod()) == "ContainerCreating"
    assert kl.default_waiting_reason(pod(init=("i",))) == "PodInitializing"


@pytest.mark.parametrize("init", [None, [{"name": "setup", "image": "busybox:1.36"}]])
def test_initialized_pod_completed_for_succeeded_pods(init):
    c = kstate.Cluster(nodes=1)
    doc = _doc({"kstate.io/exit-after": "3s"}, init=init)
    doc["spec"]["restartPolicy"] = "Never"
    c.apply(doc)
    c.advance("10s")
    p = c.engine.get("Pod", "default", "a")
    assert p.status.phase == "Succeeded"
    cond = get_condition(p.status.conditions, "Initialized")
    assert (cond.status, cond.reason) == ("True", "PodCompleted")

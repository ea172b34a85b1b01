"""Native sidecars (init containers with restartPolicy Always, Kubernetes 1.29+)
in kstate's kubelet.

Phase tables ported from pkg/kubelet/kubelet_pods_test.go
(TestPodPhaseWithRestartAlwaysRestartableInitContainers,
TestPodPhaseWithRestartAlwaysAndPodHasRun,
TestPodPhaseWithRestartNeverRestartableInitContainers; the test's
`podIsTerminal` is kstate's already-terminal status.phase). The behaviour
tests check exact statuses against pkg/kubelet/kuberuntime/kuberuntime_manager.go
(computeInitContainerActions, computePodActions, doBackOff),
pkg/kubelet/status/generate.go (GeneratePodInitializedCondition,
GenerateContainersReadyCondition), pkg/kubelet/prober/prober_manager.go
(UpdatePodStatus) and kuberuntime_termination_order.go / kuberuntime_container.go
killContainer.
"""
import attrs
import pytest

import kstate
from kstate.controllers import kubelet as kl
from kstate.controllers.actions import SetMemory, UpdateStatus
from kstate.controllers.kubelet import KubeletObs, get_phase, reconcile_kubelet
from kstate.io.profile import load_profile
from kstate.resources.meta import ObjectMeta
from kstate.resources.pod import Container, ContainerState, ContainerStatus, Pod, PodSpec, PodStatus, Probe
from tests.unit.helpers import running, terminated, waiting

S = 1000


def _pod(init=(), containers=("containerA", "containerB"), policy="Always", phase="Pending") -> Pod:
    """`init`: names; a name ending in "!" is a sidecar (restartPolicy Always)."""
    inits = tuple(Container(name=n.rstrip("!"), image="busybox", restart_policy="Always" if n.endswith("!") else None)
                  for n in init)
    spec = PodSpec(containers=tuple(Container(name=c, image="nginx") for c in containers), init_containers=inits,
                   restart_policy=policy)
    return Pod(metadata=ObjectMeta(name="p", namespace="default", uid="uid-p"), spec=spec,
               status=PodStatus(phase=phase))


def started(name) -> ContainerStatus:
    """kubelet_pods_test.go startedState: running with started = true."""
    return attrs.evolve(running(name), started=True)


def failed(name) -> ContainerStatus:
    """failedState: terminated with exit code -1."""
    return terminated(name, -1)


def waiting_after(name, code) -> ContainerStatus:
    """waitingStateWithLastTermination (code 0) / waitingStateWithNonZeroTermination."""
    return waiting(name, "", last_code=code)


X, A, B = "containerX", "containerA", "containerB"
TERMINAL = "terminal"

ALWAYS_ROWS = [
    # TestPodPhaseWithRestartAlwaysRestartableInitContainers
    ((), (), "Pending", "empty, waiting"),
    ((running(X),), (), "Pending", "restartable init container running"),
    ((terminated(X),), (), "Pending", "restartable init container stopped"),
    ((waiting_after(X, 0),), (), "Pending", "restartable init container waiting, terminated zero"),
    ((waiting_after(X, 1),), (), "Pending", "restartable init container waiting, terminated non-zero"),
    ((waiting(X, ""),), (), "Pending", "restartable init container waiting, not terminated"),
    ((started(X),), (running(A),), "Pending", "restartable init container started, 1/2 regular container running"),
    ((started(X),), (running(A), running(B)), "Running",
     "restartable init container started, all regular containers running"),
    ((running(X),), (running(A), running(B)), "Running",
     "restartable init container running, all regular containers running"),
    ((terminated(X),), (running(A), running(B)), "Running",
     "restartable init container stopped, all regular containers running"),
    ((waiting_after(X, 0),), (running(A), running(B)), "Running",
     "backoff crashloop restartable init container, all regular containers running"),
    ((failed(X),), (terminated(A), terminated(B)), "Succeeded" + TERMINAL,
     "all regular containers succeeded and restartable init container failed with restart always, "
     "but the pod is terminal"),
    ((terminated(X),), (terminated(A), terminated(B)), "Succeeded" + TERMINAL,
     "all regular containers succeeded and restartable init container succeeded with restart always, "
     "but the pod is terminal"),
]


def _phase(init_names, inits, conts, policy, expected):
    terminal = expected.endswith(TERMINAL)
    p = _pod(init=init_names, policy=policy, phase="Succeeded" if terminal else "Running")
    return get_phase(p, inits, conts), expected.removesuffix(TERMINAL)


@pytest.mark.parametrize("inits,conts,expected,name", ALWAYS_ROWS, ids=[r[3] for r in ALWAYS_ROWS])
def test_phase_restart_always_restartable_init_containers(inits, conts, expected, name):
    got, want = _phase(("containerX!",), inits, conts, "Always", expected)
    assert got == want


HAS_RUN_ROWS = [
    # TestPodPhaseWithRestartAlwaysAndPodHasRun: X regular, Y sidecar, A regular container
    ((running(X), running("containerY")), (running(A),), "Pending",
     "regular init containers, restartable init container and regular container are all running"),
    ((running(X), running("containerY")), (terminated(A),), "Pending",
     "regular containers is stopped, restartable init container and regular int container are both running"),
    ((terminated(X), running("containerY")), (terminated(A),), "Running",
     "regular init container is succeeded, restartable init container is running, regular containers is stopped"),
    ((terminated(X), running("containerY")), (running(A),), "Running",
     "regular init container is succeeded, restartable init container and regular containers are both running"),
]


@pytest.mark.parametrize("inits,conts,expected,name", HAS_RUN_ROWS, ids=[r[3] for r in HAS_RUN_ROWS])
def test_phase_restart_always_and_pod_has_run(inits, conts, expected, name):
    p = _pod(init=("containerX", "containerY!"), containers=(A,), policy="Always", phase="Running")
    assert get_phase(p, inits, conts) == expected


NEVER_ROWS = [
    # TestPodPhaseWithRestartNeverRestartableInitContainers
    ((), (), "Pending", "empty, waiting"),
    ((running(X),), (), "Pending", "restartable init container running"),
    ((terminated(X),), (), "Pending", "restartable init container stopped"),
    ((waiting_after(X, 0),), (), "Pending", "restartable init container waiting, terminated zero"),
    ((waiting_after(X, 1),), (), "Pending", "restartable init container waiting, terminated non-zero"),
    ((waiting(X, ""),), (), "Pending", "restartable init container waiting, not terminated"),
    ((started(X),), (running(A),), "Pending", "restartable init container started, one main container running"),
    ((started(X),), (terminated(A), terminated(B)), "Running",
     "restartable init container started, main containers succeeded"),
    ((running(X),), (terminated(A), terminated(B)), "Running",
     "restartable init container running, main containers succeeded"),
    ((terminated(X),), (terminated(A), terminated(B)), "Succeeded", "all containers succeeded"),
    ((failed(X),), (terminated(A), terminated(B)), "Succeeded",
     "restartable init container terminated non-zero, main containers succeeded"),
    ((waiting_after(X, 0),), (terminated(A), terminated(B)), "Succeeded",
     "backoff crashloop restartable init container, main containers succeeded"),
    ((waiting_after(X, 1),), (terminated(A), terminated(B)), "Succeeded",
     "backoff crashloop with non-zero restartable init container, main containers succeeded"),
]


@pytest.mark.parametrize("inits,conts,expected,name", NEVER_ROWS, ids=[r[3] for r in NEVER_ROWS])
def test_phase_restart_never_restartable_init_containers(inits, conts, expected, name):
    got, want = _phase(("containerX!",), inits, conts, "Never", expected)
    assert got == want


# =========================================================================== conditions


def test_initialized_needs_sidecars_started_not_exited():
    """generate.go isInitContainerInitialized: a regular init container is
    initialized when it exited 0, a sidecar when it has started."""
    p = _pod(init=("migrate", "proxy!", "warm"), containers=("app",))
    statuses = (terminated("migrate"), started("proxy"), running("warm"))
    conds = {c.type: c for c in kl._conditions(p, (), "Pending", "Initializing", statuses,
                                               (waiting("app", "PodInitializing"),), 0)}
    assert (conds["Initialized"].status, conds["Initialized"].reason, conds["Initialized"].message) == (
        "False", "ContainersNotInitialized", "containers with incomplete status: [warm]")
    statuses = (terminated("migrate"), started("proxy"), terminated("warm"))
    conds = {c.type: c for c in kl._conditions(p, (), "Pending", "ContainerCreating", statuses,
                                               (waiting("app", "ContainerCreating"),), 0)}
    assert conds["Initialized"].status == "True"


def test_initialized_false_for_a_crashed_sidecar_until_an_app_container_runs():
    """HasAnyRegularContainerStarted counts running or terminated app
    containers only, not one waiting after an exit."""
    p = _pod(init=("proxy!",), containers=("app",))
    crashed_sidecar = (attrs.evolve(waiting_after("proxy", 1), started=False),)
    conds = {c.type: c for c in kl._conditions(p, (), "Running", "CrashLoopBackOff", crashed_sidecar,
                                               (waiting_after("app", 1),), 0)}
    assert (conds["Initialized"].status, conds["Initialized"].message) == (
        "False", "containers with incomplete status: [proxy]")
    conds = {c.type: c for c in kl._conditions(p, (), "Running", "Running", crashed_sidecar, (running("app"),), 0)}
    assert conds["Initialized"].status == "True"


def test_containers_ready_lists_sidecars_first():
    """GenerateContainersReadyCondition: restartable init containers, then
    the app containers, each must be ready."""
    p = _pod(init=("migrate", "proxy!"), containers=("app",))
    conds = {c.type: c for c in kl._conditions(p, (), "Running", "Running",
                                               (terminated("migrate"), started("proxy")),
                                               (attrs.evolve(running("app"), ready=False),), 0)}
    assert (conds["ContainersReady"].status, conds["ContainersReady"].message) == (
        "False", "containers with unready status: [proxy app]")
    assert conds["Ready"].message == "containers with unready status: [proxy app]"
    conds = {c.type: c for c in kl._conditions(p, (), "Running", "Running",
                                               (terminated("migrate"), attrs.evolve(started("proxy"), ready=True)),
                                               (attrs.evolve(running("app"), ready=True),), 0)}
    assert conds["ContainersReady"].status == "True" and conds["Ready"].status == "True"


# =========================================================================== through the cluster


def _cluster():
    return kstate.Cluster(nodes=1, seed=1)


def _apply(c, name="p", annotations=None, init=(), policy="Always", grace=30, containers=None):
    c.apply({"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": name, "annotations": annotations or {}},
             "spec": {"restartPolicy": policy, "terminationGracePeriodSeconds": grace,
                      "initContainers": list(init),
                      "containers": containers or [{"name": "app", "image": "nginx"}]}})


def _sidecar(name, **extra):
    return {"name": name, "image": "envoy", "restartPolicy": "Always", **extra}


def _regular(name):
    return {"name": name, "image": "busybox"}


def _at(c, ms):
    """Advance the clock to `ms` after the cluster's start."""
    c.advance(f"{ms - (c.engine.now - c.engine.start)}ms")
    return c.get("Pod", "p")


def _init(p, name):
    return next(s for s in p.status.init_container_statuses if s.name == name)


def _state(st):
    s = st.state
    return (s.kind, s.reason, s.exit_code, s.started_at, s.finished_at, st.ready, st.started, st.restart_count)


def test_next_init_container_starts_when_the_sidecar_has_started():
    """computeInitContainerActions: a started sidecar lets the next init
    container start; init-duration applies to regular init containers only;
    after the last one the app container is created (1 s) and runs beside
    the sidecar."""
    c = _cluster()
    _apply(c, annotations={"kstate.io/init-duration": "2s"},
           init=[_regular("migrate"), _sidecar("proxy"), _regular("warm")])
    t0 = c.engine.start
    p = _at(c, 0)
    assert p.status.state == "Initializing" and p.status.phase == "Pending"
    assert _state(_init(p, "migrate")) == ("running", "", None, t0, None, False, True, 0)
    assert _state(_init(p, "proxy")) == ("waiting", "PodInitializing", None, None, None, False, None, 0)
    p = _at(c, 2 * S)
    assert _state(_init(p, "migrate")) == ("terminated", "Completed", 0, t0, t0 + 2 * S, True, False, 0)
    assert _state(_init(p, "proxy")) == ("running", "", None, t0 + 2 * S, None, True, True, 0)
    assert _state(_init(p, "warm")) == ("running", "", None, t0 + 2 * S, None, False, True, 0)
    init = next(x for x in p.status.conditions if x.type == "Initialized")
    assert (init.status, init.message) == ("False", "containers with incomplete status: [warm]")
    p = _at(c, 4 * S)
    assert p.status.state == "ContainerCreating"
    assert _state(_init(p, "warm")) == ("terminated", "Completed", 0, t0 + 2 * S, t0 + 4 * S, True, False, 0)
    assert next(x for x in p.status.conditions if x.type == "Initialized").status == "True"
    p = _at(c, 5 * S)
    assert p.status.phase == "Running"
    assert _state(_init(p, "proxy")) == ("running", "", None, t0 + 2 * S, None, True, True, 0)
    assert next(x for x in p.status.conditions if x.type == "Ready").status == "True"


def test_only_sidecars_initialize_at_once():
    c = _cluster()
    _apply(c, init=[_sidecar("log"), _sidecar("proxy")])
    p = _at(c, 0)
    assert p.status.state == "ContainerCreating"
    assert [_state(s)[0] for s in p.status.init_container_statuses] == ["running", "running"]
    assert next(x for x in p.status.conditions if x.type == "Initialized").status == "True"


def test_sidecar_readiness_probe_delays_ready():
    """prober_manager.go UpdatePodStatus: a sidecar without a readinessProbe
    is ready as soon as it runs; with one, after the probe succeeds
    (initialDelaySeconds 3 → 3 s after its start)."""
    c = _cluster()
    _apply(c, init=[_sidecar("log"), _sidecar("proxy", readinessProbe={"httpGet": {"port": 80},
                                                                       "initialDelaySeconds": 3})])
    p = _at(c, 1 * S)
    assert (_init(p, "log").ready, _init(p, "proxy").ready, p.status.container_statuses[0].ready) == (
        True, False, True)
    ready = next(x for x in p.status.conditions if x.type == "Ready")
    assert (ready.status, ready.message) == ("False", "containers with unready status: [proxy]")
    p = _at(c, 3 * S - 1)
    assert not _init(p, "proxy").ready
    p = _at(c, 3 * S)
    assert _init(p, "proxy").ready
    ready = next(x for x in p.status.conditions if x.type == "Ready")
    assert (ready.status, ready.last_transition_time) == ("True", c.engine.start + 3 * S)


def test_sidecar_restarts_with_back_off_whatever_the_restart_policy():
    """computeInitContainerActions restarts an exited restartable init
    container regardless of restartPolicy (Never here); doBackOff: the first
    restart at once, then 10 s, 20 s, …; the pod stays Running, NotReady
    while the sidecar waits, and the app container is never touched."""
    c = _cluster()
    _apply(c, policy="Never", init=[_sidecar("proxy")],
           annotations={"kstate.io/sidecar-exit-after": "5s", "kstate.io/sidecar-exit-code": "3"})
    t0 = c.engine.start
    p = _at(c, 5 * S)
    st = _init(p, "proxy")
    assert _state(st) == ("running", "", None, t0 + 5 * S, None, True, True, 1)
    assert (st.last_state.kind, st.last_state.reason, st.last_state.exit_code, st.last_state.started_at,
            st.last_state.finished_at) == ("terminated", "Error", 3, t0, t0 + 5 * S)
    p = _at(c, 10 * S)
    st = _init(p, "proxy")
    assert _state(st)[:2] == ("waiting", "CrashLoopBackOff") and st.restart_count == 1
    assert st.state.message == f"back-off 10s restarting failed container=proxy pod=p_default({p.metadata.uid})"
    assert (st.ready, st.started, st.last_state.finished_at, st.last_state.exit_code) == (False, False, t0 + 10 * S, 3)
    assert p.status.phase == "Running" and p.status.state == "Running"
    ready = next(x for x in p.status.conditions if x.type == "Ready")
    assert (ready.status, ready.message) == ("False", "containers with unready status: [proxy]")
    assert _state(p.status.container_statuses[0])[:2] == ("running", "")
    assert p.status.container_statuses[0].restart_count == 0
    p = _at(c, 20 * S - 1)
    assert _init(p, "proxy").state.reason == "CrashLoopBackOff"
    p = _at(c, 20 * S)
    assert _state(_init(p, "proxy")) == ("running", "", None, t0 + 20 * S, None, True, True, 2)
    p = _at(c, 45 * S - 1)     # exits at 25 s, waits 20 s
    assert _init(p, "proxy").state.reason == "CrashLoopBackOff"
    p = _at(c, 45 * S)
    assert _init(p, "proxy").restart_count == 3
    backoff = [e for e in c.events("Pod", "p") if e.reason == "BackOff"]
    assert [(e.message, e.count) for e in backoff] == [
        (f"Back-off restarting failed container proxy in pod p_default({p.metadata.uid})", 2)]


def test_sidecar_stopped_after_the_app_container_completes():
    """computePodActions: with nothing to keep and nothing to start the pod
    is killed and no sidecar is restarted; the sidecar gets SIGTERM when the
    app container has exited and the pod is Succeeded once it stopped
    (sidecars do not count for the phase); until then it is Running."""
    c = _cluster()
    _apply(c, policy="Never", init=[_sidecar("proxy")],
           annotations={"kstate.io/exit-after": "10s", "kstate.io/stop-after": "4s",
                        "kstate.io/sigterm-exit-code": "143"})
    t0 = c.engine.start
    p = _at(c, 11 * S)
    assert (p.status.state, p.status.phase) == ("Terminated", "Running")
    assert _state(p.status.container_statuses[0])[:3] == ("terminated", "Completed", 0)
    assert _state(_init(p, "proxy"))[0] == "running"
    ready = next(x for x in p.status.conditions if x.type == "Ready")
    assert (ready.status, ready.message) == ("False", "containers with unready status: [app]")
    p = _at(c, 15 * S - 1)
    assert p.status.phase == "Running"
    p = _at(c, 15 * S)
    assert (p.status.state, p.status.phase) == ("Succeeded", "Succeeded")
    assert _state(_init(p, "proxy")) == ("terminated", "Error", 143, t0, t0 + 15 * S, False, False, 0)
    p = _at(c, 60 * S)
    assert _init(p, "proxy").restart_count == 0 and p.status.phase == "Succeeded"


def test_deletion_stops_sidecars_last_one_first():
    """kuberuntime_termination_order.go: app containers first, then the
    sidecars in reverse order, each after the later one exited; killContainer
    takes the whole seconds waited off the grace period (10 s): app stops at
    3 s, proxy's turn at 3 s (7 s left) → 6 s, log's turn at 6 s (4 s left) → 9 s."""
    c = _cluster()
    _apply(c, init=[_sidecar("log"), _sidecar("proxy")], grace=10,
           annotations={"kstate.io/stop-after": "3s", "kstate.io/sigterm-exit-code": "143"})
    p = _at(c, 5 * S)
    c.delete("Pod", "p")
    t = 5 * S
    p = _at(c, t + 3 * S)
    assert _state(p.status.container_statuses[0])[:3] == ("terminated", "Error", 143)
    assert [_state(s)[0] for s in p.status.init_container_statuses] == ["running", "running"]
    assert (p.status.state, p.status.phase) == ("Terminating", "Running")
    p = _at(c, t + 6 * S)
    assert [_state(s)[:3] for s in p.status.init_container_statuses] == [
        ("running", "", None), ("terminated", "Error", 143)]
    p = _at(c, t + 9 * S - 1)
    assert p.status.state == "Terminating"
    c.advance("1ms")
    with pytest.raises(kstate.NotFound):
        c.get("Pod", "p")
    assert any("Terminating->Failed (fail)" in line and line.startswith(f"{t + 9 * S} ") for line in c.trace())


def test_deletion_sigkills_sidecars_that_outlast_the_grace_period():
    """Grace 30 s, stop-after 25 s: the app container stops at 25 s; proxy's
    turn at 25 s leaves 5 s → SIGKILL at 30 s (137); log's turn comes when its
    wait times out at 30 s: 30 − 30 = 0 s left, raised to the 2 s minimum →
    SIGKILL at 32 s."""
    c = _cluster()
    _apply(c, init=[_sidecar("log"), _sidecar("proxy")], grace=30,
           annotations={"kstate.io/stop-after": "25s"})
    p = _at(c, 5 * S)
    c.delete("Pod", "p")
    t = 5 * S
    t0 = c.engine.start
    p = _at(c, t + 30 * S)
    assert _state(_init(p, "proxy"))[:5] == ("terminated", "Error", 137, t0, t0 + t + 30 * S)
    assert _state(_init(p, "log"))[0] == "running"
    p = _at(c, t + 32 * S - 1)
    assert p.status.state == "Terminating"
    c.advance("1ms")
    with pytest.raises(kstate.NotFound):
        c.get("Pod", "p")


def test_kill_schedule_truncates_the_seconds_waited():
    """killContainer: gracePeriod −= int64(seconds waited): app containers
    exit at t0 + 10.5 s → the last sidecar's turn then, 30 − 10 = 20 s left;
    a 25 s stop needs SIGKILL at t0 + 30.5 s."""
    c = _cluster()
    _apply(c, init=[_sidecar("proxy")], annotations={"kstate.io/stop-after": "25s"})
    p = _at(c, 2 * S)
    obs = KubeletObs(pod=p, node=c.get("Node", "node-0"), node_alive=True, profile=load_profile("default"))
    t0 = 100 * S
    assert kl._sidecar_kill_schedule(obs, t0, 30, t0 + 10_500) == {"proxy": (t0 + 30_500, kl.EXIT_SIGKILL)}
    # a sidecar that stops on SIGTERM exits 0 unless kstate.io/sigterm-exit-code says otherwise
    assert kl._sidecar_kill_schedule(obs, t0, 30, t0) == {"proxy": (t0 + 25 * S, 0)}
    assert kl._sidecar_kill_schedule(obs, t0, 0, t0 + 10_500) == {"proxy": (t0 + 2 * S, kl.EXIT_SIGKILL)}
    p143 = attrs.evolve(p, metadata=attrs.evolve(p.metadata, annotations=p.metadata.annotations.set(
        "kstate.io/sigterm-exit-code", "143")))
    assert kl._sidecar_kill_schedule(attrs.evolve(obs, pod=p143), t0, 30, t0) == {
        "proxy": (t0 + 25 * S, kl.EXIT_SIGTERM)}


def test_reconcile_is_pure_and_asks_to_be_woken_for_the_next_sidecar_event():
    c = _cluster()
    _apply(c, init=[_sidecar("proxy")], annotations={"kstate.io/sidecar-exit-after": "7s"})
    p = _at(c, 2 * S)
    obs = KubeletObs(pod=p, node=c.get("Node", "node-0"), node_alive=True, profile=load_profile("default"),
                     backoff=c.engine.memory(kl.NAME, p.metadata.uid, kl.EMPTY),
                     images=c.engine.memory(kl.NAME, (kl.IMAGES_KEY, "node-0"), kl.NO_IMAGES))
    assert _init(p, "proxy").image in obs.images   # pulled at the first start
    now = c.engine.now
    result = reconcile_kubelet(obs, now)
    assert result.actions == () and result.requeue_after == 5 * S
    assert reconcile_kubelet(obs, now) == result
    exited = reconcile_kubelet(obs, now + 5 * S)
    (update,) = exited.actions
    assert isinstance(update, UpdateStatus) and update.trigger is None
    assert _state(_init(update.obj, "proxy"))[:3] == ("terminated", "Completed", 0)
    obs2 = attrs.evolve(obs, pod=update.obj)
    restart = reconcile_kubelet(obs2, now + 5 * S)
    assert [type(a) for a in restart.actions[:2]] == [SetMemory, UpdateStatus]
    assert _state(_init(restart.actions[1].obj, "proxy"))[::7] == ("running", 1)
    # the restarted sidecar's events, in startContainer's order: "envoy" has no tag, so its
    # imagePullPolicy defaults to Always and it is pulled again though the node has it
    assert [(a.reason, a.message) for a in restart.actions[2:]] == [
        ("Pulling", 'Pulling image "envoy"'),
        ("Pulled", 'Successfully pulled image "envoy" in 0s (0s including waiting). Image size: 0 bytes.'),
        ("Created", "Container created"), ("Started", "Container started")]


def test_pods_without_sidecars_are_unchanged_by_the_sidecar_rules():
    """The exit rules of app containers do not touch init containers and
    the sidecar rule does not touch app containers."""
    c = _cluster()
    _apply(c, annotations={"kstate.io/sidecar-exit-after": "1s"})
    p = _at(c, 30 * S)
    assert p.status.container_statuses[0].restart_count == 0 and p.status.phase == "Running"

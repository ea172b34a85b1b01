"""Running and Ready in one status write (kubelet.ready_as_started).

The kubelet's status manager sends a container without a readiness probe as
ready in the same update that shows it running (pkg/kubelet/prober/
prober_manager.go UpdatePodStatus: no readiness worker → `ready = !exists`),
so kstate writes ContainerCreating->Running and Ready=True at once whenever
the kubelet's next look at this instant would only make the pod ready. Every
other case keeps its separate Ready step: probes, a delayed or jittered
`become_ready` rule, sidecars, never-ready.
"""
import attrs

import kstate
from kstate.controllers.actions import RecordEvent, SetMemory, UpdateStatus
from kstate.controllers.kubelet import KubeletObs, reconcile_kubelet
from kstate.io.profile import load_profile
from kstate.resources.pod import is_pod_ready


def _cluster(**kw):
    return kstate.Cluster(nodes=1, seed=1, **kw)


def _pod(c, name="p", annotations=None, policy="Always", containers=None, **spec):
    return c.apply({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": name, "annotations": annotations or {}},
                    "spec": {"restartPolicy": policy,
                             "containers": containers or [{"name": "app", "image": "nginx"}], **spec}})


def _pod_lines(c, name="p"):
    return [line for line in c.trace() if f" Pod default/{name}" in line]


def test_start_without_probe_is_running_and_ready_in_one_write():
    c = _cluster()
    _pod(c)
    c.advance("0s")
    p = c.get("Pod", "p")
    assert p.status.state == "ContainerCreating"
    obs = KubeletObs(pod=p, node=c.get("Node", "node-0"), node_alive=True, profile=load_profile("default"))
    now = c.engine.now + 1000
    actions = reconcile_kubelet(obs, now).actions
    assert [type(a) for a in actions] == [UpdateStatus, RecordEvent, RecordEvent, RecordEvent, RecordEvent,
                                          SetMemory]
    assert [a.reason for a in actions[1:5]] == ["Pulling", "Pulled", "Created", "Started"]
    assert actions[5].value == frozenset({"nginx"})    # the node now holds the image
    write = actions[0]
    assert write.trigger == "start"
    new = write.obj
    assert new.status.state == "Running" and new.status.phase == "Running"
    (st,) = new.status.container_statuses
    assert (st.state.kind, st.state.started_at, st.started, st.ready) == ("running", now, True, True)
    conds = {x.type: x for x in new.status.conditions}
    assert (conds["Ready"].status, conds["Ready"].last_transition_time) == ("True", now)
    assert (conds["ContainersReady"].status, conds["ContainersReady"].last_transition_time) == ("True", now)


def test_trace_shows_one_entry_and_the_pod_is_settled():
    c = _cluster()
    _pod(c)
    c.run_until_stable()
    assert _pod_lines(c)[-1] == "1000 status Pod default/p ContainerCreating->Running (start) Ready=True ContainersReady=True"
    assert not any(line.endswith("status Pod default/p Ready=True ContainersReady=True") for line in c.trace())
    p = c.get("Pod", "p")
    assert is_pod_ready(p) and p.status.phase == "Running"
    assert c.violations() == []


def test_restart_without_probe_is_running_and_ready_in_one_write():
    c = _cluster()
    _pod(c, annotations={"kstate.io/exit-after": "5s", "kstate.io/exit-code": "1"})
    c.advance("7s")
    assert _pod_lines(c)[-2:] == [
        "6000 status Pod default/p Running->Terminated (exit)",
        "6000 status Pod default/p Terminated->Running (restart) Ready=True ContainersReady=True",
    ]
    assert is_pod_ready(c.get("Pod", "p")) and c.violations() == []


def test_ready_after_keeps_its_own_step():
    c = _cluster()
    _pod(c, annotations={"kstate.io/ready-after": "2s"})
    c.advance("5s")
    assert _pod_lines(c)[-2:] == [
        "1000 status Pod default/p ContainerCreating->Running (start)",
        "3000 status Pod default/p Ready=True ContainersReady=True",
    ]


def test_never_ready_is_only_running():
    c = _cluster()
    _pod(c, annotations={"kstate.io/never-ready": "true"})
    c.advance("5s")
    assert _pod_lines(c)[-1] == "1000 status Pod default/p ContainerCreating->Running (start)"
    assert not is_pod_ready(c.get("Pod", "p"))


def test_a_probe_keeps_the_prober_step_even_at_the_same_instant():
    c = _cluster()
    _pod(c, containers=[{"name": "app", "image": "nginx",
                         "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}])
    c.advance("5s")
    assert _pod_lines(c)[-2:] == [
        "1000 status Pod default/p ContainerCreating->Running (start)",
        "1000 status Pod default/p Ready=True ContainersReady=True",
    ]


def test_a_sidecar_keeps_the_separate_step():
    c = _cluster()
    _pod(c, initContainers=[{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}])
    c.advance("5s")
    assert _pod_lines(c)[-2:] == [
        "1000 status Pod default/p ContainerCreating->Running (start)",
        "1000 status Pod default/p Ready=True ContainersReady=True",
    ]


def test_a_jittered_become_ready_keeps_the_separate_step():
    """The realistic profile jitters become-ready (up to 500 ms a pod): Ready
    comes later, in its own write."""
    c = _cluster(profile="realistic")
    _pod(c)
    c.advance("30s")
    lines = _pod_lines(c)
    start = next(i for i, line in enumerate(lines) if "ContainerCreating->Running (start)" in line)
    assert lines[start].endswith("(start)")
    assert lines[start + 1].split()[2:] == ["Pod", "default/p", "Ready=True", "ContainersReady=True"]
    assert int(lines[start + 1].split()[0]) > int(lines[start].split()[0])


def test_latency_does_not_delay_the_kubelets_own_next_step():
    """Control-plane latency delays the watch events the kubelet gets (the
    bind here), not its look after its own write (kubelet.next_look): the
    start is written Running and Ready at once, as without latency."""
    prof = load_profile("default")
    prof = attrs.evolve(prof, latency=kstate.resources.frozen.freeze({"kubelet": 500}))
    c = _cluster(profile=prof)
    _pod(c)
    c.advance("10s")
    lines = _pod_lines(c)
    assert lines[-1].endswith("ContainerCreating->Running (start) Ready=True ContainersReady=True")
    created = next(int(line.split()[0]) for line in lines if "(create_containers)" in line)
    assert int(lines[-1].split()[0]) == created + 1000


def test_a_config_error_resolved_later_starts_ready():
    c = _cluster()
    _pod(c, containers=[{"name": "app", "image": "nginx",
                         "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "x"}}}]}])
    c.advance("5s")
    assert c.get("Pod", "p").status.state == "ContainerCreating"
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"x": "1"}})
    c.advance("1s")
    assert _pod_lines(c)[-1] == "5000 status Pod default/p ContainerCreating->Running (start) Ready=True ContainersReady=True"
    assert c.violations() == []

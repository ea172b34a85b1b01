"""The kubelet's and the controllers' events with Kubernetes 1.35's wording.

Sources (1.35): pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer
("Container created", "Container started" since kubernetes PR #134043) and
killContainer ("Stopping container app"), pkg/kubelet/images/image_manager.go
EnsureImageExists (Pulling, Pulled; shouldPullImage for imagePullPolicy),
pkg/kubelet/kubelet_node_status.go recordNodeStatusEvent (NodeReady),
pkg/controller/deployment/sync.go (ScalingReplicaSet "from 0 to 3").
"""
import attrs

import kstate
from kstate.controllers import kubelet as kl
from kstate.controllers.actions import RecordEvent, SetMemory, UpdateStatus
from kstate.io.profile import load_profile
from tests.unit.helpers import pod

S = 1000
PRESENT = 'Container image "nginx:1.25" already present on machine and can be accessed by the pod'
PULLED_0 = 'Successfully pulled image "nginx:1.25" in 0s (0s including waiting). Image size: 0 bytes.'


def _pod_doc(name, image="nginx:1.25", annotations=None, **container):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"containers": [{"name": "app", "image": image, **container}]}}


def _events(c, name):
    return [(e.reason, e.message, e.count) for e in c.events("Pod", name) if e.reason != "Scheduled"]


def test_first_pod_on_a_node_pulls_the_image_the_next_ones_find_it_present():
    c = kstate.Cluster(nodes=1)
    c.apply(_pod_doc("a"))
    c.advance("2s")
    c.apply(_pod_doc("b"))
    c.advance("2s")
    assert _events(c, "a") == [("Pulling", 'Pulling image "nginx:1.25"', 1), ("Pulled", PULLED_0, 1),
                               ("Created", "Container created", 1), ("Started", "Container started", 1)]
    assert _events(c, "b") == [("Pulled", PRESENT, 1), ("Created", "Container created", 1),
                               ("Started", "Container started", 1)]


def test_image_pull_policy_always_pulls_at_every_start():
    c = kstate.Cluster(nodes=1)
    c.apply(_pod_doc("a"))
    c.apply(_pod_doc("b", imagePullPolicy="Always"))
    c.advance("2s")
    assert [e[0] for e in _events(c, "b")] == ["Pulling", "Pulled", "Created", "Started"]


def test_an_image_without_a_tag_defaults_to_always():
    p = pod()   # image "nginx", no tag
    c0 = p.spec.containers[0]
    assert kl.should_pull_image(attrs.evolve(c0, extra=c0.extra.set("imagePullPolicy", "IfNotPresent")),
                                frozenset({"nginx"})) is False
    assert kl.should_pull_image(attrs.evolve(c0, extra=c0.extra.set("imagePullPolicy", "Always")),
                                frozenset({"nginx"})) is True
    assert kl.should_pull_image(attrs.evolve(c0, extra=c0.extra.set("imagePullPolicy", "Never")),
                                frozenset()) is False


def test_images_are_per_node():
    c = kstate.Cluster(nodes=2)
    for n in ("a", "b"):
        doc = _pod_doc(n)
        doc["spec"]["nodeName"] = "node-0" if n == "a" else "node-1"
        c.apply(doc)
    c.advance("2s")
    assert [e[0] for e in _events(c, "a")][:2] == ["Pulling", "Pulled"]
    assert [e[0] for e in _events(c, "b")][:2] == ["Pulling", "Pulled"]


def test_restart_events_aggregate_with_counts():
    c = kstate.Cluster(nodes=1)
    c.apply(_pod_doc("a", annotations={"kstate.io/exit-after": "5s", "kstate.io/exit-code": "1"}))
    c.advance("40s")  # starts at 1 s, 6 s (at once), 21 s (10 s back-off)
    ev = {(r, m): n for r, m, n in _events(c, "a")}
    assert ev[("Pulling", 'Pulling image "nginx:1.25"')] == 1
    assert ev[("Pulled", PRESENT)] == 2
    assert ev[("Created", "Container created")] == ev[("Started", "Container started")] == 3


def _pull_profile(took="30s"):
    data = {"name": "slow-pull", "rules": [
        {"name": "pull-image", "on": {"kind": "Pod", "state": "ContainerCreating"}, "after": {"default": took},
         "fire": "pull"},
        {"name": "start-containers", "on": {"kind": "Pod", "state": "ContainerCreating"},
         "after": {"default": "1s"}, "fire": "start"},
        {"name": "become-ready", "on": {"kind": "Pod", "state": "Running", "ready": False},
         "after": {"default": "0s"}, "fire": "become_ready"}]}
    return load_profile(data)


def test_pull_time_from_the_profile_delays_the_start_and_is_reported():
    c = kstate.Cluster(nodes=1, profile=_pull_profile())
    c.apply(_pod_doc("a"))
    c.advance("30s")
    assert c.get("Pod", "a").status.state == "ContainerCreating"
    assert _events(c, "a") == [("Pulling", 'Pulling image "nginx:1.25"', 1)]
    c.advance("1s")
    p = c.get("Pod", "a")
    assert p.status.state == "Running"
    assert p.status.container_statuses[0].state.started_at == c.engine.start + 31 * S
    assert _events(c, "a")[1:] == [
        ("Pulled", 'Successfully pulled image "nginx:1.25" in 30s (30s including waiting). Image size: 0 bytes.', 1),
        ("Created", "Container created", 1), ("Started", "Container started", 1)]
    # the pull memory is gone once the containers started
    assert kl.PULL_KEY not in c.engine.memory(kl.NAME, p.metadata.uid, kl.EMPTY)
    # a second pod finds the image: no pull, starts after the start rule alone
    c.apply(_pod_doc("b"))
    c.advance("1s")
    assert c.get("Pod", "b").status.state == "Running"


def test_pull_wait_by_exact_actions():
    p = pod(node="node-0")
    p = attrs.evolve(p, status=attrs.evolve(p.status, state="ContainerCreating", state_since=0,
                                            container_statuses=kl._waiting(p, p.spec.containers,
                                                                           "ContainerCreating")))
    obs = kl.KubeletObs(pod=p, node=object(), node_alive=True, profile=_pull_profile("5s"))
    first = kl.reconcile_kubelet(obs, 1 * S)
    assert first.requeue_after == 5 * S
    mem, ev = first.actions
    assert mem == SetMemory(kl.NAME, "uid-p", kl.EMPTY.set(kl.PULL_KEY, 1 * S))
    assert (ev.reason, ev.message) == ("Pulling", 'Pulling image "nginx"')
    obs = attrs.evolve(obs, backoff=mem.value)
    assert kl.reconcile_kubelet(obs, 3 * S).actions == ()
    done = kl.reconcile_kubelet(obs, 6 * S)
    kinds = [type(a) for a in done.actions]
    assert kinds == [UpdateStatus, SetMemory, RecordEvent, RecordEvent, RecordEvent, SetMemory]
    assert done.actions[1] == SetMemory(kl.NAME, "uid-p", None)       # the pull is over
    assert done.actions[2].message.startswith('Successfully pulled image "nginx" in 5s (5s including')
    assert done.actions[-1] == SetMemory(kl.NAME, (kl.IMAGES_KEY, "node-0"), frozenset({"nginx"}))


def test_killing_event_once_per_deletion():
    c = kstate.Cluster(nodes=1)
    c.apply(_pod_doc("a", annotations={"kstate.io/stop-after": "5s"}))
    c.advance("2s")
    c.delete("Pod", "a")
    c.advance("1s")
    assert [(r, m) for r, m, _ in _events(c, "a") if r == "Killing"] == [("Killing", "Stopping container app")]
    c.advance("10s")
    assert c.engine.get("Pod", "default", "a") is None
    assert [(r, m, n) for r, m, n in _events(c, "a") if r == "Killing"] == [
        ("Killing", "Stopping container app", 1)]


def test_killing_event_when_the_container_stops_at_once():
    c = kstate.Cluster(nodes=1)
    c.apply(_pod_doc("a"))
    c.advance("2s")
    c.delete("Pod", "a")
    c.advance("1s")
    assert [(r, m, n) for r, m, n in _events(c, "a") if r == "Killing"] == [
        ("Killing", "Stopping container app", 1)]


def test_scaling_replica_set_wording():
    c = kstate.Cluster(nodes=1)
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}})
    c.advance("2s")
    c.scale("Deployment", "web", 1)
    c.advance("2s")
    rs = c.list("ReplicaSet")[0].metadata.name
    msgs = [e.message for e in c.events("Deployment", "web") if e.reason == "ScalingReplicaSet"]
    assert msgs == [f"Scaled up replica set {rs} from 0 to 3", f"Scaled down replica set {rs} from 3 to 1"]


def test_node_ready_event_after_the_node_comes_back():
    c = kstate.Cluster(nodes=1)
    c.advance("1s")
    c.fail_node("node-0")
    c.advance("2m")
    c.recover_node("node-0")
    ev = [(e.reason, e.message, e.source) for e in c.events("Node", "node-0")]
    assert ev == [("NodeNotReady", "Node node-0 status is now: NodeNotReady", "node-controller"),
                  ("NodeReady", "Node node-0 status is now: NodeReady", "kubelet")]


def test_no_node_ready_event_when_the_controller_never_saw_it_gone():
    c = kstate.Cluster(nodes=1)
    c.fail_node("node-0")
    c.advance("10s")      # still within the node-monitor grace period
    c.recover_node("node-0")
    assert [e.reason for e in c.events("Node", "node-0")] == []

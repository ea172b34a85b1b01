"""ImageLocality (the scheduler's score from images already on a node) and
the kubelet's status.images that feed it.

Ported cases cite, at the declared Kubernetes version,
pkg/scheduler/framework/plugins/imagelocality/image_locality_test.go
(TestImageLocalityPriority, TestNormalizedImageName); the node-status list
follows pkg/kubelet/nodestatus/setters.go (Images) and the image manager's
ByImageSize order."""
import hashlib

import pytest

import kstate
from kstate.controllers import images as kimages
from kstate.controllers import kubelet as kl
from kstate.controllers import scheduler as sched
from kstate.controllers.actions import UpdateStatus
from kstate.controllers.scheduling import imagelocality as il
from kstate.resources import ObjectMeta
from kstate.resources.node import ContainerImage, Node, NodeStatus
from kstate.resources.pod import Container, Pod, PodSpec

MB = il.MB


def _node(name, images=()):
    return Node(metadata=ObjectMeta(name=name), status=NodeStatus(images=tuple(
        ContainerImage(names=tuple(names), size_bytes=size) for names, size in images)))


def _pod(containers, inits=()):
    return Pod(metadata=ObjectMeta(name="p"), spec=PodSpec(
        containers=tuple(Container(name=f"c{i}", image=img) for i, img in enumerate(containers)),
        init_containers=tuple(Container(name=f"i{i}", image=img) for i, img in enumerate(inits))))


NODE_40_300_2000 = ((["gcr.io/40:latest", "gcr.io/40:v1", "gcr.io/40:v1"], 40 * MB),
                    (["gcr.io/300:latest", "gcr.io/300:v1"], 300 * MB), (["gcr.io/2000:latest"], 2000 * MB))
NODE_250_10 = ((["gcr.io/250:latest"], 250 * MB), (["gcr.io/10:latest", "gcr.io/10:v1"], 10 * MB))
NODE_600_40_900 = ((["gcr.io/600:latest"], 600 * MB), (["gcr.io/40:latest"], 40 * MB),
                   (["gcr.io/900:latest"], 900 * MB))
NODE_300_600_900 = ((["gcr.io/300:latest"], 300 * MB), (["gcr.io/600:latest"], 600 * MB),
                    (["gcr.io/900:latest"], 900 * MB))
NODE_4000_30 = ((["gcr.io/4000:latest"], 4000 * MB), (["gcr.io/30:latest"], 30 * MB))
NODE_20_30_40 = ((["gcr.io/20:latest"], 20 * MB), (["gcr.io/30:latest"], 30 * MB), (["gcr.io/40:latest"], 40 * MB))


def _scores(pod, nodes):
    state = il.new_image_states()
    for n in nodes:
        il.on_node(state, None, n, None)
    gathered = il.gather(state, pod)
    names = [n.metadata.name for n in nodes]
    return il.scores(gathered, names, len(nodes)) if gathered else [0] * len(nodes)


# TestImageLocalityPriority, every case of the table.
@pytest.mark.parametrize("containers,inits,nodes,want", [
    # "two images spread on two nodes, prefer the larger image one": 100 × (250M/2 − 23M)/(2000M − 23M) = 5
    (["gcr.io/40", "gcr.io/250"], [], [NODE_40_300_2000, NODE_250_10], [0, 5]),
    # "two images on one node, prefer this node": 100 × ((40M + 300M)/2 − 23M)/(2000M − 23M) = 7
    (["gcr.io/40", "gcr.io/300"], [], [NODE_40_300_2000, NODE_250_10], [7, 0]),
    # "if exceed limit, use limit"
    (["gcr.io/10", "gcr.io/4000"], [], [NODE_4000_30, NODE_250_10], [100, 0]),
    # "if exceed limit, use limit (with node which has no images present)": 4000M/3 → 66
    (["gcr.io/10", "gcr.io/4000"], [], [NODE_4000_30, NODE_250_10, ()], [66, 0, 0]),
    # "pod with multiple large images, node2 is preferred"
    (["gcr.io/300", "gcr.io/600", "gcr.io/900"], [], [NODE_600_40_900, NODE_300_600_900, ()], [32, 36, 0]),
    # "pod with multiple small images"
    (["gcr.io/30", "gcr.io/40"], [], [NODE_20_30_40, NODE_4000_30], [1, 0]),
    # "include InitContainers: two images spread on two nodes, prefer the larger image one"
    (["gcr.io/30"], ["gcr.io/300"], [NODE_40_300_2000, NODE_20_30_40], [6, 0]),
])
def test_image_locality_priority(containers, inits, nodes, want):
    built = [_node(f"node{i + 1}", imgs) for i, imgs in enumerate(nodes)]
    assert _scores(_pod(containers, inits), built) == want


# TestNormalizedImageName
@pytest.mark.parametrize("name,want", [
    ("root", "root:latest"),
    ("gcr.io:5000/root", "gcr.io:5000/root:latest"),
    ("root:tag", "root:tag"),
    ("root@sha256:" + hashlib.sha256(b"root").hexdigest(), "root@sha256:" + hashlib.sha256(b"root").hexdigest()),
])
def test_normalized_image_name(name, want):
    assert il.normalized_image_name(name) == want


def test_image_volumes_add_to_the_sum_but_not_to_the_container_count():
    """sumImageScores counts image volumes (1.33+); calculatePriority's
    threshold still counts only init and app containers."""
    import attrs
    from kstate.resources.frozen import freeze
    pod = _pod(["gcr.io/40"])
    pod = attrs.evolve(pod, spec=attrs.evolve(pod.spec, extra=freeze(
        {"volumes": [{"name": "data", "image": {"reference": "gcr.io/600"}}]})))
    nodes = [_node("a", NODE_600_40_900), _node("b")]
    # (40M + 600M)/2 = 320M → 100 × (320 − 23)/(1000 − 23) = 30
    assert _scores(pod, nodes) == [30, 0]


def test_state_keeps_the_first_size_and_drops_a_node_that_lost_the_image():
    state = il.new_image_states()
    a, b = _node("a", [(["x:1"], 100 * MB)]), _node("b", [(["x:1"], 300 * MB)])
    il.on_node(state, None, a, None)
    il.on_node(state, None, b, None)
    assert state["states"]["x:1"] == [100 * MB, {"a", "b"}]      # cache.go: the first node's size
    il.on_node(state, b, _node("b"), None)
    assert state["states"]["x:1"] == [100 * MB, {"a"}]
    il.on_node(state, a, None, None)
    assert state == il.new_image_states()


def test_a_pod_whose_images_no_node_lists_gathers_nothing():
    state = il.new_image_states()
    assert il.gather(state, _pod(["gcr.io/40"])) == ()
    il.on_node(state, None, _node("a", NODE_250_10), None)
    assert il.gather(state, _pod(["gcr.io/40"])) == ()


# -- containerd's names and the kubelet's list

@pytest.mark.parametrize("image,want", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.25", "docker.io/library/nginx:1.25"),
    ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
    ("index.docker.io/library/nginx:1", "docker.io/library/nginx:1"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("localhost/app", "localhost/app:latest"),
    ("localhost:5000/app:v2", "localhost:5000/app:v2"),
    ("nginx:1.25@sha256:abc", "docker.io/library/nginx@sha256:abc"),
])
def test_docker_ref(image, want):
    assert kimages.docker_ref(image) == want


def test_node_status_images_largest_first_at_most_50():
    cur = (ContainerImage(("a",), 300 * MB),)
    got = kimages.node_status_images(cur, {"b": 500 * MB, "c": 300 * MB, "z": 0})
    assert got == (ContainerImage(("b",), 500 * MB), ContainerImage(("c",), 300 * MB),
                   ContainerImage(("a",), 300 * MB))
    many = kimages.node_status_images((), {f"i{k:03d}": k + 1 for k in range(60)})
    assert len(many) == kimages.NODE_STATUS_MAX_IMAGES
    assert many[0].size_bytes == 60 and many[-1].size_bytes == 11


def _sized_pod(name, image, size=None):
    meta = {"name": name}
    if size is not None:
        meta["annotations"] = {"kstate.io/image-size": size}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [{"name": "app", "image": image}]}}


def test_kubelet_lists_a_sized_image_on_its_node_with_exact_actions():
    c = kstate.Cluster(nodes=1, seed=0)
    c.apply(_sized_pod("a", "nginx:1.25", "500Mi"))
    c.advance("999ms")
    obs = kl.observe_kubelet(c.engine, ("default", "a"))
    result = kl.reconcile_kubelet(obs, c.engine.now + 1)
    statuses = [a for a in result.actions if type(a) is UpdateStatus]
    assert [type(a.obj).__name__ for a in statuses] == ["Pod", "Node"]
    assert statuses[1].obj.status.images == (ContainerImage(("docker.io/library/nginx:1.25",), 500 * MB),)
    events = [(a.reason, a.message) for a in result.actions if type(a).__name__ == "RecordEvent"]
    assert ("Pulled", 'Successfully pulled image "nginx:1.25" in 0s (0s including waiting). '
                      "Image size: 524288000 bytes.") in events
    c.advance("1ms")
    assert "1000 status Node node-0 images=1" in c.trace()


def test_no_annotation_no_node_status_write_and_no_score():
    c = kstate.Cluster(nodes=2, seed=0)
    c.apply(_sized_pod("a", "nginx:1.25"))
    c.advance("2s")
    assert not [line for line in c.trace() if "status Node" in line]
    assert all(n.status.images == () for n in c.list("Node"))


def test_the_node_holding_a_large_image_wins_and_the_kubelet_does_not_pull_it_again():
    for seed in range(4):
        c = kstate.Cluster(nodes=0, seed=seed)
        for i in range(3):
            status = {"capacity": {"cpu": "4", "memory": "16Gi"}}
            if i == 1:
                status["images"] = [{"names": ["registry.example.com/big:1.0"], "sizeBytes": 900 * MB}]
            c.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i}"}, "status": status})
        c.apply(_sized_pod("a", "registry.example.com/big:1.0"))
        obs = sched.observe_scheduler(c.engine, ("default", "a"))
        assert obs.inputs.images == (1, ((900 * MB, frozenset({"n1"})),))
        c.advance("2s")
        assert c.get("Pod", "a").spec.node_name == "n1"          # 900M/3 → 28 points
        (pulled,) = [e for e in c.events("Pod", "a") if e.reason == "Pulled"]
        assert pulled.message.startswith('Container image "registry.example.com/big:1.0" already present')


def test_a_docker_hub_short_name_never_matches_what_containerd_reports():
    """normalizedImageName's TODO: the pod says nginx:1.25, the node lists
    docker.io/library/nginx:1.25 — ImageLocality gives nothing (as on a
    containerd node), though the kubelet knows the image is there."""
    c = kstate.Cluster(nodes=0, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n0"}, "status": {
        "images": [{"names": ["docker.io/library/nginx:1.25"], "sizeBytes": 900 * MB}]}})
    c.apply(_sized_pod("a", "nginx:1.25"))
    assert sched.observe_scheduler(c.engine, ("default", "a")).inputs.images == ()
    c.advance("2s")
    (pulled,) = [e for e in c.events("Pod", "a") if e.reason == "Pulled"]
    assert "already present" in pulled.message


def test_status_images_round_trip():
    from kstate.io import to_manifest
    doc = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n0"}, "status": {
        "images": [{"names": ["registry.example.com/big:1.0"], "sizeBytes": 5}]}}
    node = kstate.parse_manifests(doc)[0]
    assert to_manifest(node)["status"]["images"] == doc["status"]["images"]
    doc["status"]["images"][0]["sizeBytes"] = -1
    with pytest.raises(kstate.SpecError) as e:
        kstate.parse_manifests(doc)
    assert e.value.path == "status.images[0].sizeBytes"

"""The issue's four placement cases: where the default profile of
kube-scheduler (1.35) puts replicas, as a real cluster does.

1. hostname anti-affinity, 5 replicas on 3 nodes → 3 Running, 2 Pending
   (InterPodAffinity filter, interpodaffinity/filtering.go);
2. a 3-replica anti-affine Deployment on 3 nodes rolled to a new image
   cannot surge anywhere and stays stuck until ProgressDeadlineExceeded;
3. 10 pods on 4 nodes keep 3/3/2/2 after a rollout (the system default
   PodTopologySpread constraints, podtopologyspread/scoring.go);
4. 12 replicas over zones of 4 + 1 + 1 nodes end about 6/3/3 (the zone
   default constraint, maxSkew 5, weight log(zones + 2)).
"""
from collections import Counter

import pytest

import kstate

ZONE = "topology.kubernetes.io/zone"


def _deploy(name, replicas, image="nginx:1", anti=False, cpu="100m", progress=600):
    spec = {"containers": [{"name": "app", "image": image, "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]}
    if anti:
        spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": name}}, "topologyKey": "kubernetes.io/hostname"}]}}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "progressDeadlineSeconds": progress,
                     "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}


def _pods(c, app):
    return [p for p in c.list("Pod") if p.metadata.labels.get("app") == app and p.metadata.deletion_timestamp is None]


def _per_node(c, app):
    return Counter(p.spec.node_name for p in _pods(c, app) if p.spec.node_name)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hostname_anti_affinity_5_replicas_on_3_nodes_3_run_2_pending(seed):
    c = kstate.Cluster(nodes=3, seed=seed)
    c.apply(_deploy("web", 5, anti=True))
    c.advance("60s")
    pods = _pods(c, "web")
    running = [p for p in pods if p.status.phase == "Running"]
    pending = [p for p in pods if not p.spec.node_name]
    assert len(running) == 3 and len(pending) == 2
    assert sorted(p.spec.node_name for p in running) == ["node-0", "node-1", "node-2"]
    msg = next(x for x in pending[0].status.conditions if x.type == "PodScheduled").message
    assert msg == ("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
                   "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")


def test_anti_affine_rollout_sticks_until_progress_deadline():
    c = kstate.Cluster(nodes=3, seed=0)
    c.apply(_deploy("web", 3, anti=True, progress=60))
    c.advance("30s")
    assert sorted(_per_node(c, "web").values()) == [1, 1, 1]
    c.apply(_deploy("web", 3, image="nginx:2", anti=True, progress=60))
    c.advance("120s")
    d = c.get("Deployment", "web")
    cond = next(x for x in d.status.conditions if x.type == "Progressing")
    assert (cond.status, cond.reason) == ("False", "ProgressDeadlineExceeded")
    new = [p for p in _pods(c, "web") if p.spec.containers[0].image == "nginx:2"]
    assert new and all(not p.spec.node_name for p in new)
    # no node ever ran two web pods
    assert max(_per_node(c, "web").values()) == 1


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ten_pods_on_four_nodes_stay_3_3_2_2_after_a_rollout(seed):
    c = kstate.Cluster(nodes=4, seed=seed)
    c.apply(_deploy("web", 10))
    c.advance("60s")
    assert sorted(_per_node(c, "web").values()) == [2, 2, 3, 3]
    c.apply(_deploy("web", 10, image="nginx:2"))
    c.advance("300s")
    pods = _pods(c, "web")
    assert len(pods) == 10 and all(p.spec.containers[0].image == "nginx:2" for p in pods)
    assert sorted(_per_node(c, "web").values()) == [2, 2, 3, 3]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_zones_of_4_1_1_nodes_spread_about_6_3_3(seed):
    c = kstate.Cluster(nodes=0, seed=seed)
    for i in range(4):
        c.add_node(f"a{i}", labels={ZONE: "a"})
    c.add_node("b0", labels={ZONE: "b"})
    c.add_node("c0", labels={ZONE: "c"})
    c.apply(_deploy("web", 12))
    c.advance("60s")
    zones = Counter(c.get("Node", p.spec.node_name).metadata.labels[ZONE] for p in _pods(c, "web"))
    assert (zones["a"], zones["b"], zones["c"]) == (6, 3, 3)

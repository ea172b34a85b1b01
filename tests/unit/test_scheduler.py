"""kube-scheduler: window size, scores, filters, FailedScheduling.

numFeasibleNodesToFind cases follow pkg/scheduler/schedule_one_test.go
TestNumFeasibleNodesToFind; leastRequestedScore follows
noderesources/least_allocated_test.go arithmetic.
"""
import pytest

import kstate
from kstate.controllers.scheduler import (
    least_allocated_score, least_requested_score, num_feasible_nodes_to_find, pod_requests,
)
from kstate.io import parse_manifests


@pytest.mark.parametrize("nodes,percentage,want", [
    (10, 0, 10),          # not set percentageOfNodesToScore and nodes number not more than 50
    (10, 40, 10),         # set percentageOfNodesToScore and nodes number not more than 50
    (1000, 0, 420),       # not set, nodes number more than 50: adaptive 50 − 1000/125 = 42 %
    (1000, 40, 400),      # set to 40 %
    (6000, 0, 300),       # adaptive 50 − 48 = 2 % → minimum 5 % = 300
    (6000, 20, 1200),
    (5000, 0, 500),       # the issue's figure: 10 % at 5,000 nodes
    (150, 0, 100),        # at least 100
])
def test_num_feasible_nodes_to_find(nodes, percentage, want):
    assert num_feasible_nodes_to_find(nodes, percentage) == want


def test_least_requested_score():
    assert least_requested_score(0, 4000) == 100
    assert least_requested_score(1100, 4000) == 72
    assert least_requested_score(4001, 4000) == 0
    assert least_requested_score(10, 0) == 0
    # cpu 3000/4000 → 25, memory 5000/10000 → 50 → (25 + 50) // 2
    assert least_allocated_score(4000, 10000, 3000, 5000) == 37


def _pod_doc(name, cpu=None, memory=None, **spec):
    res = {"requests": {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}} if (cpu or memory) else {}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx", "resources": res}], **spec}}


def test_pod_requests_non_zero_defaults_and_init_max():
    (p,) = parse_manifests(_pod_doc("a"))
    r = pod_requests(p)
    assert (r.cpu, r.memory, r.nz_cpu, r.nz_memory) == (0, 0, 100, 200 * 1024 * 1024)
    (p,) = parse_manifests({**_pod_doc("b", cpu="250m"), "spec": {
        "initContainers": [{"name": "i", "image": "x", "resources": {"requests": {"cpu": "1"}}}],
        "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "250m"}}}]}})
    assert pod_requests(p).cpu == 1000


def test_pod_requests_pod_level_resources_of_pods_sharing_their_containers():
    """Pods made from one template by attrs.evolve share the containers tuple;
    pod-level requests (PodLevelResources) set on one of them stand for that
    pod alone (resource/helpers.go PodRequests), also when the other was asked
    about first: the memo is keyed on both."""
    import attrs
    (plain,) = parse_manifests(_pod_doc("a", cpu="250m"))
    (level,) = parse_manifests({**_pod_doc("b", cpu="250m"), "spec": {
        "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "250m"}}}],
        "resources": {"requests": {"cpu": "2"}}}})
    sibling = attrs.evolve(plain, spec=attrs.evolve(plain.spec, resources=level.spec.resources))
    assert sibling.spec.containers is plain.spec.containers
    assert pod_requests(plain).cpu == 250
    assert pod_requests(sibling).cpu == 2000
    assert pod_requests(plain).cpu == 250
    assert pod_requests(sibling).cpu == 2000


def _init(name, cpu=None, sidecar=False):
    c = {"name": name, "image": "x"}
    if cpu:
        c["resources"] = {"requests": {"cpu": cpu}}
    if sidecar:
        c["restartPolicy"] = "Always"
    return c


@pytest.mark.parametrize("inits,cpu,nz_cpu", [
    # staging/src/k8s.io/component-helpers/resource/helpers.go aggregateContainerResourcesByFn:
    # InitContainerUse(i) = sum(sidecars with index < i) + init container i; sidecars add to the app sum.
    ([_init("side", "100m", True)], 350, 350),
    ([_init("side", "100m", True), _init("big", "1")], 1100, 1100),
    ([_init("big", "1"), _init("side", "100m", True)], 1000, 1000),
    ([_init("s1", "500m", True), _init("s2", "500m", True), _init("i", "200m")], 1250, 1250),
    ([_init("side", None, True)], 250, 350),          # no request: 0, non-zero default 100m
])
def test_pod_requests_count_sidecars(inits, cpu, nz_cpu):
    (p,) = parse_manifests({**_pod_doc("s", cpu="250m"), "spec": {
        "initContainers": inits,
        "containers": [{"name": "app", "image": "nginx", "resources": {"requests": {"cpu": "250m"}}}]}})
    r = pod_requests(p)
    assert (r.cpu, r.nz_cpu) == (cpu, nz_cpu)


def _placements(seed):
    c = kstate.Cluster(nodes=3, seed=seed)
    for i in range(6):
        c.apply(_pod_doc(f"p{i}", cpu="1"))
    c.advance("0s")
    return [c.get("Pod", f"p{i}").spec.node_name for i in range(6)]


def test_spreads_by_least_allocated_ties_at_random_per_seed():
    """selectHost picks uniformly among the best-scored nodes; kstate draws
    from the seed, so a seed always gives the same placement and seeds differ."""
    runs = {seed: _placements(seed) for seed in range(6)}
    for nodes in runs.values():
        assert sorted(nodes) == ["node-0", "node-0", "node-1", "node-1", "node-2", "node-2"]
        assert len(set(nodes[:3])) == 3            # each of the first three goes to an empty node
    assert runs[0] == _placements(0)
    assert len({tuple(v) for v in runs.values()}) > 1


def test_filters_capacity_and_reports_failed_scheduling():
    c = kstate.Cluster(nodes=2)
    c.apply(_pod_doc("big", cpu="64"))
    c.advance("0s")
    p = c.get("Pod", "big")
    assert p.spec.node_name == "" and p.status.phase == "Pending"
    cond = next(x for x in p.status.conditions if x.type == "PodScheduled")
    assert cond.status == "False" and cond.reason == "Unschedulable"
    assert cond.message.startswith("0/2 nodes are available: 2 Insufficient cpu.")
    (ev,) = [e for e in c.events("Pod", "big") if e.reason == "FailedScheduling"]
    assert ev.type == "Warning"
    c.add_node("huge", cpu="128")
    c.advance("0s")
    assert c.get("Pod", "big").spec.node_name == "huge"


def test_taints_selector_affinity_and_cordon():
    c = kstate.Cluster(nodes=0)
    c.add_node("tainted", taints=["dedicated=gpu:NoSchedule"], labels={"zone": "a"})
    c.add_node("plain", labels={"zone": "b"})
    c.add_node("cordoned", labels={"zone": "a"})
    c.cordon("cordoned")
    c.apply(_pod_doc("sel", nodeSelector={"zone": "a"}))
    c.apply(_pod_doc("tol", nodeSelector={"zone": "a"},
                     tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]))
    c.apply(_pod_doc("aff", affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}]}}}))
    c.advance("0s")
    assert c.get("Pod", "sel").spec.node_name == ""
    msg = next(x for x in c.get("Pod", "sel").status.conditions if x.type == "PodScheduled").message
    assert msg.startswith("0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
                          "1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable.")
    assert c.get("Pod", "tol").spec.node_name == "tainted"
    assert c.get("Pod", "aff").spec.node_name == "plain"
    c.uncordon("cordoned")
    c.advance("0s")
    assert c.get("Pod", "sel").spec.node_name == "cordoned"


def test_max_pods():
    c = kstate.Cluster(nodes=0)
    c.add_node("small", pods=2)
    for i in range(3):
        c.apply(_pod_doc(f"p{i}"))
    c.advance("0s")
    assert [c.get("Pod", f"p{i}").spec.node_name for i in range(3)] == ["small", "small", ""]
    assert "1 Too many pods" in next(x for x in c.get("Pod", "p2").status.conditions if x.type == "PodScheduled").message
    c.delete("Pod", "p0", grace_period=0)
    c.advance("0s")
    assert c.get("Pod", "p2").spec.node_name == "small"


def test_search_window_rotates_over_large_clusters():
    """With 200 nodes the scheduler examines 100 (numFeasibleNodesToFind) per
    pod from a rotating start, so consecutive pods land in different halves."""
    c = kstate.Cluster(nodes=200, cluster_cidr="10.0.0.0/8")
    c.apply(_pod_doc("a", cpu="1"))
    c.apply(_pod_doc("b", cpu="1"))
    c.advance("0s")
    a, b = c.get("Pod", "a").spec.node_name, c.get("Pod", "b").spec.node_name
    rows = c.engine.index("scheduler-cache").table.row
    assert rows[a] < 100                       # window rows 0..99, all score equal → one of them
    assert c.engine.memory("default-scheduler", "next_start") == 0   # 100 + 100 processed, wrapped
    assert b != a
    assert rows[b] >= 100                      # the second pod's window started at row 100


def test_node_affinity_prefilter_limits_candidates_to_pinned_node_names():
    """nodeaffinity PreFilter (matchFields metadata.name In): only the named
    nodes are filtered; the others are reported as not satisfying the plugin
    (schedule_one.go findNodesThatFitPod SetAbsentNodesStatus)."""
    import kstate
    from kstate.controllers.scheduler import prefilter_node_names

    def pinned(name, *nodes):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"containers": [{"name": "a", "image": "x"}],
                         "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                             "nodeSelectorTerms": [{"matchFields": [
                                 {"key": "metadata.name", "operator": "In", "values": list(nodes)}]}]}}}}}
    c = kstate.Cluster(nodes=3)
    c.apply(pinned("p", "node-2"))
    c.apply(pinned("lost", "node-9"))
    c.advance("1s")
    assert c.get("Pod", "p").spec.node_name == "node-2"
    msg = next(e.message for e in c.events("Pod", "lost") if e.reason == "FailedScheduling")
    assert msg.startswith("0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity].")
    assert prefilter_node_names(c.get("Pod", "p")) == {"node-2"}


def _node_doc(name, **capacity):
    cap = {"cpu": "4", "memory": "8Gi", "pods": "10", **capacity}
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "status": {"capacity": cap}}


def test_extended_resources_are_filtered():
    """noderesources/fit.go fitsRequest: scalar resources compared with the
    node's allocatable; a node without the resource has 0."""
    c = kstate.Cluster(nodes=[_node_doc("g", **{"nvidia.com/gpu": "1"}), _node_doc("p")], seed=0)
    gpu = {"requests": {"nvidia.com/gpu": "1"}, "limits": {"nvidia.com/gpu": "1"}}
    for name in ("a", "b"):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                 "spec": {"containers": [{"name": "app", "image": "x", "resources": gpu}]}})
    c.advance("1s")
    assert c.get("Pod", "a").spec.node_name == "g" and c.get("Pod", "b").spec.node_name == ""
    msg = next(x.message for x in c.get("Pod", "b").status.conditions if x.type == "PodScheduled")
    assert msg.startswith("0/2 nodes are available: 2 Insufficient nvidia.com/gpu.")


def test_pod_level_requests_stand_for_the_pod():
    """PodLevelResources: spec.resources.requests replace the containers' sum."""
    c = kstate.Cluster(nodes=[_node_doc("n")], seed=0)
    for name in ("a", "b"):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                 "spec": {"resources": {"requests": {"cpu": "3"}}, "containers": [{"name": "app", "image": "x"}]}})
    c.advance("1s")
    assert pod_requests(c.get("Pod", "a")).cpu == 3000
    assert [c.get("Pod", x).spec.node_name for x in ("a", "b")] == ["n", ""]


def test_host_ports_conflict():
    """nodeports.go: a hostPort (protocol, port) in use on a node filters it."""
    c = kstate.Cluster(nodes=[_node_doc("n1"), _node_doc("n2")], seed=0)
    for name in ("a", "b", "c"):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                 "spec": {"containers": [{"name": "app", "image": "x", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}})
    c.advance("1s")
    placed = sorted(c.get("Pod", x).spec.node_name for x in ("a", "b", "c"))
    assert placed == ["", "n1", "n2"]
    pending = next(x for x in ("a", "b", "c") if not c.get("Pod", x).spec.node_name)
    msg = next(x.message for x in c.get("Pod", pending).status.conditions if x.type == "PodScheduled")
    assert msg.startswith("0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.")


def test_a_bind_sets_pod_scheduled_at_its_own_instant():
    # the bind apply shares the conditions tuple of pods bound at one instant
    # (kinds/core.py _scheduled_conditions): a later bind must not reuse it
    c = kstate.Cluster(nodes=2)
    c.apply(_pod_doc("first"))
    c.advance("0s")
    c.advance("5s")
    c.apply(_pod_doc("second"))
    c.advance("0s")
    times = [next(x for x in c.get("Pod", name).status.conditions if x.type == "PodScheduled")
             for name in ("first", "second")]
    assert [t.status for t in times] == ["True", "True"]
    assert times[1].last_transition_time - times[0].last_transition_time == 5000

"""Cases ported from the kube-scheduler plugins' Go unit tests (1.35), run
against kstate's plugin functions (kstate/controllers/scheduling/). Each
group names the Go test function it comes from; node and pod names are the
Go tables' own.
"""
import pytest

import kstate
from kstate.controllers.scheduler import least_allocated_score
from kstate.controllers.scheduling import interpodaffinity as ipa
from kstate.controllers.scheduling import podtopologyspread as pts
from kstate.controllers.scheduling import preemption, scores
from kstate.controllers.scheduling.terms import LABEL_HOSTNAME, SpreadConstraint, pod_affinity
from kstate.io import parse_manifests
from kstate.resources.node import Taint
from kstate.resources.pod import Toleration
from kstate.resources.selector import LabelSelector, Requirement

FOO = LabelSelector(match_expressions=(Requirement("foo", "Exists"),))
BAR = LabelSelector(match_expressions=(Requirement("bar", "Exists"),))


# ---------------------------------------------------------------- noderesources

@pytest.mark.parametrize("req_cpu,alloc_cpu,req_mem,alloc_mem,want", [
    # balanced_allocation_test.go TestNodeResourcesBalancedAllocation
    (3000, 4000, 5000, 10000, 87),     # "nothing scheduled, resources requested, differently sized nodes" node1
    (3000, 6000, 5000, 10000, 100),    # … node2
    (6000, 10000, 5000, 20000, 82),    # "resources requested, pods scheduled with resources" node1
    (6000, 10000, 10000, 20000, 95),   # … node2
    (6000, 10000, 10000, 50000, 80),   # "… differently sized nodes" node2
    (6000, 6000, 0, 10000, 50),        # "requested resources at node capacity" node1
    (6000, 6000, 5000, 10000, 75),     # … node2
    (3000, 3500, 5000, 40000, 63),     # "node without the scalar resource should skip the scalar resource"
])
def test_balanced_allocation(req_cpu, alloc_cpu, req_mem, alloc_mem, want):
    assert scores.balanced_resource_score(req_cpu, alloc_cpu, req_mem, alloc_mem) == want


def test_balanced_allocation_skips_best_effort_pods():
    """TestNodeResourcesBalancedAllocation "nothing scheduled, nothing
    requested, skip in PreScore": a pod without requests is scored by
    LeastAllocated alone, so two nodes differing only in balance tie."""
    c = kstate.Cluster(nodes=0, seed=0)
    c.add_node("n1", cpu="4", memory="16Gi")
    c.add_node("n2", cpu="4", memory="16Gi")
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "heavy"},
             "spec": {"nodeName": "n1", "containers": [{"name": "a", "image": "x",
                                                        "resources": {"requests": {"memory": "8Gi"}}}]}})
    c.advance("1s")
    cache = c.engine.index("scheduler-cache")
    (be,) = parse_manifests({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "be"},
                             "spec": {"containers": [{"name": "a", "image": "x"}]}})
    from kstate.controllers.scheduler import PLAIN, Cycle, prioritize_nodes
    cyc = Cycle(be, PLAIN, cache.table, cache)
    rows = [cache.table.row["n1"], cache.table.row["n2"]]
    t1, t2 = prioritize_nodes(cyc, rows)
    # LeastAllocated: n1 memory (8Gi + 200Mi nz)/16Gi … only the fit score differs, no balance term
    la1 = least_allocated_score(4000, 16 * 2**30, 200, 8 * 2**30 + 200 * 2**20)   # heavy counts 100m nz cpu
    la2 = least_allocated_score(4000, 16 * 2**30, 100, 200 * 2**20)
    assert (t1 - t2) == la1 - la2


@pytest.mark.parametrize("alloc,req,want", [
    # least_allocated_test.go TestLeastAllocatedScoringStrategy
    # "nothing scheduled, resources requested, differently sized nodes": cpu 3000, memory 5000
    ((4000, 10000), (3000, 5000), 37),
    ((6000, 10000), (3000, 5000), 50),
    # "nothing scheduled, nothing requested": the non-zero defaults are not in this table; 0 requested → 100
    ((4000, 10000), (0, 0), 100),
    # "resources requested with more than the node, pods scheduled with resources" → 0 for that resource
    ((4000, 10000), (6000, 5000), 25),
])
def test_least_allocated(alloc, req, want):
    assert least_allocated_score(alloc[0], alloc[1], req[0], req[1]) == want


# ---------------------------------------------------------------- tainttoleration

def _tol(key, value, effect, op="Equal"):
    return Toleration(key=key, operator=op, value=value, effect=effect)


@pytest.mark.parametrize("tolerations,taints,want", [
    # taint_toleration_test.go TestTaintTolerationScore
    # "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints"
    ([_tol("foo", "bar", "PreferNoSchedule")],
     [[Taint("foo", "PreferNoSchedule", "bar")], [Taint("foo", "PreferNoSchedule", "blah")]], [100, 0]),
    # "the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has"
    ([_tol("cpu-type", "arm64", "PreferNoSchedule"), _tol("disk-type", "ssd", "PreferNoSchedule")],
     [[], [Taint("cpu-type", "PreferNoSchedule", "arm64")],
      [Taint("cpu-type", "PreferNoSchedule", "arm64"), Taint("disk-type", "PreferNoSchedule", "ssd")]],
     [100, 100, 100]),
    # "the more intolerable taints a node has, the lower score it gets."
    ([_tol("foo", "bar", "PreferNoSchedule")],
     [[], [Taint("cpu-type", "PreferNoSchedule", "arm64")],
      [Taint("cpu-type", "PreferNoSchedule", "arm64"), Taint("disk-type", "PreferNoSchedule", "ssd")]],
     [100, 50, 0]),
    # "only taints and tolerations that have effect PreferNoSchedule are checked by prioritizer function"
    ([_tol("cpu-type", "arm64", "NoSchedule"), _tol("disk-type", "ssd", "NoSchedule")],
     [[], [Taint("cpu-type", "NoSchedule", "arm64")],
      [Taint("cpu-type", "PreferNoSchedule", "arm64"), Taint("disk-type", "PreferNoSchedule", "ssd")]],
     [100, 100, 0]),
    # "Default behaviour No taints and tolerations, lands on node with no taints"
    ([], [[], [Taint("cpu-type", "PreferNoSchedule", "arm64")]], [100, 0]),
])
def test_taint_toleration_score(tolerations, taints, want):
    raw = [scores.count_intolerable_prefer_no_schedule(t, tolerations) for t in taints]
    assert scores.default_normalize(raw, True) == want


# ---------------------------------------------------------------- podtopologyspread scoring

def _host(name, **extra):
    return {LABEL_HOSTNAME: name, **extra}


def _spread_scores(constraints, feasible, all_nodes, pods, require_all=True):
    """pods: (node name, labels). Matching pods on every node (failed ones too) count."""
    matched = []
    for c in constraints:
        matched.append([all_nodes[n] for n, lb in pods if c.selector.matches(lb)])
    return pts.scores(constraints, [all_nodes[n] for n in feasible], matched, require_all)


def _sc(skew, key, sel=FOO):
    return SpreadConstraint(skew, key, "ScheduleAnyway", sel)


def _spread(counts):
    return [(n, {"foo": ""}) for n, k in counts.items() for _ in range(k)]


NODES4 = {n: _host(n) for n in ("node-a", "node-b", "node-c", "node-d")}


@pytest.mark.parametrize("skew,counts,want", [
    # scoring_test.go TestPodTopologySpreadScore
    (1, {"node-a": 1, "node-b": 1}, [100, 100, 100, 100][:2]),   # "… all nodes have the same number of matching pods"
    (2, {"node-a": 2, "node-b": 1, "node-d": 3}, [33, 66, 100, 16]),   # "… all 4 nodes are candidates, maxSkew=2"
    (3, {"node-a": 4, "node-b": 3, "node-c": 2, "node-d": 1}, [44, 66, 77, 100]),   # "… maxSkew=3"
])
def test_spread_score_one_constraint_on_node(skew, counts, want):
    feasible = sorted(NODES4)[:len(want)]
    nodes = {n: NODES4[n] for n in feasible}
    assert _spread_scores([_sc(skew, LABEL_HOSTNAME)], feasible, {**NODES4, **nodes}, _spread(counts)) == want


def test_spread_score_system_defaulting_nodes_without_zone():
    """TestPodTopologySpreadScore "system defaulting, nodes don't have zone,
    pods match service": the same as one hostname constraint."""
    sel = pts.default_selector(None, [{"foo": ""}], None)
    cons = pts.default_constraints(sel)
    assert [(c.max_skew, c.topology_key) for c in cons] == [(3, LABEL_HOSTNAME), (5, "topology.kubernetes.io/zone")]
    got = _spread_scores(cons, sorted(NODES4), NODES4,
                         _spread({"node-a": 4, "node-b": 3, "node-c": 2, "node-d": 1}), require_all=False)
    assert got == [44, 66, 77, 100]


def test_spread_score_three_of_four_candidates():
    """"one constraint on node, 3 out of 4 nodes are candidates" (4/2/1/~3~)."""
    nodes = {n: _host(n) for n in ("node-a", "node-b", "node-x", "node-y")}
    pods = _spread({"node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3})
    assert _spread_scores([_sc(1, LABEL_HOSTNAME)], ["node-a", "node-b", "node-x"], nodes, pods) == [33, 83, 100]


def test_spread_score_node_without_the_topology_key():
    """"… one node doesn't match topology key": node-b is ignored (0)."""
    nodes = {"node-a": _host("node-a"), "node-b": {"n": "node-b"}, "node-x": _host("node-x"),
             "node-y": _host("node-y")}
    pods = _spread({"node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3})
    assert _spread_scores([_sc(1, LABEL_HOSTNAME)], ["node-a", "node-b", "node-x"], nodes, pods) == [16, 0, 100]


ZONED = {"node-a": _host("node-a", zone="zone1"), "node-b": _host("node-b", zone="zone1"),
         "node-x": _host("node-x", zone="zone2"), "node-y": _host("node-y", zone="zone2")}


def test_spread_score_one_constraint_on_zone():
    """"one constraint on zone, 3 out of 4 nodes are candidates"."""
    pods = _spread({"node-a": 4, "node-b": 2, "node-x": 1, "node-y": 3})
    assert _spread_scores([_sc(1, "zone")], ["node-a", "node-b", "node-x"], ZONED, pods) == [75, 75, 100]


def test_spread_score_two_constraints_two_candidates():
    """"two Constraints on zone and node, 2 out of 4 nodes are candidates"."""
    pods = _spread({"node-a": 2, "node-b": 1, "node-x": 2, "node-y": 4})
    got = _spread_scores([_sc(1, "zone"), _sc(1, LABEL_HOSTNAME)], ["node-a", "node-x"], ZONED, pods)
    assert got == [100, 63]


@pytest.mark.parametrize("pods,want", [
    # "two Constraints on zone and node, with different labelSelectors"
    ([("node-a", {"foo": ""}), ("node-b", {"foo": "", "bar": ""}), ("node-y", {"foo": ""}), ("node-y", {"bar": ""})],
     [60, 20, 100, 60]),
    # "… with different labelSelectors, some nodes have 0 pods"
    ([("node-b", {"bar": ""}), ("node-x", {"foo": ""}), ("node-y", {"foo": "", "bar": ""})], [100, 60, 40, 0]),
])
def test_spread_score_two_constraints_different_selectors(pods, want):
    got = _spread_scores([_sc(1, "zone", FOO), _sc(1, LABEL_HOSTNAME, BAR)], sorted(ZONED), ZONED, pods)
    assert got == want


# ---------------------------------------------------------------- podtopologyspread filtering

def _hard(skew, key, sel=FOO, min_domains=1):
    return SpreadConstraint(skew, key, "DoNotSchedule", sel, min_domains)


def _filter(constraints, nodes, pods, pod_labels=None):
    matched = [[nodes[n] for n, lb in pods if c.selector.matches(lb)] for c in constraints]
    domains = [frozenset(lb[c.topology_key] for lb in nodes.values() if c.topology_key in lb) for c in constraints]
    state = pts.pre_filter(constraints, matched, domains)
    (pod,) = parse_manifests({"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": "p", "labels": pod_labels if pod_labels is not None else {"foo": ""}},
                              "spec": {"containers": [{"name": "a", "image": "x"}]}})
    return {n: (pts.filter_node(state, pod, lb) is None) for n, lb in nodes.items()}


@pytest.mark.parametrize("skew,key,counts,fits,pod_labels", [
    # filtering_test.go TestSingleConstraint
    (1, "zone", {"node-a": 1, "node-b": 2, "node-x": 2, "node-y": 1}, ["node-a", "node-b", "node-x", "node-y"], None),
    # "pods spread across nodes as 2/1/0/3, only node-x fits"
    (1, LABEL_HOSTNAME, {"node-a": 2, "node-b": 1, "node-y": 3}, ["node-x"], None),
    # "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit"
    (2, LABEL_HOSTNAME, {"node-a": 2, "node-b": 1, "node-y": 3}, ["node-b", "node-x"], None),
    # "pod is required to be placed on zone0, so only node-1 fits"-like: zones 2/4, only zone1 fits
    (1, "zone", {"node-a": 1, "node-b": 1, "node-x": 2, "node-y": 2}, ["node-a", "node-b"], None),
    # "pods spread across zones as 3/3, but pod doesn't match itself": 3+0-3 = 0 everywhere
    (1, "zone", {"node-a": 2, "node-b": 1, "node-x": 2, "node-y": 1}, ["node-a", "node-b", "node-x", "node-y"],
     {"bar": ""}),
])
def test_spread_filter_single_constraint(skew, key, counts, fits, pod_labels):
    got = _filter([_hard(skew, key)], ZONED, _spread(counts), pod_labels)
    assert sorted(n for n, ok in got.items() if ok) == fits


def test_spread_filter_min_domains():
    """TestSingleConstraint "2 domains with minDomains 3, maxSkew 2": fewer
    domains than minDomains → the global minimum is 0."""
    pods = _spread({"node-a": 1, "node-b": 1, "node-x": 2, "node-y": 1})
    got = _filter([_hard(2, "zone", min_domains=3)], ZONED, pods)
    # zone1: 2+1-0 = 3 > 2, zone2: 3+1-0 = 4 > 2
    assert not any(got.values())
    got = _filter([_hard(2, "zone", min_domains=2)], ZONED, pods)
    # zone1: 2+1-2 = 1 ≤ 2; zone2: 3+1-2 = 2 ≤ 2
    assert all(got.values())


def test_spread_filter_missing_label_is_unresolvable():
    nodes = {"node-a": _host("node-a", zone="zone1"), "node-b": _host("node-b")}
    state = pts.pre_filter([_hard(1, "zone")], [[]], [frozenset({"zone1"})])
    (pod,) = parse_manifests({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"foo": ""}},
                              "spec": {"containers": [{"name": "a", "image": "x"}]}})
    assert pts.filter_node(state, pod, nodes["node-b"]) == (pts.ERR_MISSING_LABEL, False)
    assert pts.filter_node(state, pod, nodes["node-a"]) is None


# ---------------------------------------------------------------- interpodaffinity

def _pod(name, labels=None, ns="default", affinity=None, node=""):
    spec = {"containers": [{"name": "a", "image": "x"}]}
    if affinity:
        spec["affinity"] = affinity
    if node:
        spec["nodeName"] = node
    (p,) = parse_manifests({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": name, "namespace": ns, "labels": labels or {}}, "spec": spec})
    return p


def _term(key, op, values, topo, **extra):
    return {"labelSelector": {"matchExpressions": [{"key": key, "operator": op, "values": values}]},
            "topologyKey": topo, **extra}


REGION1 = {"region": "r1", "zone": "z11", LABEL_HOSTNAME: "machine1"}
EXISTING = _pod("existing", {"service": "securityscan"}, node="machine1")


def _ipa_filter(pod, existing=(EXISTING,), node_labels=REGION1, ns_labels=None):
    ns_labels = ns_labels or {"default": {}, "ns1": {}, "ns2": {"team": "a"}}
    es = [ipa.Existing(e, node_labels, pod_affinity(e)) for e in existing]
    anti = [e for e in es if e.info.required_anti_affinity]
    st = ipa.pre_filter(pod, pod_affinity(pod), anti, es, ns_labels)
    return ipa.filter_node(st, node_labels)


@pytest.mark.parametrize("name,affinity,labels,want", [
    # filtering_test.go TestRequiredAffinitySingleNode
    ("A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
     None, {}, None),
    ("satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that "
     "matches the existing pod",
     {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "In", ["securityscan", "value2"], "region")]}}, {}, None),
    ("satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator "
     "in labelSelector that matches the existing pod",
     {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "NotIn", ["securityscan3", "value3"], "region")]}}, {}, None),
    ("Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
     {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "In", ["securityscan", "value2"], "region", namespaces=["DiffNameSpace"])]}}, {},
     (ipa.ERR_AFFINITY, False)),
    ("Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
     {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "In", ["antivirusscan", "value2"], "region")]}}, {}, (ipa.ERR_AFFINITY, False)),
    ("satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
     {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "Exists", [], "region")]},
      "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
          _term("service", "In", ["securityscan"], "zone")]}}, {}, (ipa.ERR_ANTI_AFFINITY, True)),
    ("satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
     {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "In", ["antivirusscan"], "zone")]}}, {"service": "securityscan2"}, None),
    ("pod matches its own Label in PodAffinity and that matches the existing pod Labels",
     {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "In", ["securityscan"], "region")]}}, {"service": "securityscan"}, None),
    ("affinity with namespaceSelector matching the existing pod's namespace",
     {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
         _term("service", "In", ["securityscan"], "region", namespaceSelector={"matchLabels": {"team": "a"}})]}},
     {}, (ipa.ERR_AFFINITY, False)),
])
def test_required_affinity_single_node(name, affinity, labels, want):
    pod = _pod("p", labels, affinity=affinity)
    assert _ipa_filter(pod) == want, name


def test_existing_pod_anti_affinity_is_respected():
    """TestRequiredAffinitySingleNode "verify that PodAntiAffinity from
    existing pod is respected when pod has no AntiAffinity constraints"."""
    existing = _pod("existing", {"service": "securityscan"}, node="machine1", affinity={
        "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            _term("security", "In", ["S1"], "zone")]}})
    assert _ipa_filter(_pod("p", {"security": "S1"}), (existing,)) == (ipa.ERR_EXISTING_ANTI_AFFINITY, True)
    assert _ipa_filter(_pod("p", {"security": "S2"}), (existing,)) is None


def test_first_pod_of_a_self_affine_group_schedules():
    """filtering.go satisfyPodAffinity: no pod anywhere matches, and the pod
    matches its own terms → allowed (TestRequiredAffinitySingleNode "pod
    matches its own Label in PodAffinity and there are no other pods")."""
    pod = _pod("p", {"app": "db"}, affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        _term("app", "In", ["db"], "zone")]}})
    assert _ipa_filter(pod, ()) is None
    other = _pod("p", {"app": "web"}, affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        _term("app", "In", ["db"], "zone")]}})
    assert _ipa_filter(other, ()) == (ipa.ERR_AFFINITY, False)


def test_preferred_affinity_scores():
    """scoring_test.go TestPreferredAffinity "Affinity: pod that matches
    topology key & pods in nodes will get high score comparing to others
    which doesn't match either pods in nodes or in topology key": region
    China holds the matching pod → 100, India 0, a node without region 0."""
    nodes = {"node1": {"region": "China"}, "node2": {"region": "India"}, "node3": {"az": "az1"}}
    pod = _pod("p", affinity={"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 5, "podAffinityTerm": _term("security", "In", ["S1"], "region")}]}})
    existing = [("node1", _pod("p1", {"security": "S1"}, node="node1")),
                ("node2", _pod("p2", {"security": "S2"}, node="node2"))]
    es = [ipa.Existing(p, nodes[n], pod_affinity(p)) for n, p in existing]
    topo = ipa.pre_score(pod, pod_affinity(pod), es, [], {"default": {}})
    raw = [ipa.score_node(topo, nodes[n]) for n in sorted(nodes)]
    assert ipa.normalize(raw) == [100, 0, 0]


def test_preferred_anti_affinity_and_symmetry_scores():
    """TestPreferredAffinity "Anti Affinity: pod that does not match existing
    pods in node will get high score": the node with the matching pod gets 0.
    And "Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution
    in pod affinity symmetry": an existing pod's required affinity to the
    incoming pod adds HardPodAffinityWeight (1) to its domain."""
    nodes = {"node1": {"region": "China"}, "node2": {"region": "India"}}
    pod = _pod("p", {"security": "S1"}, affinity={"podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 5, "podAffinityTerm": _term("security", "In", ["S1"], "region")}]}})
    es = [ipa.Existing(_pod("p1", {"security": "S1"}, node="node1"), nodes["node1"], pod_affinity(_pod("x")))]
    topo = ipa.pre_score(pod, pod_affinity(pod), es, [], {"default": {}})
    assert ipa.normalize([ipa.score_node(topo, nodes[n]) for n in ("node1", "node2")]) == [0, 100]
    holder = _pod("h", {"app": "x"}, node="node2", affinity={"podAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [_term("security", "In", ["S1"], "region")]}})
    ex = [ipa.Existing(holder, nodes["node2"], pod_affinity(holder))]
    topo = ipa.pre_score(_pod("q", {"security": "S1"}), pod_affinity(_pod("q")), [], ex, {"default": {}})
    assert topo == {"region": {"India": ipa.HARD_POD_AFFINITY_WEIGHT}}


# ---------------------------------------------------------------- defaultpreemption

def _prio_pod(name, prio, start, labels=None):
    p = _pod(name, labels or {"app": name})
    from kstate.resources.frozen import evolve
    return evolve(p, spec=evolve(p.spec, priority=prio), status=evolve(p.status, start_time=start))


def test_select_victims_reprieves_the_most_important_first():
    """default_preemption_test.go TestSelectNodesForPreemption "a pod that
    would fit on the machines, but other pods running are higher priority,
    no preemption would happen" and "medium priority pod is preempted, but
    lower priority one stays as it is small" in shape: room for one of the
    two lower-priority pods after the preemptor; the more important one is
    reprieved."""
    low, mid = _prio_pod("low", 0, 1), _prio_pod("mid", 5, 2)
    fits = lambda removed: None if len(removed) >= 1 else "Insufficient cpu"   # noqa: E731
    victims, violations = preemption.select_victims_on_node(_prio_pod("p", 10, 3), [low, mid], fits, ())
    assert [v.metadata.name for v in victims] == ["low"] and violations == 0
    victims, why = preemption.select_victims_on_node(_prio_pod("p", 0, 3), [low, mid], fits, ())
    assert victims is None and why == preemption.MSG_NO_VICTIMS


def test_select_victims_counts_pdb_violations():
    """TestSelectNodesForPreemption "preemption with violation of the pdb
    with pod whose eviction was processed, the victim doesn't belong to
    DisruptedPods" in shape: a budget with 0 disruptions allowed makes its
    pod a violating victim, tried (reprieved) first."""
    a, b = _prio_pod("a", 0, 1, {"app": "db"}), _prio_pod("b", 0, 2, {"app": "web"})
    pdb = preemption.PDBInfo("default", LabelSelector(match_labels={"app": "db"}), 0)
    fits = lambda removed: None if len(removed) >= 2 else "Insufficient cpu"   # noqa: E731
    victims, violations = preemption.select_victims_on_node(_prio_pod("p", 10, 3), [a, b], fits, (pdb,))
    assert {v.metadata.name for v in victims} == {"a", "b"} and violations == 1
    fits1 = lambda removed: None if len(removed) >= 1 else "Insufficient cpu"   # noqa: E731
    victims, violations = preemption.select_victims_on_node(_prio_pod("p", 10, 3), [a, b], fits1, (pdb,))
    assert [v.metadata.name for v in victims] == ["b"] and violations == 0


@pytest.mark.parametrize("name,candidates,want", [
    # preemption_test.go TestPickOneNodeForPreemption
    ("No node needs preemption", [("node1", [], 0)], "node1"),
    ("a pod that fits on both nodes when lower priority pods are preempted",
     [("node1", [_prio_pod("p1", 0, 1)], 0), ("node2", [_prio_pod("p2", 0, 1)], 0)], "node1"),
    ("node with min highest priority pod is picked",
     [("node1", [_prio_pod("p1", 5, 1)], 0), ("node2", [_prio_pod("p2", 1, 1)], 0)], "node2"),
    ("when highest priorities are the same, minimum sum of priorities is picked",
     [("node1", [_prio_pod("a", 5, 1), _prio_pod("b", 4, 1)], 0),
      ("node2", [_prio_pod("c", 5, 1), _prio_pod("d", 1, 1)], 0)], "node2"),
    ("when highest priority and sum are the same, minimum number of pods is picked",
     [("node1", [_prio_pod("a", 5, 1), _prio_pod("b", -1, 1), _prio_pod("c", -1, 1)], 0),
      ("node2", [_prio_pod("d", 5, 1), _prio_pod("e", -2, 1)], 0)], "node2"),
    ("the node with the fewest PDB violations wins first",
     [("node1", [_prio_pod("a", 0, 1)], 1), ("node2", [_prio_pod("b", 5, 1)], 0)], "node2"),
    ("the latest start time of the highest-priority victims breaks the remaining tie",
     [("node1", [_prio_pod("a", 5, 10)], 0), ("node2", [_prio_pod("b", 5, 20)], 0)], "node2"),
])
def test_pick_one_node_for_preemption(name, candidates, want):
    assert preemption.pick_one_node_for_preemption(candidates) == want, name


@pytest.mark.parametrize("nodes,want", [
    # default_preemption_test.go TestGetOffsetAndNumCandidates / calculateNumCandidates
    (10, 10), (100, 100), (1000, 100), (2000, 200), (5000, 500),
])
def test_num_candidates(nodes, want):
    assert preemption.num_candidates(nodes) == want

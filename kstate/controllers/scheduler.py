"""kube-scheduler's default profile, one pending pod at a time.

Owns: schedulePod — scheduling gates, the filters in the profile's order
(NodeUnschedulable, NodeName, TaintToleration, NodeAffinity incl.
nodeSelector and matchFields, NodePorts, NodeResourcesFit incl. max pods,
PodTopologySpread, InterPodAffinity), the `percentageOfNodesToScore` search
window, the weighted scores (LeastAllocated 1, BalancedAllocation 1,
TaintToleration 3, NodeAffinity 2, PodTopologySpread 2 with the system
default constraints, InterPodAffinity 2, ImageLocality 1), selectHost's random choice among
the best, DefaultPreemption (nominatedNodeName, DisruptionTarget, graceful
deletion) and the FailedScheduling diagnosis. The plugins themselves live in
`kstate.controllers.scheduling`; the observe step gathers their inputs
through the scheduler cache (kstate.indexes) and the label index, so a pod
costs what its terms can match, not what the cluster holds. Two cached
paths skip filtering and scoring every node of the window in Python: bare
pods (NodeTable.best_simple: the window's best score, a tie drawn at
random) and pods whose only extra score is the system default spreading,
counted per label set by the cache (scheduling/defaultspread.py: exactly
the full path's node, tie and draw). Pure: returns a
Bind, or a PodScheduled=False status and an event (plus the preemption's
writes). Must not import engine/ or io/.

The batch form (`reconcile_scheduler_batch`, docs/performance.md "Instants
and batches") schedules a run of pods pending at one instant in one call,
assuming each bare pod it places into a copy of the node table as
kube-scheduler's cache assumes a pod before its bind lands; it stops at the
first pod whose scheduling reads more than that copy models.

ImageLocality (weight 1) reads the image states the cache keeps from the
nodes' status.images (controllers/scheduling/imagelocality.py); a pod whose
images no node lists keeps the fast path.

Kubernetes sources (1.35): pkg/scheduler/schedule_one.go (schedulePod,
findNodesThatFitPod, numFeasibleNodesToFind, prioritizeNodes, selectHost),
pkg/scheduler/framework/plugins/noderesources/{fit.go,least_allocated.go},
pkg/scheduler/util/pod_resources.go (non-zero defaults),
pkg/scheduler/framework/plugins/{tainttoleration,nodeaffinity,
nodeunschedulable,nodeports}, pkg/scheduler/framework/types.go (FitError).
selectHost picks uniformly among the nodes with the best score; kstate's
draw comes from the pod's uid (itself drawn from the cluster's seeded `uid`
stream) mixed with the scheduler's search offset, so a run is the same for
a seed and differs across seeds, without the reconcile touching a stream.
"""
from __future__ import annotations

from typing import Optional

import zlib

import attrs

from kstate.controllers import volumes
from kstate.controllers.actions import NOTHING, Bind, Delete, RecordEvent, Result, SetMemory, UpdateStatus, ref_of
from kstate.controllers.endpoints import SERVICES_BY_SELECTOR
from kstate.controllers.scheduling import defaultspread
from kstate.controllers.scheduling import imagelocality
from kstate.controllers.scheduling import interpodaffinity as ipa
from kstate.controllers.scheduling import podtopologyspread as pts
from kstate.controllers.scheduling import preemption, scores
from kstate.controllers.scheduling.terms import (
    NO_AFFINITY, pod_affinity, preferred_node_terms, scheduling_gates, spread_constraints,
)
from kstate.resources.meta import Condition, controller_of, set_condition
from kstate.resources.pod import NodeSelectorRequirement, Pod
from kstate.resources.selector import LabelSelector
from kstate.resources.quantity import cpu_millis, to_int
from kstate.resources.event import ObjectReference
from kstate.resources.frozen import evolve, field_replacer

NAME = "default-scheduler"
#: the declared index holding the node table and the unschedulable queue (kstate.indexes).
SCHEDULER_CACHE = "scheduler-cache"
#: the declared index of the image states ImageLocality reads (kstate.indexes).
IMAGE_STATES = "scheduler-image-states"
#: the declared index of the nominated pods (the scheduling queue's nominator, kstate.indexes):
#: {"by_node": node → {pod key: NominatedPod}, "by_pod": pod key → node}.
NOMINATED_PODS = "scheduler-nominated-pods"

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
#: util/pod_resources.go DefaultMilliCPURequest / DefaultMemoryRequest: used
#: for scoring (not filtering) containers that request nothing.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
MAX_NODE_SCORE = 100

#: the tolerations the DefaultTolerationSeconds admission plugin adds; a pod
#: with only these tolerates no NoSchedule taint, so it is "simple".
DEFAULT_TOLERATION_KEYS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def num_feasible_nodes_to_find(num_all_nodes: int, percentage: int = 0) -> int:
    """schedule_one.go numFeasibleNodesToFind: all nodes below 100; else an
    adaptive percentage 50 − n/125 (at least 5 %), at least 100 nodes.

    Example: 5,000 nodes → 50 − 40 = 10 % → 500; 1,000 nodes → 42 % → 420;
    300 nodes → 47 % → 141; 150 nodes → 48 % → 72 → raised to 100.
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    adaptive = percentage
    if adaptive <= 0:
        adaptive = 50 - num_all_nodes // 125
        if adaptive < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            adaptive = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    if adaptive >= 100:
        return num_all_nodes
    n = num_all_nodes * adaptive // 100
    return max(n, MIN_FEASIBLE_NODES_TO_FIND)


@attrs.frozen
class Requests:
    cpu: int          # millicores, for filtering
    memory: int       # bytes
    nz_cpu: int       # non-zero defaults applied, for scoring
    nz_memory: int


_REQUESTS_MEMO: dict = {}


def pod_requests(pod: Pod) -> Requests:
    """Effective requests (component-helpers resource/helpers.go PodRequests,
    aggregateContainerResourcesByFn), per resource: the app containers plus
    the sidecars (init containers with restartPolicy Always) summed, or, if
    more, the most any init container needs while it runs — a regular init
    container with every sidecar before it, a sidecar with itself and the
    sidecars before it. Non-zero variants give a container without a
    request 100m / 200Mi. Memoised by the identity of the container tuples
    and the pod-level resources: pods of one template share them, also after
    binding gives each pod its own PodSpec (a memo keyed on the spec missed
    there).

    Example: app 250m, init [sidecar 100m, regular 1], → max(250m + 100m,
    1000m + 100m) = 1100m.
    """
    spec = pod.spec
    containers = spec.containers
    last = _LAST_REQUESTS
    if last[0] is containers and last[1] is spec.init_containers and last[2] is spec.resources:
        return last[3]
    inits, level = spec.init_containers, spec.resources
    hit = _REQUESTS_MEMO.get(id(containers))
    if hit is not None and hit[0] is containers and hit[1] is inits and hit[2] is level:
        req = hit[3]
    else:
        req = _pod_requests(pod)
        if len(_REQUESTS_MEMO) > 4096:
            _REQUESTS_MEMO.clear()
        _REQUESTS_MEMO[id(containers)] = (containers, inits, level, req)
    last[0], last[1], last[2], last[3] = containers, inits, level, req
    return req


#: the memo's last hit (containers, init containers, pod-level resources, Requests): consecutive
#: calls are mostly about pods of one template (one pod is asked for ~6 times
#: on its way to Running), answered without the dict.
_LAST_REQUESTS: list = [None, None, None, None]


def _container_requests(c) -> tuple[int, int, int, int]:
    r = c.resources.requests
    cc = cpu_millis(r["cpu"]) if "cpu" in r else 0
    mm = to_int(r["memory"]) if "memory" in r else 0
    return (cc, mm, cc if "cpu" in r else DEFAULT_MILLI_CPU_REQUEST, mm if "memory" in r else DEFAULT_MEMORY_REQUEST)


def _pod_requests(pod: Pod) -> Requests:
    req = _container_sum_requests(pod)
    level = pod.spec.resources
    if level is not None and level.requests:
        # PodLevelResources (resource/helpers.go PodRequests): pod-level
        # requests, where set, stand for the whole pod — also when scoring.
        r = level.requests
        cpu = cpu_millis(r["cpu"]) if "cpu" in r else None
        mem = to_int(r["memory"]) if "memory" in r else None
        req = Requests(req.cpu if cpu is None else cpu, req.memory if mem is None else mem,
                       req.nz_cpu if cpu is None else cpu, req.nz_memory if mem is None else mem)
    return req


#: resources NodeResourcesFit compares besides cpu, memory and the pod count.
_NATIVE = frozenset({"cpu", "memory", "pods", "ephemeral-storage"})
_SCALAR_MEMO: dict = {}


def scalar_requests(pod: Pod) -> dict:
    """fit.go's ScalarResources of a pod's request: extended resources
    (`nvidia.com/gpu`) and hugepages, as integers — the app containers
    summed, or the largest init container if more."""
    spec = pod.spec
    hit = _SCALAR_MEMO.get(id(spec.containers))
    if hit is not None and hit[0] is spec.containers and hit[1] is spec.init_containers:
        return hit[2]
    total: dict = {}
    for c in spec.containers:
        for k, v in c.resources.requests.items():
            if k not in _NATIVE:
                total[k] = total.get(k, 0) + to_int(v)
    for c in spec.init_containers:
        for k, v in c.resources.requests.items():
            if k not in _NATIVE and to_int(v) > total.get(k, 0):
                total[k] = to_int(v)
    if len(_SCALAR_MEMO) > 4096:
        _SCALAR_MEMO.clear()
    _SCALAR_MEMO[id(spec.containers)] = (spec.containers, spec.init_containers, total)
    return total


def _container_sum_requests(pod: Pod) -> Requests:
    total = [0, 0, 0, 0]           # cpu, memory, non-zero cpu, non-zero memory
    for c in pod.spec.containers:
        total = [a + b for a, b in zip(total, _container_requests(c))]
    sidecars = [0, 0, 0, 0]
    init_max = [0, 0, 0, 0]
    for c in pod.spec.init_containers:
        own = _container_requests(c)
        if c.restart_policy == "Always":
            total = [a + b for a, b in zip(total, own)]
            sidecars = [a + b for a, b in zip(sidecars, own)]
            use = sidecars
        else:
            use = [a + b for a, b in zip(own, sidecars)]
        init_max = [max(a, b) for a, b in zip(init_max, use)]
    return Requests(*(max(a, b) for a, b in zip(total, init_max)))


def least_requested_score(requested: int, capacity: int) -> int:
    """least_allocated.go leastRequestedScore: ((capacity − requested) × 100) / capacity,
    0 when nothing is allocatable or the request exceeds it.

    Example: 4000m allocatable, 1100m requested after placing → (2900 × 100) // 4000 = 72.
    """
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def least_allocated_score(alloc_cpu: int, alloc_mem: int, nz_cpu_after: int, nz_mem_after: int) -> int:
    """NodeResourcesFit LeastAllocated with the default weights cpu=1, memory=1."""
    return (least_requested_score(nz_cpu_after, alloc_cpu) + least_requested_score(nz_mem_after, alloc_mem)) // 2


def is_simple(pod: Pod) -> bool:
    """A pod that any untainted, schedulable node with room can run: no
    nodeSelector, affinity or nodeName, and no tolerations beyond the
    defaults. The scheduler answers those from a cached score index."""
    s = pod.spec
    if s.node_selector or s.affinity is not None and (s.affinity.required_node_terms or s.affinity.extra):
        return False
    for t in s.tolerations:
        if not (t.key in DEFAULT_TOLERATION_KEYS and t.effect == "NoExecute"):
            return False
    return True


def taint_untolerated(pod: Pod, taints) -> Optional[object]:
    """tainttoleration: the first NoSchedule/NoExecute taint no toleration tolerates."""
    for taint in taints:
        if taint.effect not in ("NoSchedule", "NoExecute"):
            continue
        if not any(t.tolerates(taint) for t in pod.spec.tolerations):
            return taint
    return None


def _req_matches(req: NodeSelectorRequirement, value: Optional[str]) -> bool:
    """nodeaffinity: one NodeSelectorRequirement against a label (or field)
    value, None when the node lacks it (shared with the DaemonSet controller)."""
    op = req.operator
    if op == "In":
        return value is not None and value in req.values
    if op == "NotIn":
        return value is None or value not in req.values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt"):
        try:
            v, bound = int(value), int(req.values[0])  # type: ignore[arg-type]
        except (TypeError, ValueError, IndexError):
            return False
        return v > bound if op == "Gt" else v < bound
    return False


def node_matches_affinity(pod: Pod, node) -> bool:
    """nodeaffinity: nodeSelector (all labels equal) AND any required term
    (all of its expressions and fields match). An empty term matches nothing."""
    return spec_matches_node_affinity(pod.spec, node)


def spec_matches_node_affinity(spec, node) -> bool:
    """nodeaffinity.GetRequiredNodeAffinity(pod).Match(node) for a pod spec
    (the scheduler's pod, or a DaemonSet's template in NodeShouldRunDaemonPod)."""
    labels = node.metadata.labels
    for k, v in spec.node_selector.items():
        if labels.get(k) != v:
            return False
    aff = spec.affinity
    if aff is None or aff.required_node_terms is None:
        return True
    for term in aff.required_node_terms:
        if not term.match_expressions and not term.match_fields:
            continue
        if all(_req_matches(r, labels.get(r.key)) for r in term.match_expressions) and all(
                _req_matches(r, node.metadata.name if r.key == "metadata.name" else None)
                for r in term.match_fields):
            return True
    return False


# -- small per-pod facts the cache keeps (kstate.indexes)

_PORTS_MEMO: dict = {}


def host_ports(pod: Pod) -> tuple:
    """nodeports.go getContainerPorts: the (protocol, hostIP, hostPort) a pod
    claims on its node (containers and init containers with a hostPort)."""
    spec = pod.spec
    hit = _PORTS_MEMO.get(id(spec.containers))
    if hit is not None and hit[0] is spec.containers and hit[1] is spec.init_containers:
        return hit[2]
    out = []
    for c in spec.init_containers + spec.containers:
        for port in c.ports:
            if port.host_port:
                out.append((port.protocol or "TCP", "0.0.0.0", port.host_port))
    value = tuple(out)
    if len(_PORTS_MEMO) > 4096:
        _PORTS_MEMO.clear()
    _PORTS_MEMO[id(spec.containers)] = (spec.containers, spec.init_containers, value)
    return value


def affinity_anchors(pod: Pod) -> tuple:
    """Where the cache files a pod's pod (anti-)affinity terms: under the
    first matchLabels pair of each term's selector (a pod the term can match
    carries that pair), or None for a term without matchLabels."""
    if pod.spec.affinity is None:
        return ()
    info = pod_affinity(pod)
    if info.empty:
        return ()
    out = set()
    for terms in (info.required_affinity, info.required_anti_affinity, info.preferred_affinity,
                  info.preferred_anti_affinity):
        for t in terms:
            ml = t.selector.match_labels if t.selector is not None else None
            out.add(min(ml.items()) if ml else None)
    return tuple(sorted(out, key=lambda a: ("",) if a is None else a))


# -- the PreFilter / PreScore inputs, gathered through indexes

@attrs.frozen
class PluginInputs:
    """What InterPodAffinity and PodTopologySpread read, gathered by
    observe_scheduler: the incoming pod's terms and constraints, the pods
    they can match (as ipa.Existing: pod, its node's labels, its terms),
    the existing pods whose own terms can match the incoming pod, the
    topology domains, the namespace labels a namespaceSelector needs."""
    affinity: object = NO_AFFINITY
    candidates: tuple = ()         # pods the incoming pod's terms may match
    existing: tuple = ()           # pods whose terms may match the incoming pod
    hard: tuple = ()               # DoNotSchedule constraints
    soft: tuple = ()               # ScheduleAnyway constraints (or the system defaults)
    system_default: bool = False
    hard_matched: tuple = ()       # per hard constraint: Existing of matching pods
    soft_matched: tuple = ()
    #: system default constraints only: (pods per node name, pods per zone) from
    #: the scheduler cache's label-set counts, read instead of `soft_matched`.
    soft_counts: object = None
    hard_domains: tuple = ()       # per hard constraint: frozenset of eligible values
    preferred_node: tuple = ()
    ns_labels: object = None
    pdbs: tuple = ()
    images: tuple = ()             # ImageLocality's PreScore input (imagelocality.gather)

    @property
    def plain(self) -> bool:
        return (self.affinity.empty and not self.existing and not self.hard and not self.soft
                and not self.preferred_node and not self.images)

    @property
    def default_spread_only(self) -> bool:
        """The only plugin input is the system default spreading, counted by the cache."""
        return (self.soft_counts is not None and self.affinity.empty and not self.existing and not self.hard
                and not self.preferred_node and not self.images)


PLAIN = PluginInputs(ns_labels={})


@attrs.frozen
class SchedulerObs:
    pod: Optional[Pod]
    table: object = None
    next_start: int = 0
    inputs: PluginInputs = PLAIN
    cache: object = None
    #: the pod's claims for the VolumeBinding PreFilter (controllers/volumes.py)
    claims: tuple = ()
    #: the nominator's pods per node (NOMINATED_PODS "by_node"), None when no pod is nominated
    nominated: object = None


def _ns_labels(view, names) -> dict:
    out = {}
    for ns in sorted(names):
        obj = view.get("Namespace", "", ns)
        out[ns] = obj.metadata.labels if obj is not None else {}
    return out


def _services_selecting(view, pod: Pod) -> list:
    """helper.GetPodServices through the Services-by-selector index: each
    Service is filed under one pair of its selector."""
    idx = view.index(SERVICES_BY_SELECTOR)
    if not idx:
        return []
    ns = pod.metadata.namespace
    names: set = set()
    for k, v in pod.metadata.labels.items():
        hit = idx.get((ns, k, v))
        if hit:
            names |= hit
    out = []
    labels = pod.metadata.labels
    for name in sorted(names):
        svc = view.get("Service", ns, name)
        if svc is not None and svc.spec.selector and svc.spec.selector.items() <= labels.items():
            out.append(svc.spec.selector)
    return out


def _owner_selector(view, pod: Pod):
    ref = controller_of(pod.metadata)
    if ref is None or ref.kind not in ("ReplicaSet", "ReplicationController", "StatefulSet"):
        return None
    obj = view.get(ref.kind, pod.metadata.namespace, ref.name)
    sel = getattr(getattr(obj, "spec", None), "selector", None)
    if isinstance(sel, LabelSelector):
        return sel
    if sel:
        try:
            return LabelSelector(match_labels=dict(sel))
        except (TypeError, ValueError):
            return None
    return None


def _existing(cache, table, p, key=None) -> Optional[ipa.Existing]:
    row = table.row.get(p.spec.node_name)
    if row is None:
        return None
    return ipa.Existing(p, table.nodes[row].metadata.labels, pod_affinity(p))


def _counted_matching(view, cache, ns: str, selector, skip_terminating: bool) -> list:
    """Bound, unfinished pods of `ns` matching `selector`, read through the
    label index and kept only if the cache counts them."""
    if selector is None:
        return []
    out = []
    for p in view.objects_matching("Pod", ns, selector):
        key = (p.metadata.namespace, p.metadata.name)
        counted = cache.usage.get(key)
        if counted is None:
            continue
        if skip_terminating and p.metadata.deletion_timestamp is not None:
            continue
        out.append(p)
    return out


def _included(c, pod: Pod, node) -> bool:
    """common.go matchNodeInclusionPolicies: nodeAffinityPolicy Honor → the
    node matches the pod's nodeSelector and required node affinity;
    nodeTaintsPolicy Honor → the node's NoSchedule/NoExecute taints are tolerated."""
    if c.node_affinity_policy != "Ignore" and not node_matches_affinity(pod, node):
        return False
    if c.node_taints_policy == "Honor" and taint_untolerated(pod, node.spec.taints) is not None:
        return False
    return True


def _spread_matched(view, cache, table, pod: Pod, constraints, require_all: bool) -> tuple:
    out = []
    for c in constraints:
        es = []
        for p in _counted_matching(view, cache, pod.metadata.namespace, c.selector, True):
            row = table.row.get(p.spec.node_name)
            if row is None:
                continue
            node = table.nodes[row]
            if require_all and not pts.node_labels_match(node.metadata.labels, constraints):
                continue
            if not _included(c, pod, node):
                continue
            es.append(ipa.Existing(p, node.metadata.labels, NO_AFFINITY))
        out.append(tuple(es))
    return tuple(out)


def _hard_domains(cache, table, pod: Pod, constraints) -> tuple:
    """filtering.go calPreFilterState's domains: the values of each key over
    the nodes that pass the inclusion policies and carry every key. From the
    cache's per-key domain counts when every node qualifies (no node
    affinity to honour, taints ignored, every node labelled); else a walk of
    the nodes."""
    n = table.size
    simple = all(sum(cache.domains.get(c.topology_key, {}).values()) == n for c in constraints) and all(
        (c.node_affinity_policy == "Ignore" or (not pod.spec.node_selector and (
            pod.spec.affinity is None or pod.spec.affinity.required_node_terms is None)))
        and c.node_taints_policy != "Honor" for c in constraints)
    if simple:
        return tuple(frozenset(cache.domains.get(c.topology_key, {})) for c in constraints)
    sets = [set() for _ in constraints]
    for node in table.nodes:
        labels = node.metadata.labels
        if not pts.node_labels_match(labels, constraints):
            continue
        for i, c in enumerate(constraints):
            if _included(c, pod, node):
                sets[i].add(labels[c.topology_key])
    return tuple(frozenset(s) for s in sets)


def _counts_apply(cache, pod: Pod, selector) -> bool:
    """Whether the cache's label-set counts give what `_spread_matched`
    would for the system default constraints: the selector has matchLabels
    (the counts are found through them), the pod has no required node
    affinity (so nodeAffinityPolicy Honor includes every node), every node
    has a hostname label of its own (a hostname's count is its node's), and
    no node carries an empty zone value (Go counts unzoned nodes' pods
    under "")."""
    if not selector.match_labels or pod.spec.node_selector or (
            pod.spec.affinity is not None and pod.spec.affinity.required_node_terms is not None):
        return False
    domains = cache.domains
    return len(domains.get(pts.LABEL_HOSTNAME, ())) == cache.table.size and "" not in domains.get(pts.LABEL_ZONE, ())


def gather_inputs(view, cache, pod: Pod, use_counts: bool = True) -> PluginInputs:
    """PreFilter/PreScore inputs of the affinity and spreading plugins.
    `use_counts` False walks the matching pods for the system default
    constraints too (the reference the cached path is tested against).

    A pod without affinity or spread constraints, no counted pod with
    affinity terms, and no Service or owner to spread by (the system
    default constraints' selector: no Service has a selector, the pod has
    no owner) has nothing for these plugins: PLAIN, found before the walks
    below (which `use_counts` False takes, as the reference)."""
    spec = pod.spec
    if (use_counts and spec.affinity is None and not cache.affinity_anchor
            and not spec.extra.get("topologySpreadConstraints") and not pod.metadata.owner_references
            and not view.index(SERVICES_BY_SELECTOR)):
        # _with_images_and_pdbs(PLAIN) is PLAIN without image states or a positive priority (pod_priority)
        if view.index(IMAGE_STATES)["states"] or (spec.priority or 0) > 0:
            return _with_images_and_pdbs(view, pod, PLAIN)
        return PLAIN
    table = cache.table
    info = pod_affinity(pod)
    labels = pod.metadata.labels
    # existing pods whose terms can match this pod: filed under a pair of its labels, or under None
    keys: set = set()
    anchor = cache.affinity_anchor
    if anchor:
        hit = anchor.get(None)
        if hit:
            keys |= hit
        for kv in labels.items():
            hit = anchor.get(kv)
            if hit:
                keys |= hit
    existing = []
    for key in sorted(keys) if keys else ():
        node, p, _ = cache.affinity_pods[key]
        e = _existing(cache, table, p)
        if e is not None:
            existing.append(e)
    namespaces = {pod.metadata.namespace}
    candidates = []
    # pod_affinity returns the shared NO_AFFINITY for a pod without pod (anti-)affinity
    no_affinity = info is NO_AFFINITY or info.empty
    if not no_affinity:
        seen: set = set()
        all_ns = None
        for terms in (info.required_affinity, info.required_anti_affinity, info.preferred_affinity,
                      info.preferred_anti_affinity):
            for t in terms:
                nss = set(t.namespaces)
                if t.namespace_selector is not None:
                    if all_ns is None:
                        all_ns = [(o.metadata.name, o.metadata.labels) for o in view.list("Namespace")]
                    nss |= {name for name, lb in all_ns if t.namespace_selector.matches(lb)}
                for ns in sorted(nss):
                    for p in _counted_matching(view, cache, ns, t.selector, False):
                        key = (p.metadata.namespace, p.metadata.name)
                        if key in seen:
                            continue
                        seen.add(key)
                        e = _existing(cache, table, p)
                        if e is not None:
                            candidates.append(e)
                            namespaces.add(p.metadata.namespace)
    tsc = spread_constraints(pod)
    hard = tuple(c for c in tsc if c.when_unsatisfiable == "DoNotSchedule") if tsc else ()
    soft = tuple(c for c in tsc if c.when_unsatisfiable == "ScheduleAnyway") if tsc else ()
    system_default = False
    soft_counts = None
    if not tsc:
        services, owner = _services_selecting(view, pod), _owner_selector(view, pod)
        if services or owner is not None:
            selector, soft = pts.system_default_constraints(pod, services, owner)
        else:
            selector, soft = None, ()      # DefaultSelector of nothing: buildDefaultConstraints gives none
        system_default = bool(soft)
        if system_default and use_counts and _counts_apply(cache, pod, selector):
            soft_counts = cache.spread_counts(pod.metadata.namespace, selector)
    preferred = preferred_node_terms(pod)
    if no_affinity and not existing and not tsc and not soft and not preferred:
        # nothing for the affinity and spreading plugins: the shared empty inputs
        inputs = PLAIN
    else:
        inputs = PluginInputs(
            affinity=info, candidates=tuple(candidates), existing=tuple(existing), hard=hard, soft=soft,
            system_default=system_default,
            hard_matched=_spread_matched(view, cache, table, pod, hard, True) if hard else (),
            soft_matched=_spread_matched(view, cache, table, pod, soft, not system_default) if (
                soft and soft_counts is None) else (),
            soft_counts=soft_counts,
            hard_domains=_hard_domains(cache, table, pod, hard) if hard else (),
            preferred_node=preferred,
            ns_labels=_ns_labels(view, namespaces | {e.pod.metadata.namespace for e in existing}) if (
                candidates or existing) else {},
        )
    return _with_images_and_pdbs(view, pod, inputs)


def _with_images_and_pdbs(view, pod: Pod, inputs: PluginInputs) -> PluginInputs:
    """`inputs` with ImageLocality's image states and, where preemption may
    run (plugin inputs, or a positive priority), the namespace's PDBs."""
    image_states = view.index(IMAGE_STATES)
    if image_states["states"]:
        images = imagelocality.gather(image_states, pod)
        if images:
            inputs = attrs.evolve(inputs, images=images)
    if (inputs is not PLAIN and not inputs.plain) or pod_priority_of(pod) > 0:
        inputs = attrs.evolve(inputs, pdbs=preemption.list_pdbs(view, pod.metadata.namespace))
    return inputs


def pod_priority_of(pod: Pod) -> int:
    return preemption.pod_priority(pod)


#: the observation of a key with nothing to schedule (one immutable value, shared)
_NO_POD = SchedulerObs(pod=None)
#: SchedulerObs filled from `_NO_POD` (frozen.field_replacer): without attrs' keyword __init__
_new_obs = field_replacer(SchedulerObs, "pod", "table", "next_start", "inputs", "cache", "claims", "nominated")


def observe_scheduler(view, key, use_counts: bool = True) -> SchedulerObs:
    namespace, name = key
    pod = view.get("Pod", namespace, name)
    if pod is None or pod.spec.node_name or pod.metadata.deletion_timestamp is not None:
        return _NO_POD
    cache = view.index(SCHEDULER_CACHE)
    spec = pod.spec
    if spec.extra.get("schedulingGates"):      # scheduling_gates(pod), without building the tuple
        return SchedulerObs(pod=pod)
    nominated = view.index(NOMINATED_PODS)["by_node"]
    return _new_obs(_NO_POD, pod, cache.table, view.memory(NAME, "next_start", 0),
                    gather_inputs(view, cache, pod, use_counts), cache,
                    # no volumes: pod_claim_names is empty
                    volumes.observe_pod_claims(view, pod) if "volumes" in spec.extra else (), nominated or None)


#: schedule_one.go findNodesThatFitPod: the status of nodes a PreFilter result left out.
PREFILTER_NODE_AFFINITY = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"


def prefilter_node_names(pod: Pod) -> Optional[set]:
    """nodeaffinity PreFilter: when every required term pins node names with
    `matchFields metadata.name In [...]`, only those nodes (the union over
    terms; within a term the intersection of such requirements) are
    candidates — DaemonSet pods are pinned this way. None: every node is."""
    aff = pod.spec.affinity
    if aff is None or not aff.required_node_terms:
        return None
    names: set = set()
    for term in aff.required_node_terms:
        term_names = None
        for r in term.match_fields:
            if r.key == "metadata.name" and r.operator == "In":
                term_names = set(r.values) if term_names is None else term_names & set(r.values)
        if term_names is None:
            return None
        names |= term_names
    return names


# -- one scheduling cycle

class Cycle:
    """The CycleState of one attempt: the pod, its requests, the plugin
    PreFilter states. `filter_node` runs the profile's filters on one node,
    optionally with some pods removed (preemption's dry run)."""

    def __init__(self, pod: Pod, inputs: PluginInputs, table, cache, nominated=None) -> None:
        self.pod = pod
        self.inputs = inputs
        self.table = table
        self.cache = cache
        self.nominated = nominated
        self.req = pod_requests(pod)
        self.ports = host_ports(pod)
        self.scalars = scalar_requests(pod)
        self.ipa_state = None
        self.spread_state = None
        self._build(frozenset())

    def _build(self, removed) -> None:
        inp, pod = self.inputs, self.pod
        if not inp.affinity.empty or any(e.info.required_anti_affinity for e in inp.existing):
            keep = (lambda es: es) if not removed else (
                lambda es: [e for e in es if (e.pod.metadata.namespace, e.pod.metadata.name) not in removed])
            anti = [e for e in keep(inp.existing) if e.info.required_anti_affinity]
            st = ipa.pre_filter(pod, inp.affinity, anti, keep(inp.candidates), inp.ns_labels)
            self.ipa_state = st if (st.existing_anti_affinity or st.info.required_affinity
                                    or st.info.required_anti_affinity) else None
        if inp.hard:
            matched = [[e.node_labels for e in es if not removed or
                        (e.pod.metadata.namespace, e.pod.metadata.name) not in removed] for es in inp.hard_matched]
            self.spread_state = pts.pre_filter(inp.hard, matched, inp.hard_domains)

    def with_removed(self, removed) -> "Cycle":
        c = object.__new__(Cycle)
        c.__dict__.update(self.__dict__)
        c.ipa_state = c.spread_state = None
        c._build(frozenset(removed))
        return c

    def filter_node(self, i: int, removed=None):
        """RunFilterPlugins in the default profile's order; the first
        failing plugin ends the node. Returns (reasons, resolvable): an
        empty list when the node fits; `resolvable` False for
        UnschedulableAndUnresolvable (preemption cannot help)."""
        pod, table = self.pod, self.table
        node = table.nodes[i]
        if node.spec.unschedulable and not any(
                t.key == "node.kubernetes.io/unschedulable" and t.effect in ("", "NoSchedule") and
                (t.operator == "Exists") for t in pod.spec.tolerations):
            return ["node(s) were unschedulable"], False
        if pod.spec.node_name and pod.spec.node_name != node.metadata.name:
            return ["node(s) didn't match the requested node name"], False
        taint = taint_untolerated(pod, node.spec.taints)
        if taint is not None:
            return [f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"], False
        if not node_matches_affinity(pod, node):
            return ["node(s) didn't match Pod's node affinity/selector"], False
        gone = ()
        if removed:
            on = self.cache.pods.get(node.metadata.name, {}) if self.cache is not None else {}
            gone = [on[k] for k in removed if k in on]
        ahead = self.nominated_ahead(node.metadata.name) if self.nominated else ()
        if self.ports and self.cache is not None:
            used = dict(self.cache.ports.get(node.metadata.name, {}))
            for p in gone:
                for hp in host_ports(p):
                    used[hp] = used.get(hp, 0) - 1
            for nom in ahead:
                for hp in nom.ports:
                    used[hp] = used.get(hp, 0) + 1
            if any(used.get(hp, 0) > 0 for hp in self.ports):
                return [ERR_NODE_PORTS], True
        req = self.req
        used_pods, used_cpu, used_mem = table.used_pods[i], table.used_cpu[i], table.used_mem[i]
        for p in gone:
            r = pod_requests(p)
            used_pods, used_cpu, used_mem = used_pods - 1, used_cpu - r.cpu, used_mem - r.memory
        for nom in ahead:
            used_pods, used_cpu, used_mem = used_pods + 1, used_cpu + nom.req.cpu, used_mem + nom.req.memory
        out = []
        if used_pods + 1 > table.alloc_pods[i]:
            out.append("Too many pods")
        if req.cpu and used_cpu + req.cpu > table.alloc_cpu[i]:
            out.append("Insufficient cpu")
        if req.memory and used_mem + req.memory > table.alloc_mem[i]:
            out.append("Insufficient memory")
        if self.scalars:
            alloc = node.status.allocatable or node.status.capacity
            on = self.cache.pods.get(node.metadata.name, {}) if self.cache is not None else {}
            gone_keys = set(removed or ())
            for name in sorted(self.scalars):
                used = sum(scalar_requests(p).get(name, 0) for k, p in on.items() if k not in gone_keys)
                used += sum(nom.scalars.get(name, 0) for nom in ahead)
                if used + self.scalars[name] > (to_int(alloc[name]) if name in alloc else 0):
                    out.append(f"Insufficient {name}")
        if out:
            return out, True
        # (volume filters — VolumeRestrictions, VolumeBinding — belong here, before the spreading ones)
        labels = node.metadata.labels
        if self.spread_state is not None:
            hit = pts.filter_node(self.spread_state, pod, labels)
            if hit is not None:
                return [hit[0]], hit[1]
        if self.ipa_state is not None:
            hit = ipa.filter_node(self.ipa_state, labels)
            if hit is not None:
                return [hit[0]], hit[1]
        return [], True


    def nominated_ahead(self, node_name: str) -> list:
        """framework.go addGENominatedPods: the pods nominated to this node
        with a priority at least the incoming pod's (not itself), which
        RunFilterPluginsWithNominatedPods counts as running there. kstate
        adds what NodeResourcesFit and NodePorts see (requests, the pod
        count, host ports); the second pass without them, which only the
        pod (anti-)affinity and spreading plugins can fail, is not run."""
        on = self.nominated.get(node_name)
        if not on:
            return []
        prio, uid = preemption.pod_priority(self.pod), self.pod.metadata.uid
        return [nom for _, nom in sorted(on.items()) if nom.priority >= prio and nom.uid != uid]


@attrs.frozen
class NominatedPod:
    """What the nominator keeps of a pod nominated to a node (the
    PodInfo addGENominatedPods adds to a copy of the NodeInfo)."""
    priority: int
    uid: str
    req: Requests
    ports: tuple = ()
    scalars: object = None


def nominated_pod(pod: Pod) -> NominatedPod:
    return NominatedPod(preemption.pod_priority(pod), pod.metadata.uid, pod_requests(pod), host_ports(pod),
                        scalar_requests(pod))


def evaluate_nominated_node(cycle: "Cycle", pod: Pod) -> Optional[int]:
    """schedule_one.go evaluateNominatedNode: a pod nominated by an earlier
    preemption tries that node first (its filters, with the other
    nominated pods); if it fits, it is the only feasible node — bound
    without scoring, the search window not advanced. None: search as usual."""
    row = cycle.table.row.get(pod.status.nominated_node_name)
    if row is None:
        return None
    fails, _ = cycle.filter_node(row)
    return None if fails else row


def find_nodes_that_fit(cycle: Cycle, start: int, want: int, rows=None):
    """schedule_one.go findNodesThatPassFilters: walk the nodes (or the
    PreFilter's candidate `rows`) from `start` (round robin) until `want`
    feasible ones are found. Returns the feasible rows in walk order, the
    number of nodes processed, and each failed row's (reasons, resolvable)."""
    table = cycle.table
    n = table.size if rows is None else len(rows)
    feasible = []
    failed: dict = {}
    processed = 0
    for j in range(n):
        i = (start + j) % n if rows is None else rows[(start + j) % n]
        processed += 1
        fails, resolvable = cycle.filter_node(i)
        if fails:
            failed[i] = (fails, resolvable)
            continue
        feasible.append(i)
        if len(feasible) >= want:
            break
    return feasible, processed, failed


def prioritize_nodes(cycle: Cycle, rows: list) -> list:
    """schedule_one.go prioritizeNodes: each score plugin's normalized score
    times its weight, summed per node (the default profile's plugins)."""
    table, pod, req, inp = cycle.table, cycle.pod, cycle.req, cycle.inputs
    total = []
    best_effort = not req.cpu and not req.memory
    for i in rows:
        s = least_allocated_score(table.alloc_cpu[i], table.alloc_mem[i],
                                  table.nz_cpu[i] + req.nz_cpu, table.nz_mem[i] + req.nz_memory)
        if not best_effort:
            s += scores.WEIGHT_BALANCED * scores.balanced_resource_score(
                table.used_cpu[i] + req.cpu, table.alloc_cpu[i], table.used_mem[i] + req.memory, table.alloc_mem[i])
        total.append(s)
    nodes = [table.nodes[i] for i in rows]
    taint = scores.default_normalize(
        [scores.count_intolerable_prefer_no_schedule(nd.spec.taints, pod.spec.tolerations) for nd in nodes], True)
    total = [t + scores.WEIGHT_TAINT_TOLERATION * x for t, x in zip(total, taint)]
    if inp.preferred_node:
        raw = [scores.preferred_node_affinity_score(inp.preferred_node, nd, _term_matches) for nd in nodes]
        total = [t + scores.WEIGHT_NODE_AFFINITY * x for t, x in zip(total, scores.default_normalize(raw, False))]
    info = inp.affinity
    if info.preferred_affinity or info.preferred_anti_affinity or inp.existing:
        cands = inp.candidates if (info.preferred_affinity or info.preferred_anti_affinity) else ()
        topo = ipa.pre_score(pod, info, cands, inp.existing, inp.ns_labels)
        if topo:
            raw = [ipa.score_node(topo, nd.metadata.labels) for nd in nodes]
            total = [t + scores.WEIGHT_INTER_POD_AFFINITY * x for t, x in zip(total, ipa.normalize(raw))]
    if inp.soft and inp.soft_counts is not None:
        by_node, by_zone = inp.soft_counts[:2]
        # hostname labels are one per node here (_counts_apply): a hostname's count is its node's
        per_host = {nd.metadata.labels[pts.LABEL_HOSTNAME]: by_node.get(nd.metadata.name, 0) for nd in nodes}
        counts = [per_host if c.topology_key == pts.LABEL_HOSTNAME else by_zone for c in inp.soft]
        sp = pts.scores_from_counts(inp.soft, [nd.metadata.labels for nd in nodes], counts, False)
        total = [t + scores.WEIGHT_SPREAD * x for t, x in zip(total, sp)]
    elif inp.soft:
        matched = [[e.node_labels for e in es] for es in inp.soft_matched]
        sp = pts.scores(inp.soft, [nd.metadata.labels for nd in nodes], matched, not inp.system_default)
        total = [t + scores.WEIGHT_SPREAD * x for t, x in zip(total, sp)]
    if inp.images:
        il = imagelocality.scores(inp.images, [table.names[i] for i in rows], table.size)
        total = [t + imagelocality.WEIGHT_IMAGE_LOCALITY * x for t, x in zip(total, il)]
    return total


def _term_matches(term, node) -> bool:
    labels = node.metadata.labels
    if not term.match_expressions and not term.match_fields:
        return False
    return all(_req_matches(r, labels.get(r.key)) for r in term.match_expressions) and all(
        _req_matches(r, node.metadata.name if r.key == "metadata.name" else None) for r in term.match_fields)


def tie_break_draw(pod: Pod, salt: int) -> int:
    """The random number selectHost's choice uses: a hash of the pod's uid
    (drawn from the cluster's seeded uid stream) and the search offset."""
    return zlib.crc32(f"{pod.metadata.uid}/{pod.metadata.name}/{salt}".encode())


def select_host(rows: list, totals: list, draw: int) -> int:
    """schedule_one.go selectHost: a uniformly random node among those with
    the highest total score (the reservoir sampling's outcome).

    Example: totals [300, 310, 310] → rows 1 or 2, each with chance ½;
    draw 7 → 7 % 2 = 1 → the second of them.
    """
    best = max(totals)
    ties = [r for r, t in zip(rows, totals) if t == best]
    return ties[draw % len(ties)]


def failure_message(n: int, reasons: dict, post: str = "") -> str:
    """framework/types.go FitError.Error: "0/N nodes are available:" then
    "<count> <reason>" sorted as strings, then the PostFilter message."""
    msg = f"0/{n} nodes are available"
    hist = sorted(f"{c} {r}" for r, c in reasons.items())
    msg += (": " + ", ".join(hist) + ".") if hist else "."
    if post:
        msg += " " + post
    return msg


def _histogram(failed: dict, extra: Optional[dict] = None) -> dict:
    reasons: dict = dict(extra or {})
    for fails, _ in failed.values():
        for r in fails:
            reasons[r] = reasons.get(r, 0) + 1
    return reasons


#: node count → num_feasible_nodes_to_find(node count) (a pure function of one small int).
_WANT: dict = {}


#: id(spec) → (spec, `bare_spec(spec)`): pods of one template share their spec.
_BARE_MEMO: dict = {}


def bare_spec(pod: Pod) -> bool:
    """The pod's spec asks nothing of a node but room: no schedulingGates,
    nodeName, PreFilter node names (`prefilter_node_names`), host ports or
    extended resources, and `is_simple` — the spec's part of the cached
    bare-pod path's conditions, memoised by the spec's identity."""
    spec = pod.spec
    hit = _BARE_MEMO.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    bare = (not spec.extra.get("schedulingGates") and not spec.node_name and is_simple(pod)
            and prefilter_node_names(pod) is None and not host_ports(pod) and not scalar_requests(pod))
    if len(_BARE_MEMO) > 4096:
        _BARE_MEMO.clear()
    _BARE_MEMO[id(spec)] = (spec, bare)
    return bare


#: the bind's actions filled field by field from a template (frozen.field_replacer), without
#: attrs' frozen __init__ (a __setattr__ call per field): `_bound` builds five objects a pod.
_NEXT_START = SetMemory(NAME, "next_start", 0)
_with_value = field_replacer(SetMemory, "value")
_new_bind = field_replacer(Bind, "namespace", "name", "uid", "node_name")
_BIND = Bind("", "", "", "")
_new_ref = field_replacer(ObjectReference, "kind", "name", "namespace", "uid", "api_version")
_SCHEDULED = RecordEvent(ObjectReference("", ""), "Scheduled", "", "Normal", NAME)
_scheduled_event = field_replacer(RecordEvent, "involved", "message")
_with_actions = field_replacer(Result, "actions")


def _bound(pod: Pod, node_name: str, next_start: int) -> Result:
    """The bind of a placed pod: the search offset moved on, the binding, the
    Scheduled event (about `ref_of(pod)`)."""
    m = pod.metadata
    ns, name = m.namespace, m.name
    return _with_actions(NOTHING, (
        _with_value(_NEXT_START, next_start),
        _new_bind(_BIND, ns, name, m.uid, node_name),
        _scheduled_event(_SCHEDULED, _new_ref(_SCHEDULED.involved, pod.KIND, name, ns, m.uid, pod.API_VERSION),
                         f"Successfully assigned {ns}/{name} to {node_name}"),
    ))


def reconcile_scheduler(obs: SchedulerObs, now: int) -> Result:
    """schedulePod → selectHost → bind, or PostFilter (DefaultPreemption)
    and the FailedScheduling diagnosis, for one pending pod.

    A bare pod (`bare_spec`, no plugin input, claim or nomination) is
    answered first by the node table's cached best score, as the general
    path below would answer it; when a node of its window is not a simple
    pod's feasible node, the general path runs."""
    pod = obs.pod
    if pod is None:
        return NOTHING
    if (obs.inputs is PLAIN and obs.nominated is None and not obs.claims and not pod.status.nominated_node_name
            and bare_spec(pod)):
        table = obs.table
        n = len(table.names)
        if n:
            want = _WANT.get(n)
            if want is None:
                want = _WANT[n] = num_feasible_nodes_to_find(n)
            start = obs.next_start % n
            hit = table.best_simple(pod_requests(pod), start, want, tie_break_draw(pod, obs.next_start))
            if hit is not None:
                return _bound(pod, table.names[hit[0]], (start + hit[1]) % n)
    if pod.spec.extra.get("schedulingGates"):      # scheduling_gates(pod), without building the tuple
        return _gated(pod, now)
    # -- VolumeBinding PreFilter (kept in controllers/volumes.py)
    if obs.claims:
        rejected = volumes.prefilter(obs.claims)
        if rejected is not None:
            return volumes.unschedulable(pod, rejected, obs.table.size, now, NAME)
    table = obs.table
    n = len(table.names)
    inputs = obs.inputs
    # The Cycle (the plugins' PreFilter states) is built only where nodes are
    # filtered one by one: the cached bare-pod paths need the requests alone.
    cycle = None
    req = pod_requests(pod)
    want = _WANT.get(n)
    if want is None:
        want = _WANT[n] = num_feasible_nodes_to_find(n)
    start = obs.next_start % n if n else 0
    draw = tie_break_draw(pod, obs.next_start)
    chosen = None
    processed = 0
    failed: dict = {}
    prefiltered: dict = {}
    names = prefilter_node_names(pod) if n else None
    rows = None
    if n and pod.status.nominated_node_name:
        cycle = Cycle(pod, inputs, table, obs.cache, obs.nominated)
        chosen = evaluate_nominated_node(cycle, pod)
    if chosen is not None:
        pass    # the nominated node fits: the only feasible node
    elif names is not None:
        # Only the PreFilter's nodes are filtered; the search window is sized on them.
        rows = sorted(table.row[x] for x in names if x in table.row)
        if n > len(rows):
            prefiltered[PREFILTER_NODE_AFFINITY] = n - len(rows)
    elif n and obs.nominated is None and not pod.spec.node_name:
        plain = inputs is PLAIN or inputs.plain
        if (plain or inputs.default_spread_only) and is_simple(pod) and not host_ports(pod) \
                and not scalar_requests(pod):
            if plain:
                hit = table.best_simple(req, start, want, draw)
            else:
                hit = defaultspread.best_with_default_spread(table, req, start, want, draw, inputs.soft,
                                                             *inputs.soft_counts)
            if hit is not None:
                chosen, processed = hit
    if chosen is None and n and (rows is None or rows):
        if cycle is None:
            cycle = Cycle(pod, inputs, table, obs.cache, obs.nominated)
        if rows is None:
            feasible, processed, failed = find_nodes_that_fit(cycle, start, want)
        else:
            feasible, processed, failed = find_nodes_that_fit(cycle, start % len(rows),
                                                              num_feasible_nodes_to_find(len(rows)), rows)
        if len(feasible) == 1:
            chosen = feasible[0]
        elif feasible:
            chosen = select_host(feasible, prioritize_nodes(cycle, feasible), draw)
    if chosen is not None:
        return _bound(pod, table.names[chosen], (start + processed) % n)
    if cycle is None:
        cycle = Cycle(pod, inputs, table, obs.cache, obs.nominated)
    return _unschedulable(obs, cycle, n, failed, prefiltered, draw, now)


def _assumable(obs: SchedulerObs) -> bool:
    """A pending pod whose scheduling reads nothing that binding a bare pod
    changes but the node table's usage and the search offset: no gates,
    claims, nomination, PreFilter node names, nodeName, host ports, extended
    resources or nominated pods anywhere, nothing for the affinity,
    spreading or image plugins, and no selector, affinity or toleration
    beyond the defaults (`is_simple`) — the conditions of the cached bare-pod
    path. Such a pod's own bind adds only usage: it has no terms for the
    cache's affinity anchors and no constraint to count."""
    pod = obs.pod
    return (pod is not None and obs.table is not None and obs.table.size > 0 and not obs.claims
            and obs.nominated is None and obs.inputs.plain and not pod.status.nominated_node_name
            and bare_spec(pod))


_with_table = field_replacer(SchedulerObs, "table", "next_start")


def _assumed_obs(obs: SchedulerObs, table, next_start: int) -> SchedulerObs:
    """`obs` with the assumed table and search offset (attrs.evolve, at a
    fraction of its cost; tests/unit/test_scheduler_batch.py checks that every
    other field is carried over)."""
    return _with_table(obs, table, next_start)


def reconcile_scheduler_batch(observations, now: int) -> list:
    """`reconcile_scheduler` over a run of pending pods taken at one instant
    (ControllerSpec.reconcile_batch): item i is scheduled against the node
    table as it will be once items 0..i-1 are bound. Each pod placed is
    *assumed* into a local copy of the table — its requests added to its
    node's row, the search offset moved on — as kube-scheduler's cache
    assumes a pod before its bind lands (schedule_one.go schedulingCycle →
    assume, backend/cache AssumePod), so the next pod sees it.

    Exact only where nothing else that a bind changes is read: item 0 (its
    observation is fresh) and then pods `_assumable` (the bare-pod path)
    after items that were themselves assumable and placed, or had no pod.
    At the first other item it stops and returns the results so far; the
    engine folds the rest one pod at a time. Pure: the copy is made and
    dropped inside the call.

    Example: pods p0, p1 pending on two empty equal nodes; p0 binds to
    node-a (its draw among the tie), the copy's node-a row gains p0's
    requests, so p1's best score is node-b's — as in the one-pod engine,
    where p1 is observed after p0's bind updated the scheduler cache."""
    out: list = []
    table = next_start = None      # the assumed copy, once a pod of the batch is placed
    for obs in observations:
        if table is not None:
            if obs.pod is None:
                out.append(NOTHING)
                continue
            if not _assumable(obs):
                break
            obs = _assumed_obs(obs, table, next_start)
            assumable = True
        else:
            assumable = obs.pod is not None and _assumable(obs)
        result = reconcile_scheduler(obs, now)
        actions = result.actions
        placed = (assumable and len(actions) > 1 and type(actions[0]) is SetMemory
                  and actions[0].key == "next_start" and type(actions[1]) is Bind)
        if table is not None and not placed:
            break                  # not foreseen: the engine schedules it after the binds before it
        out.append(result)
        if placed:
            if table is None:
                table = obs.table.assumed()
            table.add_usage(actions[1].node_name, pod_requests(obs.pod))
            next_start = actions[0].value
        elif actions:
            break                  # a write the copy does not model: the rest is observed anew
    return out


def _gated(pod: Pod, now: int) -> Result:
    """A pod with schedulingGates stays out of the queue: PodScheduled=False
    reason SchedulingGated (pkg/scheduler/schedule_one.go / the API
    server's PrepareForCreate), no FailedScheduling event."""
    conds = set_condition(pod.status.conditions, Condition(
        "PodScheduled", "False", "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates"), now)
    if conds is pod.status.conditions:
        return NOTHING
    return Result((UpdateStatus(evolve(pod, status=evolve(pod.status, conditions=conds))),))


def _unschedulable(obs: SchedulerObs, cycle: Cycle, n: int, failed: dict, prefiltered: dict, draw: int,
                   now: int) -> Result:
    pod = obs.pod
    reasons = _histogram(failed, prefiltered)
    actions: list = []
    post = ""
    nominate = None
    if n:
        post, nominate, preempt_actions = post_filter(obs, cycle, n, failed, draw, now)
        actions.extend(preempt_actions)
    message = failure_message(n, reasons, post)
    status = pod.status
    new_conds = set_condition(status.conditions, Condition("PodScheduled", "False", "Unschedulable", message), now)
    nominated = nominate if nominate is not None else status.nominated_node_name
    if new_conds is not status.conditions or nominated != status.nominated_node_name:
        actions.insert(0, UpdateStatus(evolve(pod, status=evolve(status, conditions=new_conds,
                                                                 nominated_node_name=nominated))))
    actions.append(RecordEvent(ref_of(pod), "FailedScheduling", message, "Warning", NAME))
    # Park the pod with the unschedulable ones: retried when nodes or capacity change.
    relational = bool(cycle.inputs.hard or cycle.inputs.affinity.required_affinity)
    actions.append(SetMemory(NAME, ("unschedulable", pod.metadata.namespace, pod.metadata.name),
                             (-preemption.pod_priority(pod), pod.metadata.creation_timestamp or 0, relational)))
    return Result(tuple(actions))


def post_filter(obs: SchedulerObs, cycle: Cycle, n: int, failed: dict, draw: int, now: int):
    """default_preemption.go PostFilter → preemption.go Preempt. Returns
    (the "preemption: …" message, the node to nominate or None, the
    actions: each victim's DisruptionTarget condition, its graceful
    deletion and a Preempted event)."""
    pod = obs.pod
    table = cycle.table
    cache = obs.cache
    nominated_terminating = False
    if pod.status.nominated_node_name and cache is not None:
        nn = pod.status.nominated_node_name
        row = table.row.get(nn)
        if row is not None and (row not in failed or failed[row][1]):
            prio = preemption.pod_priority(pod)
            nominated_terminating = any(
                p.metadata.deletion_timestamp is not None and preemption.pod_priority(p) < prio
                for p in cache.pods.get(nn, {}).values())
    why = preemption.pod_eligible_to_preempt_others(pod, nominated_terminating)
    if why is not None:
        return "preemption: " + why, None, ()
    potential = [i for i in sorted(failed) if failed[i][1]]
    statuses: dict = {}
    candidates = []
    if potential and cache is not None:
        want = preemption.num_candidates(len(potential))
        offset = draw % len(potential)
        for j in range(len(potential)):
            if len(candidates) >= want:
                break
            i = potential[(offset + j) % len(potential)]
            name = table.names[i]
            on = [p for _, p in sorted(cache.pods.get(name, {}).items())]

            def fits(removed, i=i):
                c = cycle.with_removed(removed)
                fails, _ = c.filter_node(i, removed)
                return fails[0] if fails else None

            victims, extra = preemption.select_victims_on_node(pod, on, fits, obs.inputs.pdbs)
            if victims is None:
                statuses[i] = extra
                continue
            candidates.append((name, victims, extra))
    if not candidates:
        hist: dict = {}
        for i in range(n):
            r = statuses.get(i, preemption.MSG_NOT_HELPFUL)
            hist[r] = hist.get(r, 0) + 1
        return "preemption: " + failure_message(n, hist), "", ()
    target = preemption.pick_one_node_for_preemption(candidates)
    victims = next(v for name, v, _ in candidates if name == target)
    actions: list = []
    for v in victims:
        cond = Condition("DisruptionTarget", "True", preemption.REASON_PREEMPTION_BY_SCHEDULER,
                         f"{pod.spec.scheduler_name}: preempting to accommodate a higher priority pod")
        conds = set_condition(v.status.conditions, cond, now)
        if conds is not v.status.conditions:
            actions.append(UpdateStatus(evolve(v, status=evolve(v.status, conditions=conds))))
        actions.append(Delete("Pod", v.metadata.namespace, v.metadata.name, uid=v.metadata.uid))
        actions.append(RecordEvent(ref_of(v), "Preempted", f"Preempted by pod {pod.metadata.uid} on node {target}",
                                   "Normal", NAME))
    return "", target, tuple(actions)



# -- watches

def watch_gates_lifted(old, new, view) -> tuple:
    """A gated pod whose last schedulingGate was removed enters the queue."""
    if (old is not None and new is not None and not new.spec.node_name and old.spec is not new.spec
            and scheduling_gates(old) and not scheduling_gates(new)):
        return ((new.metadata.namespace, new.metadata.name),)
    return ()


def watch_pods(old, new, view) -> tuple:
    """A new pod without a node goes to the scheduling queue."""
    if old is None and new is not None and not new.spec.node_name and new.metadata.deletion_timestamp is None:
        return ((new.metadata.namespace, new.metadata.name),)
    return ()

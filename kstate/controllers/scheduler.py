"""kube-scheduler, one pending pod at a time.

Owns: the filter plugins kstate models (NodeUnschedulable, TaintToleration,
NodeAffinity incl. nodeSelector, NodeResourcesFit incl. max pods, NodeName),
the LeastAllocated score, the `percentageOfNodesToScore` search window, the
FailedScheduling diagnosis. Pure: it reads the engine's capacity index (a
`NodeTable`) and returns a Bind, or a PodScheduled=False status and an event.
Must not import engine/ or io/.

Kubernetes sources: pkg/scheduler/schedule_one.go (schedulePod,
findNodesThatFitPod, numFeasibleNodesToFind, selectHost),
pkg/scheduler/framework/plugins/noderesources/{fit.go,least_allocated.go},
pkg/scheduler/util/pod_resources.go (non-zero defaults),
pkg/scheduler/framework/plugins/tainttoleration, nodeaffinity, nodeunschedulable.
Ties between equal scores go to the node whose name sorts first (kube-scheduler
picks at random among ties; kstate is deterministic by design).
"""
from __future__ import annotations

from typing import Optional

import attrs

from kstate.controllers import volumes
from kstate.controllers.actions import NOTHING, Bind, RecordEvent, Result, SetMemory, UpdateStatus, ref_of
from kstate.resources.meta import Condition, set_condition
from kstate.resources.pod import NodeSelectorRequirement, Pod
from kstate.resources.quantity import cpu_millis, to_int
from kstate.resources.frozen import evolve

NAME = "default-scheduler"
#: the declared index holding the node table and the unschedulable queue (kstate.indexes).
SCHEDULER_CACHE = "scheduler-cache"

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
    request 100m / 200Mi. Memoised by the identity of the container tuples:
    pods of one template share them, also after binding gives each pod its
    own PodSpec (a memo keyed on the spec missed there).

    Example: app 250m, init [sidecar 100m, regular 1], → max(250m + 100m,
    1000m + 100m) = 1100m.
    """
    spec = pod.spec
    containers, inits = spec.containers, spec.init_containers
    hit = _REQUESTS_MEMO.get(id(containers))
    if hit is not None and hit[0] is containers and hit[1] is inits:
        return hit[2]
    req = _pod_requests(pod)
    if len(_REQUESTS_MEMO) > 4096:
        _REQUESTS_MEMO.clear()
    _REQUESTS_MEMO[id(containers)] = (containers, inits, req)
    return req


def _container_requests(c) -> tuple[int, int, int, int]:
    r = c.resources.requests
    cc = cpu_millis(r["cpu"]) if "cpu" in r else 0
    mm = to_int(r["memory"]) if "memory" in r else 0
    return (cc, mm, cc if "cpu" in r else DEFAULT_MILLI_CPU_REQUEST, mm if "memory" in r else DEFAULT_MEMORY_REQUEST)


def _pod_requests(pod: Pod) -> Requests:
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
    if s.node_selector or s.affinity is not None and s.affinity.required_node_terms:
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
    labels = node.metadata.labels
    for k, v in pod.spec.node_selector.items():
        if labels.get(k) != v:
            return False
    aff = pod.spec.affinity
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


def filter_reasons(pod: Pod, req: Requests, table, i: int) -> list[str]:
    """All filter failures of node row `i` for `pod` (empty: feasible), in
    the Kubernetes wording that ends up in the FailedScheduling message."""
    node = table.nodes[i]
    if node.spec.unschedulable and not any(
            t.key == "node.kubernetes.io/unschedulable" and t.effect in ("", "NoSchedule") and
            (t.operator == "Exists") for t in pod.spec.tolerations):
        return ["node(s) were unschedulable"]
    if pod.spec.node_name and pod.spec.node_name != node.metadata.name:
        return ["node(s) didn't match the requested node name"]
    taint = taint_untolerated(pod, node.spec.taints)
    if taint is not None:
        return [f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"]
    if not node_matches_affinity(pod, node):
        return ["node(s) didn't match Pod's node affinity/selector"]
    out = []
    if table.used_pods[i] + 1 > table.alloc_pods[i]:
        out.append("Too many pods")
    if req.cpu and table.used_cpu[i] + req.cpu > table.alloc_cpu[i]:
        out.append("Insufficient cpu")
    if req.memory and table.used_mem[i] + req.memory > table.alloc_mem[i]:
        out.append("Insufficient memory")
    return out


def score(table, i: int, req: Requests) -> int:
    return least_allocated_score(table.alloc_cpu[i], table.alloc_mem[i],
                                 table.nz_cpu[i] + req.nz_cpu, table.nz_mem[i] + req.nz_memory)


@attrs.frozen
class SchedulerObs:
    pod: Optional[Pod]
    table: object = None
    next_start: int = 0
    #: the pod's claims for the VolumeBinding PreFilter (controllers/volumes.py)
    claims: tuple = ()


def observe_scheduler(view, key) -> SchedulerObs:
    namespace, name = key
    pod = view.get("Pod", namespace, name)
    if pod is None or pod.spec.node_name or pod.metadata.deletion_timestamp is not None:
        return SchedulerObs(pod=None)
    return SchedulerObs(pod=pod, table=view.index(SCHEDULER_CACHE).table, next_start=view.memory(NAME, "next_start", 0),
                        claims=volumes.observe_pod_claims(view, pod))


#: schedule_one.go findNodesThatFitPod: the status of nodes a PreFilter result left out.
PREFILTER_NODE_AFFINITY = "node(s) didn't satisfy plugin(s) [NodeAffinity]"


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


def find_nodes_that_fit(pod: Pod, req: Requests, table, start: int, want: int, rows=None):
    """schedule_one.go findNodesThatPassFilters: walk the nodes (or the
    PreFilter's candidate `rows`) from `start` (round robin) until `want`
    feasible ones are found. Returns the best (score, -rank, row) among
    them, the number of nodes processed, and the failure counts by reason."""
    n = table.size if rows is None else len(rows)
    best = None
    found = 0
    reasons: dict[str, int] = {}
    processed = 0
    for j in range(n):
        i = (start + j) % n if rows is None else rows[(start + j) % n]
        processed += 1
        fails = filter_reasons(pod, req, table, i)
        if fails:
            for r in fails:
                reasons[r] = reasons.get(r, 0) + 1
            continue
        key = (score(table, i, req), -table.rank[i], i)
        if best is None or key > best:
            best = key
        found += 1
        if found >= want:
            break
    return best, processed, reasons


def reconcile_scheduler(obs: SchedulerObs, now: int) -> Result:
    """schedulePod → selectHost → bind, for one pending pod."""
    pod = obs.pod
    if pod is None:
        return NOTHING
    # -- VolumeBinding PreFilter (kept in controllers/volumes.py)
    if obs.claims:
        rejected = volumes.prefilter(obs.claims)
        if rejected is not None:
            return volumes.unschedulable(pod, rejected, obs.table.size, now, NAME)
    table = obs.table
    table.prepare()
    n = table.size
    req = pod_requests(pod)
    want = num_feasible_nodes_to_find(n)
    start = obs.next_start % n if n else 0
    chosen = None
    processed = 0
    reasons: dict[str, int] = {}
    names = prefilter_node_names(pod) if n else None
    if names is not None:
        # Only the PreFilter's nodes are filtered; the search window is sized on them.
        rows = sorted(table.row[x] for x in names if x in table.row)
        if rows:
            best, processed, reasons = find_nodes_that_fit(pod, req, table, start % len(rows),
                                                           num_feasible_nodes_to_find(len(rows)), rows)
            chosen = best[2] if best is not None else None
        if n > len(rows):
            reasons[PREFILTER_NODE_AFFINITY] = n - len(rows)
    elif n and is_simple(pod) and not pod.spec.node_name:
        hit = table.best_simple(req, start, want)
        if hit is not None:
            chosen, processed = hit
    if chosen is None and n and names is None:
        best, processed, reasons = find_nodes_that_fit(pod, req, table, start, want)
        chosen = best[2] if best is not None else None
    if chosen is not None:
        node_name = table.names[chosen]
        m = pod.metadata
        return Result((
            SetMemory(NAME, "next_start", (start + processed) % n),
            Bind(m.namespace, m.name, m.uid, node_name),
            RecordEvent(ref_of(pod), "Scheduled", f"Successfully assigned {m.namespace}/{m.name} to {node_name}",
                        "Normal", NAME),
        ))
    detail = ", ".join(f"{c} {r}" for r, c in sorted(reasons.items()))
    message = f"0/{n} nodes are available" + (f": {detail}." if detail else ".")
    if n:
        message += f" preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling."
    new_conds = set_condition(pod.status.conditions, Condition("PodScheduled", "False", "Unschedulable", message), now)
    actions = []
    if new_conds is not pod.status.conditions:
        actions.append(UpdateStatus(evolve(pod, status=evolve(pod.status, conditions=new_conds))))
    actions.append(RecordEvent(ref_of(pod), "FailedScheduling", message, "Warning", NAME))
    # Park the pod with the unschedulable ones: retried when nodes or capacity change.
    actions.append(SetMemory(NAME, ("unschedulable", pod.metadata.namespace, pod.metadata.name), True))
    return Result(tuple(actions))


# -- watches

def watch_pods(old, new, view) -> tuple:
    """A new pod without a node goes to the scheduling queue."""
    if old is None and new is not None and not new.spec.node_name and new.metadata.deletion_timestamp is None:
        return ((new.metadata.namespace, new.metadata.name),)
    return ()

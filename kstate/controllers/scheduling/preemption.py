"""DefaultPreemption: victims on one node, the node to nominate, the hook for
PodDisruptionBudgets.

Owns: SelectVictimsOnNode (plugins/defaultpreemption/default_preemption.go),
filterPodsWithPDBViolation and pickOneNodeForPreemption
(framework/preemption/preemption.go), PodEligibleToPreemptOthers, over plain
inputs: the pods on a node, a `fits(removed_keys)` callback that re-runs the
filters with those pods gone, and the disruption budgets the observe step
read through `PDB_LISTER`. Must not import engine/ or io/.

PodDisruptionBudgets are another module's kind: it registers
`set_pdb_lister(fn)` with `fn(view, namespace) -> tuple[PDBInfo, ...]`.
Without one no victim violates a budget (`count 0`).
"""
from __future__ import annotations

from typing import Callable, Optional

import attrs

MSG_NO_VICTIMS = "No preemption victims found for incoming pod"
MSG_NOT_HELPFUL = "Preemption is not helpful for scheduling"
MSG_POLICY_NEVER = "not eligible due to preemptionPolicy=Never."
MSG_TERMINATING = "not eligible due to a terminating pod on the nominated node."
#: preemption.go: victims get this condition before deletion.
REASON_PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"
#: the smallest number of candidates DryRunPreemption looks for
#: (default_preemption.go GetOffsetAndNumCandidates, args defaults
#: minCandidateNodesPercentage 10, minCandidateNodesAbsolute 100).
MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
_MAX_INT32 = 2 ** 31 - 1


@attrs.frozen
class PDBInfo:
    """What filterPodsWithPDBViolation reads of one PodDisruptionBudget."""
    namespace: str
    selector: object            # LabelSelector; None or empty selects nothing
    disruptions_allowed: int
    disrupted_pods: frozenset = frozenset()


_PDB_LISTER: list = [None]


def set_pdb_lister(fn: Optional[Callable]) -> None:
    """Installed by the PodDisruptionBudget kind: `fn(view, namespace)`."""
    _PDB_LISTER[0] = fn


def list_pdbs(view, namespace: str) -> tuple:
    fn = _PDB_LISTER[0]
    return tuple(fn(view, namespace)) if fn is not None else ()


def pod_priority(pod) -> int:
    """corev1helpers.PodPriority: spec.priority, 0 when unset."""
    p = pod.spec.priority
    return p if p is not None else 0


def _start_time(pod) -> int:
    st = pod.status.start_time
    return st if st is not None else (pod.metadata.creation_timestamp or 0)


def more_important(a, b) -> bool:
    """util.MoreImportantPod: higher priority, then the earlier start time."""
    pa, pb = pod_priority(a), pod_priority(b)
    if pa != pb:
        return pa > pb
    return _start_time(a) < _start_time(b)


def _importance_key(p):
    return (-pod_priority(p), _start_time(p), p.metadata.namespace, p.metadata.name)


def filter_pods_with_pdb_violation(pods, pdbs) -> tuple[list, list]:
    """preemption.go filterPodsWithPDBViolation: walk the pods in order; a
    pod whose eviction would take any budget selecting it below zero allowed
    disruptions is violating. Returns (violating, non_violating)."""
    allowed = [p.disruptions_allowed for p in pdbs]
    violating, ok = [], []
    for pod in pods:
        bad = False
        if pod.metadata.labels:
            for i, pdb in enumerate(pdbs):
                if pdb.namespace != pod.metadata.namespace or pdb.selector is None:
                    continue
                if pdb.selector.is_empty() or not pdb.selector.matches(pod.metadata.labels):
                    continue
                if pod.metadata.name in pdb.disrupted_pods:
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    bad = True
        (violating if bad else ok).append(pod)
    return violating, ok


def select_victims_on_node(preemptor, pods_on_node, fits: Callable, pdbs):
    """default_preemption.go SelectVictimsOnNode: remove every pod of lower
    priority; if the preemptor then fits, add them back one by one, most
    important first, PDB-violating ones before the others, keeping each
    that still lets the preemptor fit. Returns (victims, pdb_violations) or
    (None, reason).

    Example: node with room for 1 pod, pods of priority 0 (started t=1) and
    5 (t=2), preemptor priority 10 → both removed, the priority-5 pod is
    tried first and reprieved, the priority-0 pod is the victim.
    """
    prio = pod_priority(preemptor)
    potential = sorted((p for p in pods_on_node if pod_priority(p) < prio), key=_importance_key)
    if not potential:
        return None, MSG_NO_VICTIMS
    removed = {(p.metadata.namespace, p.metadata.name) for p in potential}
    reason = fits(removed)
    if reason is not None:
        return None, reason
    violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs)
    victims = []
    num_violating = 0
    for group, is_violating in ((violating, True), (non_violating, False)):
        for p in group:
            key = (p.metadata.namespace, p.metadata.name)
            removed.discard(key)
            if fits(removed) is not None:
                removed.add(key)
                victims.append(p)
                if is_violating:
                    num_violating += 1
    victims.sort(key=_importance_key)
    return victims, num_violating


def num_candidates(num_nodes: int) -> int:
    """default_preemption.go calculateNumCandidates: 10 % of the nodes, at
    least 100, at most all.

    Example: 5,000 nodes → 500; 300 nodes → 100; 40 nodes → 40.
    """
    n = num_nodes * MIN_CANDIDATE_NODES_PERCENTAGE // 100
    n = max(n, MIN_CANDIDATE_NODES_ABSOLUTE)
    return min(n, num_nodes)


def pick_one_node_for_preemption(candidates: list) -> Optional[str]:
    """preemption.go pickOneNodeForPreemption over (node, victims,
    pdb_violations) in candidate order: fewest PDB violations, then the
    lowest highest-victim priority, the smallest sum of priorities, the
    fewest victims, the latest earliest start among the highest-priority
    victims, then the first."""
    if not candidates:
        return None

    def crit(c):
        node, victims, violations = c
        if not victims:
            return (violations, -_MAX_INT32 - 1, 0, 0, 0)
        top = pod_priority(victims[0])
        total = sum(pod_priority(v) + _MAX_INT32 + 1 for v in victims)
        earliest = min(_start_time(v) for v in victims if pod_priority(v) == top)
        return (violations, top, total, len(victims), -earliest)

    best = min(range(len(candidates)), key=lambda i: (crit(candidates[i]), i))
    return candidates[best][0]


def pod_eligible_to_preempt_others(pod, nominated_pods_terminating: bool) -> Optional[str]:
    """default_preemption.go PodEligibleToPreemptOthers: None if eligible,
    else the reason."""
    if (pod.spec.extra.get("preemptionPolicy") or "PreemptLowerPriority") == "Never":
        return MSG_POLICY_NEVER
    if nominated_pods_terminating:
        return MSG_TERMINATING
    return None

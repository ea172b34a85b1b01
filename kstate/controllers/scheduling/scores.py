"""The default profile's remaining scores and their weights.

Owns: NodeResourcesBalancedAllocation (noderesources/balanced_allocation.go
balancedResourceScorer), TaintToleration's PreferNoSchedule count
(tainttoleration/taint_toleration.go Score + NormalizeScore), NodeAffinity's
preferred terms (nodeaffinity/node_affinity.go Score), the shared
helper.DefaultNormalizeScore (framework/plugins/helper/normalize_score.go)
and the default plugin weights (apis/config/v1/default_plugins.go). Must not
import engine/ or io/.
"""
from __future__ import annotations

MAX_NODE_SCORE = 100

#: apis/config/v1/default_plugins.go getDefaultPlugins: score weights.
WEIGHT_TAINT_TOLERATION = 3
WEIGHT_NODE_AFFINITY = 2
WEIGHT_FIT = 1
WEIGHT_SPREAD = 2
WEIGHT_INTER_POD_AFFINITY = 2
WEIGHT_BALANCED = 1
WEIGHT_IMAGE_LOCALITY = 1


def balanced_resource_score(req_cpu: int, alloc_cpu: int, req_mem: int, alloc_mem: int) -> int:
    """balanced_allocation.go balancedResourceScorer for cpu and memory:
    fractions capped at 1, std = |f_cpu − f_mem| / 2, score = (1 − std) × 100
    truncated. A resource with nothing allocatable is left out (one
    fraction: std 0).

    Example: cpu 3000/4000 = 0.75, memory 5000/10000 = 0.5 → std 0.125 →
    87.5 → 87.
    """
    fr = []
    if alloc_cpu:
        fr.append(min(req_cpu / alloc_cpu, 1.0))
    if alloc_mem:
        fr.append(min(req_mem / alloc_mem, 1.0))
    std = abs(fr[0] - fr[1]) / 2 if len(fr) == 2 else 0.0
    return int((1 - std) * MAX_NODE_SCORE)


def count_intolerable_prefer_no_schedule(taints, tolerations) -> int:
    """taint_toleration.go countIntolerableTaintsPreferNoSchedule, with the
    pod's PreferNoSchedule (or effect-less) tolerations only."""
    tols = [t for t in tolerations if t.effect in ("", "PreferNoSchedule")]
    n = 0
    for taint in taints:
        if taint.effect != "PreferNoSchedule":
            continue
        if not any(t.tolerates(taint) for t in tols):
            n += 1
    return n


def default_normalize(scores: list, reverse: bool) -> list:
    """helper.DefaultNormalizeScore: scale to 0–100 by the maximum; reversed
    (100 − x) for TaintToleration; all 0 (or all 100 reversed) when the
    maximum is 0.

    Example: counts [0, 1, 2] reversed → [100, 50, 0].
    """
    hi = max(scores) if scores else 0
    if hi == 0:
        return [MAX_NODE_SCORE] * len(scores) if reverse else list(scores)
    out = []
    for s in scores:
        s = MAX_NODE_SCORE * s // hi
        out.append(MAX_NODE_SCORE - s if reverse else s)
    return out


def preferred_node_affinity_score(terms, node, term_matches) -> int:
    """node_affinity.go Score: the sum of the weights of the preferred
    terms the node matches (`term_matches(term, node)`)."""
    return sum(p.weight for p in terms if p.weight and term_matches(p.term, node))

"""PodTopologySpread: DoNotSchedule filter and ScheduleAnyway score, with
the system default constraints.

Owns: the plugin's PreFilter state, Filter, PreScore/Score/NormalizeScore
(pkg/scheduler/framework/plugins/podtopologyspread/{common,filtering,
scoring,plugin}.go at 1.35) and helper/spread.go DefaultSelector, over plain
inputs: the constraints, the node labels of each matching pod (gathered
through the label index) and the domains of every topology key (the
scheduler cache keeps value → node count per key). Must not import engine/ or io/.
"""
from __future__ import annotations

import math
from typing import Optional

import attrs

from kstate.controllers.scheduling.terms import LABEL_HOSTNAME, LABEL_ZONE, SpreadConstraint
from kstate.resources.selector import LabelSelector

MAX_NODE_SCORE = 100
ERR_CONSTRAINTS = "node(s) didn't match pod topology spread constraints"
ERR_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"

#: config/v1 defaults: the system default constraints of PodTopologySpreadArgs
#: (defaultingType System): hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway.
SYSTEM_DEFAULT = ((3, LABEL_HOSTNAME), (5, LABEL_ZONE))


def default_selector(pod, services, owner_selector) -> Optional[LabelSelector]:
    """helper/spread.go DefaultSelector: the selectors of the Services
    selecting the pod merged, plus the requirements of the pod's controller
    (ReplicaSet, ReplicationController, StatefulSet) selector. None when
    that is empty (buildDefaultConstraints then returns no constraint).

    Example: Service app=web and a ReplicaSet selecting app=web,
    pod-template-hash=abc → app=web, pod-template-hash=abc.
    """
    labels: dict = {}
    for svc_selector in services:
        labels.update(svc_selector)
    exprs: tuple = ()
    if owner_selector is not None:
        labels.update(owner_selector.match_labels)
        exprs = owner_selector.match_expressions
    if not labels and not exprs:
        return None
    return LabelSelector(match_labels=labels, match_expressions=exprs)


def default_constraints(selector: Optional[LabelSelector]) -> tuple:
    """plugin.go buildDefaultConstraints with the system defaults."""
    if selector is None:
        return ()
    return tuple(SpreadConstraint(skew, key, "ScheduleAnyway", selector) for skew, key in SYSTEM_DEFAULT)


def node_labels_match(labels, constraints) -> bool:
    """common.go nodeLabelsMatchSpreadConstraints: every topology key present."""
    return all(c.topology_key in labels for c in constraints)


def self_match(c: SpreadConstraint, pod) -> int:
    return 1 if c.selector is not None and c.selector.matches(pod.metadata.labels) else 0


@attrs.frozen
class PreFilterState:
    """filtering.go preFilterState: per constraint the pair → match count,
    the number of domains and the global minimum."""
    constraints: tuple
    pair_counts: dict          # (key, value) → count
    min_match: tuple           # per constraint


def pre_filter(constraints, matched_labels, domains) -> PreFilterState:
    """filtering.go calPreFilterState. `matched_labels[i]`: node labels of
    each pod matching constraint i (same namespace, not terminating, bound
    to an eligible node); `domains[i]`: the eligible values of constraint
    i's key. The global minimum is 0 while a domain has no matching pod, or
    when there are fewer domains than minDomains.

    Example: zones a, b, c, matching pods in a (2) and b (1) → min 0; a
    constraint with maxSkew 1 then forbids zones a and b.
    """
    pair_counts: dict = {}
    mins = []
    for i, c in enumerate(constraints):
        key = c.topology_key
        dom = domains[i]
        counts: dict = {}
        for labels in matched_labels[i]:
            v = labels.get(key)
            if v is not None and v in dom:
                counts[v] = counts.get(v, 0) + 1
        for v, n in counts.items():
            pair_counts[(key, v)] = pair_counts.get((key, v), 0) + n
        if len(dom) < c.min_domains or len(counts) < len(dom):
            mins.append(0)
        else:
            mins.append(min(counts.values()) if counts else 0)
    return PreFilterState(tuple(constraints), pair_counts, tuple(mins))


def filter_node(state: PreFilterState, pod, labels):
    """filtering.go Filter: (reason, resolvable) or None. A node without a
    constraint's key is UnschedulableAndUnresolvable; a skew
    `matchNum + selfMatch − minMatch > maxSkew` is Unschedulable.

    Example: maxSkew 1, zone a has 2 matching pods, min 1, the pod matches
    itself → 2 + 1 − 1 = 2 > 1: zone a fails.
    """
    for i, c in enumerate(state.constraints):
        v = labels.get(c.topology_key)
        if v is None:
            return ERR_MISSING_LABEL, False
    for i, c in enumerate(state.constraints):
        v = labels[c.topology_key]
        skew = state.pair_counts.get((c.topology_key, v), 0) + self_match(c, pod) - state.min_match[i]
        if skew > c.max_skew:
            return ERR_CONSTRAINTS, True
    return None


def topology_normalizing_weight(size: int) -> float:
    """scoring.go topologyNormalizingWeight: log(size + 2).

    Example: 3 zones → log 5 ≈ 1.609; 6 hostnames → log 8 ≈ 2.079.
    """
    return math.log(size + 2)


def score_for_count(cnt: int, max_skew: int, weight: float) -> float:
    """scoring.go scoreForCount: cnt × weight + (maxSkew − 1)."""
    return cnt * weight + (max_skew - 1)


def scores(constraints, feasible_labels, matched_labels, require_all: bool, eligible=None) -> list:
    """scoring.go PreScore + Score + NormalizeScore for the feasible nodes
    (`feasible_labels`, one label mapping per node, in order). Counts per
    domain come from every matching pod on an eligible node
    (`matched_labels[i]` for constraint i, already filtered by the
    inclusion policies); hostname counts are per node. Nodes missing a key
    when `require_all` (explicit constraints) are ignored and score 0.

    Example: two nodes, hostname maxSkew 3, counts 2 and 0, weight log 4 →
    raw 2×1.386+2 = 5 and 2 → normalized 100×(5+2−5)/5 = 40 and 100.
    """
    n = len(feasible_labels)
    ignored = [require_all and not node_labels_match(lb, constraints) for lb in feasible_labels]
    counts = []
    weights = []
    for i, c in enumerate(constraints):
        key = c.topology_key
        if key == LABEL_HOSTNAME:
            size = n - sum(ignored)
        else:
            size = len({lb[key] for j, lb in enumerate(feasible_labels) if not ignored[j] and key in lb})
        weights.append(topology_normalizing_weight(size))
        per: dict = {}
        for lb in matched_labels[i]:
            v = lb.get(key)
            if v is not None:
                per[v] = per.get(v, 0) + 1
        counts.append(per)
    raw = []
    for j, lb in enumerate(feasible_labels):
        if ignored[j]:
            raw.append(None)
            continue
        s = 0.0
        for i, c in enumerate(constraints):
            v = lb.get(c.topology_key)
            if v is not None:
                s += score_for_count(counts[i].get(v, 0), c.max_skew, weights[i])
        raw.append(_round(s))
    valid = [s for s in raw if s is not None]
    if not valid:
        return [0] * n
    lo, hi = min(valid), max(valid)
    out = []
    for s in raw:
        if s is None:
            out.append(0)
        elif hi == 0:
            out.append(MAX_NODE_SCORE)
        else:
            out.append(MAX_NODE_SCORE * (hi + lo - s) // hi)
    return out


def _round(x: float) -> int:
    """Go math.Round: half away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))

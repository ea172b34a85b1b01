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


_DEFAULTS_MEMO: dict = {}


def system_default_constraints(pod, services, owner_selector) -> tuple:
    """(DefaultSelector, buildDefaultConstraints) for a pod: the selector
    (None when empty) and the system default constraints, memoised by the
    identity of the Service selectors and the owner's selector (a
    workload's pods share them)."""
    key = (tuple(map(id, services)), id(owner_selector))
    hit = _DEFAULTS_MEMO.get(key)
    if hit is not None and hit[0] == tuple(services) and hit[1] is owner_selector:
        return hit[2], hit[3]
    selector = default_selector(pod, services, owner_selector)
    constraints = default_constraints(selector)
    if len(_DEFAULTS_MEMO) > 4096:
        _DEFAULTS_MEMO.clear()
    _DEFAULTS_MEMO[key] = (tuple(services), owner_selector, selector, constraints)
    return selector, constraints


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
    counts = []
    for i, c in enumerate(constraints):
        key = c.topology_key
        per: dict = {}
        for lb in matched_labels[i]:
            v = lb.get(key)
            if v is not None:
                per[v] = per.get(v, 0) + 1
        counts.append(per)
    return scores_from_counts(constraints, feasible_labels, counts, require_all)


def scores_from_counts(constraints, feasible_labels, counts, require_all: bool) -> list:
    """`scores` with the matching pods already counted: `counts[i]` maps a
    value of constraint i's key to the number of matching pods in that
    domain (what PreScore's TopologyValueToPodCounts holds for zones and
    Score's countPodsMatchSelector gives per node for hostnames). The
    scheduler cache keeps these counts per label set, so a pod's PreScore
    reads them instead of walking the matching pods.

    topoSize (initPreScoreState) counts the distinct values of the key over
    the feasible, non-ignored nodes; with the system default constraints
    (`require_all` False) a node without the key adds the value "" (Go's
    map lookup of a missing label), so 2 zones plus unzoned nodes are 3
    domains. Such a node gets no term for that key in Score.

    Example: feasible nodes in zones a, a, b and one without a zone → zone
    size 3 → weight log 5 ≈ 1.609.
    """
    n = len(feasible_labels)
    ignored = [require_all and not node_labels_match(lb, constraints) for lb in feasible_labels]
    weights = []
    for c in constraints:
        key = c.topology_key
        if key == LABEL_HOSTNAME:
            size = n - sum(ignored)
        else:
            size = len({lb.get(key, "") for j, lb in enumerate(feasible_labels) if not ignored[j]})
        weights.append(topology_normalizing_weight(size))
    raw = []
    for j, lb in enumerate(feasible_labels):
        if ignored[j]:
            raw.append(None)
            continue
        cnts = []
        for i, c in enumerate(constraints):
            v = lb.get(c.topology_key)
            cnts.append(None if v is None else counts[i].get(v, 0))
        raw.append(node_raw_score(constraints, weights, cnts))
    valid = [s for s in raw if s is not None]
    if not valid:
        return [0] * n
    lo, hi = min(valid), max(valid)
    return [0 if s is None else normalized_score(s, lo, hi) for s in raw]


def node_raw_score(constraints, weights, cnts) -> int:
    """scoring.go Score for one node: the sum over the constraints of
    scoreForCount(count of the node's domain, maxSkew, weight), skipping a
    constraint whose key the node lacks (`cnts[i]` None), rounded as
    math.Round does.

    Example: system defaults on 500 feasible nodes in 3 zones, the node
    holds 1 matching pod and its zone 40: hostname 1 × log 502 + 2 =
    8.218, zone 40 × log 5 + 4 = 68.378 → round(76.596) = 77.
    """
    s = 0.0
    for c, w, cnt in zip(constraints, weights, cnts):
        if cnt is not None:
            s += score_for_count(cnt, c.max_skew, w)
    return _round(s)


def normalized_score(s: int, lo: int, hi: int) -> int:
    """scoring.go NormalizeScore for a scored node: 100 × (max + min − s) / max,
    100 when every node scored 0.

    Example: raw scores 77 (min) and 85 (max) → 100 × (85 + 77 − 77) // 85 = 100
    and 100 × 77 // 85 = 90.
    """
    if hi == 0:
        return MAX_NODE_SCORE
    return MAX_NODE_SCORE * (hi + lo - s) // hi


def _round(x: float) -> int:
    """Go math.Round: half away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))

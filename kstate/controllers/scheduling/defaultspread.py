"""The cached path for pods whose only score beyond the bare pods' is
PodTopologySpread with the system default constraints.

Owns: `best_with_default_spread`, which picks exactly the node the full
path (findNodesThatPassFilters → prioritizeNodes → selectHost in
kstate.controllers.scheduler) picks for such a pod, without filtering and
scoring every node of the `percentageOfNodesToScore` window in Python:
the LeastAllocated + BalancedAllocation scores come from the node table's
cache (kstate.indexes.nodetable), the spreading counts from the scheduler
cache's per-label-set counts (kstate.indexes.SpreadCounts), and the spread
score is computed sparsely — only nodes holding a matching pod differ from
their zone's shared score. Must not import engine/ or io/ (the table is
handed in).

Kubernetes sources (1.35): pkg/scheduler/framework/plugins/podtopologyspread/
scoring.go (initPreScoreState, PreScore, Score, NormalizeScore,
topologyNormalizingWeight, scoreForCount), plugin.go
(buildDefaultConstraints), pkg/scheduler/schedule_one.go (prioritizeNodes,
selectHost).
"""
from __future__ import annotations

from itertools import compress
from operator import add

from kstate.controllers.scheduling import podtopologyspread as pts
from kstate.controllers.scheduling.scores import WEIGHT_SPREAD
from kstate.controllers.scheduling.terms import LABEL_HOSTNAME, LABEL_ZONE

#: the keys of the system default constraints, in buildDefaultConstraints' order.
DEFAULT_KEYS = (LABEL_HOSTNAME, LABEL_ZONE)


def best_with_default_spread(table, req, start: int, want: int, draw: int, constraints, by_node: dict,
                             by_zone: dict):
    """The node schedulePod chooses for a simple pod (any untainted,
    schedulable node with room can run it; no affinity, ports or extended
    resources) whose only other score is PodTopologySpread with the system
    default constraints (`constraints`: hostname maxSkew 3, then zone
    maxSkew 5, ScheduleAnyway), or None when the full path must run.

    It applies when every node of the window — the `want` nodes from
    `start` — is feasible: findNodesThatPassFilters then returns exactly
    that window in walk order. The full path's total per node is then

        resource(i) + 3 × 100 (TaintToleration: no node has a taint)
                    + 2 × NormalizeScore(raw(i))

    with, as scoring.go computes it for system-default constraints
    (requireAllTopologies false, so no node is ignored):

        raw(i) = round(h(i) × log(want + 2) + 2            hostname: pods on node i
                       + z(i) × log(zones + 2) + 4)         zone: pods in node i's zone,
                                                            only if node i has a zone

    where `zones` counts the distinct zone values in the window, a node
    without a zone adding the value "" (initPreScoreState's map lookup);
    and NormalizeScore(s) = 100 × (max + min − s) // max over the window.

    Only the nodes with h(i) > 0 differ from their zone's shared score, so
    raw is computed once per zone and once per such node; the totals are
    the cached resource scores plus those per-zone (and per-node)
    adjustments, and selectHost's choice is the `draw mod ties`-th best
    node in walk order — the same list, scores and draw as the full path.

    Worked example: want 4 nodes n0..n3 in zones a, a, b, b (zones = 2,
    weights log 6 = 1.792 and log 4 = 1.386); the workload has 1 pod on n0
    and zone counts a: 1, b: 0. raw(n0) = round(1.792 + 2 + 1.386 + 4) =
    round(9.178) = 9; raw(n1) = round(0 + 2 + 1.386 + 4) = 7; raw(n2) =
    raw(n3) = round(2 + 0 + 4) = 6. min 6, max 9 → normalized n0: 100 ×
    (9 + 6 − 9) // 9 = 66, n1: 100 × 8 // 9 = 88, n2, n3: 100. With equal
    resource scores 180 the totals (less the constant 300) are 312, 356,
    380, 380: ties n2, n3, and draw 5 → 5 mod 2 = 1 → n3.
    """
    window = table.window_keys(req, start, want)
    if window is None:
        return None
    n = table.size
    want = len(window)
    if want == 1:
        return start % n, 1
    zones = _wrap(table.zone_of, start, want)
    zone_set = set(zones)
    weights = (pts.topology_normalizing_weight(want), pts.topology_normalizing_weight(len(zone_set)))

    def raw(h: int, zone) -> int:
        return pts.node_raw_score(constraints, weights, (h, None if zone is None else by_zone.get(zone, 0)))

    base = {z: raw(0, z) for z in zone_set}
    special: dict = {}          # window position → raw score, for nodes holding a matching pod
    if by_node:
        if len(by_node) <= want:
            row = table.row
            for name, h in by_node.items():
                i = row.get(name)
                if i is not None:
                    pos = (i - start) % n
                    if pos < want:
                        special[pos] = raw(h, zones[pos])
        else:
            for pos, h in enumerate(map(by_node.get, _wrap(table.names, start, want))):
                if h:
                    special[pos] = raw(h, zones[pos])
    # NormalizeScore's min and max over the window: a zone's shared score
    # counts only if a node of that zone in the window holds no matching pod.
    shared = list(base.values())
    if special:
        per_zone: dict = {}
        for pos in special:
            per_zone[zones[pos]] = per_zone.get(zones[pos], 0) + 1
        full = {z for z, c in per_zone.items() if c == zones.count(z)}
        if full:
            shared = [s for z, s in base.items() if z not in full]
    present = [*shared, *special.values()]
    lo, hi = min(present), max(present)
    adj = {z: WEIGHT_SPREAD * pts.normalized_score(s, lo, hi) for z, s in base.items()}
    if len(zone_set) == 1:
        totals = list(window)
        shift = adj[zones[0]]
        for pos, s in special.items():
            totals[pos] += WEIGHT_SPREAD * pts.normalized_score(s, lo, hi) - shift
    else:
        totals = list(map(add, window, map(adj.__getitem__, zones)))
        for pos, s in special.items():
            totals[pos] += WEIGHT_SPREAD * pts.normalized_score(s, lo, hi) - adj[zones[pos]]
    best = max(totals)
    k = draw % totals.count(best)
    if k < 8:
        pos = -1
        for _ in range(k + 1):
            pos = totals.index(best, pos + 1)
    else:
        pos = list(compress(range(want), map(best.__eq__, totals)))[k]
    return (start + pos) % n, want


def _wrap(values: list, start: int, want: int) -> list:
    end = start + want
    n = len(values)
    return values[start:end] if end <= n else values[start:] + values[:end - n]

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

from bisect import bisect_left
from math import floor
from operator import add

from kstate.controllers.scheduling import podtopologyspread as pts
from kstate.controllers.scheduling.scores import WEIGHT_SPREAD
from kstate.controllers.scheduling.terms import LABEL_HOSTNAME, LABEL_ZONE

#: the keys of the system default constraints, in buildDefaultConstraints' order.
DEFAULT_KEYS = (LABEL_HOSTNAME, LABEL_ZONE)


def best_with_default_spread(table, req, start: int, want: int, draw: int, constraints, by_node: dict,
                             by_zone: dict, rows=None):
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
    raw is computed once per zone and once per (h, zone) pair of such
    nodes; the totals are the cached resource scores plus those per-zone
    (and per-node) adjustments, and selectHost's choice is the `draw mod
    ties`-th best node in walk order — the same list, scores and draw as
    the full path. The cost: the window's cached scores scanned a few
    times in C, plus, in Python, the workload's nodes inside the window
    (found by bisecting their sorted table rows).

    Worked example: want 4 nodes n0..n3 in zones a, a, b, b (zones = 2,
    weights log 6 = 1.792 and log 4 = 1.386); the workload has 1 pod on n0
    and zone counts a: 1, b: 0. raw(n0) = round(1.792 + 2 + 1.386 + 4) =
    round(9.178) = 9; raw(n1) = round(0 + 2 + 1.386 + 4) = 7; raw(n2) =
    raw(n3) = round(2 + 0 + 4) = 6. min 6, max 9 → normalized n0: 100 ×
    (9 + 6 − 9) // 9 = 66, n1: 100 × 8 // 9 = 88, n2, n3: 100. With equal
    resource scores 180 the totals (less the constant 300) are 312, 356,
    380, 380: ties n2, n3, and draw 5 → 5 mod 2 = 1 → n3.
    """
    if (constraints[0].topology_key, constraints[1].topology_key) != DEFAULT_KEYS or len(constraints) != 2:
        return None
    window = table.window_keys(req, start, want)
    if window is None:
        return None
    n = table.size
    want = len(window)
    if want == 1:
        return start % n, 1
    names, zones, per_zone, spread, parts = table.window_zones(start, want)
    # pts.node_raw_score for (hostname, zone), unrolled: scoreForCount per
    # constraint summed in order (0.0 + t1 + t2 is t1 + t2), then math.Round
    w_host = pts.topology_normalizing_weight(want)
    w_zone = pts.topology_normalizing_weight(len(per_zone))
    skew_host, skew_zone = constraints[0].max_skew - 1, constraints[1].max_skew - 1
    zone_term = {z: None if z is None else by_zone.get(z, 0) * w_zone + skew_zone for z in per_zone}

    def raw(h: int, zone) -> int:
        s = h * w_host + skew_host
        t = zone_term[zone]
        return floor((s if t is None else s + t) + 0.5)

    base = {z: raw(0, z) for z in per_zone}
    # the nodes holding a matching pod: window positions, their counts and
    # zones. `rows`, those nodes' table rows sorted (the scheduler cache
    # keeps them per label set), makes the window [start, start + want),
    # wrapping past the end, one or two bisected slices: the cost is the
    # workload's nodes inside the window, not all of them.
    if rows is None:
        rows = sorted(r for r in map(table.row.get, by_node) if r is not None)
    first = start % n
    end = first + want
    if end <= n:
        positions = [r - first for r in rows[bisect_left(rows, first):bisect_left(rows, end)]]
    else:
        positions = [r - first for r in rows[bisect_left(rows, first):]]
        positions += [r + n - first for r in rows[:bisect_left(rows, end - n)]]
    hs = [by_node[names[pos]] for pos in positions]
    zs = [zones[pos] for pos in positions]
    # Score depends only on (pods on the node, its zone): one raw score per pair
    pairs = {pair: raw(*pair) for pair in set(zip(hs, zs))}
    # NormalizeScore's min and max over the window: a zone's shared score
    # counts only if a node of that zone in the window holds no matching pod.
    shared = list(base.values())
    if positions and len(positions) >= min(per_zone.values()):
        left = dict(per_zone)
        for z in zs:
            left[z] -= 1
        if not all(left.values()):
            shared = [s for z, s in base.items() if left[z]]
    present = [*shared, *pairs.values()]
    lo, hi = min(present), max(present)
    adj = {z: WEIGHT_SPREAD * pts.normalized_score(s, lo, hi) for z, s in base.items()}
    # `window` (a fresh list) becomes resource + spread score − the zone's shared
    # adjustment: the nodes holding matching pods get their difference from it
    delta = {pair: WEIGHT_SPREAD * pts.normalized_score(s, lo, hi) - adj[pair[1]] for pair, s in pairs.items()}
    for pos, h, z in zip(positions, hs, zs):
        window[pos] += delta[h, z]
    if len(set(adj.values())) == 1:
        totals = window             # one shared adjustment: leave it out
    else:
        # per zone, its best node; when one zone holds the best total, the
        # ties are that zone's nodes at its best, in walk order
        tops = {}
        for z, (ps, take) in parts.items():
            vals = take(window)
            tops[z] = (max(vals) + adj[z], vals, ps)
        best = max(t[0] for t in tops.values())
        winners = [z for z, t in tops.items() if t[0] == best]
        if len(winners) == 1:
            _, vals, ps = tops[winners[0]]
            target = best - adj[winners[0]]
            return (start + ps[_nth_index(vals, target, draw % vals.count(target))]) % n, want
        totals = list(map(add, window, spread([adj[z] for z in per_zone])))
    best = max(totals)
    return (start + _nth_index(totals, best, draw % totals.count(best))) % n, want


def _nth_index(values: list, x, k: int) -> int:
    """The position of the k-th (from 0) occurrence of x in values (a list or tuple):
    selectHost's pick among the best nodes in walk order. Counts 32
    values at a time, then steps through the last block."""
    base = 0
    while True:
        c = values[base:base + 32].count(x)
        if k < c:
            break
        k -= c
        base += 32
    pos = base - 1
    for _ in range(k + 1):
        pos = values.index(x, pos + 1)
    return pos

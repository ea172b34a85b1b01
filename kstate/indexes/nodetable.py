"""The scheduler's capacity index (kube-scheduler's cache of NodeInfos).

Owns: per-node rows of allocatable and requested resources kept up to date by
the engine as pods are bound and finish; per pod request shape, the
LeastAllocated + BalancedAllocation score of every node in a `ScoreWindow`
(the scores cut into blocks with each block's max, count of the max and
count of infeasible nodes), so that placing an ordinary pod reads two partial blocks and a few
block summaries instead of scanning the whole search window; and a memo of
the per-node score on the node's numbers (nodes of one shape holding the
same pods share it). The scoring itself is the scheduler's
(controllers/scheduler.py); this module only caches it. State lives here
because the engine owns all state; none of it is snapshotted (the engine's
index load rebuilds the table from the nodes and the counted pods). Must
not import engine/ or io/.
"""
from __future__ import annotations

from operator import itemgetter

from kstate.controllers.scheduler import Requests, least_allocated_score
from kstate.controllers.scheduling.terms import LABEL_ZONE
from kstate.controllers.scheduling.scores import WEIGHT_BALANCED, balanced_resource_score
from kstate.resources.node import Node
from kstate.resources.quantity import cpu_millis, to_int

_MAX_SIGNATURES = 64
#: the score memo is cleared when it reaches this many entries (nodes of many shapes)
_MAX_MEMO = 1 << 16
#: nodes per block of a ScoreWindow: a 500-node window (5,000 nodes) is two
#: partial blocks and ~7 whole ones
BLOCK = 64
#: selectHost's draw among many ties: a 64-bit LCG stepping over window positions
_LCG_A = 6364136223846793005
_LCG_C = 1442695040888963407
_MASK64 = 0xFFFFFFFFFFFFFFFF


def _any_taints(node: Node) -> bool:
    """NoSchedule/NoExecute taints filter, PreferNoSchedule ones score: a
    node with any taint is left to the full path."""
    return bool(node.spec.taints)


class NodeTable:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.nodes: list[Node] = []
        self.alloc_cpu: list[int] = []
        self.alloc_mem: list[int] = []
        self.alloc_pods: list[int] = []
        self.used_cpu: list[int] = []
        self.used_mem: list[int] = []
        self.used_pods: list[int] = []
        self.nz_cpu: list[int] = []
        self.nz_mem: list[int] = []
        self.simple_ok: list[bool] = []
        #: each node's zone label (None: no zone), for PodTopologySpread's default constraints.
        self.zone_of: list = []
        self.row: dict[str, int] = {}
        #: bumped whenever rows are added or renumbered: row lists derived
        #: from `row` (the spread counts' occupied rows) are stale when it moved.
        self.layout = 0
        #: request shape (cpu, memory, non-zero cpu, non-zero memory) → every node's score
        self._scores: dict[tuple, ScoreWindow] = {}
        #: (the row's numbers, request shape) → _key's score: see _score
        self._memo: dict[tuple, int] = {}
        #: (start, want) → the window's names, zones and {zone: nodes}: the
        #: search offsets repeat (start advances by the window), so few are kept.
        self._windows: dict[tuple, tuple] = {}

    @property
    def size(self) -> int:
        return len(self.names)

    # -- maintenance (engine only)

    def _set_node(self, i: int, node: Node) -> None:
        alloc = node.status.allocatable or node.status.capacity
        self.nodes[i] = node
        self.alloc_cpu[i] = cpu_millis(alloc["cpu"]) if "cpu" in alloc else 0
        self.alloc_mem[i] = to_int(alloc["memory"]) if "memory" in alloc else 0
        self.alloc_pods[i] = to_int(alloc["pods"]) if "pods" in alloc else 110
        self.simple_ok[i] = not node.spec.unschedulable and not _any_taints(node)
        zone = node.metadata.labels.get(LABEL_ZONE)
        if zone != self.zone_of[i]:
            self.zone_of[i] = zone
            self._windows.clear()

    def add_node(self, node: Node) -> None:
        i = len(self.names)
        self.row[node.metadata.name] = i
        self.names.append(node.metadata.name)
        for arr in (self.alloc_cpu, self.alloc_mem, self.alloc_pods, self.used_cpu, self.used_mem,
                    self.used_pods, self.nz_cpu, self.nz_mem):
            arr.append(0)
        self.nodes.append(node)
        self.simple_ok.append(False)
        self.zone_of.append(None)
        self._set_node(i, node)
        self.layout += 1
        self._invalidate()

    def update_node(self, node: Node) -> None:
        i = self.row[node.metadata.name]
        before = (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], self.simple_ok[i])
        self._set_node(i, node)
        if before != (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], self.simple_ok[i]):
            self._invalidate()

    def remove_node(self, name: str) -> None:
        i = self.row.pop(name)
        for arr in (self.names, self.nodes, self.alloc_cpu, self.alloc_mem, self.alloc_pods,
                    self.used_cpu, self.used_mem, self.used_pods, self.nz_cpu, self.nz_mem, self.simple_ok, self.zone_of):
            del arr[i]
        for n, r in self.row.items():
            if r > i:
                self.row[n] = r - 1
        self.layout += 1
        self._invalidate()

    def add_usage(self, name: str, req: Requests, sign: int = 1) -> None:
        i = self.row.get(name)
        if i is None:
            return
        used_cpu = self.used_cpu[i] = self.used_cpu[i] + sign * req.cpu
        used_mem = self.used_mem[i] = self.used_mem[i] + sign * req.memory
        used_pods = self.used_pods[i] = self.used_pods[i] + sign
        nz_cpu = self.nz_cpu[i] = self.nz_cpu[i] + sign * req.nz_cpu
        nz_mem = self.nz_mem[i] = self.nz_mem[i] + sign * req.nz_memory
        if not self._scores:
            return
        # _score inlined (one row's numbers, every request shape): a bind is one call per pod
        row = (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], used_cpu, used_mem, used_pods,
               nz_cpu, nz_mem, self.simple_ok[i])
        memo = self._memo
        for sig, scores in self._scores.items():
            v = memo.get(row + (sig,))
            if v is None:
                v = self._score(i, sig)
            scores.update(i, v)

    def assumed(self) -> "NodeTable":
        """A copy whose usage a caller may change without touching this table
        (the scheduler's batch assumes pods into it, as kube-scheduler's cache
        assumes a pod before its bind lands): the usage rows and the score
        windows are copied (O(nodes), once per batch); the nodes, names,
        allocatable, the score memo (keyed on everything a score reads) and
        the layout-derived window cache stay shared, read-only."""
        t = object.__new__(type(self))
        t.__dict__.update(self.__dict__)
        t.used_cpu, t.used_mem, t.used_pods = list(self.used_cpu), list(self.used_mem), list(self.used_pods)
        t.nz_cpu, t.nz_mem = list(self.nz_cpu), list(self.nz_mem)
        t._scores = {sig: scores.copy() for sig, scores in self._scores.items()}
        t._windows = {}
        return t

    def _invalidate(self) -> None:
        self._scores.clear()
        self._windows.clear()

    def prepare(self) -> None:
        """Nothing to bring up to date any more (ties are drawn at random,
        not broken by name); kept for callers."""

    # -- the memo of simple-pod scores

    def _score(self, i: int, sig: tuple) -> int:
        """_key memoised on everything it reads: 5,000 identical nodes
        filling evenly pass through a few dozen distinct rows."""
        k = (self.alloc_cpu[i], self.alloc_mem[i], self.alloc_pods[i], self.used_cpu[i], self.used_mem[i],
             self.used_pods[i], self.nz_cpu[i], self.nz_mem[i], self.simple_ok[i], sig)
        v = self._memo.get(k)
        if v is None:
            if len(self._memo) >= _MAX_MEMO:
                self._memo.clear()
            v = self._memo[k] = self._key(i, sig)
        return v

    def scores(self, req: Requests):
        """The ScoreWindow of `req`'s request shape (built on first use), or
        None when the table is empty."""
        sig = (req.cpu, req.memory, req.nz_cpu, req.nz_memory)
        scores = self._scores.get(sig)
        if scores is None:
            n = self.size
            if n == 0:
                return None
            if len(self._scores) >= _MAX_SIGNATURES:
                self._scores.clear()
            scores = self._scores[sig] = ScoreWindow([self._score(i, sig) for i in range(n)])
        return scores

    def _key(self, i: int, sig: tuple) -> int:
        cpu, mem, nzc, nzm = sig
        if (not self.simple_ok[i] or self.used_pods[i] + 1 > self.alloc_pods[i]
                or (cpu and self.used_cpu[i] + cpu > self.alloc_cpu[i])
                or (mem and self.used_mem[i] + mem > self.alloc_mem[i])):
            return -1
        s = least_allocated_score(self.alloc_cpu[i], self.alloc_mem[i], self.nz_cpu[i] + nzc, self.nz_mem[i] + nzm)
        if cpu or mem:   # BalancedAllocation skips best-effort pods
            s += WEIGHT_BALANCED * balanced_resource_score(self.used_cpu[i] + cpu, self.alloc_cpu[i],
                                                           self.used_mem[i] + mem, self.alloc_mem[i])
        return s

    def window_keys(self, req: Requests, start: int, want: int):
        """The cached LeastAllocated + BalancedAllocation scores of the
        `want` nodes from `start` (round robin), as a fresh list the caller
        may change, or None when one of them
        is not a simple pod's feasible node (tainted, unschedulable, full)
        or the table is empty."""
        scores = self.scores(req)
        if scores is None:
            return None
        want = min(want, scores.n)
        window = _wrap(scores.keys, start, want)
        if scores.any_negative(start, want) and min(window) < 0:
            return None
        return window

    def window_zones(self, start: int, want: int) -> tuple:
        """The names and zones (None: no zone label) of the `want` nodes
        from `start` (round robin); per zone, how many of them it has; an
        itemgetter spreading a list of per-zone values (in that dict's
        order) over the window's nodes; and per zone its window positions
        (ascending) with an itemgetter taking their values from a window
        list."""
        hit = self._windows.get((start, want))
        if hit is None:
            if len(self._windows) >= 4 * _MAX_SIGNATURES:
                self._windows.clear()
            zones = _wrap(self.zone_of, start, want)
            per: dict = {}
            for z in zones:
                per[z] = per.get(z, 0) + 1
            order = {z: j for j, z in enumerate(per)}
            spread = itemgetter(*[order[z] for z in zones]) if want > 1 else None
            positions: dict = {z: [] for z in per}
            for pos, z in enumerate(zones):
                positions[z].append(pos)
            parts = {z: (ps, itemgetter(*ps) if len(ps) > 1 else (lambda w, p=ps[0]: (w[p],)))
                     for z, ps in positions.items()}
            hit = self._windows[(start, want)] = (_wrap(self.names, start, want), zones, per, spread, parts)
        return hit

    def best_simple(self, req: Requests, start: int, want: int, draw: int = 0):
        """For a pod any schedulable untainted node with room can run, and
        that no other plugin scores: a node with the best score among the
        `want` nodes from `start`, if every one of them is feasible — which
        is what findNodesThatPassFilters would have examined — chosen
        uniformly among the ties with `draw` (selectHost). Returns (row,
        processed) or None (use the slow path)."""
        scores = self._scores.get((req.cpu, req.memory, req.nz_cpu, req.nz_memory))
        if scores is None:     # first use of the shape (or an empty table): `scores` builds it
            scores = self.scores(req)
            if scores is None:
                return None
        return scores.best(start, want, draw)


def _sample_best(keys, n: int, start: int, want: int, hi: int, draw: int) -> int:
    """The position of a best-scored node in the window of `want` nodes from
    `start` (wrapping at `n`), drawn by rejection: positions from the draw's
    generator until one scores `hi`. Used where at least one in eight of the
    window ties for best, so it takes ~8 tries at most on average."""
    x = draw
    while True:
        x = (x * _LCG_A + _LCG_C) & _MASK64
        pos = start + (x >> 33) % want
        if pos >= n:
            pos -= n
        if keys[pos] == hi:
            return pos


def _kth_block(bmax, bcount, hi: int, k: int, ba: int, bb: int) -> tuple:
    """(k left, the block) holding the k-th (from 0) node scoring `hi` among
    blocks ba..bb-1, skipped whole by their summaries (best score, its
    count); (k left after them all, None) when they hold fewer."""
    for blk in range(ba, bb):
        if bmax[blk] != hi:
            continue
        if k >= bcount[blk]:
            k -= bcount[blk]
            continue
        return k, blk
    return k, None


def _kth_index(keys, hi: int, k: int, a: int, b: int) -> int:
    """The position of the k-th (from 0) node scoring `hi` in keys[a:b]."""
    i = a - 1
    for _ in range(k + 1):
        i = keys.index(hi, i + 1, b)
    return i


class ScoreWindow:
    """Every node's score for one request shape (`keys`, in table order; a
    negative score marks a node a simple pod cannot use), cut into blocks
    of BLOCK nodes with, per block, its max, how many of its nodes hold
    that max, and how many hold a negative score. `best` answers a window
    of the round-robin walk from those summaries and the two partial
    blocks at its ends.

    Cost: `update` is O(1), O(BLOCK) when the last node holding its
    block's max moves down; `best` on a window of w nodes reads ~w / BLOCK
    summaries and at most 2 × BLOCK scores, plus selectHost's pick (a few
    random probes when ties are common, else one partial block).

    Example (BLOCK 64, 200 nodes, scores 180 except node 70 at 183): block
    1 (nodes 64–127) has max 183 held once; the window from node 150 of
    100 nodes wraps: nodes 150–199 and 0–49, blocks' maxima 180 → best 180
    with 100 ties; from node 60, nodes 60–159: node 70's 183 is the only
    best → (70, 100).
    """

    __slots__ = ("keys", "n", "bmax", "bcount", "bneg")

    def __init__(self, keys: list) -> None:
        self.keys = keys
        self.n = n = len(keys)
        nb = (n + BLOCK - 1) // BLOCK
        self.bmax = [0] * nb
        self.bcount = [0] * nb
        self.bneg = [0] * nb
        for b in range(nb):
            self._rebuild(b)
            self.bneg[b] = sum(1 for k in keys[b * BLOCK:(b + 1) * BLOCK] if k < 0)

    def copy(self) -> "ScoreWindow":
        out = object.__new__(ScoreWindow)
        out.keys, out.n = list(self.keys), self.n
        out.bmax, out.bcount, out.bneg = list(self.bmax), list(self.bcount), list(self.bneg)
        return out

    def _rebuild(self, b: int) -> None:
        part = self.keys[b * BLOCK:(b + 1) * BLOCK]
        self.bmax[b] = hi = max(part)
        self.bcount[b] = part.count(hi)

    def update(self, i: int, value: int) -> None:
        """Node i's score becomes `value`."""
        keys = self.keys
        old = keys[i]
        if old == value:
            return
        keys[i] = value
        b = i // BLOCK
        if (value < 0) != (old < 0):
            self.bneg[b] += 1 if value < 0 else -1
        hi = self.bmax[b]
        if value > hi:
            self.bmax[b] = value
            self.bcount[b] = 1
        elif value == hi:
            self.bcount[b] += 1
        elif old == hi:
            self.bcount[b] -= 1
            if not self.bcount[b]:
                self._rebuild(b)

    def any_negative(self, start: int, want: int) -> bool:
        """Whether a block the window of `want` (≤ n) nodes from `start`
        touches holds a negative score: False proves the window has none
        (True: scan it to know)."""
        n, bneg = self.n, self.bneg
        end = start + want
        if end <= n:
            return any(bneg[start // BLOCK:(end - 1) // BLOCK + 1])
        return any(bneg[start // BLOCK:]) or any(bneg[:(end - n - 1) // BLOCK + 1])

    def ties(self, start: int, want: int):
        """(best score, how many nodes hold it) among the `want` nodes from
        `start`, or None when one of them has a negative score."""
        quick = self._quick(start, min(want, self.n))
        if quick is not None:
            return quick
        top = self._top(start, want)
        return None if top is None else top[:2]

    def best(self, start: int, want: int, draw: int):
        """The node selectHost picks among the `want` nodes from `start`
        (round robin, wrapping past the last node), as (row, window size),
        or None when a node of the window has a negative score (the
        filter path must run). The pick: with ties common (ties × 8 ≥
        window), LCG steps from `draw` over window positions until one
        holds the best score, else the (draw mod ties)-th best node in walk
        order; both uniform over the ties.

        When no block the window touches holds a negative score, the best
        and its ties are read off the window's cached geometry (`_quick`)
        and the k-th best is found per run of it; `_top`'s pieces are built
        only when a block holds one (`_best_of_top`)."""
        n = self.n
        if want > n:
            want = n
        quick = self._quick(start, want)
        if quick is None:
            return self._best_of_top(start, want, draw)
        hi, ties = quick
        keys = self.keys
        if ties * 8 >= want:
            return _sample_best(keys, n, start, want, hi, draw), want
        # the k-th best in walk order, per run: its head, its whole blocks, its tail
        k = draw % ties
        bmax, bcount = self.bmax, self.bcount
        for s, e, _, _, fa, fb, ba, bb in _RUNS[(start, want, n, BLOCK)]:
            if ba == bb:
                parts = ((s, e),)
            else:
                parts = ((s, fa), None, (fb, e))
            for part in parts:
                if part is None:        # the whole blocks: skip by their summaries
                    k, blk = _kth_block(bmax, bcount, hi, k, ba, bb)
                    if blk is None:
                        continue
                    return _kth_index(keys, hi, k, blk * BLOCK, blk * BLOCK + BLOCK), want
                a, b = part
                c = keys[a:b].count(hi) if a < b else 0
                if k >= c:
                    k -= c
                    continue
                return _kth_index(keys, hi, k, a, b), want
        raise AssertionError("the tie count and the occurrences disagree")

    def _quick(self, start: int, want: int):
        """(best, ties) among the `want` (≤ n) nodes from `start` when no
        block the window touches holds a negative score (so no node of it
        does), read per run of `_window_runs`: the whole blocks' summaries
        and the partial blocks' scores. None: `_top` must answer."""
        runs = _RUNS.get((start, want, self.n, BLOCK))
        if runs is None:
            runs = _window_runs(start, want, self.n)
            if not runs:
                return None
        bneg, keys, bmax, bcount = self.bneg, self.keys, self.bmax, self.bcount
        hi = -1
        ties = 0
        for s, e, b0, b1, fa, fb, ba, bb in runs:
            if any(bneg[b0:b1]):
                return None
            if ba == bb:         # no whole block: one partial piece
                seg = keys[s:e]
                x = max(seg)
                c = seg.count(x)
            else:
                bm = bmax[ba:bb]
                x = max(bm)
                if bm.count(x) == bb - ba:
                    c = sum(bcount[ba:bb])
                else:
                    c = sum([k for m, k in zip(bm, bcount[ba:bb]) if m == x])
                for a, b in ((s, fa), (fb, e)):     # the partial blocks at its ends
                    if a < b:
                        seg = keys[a:b]
                        y = max(seg)
                        if y > x:
                            x, c = y, seg.count(y)
                        elif y == x:
                            c += seg.count(y)
            if x > hi:
                hi, ties = x, c
            elif x == hi:
                ties += c
        return hi, ties

    def _best_of_top(self, start: int, want: int, draw: int):
        """`best` from `_top`'s pieces (any window)."""
        top = self._top(start, want)
        if top is None:
            return None
        hi, ties, want, pieces, counts = top
        keys, n = self.keys, self.n
        if ties * 8 >= want:
            return _sample_best(keys, n, start, want, hi, draw), want
        # the k-th best in walk order: skip whole pieces, then whole blocks, then step
        k = draw % ties
        bmax, bcount = self.bmax, self.bcount
        for (seg, a, b), c in zip(pieces, counts):
            if k >= c:
                k -= c
                continue
            if seg is None:
                k, blk = _kth_block(bmax, bcount, hi, k, a, b)
                a, b = blk * BLOCK, blk * BLOCK + BLOCK
            return _kth_index(keys, hi, k, a, b), want
        raise AssertionError("the tie count and the occurrences disagree")

    def _top(self, start: int, want: int):
        """(best, ties, window size, pieces, ties per piece), or None."""
        n = self.n
        if n == 0:
            return None
        if want > n:
            want = n
        end = start + want
        pieces = self._pieces(start, end) if end <= n else self._pieces(start, n) + self._pieces(0, end - n)
        bmax, bneg = self.bmax, self.bneg
        hi = -1
        tops = []
        for seg, a, b in pieces:
            if seg is None:
                if any(bneg[a:b]):
                    return None
                x = max(bmax[a:b])
            else:
                # a partial piece lies in at most two blocks: scan it for a
                # negative score only if one of them holds any
                if (bneg[a // BLOCK] or bneg[(b - 1) // BLOCK]) and min(seg) < 0:
                    return None
                x = max(seg)
            tops.append(x)
            if x > hi:
                hi = x
        bcount = self.bcount
        counts = []
        for (seg, a, b), x in zip(pieces, tops):
            if x != hi:
                counts.append(0)
            elif seg is not None:
                counts.append(seg.count(hi))
            else:
                counts.append(sum([c for m, c in zip(bmax[a:b], bcount[a:b]) if m == hi]))
        return hi, sum(counts), want, pieces, counts

    def _pieces(self, a: int, b: int) -> list:
        """Nodes a..b−1 as pieces in order: (their scores, a, b) for a
        partial block, (None, first block, end block) for whole blocks."""
        fa = -(-a // BLOCK) * BLOCK   # the first block boundary at or after a
        fb = b - b % BLOCK            # the last at or before b
        keys = self.keys
        if fa >= fb:
            return [(keys[a:b], a, b)]
        out = [(keys[a:fa], a, fa)] if a < fa else []
        out.append((None, fa // BLOCK, fb // BLOCK))
        if fb < b:
            out.append((keys[fb:b], fb, b))
        return out


#: (start, want ≤ n, n, BLOCK) → `_window_runs`: the search offsets repeat
#: (start advances by the window), so few are kept.
_RUNS: dict = {}


def _window_runs(start: int, want: int, n: int) -> tuple:
    """The window of `want` (1 ≤ want ≤ n) nodes from `start` as one run
    of consecutive rows, two when it wraps: per run (first row, end row,
    the blocks it touches b0..b1−1, the first and last block boundaries
    inside it fa ≤ fb or (e, e) when none is whole, its whole blocks
    ba..bb−1); () when there is no such window (`_top` answers it)."""
    if not (0 <= start < n and want > 0):
        return ()
    out = []
    end = start + want
    for s, e in ((start, end),) if end <= n else ((start, n), (0, end - n)):
        fa = -(-s // BLOCK) * BLOCK
        fb = e - e % BLOCK
        if fa >= fb:
            fa = fb = e
            ba = bb = 0
        else:
            ba, bb = fa // BLOCK, fb // BLOCK
        out.append((s, e, s // BLOCK, (e - 1) // BLOCK + 1, fa, fb, ba, bb))
    if len(_RUNS) >= 4 * _MAX_SIGNATURES:
        _RUNS.clear()
    runs = _RUNS[(start, want, n, BLOCK)] = tuple(out)
    return runs


def _wrap(values: list, start: int, want: int) -> list:
    """values[start:start + want], wrapping round the end."""
    end = start + want
    n = len(values)
    return values[start:end] if end <= n else values[start:] + values[:end - n]

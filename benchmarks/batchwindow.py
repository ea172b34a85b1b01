"""Prototype (issue 12 item 3): the scheduler's score window without a scan per pod.

`NodeTable.best_simple` (kstate/indexes/nodetable.py) answers every pod by
slicing the `percentageOfNodesToScore` window out of the per-node score list
and taking its min, max and the count of the max: three C-level passes over
~500 integers, ~30 µs a pod on a slow core — as much as the rest of a
batched pod's life. `BlockWindow` keeps the same score list cut into blocks
of `BLOCK` nodes, each with its min, max and the count of its max, updated
in O(1) (O(BLOCK) when the block's max or min leaves) when a node's score
changes; a window is then two partial blocks and the whole blocks between.
`best` returns exactly what `best_simple` returns for the same list
(tests/unit/test_batch_prototype.py checks it on random lists), including the
choice among ties (the same draws, the same k-th occurrence).

`ScoreMemo` memoises the node table's per-node score (`NodeTable._key`, i.e.
LeastAllocated + BalancedAllocation for one request shape) on the node's
numbers: nodes of one shape with the same pods on them share a score.
"""
from __future__ import annotations

BLOCK = 64
_LCG_A = 6364136223846793005
_LCG_C = 1442695040888963407
_MASK64 = 0xFFFFFFFFFFFFFFFF


class BlockWindow:
    __slots__ = ("keys", "n", "bmin", "bmax", "bcount")

    def __init__(self, keys: list) -> None:
        self.keys = keys
        self.n = len(keys)
        nb = (self.n + BLOCK - 1) // BLOCK
        self.bmin = [0] * nb
        self.bmax = [0] * nb
        self.bcount = [0] * nb
        for b in range(nb):
            self._rebuild(b)

    def _rebuild(self, b: int) -> None:
        part = self.keys[b * BLOCK:(b + 1) * BLOCK]
        self.bmin[b] = lo = min(part)
        self.bmax[b] = hi = max(part)
        self.bcount[b] = part.count(hi) if hi != lo else len(part)

    def update(self, i: int, value: int) -> None:
        keys = self.keys
        old = keys[i]
        if old == value:
            return
        keys[i] = value
        b = i // BLOCK
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
                return
        lo = self.bmin[b]
        if value < lo:
            self.bmin[b] = value
        elif old == lo:
            self._rebuild(b)

    def best(self, start: int, want: int, draw: int):
        """NodeTable.best_simple on this list: (row, want) or None when a node
        of the window is infeasible (a negative score)."""
        n = self.n
        if n == 0:
            return None
        want = min(want, n)
        keys, bmin, bmax = self.keys, self.bmin, self.bmax
        end = start + want
        # the window in order, as pieces: (slice of keys | None, first row or block, end row or block)
        if end <= n:
            pieces = self._pieces(start, end)
        else:
            pieces = self._pieces(start, n) + self._pieces(0, end - n)
        lo = hi = None
        for seg, a, b in pieces:
            if seg is not None:
                m, x = min(seg), max(seg)
            else:
                m, x = min(bmin[a:b]), max(bmax[a:b])
            if lo is None or m < lo:
                lo = m
            if hi is None or x > hi:
                hi = x
        if lo < 0:
            return None
        best = hi
        bcount = self.bcount
        counts = []
        for seg, a, b in pieces:
            if seg is not None:
                counts.append(seg.count(best))
            elif best in bmax[a:b]:
                counts.append(sum([c for x, c in zip(bmax[a:b], bcount[a:b]) if x == best]))
            else:
                counts.append(0)
        ties = sum(counts)
        if ties * 8 >= want:
            x = draw
            while True:
                x = (x * _LCG_A + _LCG_C) & _MASK64
                pos = (x >> 33) % want
                if keys[(start + pos) % n] == best:
                    break
            return (start + pos) % n, want
        # the k-th occurrence of best in window order
        k = draw % ties
        for (seg, x, y), c in zip(pieces, counts):
            if k >= c:
                k -= c
                continue
            if seg is None:
                for blk in range(x, y):
                    if bmax[blk] != best:
                        continue
                    if k >= bcount[blk]:
                        k -= bcount[blk]
                        continue
                    x, y = blk * BLOCK, min((blk + 1) * BLOCK, n)
                    break
            i = x - 1
            for _ in range(k + 1):
                i = keys.index(best, i + 1, y)
            return i, want
        raise AssertionError("tie count and occurrences disagree")

    def _pieces(self, a: int, b: int) -> list:
        fa = -(-a // BLOCK) * BLOCK   # the first block boundary at or after a
        fb = (b // BLOCK) * BLOCK     # the last at or before b
        keys = self.keys
        if fa >= fb:
            return [(keys[a:b], a, b)]
        out = [(keys[a:fa], a, fa)] if a < fa else []
        out.append((None, fa // BLOCK, fb // BLOCK))
        if fb < b:
            out.append((keys[fb:b], fb, b))
        return out


class ScoreMemo:
    """NodeTable._key memoised on the row's numbers and the request shape."""
    __slots__ = ("memo", "misses")

    def __init__(self) -> None:
        self.memo: dict = {}
        self.misses = 0

    def key(self, table, i: int, sig: tuple) -> int:
        k = (table.alloc_cpu[i], table.alloc_mem[i], table.alloc_pods[i], table.used_cpu[i], table.used_mem[i],
             table.used_pods[i], table.nz_cpu[i], table.nz_mem[i], table.simple_ok[i], sig)
        v = self.memo.get(k)
        if v is None:
            self.misses += 1
            v = self.memo[k] = table._key(i, sig)
        return v

"""The scheduler's score window as it was answered before the block index:
a baseline to measure the index against, not part of kstate.

The block index this file used to prototype (issue 12 item 3) is now the
node table's own (`kstate.indexes.nodetable.ScoreWindow`, used by
`NodeTable.best_simple`, with the per-node score memo beside it).
`scan_best` is what `best_simple` did before: slice the
`percentageOfNodesToScore` window out of the per-node scores and take its
min, its max and the count of the max — three C-level passes over ~500
integers per pod at 5,000 nodes. `prototype_batch.py --window-bench` times
both on one score list; `--scan-window` runs the prototype with this one.
"""
from __future__ import annotations

_LCG_A = 6364136223846793005
_LCG_C = 1442695040888963407
_MASK64 = 0xFFFFFFFFFFFFFFFF


def scan_best(table, req, start: int, want: int, draw: int = 0):
    """NodeTable.best_simple before the block index: (row, window size) or
    None when a node of the window is infeasible."""
    window = table.window_keys(req, start, want)
    if window is None:
        return None
    n, want = table.size, len(window)
    best = max(window)
    ties = window.count(best)
    if ties * 8 >= want:
        x = draw
        while True:
            x = (x * _LCG_A + _LCG_C) & _MASK64
            pos = (x >> 33) % want
            if window[pos] == best:
                break
    else:
        pos = -1
        for _ in range(draw % ties + 1):
            pos = window.index(best, pos + 1)
    return (start + pos) % n, want

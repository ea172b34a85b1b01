"""The node table's score window (kstate.indexes.nodetable.ScoreWindow and
NodeTable.best_simple) against a straightforward reference: the window
sliced out of the score list, its max, the count of the max and selectHost's
pick, as best_simple computed them before the block index. Random score
lists, windows (wrapping round the end, larger than the table), draws, and
update sequences in which scores rise, fall, turn negative and a block's
max leaves; with the real block size and with tiny blocks (many block
boundaries in a short list)."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kstate
from kstate.controllers.scheduler import Requests
from kstate.indexes import nodetable
from kstate.indexes.nodetable import NodeTable, ScoreWindow

_LCG_A = 6364136223846793005
_LCG_C = 1442695040888963407


def reference(keys: list, start: int, want: int, draw: int):
    """((row, window size), best, ties) as a plain scan: None for the pick
    when a window node is negative."""
    n = len(keys)
    want = min(want, n)
    window = [keys[(start + j) % n] for j in range(want)]
    if min(window) < 0:
        return None, None
    best = max(window)
    ties = [j for j, v in enumerate(window) if v == best]
    if len(ties) * 8 >= want:
        x = draw
        while True:
            x = (x * _LCG_A + _LCG_C) & 0xFFFFFFFFFFFFFFFF
            pos = (x >> 33) % want
            if window[pos] == best:
                break
    else:
        pos = ties[draw % len(ties)]
    return ((start + pos) % n, want), (best, len(ties))


def _check(win: ScoreWindow, keys: list, start: int, want: int, draw: int) -> str:
    pick, top = reference(keys, start, want, draw)
    assert win.keys == keys
    assert win.ties(start, want) == top
    assert win.best(start, want, draw) == pick
    if pick is None:
        return "infeasible"
    return "drawn" if top[1] * 8 >= min(want, len(keys)) else "k-th"


@pytest.fixture(params=[64, 4], ids=["block64", "block4"])
def block(request, monkeypatch):
    monkeypatch.setattr(nodetable, "BLOCK", request.param)
    return request.param


def _ops(n: int, spread: int):
    """Updates (row, new score) and queries (start, want, draw), interleaved."""
    value = st.one_of(st.integers(-1, spread + 2), st.just(0), st.just(spread))
    update = st.tuples(st.just("set"), st.integers(0, n - 1), value)
    # a run of updates lowering one block's top scores: its max leaves
    lower = st.tuples(st.just("lower"), st.integers(0, n - 1), st.integers(1, 3))
    query = st.tuples(st.just("ask"), st.integers(0, n - 1), st.integers(1, n + 5), st.integers(0, 2 ** 32 - 1))
    return st.lists(st.one_of(update, lower, query), min_size=1, max_size=40)


@st.composite
def scenario(draw):
    n = draw(st.integers(1, 300))
    spread = draw(st.sampled_from([0, 3, 60, 10_000]))   # all ties … almost none
    keys = draw(st.lists(st.integers(0, spread), min_size=n, max_size=n))
    if draw(st.booleans()):
        keys[draw(st.integers(0, n - 1))] = -1
    return keys, spread, draw(_ops(n, spread))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenario())
def test_score_window_answers_as_the_scan(block, case):
    keys, spread, ops = case
    win = ScoreWindow(list(keys))
    keys = list(keys)
    for op in ops:
        if op[0] == "set":
            _, i, v = op
            keys[i] = v
            win.update(i, v)
        elif op[0] == "lower":
            # every node of row i's block holding the block's max moves down by d
            _, i, d = op
            b = i // block
            part = keys[b * block:(b + 1) * block]
            top = max(part)
            for j, v in enumerate(part, b * block):
                if v == top:
                    keys[j] = v - d
                    win.update(j, v - d)
        else:
            _, start, want, draw = op
            _check(win, keys, start, want, draw)
    for start in range(0, len(keys), 7):
        _check(win, keys, start, len(keys) // 3 + 1, start * 7919)


def test_every_answer_path_is_exercised(block):
    """The random cases above reach the three outcomes and wrapping windows
    (a seeded sweep, so that this test can fail if a path stops being hit)."""
    rnd = random.Random(5)
    seen = {"drawn": 0, "k-th": 0, "infeasible": 0, "wrapped": 0}
    for _ in range(300):
        n = rnd.randint(1, 260)
        spread = rnd.choice([3, 60, 5000])
        keys = [rnd.randint(0, spread) for _ in range(n)]
        win = ScoreWindow(list(keys))
        for _ in range(10):
            i = rnd.randrange(n)
            keys[i] = -1 if rnd.random() < 0.03 else rnd.randint(0, spread + 2)
            win.update(i, keys[i])
            start, want = rnd.randrange(n), rnd.randint(1, n + 5)
            seen[_check(win, keys, start, want, rnd.getrandbits(32))] += 1
            seen["wrapped"] += start + min(want, n) > n
    assert min(seen.values()) > 50, seen


def test_worked_example_of_the_docstring():
    assert nodetable.BLOCK == 64
    keys = [180] * 200
    keys[70] = 183
    win = ScoreWindow(keys)
    assert (win.bmax[1], win.bcount[1]) == (183, 1)
    assert win.ties(150, 100) == (180, 100)
    assert win.ties(60, 100) == (183, 1)
    assert win.best(60, 100, 12345) == (70, 100)


def test_copy_is_independent():
    win = ScoreWindow([5, 5, 4])
    other = win.copy()
    other.update(0, 1)
    assert win.keys == [5, 5, 4] and win.ties(0, 3) == (5, 2)
    assert other.ties(0, 3) == (5, 1)


# -- through the node table: scores kept in step with the rows

def _node(name: str, cpu: str, pods: str = "110", taint: bool = False):
    spec = {"taints": [{"key": "k", "effect": "NoSchedule"}]} if taint else {}
    (node,) = kstate.parse_manifests({
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": spec,
        "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": pods}}}, source="test")
    return node


#: shapes whose scores differ in what they read; the last adds to no total
#: but the pod count (a node of 3 pods fills by count alone)
REQS = (Requests(100, 128 << 20, 100, 128 << 20), Requests(0, 0, 100, 200 << 20),
        Requests(1500, 1 << 30, 1500, 1 << 30), Requests(0, 0, 0, 0))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(st.tuples(st.sampled_from(["2", "4", "8"]), st.sampled_from(["3", "110"]), st.booleans()),
                       min_size=1, max_size=140),
       steps=st.lists(st.tuples(st.integers(0, 139), st.integers(0, 3), st.sampled_from([1, 1, 1, -1]),
                                st.integers(0, 2 ** 32 - 1)), max_size=60))
def test_best_simple_follows_the_rows(block, shapes, steps):
    """Pods bound and finishing (add_usage ±) keep every request shape's
    scores equal to _key on the rows (the memo never goes stale), and
    best_simple answers as the scan over those scores."""
    table = NodeTable()
    for j, (cpu, pods, taint) in enumerate(shapes):
        table.add_node(_node(f"n{j}", cpu, pods, taint and j % 5 == 0))
    n = table.size
    bound: list = []
    for row, r, sign, draw in steps:
        req = REQS[r]
        start, want = draw % n, 1 + (draw >> 8) % (n + 3)
        sig = (req.cpu, req.memory, req.nz_cpu, req.nz_memory)
        fresh = [table._key(i, sig) for i in range(n)]
        got = table.best_simple(req, start, want, draw)
        assert table.scores(req).keys == fresh
        assert got == reference(fresh, start, want, draw)[0]
        window = table.window_keys(req, start, want)
        assert window == (None if got is None else [fresh[(start + j) % n] for j in range(min(want, n))])
        if sign < 0 and bound:
            name, req = bound.pop(row % len(bound))
            table.add_usage(name, req, -1)       # a pod finishes: its node's scores rise
        elif got is not None:
            bound.append((table.names[got[0]], req))
            table.add_usage(table.names[got[0]], req)
    for req in REQS:
        sig = (req.cpu, req.memory, req.nz_cpu, req.nz_memory)
        if sig in table._scores:
            assert table._scores[sig].keys == [table._key(i, sig) for i in range(n)]

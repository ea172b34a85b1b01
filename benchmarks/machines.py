"""Machines benchmark: why kstate compiles each lifecycle once into a dict.

    PYTHONPATH=. python benchmarks/machines.py

Part 1, lookup throughput (ns per transition, best of --repeat runs over a
fixed walk of --lookups (state, trigger) pairs through the Pod lifecycle):
- loop_floor: the same loop doing nothing but unpacking the pair;
- plain_dict_str: a plain dict keyed by "state/trigger" strings (the floor
  for any dict-based table);
- table_lookup: `lifecycle("pod").table[(state, trigger)]`, what the engine
  uses (a dict with tuple keys);
- table_get: `table.get((state, trigger))`;
- check: `Lifecycle.check(state, trigger, dest)` as engine._check_transition
  calls it (method call + get + compare);
- next: `Lifecycle.next(state, trigger)`.

Part 2, a `transitions.Machine` per object, at small N (--sizes, default
100,1000,3000): one Machine(model=None) for the Pod lifecycle, then
`add_model` for N plain objects (the time, which grows O(N²) because
add_model checks `mod not in self.models`, a list), the memory per model
(tracemalloc), and the cost of a transition through the model's trigger
(`model.trigger(name)`), against kstate's way: the state is a plain field
and a transition is a table lookup.

Prints one JSON object.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from transitions import Machine  # noqa: E402

from _common import kstate_revision, python_version  # noqa: E402

from kstate.machines import lifecycle  # noqa: E402

#: a pod's life used for the walks: the happy path, a crash/restart, deletion.
PATH = ("bind", "create_containers", "start", "exit", "restart", "exit", "back_off", "restart",
        "delete", "fail", "remove")


def walk(lc, length: int) -> list[tuple[str, str, str]]:
    """`length` (state, trigger, dest) steps, restarting from the initial state."""
    out = []
    state = lc.initial
    i = 0
    while len(out) < length:
        trig = PATH[i % len(PATH)]
        dest = lc.table[(state, trig)]
        out.append((state, trig, dest))
        state = dest
        i += 1
        if i % len(PATH) == 0:
            state = lc.initial
    return out


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def lookup_bench(n: int, repeat: int) -> dict:
    lc = lifecycle("pod")
    steps = walk(lc, n)
    table = lc.table
    plain = {f"{s}/{t}": d for (s, t), d in table.items()}
    str_keys = [f"{s}/{t}" for s, t, _ in steps]

    def floor():
        for s, t, d in steps:
            pass

    def plain_dict():
        for k in str_keys:
            plain[k]

    def table_lookup():
        for s, t, d in steps:
            table[(s, t)]

    def table_get():
        get = table.get
        for s, t, d in steps:
            get((s, t))

    def check():
        chk = lc.check
        for s, t, d in steps:
            chk(s, t, d)

    def nxt():
        nx = lc.next
        for s, t, d in steps:
            nx(s, t)

    out = {}
    for name, fn in (("loop_floor", floor), ("plain_dict_str", plain_dict), ("table_lookup", table_lookup),
                     ("table_get", table_get), ("check", check), ("next", nxt)):
        out[name] = round(_best(fn, repeat) / n * 1e9, 1)
    return {"lookups": n, "ns_per_transition": out,
            "transitions_per_second": {k: round(1e9 / v) for k, v in out.items() if v > 0},
            "table_entries": len(table)}


class _Obj:
    """A bare model object for transitions (what a per-pod machine would wrap)."""


def machine_bench(n: int, trigger_objs: int) -> dict:
    lc = lifecycle("pod")
    gc.collect()
    t = time.perf_counter()
    m = Machine(model=None, states=list(lc.states), initial=lc.initial, auto_transitions=False, send_event=False)
    for trig, src, dest in lc.edges:
        m.add_transition(trig, src, dest)
    build_s = time.perf_counter() - t

    objs = [_Obj() for _ in range(n)]
    gc.collect()
    tracemalloc.start()
    m0, _ = tracemalloc.get_traced_memory()
    t = time.perf_counter()
    for o in objs:
        m.add_model(o)
    add_s = time.perf_counter() - t
    m1, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # timed again without tracemalloc's overhead
    m2 = Machine(model=None, states=list(lc.states), initial=lc.initial, auto_transitions=False, send_event=False)
    for trig, src, dest in lc.edges:
        m2.add_transition(trig, src, dest)
    objs2 = [_Obj() for _ in range(n)]
    gc.collect()
    t = time.perf_counter()
    for o in objs2:
        m2.add_model(o)
    add_s = min(add_s, time.perf_counter() - t)

    # transitions through the per-object machine: the first `trigger_objs`
    # models walk bind → create_containers → start → exit → restart.
    seq = PATH[:5]
    k = min(trigger_objs, n)
    gc.collect()
    t = time.perf_counter()
    for o in objs2[:k]:
        for trig in seq:
            o.trigger(trig)
    trig_s = time.perf_counter() - t
    assert objs2[0].state == "Running", objs2[0].state

    # kstate: the state is a field, the transition a checked table lookup
    states = [lc.initial] * n
    table, chk = lc.table, lc.check
    gc.collect()
    t = time.perf_counter()
    for j in range(k):
        s = states[j]
        for trig in seq:
            d = table[(s, trig)]
            chk(s, trig, d)
            s = d
        states[j] = s
    kstate_s = time.perf_counter() - t
    ntrans = k * len(seq)
    return {
        "n": n,
        "machine_build_ms": round(build_s * 1e3, 3),
        "add_model_total_ms": round(add_s * 1e3, 2),
        "add_model_us_per_model": round(add_s / n * 1e6, 2),
        "bytes_per_model": round((m1 - m0) / n),
        "trigger_us_per_transition": round(trig_s / ntrans * 1e6, 3),
        "kstate_table_check_us_per_transition": round(kstate_s / ntrans * 1e6, 4),
        "kstate_bytes_per_object": 0,
        "transitions_timed": ntrans,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lookups", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", default="100,1000,3000")
    ap.add_argument("--trigger-objects", type=int, default=1000,
                    help="models that walk 5 transitions in the per-object machine timing")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    lookups = lookup_bench(args.lookups, args.repeat)
    per_object = [machine_bench(n, args.trigger_objects) for n in sizes]
    if len(per_object) >= 2:
        a, b = per_object[0], per_object[-1]
        growth = {"n_ratio": round(b["n"] / a["n"], 2),
                  "add_model_total_ratio": round(b["add_model_total_ms"] / a["add_model_total_ms"], 2),
                  "add_model_per_model_ratio": round(b["add_model_us_per_model"] / a["add_model_us_per_model"], 2)}
    else:
        growth = None
    out = {
        "benchmark": "machines",
        "lookup": lookups,
        "machine_per_object": per_object,
        "add_model_growth": growth,
        "python": python_version(), "kstate_revision": kstate_revision(),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()

"""Lossless snapshots of an engine as JSON-serialisable data.

Owns: a tagged encoding of everything the engine holds — attrs objects by
class name, tuples, FrozenDicts, dicts with non-string keys, sets — and the
inverse. `restore(snapshot(e))` continues exactly as `e` would: same clock,
queues, timers, controller memory, RNG streams and counters.
"""
from __future__ import annotations

import importlib
from collections import deque
from typing import Any

import attrs

from kstate.resources.frozen import FrozenDict

FORMAT = 1

_MODULES = ("kstate.resources.meta", "kstate.resources.pod", "kstate.resources.node",
            "kstate.resources.namespace", "kstate.resources.event", "kstate.resources.selector",
            "kstate.resources.workloads",
            "kstate.controllers.timing", "kstate.controllers.scheduler")


def _classes() -> dict[str, type]:
    out: dict[str, type] = {}
    for modname in _MODULES:
        mod = importlib.import_module(modname)
        for name in dir(mod):
            obj = getattr(mod, name)
            if isinstance(obj, type) and attrs.has(obj) and obj.__module__ == modname:
                out[name] = obj
    return out


def encode(x: Any) -> Any:
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if attrs.has(type(x)):
        return {"@": type(x).__name__,
                "f": {f.name: encode(getattr(x, f.name)) for f in attrs.fields(type(x)) if f.init}}
    if isinstance(x, FrozenDict):
        return {"@fd": [[encode(k), encode(v)] for k, v in x.items()]}
    if isinstance(x, dict):
        return {"@d": [[encode(k), encode(v)] for k, v in x.items()]}
    if isinstance(x, tuple):
        return {"@t": [encode(v) for v in x]}
    if isinstance(x, (set, frozenset)):
        return {"@s": sorted((encode(v) for v in x), key=repr)}
    if isinstance(x, (list, deque)):
        return [encode(v) for v in x]
    raise TypeError(f"cannot snapshot {type(x).__name__}")


def decode(x: Any, classes: dict[str, type]) -> Any:
    if isinstance(x, list):
        return [decode(v, classes) for v in x]
    if not isinstance(x, dict):
        return x
    if "@" in x:
        cls = classes[x["@"]]
        return cls(**{k: decode(v, classes) for k, v in x["f"].items()})
    if "@fd" in x:
        return FrozenDict({decode(k, classes): decode(v, classes) for k, v in x["@fd"]})
    if "@d" in x:
        return {decode(k, classes): decode(v, classes) for k, v in x["@d"]}
    if "@t" in x:
        return tuple(decode(v, classes) for v in x["@t"])
    if "@s" in x:
        return {decode(v, classes) for v in x["@s"]}
    raise ValueError(f"bad snapshot node {x!r}")


#: engine attributes saved as they are (after encoding).
_FIELDS = ("seed", "start", "now", "cluster_cidr", "node_cidr_mask", "enforce_machines", "record_trace",
           "_heap", "_waiting", "_queues", "_queued", "_memory", "trace", "_events", "_event_index", "_rv", "_seq",
           "steps", "_unschedulable", "_usage", "_admitted", "_admitted_by", "_cidr_used", "_cidr_cursor", "_pod_ips", "_node_serial")


def snapshot(engine) -> dict:
    return {
        "format": FORMAT,
        "profile": encode(engine._profile),
        "objects": [encode(o) for o in engine.store.all_objects()],
        "rng": encode(engine.rng.getstate()),
        "controllers": sorted(engine.controllers),
        "table_order": list(engine.table.names),
        "engine": {name: encode(getattr(engine, name)) for name in _FIELDS},
    }


def restore(data: dict):
    from kstate.controllers import CONTROLLERS
    from kstate.engine.core import Engine
    if data.get("format") != FORMAT:
        raise ValueError(f"unsupported snapshot format {data.get('format')!r}")
    classes = _classes()
    eng = Engine.__new__(Engine)
    Engine.__init__(eng, seed=data["engine"]["seed"], start=data["engine"]["start"],
                    profile=decode(data["profile"], classes),
                    controllers={n: CONTROLLERS[n] for n in data["controllers"] if n in CONTROLLERS})
    # Engine.__init__ created the system namespaces; the snapshot has them.
    from kstate.engine.store import Store
    from kstate.engine.nodetable import NodeTable
    eng.store = Store()
    eng.table = NodeTable()
    for enc in data["objects"]:
        eng.store.put(decode(enc, classes))
    for name in data["table_order"]:  # the scheduler walks nodes in this order
        eng.table.add_node(eng.store.get("Node", "", name))
    for name in _FIELDS:
        setattr(eng, name, decode(data["engine"][name], classes))
    eng._queues = [deque(tuple(i) if isinstance(i, list) else i for i in q) for q in eng._queues]
    eng._heap = [tuple(h) for h in eng._heap]
    eng.trace = [tuple(t) for t in eng.trace]
    eng._events = [list(e) for e in eng._events]
    for (node, req) in eng._usage.values():
        eng.table.add_usage(node, req)
    eng.rng.setstate({k: _to_rng_state(v) for k, v in decode(data["rng"], classes).items()})
    return eng


def _to_rng_state(v):
    return tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in v)

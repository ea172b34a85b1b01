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

_MODULES = ("kstate.resources.meta", "kstate.resources.event", "kstate.resources.selector",
            "kstate.controllers.timing", "kstate.controllers.scheduler", "kstate.controllers.metrics",
            "kstate.controllers.hpa")


def _classes(registry) -> dict[str, type]:
    """Every attrs class a snapshot may hold: those of the fixed modules and
    of the module of every registered kind (its spec and status classes)."""
    out: dict[str, type] = {}
    mods = list(_MODULES) + sorted({spec.cls.__module__ for spec in registry.kinds.values()})
    for modname in mods:
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
           "_heap", "_waiting", "_queues", "_queued", "_memory", "trace", "_events", "_event_first",
           "_event_repeats", "_event_index", "_rv", "_seq", "steps", "identity", "_stopped", "_parked")


def snapshot(engine) -> dict:
    indexes = {}
    for name, spec in sorted(engine.registry.indexes.items()):
        state = engine.indexes[name]
        indexes[name] = encode(spec.dump(state) if spec.dump is not None else state)
    return {
        "format": FORMAT,
        "profile": encode(engine._profile),
        "objects": [encode(o) for o in engine.store.all_objects()],
        "rng": encode(engine.rng.getstate()),
        "controllers": sorted(engine.controllers),
        "indexes": indexes,
        "engine": {name: encode(getattr(engine, name)) for name in _FIELDS},
    }


#: the fields of the compact event log (absent from snapshots taken before it).
_EVENT_FIELDS = frozenset({"_event_first", "_event_repeats"})

#: the top-level keys of a snapshot and their types (checked by Cluster.restore).
SHAPE = {"profile": object, "objects": list, "rng": object, "controllers": list, "indexes": dict, "engine": dict}


def restore(data: dict, registry=None):
    from kstate.engine.core import Engine
    from kstate.engine.store import Store
    from kstate.registry import REGISTRY
    registry = registry or REGISTRY
    if data.get("format") != FORMAT:
        raise ValueError(f"unsupported snapshot format {data.get('format')!r}")
    classes = _classes(registry)
    known = registry.controllers
    eng = Engine.__new__(Engine)
    Engine.__init__(eng, seed=data["engine"]["seed"], start=data["engine"]["start"],
                    profile=decode(data["profile"], classes), registry=registry,
                    controllers={n: known[n] for n in data["controllers"] if n in known})
    # Engine.__init__ created the system namespaces; the snapshot has them.
    eng.store = Store(eng.store.place_of)
    for enc in data["objects"]:
        eng.store.put(decode(enc, classes))
    for name in _FIELDS:
        if name in _EVENT_FIELDS and name not in data["engine"]:
            continue  # an older snapshot: its events are converted below
        setattr(eng, name, decode(data["engine"][name], classes))
    eng._queues = [deque(tuple(i) if isinstance(i, list) else i for i in q) for q in eng._queues]
    eng._heap = [tuple(h) for h in eng._heap]
    eng.trace = [tuple(t) for t in eng.trace]
    if "_event_first" in data["engine"]:
        eng._events = [tuple(e) for e in eng._events]
        eng._event_repeats = {i: list(r) for i, r in eng._event_repeats.items()}
    else:
        # the older shape: one [key, count, last, first, serial] list per event
        old = eng._events
        eng._events = [tuple(e[0]) for e in old]
        eng._event_first = [e[3] for e in old]
        eng._event_repeats = {i: [e[1], e[2]] for i, e in enumerate(old) if e[1] != 1}
    for name, spec in registry.indexes.items():
        if name in data["indexes"]:
            raw = decode(data["indexes"][name], classes)
            eng.indexes[name] = spec.load(raw, eng) if spec.load is not None else raw
    eng.rng.setstate({k: _to_rng_state(v) for k, v in decode(data["rng"], classes).items()})
    return eng


def _to_rng_state(v):
    return tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in v)

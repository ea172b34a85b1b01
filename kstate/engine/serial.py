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

from kstate.engine.log import EventLog, Names, Trace
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
           "_heap", "_waiting", "_queues", "_queued", "_memory", "_rv", "_seq", "steps", "identity", "_stopped",
           "_parked")


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
        "engine": {**{name: encode(getattr(engine, name)) for name in _FIELDS}, "log": _dump_log(engine)},
    }


def _dump_log(engine) -> dict:
    """The trace and the event log as they are coded (kstate.engine.log):
    lists of integers and the tables they index; strings and tuples in the
    tables through `encode`."""
    names = engine._names.dump()
    trace = engine.trace.dump()
    events = engine._event_log.dump()
    return {"names": encode(names), "trace": {**trace, "verbs": encode(trace["verbs"]),
                                              "details": encode(trace["details"])},
            "events": {**events, "obj_uid": encode(events["obj_uid"]), "messages": encode(events["messages"])}}


def _load_log(eng, data: dict, classes: dict) -> None:
    names = Names.load(decode(data["names"], classes))
    trace = data["trace"]
    events = data["events"]
    eng._names = names
    eng.trace = Trace.load({**trace, "verbs": decode(trace["verbs"], classes),
                            "details": decode(trace["details"], classes)}, names)
    eng._event_log = EventLog.load({**events, "obj_uid": decode(events["obj_uid"], classes),
                                    "messages": decode(events["messages"], classes)}, names)


def _load_older_log(eng, data: dict, classes: dict) -> None:
    """A snapshot from before the coded log: the trace as a list of entry
    tuples, the events as key tuples with their first times and repeats, or
    (older still) one [key, count, last, first, serial] list per event.
    Recorded again in their order, they render the same."""
    eng._names = Names()
    eng.trace, eng._event_log = Trace(eng._names), EventLog(eng._names)
    for t, verb, kind, ns, name, detail in decode(data["trace"], classes):
        eng.trace.add(t, verb, kind, ns, name, detail)
    keys = decode(data["_events"], classes)
    if "_event_first" in data:
        firsts = decode(data["_event_first"], classes)
        repeats = decode(data["_event_repeats"], classes)
        for i, key in enumerate(keys):
            count, last = repeats.get(i, (1, firsts[i]))
            eng._event_log.add_record(tuple(key), count, last, firsts[i])
    else:
        for key, count, last, first, _ in keys:
            eng._event_log.add_record(tuple(key), count, last, first)


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
    eng.store = Store(eng.store.place_of, eng.store.place_reads)
    for enc in data["objects"]:
        eng.store.put(decode(enc, classes))
    for name in _FIELDS:
        setattr(eng, name, decode(data["engine"][name], classes))
    eng._queues = [deque(tuple(i) if isinstance(i, list) else i for i in q) for q in eng._queues]
    eng._heap = [tuple(h) for h in eng._heap]
    if "log" in data["engine"]:
        _load_log(eng, data["engine"]["log"], classes)
    else:
        _load_older_log(eng, data["engine"], classes)
    for name, spec in registry.indexes.items():
        if name in data["indexes"]:
            raw = decode(data["indexes"][name], classes)
            eng.indexes[name] = spec.load(raw, eng) if spec.load is not None else raw
        else:
            _rebuild_index(eng, spec)
    eng.rng.setstate({k: _to_rng_state(v) for k, v in decode(data["rng"], classes).items()})
    return eng


def _rebuild_index(eng, spec) -> None:
    """An index the snapshot does not hold (it was made before the index
    existed) is filled as an informer's initial list fills it: every stored
    object of each kind the index follows, in key order, as an add. The
    (controller, key) pairs it returns are dropped: the snapshot's queues
    already hold what the controllers had to do."""
    state = eng.indexes[spec.name]
    for h in spec.handlers:
        if "add" in h.events:
            for obj in eng.store.list(h.kind):
                h.fn(state, None, obj, eng)


def _to_rng_state(v):
    return tuple(tuple(x) if isinstance(x, (list, tuple)) else x for x in v)

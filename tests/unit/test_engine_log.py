"""The engine's integer-coded trace and event log (kstate/engine/log.py):
what they render equals what the plain list of tuples and the dictionary of
event keys they replaced held, for every way the engine's readers read them;
snapshots keep them (also snapshots taken before they were coded); and an
entry really costs one number."""
from __future__ import annotations

import pytest

import json

from hypothesis import given, strategies as st

import kstate
from kstate import Cluster
from kstate.engine import log as logmod
from kstate.engine.log import EventLog, Names, Trace
from kstate.engine.serial import encode
from tests.unit.test_engine_event_log import _cluster


class ListTrace:
    """The trace as the engine kept it before: one tuple per entry."""

    def __init__(self):
        self.entries = []

    def add(self, *entry):
        self.entries.append(entry)


class DictEvents:
    """The event log as the engine kept it before (Engine.record_event at
    f0dc585): key → serial, first times, repeats."""

    def __init__(self):
        self.keys, self.first, self.repeats, self.index = [], [], {}, {}

    def add(self, *args):
        *key, now = args
        key = tuple(key)
        i = self.index.get(key)
        if i is None:
            self.index[key] = len(self.keys)
            self.keys.append(key)
            self.first.append(now)
        elif i in self.repeats:
            self.repeats[i] = [self.repeats[i][0] + 1, now]
        else:
            self.repeats[i] = [2, now]

    def records(self):
        return [[k, *self.repeats.get(i, [1, self.first[i]]), self.first[i], i] for i, k in enumerate(self.keys)]


_word = st.sampled_from(["", "a", "b", "default", "kube-system", "p1", "p10", "x/y", "a\x00b", "\x00"])
_entry = st.tuples(st.integers(0, 3), st.sampled_from(["create", "status", "bind", "remove"]),
                   st.sampled_from(["Pod", "Node", "Job"]), _word, _word, _word)


@given(st.lists(_entry, max_size=60), st.data())
def test_trace_reads_as_the_list_of_tuples(entries, data):
    names = Names()
    trace, ref = Trace(names), ListTrace()
    t = 0
    for dt, verb, kind, ns, name, detail in entries:
        t += dt
        trace.add(t, verb, kind, ns, name, detail)
        ref.add(t, verb, kind, ns, name, detail)
    want = ref.entries
    assert len(trace) == len(want)
    assert list(trace) == want and trace == want and trace == Trace.load(trace.dump(), names)
    assert repr(trace) == repr(want)
    n = len(want)
    for i in range(-n, n):
        assert trace[i] == want[i]
    a = data.draw(st.integers(-n - 2, n + 2))
    b = data.draw(st.integers(-n - 2, n + 2))
    step = data.draw(st.sampled_from([None, 1, 2, 3, -1, -2]))
    assert trace[a:b:step] == want[a:b:step]
    assert trace[a:] == want[a:]


def test_trace_index_errors_and_foreign_equality():
    trace = Trace(Names())
    assert trace == [] and not (trace != [])
    try:
        trace[0]
    except IndexError:
        pass
    else:
        raise AssertionError("trace[0] of an empty trace")
    trace.add(5, "create", "Pod", "default", "p", "")
    assert trace != [(5, "create", "Pod", "default", "p", "x")]
    assert trace != ((5, "create", "Pod", "default", "p", ""),)   # a tuple, as a list never equals one
    assert trace[-1] == (5, "create", "Pod", "default", "p", "")


_event = st.tuples(
    st.sampled_from(["Pod", "Node"]), st.sampled_from(["", "default", "ns"]), st.sampled_from(["", "p", "p1", "p10"]),
    st.sampled_from(["", "u1", "u2"]), st.sampled_from(["Scheduled", "BackOff"]),
    st.sampled_from(["", "Successfully assigned default/p1 to node-0", "default/p10 and default/p1", "p1",
                     "x\x00y", "Back-off restarting", "ns/p"]),
    st.sampled_from(["Normal", "Warning"]), st.sampled_from(["", "kubelet"]))


@given(st.lists(st.tuples(_event, st.integers(0, 2)), max_size=80))
def test_event_log_aggregates_as_the_key_dictionary(events):
    names = Names()
    log, ref = EventLog(names), DictEvents()
    now = 0
    for key, dt in events:
        now += dt
        log.add(*key, now)
        ref.add(*key, now)
    assert len(log) == len(ref.keys)
    assert log.records() == ref.records()
    again = EventLog.load(json.loads(json.dumps(log.dump())), Names.load(json.loads(json.dumps(names.dump()))))
    assert again.records() == ref.records()
    for kind, name, ns in [("Pod", "p1", None), (None, None, "ns"), ("Node", None, ""), (None, "", None)]:
        got = [(s, key) for s, key, *_ in log.select(kind, name, ns)]
        want = [(i, k) for i, k in enumerate(ref.keys) if (kind is None or k[0] == kind) and (
            name is None or k[2] == name) and (ns is None or k[1] == ns)]
        assert got == want


def test_an_object_with_many_distinct_events_is_found_through_the_index():
    names = Names()
    log, ref = EventLog(names), DictEvents()
    for i in range(3 * logmod._CHAIN):
        for rep in range(2):
            for args in (("Job", "default", "j", "u", "Created", f"Created pod: j-{i}", "Normal", "job", i + rep),
                         ("Job", "default", "j", "v", "Created", f"Created pod: j-{i}", "Normal", "job", i)):
                log.add(*args)
                ref.add(*args)
    assert log.records() == ref.records()
    assert [type(h) for h in log._head] == [dict, dict]   # both uids of j are past the chain
    assert sorted(s for h in log._head for s in h.values()) == list(range(len(ref.keys)))
    assert all(r[1] == 2 for r in log.records())


class _Ref:
    def __init__(self, kind, namespace, name, uid):
        self.kind, self.namespace, self.name, self.uid = kind, namespace, name, uid


_refs = [("Pod", "default", "p1", "u1"), ("Pod", "default", "p1", "u2"), ("Pod", "default", "p10", "u1"),
         ("Node", "", "p1", "u1")]


@given(st.lists(st.tuples(st.integers(0, 2 * len(_refs) - 1), st.integers(0, 40), st.booleans(), st.integers(0, 2)),
                max_size=200))
def test_events_by_reference_aggregate_as_the_key_dictionary(events):
    """add_ref finds the last object by identity and its events through a
    dictionary of them: a reference given again, an equal one, and objects
    past _CHAIN distinct events aggregate as the key dictionary does."""
    names = Names()
    log, ref = EventLog(names), DictEvents()
    pool = [_Ref(*r) for r in _refs] + [_Ref(*r) for r in _refs]   # equal, not the same object
    now = 0
    for r, i, warn, dt in events:
        now += dt
        inv = pool[r]
        args = ("Started", f"m{i} {inv.namespace}/{inv.name}", "Warning" if warn else "Normal", "kubelet")
        log.add_ref(inv, *args, now)
        ref.add(inv.kind, inv.namespace, inv.name, inv.uid, *args, now)
    assert log.records() == ref.records()


def test_one_reference_past_the_chain_keeps_finding_its_events():
    names = Names()
    log, ref = EventLog(names), DictEvents()
    inv = _Ref("Job", "default", "j", "u")
    for rnd in range(2):
        for i in range(3 * logmod._CHAIN):
            for rep in range(2):
                args = ("Created", f"Created pod: j-{i}", "Normal", "job", i + rep + rnd)
                log.add_ref(inv, *args)
                ref.add("Job", "default", "j", "u", *args)
    assert log.records() == ref.records()
    assert all(r[1] == 4 for r in log.records())


def test_an_event_restored_between_two_of_its_object_is_a_repeat_of_it():
    names = Names()
    log, ref = EventLog(names), DictEvents()
    inv = _Ref("Pod", "default", "p1", "u1")
    log.add_ref(inv, "Pulling", "Pulling image", "Normal", "kubelet", 1)
    ref.add("Pod", "default", "p1", "u1", "Pulling", "Pulling image", "Normal", "kubelet", 1)
    log.add_record(("Pod", "default", "p1", "u1", "Pulled", "Pulled image", "Normal", "kubelet"), 1, 2, 2)
    ref.add("Pod", "default", "p1", "u1", "Pulled", "Pulled image", "Normal", "kubelet", 2)
    log.add_ref(inv, "Pulled", "Pulled image", "Normal", "kubelet", 3)
    ref.add("Pod", "default", "p1", "u1", "Pulled", "Pulled image", "Normal", "kubelet", 3)
    assert log.records() == ref.records()
    assert log.records()[1][1:3] == [2, 3]


def test_a_message_naming_its_object_is_stored_once_for_all_objects():
    log = EventLog(Names())
    for i in range(50):
        log.add("Pod", "default", f"p{i}", f"u{i}", "Scheduled", f"Successfully assigned default/p{i} to node-{i % 5}",
                "Normal", "default-scheduler", 0)
    assert len(log._msg_of) == 5
    assert log.records()[7][0][5] == "Successfully assigned default/p7 to node-2"


def _pods(n: int) -> list[dict]:
    return [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}} for i in range(n)]


def test_an_entry_costs_one_number():
    c = Cluster(nodes=4, seed=3)
    c.apply(_pods(100))
    c.run_until_stable()
    eng = c.engine
    assert len(eng.trace._codes) == len(eng.trace) >= 400 and eng.trace._codes.itemsize == 8
    assert len(eng.trace._verb_of) < 15                      # (verb, detail) pairs: 4 nodes' binds and a few steps
    assert len(eng.trace._mark_t) < 10                       # two instants, and the cluster's own set-up
    assert len(eng._event_log) >= 400 and len(eng._event_log._msg_of) < 15
    running = [e for e in eng.trace if e[5] == "ContainerCreating->Running (start) Ready=True ContainersReady=True"]
    assert len(running) == 100 and all(e[5] is running[0][5] and e[0] is running[0][0] for e in running)


def _events(c):
    return [repr(e) for e in c.events()]


def test_a_snapshot_keeps_the_coded_log_and_continues_it():
    c = _cluster()
    snap = json.loads(json.dumps(c.snapshot()))
    assert set(snap["engine"]["log"]) == {"names", "trace", "events"}
    assert "trace" not in snap["engine"] and "_events" not in snap["engine"]
    again = kstate.Cluster.restore(snap)
    assert again.engine.trace == c.engine.trace and _events(again) == _events(c)
    assert again.snapshot() == c.snapshot()
    c.advance("30s")
    again.advance("30s")
    assert again.trace() == c.trace() and _events(again) == _events(c)


def test_a_snapshot_from_before_the_coded_log_restores():
    """The shape of f0dc585..00dc437: the trace as a list of tuples, each
    event's key tuple, first times and repeats."""
    c = _cluster()
    snap = json.loads(json.dumps(c.snapshot()))
    records = c.engine._event_log.records()
    del snap["engine"]["log"]
    snap["engine"].update(json.loads(json.dumps({
        "trace": encode(list(c.engine.trace)),
        "_events": encode([r[0] for r in records]),
        "_event_first": encode([r[3] for r in records]),
        "_event_repeats": encode({r[4]: [r[1], r[2]] for r in records if r[1] != 1}),
        "_event_index": encode({r[0]: r[4] for r in records})})))
    again = kstate.Cluster.restore(snap)
    assert again.engine.trace == c.engine.trace and _events(again) == _events(c)
    c.advance("30s")
    again.advance("30s")
    assert again.trace() == c.trace() and _events(again) == _events(c)


def test_an_edited_snapshot_log_is_refused():
    c = _cluster()
    snap = json.loads(json.dumps(c.snapshot()))
    snap["engine"]["log"]["trace"]["codes"][0] = 1 << 40
    try:
        kstate.Cluster.restore(snap)
    except kstate.SpecError as e:
        assert "snapshot" in str(e)
    else:
        raise AssertionError("a trace code naming no detail restored")


@pytest.mark.parametrize("part", ["trace", "events"])
def test_a_snapshot_log_with_a_negative_code_is_refused(part):
    """The codes are kept unsigned: a negative one (here naming object 0 and
    detail or message -1) is refused as an edit, not an error of the array."""
    c = _cluster()
    snap = json.loads(json.dumps(c.snapshot()))
    log = snap["engine"]["log"]
    (log["trace"] if part == "trace" else log["events"])["codes"][0] = -(1 << 32)
    with pytest.raises(kstate.SpecError, match="snapshot"):
        kstate.Cluster.restore(snap)


def test_no_trace_records_nothing_but_events():
    c = Cluster(nodes=1, seed=1, record_trace=False)
    c.apply(_pods(3))
    c.run_until_stable()
    assert len(c.engine.trace) == 0 and c.trace() == []
    assert len(c.events("Pod")) == 3 * 5

"""The engine's compact event log: one key tuple per distinct event, its
first time, and a count only once it repeats (client-go's EventCorrelator
aggregation), read back as Event objects and kept by snapshots — also by a
snapshot of the older shape (one [key, count, last, first, serial] list each;
tests/unit/test_engine_log.py has the log's own tests).
"""
import json

import kstate


def _cluster():
    c = kstate.Cluster(nodes=1, seed=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p",
             "annotations": {"kstate.io/exit-after": "5s", "kstate.io/exit-code": "1"}},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    c.advance("60s")
    return c


def _view(events):
    return [(e.metadata.name, e.reason, e.message, e.count, e.first_timestamp, e.last_timestamp) for e in events]


def test_repeats_are_counted_and_singles_keep_count_one():
    c = _cluster()
    start = c.engine.start
    ev = {e.reason: e for e in c.events("Pod", "p")}
    assert (ev["Scheduled"].count, ev["Scheduled"].first_timestamp, ev["Scheduled"].last_timestamp) == (1, start, start)
    # restarts at 6 s, 21 s, 46 s after exits at 6, 11, 26, 51 s: BackOff after each exit but the first
    assert ev["Started"].count == 4 and ev["Started"].first_timestamp == start + 1000
    assert ev["Started"].last_timestamp == start + 46000
    assert ev["BackOff"].count == 3
    names = [e.metadata.name for e in c.events()]
    assert names == sorted(names, key=lambda n: int(n.rsplit(".", 1)[1], 16))   # serials in order


def test_events_survive_a_snapshot():
    c = _cluster()
    again = kstate.Cluster.restore(json.loads(json.dumps(c.snapshot())))
    assert _view(again.events()) == _view(c.events())
    c.advance("30s")
    again.advance("30s")
    assert _view(again.events()) == _view(c.events())


def test_a_snapshot_of_the_older_event_shape_restores():
    c = _cluster()
    snap = json.loads(json.dumps(c.snapshot()))
    old = c.engine._event_log.records()
    assert any(e[1] > 1 for e in old)
    from kstate.engine.serial import encode
    log = snap["engine"].pop("log")
    snap["engine"]["trace"] = json.loads(json.dumps(encode(list(c.engine.trace))))
    snap["engine"]["_events"] = json.loads(json.dumps(encode(old)))
    assert log["events"]["codes"]
    again = kstate.Cluster.restore(snap)
    assert _view(again.events()) == _view(c.events())
    c.advance("30s")
    again.advance("30s")
    assert _view(again.events()) == _view(c.events())

"""The engine's trace shares repeated details and times between entries
(memory), without changing a line of what it says."""
from __future__ import annotations

from kstate import Cluster
from kstate.engine import core


def _pods(n: int) -> list[dict]:
    return [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
             "spec": {"containers": [{"name": "app", "image": "nginx"}]}} for i in range(n)]


def _run() -> Cluster:
    c = Cluster(nodes=1, seed=3)
    c.apply(_pods(4))
    c.run_until_stable()
    return c


def test_equal_details_and_times_are_one_object():
    eng = _run().engine
    running = [e for e in eng.trace if e[5] == "ContainerCreating->Running (start) Ready=True ContainersReady=True"]
    assert len(running) == 4
    assert all(e[5] is running[0][5] for e in running)
    assert all(e[0] is running[0][0] for e in running)


def test_a_full_detail_table_stops_sharing_but_not_tracing(monkeypatch):
    shared = _run()
    monkeypatch.setattr(core, "_TRACE_DETAILS", 0)
    plain = _run()
    assert plain.engine._trace_details == {}
    assert plain.trace() == shared.trace()
    running = [e for e in plain.engine.trace if e[5] == "ContainerCreating->Running (start) Ready=True ContainersReady=True"]
    assert running[0][5] is not running[1][5]

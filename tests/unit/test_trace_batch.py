"""Cluster.trace_packets: many packets traced through one reading of the
cluster give exactly what trace_packet gives one by one."""
from __future__ import annotations

import pytest

import kstate
from kstate.errors import SpecError


def test_a_batch_equals_packets_traced_one_by_one():
    c = kstate.Cluster(nodes=3, seed=1, load_balancer_pool="192.0.2.0/29")
    c.apply_file("specs/manifests/frontend-backend.yaml")
    c.run_until_stable()
    pods = sorted(p.metadata.name for p in c.list("Pod"))
    svc_ip = c.get("Service", "backend").spec.cluster_ip
    packets = [(pods[0], "backend", 80), (pods[1], pods[2], 8080), ("node-1", svc_ip, 80),
               (pods[3], "backend.default.svc.cluster.local", 80, "TCP"), ("node-0", "node-2:30080"),
               (pods[0], pods[0])]
    batch = c.trace_packets(packets)
    assert batch == [c.trace_packet(*p) for p in packets]
    assert [t.verdict for t in batch] == ["load-balanced", "delivered", "load-balanced", "load-balanced",
                                         "load-balanced", "delivered"]


@pytest.mark.parametrize("bad,path", [("node-0", "packets"), ([("node-0",)], "packets[0]"),
                                      ([("node-0", "backend", 0)], "port")])
def test_bad_batches_are_refused(bad, path):
    c = kstate.Cluster(nodes=1)
    with pytest.raises(SpecError) as e:
        c.trace_packets(bad)
    assert e.value.path == path


def test_a_seeded_pick_draws_each_endpoint_about_one_nth_of_the_time_and_repeats():
    from kstate.network import trace as tr
    c = kstate.Cluster(nodes=3, seed=1)
    c.apply_file("specs/manifests/frontend-backend.yaml")
    c.run_until_stable()
    front = next(p.metadata.name for p in c.list("Pod") if p.metadata.labels.get("app") == "frontend")
    t = c.trace_packet(front, "backend", 80, pick=7)
    assert t.chosen is not None and t.verdict == "delivered" and t.reason.startswith("picked 10.244.")
    assert "(picked)" in t.render()
    assert c.trace_packet(front, "backend", 80, pick=7) == t
    picks = [x.chosen for x in c.trace_packets([(front, "backend", 80)] * 3000, pick=0)]
    counts = [picks.count(i) for i in range(3)]
    assert all(900 < n < 1100 for n in counts), counts
    # the worked example of trace.pick: draws 0.7 then 0.4 pick the second of three
    import random

    class Fixed(random.Random):
        def __init__(self, seed):
            super().__init__(seed)
            self.draws = iter((0.7, 0.4))

        def random(self):
            return next(self.draws)
    real = random.Random
    random.Random = Fixed
    try:
        assert tr.pick(c.trace_packet(front, "backend", 80), 1).chosen == 1
    finally:
        random.Random = real
    with pytest.raises(SpecError):
        c.trace_packet(front, "backend", 80, pick=-1)

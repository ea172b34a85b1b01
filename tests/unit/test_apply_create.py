"""Pods of one template created in bulk: what the create path remembers from
one pod to the next (the priority resolution, the Pending status) must
follow the cluster as it changes between applies; and the collector, paused
over an apply, is on again after it."""
from __future__ import annotations

import attrs
import pytest

from kstate import Cluster
from kstate.errors import SpecError
from kstate.io import parse_object

HIGH = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
        "value": 1000, "globalDefault": True}


def _pods(names):
    tpl = parse_object({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tpl"},
                        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}})
    return [attrs.evolve(tpl, metadata=attrs.evolve(tpl.metadata, name=n)) for n in names]


def _priority(c, name):
    pod = c.get("Pod", name)
    return pod.spec.priority, pod.spec.extra.get("priorityClassName")


def test_a_new_default_priority_class_reaches_the_next_pods_of_a_template():
    c = Cluster(nodes=1)
    pods = _pods(["p-0", "p-1", "p-2", "p-3", "p-4", "p-5"])
    c.apply(pods[:2])
    c.apply(HIGH)
    c.apply(pods[2:4])
    c.delete("PriorityClass", "high", namespace="")
    c.apply(pods[4:])
    assert [_priority(c, p.metadata.name) for p in pods] == [(0, None)] * 2 + [(1000, "high")] * 2 + [(0, None)] * 2


def test_pods_created_later_are_pending_since_their_own_creation():
    c = Cluster(nodes=0)
    pods = _pods(["p-0", "p-1", "p-2"])
    c.apply(pods[:2])
    c.advance("5s")
    c.apply(pods[2:])
    since = [c.get("Pod", p.metadata.name).status.state_since for p in pods]
    created = [c.get("Pod", p.metadata.name).metadata.creation_timestamp for p in pods]
    assert since == created and since[2] - since[0] == 5000
    assert [c.get("Pod", p.metadata.name).status.phase for p in pods] == ["Pending"] * 3


def test_apply_leaves_the_collector_on_also_when_it_refuses():
    import gc
    c = Cluster(nodes=0)
    assert gc.isenabled()
    with pytest.raises(SpecError):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"},
                 "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    assert gc.isenabled()
    c.apply(_pods(["p-0"]))
    assert gc.isenabled()
    gc.disable()
    try:
        c.apply(_pods(["p-1"]))
        assert not gc.isenabled()      # a caller's choice is kept
    finally:
        gc.enable()

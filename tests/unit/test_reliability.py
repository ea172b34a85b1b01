"""Regressions of issue 13 ("Reliability"): each test fails before its fix."""
import pytest

import kstate

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
       "spec": {"containers": [{"name": "app", "image": "nginx"}]}}


def _pod(**meta):
    doc = {**POD, "metadata": {**POD["metadata"], **meta}}
    return doc


# -- item 6: a client-supplied uid is ignored on create (FillObjectMetaSystemFields)

def test_client_uid_is_ignored_on_create():
    c = kstate.Cluster(nodes=1, seed=0)
    pod = c.apply(_pod(uid="11111111-1111-1111-1111-111111111111"))
    assert pod.metadata.uid and pod.metadata.uid != "11111111-1111-1111-1111-111111111111"
    # two objects claiming the same uid get distinct ones
    other = c.apply(_pod(name="web2", uid="11111111-1111-1111-1111-111111111111"))
    assert other.metadata.uid != pod.metadata.uid


# -- item 7: deletionTimestamp / deletionGracePeriodSeconds ignored on create (BeforeCreate)

def test_client_deletion_timestamp_is_ignored_on_create():
    c = kstate.Cluster(nodes=1, seed=0)
    pod = c.apply(_pod(deletionTimestamp="2026-01-01T00:00:00Z", deletionGracePeriodSeconds=0))
    assert pod.metadata.deletion_timestamp is None
    assert pod.metadata.deletion_grace_period_seconds is None
    c.run_until_stable()
    assert c.get("pod", "web").status.phase == "Running"


# -- item 11: operations validate their arguments before changing anything

def test_drain_validates_grace_period_before_cordoning():
    c = kstate.Cluster(nodes=1, seed=0)
    before = c.snapshot()
    with pytest.raises(kstate.SpecError) as e:
        c.drain("node-0", grace_period="x")
    assert e.value.path == "gracePeriodSeconds"
    assert c.snapshot() == before
    assert not c.get("node", "node-0").spec.unschedulable


def test_add_node_with_a_taken_name_is_already_exists():
    c = kstate.Cluster(nodes=1, seed=0)
    before = c.snapshot()
    with pytest.raises(kstate.AlreadyExists):
        c.add_node("node-0", labels={"a": "b"}, cpu="8")
    assert c.snapshot() == before

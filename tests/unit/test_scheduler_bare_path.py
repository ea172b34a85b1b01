"""The scheduler's bare-pod entry (reconcile_scheduler's first branch:
bare_spec, no plugin input, claim or nomination → NodeTable.best_simple)
against the general path it short-cuts, the bind actions `_bound`
builds from templates against the same actions built by their attrs
constructors, and gather_inputs' early PLAIN against its walks."""
from __future__ import annotations

import attrs
import pytest

import kstate
from kstate.controllers import scheduler as sched
from kstate.controllers.actions import Bind, RecordEvent, Result, SetMemory, ref_of
from kstate.resources.meta import OwnerReference


def _pod(name, cpu="100m", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "x"}},
            "spec": {"containers": [{"name": "app", "image": "nginx",
                                     "resources": {"requests": {"cpu": cpu}}}], **spec}}


def _cluster(nodes: int):
    c = kstate.Cluster(nodes=nodes, seed=3, cluster_cidr="10.0.0.0/8")
    # uneven usage: some nodes hold pods already, so scores differ and ties vary
    c.apply([_pod(f"busy-{i}", cpu="500m", nodeName=f"node-{i % nodes}") for i in range(0, nodes, 3)])
    c.advance("0s")
    return c


@pytest.mark.parametrize("nodes", [5, 150])
def test_bare_path_answers_as_the_general_path(nodes):
    c = _cluster(nodes)
    c.apply([_pod(f"p-{i}", cpu=f"{100 + 50 * (i % 4)}m") for i in range(12)]
            + [_pod("pinned", nodeSelector={"kubernetes.io/hostname": "node-1"})])
    engine = c.engine
    bare = 0
    for i in range(12):
        obs = sched.observe_scheduler(engine, ("default", f"p-{i}"))
        assert obs.inputs is sched.PLAIN and sched.bare_spec(obs.pod)
        for start in (0, 1, nodes - 1, 7919):
            o = attrs.evolve(obs, next_start=start)
            # an equal PluginInputs that is not PLAIN itself: the general path answers
            general = sched.reconcile_scheduler(attrs.evolve(o, inputs=sched.PluginInputs(ns_labels={})), 0)
            assert sched.reconcile_scheduler(o, 0) == general
            assert type(general.actions[1]) is Bind
            bare += 1
    assert bare == 48
    assert not sched.bare_spec(engine.get("Pod", "default", "pinned"))


def test_bound_builds_what_the_constructors_build():
    c = _cluster(3)
    c.apply(_pod("a"))
    pod = c.engine.get("Pod", "default", "a")
    got = sched._bound(pod, "node-2", 17)
    want = Result((
        SetMemory(sched.NAME, "next_start", 17),
        Bind("default", "a", pod.metadata.uid, "node-2"),
        RecordEvent(ref_of(pod), "Scheduled", "Successfully assigned default/a to node-2", "Normal", sched.NAME),
    ))
    assert got == want
    assert repr(got) == repr(want)


def _inputs_both_ways(engine, pod):
    cache = engine.index(sched.SCHEDULER_CACHE)
    return sched.gather_inputs(engine, cache, pod), sched.gather_inputs(engine, cache, pod, use_counts=False)


def test_gather_inputs_early_plain_answers_as_the_walks():
    """gather_inputs' early PLAIN (no terms, constraints, Service or owner)
    against the walks it skips (use_counts False takes them): the PDBs a
    positive priority needs, an owner, a Service selecting the pod."""
    c = _cluster(3)
    c.apply(_pod("a"))
    engine = c.engine
    pod = engine.get("Pod", "default", "a")
    fast, walked = _inputs_both_ways(engine, pod)
    assert fast is sched.PLAIN and fast == walked
    c.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb"},
             "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}}})
    urgent = attrs.evolve(pod, spec=attrs.evolve(pod.spec, priority=5))
    fast, walked = _inputs_both_ways(engine, urgent)
    assert fast.pdbs and fast == walked
    c.apply({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
             "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "x"}},
                      "template": {"metadata": {"labels": {"app": "x"}},
                                   "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}})
    rs = engine.get("ReplicaSet", "default", "rs")
    owned = attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, owner_references=(
        OwnerReference(api_version="apps/v1", kind="ReplicaSet", name="rs", uid=rs.metadata.uid, controller=True),)))
    fast, walked = _inputs_both_ways(engine, owned)
    # the owner's default spreading: counted by the cache (use_counts) or walked, the same constraints
    assert fast.system_default and fast.soft and fast.soft == walked.soft and fast.soft_counts is not None
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
             "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}})
    fast, walked = _inputs_both_ways(engine, pod)
    # the Service's default spreading: counted by the cache (use_counts) or walked, the same constraints
    assert fast.system_default and fast.soft and fast.soft == walked.soft and fast.soft_counts is not None

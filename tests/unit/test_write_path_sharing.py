"""Issue 12's write-path wins that change no behaviour, only how many objects
a run makes: bound specs shared per (template spec, node), flyweight
conditions, and Engine.create's one copy with the resourceVersion each
object had before."""
import attrs

import kstate
from kstate.kinds.core import bound_spec
from kstate.registry import REGISTRY
from kstate.resources.meta import Condition, condition, set_condition


def _pods(n, nodes=2):
    """n pods made from one parsed template, as controllers and generators make them."""
    (tpl,) = kstate.parse_manifests([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "t"},
                                      "spec": {"containers": [{"name": "app", "image": "nginx"}]}}])
    c = kstate.Cluster(nodes=nodes, seed=0)
    c.apply([attrs.evolve(tpl, metadata=attrs.evolve(tpl.metadata, name=f"pod-{i}")) for i in range(n)])
    c.run_until_stable()
    return c, c.list("pods")


def test_pods_of_one_template_on_one_node_share_their_bound_spec():
    c, pods = _pods(8)
    by_node = {}
    for p in pods:
        by_node.setdefault(p.spec.node_name, set()).add(id(p.spec))
    assert len(by_node) == 2 and all(len(ids) == 1 for ids in by_node.values())
    a, b = (next(p for p in pods if p.spec.node_name == n) for n in sorted(by_node))
    assert a.spec is not b.spec and attrs.evolve(a.spec, node_name=b.spec.node_name) == b.spec
    # the io round trip is the pod's own: the manifest says its node
    back = kstate.parse_manifests([kstate.to_manifest(a)])[0]
    assert back.spec == a.spec and back.spec.node_name == a.spec.node_name


def test_bound_spec_is_the_evolved_spec_and_is_memoised_by_identity():
    c, pods = _pods(1)
    spec = attrs.evolve(pods[0].spec, node_name="")
    one = bound_spec(spec, "node-9")
    assert one == attrs.evolve(spec, node_name="node-9")
    assert bound_spec(spec, "node-9") is one
    equal_copy = attrs.evolve(spec)
    assert bound_spec(equal_copy, "node-9") == one       # an equal spec that is another object: a fresh copy
    assert bound_spec(spec, "node-8").node_name == "node-8"


def test_equal_conditions_are_one_object():
    a = condition("Ready", "True", "", "", 1000)
    assert a is condition("Ready", "True", "", "", 1000)
    assert a == Condition("Ready", "True", last_transition_time=1000)
    assert condition("Ready", "True", "", "", 2000) is not a
    conds = set_condition((), Condition("PodScheduled", "True"), 5000)
    again = set_condition((), Condition("PodScheduled", "True"), 5000)
    assert conds[0] is again[0] and conds[0].last_transition_time == 5000
    # a condition with other times is not shared, only evolved
    hb = set_condition((), Condition("Ready", "True", last_heartbeat_time=7), 5000)[0]
    assert hb.last_heartbeat_time == 7 and hb.last_transition_time == 5000


def test_a_run_holds_few_condition_objects():
    c, pods = _pods(20)
    assert {c.type for p in pods for c in p.status.conditions} == {
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"}
    assert len({id(x) for p in pods for x in p.status.conditions}) == 5


def test_created_objects_take_consecutive_resource_versions():
    c = kstate.Cluster(nodes=0, seed=0)
    before = c.engine._rv
    a = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    b = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})
    assert (a.metadata.resource_version, b.metadata.resource_version) == (str(before + 1), str(before + 2))
    assert a.metadata.creation_timestamp == c.engine.now and a.metadata.uid


def test_a_strategy_that_takes_a_resource_version_numbers_the_object_after_it(monkeypatch):
    spec = REGISTRY.kind("ConfigMap")
    taken = []

    def prepare(obj, api):
        taken.append(api._next_rv())          # as a strategy that wrote something would
        return spec.prepare_create(obj, api)

    monkeypatch.setitem(REGISTRY.kinds, "ConfigMap", attrs.evolve(spec, prepare_create=prepare))
    c = kstate.Cluster(nodes=0, seed=0)
    before = c.engine._rv
    a = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    assert taken == [str(before + 1)]
    assert a.metadata.resource_version == str(before + 2)
    assert c.get("ConfigMap", "a").metadata.resource_version == str(before + 2)


def test_a_drained_run_gives_back_its_workqueue_and_timer_tables():
    import sys
    c, pods = _pods(400)
    eng = c._engine
    assert len(pods) == 400 and not eng._queued
    assert sys.getsizeof(eng._queued) == sys.getsizeof(set())
    assert sys.getsizeof(eng._waiting) <= 4096 + 128 * len(eng._waiting)


def test_shrinking_the_timer_table_keeps_its_keys_in_their_order():
    import sys
    c, _ = _pods(4)
    eng = c._engine
    eng._waiting = {("ctrl", i): 10_000 + i for i in range(3000)}
    for i in range(3000):
        if i % 50:
            del eng._waiting[("ctrl", i)]
    kept = list(eng._waiting.items())
    big = sys.getsizeof(eng._waiting)
    eng._shrink_tables()
    assert list(eng._waiting.items()) == kept
    assert sys.getsizeof(eng._waiting) < big / 10


def test_a_write_is_the_evolved_object_with_the_next_resource_version():
    import pytest
    from kstate.resources.frozen import evolve
    c, pods = _pods(2)
    eng = c._engine
    pod = pods[0]
    rv = eng._rv
    status = evolve(pod.status, message="m")
    got = eng.replace(pod, "status", "x", status=status)
    assert repr(got) == repr(attrs.evolve(pod, metadata=attrs.evolve(pod.metadata, resource_version=str(rv + 1)),
                                          status=status))
    got = eng.replace(got, "update", "y", spec=pod.spec, status=pod.status)
    assert got.metadata.resource_version == str(rv + 2) and got.status is pod.status and got.spec is pod.spec
    for bad in ({"metadata": pod.metadata}, {"nope": 1}):
        with pytest.raises(TypeError):
            eng.replace(got, "update", "z", **bad)

"""Status writes skip the informer handlers that declare `ignores_status`
(kstate.registry.Watch, IndexHandler): `Engine._on_status_change` runs the
update's handlers but those, which promise to map a change of the status
alone to nothing and to change nothing.

The property drives two identical clusters with the same random pod
histories — creates and general updates (labels, owner references that
resolve or not, finalizers, deletion marks, scheduling gates, ConfigMap
references, claims, a node that exists or not) mixed with status writes
(a copy of the stored pod with another status and resourceVersion: the same
spec object and metadata fields, as `Engine._apply_update_status` writes
it) — one through the engine's dispatch, status writes through
`_on_status_change`, one through the plain definition (every handler of the
change called: test_informer_dispatch.plain_on_change), and asks after each
change for the same keys in the same order and the same index contents. So
every declared handler is checked against every status change the
strategies make; a wrong declaration is caught (the last tests)."""
from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstate import Cluster
from kstate.controllers import disruption
from kstate.indexes import KUBELET_ADMISSION
from kstate.registry import REGISTRY
from kstate.resources.frozen import FrozenDict, deep_freeze
from kstate.resources.meta import ObjectMeta, OwnerReference, condition
from kstate.resources.pod import Container, Pod, PodSpec, PodStatus
from tests.properties.test_informer_dispatch import _indexes, plain_on_change, recording

_RS = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: w, namespace: default}
spec: {replicas: 0, selector: {matchLabels: {app: a}}, template: {metadata: {labels: {app: a}},
       spec: {containers: [{name: c, image: x}]}}}
"""

_C = Container(name="c", image="x")
#: spec shapes: plain; scheduling gates; a ConfigMap env reference; a claim.
SPECS = (
    {},
    {"schedulingGates": [{"name": "g"}]},
    {"volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "claim"}}]},
)
_ENV = deep_freeze({"env": [{"name": "E", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}]})
#: owner references: none; the stored ReplicaSet; a uid nothing has (a virtual owner for the GC).
OWNERS = ((), (OwnerReference(api_version="apps/v1", kind="ReplicaSet", name="w", uid="uid-rs", controller=True),),
          (OwnerReference(api_version="v1", kind="ConfigMap", name="gone", uid="uid-gone"),))
FINALIZERS = ((), ("example.com/hold",), ("foregroundDeletion",), ("orphan", "example.com/hold"))

versions = st.fixed_dictionaries({
    "labels": st.sampled_from(({}, {"app": "a"})),
    "owners": st.integers(0, len(OWNERS) - 1),
    "finalizers": st.integers(0, len(FINALIZERS) - 1),
    "deleting": st.booleans(),
    "spec": st.integers(0, len(SPECS) - 1),
    "env": st.booleans(),
    "node": st.sampled_from(("", "node-0", "node-9")),
})
#: what a status write may set: phase and lifecycle state, conditions (the
#: disruption controller's DisruptionTarget, Ready), a nominated node, an IP.
statuses = st.builds(
    lambda phase, conds, nominated, ip: PodStatus(
        phase=phase[0], state=phase[1], conditions=tuple(condition(t, s) for t, s in conds),
        nominated_node_name=nominated, pod_ip=ip),
    st.sampled_from((("Pending", "Pending"), ("Pending", "ContainerCreating"), ("Running", "Running"),
                     ("Succeeded", "Succeeded"), ("Failed", "Failed"))),
    st.lists(st.sampled_from((("DisruptionTarget", "True"), ("Ready", "True"), ("Ready", "False"))),
             max_size=2, unique_by=lambda c: c[0]),
    st.sampled_from(("", "node-0")),
    st.sampled_from(("", "10.0.0.5")))

steps = st.lists(st.tuples(st.sampled_from(("p0", "p1")),
                           st.one_of(st.tuples(st.just("put"), versions), st.tuples(st.just("status"), statuses),
                                     st.tuples(st.just("status"), statuses), st.just(("remove",)))),
                 min_size=1, max_size=14)


def _pod(name: str, v: dict, status: PodStatus) -> Pod:
    meta = ObjectMeta(name=name, namespace="default", uid=f"uid-{name}", labels=FrozenDict(v["labels"]),
                      owner_references=OWNERS[v["owners"]], finalizers=FINALIZERS[v["finalizers"]],
                      deletion_timestamp=5 if v["deleting"] else None, resource_version="1")
    spec = PodSpec(containers=(attrs.evolve(_C, extra=_ENV) if v["env"] else _C,), node_name=v["node"],
                   extra=deep_freeze(SPECS[v["spec"]]))
    return Pod(metadata=meta, spec=spec, status=status)


def _cluster(controllers=None):
    c = Cluster(nodes=1, seed=3, controllers=controllers)
    c.apply(_RS)
    return recording(c)


def _drive(eng, log, history, gated: bool) -> list:
    """Each step's keys and the indexes after it."""
    current: dict = {}
    seen, rv = [], 1
    for name, op in history:
        old = current.get(name)
        rv += 1
        if op[0] == "remove":
            if old is None:
                continue
            new = None
            eng.store.remove("Pod", "default", name)
            del current[name]
        elif op[0] == "put":
            new = _pod(name, op[1], old.status if old is not None else PodStatus())
        elif old is None:
            continue
        else:
            new = attrs.evolve(old, metadata=attrs.evolve(old.metadata, resource_version=str(rv)), status=op[1])
        if new is not None:
            eng.store.put(new)
            current[name] = new
        del log[:]
        if gated and op[0] == "status":
            eng._on_status_change(old, new)
        elif gated:
            eng._on_change(old, new)
        else:
            plain_on_change(eng, old, new)
        seen.append((op[0], list(log), _indexes(eng)))
    return seen


def _assert_same(history, controllers=None) -> None:
    gated, plain = _cluster(controllers), _cluster(controllers)
    assert _drive(*gated, history, gated=True) == _drive(*plain, history, gated=False)


@given(history=steps)
def test_status_writes_skip_only_handlers_with_nothing_to_do(history):
    _assert_same(history)


_BOUND = {"labels": {"app": "a"}, "owners": 2, "finalizers": 2, "deleting": True, "spec": 2, "env": True,
          "node": "node-0"}
_GATED = dict(_BOUND, spec=1, node="", deleting=False)


@pytest.mark.parametrize("version", [_BOUND, _GATED, dict(_BOUND, node="node-9", owners=1, finalizers=3)])
def test_chosen_status_writes(version):
    """A pod whose every gated handler has state (a reference, a claim, an
    unresolved owner, a GC finalizer while deleting, scheduling gates)
    through the status writes of a kubelet's lifecycle."""
    history = [("p0", ("put", version))]
    for status in (PodStatus(state="ContainerCreating"),
                   PodStatus(phase="Running", state="Running", conditions=(condition("Ready", "True"),)),
                   PodStatus(phase="Running", state="Running", conditions=(condition("DisruptionTarget", "True"),)),
                   PodStatus(phase="Succeeded", state="Succeeded")):
        history.append(("p0", ("status", status)))
    _assert_same(history)


def _declared(wrong):
    """The controllers with watch map `wrong` declared `ignores_status`."""
    base = Cluster(nodes=1, seed=3).engine.controllers
    return {name: ctrl._replace(watches=tuple(attrs.evolve(w, ignores_status=True) if w.map is wrong else w
                                              for w in ctrl.watches))
            for name, ctrl in base.items()}


def test_a_wrong_watch_declaration_is_caught():
    """The disruption controller's stale-condition watch reads the status: declared
    `ignores_status`, a status write that adds a DisruptionTarget condition loses its key."""
    history = [("p0", ("put", dict(_BOUND, deleting=False))),
               ("p0", ("status", PodStatus(conditions=(condition("DisruptionTarget", "True"),))))]
    _assert_same(history)
    with pytest.raises(AssertionError):
        _assert_same(history, _declared(disruption.watch_pods_stale))


def test_a_wrong_index_declaration_is_caught(monkeypatch):
    """The kubelets' admission totals follow the status (admitted or not): declared
    `ignores_status`, a status write that admits a pod leaves them behind."""
    history = [("p0", ("put", dict(_BOUND, deleting=False))),
               ("p0", ("status", PodStatus(phase="Running", state="Running")))]
    _assert_same(history)
    spec = REGISTRY.indexes[KUBELET_ADMISSION]
    monkeypatch.setitem(REGISTRY.indexes, KUBELET_ADMISSION, attrs.evolve(
        spec, handlers=tuple(attrs.evolve(h, ignores_status=True) for h in spec.handlers)))
    with pytest.raises(AssertionError):
        _assert_same(history)

"""The engine's compiled informer dispatch (Engine._compile_handlers) against
the plain definition: every index handler and watch of the changed kind, in
declared order, each called and its keys enqueued.

The dispatch skips a watch that declares `requires` / `requires_index`
(kstate.registry.Watch) when neither an object of those kinds is stored nor
the old or new object names one as an owner (resp. the index is empty). The
property below drives two identical clusters with the same random pod
changes — bare, owned by each workload kind (stored or gone), orphans whose
labels a stored selector matches (adoption), label and owner changes,
deletions — one through `Engine._on_change`, one through the plain loop, and
asks for the same keys in the same order and the same index contents.
"""
from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstate import Cluster
from kstate.controllers import daemonset, disruption, endpoints, job, replicaset, statefulset
from kstate.indexes import SchedulerCache
from kstate.resources.frozen import FrozenDict
from kstate.resources.meta import ObjectMeta, OwnerReference
from kstate.resources.pod import Container, Pod, PodSpec, PodStatus

_TEMPLATE = "template: {metadata: {labels: {app: a}}, spec: {containers: [{name: c, image: x}]}}"

#: one manifest per stored workload the cluster may hold; each selects app=a.
WORKLOADS = {
    "ReplicaSet": f"""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: w, namespace: default}}
spec: {{replicas: 1, selector: {{matchLabels: {{app: a}}}}, {_TEMPLATE}}}
""",
    # a ReplicaSet a gone Deployment controls (deployment.watch_pods follows the reference)
    "OwnedReplicaSet": f"""
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: w
  namespace: default
  ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: d, uid: uid-d, controller: true}}]
spec: {{replicas: 1, selector: {{matchLabels: {{app: a}}}}, {_TEMPLATE}}}
""",
    "ReplicationController": f"""
apiVersion: v1
kind: ReplicationController
metadata: {{name: w, namespace: default}}
spec: {{replicas: 1, selector: {{app: a}}, {_TEMPLATE}}}
""",
    "DaemonSet": f"""
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: w, namespace: default}}
spec: {{selector: {{matchLabels: {{app: a}}}}, {_TEMPLATE}}}
""",
    "StatefulSet": f"""
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: w, namespace: default}}
spec: {{serviceName: sts, replicas: 1, selector: {{matchLabels: {{app: a}}}}, {_TEMPLATE}}}
""",
    "Job": """
apiVersion: batch/v1
kind: Job
metadata: {name: w, namespace: default}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}
""",
    "PodDisruptionBudget": """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: default}
spec: {minAvailable: 1, selector: {matchLabels: {app: a}}}
""",
    "Service": """
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: default}
spec: {selector: {app: a}, ports: [{port: 80}]}
""",
}

def _ref(kind: str, name: str = "w", controller=True) -> OwnerReference:
    return OwnerReference(api_version="v1", kind=kind, name=name, uid=f"uid-{kind}-{name}", controller=controller)


#: a pod's owner references: none; controlled by each workload kind's stored
#: object ("w") or by a gone one; a non-controller reference; two references.
OWNERS = ((), (_ref("ReplicaSet"),), (_ref("ReplicationController"),), (_ref("DaemonSet"),),
          (_ref("StatefulSet"),), (_ref("Job"),), (_ref("ReplicaSet", "gone"),), (_ref("Deployment"),),
          (_ref("Node"),), (_ref("ReplicaSet", controller=None),),
          (_ref("Job", controller=None), _ref("DaemonSet", "gone")))

owner_refs = st.sampled_from(OWNERS)
LABELS = ({}, {"app": "a"}, {"app": "b"}, {"app": "a", "tier": "x"})

pod_versions = st.fixed_dictionaries({
    "labels": st.sampled_from(LABELS),
    "owners": owner_refs,
    "node": st.sampled_from(("", "node-0", "node-1")),
    "phase": st.sampled_from(("Pending", "Running", "Succeeded")),
    "deleting": st.booleans(),
})

#: ((pod name, namespace), version or None for a delete)
changes = st.lists(st.tuples(st.sampled_from((("p0", "default"), ("p1", "default"), ("p0", "kube-system"))),
                             st.one_of(st.none(), pod_versions)), min_size=1, max_size=12)


def _pod(name: str, namespace: str, v: dict) -> Pod:
    meta = ObjectMeta(name=name, namespace=namespace, uid=f"uid-pod-{namespace}-{name}", labels=FrozenDict(v["labels"]),
                      owner_references=v["owners"], deletion_timestamp=5 if v["deleting"] else None)
    return Pod(metadata=meta, spec=PodSpec(containers=(Container(name="c", image="x"),), node_name=v["node"]),
               status=PodStatus(phase=v["phase"]))


def plain_on_change(eng, old, new) -> None:
    """Engine._on_change as defined: every index handler and watch of the
    changed kind (or "*") for this event, sorted by order then registration,
    each called — nothing routed, nothing skipped."""
    obj = new if new is not None else old
    event = "add" if old is None else "delete" if new is None else "update"
    entries, seq = [], 0
    for spec in eng.registry.indexes.values():
        for h in spec.handlers:
            entries.append((h.order, seq, h.kind, h.events, True, spec.name, h.fn, 0))
            seq += 1
    for ctrl in eng.controllers.values():
        for w in ctrl.watches:
            entries.append((w.order, seq, w.kind, w.events, False, ctrl.name, w.map, w.delay))
            seq += 1
    enqueue = eng._enqueue_late if eng._latency else eng.enqueue
    for _, _, kind, events, index, name, fn, delay in sorted(entries, key=lambda e: e[:2]):
        if kind not in (obj.KIND, "*") or event not in events:
            continue
        if index:
            for ctrl, key in fn(eng.indexes[name], old, new, eng) or ():
                enqueue(ctrl, key)
            continue
        out = fn(old, new, eng)
        if out:
            if delay:
                d = delay(old, new, eng) if callable(delay) else delay
                for key in out:
                    eng.enqueue_after(name, key, d)
            else:
                for key in out:
                    enqueue(name, key)
    if event == "delete" and obj.metadata.namespace and eng.registry.kind(obj.KIND).namespaced:
        eng.maybe_finish_namespace(obj.metadata.namespace)


def recording(c: Cluster) -> tuple:
    """(the cluster's engine, a log): every key its handlers enqueue from now
    on is appended to the log ("now", "late" or "after" with the delay)
    instead of queued, so two engines' dispatches can be compared."""
    eng = c.engine
    log: list = []
    eng.enqueue = lambda ctrl, key: log.append(("now", ctrl, key))
    eng._enqueue_late = lambda ctrl, key: log.append(("late", ctrl, key))
    eng.enqueue_after = lambda ctrl, key, d: log.append(("after", ctrl, key, d))
    return eng, log


def _cluster(stored: list, latency: bool):
    c = Cluster(nodes=1, seed=3)
    if stored:
        c.apply("---".join(WORKLOADS[k] for k in stored))
    eng, log = recording(c)
    if latency:
        eng._latency = {"*": 10}
    return eng, log


def _indexes(eng) -> dict:
    out = {}
    for name, state in eng.indexes.items():
        if isinstance(state, SchedulerCache):
            state = (state.usage, state.unschedulable, state.pods, state.affinity_pods, state.spread_sets.keys())
        out[name] = state if isinstance(state, (dict, tuple)) else repr(state)
    return out


def _drive(eng, on_change, steps) -> None:
    current: dict = {}
    for (name, ns), version in steps:
        old = current.get((ns, name))
        new = _pod(name, ns, version) if version is not None else None
        if old is None and new is None:
            continue
        if new is None:
            eng.store.remove("Pod", ns, name)
            del current[(ns, name)]
        else:
            eng.store.put(new)
            current[(ns, name)] = new
        on_change(eng, old, new)


#: which workloads the cluster holds: none (a watch's gate open only by an
#: owner reference), each kind alone, or all of them (every gate open by presence).
STORED = [[], *([k] for k in sorted(WORKLOADS)), sorted(set(WORKLOADS) - {"OwnedReplicaSet"}),
          sorted(set(WORKLOADS) - {"ReplicaSet"})]
stored_workloads = st.sampled_from(STORED)


def _assert_same(stored: list, steps: list, latency: bool) -> None:
    """The same changes through Engine._on_change and through plain_on_change
    enqueue the same keys in the same order and leave the same indexes."""
    routed, routed_log = _cluster(stored, latency)
    plain, plain_log = _cluster(stored, latency)
    _drive(routed, type(routed)._on_change, steps)
    _drive(plain, plain_on_change, steps)
    assert routed_log == plain_log
    assert _indexes(routed) == _indexes(plain)


@given(stored=stored_workloads, steps=changes, latency=st.booleans())
def test_compiled_dispatch_enqueues_what_every_handler_would(stored, steps, latency):
    _assert_same(stored, steps, latency)


#: every owner choice with every label set, bound or not.
VERSIONS = [{"labels": labels, "owners": owners, "node": node, "phase": "Running", "deleting": False}
            for labels in LABELS for owners in OWNERS for node in ("", "node-0")]


@pytest.mark.parametrize("stored", STORED)
def test_every_owner_and_label_case(stored):
    """The property's cases, exhaustively where the routing looks: each
    stored set × each version added, changed into another one (its owners,
    labels or node changed; 7 is prime to the count, so every version is
    also changed into and deleted), and deleted."""
    steps = []
    for i, v in enumerate(VERSIONS):
        key = ("p0", "default") if i % 4 else ("p1", "kube-system")
        steps += [(key, v), (key, VERSIONS[(7 * i + 3) % len(VERSIONS)]), (key, None)]
    _assert_same(stored, steps, latency=False)


def test_a_bare_pod_calls_no_workload_watch():
    """What the routing is for: with no workload stored, a bare pod's change
    does not call the workload controllers' pod watches (nor the endpoints
    controllers', no Service selecting pods)."""
    called: list = []
    skipped = {replicaset.watch_pods, daemonset.watch_owned, statefulset.watch_owned, job.watch_pods,
               disruption.watch_pods, endpoints.watch_pods}

    def spy(fn):
        def watch(old, new, view):
            called.append(fn.__module__ + "." + fn.__name__)
            return fn(old, new, view)
        return watch

    base = Cluster(nodes=1, seed=3)
    controllers = {name: ctrl._replace(watches=tuple(attrs.evolve(w, map=spy(w.map)) if w.map in skipped else w
                                                     for w in ctrl.watches))
                   for name, ctrl in base.engine.controllers.items()}
    c = Cluster(nodes=1, seed=3, controllers=controllers)
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: a}}\n"
            "spec: {containers: [{name: c, image: x}]}\n")
    c.run_until_stable(timeout="1m")
    assert c.get("Pod", "p").status.phase == "Running"
    assert called == []
    c.apply(WORKLOADS["ReplicaSet"])
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: q, labels: {app: a}}\n"
            "spec: {containers: [{name: c, image: x}]}\n")
    assert "kstate.controllers.replicaset.watch_pods" in called

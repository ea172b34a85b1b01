"""The declared pod indexes' early exits (kstate.indexes: the scheduler
cache, the kubelets' admission totals, the pods by ConfigMap/Secret and by
claim) against their plain definitions: the general paths those handlers had
before the exits, kept here as the reference.

The exits rest on each index holding the pod as the store last held it, so
the property drives both with the same random histories of a few pods —
creates with or without a node, binds (a new spec object), status writes
that keep the spec and labels objects (with a new or the same metadata),
terminal phases, relabels (a new labels object, also with equal contents),
deletion marks, removals, pods parked as unschedulable (others, or the
pod itself before its bind) — and asks after
every change for the same enqueued keys and the same index contents,
down to which pod object the cache holds.
"""
from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstate import Cluster
from kstate.controllers import configrefs
from kstate.controllers import scheduler as sched
from kstate.controllers import volumes as volumes_ctl
from kstate.indexes import (KUBELET_ADMISSION, POD_CONFIG_REFS, PODS_BY_CLAIM, SCHEDULER_CACHE, SchedulerCache,
                            _admission_on_pod, _cache_on_pod, _claims_on_pod, _config_refs_on_pod, _placement)
from kstate.resources.frozen import FrozenDict, deep_freeze
from kstate.resources.meta import ObjectMeta
from kstate.resources.pod import (TERMINAL_PHASES, Affinity, Container, ContainerPort, Pod, PodSpec, PodStatus,
                                  is_admitted)


# -- the plain definitions (the handlers' general paths, without early exits)

def plain_cache_on_pod(cache: SchedulerCache, old, new, api) -> list:
    m = (new if new is not None else old).metadata
    key = (m.namespace, m.name)
    out: list = []
    counted = cache.usage.get(key)
    should = new is not None and new.spec.node_name and new.status.phase not in TERMINAL_PHASES
    if counted is not None and (not should or counted[0] != new.spec.node_name):
        cache.table.add_usage(counted[0], counted[1], -1)
        cache._count(key, counted[0], cache.pods.get(counted[0], {}).get(key, old), -1)
        del cache.usage[key]
        counted = None
        out = cache.retry_unschedulable()
    if should and counted is None:
        key = api.member("Pod", m.namespace, m.name)
        req = sched.pod_requests(new)
        cache.table.add_usage(new.spec.node_name, req)
        cache.usage[key] = _placement(new.spec.node_name, req)
        cache._count(key, new.spec.node_name, new, 1)
        if cache.unschedulable:
            out = out + cache.retry_unschedulable(relational_only=True)
    elif should:
        node = new.spec.node_name
        if old is None or old.metadata is not new.metadata:
            was = cache.pods.get(node, {}).get(key, old)
            respread = (was.metadata.labels is not new.metadata.labels
                        or (was.metadata.deletion_timestamp is None) != (new.metadata.deletion_timestamp is None))
            if not respread and was.spec is new.spec:
                cache.pods[node][key] = new
                hit = cache.affinity_pods.get(key)
                if hit is not None:
                    cache.affinity_pods[key] = (node, new, hit[2])
            else:
                cache._count(key, node, was, -1, respread)
                cache._count(api.member("Pod", m.namespace, m.name), node, new, 1, respread)
            if old is not None and old.metadata.deletion_timestamp is None and new.metadata.deletion_timestamp:
                out = cache.retry_unschedulable()
        else:
            cache.pods[node][key] = new
    if new is None or new.spec.node_name:
        cache.unschedulable.pop(key, None)
    return out


def plain_admission_on_pod(state: dict, old, new, api) -> list:
    m = (new if new is not None else old).metadata
    key = (m.namespace, m.name)
    totals, by_pod = state["totals"], state["by_pod"]
    admitted = by_pod.get(key)
    now_admitted = (new is not None and bool(new.spec.node_name) and new.status.phase not in TERMINAL_PHASES
                    and is_admitted(new))
    if admitted is not None and (not now_admitted or admitted[0] != new.spec.node_name):
        tot = totals[admitted[0]]
        tot[0] -= admitted[1].cpu
        tot[1] -= admitted[1].memory
        tot[2] -= 1
        del by_pod[key]
        admitted = None
    if now_admitted and admitted is None:
        req = sched.pod_requests(new)
        tot = totals.setdefault(new.spec.node_name, [0, 0, 0])
        tot[0] += req.cpu
        tot[1] += req.memory
        tot[2] += 1
        by_pod[api.member("Pod", m.namespace, m.name)] = _placement(new.spec.node_name, req)
    return []


def plain_config_refs_on_pod(state: dict, old, new, api) -> list:
    obj = new if new is not None else old
    key = (obj.metadata.namespace, obj.metadata.name)
    by_ref, by_pod = state["by_ref"], state["by_pod"]
    want = frozenset() if new is None else frozenset(
        (kind, key[0], name) for kind, name in configrefs.pod_refs(new))
    have = by_pod.get(key, frozenset())
    for ref in have - want:
        pods = by_ref[ref]
        pods.discard(key)
        if not pods:
            del by_ref[ref]
    for ref in want - have:
        by_ref.setdefault(ref, set()).add(key)
    if want:
        by_pod[key] = want
    else:
        by_pod.pop(key, None)
    return []


def plain_claims_on_pod(state: dict, old, new, api) -> list:
    for pod, add in ((old, False), (new, True)):
        if pod is None:
            continue
        pending = add and not pod.spec.node_name
        for claim in volumes_ctl.pod_claim_names(pod):
            key = (pod.metadata.namespace, claim)
            pods = state.setdefault(key, set())
            if pending:
                pods.add((pod.metadata.namespace, pod.metadata.name))
            else:
                pods.discard((pod.metadata.namespace, pod.metadata.name))
            if not pods:
                del state[key]
    return []


#: index name → (handler under test, plain definition)
HANDLERS = {
    SCHEDULER_CACHE: (_cache_on_pod, plain_cache_on_pod),
    KUBELET_ADMISSION: (_admission_on_pod, plain_admission_on_pod),
    POD_CONFIG_REFS: (_config_refs_on_pod, plain_config_refs_on_pod),
    PODS_BY_CLAIM: (_claims_on_pod, plain_claims_on_pod),
}

# -- the pods' histories

_ANTI = Affinity(extra=deep_freeze({"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app": "a"}}, "topologyKey": "kubernetes.io/hostname"}]}}))
_PLAIN = (Container(name="c", image="x"),)
#: spec shapes: plain; a host port; pod anti-affinity; a ConfigMap env ref; a claim.
SPECS = (
    PodSpec(containers=_PLAIN),
    PodSpec(containers=(Container(name="c", image="x", ports=(ContainerPort(80, host_port=8080),)),)),
    PodSpec(containers=_PLAIN, affinity=_ANTI),
    PodSpec(containers=(Container(name="c", image="x", extra=deep_freeze(
        {"env": [{"name": "E", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}]})),)),
    PodSpec(containers=_PLAIN, extra=deep_freeze(
        {"volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "claim"}}]})),
)
LABELS = (FrozenDict({"app": "a"}), FrozenDict({"app": "b"}))
NODES = ("", "node-0", "node-1")
#: (phase, kstate state) pairs a kubelet writes, terminal ones included.
STATUSES = (("Pending", "Pending"), ("Pending", "Scheduled"), ("Pending", "ContainerCreating"),
            ("Running", "Running"), ("Running", "Terminating"), ("Succeeded", "Succeeded"), ("Failed", "Failed"),
            # admitted states in a terminal phase and back (the admission index's early exit reads both phases)
            ("Running", "Terminated"), ("Failed", "Terminated"), ("Running", "CrashLoopBackOff"))

ops = st.one_of(
    st.tuples(st.just("create"), st.integers(0, len(SPECS) - 1), st.integers(0, len(LABELS) - 1),
              st.sampled_from(NODES)),
    st.tuples(st.just("bind"), st.sampled_from(NODES[1:])),
    st.tuples(st.just("status"), st.integers(0, len(STATUSES) - 1), st.booleans()),
    st.tuples(st.just("relabel"), st.integers(0, len(LABELS) - 1), st.booleans()),
    st.tuples(st.just("delete-mark"), st.booleans()),
    st.tuples(st.just("remove")),
    st.tuples(st.just("park")),
    st.tuples(st.just("park"), st.just("self")),    # the pod itself parked, as the scheduler parks it
)
histories = st.lists(st.tuples(st.sampled_from(("p0", "p1")), ops), min_size=1, max_size=25)


def _next(cur, op, name: str):
    """The pod after `op` (None when removed), or `cur` itself when the op does not apply."""
    kind = op[0]
    if kind == "create":
        if cur is not None:
            return cur
        spec = attrs.evolve(SPECS[op[1]], node_name=op[3])
        return Pod(metadata=ObjectMeta(name=name, namespace="default", uid=f"uid-{name}", labels=LABELS[op[2]]),
                   spec=spec)
    if cur is None:
        return None
    m = cur.metadata
    if kind == "bind":
        return attrs.evolve(cur, spec=attrs.evolve(cur.spec, node_name=op[1]))
    if kind == "status":
        phase, state = STATUSES[op[1]]
        meta = attrs.evolve(m, resource_version=m.resource_version + "1") if op[2] else m
        return attrs.evolve(cur, metadata=meta, status=attrs.evolve(cur.status, phase=phase, state=state))
    if kind == "relabel":
        labels = LABELS[op[1]] if op[2] else FrozenDict(m.labels)   # another object, maybe equal
        return attrs.evolve(cur, metadata=attrs.evolve(m, labels=labels))
    if kind == "delete-mark":
        return attrs.evolve(cur, metadata=attrs.evolve(m, deletion_timestamp=7 if op[1] else None))
    return None     # remove


def _cache_contents(cache: SchedulerCache) -> tuple:
    spread = {k: (v.by_node, v.by_zone, v.total) for k, v in cache.spread_sets.items()}
    return (cache.usage, cache.unschedulable, {n: {k: id(p) for k, p in on.items()} for n, on in cache.pods.items()},
            {k: (n, id(p), a) for k, (n, p, a) in cache.affinity_pods.items()}, cache.affinity_anchor, cache.ports,
            spread, cache.spread_anchor, cache.table.used_cpu, cache.table.used_mem, cache.table.used_pods)


def _contents(name: str, state) -> object:
    return _cache_contents(state) if isinstance(state, SchedulerCache) else state


#: histories the random ones may miss: a kubelet's lifecycle after a bind;
#: a finished pod written back to a running phase with its spec object kept;
#: equal labels in a new object; an affinity pod's status writes with and
#: without a new metadata; a terminating pod's writes; an admitted pod bound
#: to another node (a new spec, the same status object); the scheduler
#: parking the pod itself before its bind; a finished pod in an admitted
#: state written back to a running phase; a label set's spread counts
#: dropped and begun anew.
TABLE = (
    [("p0", ("create", 1, 0, "node-0")), ("p0", ("status", 3, True)), ("p0", ("bind", "node-1")),
     ("p0", ("status", 3, True)), ("p0", ("status", 5, True))],
    [("p0", ("create", 0, 0, "")), ("p0", ("bind", "node-0")), ("p0", ("status", 1, True)),
     ("p0", ("status", 2, True)), ("p0", ("status", 3, True)), ("p0", ("delete-mark", True)),
     ("p0", ("status", 4, True)), ("p0", ("remove",))],
    [("p1", ("create", 0, 0, "node-1")), ("p0", ("create", 0, 0, "node-0")), ("p0", ("status", 5, True)),
     ("p0", ("status", 3, True)), ("p0", ("status", 6, False)), ("p0", ("status", 2, False))],
    [("p0", ("create", 1, 0, "node-0")), ("p0", ("relabel", 0, False)), ("p0", ("status", 3, True)),
     ("p0", ("relabel", 1, True)), ("p0", ("status", 3, True))],
    [("p0", ("create", 2, 0, "node-0")), ("p0", ("status", 3, False)), ("p0", ("status", 3, True)),
     ("p1", ("park",)), ("p0", ("delete-mark", True)), ("p0", ("status", 3, True)), ("p0", ("delete-mark", False))],
    [("p0", ("create", 4, 0, "")), ("p0", ("create", 3, 1, "")), ("p1", ("create", 3, 1, "")),
     ("p1", ("bind", "node-1")), ("p1", ("status", 3, True)), ("p1", ("remove",)), ("p0", ("remove",))],
    [("p0", ("create", 0, 0, "")), ("p0", ("park", "self")), ("p1", ("park",)), ("p0", ("bind", "node-0"))],
    # an admitted state in a terminal phase (not counted) and back to a running phase in an
    # admitted state on the same node (counted again): the admission exit must read both phases
    [("p0", ("create", 0, 0, "node-0")), ("p0", ("status", 3, True)), ("p0", ("status", 8, True)),
     ("p0", ("status", 7, True)), ("p0", ("status", 8, False)), ("p0", ("status", 9, True))],
    # a label set's counts dropped (its last pod removed) and begun anew by a pod with the same labels
    [("p0", ("create", 0, 0, "node-0")), ("p0", ("remove",)), ("p0", ("create", 0, 0, "node-1")),
     ("p1", ("create", 0, 0, "")), ("p1", ("bind", "node-1"))],
)


@given(history=histories)
def test_pod_index_handlers_match_their_plain_definitions(history):
    _check(history)


@pytest.mark.parametrize("history", TABLE)
def test_pod_index_handlers_on_chosen_histories(history):
    _check(history)


def _check(history) -> None:
    c = Cluster(nodes=2, seed=1)
    eng = c.engine
    real = {name: eng.registry.indexes[name].init() for name in HANDLERS}
    plain = {name: eng.registry.indexes[name].init() for name in HANDLERS}
    for state in (real[SCHEDULER_CACHE], plain[SCHEDULER_CACHE]):
        for node in eng.store.list("Node"):
            state.table.add_node(node)
            state.node_domains(node, 1)
    pods: dict = {}
    for i, (name, op) in enumerate(history):
        old = pods.get(name)
        if op[0] == "park":
            parked = ("default", name) if op[1:] == ("self",) else ("default", f"parked-{i}")
            for state in (real[SCHEDULER_CACHE], plain[SCHEDULER_CACHE]):
                state.unschedulable[parked] = (0, i)
            continue
        new = _next(old, op, name)
        if new is old:
            continue
        if new is None:
            eng.store.remove("Pod", "default", name)
            del pods[name]
        else:
            eng.store.put(new)
            pods[name] = new
        for index, (fn, reference) in HANDLERS.items():
            got, want = fn(real[index], old, new, eng), reference(plain[index], old, new, eng)
            assert got == want, (index, op)
            assert _contents(index, real[index]) == _contents(index, plain[index]), (index, op)
        assert _spread_of(real[SCHEDULER_CACHE]) == _spread_recount(real[SCHEDULER_CACHE]), op


def _spread_of(cache: SchedulerCache) -> dict:
    return {k: (v.by_node, v.by_zone, v.total) for k, v in cache.spread_sets.items()}


def _spread_recount(cache: SchedulerCache) -> dict:
    """The spread counts from scratch: the counted pods not terminating, per
    (namespace, label pairs), per node and per zone of a node in the table
    (both handlers keep them through the cache's own methods, so the
    comparison above cannot see a fault there)."""
    out: dict = {}
    for node, on in cache.pods.items():
        for pod in on.values():
            m = pod.metadata
            if m.deletion_timestamp is not None:
                continue
            by_node, by_zone, total = out.get((m.namespace, tuple(sorted(m.labels.items()))), ({}, {}, 0))
            by_node[node] = by_node.get(node, 0) + 1
            zone = cache.node_zone(node)
            if zone is not None:
                by_zone[zone] = by_zone.get(zone, 0) + 1
            out[(m.namespace, tuple(sorted(m.labels.items())))] = (by_node, by_zone, total + 1)
    return out

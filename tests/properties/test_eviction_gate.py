"""The taint-eviction controller's pod watch is gated on the declared index
of the nodes with a NoExecute taint (`requires_index`,
kstate.indexes._noexecute_on_node): while no node has one, a pod change does
not call it (nor look its node up).

The property drives two identical clusters with the same random histories of
node taints (NoExecute or NoSchedule, added, changed, removed; nodes deleted
and added back) and pod changes (created, bound to one node or the other,
status writes) — one through the engine's dispatch, one through the plain
definition (every handler called: test_informer_dispatch.plain_on_change) —
and asks after each change for the same keys in the same order and the same
index contents."""
from __future__ import annotations

import json

import attrs
from hypothesis import given
from hypothesis import strategies as st

from kstate import Cluster
from kstate.controllers import nodelifecycle
from kstate.resources.node import Taint
from kstate.resources.pod import Container, Pod, PodSpec, PodStatus
from kstate.resources.meta import ObjectMeta
from tests.properties.test_informer_dispatch import _indexes, plain_on_change, recording

NODES = ("node-0", "node-1")
TAINTS = ((), (Taint("dead", "NoExecute"),), (Taint("cold", "NoSchedule"),),
          (Taint("cold", "NoSchedule"), Taint("dead", "NoExecute", "x")))

ops = st.one_of(
    st.tuples(st.just("taint"), st.sampled_from(NODES), st.integers(0, len(TAINTS) - 1)),
    st.tuples(st.just("node-gone"), st.sampled_from(NODES)),
    st.tuples(st.just("pod"), st.sampled_from(("p0", "p1")), st.sampled_from(("",) + NODES),
              st.sampled_from(("Pending", "Running"))),
)


def _cluster():
    return recording(Cluster(nodes=2, seed=3))


def _drive(eng, log, history, on_change) -> list:
    nodes = {n: eng.get("Node", "", n) for n in NODES}
    gone: dict = {}
    seen = []
    for op in history:
        if op[0] == "pod":
            old = eng.get("Pod", "default", op[1])
            new = Pod(metadata=ObjectMeta(name=op[1], namespace="default", uid=f"uid-{op[1]}"),
                      spec=PodSpec(containers=(Container(name="c", image="x"),), node_name=op[2]),
                      status=PodStatus(phase=op[3]))
        else:
            old = nodes[op[1]]
            base = old if old is not None else gone[op[1]]
            new = None if op[0] == "node-gone" else attrs.evolve(base, spec=attrs.evolve(base.spec, taints=TAINTS[op[2]]))
            if old is None and new is None:
                continue
            if new is None:
                gone[op[1]] = old
            nodes[op[1]] = new
        if new is None:
            eng.store.remove(old.KIND, old.metadata.namespace, old.metadata.name)
        else:
            eng.store.put(new)
        del log[:]
        on_change(eng, old, new)
        seen.append((op, list(log), _indexes(eng)))
    return seen


@given(history=st.lists(ops, min_size=1, max_size=16))
def test_the_eviction_watch_is_skipped_only_without_a_noexecute_node(history):
    gated, plain = _cluster(), _cluster()
    assert _drive(*gated, history, type(gated[0])._on_change) == _drive(*plain, history, plain_on_change)


def test_a_pod_on_a_noexecute_node_is_mapped_and_the_index_survives_a_snapshot():
    """The gate opens with the taint (the pod's change maps to its key) and
    closes without it; a snapshot keeps the index."""
    history = [("taint", "node-0", 1), ("pod", "p0", "node-0", "Running"), ("taint", "node-0", 2),
               ("pod", "p0", "node-0", "Running")]
    eng, log = _cluster()
    seen = _drive(eng, log, history, type(eng)._on_change)
    assert ("now", nodelifecycle.TAINT_EVICTION, ("default", "p0")) in seen[1][1]
    assert not any(k[1] == nodelifecycle.TAINT_EVICTION for k in seen[3][1])
    c = Cluster(nodes=2, seed=3)
    c.taint("node-1", "dead", "NoExecute")
    assert c.engine.indexes[nodelifecycle.NOEXECUTE_NODES] == {"node-1"}
    again = Cluster.restore(json.loads(json.dumps(c.snapshot())))
    assert again.engine.indexes[nodelifecycle.NOEXECUTE_NODES] == {"node-1"}

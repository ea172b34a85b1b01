"""Store.put's place index with a declared `place_reads` (KindSpec): a
write that keeps the read field's object skips the place, and files every
pod exactly where a store computing the place on every write does."""
from __future__ import annotations

import attrs

from kstate.engine.store import Store
from kstate.registry import REGISTRY
from kstate.resources.meta import ObjectMeta
from kstate.resources.pod import Container, Pod, PodSpec, PodStatus


def _stores() -> tuple[Store, Store]:
    spec = REGISTRY.kinds["Pod"]
    return Store({"Pod": spec.place}, {"Pod": spec.place_reads}), Store({"Pod": spec.place})


def test_pods_declare_that_their_place_reads_the_spec():
    assert REGISTRY.kinds["Pod"].place_reads == "spec"


def test_place_skipped_on_status_writes_follows_binds_and_rebinds():
    declared, computed = _stores()
    pod = Pod(metadata=ObjectMeta(name="p", namespace="default"), spec=PodSpec(containers=(Container(name="c"),)))
    history = [pod]
    for node in ("node-0", "node-1", ""):
        pod = attrs.evolve(pod, spec=attrs.evolve(pod.spec, node_name=node))          # a bind (or unbind)
        history.append(pod)
        for state in ("Scheduled", "Running"):
            pod = attrs.evolve(pod, status=PodStatus(phase="Running", state=state))   # status writes keep the spec
            history.append(pod)
    seen = []
    for p in history:
        declared.put(p)
        computed.put(p)
        assert declared.by_place == computed.by_place
        seen.append({k: sorted(v) for k, v in declared.by_place.get("Pod", {}).items()})
    assert seen[3] == {"node-0": [("default", "p")]} and seen[6] == {"node-1": [("default", "p")]}
    assert seen[-1] == {}

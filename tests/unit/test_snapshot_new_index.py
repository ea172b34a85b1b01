"""A snapshot made before an index existed restores with that index filled
from the store (kstate.engine.serial._rebuild_index), as an informer's
initial list fills it — not empty, which would leave every watch gated on it
(`requires_index`) closed: the taint-eviction controller's pod watch, gated
on `noexecute-nodes`, would never see a pod on a NoExecute-tainted node."""
from __future__ import annotations

import pytest

from kstate import Cluster
from kstate.controllers.nodelifecycle import NOEXECUTE_NODES


def _older(snapshot: dict, index: str) -> dict:
    data = dict(snapshot)
    data["indexes"] = {k: v for k, v in snapshot["indexes"].items() if k != index}
    return data


def test_an_index_missing_from_the_snapshot_is_rebuilt_from_the_store():
    c = Cluster(nodes=3, seed=1)
    c.taint("node-1", "dead", "NoExecute")
    c.taint("node-2", "cold", "NoSchedule")
    c.advance("1s")
    assert c.engine.indexes[NOEXECUTE_NODES] == {"node-1"}
    restored = Cluster.restore(_older(c.snapshot(), NOEXECUTE_NODES))
    assert restored.engine.indexes[NOEXECUTE_NODES] == {"node-1"}


@pytest.mark.parametrize("index", ["scheduler-cache", "kubelet-admission"])
def test_a_rebuilt_index_snapshots_as_the_kept_one(index):
    """The rebuild of an index with pods and nodes in it equals the index the
    engine kept while they arrived (compared through the snapshot's form)."""
    c = Cluster(nodes=2, seed=2)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"containers": [{"name": "c", "image": "nginx",
                                      "resources": {"requests": {"cpu": "100m"}}}]}})
    c.advance("10s")
    snap = c.snapshot()
    restored = Cluster.restore(_older(snap, index))
    assert restored.snapshot()["indexes"][index] == snap["indexes"][index]

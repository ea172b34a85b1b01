"""Issue 12's memory work: what stored pods and the engine's indexes share
instead of holding a private copy each. Sharing changes no value, so each
test also checks the values against an unshared run's."""
import json

import attrs

import kstate


def _pods(n, nodes=2):
    (tpl,) = kstate.parse_manifests([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "t"},
                                      "spec": {"containers": [{"name": "app", "image": "nginx"}]}}])
    c = kstate.Cluster(nodes=nodes, seed=0)
    c.apply([attrs.evolve(tpl, metadata=attrs.evolve(tpl.metadata, name=f"pod-{i}")) for i in range(n)])
    c.run_until_stable()
    return c, c.list("pods")


def test_pods_started_together_share_their_status_tuples():
    c, pods = _pods(12)
    assert all(p.status.phase == "Running" for p in pods)
    # the container statuses and the conditions are equal values, each one object
    assert len({p.status.container_statuses for p in pods}) == 1
    assert len({id(p.status.container_statuses) for p in pods}) == 1
    assert len({id(p.status.conditions) for p in pods}) == 1
    # pod IPs stay their own
    assert len({p.status.pod_ip for p in pods}) == 12


def test_shared_status_tuples_survive_a_snapshot_round_trip():
    c, pods = _pods(6)
    back = kstate.Cluster.restore(json.loads(json.dumps(c.snapshot())))
    assert back.list("pods") == pods
    assert back.trace() == c.trace()
    # and the restored cluster goes on as the original does
    for cl in (c, back):
        cl.delete("pod", "pod-0")
        cl.run_until_stable()
    assert back.list("pods") == c.list("pods") and back.trace() == c.trace()

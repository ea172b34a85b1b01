"""Issue 12's memory work: what stored pods and the engine's indexes share
instead of holding a private copy each. Sharing changes no value, so each
test also checks the values against an unshared run's."""
import json

import attrs

import kstate
from tests.unit.test_write_path_sharing import _pods


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


def test_indexes_file_a_pod_under_the_stores_one_key_tuple():
    from kstate.controllers.kubelet import KUBELET_ADMISSION
    from kstate.controllers.scheduler import SCHEDULER_CACHE
    c, pods = _pods(8)
    eng = c.engine
    cache, admission = eng.index(SCHEDULER_CACHE), eng.index(KUBELET_ADMISSION)
    for p in pods:
        key = eng.member("Pod", "default", p.metadata.name)
        assert key == ("default", p.metadata.name)
        node = p.spec.node_name
        place = next(k for k in eng.store.by_place["Pod"][node] if k == key)
        usage = next(k for k in cache.usage if k == key)
        admitted = next(k for k in admission["by_pod"] if k == key)
        on_node = next(k for k in cache.pods[node] if k == key)
        assert place is key and usage is key and admitted is key and on_node is key
        # the (node, requests) entries are one tuple per node and requests
        assert cache.usage[key] is admission["by_pod"][key]
        assert cache.usage[key][0] == node
    assert len({id(v) for v in cache.usage.values()}) == len({p.spec.node_name for p in pods})
    # an object the store does not hold: a new tuple, equal
    assert eng.member("Pod", "default", "nope") == ("default", "nope")


def test_the_place_index_follows_binding_and_removal():
    c, pods = _pods(4)
    eng = c.engine
    name, node = pods[0].metadata.name, pods[0].spec.node_name
    assert ("default", name) in eng.store.by_place["Pod"][node]
    assert [p.metadata.name for p in eng.placed("Pod", node)] == sorted(
        p.metadata.name for p in pods if p.spec.node_name == node)
    c.delete("pod", name, grace_period=0)
    c.run_until_stable()
    assert ("default", name) not in eng.store.by_place["Pod"].get(node, ())
    assert name not in eng.store.by_kind["Pod"]["default"]


def _pod_on(c, name, node="node-1"):
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
             "spec": {"nodeName": node, "containers": [{"name": "a", "image": "x"}]}})


def test_pod_ip_reservations_are_bits_and_wrap_to_freed_addresses():
    # a /29 per node: offsets .2 … .6 are pod addresses
    c = kstate.Cluster(nodes=1, cluster_cidr="10.9.0.0/24", node_cidr_mask=29)
    for i in range(5):
        _pod_on(c, f"p{i}", "node-0")
    c.advance("2s")
    assert [c.get("Pod", f"p{i}").status.pod_ip for i in range(5)] == [f"10.9.0.{o}" for o in range(2, 7)]
    slot = c.engine.identity["pod-ips"]["node-0"]
    assert slot == [0b1111100, 6]
    c.delete("Pod", "p1", grace_period=0)
    c.delete("Pod", "p3", grace_period=0)
    assert c.engine.identity["pod-ips"]["node-0"][0] == 0b1010100
    _pod_on(c, "p5", "node-0")
    _pod_on(c, "p6", "node-0")
    c.advance("2s")
    # after .6 the allocator wraps to the first free offsets, .3 then .5
    assert (c.get("Pod", "p5").status.pod_ip, c.get("Pod", "p6").status.pod_ip) == ("10.9.0.3", "10.9.0.5")
    _pod_on(c, "p7", "node-0")
    c.advance("2s")
    assert c.get("Pod", "p7").status.pod_ip == ""         # the node's range is full


def test_a_snapshot_with_the_older_set_of_offsets_still_allocates():
    c = kstate.Cluster(nodes=2)
    for i in range(3):
        _pod_on(c, f"p{i}")
    c.advance("2s")
    snap = json.loads(json.dumps(c.snapshot()))
    ident = snap["engine"]["identity"]["@d"]
    slots = next(v for k, v in ident if k == "pod-ips")["@d"]
    for _node, slot in slots:
        slot[0] = {"@s": [o for o in range(32) if slot[0] >> o & 1]}      # as older snapshots held it
    back = kstate.Cluster.restore(snap)
    for cl in (c, back):
        cl.delete("Pod", "p0", grace_period=0)
        _pod_on(cl, "p3")
        cl.advance("2s")
    assert back.get("Pod", "p3").status.pod_ip == c.get("Pod", "p3").status.pod_ip == "10.244.1.5"
    assert back.engine.identity["pod-ips"] == c.engine.identity["pod-ips"]


def test_the_status_flyweight_shares_only_equal_values():
    from kstate.kinds import core as kcore
    from kstate.resources.pod import ContainerState, ContainerStatus
    running = ContainerStatus("app", "nginx", True, True, 0, ContainerState("running", started_at=1000))
    same = ContainerStatus("app", "nginx", True, True, 0, ContainerState("running", started_at=1000))
    later = ContainerStatus("app", "nginx", True, True, 0, ContainerState("running", started_at=2000))
    restarted = attrs.evolve(same, last_state=ContainerState("terminated", exit_code=1))
    key = lambda part: ("c",) + tuple(map(kcore._CONTAINER_FIELDS, part))  # noqa: E731
    assert key((running,)) == key((same,))
    assert key((running,)) != key((later,)) and key((running,)) != key((restarted,))
    # every field of both classes is read: a new field cannot be missed silently
    assert len(kcore._CONTAINER_FIELDS(running)) == len(attrs.fields(ContainerStatus)) - 2 + 2 * len(
        attrs.fields(ContainerState))
    a = kcore._shared_part((running,), key((running,)))
    assert kcore._shared_part((same,), key((same,))) is a
    assert kcore._shared_part((later,), key((later,))) == (later,)

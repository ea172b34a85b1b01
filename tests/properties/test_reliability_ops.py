"""Seeded random operations over namespaces, Deployments whose ReplicaSets
get deleted, finalizers and user-crafted ownerReferences (issue 13): after
every operation the invariants hold (only state the controllers have
observed is judged), every refused operation is a KstateError that changes
nothing, and after settling everything converges: no namespace stays
Terminating, no object waits on a finalizer the GC owns, every Deployment is
complete with one active ReplicaSet."""
import random

import pytest

import kstate

NAMESPACES = ("default", "a", "b")


def _deployment(name, ns, replicas, image="nginx:1"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": image}]}}}}


def _step(c: kstate.Cluster, rnd: random.Random) -> None:
    ns = rnd.choice(NAMESPACES)
    op = rnd.randrange(10)
    if op == 0:
        c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": rnd.choice(NAMESPACES[1:])}})
    elif op == 1:
        c.apply(_deployment(rnd.choice("xy"), ns, rnd.randrange(4), rnd.choice(("nginx:1", "nginx:2"))))
    elif op == 2:   # kubectl delete rs under a Deployment
        rss = c.list("rs", namespace=ns)
        if rss:
            rs = rnd.choice(rss)
            c.delete("rs", rs.metadata.name, ns, propagation_policy=rnd.choice((None, "Foreground", "Orphan")))
    elif op == 3:   # an object carrying the foreground finalizer, or deleted in the foreground
        name = f"cm{rnd.randrange(3)}"
        c.apply({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": name, "namespace": ns, "finalizers": ["foregroundDeletion"]}})
    elif op == 4:   # a user-crafted ownerReference: to a live owner, maybe in another namespace, or to nothing
        owners = c.list("rs") + c.list("deploy")
        uid = rnd.choice(owners).metadata.uid if owners and rnd.random() < 0.7 else "0000-dangling"
        c.apply({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": f"dep{rnd.randrange(3)}", "namespace": ns, "ownerReferences": [
                     {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "x", "uid": uid}]}})
    elif op == 5:
        if ns != "default":
            c.delete("namespace", ns)
    elif op == 6:
        ds = c.list("deploy", namespace=ns)
        if ds:
            c.scale("deploy", rnd.choice(ds).metadata.name, rnd.randrange(4), ns)
    elif op == 7:   # set_image on a ReplicaSet a Deployment owns
        rss = c.list("rs", namespace=ns)
        if rss:
            rs = rnd.choice(rss)
            c.set_image("rs", rs.metadata.name, "c", rnd.choice(("nginx:1", "nginx:2", "nginx:3")), ns)
    elif op == 8:
        cms = c.list("configmaps", namespace=ns)
        if cms:
            c.delete("configmap", rnd.choice(cms).metadata.name, ns,
                     propagation_policy=rnd.choice((None, "Foreground", "Background")))
    c.advance(rnd.choice(("0s", "1s", "5s")))


@pytest.mark.parametrize("seed", range(12))
def test_random_operations_keep_invariants_and_converge(seed):
    rnd = random.Random(seed)
    c = kstate.Cluster(nodes=2, seed=seed)
    for _ in range(30):
        before = c.snapshot()
        try:
            _step(c, rnd)
        except kstate.KstateError:
            # a refused operation (a terminating namespace, a missing one) changes nothing
            assert c.snapshot()["objects"] == before["objects"]
            c.advance("1s")
        assert c.violations() == [], c.trace()[-30:]
    c.run_until_stable("30m")
    assert c.violations() == []
    for ns in c.list("namespaces"):
        assert ns.status.phase == "Active", f"namespace {ns.metadata.name} stuck Terminating"
    for kind in ("configmaps", "rs", "deploy", "pods"):
        for o in c.list(kind):
            assert o.metadata.deletion_timestamp is None or set(o.metadata.finalizers) - {
                "foregroundDeletion", "orphan"}, f"{kind} {o.metadata.name} stuck deleting"
    for d in c.list("deploy"):
        assert d.status.state == "Complete", d

"""`OwnershipMachine`: `DeploymentMachine` with namespaces, bare
ReplicaSets and ReplicationControllers, and the metadata users craft
themselves — finalizers and ownerReferences.

On top of the Deployment machine's rules (node faults, bare pods, time,
Deployments applied, scaled, rolled and deleted with every propagation) it:

- creates and deletes namespaces (`ns-a`, `ns-b`; `default` and
  `kube-public` are system namespaces) and puts Deployments, ReplicaSets,
  ReplicationControllers, ConfigMaps and pods in any of them; a create in a
  missing or Terminating namespace must be refused with a `KstateError` and
  change no object;
- deletes a ReplicaSet a Deployment owns (the Deployment must recreate it),
  edits its image (the Deployment must roll a fresh one), and creates,
  scales, edits and deletes bare ReplicaSets and ReplicationControllers;
- crafts ownerReferences on ConfigMaps, pods and bare workloads: to a live
  owner (any of those kinds), to an owner name with a uid that is not its
  (the owner was re-created, or the user made it up), to a uid of nothing,
  or to a live owner in another namespace; controller or not,
  blockOwnerDeletion or not;
- writes new objects with a finalizer (the user's `example.com/hold`, or
  the GC's `foregroundDeletion` / `orphan`, which the GC processes once the
  object is deleted), adds and removes the user's finalizer on any of those
  objects (as `kubectl patch` does: the public `apply` keeps a live
  object's finalizers), and deletes anything with Background, Foreground or
  Orphan propagation.

Safety, after every step: every registered invariant (inherited wiring),
and `user_finalizers_hold`: an object carrying the user's finalizer is
never removed from the store — its deletion waits until the user takes the
finalizer off.

Liveness after `settle` (the user first takes every finalizer of theirs off,
then the faults stop), on top of the Deployment machine's:
- no namespace is Terminating and no object of any kind here is still
  being deleted (the GC's own finalizers were all processed);
- every owner reference resolves: to a live object of that uid in the
  dependent's namespace (dangling, wrong-uid and cross-namespace references
  were collected by the GC or stripped);
- every ReplicationController, like every ReplicaSet, runs exactly
  spec.replicas pods and says so in its status;
- no ReplicaSet/ReplicationController or GC key would still act.
"""
from __future__ import annotations

from typing import Optional

from hypothesis import strategies as st
from hypothesis.stateful import invariant, multiple, rule

from kstate.controllers.garbagecollector import FOREGROUND, ORPHAN, owner_resolves
from kstate.errors import KstateError
from kstate.resources.frozen import evolve
from kstate.resources.meta import controller_of
from kstate.resources.pod import TERMINAL_PHASES
from kstate.testing.deployment_machine import DEPLOYMENT_NAMES, PROPAGATIONS, DeploymentMachine, controlled_by
from kstate.testing.strategies import DEPLOYMENT_IMAGES, deployment_manifests

__all__ = ["OwnershipMachine", "USER_FINALIZER", "WORKLOAD_NAMESPACES"]

#: namespaces the user creates and deletes.
USER_NAMESPACES = ("ns-a", "ns-b")
#: where this machine's objects go (kube-public stays the base machine's).
WORKLOAD_NAMESPACES = ("default",) + USER_NAMESPACES
USER_FINALIZER = "example.com/hold"
WORKLOAD_NAMES = ("rs-0", "rs-1")
CONFIGMAP_NAMES = ("cm-0", "cm-1", "cm-2")
OWNED_POD_NAMES = ("op-0", "op-1", "op-2")
#: the kinds whose objects the machine crafts metadata on, with their apiVersion.
CRAFTED_KINDS = {"Deployment": "apps/v1", "ReplicaSet": "apps/v1", "ReplicationController": "v1",
                 "ConfigMap": "v1", "Pod": "v1"}
OWNER_KINDS = tuple(CRAFTED_KINDS)
#: how a crafted reference names its owner.
REF_HOWS = ("live", "wrong-uid", "missing", "other-namespace")


def _owner_choices() -> st.SearchStrategy:
    """0–2 crafted owner references: (owner kind, how, pick index, controller, blockOwnerDeletion)."""
    one = st.tuples(st.sampled_from(OWNER_KINDS), st.sampled_from(REF_HOWS), st.integers(0, 15),
                    st.booleans(), st.booleans())
    return st.lists(one, max_size=2)


def _finalizers() -> st.SearchStrategy:
    """The finalizer a new object is written with: none, the user's, or
    one of the GC's (a user may write those too; the GC processes them
    once the object is deleted)."""
    return st.none() | st.sampled_from((USER_FINALIZER, FOREGROUND, ORPHAN))


def _k(obj) -> str:
    return f"{obj.KIND} {obj.metadata.namespace}/{obj.metadata.name}"


class OwnershipMachine(DeploymentMachine):

    def __init__(self) -> None:
        super().__init__()
        #: uids of objects carrying the user's finalizer (put there by this machine).
        self._held: set[str] = set()
        self._bogus = 0

    # ----------------------------------------------------------- helpers

    def _ns_active(self, ns: str) -> bool:
        n = self.engine.get("Namespace", "", ns)
        return n is not None and n.status.phase == "Active"

    def _create(self, doc: dict) -> Optional[object]:
        """Apply a new object; in a missing or Terminating namespace the
        apply must be refused with a KstateError and create nothing."""
        meta = doc["metadata"]
        ns, kind, name = meta["namespace"], doc["kind"], meta["name"]
        if self.engine.get(kind, ns, name) is not None:
            return None
        if not self._ns_active(ns):
            before = self.cluster.snapshot()["objects"]
            try:
                self.cluster.apply(doc)
            except KstateError:
                assert self.cluster.snapshot()["objects"] == before, f"refused {kind} {ns}/{name} changed objects"
                return None
            raise AssertionError(f"{kind} {ns}/{name} created in namespace {ns}, which is not Active")
        obj = self.cluster.apply(doc)
        if USER_FINALIZER in obj.metadata.finalizers:
            self._held.add(obj.metadata.uid)
        return obj

    def _candidates(self, kind: str, ns: Optional[str]) -> list:
        return self.engine.store.list(kind, ns)

    def _owner_refs(self, ns: str, choices: list) -> list[dict]:
        refs: dict[str, dict] = {}
        for kind, how, pick, controller, block in choices:
            ref = {"apiVersion": CRAFTED_KINDS[kind], "kind": kind}
            if how in ("live", "wrong-uid"):
                pool = self._candidates(kind, ns)
            elif how == "other-namespace":
                pool = [o for o in self._candidates(kind, None) if o.metadata.namespace != ns]
            else:
                pool = []
            if pool:
                owner = pool[pick % len(pool)]
                ref["name"], ref["uid"] = owner.metadata.name, owner.metadata.uid
            else:
                ref["name"], how = f"gone-{pick}", "missing"
            if how in ("wrong-uid", "missing"):
                self._bogus += 1
                ref["uid"] = f"00000000-0000-4000-8000-{self._bogus:012x}"
            if controller and not any(r.get("controller") for r in refs.values()):
                ref["controller"] = True
            if block:
                ref["blockOwnerDeletion"] = True
            refs.setdefault(ref["uid"], ref)  # the API server refuses one uid twice
        return list(refs.values())

    def _meta(self, name: str, ns: str, owners: list, hold: Optional[str]) -> dict:
        meta: dict = {"name": name, "namespace": ns}
        refs = self._owner_refs(ns, owners)
        if refs:
            meta["ownerReferences"] = refs
        if hold:
            meta["finalizers"] = [hold]
        return meta

    def _crafted(self) -> list:
        """Every live object of the crafted kinds, in a stable order."""
        out = []
        for kind in OWNER_KINDS:
            out += self.engine.store.list(kind)
        return out

    # ----------------------------------------------------------- namespaces

    @rule(name=st.sampled_from(USER_NAMESPACES))
    def create_namespace(self, name: str) -> None:
        if self.engine.get("Namespace", "", name) is None:
            self.cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    @rule(name=st.sampled_from(USER_NAMESPACES))
    def delete_namespace(self, name: str) -> None:
        if self.engine.get("Namespace", "", name) is not None:
            self.cluster.delete("Namespace", name, "")

    # ----------------------------------------------------------- Deployments in any namespace

    @rule(target=DeploymentMachine.deployments,
          d=deployment_manifests(name=st.sampled_from(DEPLOYMENT_NAMES), namespace=st.sampled_from(WORKLOAD_NAMESPACES)))
    def create_deployment(self, d: dict):
        key = (d["metadata"]["namespace"], d["metadata"]["name"])
        if self._create(d) is None:
            return multiple()
        self._manifests[key] = d
        return key

    @rule(index=st.integers(0, 63), propagation=st.none() | st.sampled_from(PROPAGATIONS))
    def delete_deployments_replicaset(self, index: int, propagation: Optional[str]) -> None:
        """`kubectl delete rs` of a ReplicaSet a Deployment controls: the
        Deployment must notice and recreate it."""
        owned = [rs for rs in self.engine.store.list("ReplicaSet")
                 if any(r.controller and r.kind == "Deployment" for r in rs.metadata.owner_references)]
        if owned:
            rs = owned[index % len(owned)]
            self.cluster.delete("ReplicaSet", rs.metadata.name, rs.metadata.namespace, propagation_policy=propagation)

    @rule(index=st.integers(0, 63), image=st.sampled_from(DEPLOYMENT_IMAGES))
    def set_replicaset_image(self, index: int, image: str) -> None:
        """`kubectl set image rs/...` on any ReplicaSet, a Deployment's included."""
        rss = self.engine.store.list("ReplicaSet")
        if rss:
            rs = rss[index % len(rss)]
            self.cluster.set_image("ReplicaSet", rs.metadata.name, "app", image, rs.metadata.namespace)

    # ----------------------------------------------------------- bare ReplicaSets and RCs

    @rule(kind=st.sampled_from(("ReplicaSet", "ReplicationController")), name=st.sampled_from(WORKLOAD_NAMES),
          ns=st.sampled_from(WORKLOAD_NAMESPACES), replicas=st.integers(0, 4),
          image=st.sampled_from(DEPLOYMENT_IMAGES), owners=_owner_choices(), hold=_finalizers())
    def create_workload(self, kind: str, name: str, ns: str, replicas: int, image: str, owners: list,
                        hold: Optional[str]) -> None:
        labels = {"app": name}
        selector = {"matchLabels": labels} if kind == "ReplicaSet" else labels
        doc = {"apiVersion": CRAFTED_KINDS[kind], "kind": kind, "metadata": self._meta(name, ns, owners, hold),
               "spec": {"replicas": replicas, "selector": selector,
                        "template": {"metadata": {"labels": labels},
                                     "spec": {"containers": [{"name": "app", "image": image}]}}}}
        self._create(doc)

    @rule(kind=st.sampled_from(("ReplicaSet", "ReplicationController")), index=st.integers(0, 63),
          replicas=st.integers(0, 4))
    def scale_workload(self, kind: str, index: int, replicas: int) -> None:
        """`kubectl scale` of a ReplicaSet or RC no Deployment controls
        (scaling a Deployment's own is a fight with its controller, which
        scales it back; deployment-min-available would judge the user's
        write as the controller's)."""
        objs = [o for o in self.engine.store.list(kind) if controller_of(o.metadata) is None
                or controller_of(o.metadata).kind != "Deployment"]
        if objs:
            o = objs[index % len(objs)]
            self.cluster.scale(kind, o.metadata.name, replicas, o.metadata.namespace)

    # ----------------------------------------------------------- ConfigMaps and pods with crafted owners

    @rule(name=st.sampled_from(CONFIGMAP_NAMES), ns=st.sampled_from(WORKLOAD_NAMESPACES),
          owners=_owner_choices(), hold=_finalizers())
    def create_configmap(self, name: str, ns: str, owners: list, hold: Optional[str]) -> None:
        self._create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": self._meta(name, ns, owners, hold),
                      "data": {"k": "v"}})

    @rule(name=st.sampled_from(OWNED_POD_NAMES), ns=st.sampled_from(WORKLOAD_NAMESPACES),
          app=st.sampled_from(WORKLOAD_NAMES + ("loose",)), owners=_owner_choices(), hold=_finalizers())
    def create_owned_pod(self, name: str, ns: str, app: str, owners: list, hold: Optional[str]) -> None:
        """A bare pod with crafted owners, maybe matching a bare workload's
        selector (that workload may adopt it, or finds it already owned)."""
        meta = self._meta(name, ns, owners, hold)
        meta["labels"] = {"app": app}
        self._create({"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                      "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}})

    # ----------------------------------------------------------- finalizers and deletion

    @rule(index=st.integers(0, 255))
    def add_finalizer(self, index: int) -> None:
        """`kubectl patch` adding the user's finalizer (the API server
        refuses new finalizers on an object being deleted)."""
        objs = [o for o in self._crafted()
                if o.metadata.deletion_timestamp is None and USER_FINALIZER not in o.metadata.finalizers]
        if objs:
            o = objs[index % len(objs)]
            m = o.metadata
            self.engine.update(evolve(o, metadata=evolve(m, finalizers=m.finalizers + (USER_FINALIZER,))))
            self._held.add(m.uid)

    @rule(index=st.integers(0, 255))
    def remove_finalizer(self, index: int) -> None:
        objs = [o for o in self._crafted() if USER_FINALIZER in o.metadata.finalizers]
        if objs:
            self._release(objs[index % len(objs)])

    def _release(self, o) -> None:
        m = o.metadata
        self._held.discard(m.uid)
        self.engine.update(evolve(o, metadata=evolve(m, finalizers=tuple(f for f in m.finalizers
                                                                          if f != USER_FINALIZER))))

    @rule(index=st.integers(0, 255), propagation=st.none() | st.sampled_from(PROPAGATIONS))
    def delete_any(self, index: int, propagation: Optional[str]) -> None:
        objs = self._crafted()
        if objs:
            o = objs[index % len(objs)]
            if o.KIND == "Deployment":
                self._deleted.setdefault(o.metadata.uid, propagation or "Background")
            self.cluster.delete(o.KIND, o.metadata.name, o.metadata.namespace, propagation_policy=propagation)

    @rule()
    def settle(self) -> None:
        """The user takes every finalizer of theirs off, then the faults stop."""
        for o in self._crafted():
            if USER_FINALIZER in o.metadata.finalizers:
                self._release(o)
        DeploymentMachine.settle(self)

    # ----------------------------------------------------------- safety

    @invariant()
    def user_finalizers_hold(self) -> None:
        if self.cluster is None:
            return
        gone = sorted(uid for uid in self._held if self.engine.by_uid(uid) is None)
        assert not gone, self._fail("objects removed while carrying the user's finalizer", gone)
        for uid in sorted(self._held):
            o = self.engine.by_uid(uid)
            assert USER_FINALIZER in o.metadata.finalizers, self._fail(
                "the user's finalizer was taken off by someone else", [_k(o)])

    # ----------------------------------------------------------- liveness

    def controller_keys(self) -> dict[str, list]:
        keys = super().controller_keys()
        eng = self.engine
        keys["replicaset-controller"] = keys.get("replicaset-controller", []) + [
            ("ReplicationController", rc.metadata.namespace, rc.metadata.name)
            for rc in eng.store.list("ReplicationController")]
        owners = set(keys.get("garbage-collector", ()))
        for o in self._crafted():
            owners.add(o.metadata.uid)
            owners |= {r.uid for r in o.metadata.owner_references}
        keys["garbage-collector"] = sorted(owners)
        return keys

    def liveness_problems(self) -> list[str]:
        return super().liveness_problems() + self.ownership_liveness_problems()

    def ownership_liveness_problems(self) -> list[str]:
        eng = self.engine
        out: list[str] = []
        for ns in eng.store.list("Namespace"):
            if ns.status.phase != "Active":
                left = sorted(_k(o) for o in eng.namespace_objects(ns.metadata.name))
                out.append(f"Namespace {ns.metadata.name} still {ns.status.phase}; left in it: {left}")
        for o in self._crafted():
            m = o.metadata
            if m.deletion_timestamp is not None and o.KIND not in ("Pod", "Deployment"):  # those: checked above
                out.append(f"{_k(o)} still being deleted (finalizers {list(m.finalizers)})")
            if any(f not in (FOREGROUND, ORPHAN) for f in m.finalizers):
                out.append(f"{_k(o)} carries finalizers {list(m.finalizers)} nobody removes")
            for ref in m.owner_references:
                owner = eng.by_uid(ref.uid)
                if owner is None and o.KIND in ("Pod", "ReplicaSet"):
                    continue  # reported by the Deployment machine
                if not owner_resolves(owner, o):
                    out.append(f"{_k(o)} left behind: its owner {ref.kind} {ref.name} ({ref.uid}) does not "
                               f"resolve in its namespace")
        for rc in eng.store.list("ReplicationController"):
            pods = [p for p in controlled_by(eng, rc, "Pod")
                    if p.status.phase not in TERMINAL_PHASES and p.metadata.deletion_timestamp is None]
            if rc.status.observed_generation < rc.metadata.generation:
                out.append(f"{_k(rc)} has not observed generation {rc.metadata.generation}")
            if len(pods) != rc.spec.replicas or rc.status.replicas != rc.spec.replicas:
                out.append(f"{_k(rc)} wants {rc.spec.replicas} pods, has {len(pods)} "
                           f"(status.replicas {rc.status.replicas})")
        return out

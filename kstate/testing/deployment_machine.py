"""`DeploymentMachine`: `ClusterMachine` with Deployments.

On top of the cluster machine's node faults, bare pods and time, hypothesis
applies Deployments (`deployment_manifests`: 0–8 replicas, RollingUpdate or
Recreate, timing annotations on the template) and drives them the way a user
does: re-apply with a changed template or replica count, `kubectl scale`,
`set image`, `rollout pause / resume / undo / restart` (also as one
pause-edit-resume batch), and delete with Background, Foreground or Orphan
propagation. Every rule looks its
Deployment up first and does nothing when it is gone or the operation does
not apply (resume only when paused; undo and restart never when paused; undo
only with at least two revisions), so the bundle may hold stale names.

Safety: after every step each invariant of the Deployment family (below) is
checked with `INVARIANTS[name](engine)`, next to the cluster machine's own;
the `watch_rollouts` rule also advances second by second and checks them
after each second (a rollout takes seconds, and `advance` mostly jumps over it).

Liveness, once `settle` stopped the faults and the cluster went quiet (in
addition to `ClusterMachine`'s):
- no Deployment is still being deleted, and no ReplicaSet or pod names an
  owner that is gone: Background and Foreground deletion leave nothing
  behind (Orphan strips the references, so what it leaves is kept — and
  adopted by a later Deployment with the same selector);
- every ReplicaSet has observed its spec and runs exactly spec.replicas
  pods (non-terminal, not terminating), and says so in status.replicas;
- every Deployment that is not paused, whose pods can become ready — its
  current template is not never-ready, and none of its pods is left
  unscheduled (the base check already proved such a pod fits nowhere: the
  cluster is out of capacity) — and that is not stuck where Kubernetes'
  own controller is stuck too (`stuck_as_in_kubernetes`), has observed its
  generation, is Complete, and has exactly one active ReplicaSet (none when
  replicas is 0): the one of its current template, with
  status.availableReplicas == spec.replicas;
- no Deployment, ReplicaSet or garbage-collector key would still act
  (the lost-wakeup check of `ClusterMachine`).

Run it with pytest by exposing its TestCase::

    from kstate.testing.deployment_machine import DeploymentMachine

    TestDeployments = DeploymentMachine.TestCase
"""
from __future__ import annotations

import copy
from typing import Optional

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, initialize, invariant, multiple, rule

from kstate.controllers.deployment import filter_active, is_scaling_event
from kstate.controllers.deployment_util import equal_ignore_hash
from kstate.errors import InvalidOperation
from kstate.invariants import INVARIANTS
from kstate.io.manifests import to_manifest
from kstate.resources.meta import controller_of
from kstate.resources.pod import TERMINAL_PHASES
from kstate.testing.machine import _FAMILIES, NAMESPACES, ClusterMachine
from kstate.testing.strategies import (
    ANN_NEVER_READY, DEPLOYMENT_IMAGES, deployment_manifests, template_annotations,
)

__all__ = ["DEPLOYMENT_FAMILY", "DEPLOYMENT_NAMES", "DeploymentMachine", "controlled_by"]

#: Deployment names the machine uses (per namespace): a small pool, so a
#: deleted Deployment's name comes back and may adopt what Orphan left.
DEPLOYMENT_NAMES = ("web", "api")
PROPAGATIONS = ("Background", "Foreground", "Orphan")

#: the invariants about Deployments and ownership, each with its @invariant below.
DEPLOYMENT_FAMILY = (
    "deployment-max-surge", "deployment-min-available", "paused-deployment-creates-no-replicaset",
    "one-replicaset-per-template", "complete-deployment-has-one-active-replicaset", "owners-in-same-namespace",
)

Key = tuple  # (namespace, name)


def _changes() -> st.SearchStrategy:
    """What a re-apply changes: the image, the template's timing annotations, or replicas."""
    return (st.tuples(st.just("image"), st.sampled_from(DEPLOYMENT_IMAGES))
            | st.tuples(st.just("annotations"), template_annotations())
            | st.tuples(st.just("replicas"), st.integers(0, 8)))


def _k(obj) -> str:
    return f"{obj.metadata.namespace}/{obj.metadata.name}"


def controlled_by(eng, owner, kind: str) -> list:
    """The objects of `kind` in `owner`'s namespace whose controller
    reference is `owner` (what its controller counts as its own; a
    non-controller reference, or one from another namespace, is not)."""
    uid = owner.metadata.uid
    out = []
    for o in eng.owned_by(uid, kind):
        ref = controller_of(o.metadata)
        if ref is not None and ref.uid == uid and o.metadata.namespace == owner.metadata.namespace:
            out.append(o)
    return out


class DeploymentMachine(ClusterMachine):
    deployments = Bundle("deployments")

    def __init__(self) -> None:
        super().__init__()
        #: the manifest last applied per (namespace, name), for re-applies.
        self._manifests: dict[Key, dict] = {}
        #: uid of every deleted Deployment → the propagation it was deleted with.
        self._deleted: dict[str, str] = {}

    # ----------------------------------------------------------- setup

    @initialize(target=ClusterMachine.nodes, k=st.integers(2, 4), seed=st.integers(0, 2**16))
    def setup(self, k: int, seed: int):
        """At least two nodes, so that rollouts usually have room (nodes may still be removed)."""
        self._manifests, self._deleted = {}, {}
        return ClusterMachine.setup(self, k=k, seed=seed)

    # ----------------------------------------------------------- helpers

    def _deployment(self, key: Key):
        return self.engine.get("Deployment", key[0], key[1])

    # ----------------------------------------------------------- rules

    @rule(target=deployments, d=deployment_manifests(name=st.sampled_from(DEPLOYMENT_NAMES),
                                                     namespace=st.sampled_from(NAMESPACES)))
    def create_deployment(self, d: dict):
        key = (d["metadata"]["namespace"], d["metadata"]["name"])
        if self._deployment(key) is not None:
            return multiple()
        self.cluster.apply(d)
        self._manifests[key] = d
        return key

    @rule(key=deployments, change=_changes())
    def reapply_deployment(self, key: Key, change: tuple) -> None:
        """`kubectl apply` of the last manifest with one change. What other
        operations changed since (replicas, template, paused, annotations)
        is carried over from the live object, as apply's three-way merge would."""
        d = self._deployment(key)
        if d is None or key not in self._manifests:
            return
        doc = copy.deepcopy(self._manifests[key])
        doc["metadata"]["annotations"] = dict(d.metadata.annotations)
        doc["spec"]["replicas"] = d.spec.replicas
        doc["spec"]["template"] = to_manifest(d)["spec"]["template"]
        if d.spec.paused:
            doc["spec"]["paused"] = True
        else:
            doc["spec"].pop("paused", None)
        what, value = change
        if what == "image":
            doc["spec"]["template"]["spec"]["containers"][0]["image"] = value
        elif what == "annotations":
            meta = doc["spec"]["template"]["metadata"]
            ann = {k: v for k, v in (meta.get("annotations") or {}).items() if not k.startswith("kstate.io/")}
            ann.update(value)
            meta["annotations"] = ann
            if not ann:
                del meta["annotations"]
        else:
            doc["spec"]["replicas"] = value
        self.cluster.apply(doc)
        self._manifests[key] = doc

    @rule(key=deployments, replicas=st.integers(0, 8))
    def scale_deployment(self, key: Key, replicas: int) -> None:
        if self._deployment(key) is not None:
            self.cluster.scale("Deployment", key[1], replicas, namespace=key[0])

    @rule(key=deployments, image=st.sampled_from(DEPLOYMENT_IMAGES))
    def set_image(self, key: Key, image: str) -> None:
        if self._deployment(key) is not None:
            self.cluster.set_image("Deployment", key[1], "app", image, namespace=key[0])

    @rule(key=deployments)
    def rollout_pause(self, key: Key) -> None:
        d = self._deployment(key)
        if d is not None and not d.spec.paused:
            self.cluster.rollout_pause(key[1], namespace=key[0])

    @rule(key=deployments)
    def rollout_resume(self, key: Key) -> None:
        d = self._deployment(key)
        if d is not None and d.spec.paused:
            self.cluster.rollout_resume(key[1], namespace=key[0])

    @rule(key=deployments, pick=st.none() | st.integers(0, 7))
    def rollout_undo(self, key: Key, pick: Optional[int]) -> None:
        """`rollout undo` to the previous revision (pick None) or to one from
        the history (index `pick` modulo its length)."""
        d = self._deployment(key)
        if d is None or d.spec.paused:
            return
        history = self.cluster.rollout_history(key[1], namespace=key[0])
        if len(history) < 2:
            return
        to = None if pick is None else history[pick % len(history)]["revision"]
        try:
            self.cluster.rollout_undo(key[1], to_revision=to, namespace=key[0])
        except InvalidOperation:
            pass  # e.g. revision 0 recorded on an adopted ReplicaSet: kubectl refuses too

    @rule(key=deployments)
    def rollout_restart(self, key: Key) -> None:
        d = self._deployment(key)
        if d is not None and not d.spec.paused:
            self.cluster.rollout_restart(key[1], namespace=key[0])

    @rule(key=deployments, image=st.sampled_from(DEPLOYMENT_IMAGES), replicas=st.none() | st.integers(0, 8),
          seconds=st.integers(1, 10), resume=st.booleans())
    def edit_while_paused(self, key: Key, image: str, replicas: Optional[int], seconds: int, resume: bool) -> None:
        """The documented way to batch changes: pause (and let the
        controller see it), set an image and maybe scale, watch for
        `seconds`, and maybe resume. Separate rules rarely line up this way."""
        d = self._deployment(key)
        if d is None or d.metadata.deletion_timestamp is not None:
            return  # a Deployment being deleted may be gone within the second watched
        if not d.spec.paused:
            self.cluster.rollout_pause(key[1], namespace=key[0])
        self.watch_rollouts(1)
        self.cluster.set_image("Deployment", key[1], "app", image, namespace=key[0])
        if replicas is not None:
            self.cluster.scale("Deployment", key[1], replicas, namespace=key[0])
        self.watch_rollouts(seconds)
        if resume:
            self.cluster.rollout_resume(key[1], namespace=key[0])

    @rule(key=consumes(deployments), propagation=st.sampled_from(PROPAGATIONS))
    def delete_deployment(self, key: Key, propagation: str) -> None:
        d = self._deployment(key)
        if d is not None:
            self._deleted.setdefault(d.metadata.uid, propagation)
            self.engine.delete("Deployment", key[0], key[1], propagation=propagation)

    @rule(seconds=st.integers(1, 20))
    def watch_rollouts(self, seconds: int) -> None:
        """Advance one second at a time, checking the Deployment invariants
        after each (as `kubectl rollout status` polls): rollouts take seconds,
        and `advance` alone mostly jumps over them."""
        for _ in range(seconds):
            self.cluster.advance("1s")
            for name in DEPLOYMENT_FAMILY:
                getattr(self, name.replace("-", "_"))()  # the @invariant methods below

    # ----------------------------------------------------------- liveness hooks

    def controller_keys(self) -> dict[str, list]:
        keys = super().controller_keys()
        eng = self.engine
        deployments = eng.store.list("Deployment")
        rss = eng.store.list("ReplicaSet")
        keys["deployment-controller"] = [(d.metadata.namespace, d.metadata.name) for d in deployments]
        keys["replicaset-controller"] = [("ReplicaSet", rs.metadata.namespace, rs.metadata.name) for rs in rss]
        owners = {ref.uid for obj in rss + self._all_pods() for ref in obj.metadata.owner_references}
        owners |= {obj.metadata.uid for obj in deployments + rss}
        keys["garbage-collector"] = sorted(owners)
        return keys

    def can_become_ready(self, d, rss) -> bool:
        """Whether `d` can finish its rollout: its template's pods become
        ready, and none of its pods waits for room (the base liveness check
        has shown that such a pod fits no node)."""
        if d.spec.template.metadata.annotations.get(ANN_NEVER_READY, "false") == "true":
            return False
        for rs in rss:
            for p in controlled_by(self.engine, rs, "Pod"):
                if not p.spec.node_name and p.status.phase not in TERMINAL_PHASES:
                    return False
        return True

    def stuck_as_in_kubernetes(self, d, rss) -> bool:
        """A Recreate Deployment with two or more active ReplicaSets whose
        desired-replicas annotation is not its spec.replicas never finishes
        in Kubernetes either: every sync is a scaling event (isScalingEvent),
        and sync.go scale() only scales a single active ReplicaSet or, for
        RollingUpdate, all of them proportionally — for Recreate it does
        nothing, so the annotations never change and rolloutRecreate is never
        reached (kubernetes/kubernetes#125568, closed unfixed). The machine
        gets there by adopting what an Orphan deletion left mid-rollout;
        specs/scenarios/regressions/recreate-with-two-active-replicasets-stays-stuck.yaml
        keeps the one-apply way (RollingUpdate → Recreate plus a new replica
        count mid-rollout). kstate ports that behaviour faithfully."""
        return (d.spec.strategy.type == "Recreate" and len(filter_active(rss)) >= 2
                and is_scaling_event(d, rss))

    def liveness_problems(self) -> list[str]:
        return super().liveness_problems() + self.deployment_liveness_problems()

    def deployment_liveness_problems(self) -> list[str]:
        eng = self.engine
        out: list[str] = []
        for kind in ("ReplicaSet", "Pod"):
            for obj in eng.store.list(kind):
                for ref in obj.metadata.owner_references:
                    if eng.by_uid(ref.uid) is None:
                        how = self._deleted.get(ref.uid)
                        out.append(f"{kind} {_k(obj)} left behind: its owner {ref.kind} {ref.name} is gone"
                                   + (f" (deleted with propagation {how})" if how else ""))
        for rs in eng.store.list("ReplicaSet"):
            pods = [p for p in controlled_by(eng, rs, "Pod")
                    if p.status.phase not in TERMINAL_PHASES and p.metadata.deletion_timestamp is None]
            if rs.status.observed_generation < rs.metadata.generation:
                out.append(f"ReplicaSet {_k(rs)} has not observed generation {rs.metadata.generation}")
            if len(pods) != rs.spec.replicas or rs.status.replicas != rs.spec.replicas:
                out.append(f"ReplicaSet {_k(rs)} wants {rs.spec.replicas} pods, has {len(pods)} "
                           f"(status.replicas {rs.status.replicas})")
        for d in eng.store.list("Deployment"):
            k = _k(d)
            if d.metadata.deletion_timestamp is not None:
                out.append(f"Deployment {k} still being deleted (finalizers {list(d.metadata.finalizers)})")
                continue
            rss = controlled_by(eng, d, "ReplicaSet")
            if d.spec.paused or not self.can_become_ready(d, rss) or self.stuck_as_in_kubernetes(d, rss):
                continue
            st_ = d.status
            if st_.observed_generation < d.metadata.generation:
                out.append(f"Deployment {k} has not observed generation {d.metadata.generation}")
            if st_.state != "Complete":
                cond = next((c for c in st_.conditions if c.type == "Progressing"), None)
                out.append(f"Deployment {k} is {st_.state}, want Complete (Progressing: "
                           f"{cond.reason if cond else None}; updated {st_.updated_replicas}, available "
                           f"{st_.available_replicas} of {d.spec.replicas})")
            active = [rs for rs in rss if rs.spec.replicas > 0]
            names = sorted(rs.metadata.name for rs in active)
            if d.spec.replicas == 0:
                if active:
                    out.append(f"Deployment {k} has replicas 0 but active ReplicaSets {names}")
                continue
            if len(active) != 1:
                out.append(f"Deployment {k} has active ReplicaSets {names}, want exactly one")
                continue
            rs = active[0]
            if not equal_ignore_hash(rs.spec.template, d.spec.template):
                out.append(f"Deployment {k}: its active ReplicaSet {rs.metadata.name} is not of the current template")
            if rs.spec.replicas != d.spec.replicas or rs.status.available_replicas != d.spec.replicas:
                out.append(f"Deployment {k}: ReplicaSet {rs.metadata.name} has {rs.spec.replicas} replicas, "
                           f"{rs.status.available_replicas} available, want {d.spec.replicas}")
        return out

    # ----------------------------------------------------------- invariants (safety)

    @invariant()
    def deployment_max_surge(self) -> None:
        self._check("deployment-max-surge")

    @invariant()
    def deployment_min_available(self) -> None:
        self._check("deployment-min-available")

    @invariant()
    def paused_deployment_creates_no_replicaset(self) -> None:
        self._check("paused-deployment-creates-no-replicaset")

    @invariant()
    def one_replicaset_per_template(self) -> None:
        self._check("one-replicaset-per-template")

    @invariant()
    def complete_deployment_has_one_active_replicaset(self) -> None:
        self._check("complete-deployment-has-one-active-replicaset")

    @invariant()
    def owners_in_same_namespace(self) -> None:
        self._check("owners-in-same-namespace")

    @invariant()
    def other_registered_invariants(self) -> None:
        """Invariants registered after this machine was written."""
        for name in sorted(INVARIANTS):
            if name not in _FAMILIES and name not in DEPLOYMENT_FAMILY:
                self._check(name)

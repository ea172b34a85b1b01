"""`StatefulSetMachine`: ClusterMachine plus StatefulSets.

On top of the cluster machine's node faults (join, leave, fail, recover,
cordon, drain) and pod faults it creates StatefulSets (OrderedReady or
Parallel, with or without volumeClaimTemplates, Retain or Delete retention,
RollingUpdate with a partition or maxUnavailable, or OnDelete), scales them,
sets their image, kills their pods, makes a pod fail, and deletes them.
Every step checks every registered invariant (the StatefulSet ones through
`other_registered_invariants`: one pod per ordinal, OrderedReady creation and
scale-down order, one pod and one ordinal per claim, converged once nothing
is pending); after `settle`:

- a StatefulSet whose pods can all run has a Ready pod for every ordinal,
  nothing condemned, the update revision from the partition up, and a status
  that says so (statefulset-converged, checked once stable);
- nothing is left of a deleted StatefulSet but the claims its retention
  policy keeps;
- the StatefulSet and volume controllers would do nothing more (the
  lost-wakeup check).
"""
from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, rule

from kstate.controllers import statefulset as ssc
from kstate.controllers import volumes
from kstate.controllers.actions import UpdateStatus
from kstate.invariants import INVARIANTS
from kstate.resources.frozen import evolve
from kstate.resources.meta import Condition, set_condition
from kstate.resources.pod import TERMINAL_PHASES
from kstate.testing.machine import ClusterMachine

STS_NAMES = ("web", "db")


@st.composite
def statefulset_manifests(draw) -> dict:
    name = draw(st.sampled_from(STS_NAMES))
    spec: dict = {
        "replicas": draw(st.integers(0, 4)),
        "serviceName": name,
        "podManagementPolicy": draw(st.sampled_from(("OrderedReady", "Parallel"))),
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
                     "spec": {"containers": [{"name": "c", "image": draw(st.sampled_from(("img:1", "img:2")))}]}},
        "updateStrategy": draw(st.sampled_from((
            {"type": "RollingUpdate"},
            {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}},
            {"type": "OnDelete"},
        ))),
    }
    if draw(st.booleans()):
        spec["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        spec["persistentVolumeClaimRetentionPolicy"] = draw(st.sampled_from((
            {"whenDeleted": "Retain", "whenScaled": "Retain"},
            {"whenDeleted": "Delete", "whenScaled": "Delete"},
            {"whenDeleted": "Retain", "whenScaled": "Delete"},
        )))
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": spec}


class StatefulSetMachine(ClusterMachine):
    statefulsets = Bundle("statefulsets")

    def _live_set(self, name: str):
        s = self.engine.get("StatefulSet", "default", name)
        return s if s is not None and s.metadata.deletion_timestamp is None else None

    @rule(target=statefulsets, d=statefulset_manifests())
    def create_statefulset(self, d: dict) -> str:
        name = d["metadata"]["name"]
        cur = self.engine.get("StatefulSet", "default", name)
        if cur is None:
            self.cluster.apply(d)
        return name

    @rule(name=statefulsets, replicas=st.integers(0, 5))
    def scale_statefulset(self, name: str, replicas: int) -> None:
        if self._live_set(name) is not None:
            self.cluster.scale("StatefulSet", name, replicas)

    @rule(name=statefulsets, image=st.sampled_from(("img:1", "img:2", "img:3")))
    def set_statefulset_image(self, name: str, image: str) -> None:
        if self._live_set(name) is not None:
            self.cluster.set_image("StatefulSet", name, "c", image)

    @rule(name=statefulsets, ordinal=st.integers(0, 4))
    def kill_statefulset_pod(self, name: str, ordinal: int) -> None:
        if self.engine.get("Pod", "default", f"{name}-{ordinal}") is not None:
            self.cluster.delete("Pod", f"{name}-{ordinal}")

    @rule(name=statefulsets, ordinal=st.integers(0, 4))
    def fail_statefulset_pod(self, name: str, ordinal: int) -> None:
        """The pod's phase becomes Failed (an eviction by the kubelet)."""
        p = self.engine.get("Pod", "default", f"{name}-{ordinal}")
        if p is None or p.metadata.deletion_timestamp is not None or p.status.phase in TERMINAL_PHASES \
                or p.status.state != "Running":
            return
        conds = p.status.conditions
        for t in ("Ready", "ContainersReady"):
            conds = set_condition(conds, Condition(t, "False", "PodFailed"), self.engine.now)
        st_ = evolve(p.status, phase="Failed", state="Failed", reason="Evicted", conditions=conds)
        self.engine.apply_action(UpdateStatus(evolve(p, status=st_), "fail"))

    @rule(name=statefulsets)
    def delete_statefulset(self, name: str) -> None:
        if self.engine.get("StatefulSet", "default", name) is not None:
            self.cluster.delete("StatefulSet", name)

    # ----------------------------------------------------------- liveness

    def controller_keys(self) -> dict[str, list]:
        keys = super().controller_keys()
        eng = self.engine
        keys[ssc.NAME] = [(s.metadata.namespace, s.metadata.name) for s in eng.store.list("StatefulSet")]
        keys[volumes.NAME] = ([("claim", c.metadata.namespace, c.metadata.name)
                               for c in eng.store.list("PersistentVolumeClaim")]
                              + [("volume", v.metadata.name) for v in eng.store.list("PersistentVolume")])
        return keys

    def liveness_problems(self) -> list[str]:
        out = super().liveness_problems()
        eng = self.engine
        out += [str(v) for v in INVARIANTS["statefulset-converged"](eng)]
        for name in STS_NAMES:
            if eng.get("StatefulSet", "default", name) is not None:
                continue
            left = [p.metadata.name for p in eng.store.list("Pod", "default")
                    if ssc.get_parent_name_and_ordinal(p)[0] == name]
            if left:
                out.append(f"StatefulSet {name} deleted but pods {left} remain")
        for c in eng.store.list("PersistentVolumeClaim"):
            if c.status.phase != "Bound" and (c.spec.storage_class_name or "") == volumes.BUILTIN_DEFAULT_CLASS:
                out.append(f"claim {c.metadata.name} of the default class is {c.status.phase}")
        return out

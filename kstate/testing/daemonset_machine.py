"""`DaemonSetMachine`: ClusterMachine plus DaemonSets.

On top of the cluster machine's node and pod faults (and deletions of daemon
pods) it creates DaemonSets
(some with a node selector, some tolerating the machine's NoSchedule taint,
RollingUpdate with maxUnavailable or maxSurge, or OnDelete), sets their
image, labels nodes in and out of their selector, taints nodes NoExecute and
deletes DaemonSets. Every step checks every registered invariant (the two
DaemonSet ones through `other_registered_invariants`); after `settle`:

- every Ready node that should run a DaemonSet's pod runs exactly one, Ready;
- no node runs a pod of a DaemonSet that should not keep running there;
- the DaemonSet's status counts say so (desired = current = ready = available;
  misscheduled counts exactly the nodes that should not run its pod but keep
  one — a NoSchedule taint its template stopped tolerating evicts nothing, as
  daemon_controller.go updateDaemonSetStatus counts it) and observedGeneration
  caught up;
- a RollingUpdate DaemonSet has every pod on the current revision;
- nothing is left of a deleted DaemonSet;
- the DaemonSet controller would do nothing more (the lost-wakeup check).
"""
from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, rule

from kstate.controllers import daemonset as dsc
from kstate.resources.frozen import evolve
from kstate.resources.pod import TERMINAL_PHASES, is_pod_ready
from kstate.testing.machine import ClusterMachine
from kstate.testing.strategies import TAINT_KEY, TAINT_VALUE

DS_NAMES = ("agent", "logs")
LABEL = "role"


@st.composite
def daemonset_manifests(draw) -> dict:
    name = draw(st.sampled_from(DS_NAMES))
    tpl_spec: dict = {"containers": [{"name": "c", "image": draw(st.sampled_from(("img:1", "img:2")))}]}
    if draw(st.booleans()):
        tpl_spec["nodeSelector"] = {LABEL: "worker"}
    if draw(st.booleans()):
        tpl_spec["tolerations"] = [{"key": TAINT_KEY, "operator": "Equal", "value": TAINT_VALUE,
                                    "effect": "NoSchedule"}]
    strategy = draw(st.sampled_from((
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "50%"}},
        {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
        {"type": "OnDelete"},
    )))
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}}, "updateStrategy": strategy,
                     "template": {"metadata": {"labels": {"app": name}}, "spec": tpl_spec}}}


class DaemonSetMachine(ClusterMachine):
    daemonsets = Bundle("daemonsets")

    @rule(target=daemonsets, d=daemonset_manifests())
    def create_daemonset(self, d: dict) -> str:
        cur = self.engine.get("DaemonSet", "default", d["metadata"]["name"])
        if cur is not None and cur.metadata.deletion_timestamp is not None:
            return d["metadata"]["name"]
        self.cluster.apply(d)
        return d["metadata"]["name"]

    @rule(name=daemonsets, image=st.sampled_from(("img:1", "img:2", "img:3")))
    def set_daemonset_image(self, name: str, image: str) -> None:
        ds = self.engine.get("DaemonSet", "default", name)
        if ds is not None and ds.metadata.deletion_timestamp is None:
            self.cluster.set_image("DaemonSet", name, "c", image)

    @rule(index=st.integers(0, 15))
    def kill_daemon_pod(self, index: int) -> None:
        """Delete one live daemon pod (kubectl delete pod): the DaemonSet
        replaces it once it is gone."""
        pods = sorted((p for p in self.engine.store.list("Pod", "default")
                       if p.metadata.labels.get("app") in DS_NAMES and p.metadata.deletion_timestamp is None),
                      key=lambda p: p.metadata.name)
        if pods:
            self.cluster.delete("Pod", pods[index % len(pods)].metadata.name)

    @rule(name=daemonsets)
    def delete_daemonset(self, name: str) -> None:
        if self.engine.get("DaemonSet", "default", name) is not None:
            self.cluster.delete("DaemonSet", name)

    @rule(name=ClusterMachine.nodes, on=st.booleans())
    def label_node(self, name: str, on: bool) -> None:
        node = self._node(name)
        if node is None:
            return
        labels = dict(node.metadata.labels)
        if on:
            labels[LABEL] = "worker"
        else:
            labels.pop(LABEL, None)
        if labels != dict(node.metadata.labels):
            self.engine.update(evolve(node, metadata=evolve(node.metadata, labels=labels)))

    @rule(name=ClusterMachine.nodes, on=st.booleans())
    def taint_no_execute(self, name: str, on: bool) -> None:
        node = self._node(name)
        if node is None:
            return
        has = any(t.key == "dedicated" for t in node.spec.taints)
        if on and not has:
            self.cluster.taint(name, "dedicated", "NoExecute", "db")
        elif not on and has:
            self.cluster.untaint(name, "dedicated")

    # ----------------------------------------------------------- liveness

    def controller_keys(self) -> dict[str, list]:
        keys = super().controller_keys()
        keys[dsc.NAME] = [(d.metadata.namespace, d.metadata.name) for d in self.engine.store.list("DaemonSet")]
        return keys

    def liveness_problems(self) -> list[str]:
        out = super().liveness_problems()
        eng = self.engine
        nodes = eng.store.list("Node")
        for name in DS_NAMES:
            ds = eng.get("DaemonSet", "default", name)
            pods = [p for p in eng.store.list("Pod", "default") if p.metadata.labels.get("app") == name
                    and p.metadata.deletion_timestamp is None and p.status.phase not in TERMINAL_PHASES]
            if ds is None:
                if pods:
                    out.append(f"DaemonSet {name} deleted but pods {[p.metadata.name for p in pods]} remain")
                continue
            by_node: dict = {}
            for p in pods:
                by_node.setdefault(dsc.get_target_node_name(p), []).append(p)
            spec = dsc.simulated_pod_spec(ds)
            misscheduled = 0
            for node in nodes:
                n = node.metadata.name
                run, keep = dsc.node_should_run_daemon_pod(node, ds, spec)
                mine = by_node.get(n, [])
                if not run and mine:
                    misscheduled += 1  # kept (a NoSchedule taint it no longer tolerates), still counted
                if run and node.status.state == "Ready":
                    if len(mine) != 1 or not is_pod_ready(mine[0]):
                        out.append(f"DaemonSet {name}: node {n} runs {len(mine)} pods "
                                   f"({[p.status.state for p in mine]}), want one Ready")
                if not keep and mine:
                    out.append(f"DaemonSet {name}: node {n} should not run {[p.metadata.name for p in mine]}")
            st_ = ds.status
            if st_.observed_generation < ds.metadata.generation:
                out.append(f"DaemonSet {name}: observedGeneration {st_.observed_generation} < "
                           f"{ds.metadata.generation}")
            if not (st_.desired_number_scheduled == st_.current_number_scheduled == st_.number_ready
                    == st_.number_available) or st_.number_misscheduled != misscheduled:
                out.append(f"DaemonSet {name}: status {st_} not settled")
            if ds.spec.update_strategy.type == "RollingUpdate":
                h = dsc.current_hash(ds)
                stale = [p.metadata.name for p in pods if p.metadata.labels.get("controller-revision-hash") != h]
                rev = next((r for r in eng.store.list("ControllerRevision", "default")
                            if r.metadata.name == f"{name}-{h}"), None)
                if stale and rev is not None:
                    out.append(f"DaemonSet {name}: pods {stale} not on the current revision")
        return out

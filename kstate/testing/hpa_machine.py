"""`HPAMachine`: ClusterMachine plus HorizontalPodAutoscalers under load.

On top of the cluster machine's node faults (fail, recover, remove, cordon,
drain), bare pods, container crashes and time, hypothesis creates
Deployments of 100m-cpu pods each autoscaled by an HPA (50 or 80 %
cpu, sometimes also a custom Pods metric `qps`, min 1–2, max 3–6, legacy
or a behavior with Pods/Percent policies and windows), changes their load
(constants and ramps) and their `qps`, scales the target by
hand (the HPA takes it back), and deletes HPAs. Every step checks every
registered invariant (the HPA ones through `other_registered_invariants`).

Liveness, once `settle` stopped the faults and ran its horizon (HPAs sync
forever, so it never waits for quiescence) — constant load ⇒ no
oscillation: over a further 10 minutes no HPA rescales its target, and each
HPA whose target has a Running and Ready pod is not Disabled.

    from kstate.testing.hpa_machine import HPAMachine

    TestHPAs = HPAMachine.TestCase
"""
from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, rule

from kstate.controllers import metrics as ms
from kstate.resources.pod import is_pod_ready
from kstate.testing.machine import ClusterMachine

APPS = ("web", "api")
LOADS = ("0", "50m", "100m", "250m", "400m", "800m")


def autoscaled_deployment(name: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "app:1", "resources": {
                                      "requests": {"cpu": "100m", "memory": "32Mi"}}}]}}}}


@st.composite
def hpa_manifests(draw, name: str) -> dict:
    spec: dict = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                  "minReplicas": draw(st.integers(1, 2)), "maxReplicas": draw(st.integers(3, 6)),
                  "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                      "type": "Utilization", "averageUtilization": draw(st.sampled_from((50, 80)))}}}]}
    if draw(st.booleans()):
        spec["metrics"].append({"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {
            "type": "AverageValue", "averageValue": "10"}}})
    if draw(st.booleans()):
        spec["behavior"] = {
            "scaleUp": {"stabilizationWindowSeconds": draw(st.sampled_from((0, 30))),
                        "policies": [{"type": "Pods", "value": draw(st.integers(1, 4)), "periodSeconds": 15}]},
            "scaleDown": {"stabilizationWindowSeconds": draw(st.sampled_from((0, 60, 300))),
                          "selectPolicy": draw(st.sampled_from(("Max", "Min"))),
                          "policies": [{"type": "Percent", "value": draw(st.sampled_from((10, 50, 100))),
                                        "periodSeconds": 60},
                                       {"type": "Pods", "value": 1, "periodSeconds": 30}]},
        }
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
            "spec": spec}


class HPAMachine(ClusterMachine):
    apps = Bundle("apps")

    @rule(target=apps, name=st.sampled_from(APPS), replicas=st.integers(1, 3), data=st.data())
    def create_autoscaled(self, name: str, replicas: int, data) -> str:
        if self.engine.get("Deployment", "default", name) is None:
            self.cluster.apply(autoscaled_deployment(name, replicas))
        if self.engine.get("HorizontalPodAutoscaler", "default", name) is None:
            self.cluster.apply(data.draw(hpa_manifests(name)))
        return name

    @rule(name=apps, cpu=st.sampled_from(LOADS))
    def set_load(self, name: str, cpu: str) -> None:
        if self.engine.get("Deployment", "default", name) is not None:
            self.cluster.set_load("deployment", name, cpu=cpu)

    @rule(name=apps, start=st.sampled_from(LOADS), end=st.sampled_from(LOADS),
          over=st.sampled_from(("1m", "5m")))
    def ramp_load(self, name: str, start: str, end: str, over: str) -> None:
        if self.engine.get("Deployment", "default", name) is not None:
            self.cluster.set_load("deployment", name, cpu={"ramp": {"from": start, "to": end, "over": over}})

    @rule(name=apps, qps=st.sampled_from(("2", "10", "30")))
    def set_qps(self, name: str, qps: str) -> None:
        """The custom Pods metric `qps` of the app's pods (used by HPAs that list it)."""
        self.cluster.set_pod_metric("qps", qps, selector=f"app={name}")

    @rule(name=apps, replicas=st.integers(0, 8))
    def scale_by_hand(self, name: str, replicas: int) -> None:
        if self.engine.get("Deployment", "default", name) is not None:
            self.cluster.scale("deployment", name, replicas)

    @rule(name=apps)
    def delete_hpa(self, name: str) -> None:
        if self.engine.get("HorizontalPodAutoscaler", "default", name) is not None:
            self.cluster.delete("HorizontalPodAutoscaler", name)

    # ----------------------------------------------------------- liveness

    def never_stabilises(self) -> bool:
        """HPAs sync every 15 s forever, and so does the metrics-server while
        a load is set (even after the HPAs are gone)."""
        load = self.engine.indexes[ms.LOAD]
        return (self.engine.has_any("HorizontalPodAutoscaler") or bool(load["workload"] or load["pod"])
                or super().never_stabilises())

    def liveness_problems(self) -> list[str]:
        out = super().liveness_problems()
        hpas = self.engine.store.list("HorizontalPodAutoscaler")
        if not hpas:
            return out
        # a ramp ends within 5 minutes of being set; settle ran 20: the load is constant now
        before = {h.metadata.name: self._replicas(h.metadata.name) for h in hpas}
        changed: dict = {}
        for i in range(40):                       # 10 minutes, sync by sync
            self.cluster.advance("15s")
            for name, was in before.items():
                now = self._replicas(name)
                if now != was and name not in changed:
                    changed[name] = f"{was} -> {now} after {15 * (i + 1)} s"
        for name, what in sorted(changed.items()):
            out.append(f"HPA {name} rescaled its target under constant load after settling: {what}")
        for h in self.engine.store.list("HorizontalPodAutoscaler"):
            cur = self._replicas(h.metadata.name)
            serving = [p for p in self.engine.store.list("Pod", "default")
                       if p.metadata.labels.get("app") == h.metadata.name and p.status.phase == "Running"
                       and is_pod_ready(p) and p.metadata.deletion_timestamp is None]
            # with no pod running (no node left, or no room) there is no metric: Disabled is right
            if cur and serving and h.status.state == "Disabled":
                reasons = {c.type: (c.status, c.reason) for c in h.status.conditions}
                out.append(f"HPA {h.metadata.name} disabled with {cur} target replicas: {reasons}")
        return out

    def _replicas(self, name: str):
        d = self.engine.get("Deployment", "default", name)
        return None if d is None else d.spec.replicas

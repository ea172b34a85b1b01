"""`DisruptionMachine`: `DeploymentMachine` with PodDisruptionBudgets,
evictions and drains.

On top of the Deployment machine's rules (and the cluster machine's node
faults, bare pods and time), hypothesis applies budgets over the machine's
Deployments (minAvailable or maxUnavailable, an int or a percent, either
unhealthy-pod eviction policy), re-applies them changed, deletes them,
evicts pods through the eviction API (a refusal — 429, 403, 500 — is an
answer, not a failure) and drains nodes through it with a timeout.

Safety: after every step `eviction-keeps-disruption-budget` (an eviction
never takes a budget below its minimum) is checked explicitly, next to every
other registered invariant.

Liveness, once `settle` stopped the faults and the cluster went quiet (in
addition to the Deployment machine's): every budget has observed its
generation and its status says what its pods say (the invariant's
recomputation, exactly: disruptionsAllowed equal to the healthy pods it can
spare), and no disruption-controller key would still act.

Run it with pytest by exposing its TestCase::

    from kstate.testing.disruption_machine import DisruptionMachine

    TestDisruptions = DisruptionMachine.TestCase
"""
from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, consumes, invariant, rule

from kstate.controllers import disruption as dis
from kstate.errors import APIStatusError, KstateError
from kstate.resources.pod import TERMINAL_PHASES
from kstate.testing.deployment_machine import DEPLOYMENT_NAMES, DeploymentMachine
from kstate.testing.machine import NAMESPACES, NODE_NAMES

__all__ = ["DISRUPTION_FAMILY", "DisruptionMachine", "budget_specs"]

DISRUPTION_FAMILY = ("eviction-keeps-disruption-budget",)


@st.composite
def budget_specs(draw) -> dict:
    """A PodDisruptionBudget spec without selector: minAvailable or
    maxUnavailable as an int (0–4) or a percent, sometimes neither, and
    sometimes an unhealthyPodEvictionPolicy."""
    value = draw(st.integers(0, 4) | st.sampled_from(["0%", "25%", "50%", "100%"]))
    field = draw(st.sampled_from(["minAvailable", "maxUnavailable", None]))
    spec: dict = {} if field is None else {field: value}
    policy = draw(st.none() | st.sampled_from(["IfHealthyBudget", "AlwaysAllow"]))
    if policy is not None:
        spec["unhealthyPodEvictionPolicy"] = policy
    return spec


class DisruptionMachine(DeploymentMachine):
    budgets = Bundle("budgets")

    # ----------------------------------------------------------- rules

    @rule(target=budgets, name=st.sampled_from(DEPLOYMENT_NAMES), namespace=st.sampled_from(NAMESPACES),
          spec=budget_specs())
    def apply_budget(self, name: str, namespace: str, spec: dict):
        """One budget per Deployment name (selector app=<name>); applying it
        again replaces its spec."""
        self.cluster.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                            "metadata": {"name": name, "namespace": namespace},
                            "spec": {**spec, "selector": {"matchLabels": {"app": name}}}})
        return (namespace, name)

    @rule(target=budgets, name=st.sampled_from(DEPLOYMENT_NAMES), namespace=st.sampled_from(NAMESPACES),
          replicas=st.integers(1, 5), spare=st.integers(0, 2))
    def create_protected_deployment(self, name: str, namespace: str, replicas: int, spare: int):
        """A Deployment whose pods are Ready at once, with a budget of
        minAvailable replicas − spare: drains and evictions then meet
        budgets that refuse (the generated Deployments are often unready)."""
        if self._deployment((namespace, name)) is not None:
            return (namespace, name)
        d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
             "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                      "template": {"metadata": {"labels": {"app": name}},
                                   "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}
        self.cluster.apply([d, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                "metadata": {"name": name, "namespace": namespace},
                                "spec": {"minAvailable": max(0, replicas - spare),
                                         "selector": {"matchLabels": {"app": name}}}}])
        self._manifests[(namespace, name)] = d
        return (namespace, name)

    @rule(key=consumes(budgets))
    def delete_budget(self, key: tuple) -> None:
        if self.engine.get("PodDisruptionBudget", key[0], key[1]) is not None:
            self.cluster.delete("PodDisruptionBudget", key[1], key[0])

    @rule(index=st.integers(0, 63), grace=st.none() | st.integers(0, 30))
    def evict_a_pod(self, index: int, grace) -> None:
        """Evict a live pod once the controllers caught up with this instant
        (as a client's request arrives after the informers saw the last
        change), and check the eviction itself: one that spent a budget
        leaves at least desiredHealthy healthy pods (recomputed from the
        pods, not read from the status the eviction trusted)."""
        self.cluster.advance("0s")
        live = [p for p in self._all_pods() if p.status.phase not in TERMINAL_PHASES]
        if not live:
            return
        pod = live[index % len(live)]
        eng = self.engine
        pdbs = dis.pdbs_for_pod(eng, pod)
        before = self._healthy_and_desired(pdbs[0]) if len(pdbs) == 1 else None
        try:
            self.cluster.evict(pod.metadata.name, pod.metadata.namespace, grace_period=grace)
        except APIStatusError:
            return
        if before is None or pod.metadata.deletion_timestamp is not None or pod.status.phase == "Pending":
            return
        b = eng.get(dis.KIND, pdbs[0].metadata.namespace, pdbs[0].metadata.name)
        if pod.metadata.name not in b.status.disrupted_pods:
            return       # an unready pod the budget let go without spending a disruption
        healthy, desired = before
        assert healthy - 1 >= desired, self._fail("an eviction took a budget below its minimum", [
            f"evicting {pod.metadata.namespace}/{pod.metadata.name} left {healthy - 1} healthy pods of "
            f"{desired} desired under PodDisruptionBudget {b.metadata.namespace}/{b.metadata.name}"])

    def _healthy_and_desired(self, pdb):
        eng = self.engine
        obs = dis.observe_disruption(eng, (pdb.metadata.namespace, pdb.metadata.name))
        try:
            expected, desired, _ = dis.get_expected_pod_count(pdb, obs.pods, obs.scales)
        except dis.SyncError:
            return None
        if expected != pdb.status.expected_pods:
            return None      # a change of scale the controller has not seen (it does not watch workloads)
        return dis.count_healthy_pods(obs.pods, pdb.status.disrupted_pods, eng.now), desired

    @rule(name=st.sampled_from(NODE_NAMES), timeout=st.sampled_from(["5s", "10s", "30s"]),
          disable_eviction=st.booleans())
    def drain_with_budgets(self, name: str, timeout: str, disable_eviction: bool) -> None:
        if self._node(name) is None:
            return
        try:
            self.cluster.drain(name, force=True, ignore_daemonsets=True, delete_emptydir_data=True,
                               disable_eviction=disable_eviction, timeout=timeout)
        except KstateError:
            pass

    # ----------------------------------------------------------- liveness

    def controller_keys(self) -> dict[str, list]:
        keys = super().controller_keys()
        keys[dis.NAME] = [(b.metadata.namespace, b.metadata.name) for b in self.engine.store.list(dis.KIND)]
        return keys

    def liveness_problems(self) -> list[str]:
        return super().liveness_problems() + self.budget_liveness_problems()

    def budget_liveness_problems(self) -> list[str]:
        eng = self.engine
        out = []
        for b in eng.store.list(dis.KIND):
            name = f"{b.metadata.namespace}/{b.metadata.name}"
            if b.status.observed_generation != b.metadata.generation:
                out.append(f"PodDisruptionBudget {name} has not observed generation {b.metadata.generation}")
                continue
            pods = dis.pdb_pods(eng, b)
            if any(len(dis.pdbs_for_pod(eng, p)) > 1 for p in pods):
                continue
            obs = dis.observe_disruption(eng, (b.metadata.namespace, b.metadata.name))
            try:
                expected, desired, _ = dis.get_expected_pod_count(b, obs.pods, obs.scales)
            except dis.SyncError:
                if b.status.disruptions_allowed != 0:
                    out.append(f"PodDisruptionBudget {name} failed to sync but allows disruptions")
                continue
            healthy = dis.count_healthy_pods(obs.pods, b.status.disrupted_pods, eng.now)
            want = max(0, healthy - desired) if expected > 0 else 0
            got = (b.status.disruptions_allowed, b.status.current_healthy, b.status.desired_healthy,
                   b.status.expected_pods)
            if got != (want, healthy, desired, expected):
                out.append(f"PodDisruptionBudget {name} status (allowed, healthy, desired, expected) {got} "
                           f"!= {(want, healthy, desired, expected)} from its pods")
        return out

    # ----------------------------------------------------------- safety

    @invariant()
    def eviction_keeps_disruption_budget(self) -> None:
        self._check("eviction-keeps-disruption-budget")

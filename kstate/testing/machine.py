"""`ClusterMachine`: a hypothesis rule-based state machine over a `Cluster`.

Hypothesis drives a small cluster (1–4 nodes, a seed) through random
operations — nodes added, failed, recovered, removed, cordoned, drained;
pods created (1–3 at a time, some naming their node in spec.nodeName),
deleted, crashed; time advanced by 500ms..10m — and after every step checks
each invariant of `kstate.invariants.INVARIANTS` (safety); invariants
registered later than this module are checked too. The `settle` rule stops the faults
(every failed node recovers, every node is uncordoned), lets the cluster run
and then checks liveness: what must have happened once nothing disturbs the
cluster any more (DESIGN.md §6).

Run it with pytest by exposing its TestCase::

    # tests/properties/test_cluster_machine.py
    from kstate.testing.machine import ClusterMachine

    TestCluster = ClusterMachine.TestCase

(the hypothesis profile — examples, steps — comes from tests/conftest.py).

Extend it for more kinds by subclassing: add a Bundle and rules, and extend
the hooks that `settle` consults::

    class DeploymentMachine(ClusterMachine):
        deployments = Bundle("deployments")

        @rule(target=deployments, d=deployment_manifests())
        def create_deployment(self, d):
            self.cluster.apply(d)
            return d["metadata"]["name"]

        def never_stabilises(self):          # pods that crash-loop forever
            return super().never_stabilises() or ...

        def controller_keys(self):           # for the lost-wakeup check
            keys = super().controller_keys()
            keys["deployment"] = [...]
            return keys

        def liveness_problems(self):         # after settle
            return super().liveness_problems() + [...]

    TestDeployments = DeploymentMachine.TestCase

(`kstate.testing.deployment_machine.DeploymentMachine` is the full version.)

A subclass or a quality test can run the machine on broken controllers by
setting the class attribute `controllers` (a registry like
`kstate.controllers.CONTROLLERS`). Every rule is robust to objects that
disappeared meanwhile: it looks the object up in the cluster and does nothing
when the operation does not apply, so bundles may hold stale names.

Liveness after `settle` (what the kstate model guarantees once faults stop):
- every node is Ready, schedulable, and carries no lifecycle taint;
- no pod is bound to a missing node (PodGC) and no pod is still terminating;
- every non-terminal pod bound to a Ready node is Running — or, for a pod that
  exits on its own (kstate.io/exit-after) and is restarted, Running,
  Terminated or CrashLoopBackOff;
- a Running pod whose containers all run is Ready once its readiness delay
  (kstate.io/ready-after, default 0 s) has passed, unless never-ready;
- no unbound pod fits a Ready, schedulable node whose taints it tolerates
  (independent fit check: requests of bound non-terminal pods + this pod ≤
  allocatable cpu/memory/pods, nodeSelector matched);
- no controller would act if asked now (a pure reconcile of every key gives
  no actions — a lost wakeup otherwise);
- without pods that crash-loop forever, the cluster goes quiet
  (`run_until_stable` within the horizon).
"""
from __future__ import annotations

from typing import Any, Optional

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, consumes, initialize, invariant, multiple, rule,
)

from kstate.api import Cluster
from kstate.controllers.actions import RecordEvent, SetMemory, UpdateStatus
from kstate.errors import NotStable
from kstate.invariants import INVARIANTS
from kstate.resources.node import TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE
from kstate.resources.pod import TERMINAL_PHASES, is_pod_ready
from kstate.resources.quantity import cpu_millis, to_int
from kstate.testing.strategies import (
    ANN_EXIT_AFTER, ANN_EXIT_CODE, durations, node_manifests, pod_manifests,
)
from kstate.testing.strategies import affinity_pod_manifests

__all__ = ["ClusterMachine", "NODE_NAMES", "POD_NAMES", "NAMESPACES"]

#: names the machine uses: a small pool, so names get reused after removal.
NODE_NAMES = tuple(f"node-{i}" for i in range(8))
POD_NAMES = tuple(f"pod-{i}" for i in range(10))
NAMESPACES = ("default", "kube-public")

#: the invariants with their own @invariant below; any other registered one
#: is checked by `other_registered_invariants`.
_FAMILIES = (
    "status-changes-are-machine-edges", "no-node-over-capacity", "pods-bound-to-existing-nodes",
    "pod-phase-consistent", "ready-pods-are-running", "pod-ips-unique-in-node-cidr", "node-cidrs-disjoint",
)
_LIFECYCLE_TAINTS = (TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE)


def _key(pod) -> str:
    return f"{pod.metadata.namespace}/{pod.metadata.name}"


class ClusterMachine(RuleBasedStateMachine):
    nodes = Bundle("nodes")
    pods = Bundle("pods")

    #: the controller registry the cluster runs (None: kstate's own).
    controllers: Optional[dict] = None
    #: how long `settle` runs the cluster once the faults stop. Enough for a
    #: 30 s grace period, PodGC (≤ 60 s), and a 300 s crash-loop back-off.
    settle_horizon = "20m"
    #: trace lines shown with a failure.
    trace_tail = 40

    def __init__(self) -> None:
        super().__init__()
        self.cluster: Optional[Cluster] = None
        self._trace_cursor = 0

    # ----------------------------------------------------------- helpers

    def make_cluster(self, nodes: int, seed: int) -> Cluster:
        return Cluster(nodes=nodes, seed=seed, controllers=self.controllers)

    @property
    def engine(self):
        return self.cluster.engine

    def _node(self, name: str):
        return self.engine.get("Node", "", name)

    def _pod(self, key: tuple[str, str]):
        return self.engine.get("Pod", key[0], key[1])

    def _all_pods(self) -> list:
        return self.engine.store.list("Pod")

    def _trace_tail(self) -> str:
        lines = self.cluster.trace()[-self.trace_tail:]
        return "\n".join("    " + x for x in lines)

    def _fail(self, what: str, problems: list) -> str:
        body = "\n".join(f"  - {p}" for p in problems)
        return (f"{what} at t={self.cluster.elapsed_ms} ms:\n{body}\n"
                f"  last {self.trace_tail} trace lines:\n{self._trace_tail()}")

    # ----------------------------------------------------------- setup

    @initialize(target=nodes, k=st.integers(1, 4), seed=st.integers(0, 2**16))
    def setup(self, k: int, seed: int):
        self.cluster = self.make_cluster(k, seed)
        self._trace_cursor = 0
        return multiple(*(n.metadata.name for n in self.cluster.list("Node")))

    # ----------------------------------------------------------- nodes

    @rule(target=nodes, node=node_manifests(names=st.sampled_from(NODE_NAMES)))
    def add_node(self, node: dict):
        name = node["metadata"]["name"]
        if self._node(name) is not None:
            return multiple()
        self.cluster.apply(node)
        return name

    @rule(name=nodes, mode=st.sampled_from(("partition", "crash")))
    def fail_node(self, name: str, mode: str = "partition") -> None:
        node = self._node(name)
        if node is not None and node.status.state in ("Ready", "NotReady"):
            self.cluster.fail_node(name, mode=mode)

    @rule(name=nodes)
    def recover_node(self, name: str) -> None:
        node = self._node(name)
        if node is not None and node.status.state in ("Silent", "Unknown"):
            self.cluster.recover_node(name)

    @rule(name=consumes(nodes))
    def remove_node(self, name: str) -> None:
        if self._node(name) is not None:
            self.cluster.remove_node(name)

    @rule(name=nodes)
    def cordon(self, name: str) -> None:
        if self._node(name) is not None:
            self.cluster.cordon(name)

    @rule(name=nodes)
    def uncordon(self, name: str) -> None:
        if self._node(name) is not None:
            self.cluster.uncordon(name)

    @rule(name=nodes)
    def drain(self, name: str) -> None:
        if self._node(name) is not None:
            self.cluster.drain(name, force=True, ignore_daemonsets=True, timeout="30s")

    # ----------------------------------------------------------- pods

    @rule(target=pods, pods=st.lists(
        pod_manifests(name=st.sampled_from(POD_NAMES), namespace=st.sampled_from(NAMESPACES),
                      node_names=st.sampled_from(NODE_NAMES)),
        min_size=1, max_size=3, unique_by=lambda p: (p["metadata"].get("namespace"), p["metadata"]["name"])))
    def create_pods(self, pods: list):
        """Apply 1–3 pods at one instant (names already taken are skipped)."""
        keys = []
        for pod in pods:
            key = (pod["metadata"].get("namespace", "default"), pod["metadata"]["name"])
            if self._pod(key) is None:
                self.cluster.apply(pod)
                keys.append(key)
        return multiple(*keys)

    @rule(target=pods, pods=st.lists(
        affinity_pod_manifests(name=st.sampled_from(POD_NAMES), namespace=st.sampled_from(NAMESPACES)),
        min_size=1, max_size=3, unique_by=lambda p: (p["metadata"].get("namespace"), p["metadata"]["name"])))
    def create_affinity_pods(self, pods: list):
        """Apply 1–3 pods with pod (anti-)affinity or spread constraints."""
        return self.create_pods(pods)

    @rule(pod=pods, grace=st.none() | st.integers(0, 30))
    def delete_pod(self, pod: tuple[str, str], grace: Optional[int]) -> None:
        if self._pod(pod) is not None:
            self.cluster.delete("Pod", pod[1], pod[0], grace_period=grace)

    @rule(pod=pods, exit_code=st.sampled_from((1, 0, 137)))
    def crash_container(self, pod: tuple[str, str], exit_code: int) -> None:
        p = self._pod(pod)
        if p is not None and p.status.state == "Running" and p.metadata.deletion_timestamp is None:
            self.cluster.crash_container(pod[1], pod[0], exit_code=exit_code)

    @rule(index=st.integers(0, 63), exit_code=st.sampled_from((1, 0)))
    def crash_any_running_pod(self, index: int, exit_code: int) -> None:
        """Like crash_container, for pods the bundle does not know (created by
        controllers in subclasses)."""
        running = [p for p in self._all_pods()
                   if p.status.state == "Running" and p.metadata.deletion_timestamp is None]
        if running:
            p = running[index % len(running)]
            self.cluster.crash_container(p.metadata.name, p.metadata.namespace, exit_code=exit_code)

    # ----------------------------------------------------------- time

    @rule(duration=durations())
    def advance(self, duration: str) -> None:
        self.cluster.advance(duration)

    @rule()
    def settle(self) -> None:
        """Stop the faults, run for a bounded horizon, check liveness."""
        c = self.cluster
        for node in c.list("Node"):
            if node.status.state in ("Silent", "Unknown"):
                c.recover_node(node.metadata.name)
            if node.spec.unschedulable:
                c.uncordon(node.metadata.name)
        problems = []
        if self.never_stabilises():
            c.advance(self.settle_horizon)
        else:
            try:
                c.run_until_stable(self.settle_horizon)
            except NotStable as e:
                problems.append(f"not quiescent after faults stopped: {e}")
        problems += self.liveness_problems()
        assert not problems, self._fail("liveness violated after settle", problems)

    # ----------------------------------------------------------- liveness hooks

    def crash_loops_forever(self, pod) -> bool:
        """A pod that exits on its own and is restarted every time."""
        ann = pod.metadata.annotations
        if ANN_EXIT_AFTER not in ann:
            return False
        policy = pod.spec.restart_policy
        return policy == "Always" or (policy == "OnFailure" and ann.get(ANN_EXIT_CODE, "0") != "0")

    def never_stabilises(self) -> bool:
        """True when some live pod keeps the cluster busy forever, so `settle`
        runs a fixed horizon instead of `run_until_stable`."""
        return any(p.status.phase not in TERMINAL_PHASES and self.crash_loops_forever(p) for p in self._all_pods())

    def controller_keys(self) -> dict[str, list]:
        """Controller name → the keys a pure reconcile is asked about by the
        lost-wakeup check. Subclasses add their controllers."""
        eng = self.engine
        pod_keys = [(p.metadata.namespace, p.metadata.name) for p in self._all_pods()]
        node_names = [n.metadata.name for n in eng.store.list("Node")]
        orphan_nodes = sorted({p.spec.node_name for p in self._all_pods()
                               if p.spec.node_name and eng.get("Node", "", p.spec.node_name) is None})
        return {
            "default-scheduler": pod_keys,
            "kubelet": pod_keys,
            "taint-eviction-controller": pod_keys,
            "node-lifecycle-controller": node_names,
            "node-lifecycle-zone": list(eng.places("Node")),
            "pod-garbage-collector": orphan_nodes,
        }

    def counts_as_work(self, controller: str, action: Any) -> bool:
        """Whether an action returned at the fixed point means the controller
        missed work. Events and controller memory do not; nor does the
        scheduler refreshing an Unschedulable condition's message."""
        if isinstance(action, (RecordEvent, SetMemory)):
            return False
        if controller == "default-scheduler" and isinstance(action, UpdateStatus) and action.trigger is None:
            return False
        return True

    def lost_wakeups(self) -> list[str]:
        eng = self.engine
        out = []
        for name, keys in sorted(self.controller_keys().items()):
            ctrl = eng.controllers.get(name)
            if ctrl is None:
                continue
            for key in keys:
                result = ctrl.reconcile(ctrl.observe(eng, key), eng.now)
                work = [a for a in result.actions if self.counts_as_work(name, a)]
                if work:
                    out.append(f"{name} {key!r} would still act: {', '.join(type(a).__name__ for a in work)}"
                               f" (never woken up)")
        return out

    def ready_delay(self, pod) -> Optional[int]:
        """ms after the containers started when the kubelet makes `pod`
        Ready (from the profile's become_ready rules), None if never."""
        if is_pod_ready(pod):
            return 0
        delays = [r.delay(pod) for r in self.engine.profile().rules_for("Running")
                  if r.fire == "become_ready" and r.selects(pod)]
        delays = [d for d in delays if d is not None]
        return min(delays) if delays else None

    def fits(self, pod, node, used: dict) -> bool:
        """Independent of the scheduler: could `pod` run on `node` now?"""
        if node.status.state != "Ready" or node.spec.unschedulable:
            return False
        for taint in node.spec.taints:
            if taint.effect in ("NoSchedule", "NoExecute") and not any(t.tolerates(taint)
                                                                       for t in pod.spec.tolerations):
                return False
        labels = node.metadata.labels
        if any(labels.get(k) != v for k, v in pod.spec.node_selector.items()):
            return False
        aff = pod.spec.affinity
        if aff is not None and aff.required_node_terms is not None:
            return False  # not modelled here: the machine's pods have no affinity
        if pod.spec.extra.get("topologySpreadConstraints") or (aff is not None and "podAffinity" in aff.extra):
            return False  # not modelled here: whether a zone may take it depends on the others
        if not self._anti_affinity_allows(pod, node):
            return False
        cpu, mem, count = used.get(node.metadata.name, (0, 0, 0))
        alloc = node.status.allocatable
        req_cpu = sum(cpu_millis(c.resources.requests["cpu"]) for c in pod.spec.containers
                      if "cpu" in c.resources.requests)
        req_mem = sum(to_int(c.resources.requests["memory"]) for c in pod.spec.containers
                      if "memory" in c.resources.requests)
        return (count + 1 <= to_int(alloc.get("pods", "110"))
                and cpu + req_cpu <= cpu_millis(alloc.get("cpu", "0"))
                and mem + req_mem <= to_int(alloc.get("memory", "0")))

    def _anti_affinity_allows(self, pod, node) -> bool:
        """Independent of the scheduler: hostname anti-affinity only (what
        affinity_pod_manifests draws), both directions, over the live pods
        bound to `node`."""
        def forbids(holder, other) -> bool:
            aff = holder.spec.affinity
            terms = (aff.extra.get("podAntiAffinity") or {}).get(
                "requiredDuringSchedulingIgnoredDuringExecution") or () if aff is not None else ()
            for t in terms:
                want = (t.get("labelSelector") or {}).get("matchLabels") or {}
                if (t.get("topologyKey") == "kubernetes.io/hostname" and holder.metadata.namespace ==
                        other.metadata.namespace and all(other.metadata.labels.get(k) == v for k, v in want.items())):
                    return True
            return False
        for q in self._all_pods():
            if q.spec.node_name != node.metadata.name or q.status.phase in TERMINAL_PHASES or q is pod:
                continue
            if forbids(pod, q) or forbids(q, pod):
                return False
        return True

    def liveness_problems(self) -> list[str]:
        eng = self.engine
        now = eng.now
        out: list[str] = []
        nodes = eng.store.list("Node")
        for node in nodes:
            n = node.metadata.name
            if node.status.state != "Ready":
                out.append(f"Node {n} is {node.status.state} after recovery")
            if node.spec.unschedulable:
                out.append(f"Node {n} still cordoned after uncordon")
            stale = [f"{t.key}:{t.effect}" for t in node.spec.taints if t.key in _LIFECYCLE_TAINTS]
            if stale:
                out.append(f"Node {n} is Ready but keeps lifecycle taints {stale}")
        used: dict[str, tuple[int, int, int]] = {}
        pending = []
        for pod in self._all_pods():
            k = _key(pod)
            st_ = pod.status
            if pod.metadata.deletion_timestamp is not None:
                out.append(f"Pod {k} still terminating ({st_.state}) long after its grace period")
                continue
            if not pod.spec.node_name:
                pending.append(pod)
                continue
            node = eng.get("Node", "", pod.spec.node_name)
            if node is None:
                out.append(f"Pod {k} bound to missing node {pod.spec.node_name} was not garbage-collected")
                continue
            if st_.phase in TERMINAL_PHASES:
                continue
            cpu, mem, count = used.get(node.metadata.name, (0, 0, 0))
            for c in pod.spec.containers:
                r = c.resources.requests
                cpu += cpu_millis(r["cpu"]) if "cpu" in r else 0
                mem += to_int(r["memory"]) if "memory" in r else 0
            used[node.metadata.name] = (cpu, mem, count + 1)
            if node.status.state != "Ready":
                continue
            allowed = ("Running", "Terminated", "CrashLoopBackOff") if self.crash_loops_forever(pod) else ("Running",)
            if st_.state not in allowed:
                out.append(f"Pod {k} on Ready node {node.metadata.name} is {st_.state} (phase {st_.phase}), "
                           f"want {'/'.join(allowed)}")
                continue
            if st_.state == "Running" and st_.container_statuses and all(
                    s.state.kind == "running" for s in st_.container_statuses):
                delay = self.ready_delay(pod)
                started = max(s.state.started_at for s in st_.container_statuses)
                if delay is not None and now - started >= delay and not is_pod_ready(pod):
                    out.append(f"Pod {k} Running since {started - eng.start} ms, ready-after {delay} ms, "
                               f"but not Ready")
        for pod in pending:
            fit = [n.metadata.name for n in nodes if self.fits(pod, n, used)]
            if fit:
                out.append(f"Pod {_key(pod)} unscheduled although it fits {fit}")
        out += self.lost_wakeups()
        return out

    # ----------------------------------------------------------- invariants (safety)

    def _check(self, name: str, **kwargs) -> None:
        if self.cluster is None:
            return
        found = list(INVARIANTS[name](self.engine, **kwargs))
        if found:
            print("\n".join(str(v) for v in found))
        assert not found, self._fail(f"invariant {name} violated", [str(v) for v in found])

    @invariant()
    def status_changes_are_machine_edges(self) -> None:
        if self.cluster is None:
            return
        end = len(self.engine.trace)
        self._check("status-changes-are-machine-edges", since=self._trace_cursor)
        self._trace_cursor = end

    @invariant()
    def no_node_over_capacity(self) -> None:
        self._check("no-node-over-capacity")

    @invariant()
    def pods_bound_to_existing_nodes(self) -> None:
        self._check("pods-bound-to-existing-nodes")

    @invariant()
    def pod_phase_consistent(self) -> None:
        self._check("pod-phase-consistent")

    @invariant()
    def ready_pods_are_running(self) -> None:
        self._check("ready-pods-are-running")

    @invariant()
    def pod_ips_unique_in_node_cidr(self) -> None:
        self._check("pod-ips-unique-in-node-cidr")

    @invariant()
    def node_cidrs_disjoint(self) -> None:
        self._check("node-cidrs-disjoint")

    @invariant()
    def other_registered_invariants(self) -> None:
        """Invariants registered after this machine was written."""
        for name in sorted(INVARIANTS):
            if name not in _FAMILIES:
                self._check(name)

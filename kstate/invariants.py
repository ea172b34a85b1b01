"""Invariants: named pure predicates over a read-only view of the cluster.

Owns: the catalogue (`INVARIANTS`, name → function(view) yielding
`Violation`s). Each reads through the engine's indexes and never mutates;
hypothesis machines and `Cluster.violations()` only wire them up. Must not
import engine/ (the view is duck-typed) or io/.
"""
from __future__ import annotations

import ipaddress
import re
from fractions import Fraction
from typing import Callable, Iterable, Iterator

import attrs

from kstate.controllers import garbagecollector as gc_ctrl, hpa as hpa_ctrl
from kstate.controllers.kubelet import get_phase
from kstate.controllers.scheduler import pod_requests
from kstate.machines import lifecycle
from kstate.resources.meta import controller_of, get_condition
from kstate.resources.pod import TERMINAL_PHASES, is_admitted
from kstate.resources.quantity import cpu_millis, to_int


@attrs.frozen
class Violation:
    invariant: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.subject}: {self.message}"


INVARIANTS: dict[str, Callable[..., Iterable[Violation]]] = {}


def invariant(name: str):
    def register(fn):
        INVARIANTS[name] = fn
        fn.invariant_name = name
        return fn
    return register


def _pods(view):
    return view.store.list("Pod")


def _nodes(view):
    return view.store.list("Node")


_TRANSITION = re.compile(r"^([A-Za-z]+)->([A-Za-z]+) \(([^)]*)\)")


@invariant("status-changes-are-machine-edges")
def status_changes_are_machine_edges(view, since: int = 0) -> Iterator[Violation]:
    """Every state change in the trace (`Old->New (trigger)`) is an edge of
    its kind's machine; a change written without a trigger shows as `<none>`."""
    for entry in view.trace[since:]:
        t, verb, kind, ns, name, detail = entry
        spec = view.registry.get_kind(kind)
        if spec is None or spec.machine is None:
            continue
        m = _TRANSITION.match(detail)
        if m is None:
            continue
        src, dst, trigger = m.groups()
        if lifecycle(spec.machine).table.get((src, trigger)) != dst:
            yield Violation("status-changes-are-machine-edges", f"{kind} {ns}/{name}",
                            f"at {t} ms: {src} -> {dst} by {trigger!r} is not an edge")


@invariant("no-node-over-capacity")
def no_node_over_capacity(view) -> Iterator[Violation]:
    """The requests of the pods a kubelet admitted (and that have not
    finished) fit its node's allocatable."""
    for node in _nodes(view):
        alloc = node.status.allocatable
        cpu = mem = count = 0
        for pod in view.placed("Pod", node.metadata.name):
            # What the kubelet admitted: bound pods awaiting admission may still be rejected.
            if not is_admitted(pod):
                continue
            r = pod_requests(pod)
            cpu += r.cpu
            mem += r.memory
            count += 1
        limits = (("cpu", cpu, cpu_millis(alloc.get("cpu", "0"))), ("memory", mem, to_int(alloc.get("memory", "0"))),
                  ("pods", count, to_int(alloc.get("pods", "110"))))
        for what, used, cap in limits:
            if used > cap:
                yield Violation("no-node-over-capacity", f"Node {node.metadata.name}",
                                f"{what} requested {used} > allocatable {cap}")


@invariant("pods-bound-to-existing-nodes")
def pods_bound_to_existing_nodes(view) -> Iterator[Violation]:
    """A pod names a node that exists — or one that was removed and whose
    pods PodGC is about to collect, or has deleted already (with grace 0: a
    finalizer keeps the object until its owner takes it off)."""
    gc = "pod-garbage-collector"
    for pod in _pods(view):
        m = pod.metadata
        if m.deletion_timestamp is not None and m.deletion_grace_period_seconds == 0 and m.finalizers:
            continue
        n = pod.spec.node_name
        if n and view.get("Node", "", n) is None and view.memory(gc, n) is None and not view.is_queued(gc, n):
            yield Violation("pods-bound-to-existing-nodes", f"Pod {pod.metadata.namespace}/{pod.metadata.name}",
                            f"bound to missing node {n} with no garbage collection pending")


@invariant("pod-phase-consistent")
def pod_phase_consistent(view) -> Iterator[Violation]:
    """status.phase is what the kubelet's getPhase gives for the container
    statuses and restartPolicy (terminal phases are sticky), and matches the
    lifecycle state."""
    for pod in _pods(view):
        st = pod.status
        subject = f"Pod {pod.metadata.namespace}/{pod.metadata.name}"
        if st.state in ("Pending", "Scheduled"):
            if st.phase != "Pending":
                yield Violation("pod-phase-consistent", subject, f"state {st.state} but phase {st.phase}")
            continue
        if st.state in ("Succeeded", "Failed"):
            if st.phase != st.state:
                yield Violation("pod-phase-consistent", subject, f"state {st.state} but phase {st.phase}")
            continue
        if st.phase in TERMINAL_PHASES:
            continue
        if st.state == "Terminating" and not st.container_statuses:
            continue
        expected = get_phase(pod, st.init_container_statuses, st.container_statuses)
        if expected != st.phase:
            yield Violation("pod-phase-consistent", subject,
                            f"phase {st.phase} but containers say {expected} (state {st.state})")


@invariant("ready-pods-are-running")
def ready_pods_are_running(view) -> Iterator[Violation]:
    """Ready=True only for a Running pod whose containers are all ready —
    except a terminal pod the API server keeps only for its finalizers
    (deleted with grace 0): PodGC patches the phase of a pod whose node is
    gone to Failed and leaves its conditions (gc_controller.go
    markFailedAndDeletePodWithCondition), and no kubelet writes them again."""
    for pod in _pods(view):
        m = pod.metadata
        if (pod.status.phase in TERMINAL_PHASES and m.deletion_timestamp is not None
                and m.deletion_grace_period_seconds == 0 and m.finalizers):
            continue
        c = get_condition(pod.status.conditions, "Ready")
        if c is None or c.status != "True":
            continue
        if pod.status.phase != "Running" or not all(s.ready for s in pod.status.container_statuses):
            yield Violation("ready-pods-are-running", f"Pod {pod.metadata.namespace}/{pod.metadata.name}",
                            f"Ready but phase {pod.status.phase}")


@invariant("pod-ips-unique-in-node-cidr")
def pod_ips_unique_in_node_cidr(view) -> Iterator[Violation]:
    """Pod IPs are unique, inside their node's pod CIDR, and never its
    network, gateway (.1) or broadcast address — except a hostNetwork pod's,
    which is its node's InternalIP."""
    seen: dict[str, str] = {}
    for pod in _pods(view):
        ip = pod.status.pod_ip
        if not ip:
            continue
        subject = f"Pod {pod.metadata.namespace}/{pod.metadata.name}"
        if pod.spec.extra.get("hostNetwork") is True:
            node = view.get("Node", "", pod.spec.node_name)
            if node is not None and ip not in {a.address for a in node.status.addresses if a.type == "InternalIP"}:
                yield Violation("pod-ips-unique-in-node-cidr", subject, f"hostNetwork pod's IP {ip} is not its "
                                                                         f"node's")
            continue
        if ip in seen:
            yield Violation("pod-ips-unique-in-node-cidr", subject, f"IP {ip} also used by {seen[ip]}")
        seen[ip] = subject
        node = view.get("Node", "", pod.spec.node_name)
        if node is None or not node.spec.pod_cidr:
            continue
        net = ipaddress.ip_network(node.spec.pod_cidr)
        addr = ipaddress.ip_address(ip)
        if addr not in net or addr in (net.network_address, net.network_address + 1, net.broadcast_address):
            yield Violation("pod-ips-unique-in-node-cidr", subject, f"IP {ip} not a pod address of {net}")


@invariant("node-cidrs-disjoint")
def node_cidrs_disjoint(view) -> Iterator[Violation]:
    nets = []
    for node in _nodes(view):
        if node.spec.pod_cidr:
            net = ipaddress.ip_network(node.spec.pod_cidr)
            for other, name in nets:
                if net.overlaps(other):
                    yield Violation("node-cidrs-disjoint", f"Node {node.metadata.name}", f"{net} overlaps {name}")
            nets.append((net, node.metadata.name))


def check_all(view, names: Iterable[str] | None = None) -> list[Violation]:
    out: list[Violation] = []
    for name in sorted(INVARIANTS) if names is None else names:
        out.extend(INVARIANTS[name](view))
    return out


# -- workloads (ReplicaSet / Deployment)


def _deployment_rss(view, d):
    """The ReplicaSets `d` controls: its namespace, its controller reference
    (a user's non-controller reference to it does not make one its own)."""
    uid = d.metadata.uid
    out = []
    for rs in view.owned_by(uid, "ReplicaSet"):
        ref = controller_of(rs.metadata)
        if ref is not None and ref.uid == uid and rs.metadata.namespace == d.metadata.namespace:
            out.append(rs)
    return out


def _settled_for_spec(d, rss) -> bool:
    """The controller has acted on this spec: observed it, and every active RS
    carries the desired/max annotations for it (no scaling event pending)."""
    from kstate.controllers import deployment_util as du
    if d.status.observed_generation < d.metadata.generation:
        return False
    want = (str(d.spec.replicas), str(d.spec.replicas + du.max_surge(d)))
    for rs in rss:
        if rs.spec.replicas > 0:
            a = rs.metadata.annotations
            if (a.get("deployment.kubernetes.io/desired-replicas"), a.get("deployment.kubernetes.io/max-replicas")) != want:
                return False
    return True


@invariant("deployment-max-surge")
def deployment_max_surge(view) -> Iterator[Violation]:
    """RollingUpdate: Σ RS spec.replicas ≤ replicas + maxSurge once the
    controller has acted on the current spec."""
    from kstate.controllers import deployment_util as du
    for d in view.store.list("Deployment"):
        if d.spec.strategy.type != "RollingUpdate" or d.spec.paused:
            continue
        rss = _deployment_rss(view, d)
        if not _settled_for_spec(d, rss):
            continue
        total = sum(rs.spec.replicas for rs in rss)
        bound = d.spec.replicas + du.max_surge(d)
        if total > bound:
            yield Violation("deployment-max-surge", f"Deployment {d.metadata.namespace}/{d.metadata.name}",
                            f"ReplicaSets ask for {total} pods > replicas {d.spec.replicas} + maxSurge "
                            f"{du.max_surge(d)}")


@invariant("deployment-min-available")
def deployment_min_available(view) -> Iterator[Violation]:
    """The controller never asks ReplicaSets to drop available pods below
    replicas − maxUnavailable: Σ min(spec, available) over its ReplicaSets ≥
    min(replicas − maxUnavailable, Σ available)."""
    from kstate.controllers import deployment_util as du
    for d in view.store.list("Deployment"):
        if d.spec.strategy.type != "RollingUpdate":
            continue
        rss = _deployment_rss(view, d)
        if not _settled_for_spec(d, rss):
            continue
        kept = sum(min(rs.spec.replicas, rs.status.available_replicas) for rs in rss)
        available = sum(rs.status.available_replicas for rs in rss)
        floor = min(d.spec.replicas - du.max_unavailable(d), available)
        if kept < floor:
            yield Violation("deployment-min-available", f"Deployment {d.metadata.namespace}/{d.metadata.name}",
                            f"ReplicaSets keep {kept} available pods < {floor}")


@invariant("paused-deployment-creates-no-replicaset")
def paused_deployment_creates_no_replicaset(view) -> Iterator[Violation]:
    """No ReplicaSet is created after the controller marked the Deployment
    paused. Only ReplicaSets the controller makes are judged (named
    <deployment>-<pod-template-hash>, with that label): a user may create a
    ReplicaSet naming the Deployment as its controller at any time."""
    for d in view.store.list("Deployment"):
        if not d.spec.paused:
            continue
        cond = get_condition(d.status.conditions, "Progressing")
        if cond is None or cond.reason != "DeploymentPaused":
            continue
        for rs in _deployment_rss(view, d):
            h = rs.metadata.labels.get("pod-template-hash")
            if h is None or rs.metadata.name != f"{d.metadata.name}-{h}":
                continue
            if (rs.metadata.creation_timestamp or 0) > (cond.last_transition_time or 0):
                yield Violation("paused-deployment-creates-no-replicaset",
                                f"Deployment {d.metadata.namespace}/{d.metadata.name}",
                                f"ReplicaSet {rs.metadata.name} created while paused")


@invariant("one-replicaset-per-template")
def one_replicaset_per_template(view) -> Iterator[Violation]:
    """A Deployment never owns two ReplicaSets with the same pod-template-hash,
    nor two with the same template as the controller made them. A ReplicaSet
    whose template a user edited (`set_image` on it: its template no longer
    hashes to its pod-template-hash under any collision count the Deployment
    has used) is left out of the template comparison: Kubernetes lets such an
    edit duplicate another ReplicaSet's template (FindNewReplicaSet then no
    longer sees it as new; the hash-name collision bumps collisionCount)."""
    from kstate.controllers.deployment_util import compute_hash, template_without_hash
    for d in view.store.list("Deployment"):
        seen_hash, seen_tpl = {}, {}
        counts = (None,) + tuple(range((d.status.collision_count or 0) + 1))
        for rs in _deployment_rss(view, d):
            h = rs.metadata.labels.get("pod-template-hash")
            t = template_without_hash(rs.spec.template)
            checks = [(seen_hash, h)]
            if h is None or any(compute_hash(t, cc) == h for cc in counts):
                checks.append((seen_tpl, t))
            for seen, key in checks:
                if key in seen:
                    yield Violation("one-replicaset-per-template", f"Deployment {d.metadata.namespace}/{d.metadata.name}",
                                    f"{rs.metadata.name} duplicates {seen[key]}")
                seen[key] = rs.metadata.name


@invariant("complete-deployment-has-one-active-replicaset")
def complete_deployment_has_one_active_replicaset(view) -> Iterator[Violation]:
    for d in view.store.list("Deployment"):
        if d.status.state != "Complete" or d.spec.replicas == 0:
            continue
        if d.status.observed_generation < d.metadata.generation:
            continue
        if view.in_workqueue("deployment-controller", (d.metadata.namespace, d.metadata.name)):
            # A change the controller has not observed yet (its ReplicaSet was
            # deleted, say): the status still describes the state before it.
            continue
        active = [rs.metadata.name for rs in _deployment_rss(view, d) if rs.spec.replicas > 0]
        if len(active) != 1:
            yield Violation("complete-deployment-has-one-active-replicaset",
                            f"Deployment {d.metadata.namespace}/{d.metadata.name}", f"active ReplicaSets {active}")


@invariant("owners-in-same-namespace")
def owners_in_same_namespace(view) -> Iterator[Violation]:
    """Ownership never crosses namespaces once the garbage collector has
    seen it: a live dependent keeps no reference to an existing owner
    outside its namespace (a cluster-scoped owner is fine). A user may write
    such a reference (the API server accepts it); the GC then treats the
    owner as absent (garbagecollector.go isDangling) and deletes the
    dependent or drops the reference. So a dependent that is being deleted,
    or whose reference the GC has queued and not yet processed, is not judged."""
    for uid in sorted(view.store.by_owner):
        owner = view.by_uid(uid)
        if owner is None or view.in_workqueue(gc_ctrl.NAME, uid):
            continue
        for obj in view.owned_by(uid):
            if obj.metadata.deletion_timestamp is None and not gc_ctrl.owner_resolves(owner, obj):
                ref = next(r for r in obj.metadata.owner_references if r.uid == uid)
                yield Violation("owners-in-same-namespace",
                                f"{obj.KIND} {obj.metadata.namespace}/{obj.metadata.name}",
                                f"owner {ref.kind} {ref.name} lives in {owner.metadata.namespace or 'no namespace'}")


# -- DaemonSets


def _synced_daemonsets(view):
    """DaemonSets whose controller has nothing queued: every change so far
    has been through a sync (the invariants below hold "after the
    controller's sync", not between a node change and the sync it causes)."""
    from kstate.controllers import daemonset as dsc
    queued = getattr(view, "is_queued", None)
    for ds in view.store.list("DaemonSet"):
        if ds.metadata.deletion_timestamp is not None:
            continue
        if queued is not None and queued(dsc.NAME, (ds.metadata.namespace, ds.metadata.name)):
            continue
        yield ds


def _live_daemon_pods_by_node(view, ds) -> dict:
    """The DaemonSet's controlled pods that are neither terminating nor
    terminal, by the node they are for (bound or pinned)."""
    from kstate.controllers import daemonset as dsc
    out: dict = {}
    for p in view.owned_by(ds.metadata.uid, "Pod"):
        ref = next((r for r in p.metadata.owner_references if r.controller), None)
        if ref is None or ref.uid != ds.metadata.uid or p.metadata.deletion_timestamp is not None \
                or p.status.phase in TERMINAL_PHASES:
            continue
        node = dsc.get_target_node_name(p)
        if node is not None:
            out.setdefault(node, []).append(p.metadata.name)
    return out


@invariant("daemonset-one-pod-per-node")
def daemonset_one_pod_per_node(view) -> Iterator[Violation]:
    """After its sync a DaemonSet has at most one live pod per node (two
    while surging: the old one and its replacement)."""
    from kstate.controllers import daemonset as dsc
    for ds in _synced_daemonsets(view):
        bound = 2 if dsc.allows_surge(ds) else 1
        for node, names in sorted(_live_daemon_pods_by_node(view, ds).items()):
            if len(names) > bound:
                yield Violation("daemonset-one-pod-per-node", f"DaemonSet {ds.metadata.namespace}/{ds.metadata.name}",
                                f"{len(names)} live pods for node {node} (at most {bound}): {', '.join(sorted(names))}")


@invariant("daemonset-no-pod-on-ineligible-node")
def daemonset_no_pod_on_ineligible_node(view) -> Iterator[Violation]:
    """After its sync a DaemonSet has no live pod for an existing node its pods
    should not keep running on (NodeShouldRunDaemonPod's
    shouldContinueRunning: selector or affinity mismatch, an untolerated
    NoExecute taint); an untolerated NoSchedule taint only stops new pods."""
    from kstate.controllers import daemonset as dsc
    for ds in _synced_daemonsets(view):
        spec = dsc.simulated_pod_spec(ds)
        for node_name, names in sorted(_live_daemon_pods_by_node(view, ds).items()):
            node = view.store.get("Node", "", node_name)
            if node is None:
                continue
            if not dsc.node_should_run_daemon_pod(node, ds, spec)[1]:
                yield Violation("daemonset-no-pod-on-ineligible-node",
                                f"DaemonSet {ds.metadata.namespace}/{ds.metadata.name}",
                                f"pods {', '.join(sorted(names))} on node {node_name}, which should not run them")

# ---------------------------------------------------------------- HorizontalPodAutoscaler


@invariant("hpa-replicas-within-bounds")
def hpa_replicas_within_bounds(view) -> Iterator[Violation]:
    """After every HPA sync that did not disable scaling, the replica count
    it decided (status.desiredReplicas) is within [minReplicas, maxReplicas]
    (horizontal.go reconcileAutoscaler clamps before anything else)."""
    for h in view.store.list("HorizontalPodAutoscaler"):
        st = h.status
        if st.state in ("Pending", "Disabled"):
            continue
        lo, hi = h.spec.min_replicas, h.spec.max_replicas
        if not lo <= st.desired_replicas <= hi:
            yield Violation("hpa-replicas-within-bounds", f"HorizontalPodAutoscaler {h.metadata.namespace}/"
                            f"{h.metadata.name}", f"desired {st.desired_replicas} outside [{lo}, {hi}]")


@invariant("hpa-no-scale-down-inside-window")
def hpa_no_scale_down_inside_window(view) -> Iterator[Violation]:
    """An HPA that scaled down to N had no recommendation above N inside its
    downscale stabilization window (5 minutes without behavior, else
    behavior.scaleDown.stabilizationWindowSeconds) — read from the
    controller's memory, so nothing is checked once it was lost."""
    for h in view.store.list("HorizontalPodAutoscaler"):
        st = h.status
        if st.state != "ScalingDown" or st.last_scale_time is None:
            continue
        mem = view.memory(hpa_ctrl.NAME, h.metadata.uid, None)
        if mem is None or not mem.recommendations:
            continue
        b = h.spec.behavior
        if b is None:
            start = st.last_scale_time - hpa_ctrl.DOWNSCALE_STABILIZATION_MS
            inside = [r for r, t in mem.recommendations if start <= t <= st.last_scale_time]
        else:
            window = hpa_ctrl.stabilization_window_ms(b.scale_down)
            inside = [r for r, t in mem.recommendations if st.last_scale_time - window < t <= st.last_scale_time]
        higher = [r for r in inside if r > st.desired_replicas]
        if higher:
            yield Violation("hpa-no-scale-down-inside-window", f"HorizontalPodAutoscaler {h.metadata.namespace}/"
                            f"{h.metadata.name}", f"scaled down to {st.desired_replicas} with a recommendation of "
                            f"{max(higher)} inside the window")

@invariant("hpa-scale-step-within-policies")
def hpa_scale_step_within_policies(view) -> Iterator[Violation]:
    """An HPA with a behavior that just rescaled (from inside [min, max]) moved
    no further than its policies allowed at that moment: the limit
    calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors
    give for the replica count before the step and the scale events recorded
    before it (controller memory: nothing is checked once it was lost)."""
    for h in view.store.list("HorizontalPodAutoscaler"):
        st, b = h.status, h.spec.behavior
        if b is None or st.state not in ("ScalingUp", "ScalingDown") or st.last_scale_time is None:
            continue
        cur, new, t = st.current_replicas, st.desired_replicas, st.last_scale_time
        if not h.spec.min_replicas <= cur <= h.spec.max_replicas:
            continue                       # the clamp into [min, max] ignores the policies
        mem = view.memory(hpa_ctrl.NAME, h.metadata.uid, None)
        if mem is None:
            continue
        up = tuple(e for e in mem.up_events if e[1] != t)
        down = tuple(e for e in mem.down_events if e[1] != t)
        if new > cur:
            limit = max(hpa_ctrl.calculate_scale_up_limit_with_scaling_rules(cur, up, down, b.scale_up, t), cur)
            bad = new > limit
        else:
            limit = min(hpa_ctrl.calculate_scale_down_limit_with_behaviors(cur, up, down, b.scale_down, t), cur)
            bad = new < limit
        if bad:
            yield Violation("hpa-scale-step-within-policies", f"HorizontalPodAutoscaler {h.metadata.namespace}/"
                            f"{h.metadata.name}", f"scaled {cur} -> {new}, beyond the policies' limit {limit}")

# -- Services and kube-proxy


@invariant("service-ips-and-node-ports-unique")
def service_ips_and_node_ports_unique(view) -> Iterator[Violation]:
    """ClusterIPs are unique among Services and usable addresses of the
    service CIDR; NodePorts (and healthCheckNodePorts) are in 30000–32767
    and no two Services share one (a Service's TCP and UDP ports may share
    theirs); load-balancer ingress IPs are unique and inside the cluster's
    load-balancer pool."""
    from kstate.network.ipallocator import NODE_PORT_BASE, NODE_PORT_SIZE, pool_addresses, service_range
    cidr = view.identity.get("service-ips", {}).get("cidr")
    pool = view.identity.get("lb-ips", {}).get("pool")
    ips: dict[str, str] = {}
    ports: dict[int, str] = {}
    lbs: dict[str, str] = {}
    for svc in view.store.list("Service"):
        subject = f"Service {svc.metadata.namespace}/{svc.metadata.name}"
        ip = svc.spec.cluster_ip
        if ip and ip != "None":
            if ip in ips:
                yield Violation("service-ips-and-node-ports-unique", subject, f"ClusterIP {ip} also {ips[ip]}'s")
            ips[ip] = subject
            if cidr is not None:
                base, size = service_range(cidr)
                if not base <= int(ipaddress.ip_address(ip)) < base + size:
                    yield Violation("service-ips-and-node-ports-unique", subject, f"ClusterIP {ip} not in {cidr}")
        for lb in svc.status.load_balancer_ingress:
            if lb in lbs:
                yield Violation("service-ips-and-node-ports-unique", subject, f"load-balancer IP {lb} also "
                                                                            f"{lbs[lb]}'s")
            lbs[lb] = subject
            if pool:
                base, size = pool_addresses(pool)
                if not base <= int(ipaddress.ip_address(lb)) < base + size:
                    yield Violation("service-ips-and-node-ports-unique", subject,
                                    f"load-balancer IP {lb} not in the pool {pool}")
        hc = svc.spec.extra.get("healthCheckNodePort")
        hc = {hc} if isinstance(hc, int) and not isinstance(hc, bool) and hc else set()
        for np in sorted({p.node_port for p in svc.spec.ports if p.node_port} | hc):
            if not NODE_PORT_BASE <= np < NODE_PORT_BASE + NODE_PORT_SIZE:
                yield Violation("service-ips-and-node-ports-unique", subject, f"nodePort {np} out of range")
            if np in ports:
                yield Violation("service-ips-and-node-ports-unique", subject, f"nodePort {np} also {ports[np]}'s")
            ports[np] = subject


_SVC_RULE = re.compile(r"^-A (KUBE-SV[CL]-\w+) .*?(?:--probability (\S+) )?-j (KUBE-SEP-\w+)$")
_DNAT = re.compile(r"^-A (KUBE-SEP-\w+) .*-j DNAT --to-destination (\S+)$")


def _shares(text: str) -> dict[str, dict[str, Fraction]]:
    """chain → {endpoint: share of the traffic} from rendered rules: rule i
    of n carries `--probability 1/(n−i)` (as printed, %0.10f) of what reaches
    it and the last none; anything else yields a share that is not 1/n."""
    dest = {m.group(1): m.group(2) for m in map(_DNAT.match, text.splitlines()) if m}
    rules: dict[str, list] = {}
    for line in text.splitlines():
        if "--rcheck" in line:
            continue
        m = _SVC_RULE.match(line)
        if m:
            rules.setdefault(m.group(1), []).append((m.group(2), m.group(3)))
    out = {}
    for chain, rs in rules.items():
        left, shares = Fraction(1), {}
        for printed, sep in rs:
            if printed is None:
                p = Fraction(1)
            else:
                k = round(1 / float(printed)) if float(printed) > 0 else 0
                p = Fraction(1, k) if k and f"{1 / k:.10f}" == printed else Fraction(printed)
            shares[dest.get(sep, sep)] = shares.get(dest.get(sep, sep), 0) + left * p
            left *= 1 - p
        out[chain] = shares
    return out


@invariant("ready-endpoints-share-equally")
def ready_endpoints_share_equally(view) -> Iterator[Violation]:
    """On every node, kube-proxy's chain for a Service port with a selector
    sends to exactly the ready pods it selects (with an IP, not terminating,
    the named targetPort resolved per pod), each with probability exactly
    1/n. Checks the kube-proxy the cluster runs (`Cluster(kube_proxy=...)`,
    kstate.network.kubeproxy.iptables_save by default)."""
    from kstate.network import endpoints as epmod, kubeproxy as kp
    from kstate.resources.selector import selector_from_labels
    services = [s for s in view.store.list("Service") if s.spec.selector is not None and s.spec.ports
                and s.spec.cluster_ip not in ("", "None") and s.spec.internal_traffic_policy != "Local"]
    if not services:
        return
    zones: dict = {}
    slices, want = {}, {}
    for svc in services:
        key = (svc.metadata.namespace, svc.metadata.name)
        pods = view.objects_matching("Pod", svc.metadata.namespace, selector_from_labels(dict(svc.spec.selector)))
        groups = epmod.endpoint_groups(svc, pods, zones)
        slices[key] = [kp.Slice(g.ports, tuple(kp.Endpoint(e.ip, e.ready, e.serving, e.terminating, e.node_name)
                                               for e in g.endpoints)) for g in groups]
        for sp in svc.spec.ports:
            spn = kp.service_port_name(*key, sp.name)
            ready = {f"{e.ip}:{num}" for g in groups for e in g.endpoints if e.ready
                     for name, num, proto in g.ports if name == sp.name and proto == sp.protocol}
            if ready:
                want[kp.chain("KUBE-SVC-", spn, sp.protocol.lower())] = (spn, ready)
    render = getattr(view, "kube_proxy", None) or kp.iptables_save
    for node in _nodes(view):
        got = _shares(render(services, slices, node.metadata.name,
                                       kp.ProxyConfig(cluster_cidr=view.cluster_cidr)))
        for chain, (spn, ready) in sorted(want.items()):
            shares = got.get(chain, {})
            if set(shares) != ready:
                yield Violation("ready-endpoints-share-equally", f"{spn} on {node.metadata.name}",
                                f"DNAT targets {sorted(shares)} but ready endpoints are {sorted(ready)}")
            elif any(s != Fraction(1, len(ready)) for s in shares.values()):
                yield Violation("ready-endpoints-share-equally", f"{spn} on {node.metadata.name}",
                                "shares " + ", ".join(f"{e}={s}" for e, s in sorted(shares.items()))
                                + f" are not 1/{len(ready)} each")


@invariant("endpoints-match-ready-pods")
def endpoints_match_ready_pods(view) -> Iterator[Violation]:
    """Once the controllers have synced (the invariants are checked between
    instants), a Service with a selector has an Endpoints object whose
    addresses are exactly its ready selected pods (notReadyAddresses the
    others), and EndpointSlices holding exactly the endpoints podToEndpoint
    gives for them. A Service whose Endpoints do not exist yet (applied at
    this instant, before the controllers ran) is skipped."""
    from kstate.network import endpoints as epmod
    from kstate.resources.selector import selector_from_labels
    for svc in view.store.list("Service"):
        if svc.spec.selector is None or svc.spec.type == "ExternalName":
            continue
        ns, name = svc.metadata.namespace, svc.metadata.name
        subject = f"Service {ns}/{name}"
        pods = view.objects_matching("Pod", ns, selector_from_labels(dict(svc.spec.selector)))
        want = sorted((ports, tuple(sorted(r)), tuple(sorted(nr))) for ports, r, nr in epmod.endpoints_subsets(svc, pods))
        ep = view.get("Endpoints", ns, name)
        if ep is None:
            continue            # created by an apply the controllers have not seen yet
        got = sorted((tuple((p.name, p.port, p.protocol) for p in s.ports), tuple(sorted(a.ip for a in s.addresses)),
                      tuple(sorted(a.ip for a in s.not_ready_addresses))) for s in ep.spec.subsets)
        if got != want:
            yield Violation("endpoints-match-ready-pods", subject, f"Endpoints {got} but the pods give {want}")
        want_eps = sorted((e.ip, e.ready, e.serving, e.terminating)
                          for g in epmod.endpoint_groups(svc, pods) for e in g.endpoints)
        got_eps = sorted((e.addresses[0], e.ready, e.serving, e.terminating)
                         for s in view.store.list("EndpointSlice", ns)
                         if s.metadata.labels.get("kubernetes.io/service-name") == name
                         and any(o.uid == svc.metadata.uid for o in s.metadata.owner_references)
                         for e in s.spec.endpoints)
        if got_eps != want_eps:
            yield Violation("endpoints-match-ready-pods", subject,
                            f"EndpointSlices hold {got_eps} but the pods give {want_eps}")

# -- batch (Job / CronJob)


def _finished_at(job):
    """When the Job controller decided the Job's end: the earliest of its
    FailureTarget, SuccessCriteriaMet, Complete, Failed conditions (None if
    it has not)."""
    times = [c.last_transition_time for c in job.status.conditions
             if c.type in ("FailureTarget", "SuccessCriteriaMet", "Complete", "Failed") and c.status == "True"]
    return min((t for t in times if t is not None), default=None)


def _job_pods(view, job):
    return [p for p in view.owned_by(job.metadata.uid, "Pod")]


@invariant("job-active-within-parallelism")
def job_active_within_parallelism(view) -> Iterator[Violation]:
    """A Job never runs more active pods (not terminal, not deleted) than
    spec.parallelism (manageJob's wantActive ≤ parallelism)."""
    for job in view.store.list("Job"):
        active = sum(1 for p in _job_pods(view, job)
                     if p.status.phase not in TERMINAL_PHASES and p.metadata.deletion_timestamp is None)
        if active > (job.spec.parallelism or 0):
            yield Violation("job-active-within-parallelism", f"Job {job.metadata.namespace}/{job.metadata.name}",
                            f"{active} active pods > parallelism {job.spec.parallelism}")


@invariant("job-succeeded-within-completions")
def job_succeeded_within_completions(view) -> Iterator[Violation]:
    """status.succeeded never exceeds spec.completions (when set)."""
    for job in view.store.list("Job"):
        if job.spec.completions is not None and job.status.succeeded > job.spec.completions:
            yield Violation("job-succeeded-within-completions", f"Job {job.metadata.namespace}/{job.metadata.name}",
                            f"succeeded {job.status.succeeded} > completions {job.spec.completions}")


@invariant("job-index-succeeds-once")
def job_index_succeeds_once(view) -> Iterator[Violation]:
    """An Indexed Job counts each index once (job_controller.go syncJob:
    succeeded = succeededIndexes.total(), calculateSucceededIndexes): no index
    appears twice in status.completedIndexes, and status.succeeded is the
    number of indexes listed there — a second pod of an index that also
    succeeds (a replacement racing a terminating pod that exits 0) adds
    nothing."""
    for job in view.store.list("Job"):
        if job.spec.completion_mode != "Indexed":
            continue
        listed: list[int] = []
        for part in job.status.completed_indexes.split(",") if job.status.completed_indexes else ():
            lo, _, hi = part.partition("-")
            if lo.isdigit() and (not hi or hi.isdigit()):
                listed.extend(range(int(lo), int(hi or lo) + 1))
        subject = f"Job {job.metadata.namespace}/{job.metadata.name}"
        twice = sorted({i for i in listed if listed.count(i) > 1})
        if twice:
            yield Violation("job-index-succeeds-once", subject, f"completedIndexes lists {twice} twice")
        if job.status.succeeded != len(set(listed)):
            yield Violation("job-index-succeeds-once", subject,
                            f"succeeded {job.status.succeeded} but completedIndexes "
                            f"{job.status.completed_indexes!r} holds {len(set(listed))} index(es)")


@invariant("finished-job-creates-no-pods")
def finished_job_creates_no_pods(view) -> Iterator[Violation]:
    """No pod of a Job is created after the controller set its
    FailureTarget / SuccessCriteriaMet / terminal condition."""
    for job in view.store.list("Job"):
        end = _finished_at(job)
        if end is None:
            continue
        for p in _job_pods(view, job):
            if (p.metadata.creation_timestamp or 0) > end:
                yield Violation("finished-job-creates-no-pods", f"Job {job.metadata.namespace}/{job.metadata.name}",
                                f"pod {p.metadata.name} created after the Job finished")


def _cronjob_jobs(view, cj):
    return view.owned_by(cj.metadata.uid, "Job")


@invariant("cronjob-forbid-one-active-job")
def cronjob_forbid_one_active_job(view) -> Iterator[Violation]:
    """concurrencyPolicy Forbid: at most one unfinished Job of the CronJob."""
    for cj in view.store.list("CronJob"):
        if cj.spec.concurrency_policy != "Forbid":
            continue
        running = [j.metadata.name for j in _cronjob_jobs(view, cj)
                   if not any(c.type in ("Complete", "Failed") and c.status == "True" for c in j.status.conditions)]
        if len(running) > 1:
            yield Violation("cronjob-forbid-one-active-job", f"CronJob {cj.metadata.namespace}/{cj.metadata.name}",
                            f"{len(running)} unfinished Jobs under Forbid: {', '.join(sorted(running))}")


@invariant("cronjob-one-job-per-schedule-time")
def cronjob_one_job_per_schedule_time(view) -> Iterator[Violation]:
    """At most one Job of a CronJob per scheduled time (the
    batch.kubernetes.io/cronjob-scheduled-timestamp annotation)."""
    for cj in view.store.list("CronJob"):
        seen: dict = {}
        for j in _cronjob_jobs(view, cj):
            t = j.metadata.annotations.get("batch.kubernetes.io/cronjob-scheduled-timestamp")
            if t is None:
                continue
            if t in seen:
                yield Violation("cronjob-one-job-per-schedule-time",
                                f"CronJob {cj.metadata.namespace}/{cj.metadata.name}",
                                f"Jobs {seen[t]} and {j.metadata.name} for the same time {t}")
            seen.setdefault(t, j.metadata.name)


@invariant("kube-proxy-programs-what-the-api-holds")
def kube_proxy_programs_what_the_api_holds(view) -> Iterator[Violation]:
    """kube-proxy's programmed rules lag the API only by changes marked for
    its next sync: every Service not changed since the last sync is
    programmed exactly as the API holds it and its EndpointSlices (a deleted
    one not at all). Quiet when no kube-proxy sync loop runs."""
    if "kube-proxy" not in view.controllers:
        return
    st = view.index("kube-proxy-sync")
    if st.last is None:
        return
    from kstate.network import kubeproxy as kp
    live = {(s.metadata.namespace, s.metadata.name): s for s in view.store.list("Service")}
    slices: dict = {}
    for obj in view.store.list("EndpointSlice"):
        name = obj.metadata.labels.get("kubernetes.io/service-name")
        if name is not None:
            slices.setdefault((obj.metadata.namespace, name), []).append(obj)
    for key in sorted(set(live) | set(st.synced)):
        if key in st.pending:
            continue
        subject = f"Service {key[0]}/{key[1]}"
        got, svc = st.synced.get(key), live.get(key)
        if svc is None:
            yield Violation("kube-proxy-programs-what-the-api-holds", subject, "deleted but still programmed")
        elif got is None:
            yield Violation("kube-proxy-programs-what-the-api-holds", subject, "not programmed and not marked")
        elif got.service != svc:
            yield Violation("kube-proxy-programs-what-the-api-holds", subject, "programmed from an older Service")
        else:
            want = tuple(kp.slice_of(o) for o in sorted(slices.get(key, ()), key=lambda o: o.metadata.name))
            if got.slices != want:
                yield Violation("kube-proxy-programs-what-the-api-holds", subject,
                                "programmed endpoints differ from its EndpointSlices")
# ------------------------------------------------------------------ scheduling


def _bound_live_pods(view) -> list:
    return [p for p in _pods(view) if p.spec.node_name and p.status.phase not in TERMINAL_PHASES]


@invariant("required-anti-affinity-respected")
def required_anti_affinity_respected(view) -> Iterator[Violation]:
    """No two bound, unfinished pods share a topology domain when one's
    required pod anti-affinity term matches the other (interpodaffinity
    filtering.go; the scheduler checks both directions). A pod created with
    spec.nodeName bypasses the scheduler, as in Kubernetes, and would be
    reported too: kstate's own controllers never create such a pair."""
    from kstate.controllers.scheduling.terms import pod_affinity
    pods = _bound_live_pods(view)
    holders = [p for p in pods if p.spec.affinity is not None and pod_affinity(p).required_anti_affinity]
    if not holders:
        return
    nodes = {n.metadata.name: n.metadata.labels for n in _nodes(view)}
    ns_labels = {o.metadata.name: o.metadata.labels for o in view.store.list("Namespace")}
    by_domain: dict = {}
    for p in pods:
        for k, v in nodes.get(p.spec.node_name, {}).items():
            by_domain.setdefault((k, v), []).append(p)
    for p in sorted(holders, key=lambda x: (x.metadata.namespace, x.metadata.name)):
        labels = nodes.get(p.spec.node_name)
        if labels is None:
            continue
        for t in pod_affinity(p).required_anti_affinity:
            v = labels.get(t.topology_key)
            if v is None:
                continue
            for q in by_domain.get((t.topology_key, v), ()):
                if q is p or not t.matches(q, ns_labels.get(q.metadata.namespace)):
                    continue
                yield Violation("required-anti-affinity-respected",
                                f"Pod {p.metadata.namespace}/{p.metadata.name}",
                                f"on {p.spec.node_name} shares {t.topology_key}={v} with "
                                f"{q.metadata.namespace}/{q.metadata.name} ({q.spec.node_name}), which its "
                                f"required anti-affinity forbids")


@invariant("spread-skew-within-max-skew")
def spread_skew_within_max_skew(view, since: int = 0) -> Iterator[Violation]:
    """When the scheduler binds a pod with DoNotSchedule topology spread
    constraints, its domain then holds at most maxSkew more matching pods
    than the least-loaded eligible domain (podtopologyspread/filtering.go,
    the pod itself included). Checked per bind in the trace from `since`,
    against the pods bound before it (trace order) that still exist; a bind
    after which a pod of its namespace was deleted, finished or relabelled,
    or a node changed, is not judged (what it saw is gone)."""
    from kstate.controllers import scheduler as sched
    from kstate.controllers.scheduling import podtopologyspread as pts
    from kstate.controllers.scheduling.terms import spread_constraints
    trace = view.trace
    binds = [i for i in range(since, len(trace)) if trace[i][1] == "bind" and trace[i][2] == "Pod"]
    if not binds:
        return
    pods = {(p.metadata.namespace, p.metadata.name): p for p in _pods(view)}
    hard_pods = {k for k, p in pods.items() if any(c.when_unsatisfiable == "DoNotSchedule"
                                                  for c in spread_constraints(p))}
    if not hard_pods:
        return
    # the last trace position at which each namespace's pods (or any node) stopped being what they were
    last_change: dict = {}
    node_change = -1
    bound_at: dict = {}
    for i, (t, verb, kind, ns, name, detail) in enumerate(trace):
        if kind == "Node" and verb in ("create", "update", "remove", "delete"):
            node_change = i
        if kind != "Pod":
            continue
        if verb == "bind":
            bound_at[(ns, name)] = i
        elif verb in ("delete", "remove", "update") or (verb == "status" and (
                "->Failed" in detail or "->Succeeded" in detail)):
            last_change[ns] = i
    nodes = {n.metadata.name: n for n in _nodes(view)}
    for i in binds:
        key = (trace[i][3], trace[i][4])
        if key not in hard_pods or last_change.get(key[0], -1) > i or node_change > i:
            continue
        p = pods[key]
        node = nodes.get(p.spec.node_name)
        if node is None:
            continue
        hard = [c for c in spread_constraints(p) if c.when_unsatisfiable == "DoNotSchedule"]
        for c in hard:
            domains = {n.metadata.labels[c.topology_key] for n in nodes.values()
                       if pts.node_labels_match(n.metadata.labels, hard) and sched._included(c, p, n)}
            counts = dict.fromkeys(domains, 0)
            for qk, q in pods.items():
                if qk[0] != key[0] or not q.spec.node_name or q.status.phase in TERMINAL_PHASES:
                    continue
                if qk == key or q.metadata.deletion_timestamp is not None or bound_at.get(qk, -1) > i:
                    continue
                qn = nodes.get(q.spec.node_name)
                if qn is None or c.selector is None or not c.selector.matches(q.metadata.labels):
                    continue
                v = qn.metadata.labels.get(c.topology_key)
                if v in counts and pts.node_labels_match(qn.metadata.labels, hard) and sched._included(c, p, qn):
                    counts[v] += 1
            v = node.metadata.labels.get(c.topology_key)
            if v not in counts or not counts:
                continue
            lo = 0 if len(counts) < c.min_domains else min(counts.values())
            skew = counts[v] + pts.self_match(c, p) - lo
            if skew > c.max_skew:
                yield Violation("spread-skew-within-max-skew", f"Pod {key[0]}/{key[1]}",
                                f"bound to {p.spec.node_name}: {c.topology_key}={v} then had skew {skew} > "
                                f"maxSkew {c.max_skew}")


@invariant("preemption-only-evicts-lower-priority")
def preemption_only_evicts_lower_priority(view) -> Iterator[Violation]:
    """A pod the scheduler preempted (DisruptionTarget reason
    PreemptionByScheduler) has a lower priority than some pod nominated to
    or running on its node (DefaultPreemption's victims are strictly lower)."""
    from kstate.controllers.scheduling.preemption import REASON_PREEMPTION_BY_SCHEDULER, pod_priority
    pods = _pods(view)
    victims = [p for p in pods if p.spec.node_name and any(
        c.type == "DisruptionTarget" and c.reason == REASON_PREEMPTION_BY_SCHEDULER for c in p.status.conditions)]
    if not victims:
        return
    best: dict = {}
    for p in pods:
        node = p.status.nominated_node_name or p.spec.node_name
        if node and p.metadata.deletion_timestamp is None:
            best[node] = max(best.get(node, -2 ** 31), pod_priority(p))
    for v in victims:
        if best.get(v.spec.node_name, -2 ** 31) <= pod_priority(v):
            yield Violation("preemption-only-evicts-lower-priority", f"Pod {v.metadata.namespace}/{v.metadata.name}",
                            f"preempted on {v.spec.node_name} with priority {pod_priority(v)}, but no pod of "
                            f"higher priority is nominated to or running on that node")
# -- StatefulSets


def _sts_live_pods(view, sts) -> list:
    """The set's controlled pods that are neither terminating nor terminal."""
    out = []
    for p in view.owned_by(sts.metadata.uid, "Pod"):
        ref = next((r for r in p.metadata.owner_references if r.controller), None)
        if ref is None or ref.uid != sts.metadata.uid or p.metadata.deletion_timestamp is not None \
                or p.status.phase in TERMINAL_PHASES:
            continue
        out.append(p)
    return out


@invariant("statefulset-one-pod-per-ordinal")
def statefulset_one_pod_per_ordinal(view) -> Iterator[Violation]:
    """A StatefulSet has at most one live pod per ordinal (the ordinal parsed
    from the pod's name as getParentNameAndOrdinal does, so `web-00` is
    ordinal 0 too)."""
    from kstate.controllers import statefulset as ssc
    for sts in view.store.list("StatefulSet"):
        by_ordinal: dict = {}
        for p in _sts_live_pods(view, sts):
            by_ordinal.setdefault(ssc.get_ordinal(p), []).append(p.metadata.name)
        for ordinal, names in sorted(by_ordinal.items()):
            if ordinal >= 0 and len(names) > 1:
                yield Violation("statefulset-one-pod-per-ordinal",
                                f"StatefulSet {sts.metadata.namespace}/{sts.metadata.name}",
                                f"{len(names)} live pods for ordinal {ordinal}: {', '.join(sorted(names))}")


def _controller_deleted(view, sts_ns: str, sts_name: str, pod: str, t: int) -> bool:
    """The StatefulSet controller recorded the delete of `pod` at `t` (its
    SuccessfulDelete event), as opposed to a user, an eviction or PodGC."""
    message = f"delete Pod {pod} in StatefulSet {sts_name} successful"
    return any(e.reason == "SuccessfulDelete" and e.message == message and t in (e.first_timestamp, e.last_timestamp)
               for e in view.events("StatefulSet", sts_name, sts_ns))


@invariant("statefulset-ordered-ready")
def statefulset_ordered_ready(view) -> Iterator[Violation]:
    """Under OrderedReady, replayed over the trace: pod i of a set is created
    only while every lower ordinal (from ordinals.start) exists, is not
    terminating or finished, and is Ready; and a scale-down delete by the
    controller removes ordinal i only once every higher ordinal is gone
    (strictly from the highest, one at a time)."""
    from kstate.controllers import statefulset as ssc
    sets: dict = {}
    for s in view.store.list("StatefulSet"):
        if s.spec.pod_management_policy == "OrderedReady":
            sets[(s.metadata.namespace, s.metadata.name)] = s
    if not sets:
        return
    replicas: dict = {}
    pods: dict = {}      # (ns, name) → [ready, terminating, finished]
    for t, verb, kind, ns, name, detail in view.trace:
        if kind == "StatefulSet" and (ns, name) in sets:
            m = re.search(r"replicas=(?:\d+->)?(\d+)", detail or "")
            if verb == "create" or (verb == "update" and m):
                replicas[(ns, name)] = int(m.group(1)) if m else sets[(ns, name)].spec.replicas
            continue
        if kind != "Pod":
            continue
        key = (ns, name)
        parent, ordinal = ssc.get_parent_name_and_ordinal(_Named(name))
        sts = sets.get((ns, parent))
        if verb == "create":
            pods[key] = [False, False, False]
            if sts is not None and ordinal >= 0:
                start = sts.spec.ordinals_start
                for j in range(start, ordinal):
                    st = pods.get((ns, f"{parent}-{j}"))
                    if st is None or not st[0] or st[1] or st[2]:
                        yield Violation("statefulset-ordered-ready", f"StatefulSet {ns}/{parent}",
                                        f"at {t} ms: {name} created while {parent}-{j} was "
                                        f"{'absent' if st is None else 'not Running and Ready'}")
                        break
        elif verb == "delete" and key in pods:
            pods[key][1] = True
            if sts is None or ordinal < 0:
                continue
            end = sts.spec.ordinals_start + replicas.get((ns, parent), sts.spec.replicas) - 1
            if ordinal <= end or not _controller_deleted(view, ns, parent, name, t + view.start):
                continue
            higher = sorted(n for (pns, n) in pods if pns == ns and n != name
                            and ssc.get_parent_name_and_ordinal(_Named(n))[0] == parent
                            and ssc.get_ordinal(_Named(n)) > ordinal)
            if higher:
                yield Violation("statefulset-ordered-ready", f"StatefulSet {ns}/{parent}",
                                f"at {t} ms: {name} deleted for scale-down while {', '.join(higher)} still existed")
        elif verb == "remove":
            pods.pop(key, None)
        elif verb == "status" and key in pods:
            st = pods[key]
            if "Ready=True" in detail:
                st[0] = True
            elif "Ready=False" in detail:
                st[0] = False
            if "->Failed" in detail or "->Succeeded" in detail:
                st[2], st[0] = True, False


@attrs.frozen
class _Named:
    """A stand-in with only a name, for name parsing over trace entries."""
    name: str

    @property
    def metadata(self):
        return self


@invariant("statefulset-claim-one-pod-one-ordinal")
def statefulset_claim_one_pod_one_ordinal(view) -> Iterator[Violation]:
    """A claim is used by at most one live pod, and a StatefulSet's pod only
    uses its own ordinal's claims (`<template>-<set>-<ordinal>`)."""
    from kstate.controllers import statefulset as ssc
    from kstate.controllers.volumes import pod_claim_names
    users: dict = {}
    for p in _pods(view):
        if p.metadata.deletion_timestamp is not None or p.status.phase in TERMINAL_PHASES:
            continue
        for claim in pod_claim_names(p):
            users.setdefault((p.metadata.namespace, claim), []).append(p.metadata.name)
    for (ns, claim), names in sorted(users.items()):
        if len(names) > 1:
            yield Violation("statefulset-claim-one-pod-one-ordinal", f"PersistentVolumeClaim {ns}/{claim}",
                            f"used by {len(names)} live pods: {', '.join(sorted(names))}")
    for sts in view.store.list("StatefulSet"):
        templates = [t.metadata.name for t in sts.spec.volume_claim_templates]
        if not templates:
            continue
        for p in _sts_live_pods(view, sts):
            ordinal = ssc.get_ordinal(p)
            for claim in pod_claim_names(p):
                for t in templates:
                    m = re.fullmatch(re.escape(f"{t}-{sts.metadata.name}-") + r"([0-9]+)", claim)
                    if m and int(m.group(1)) != ordinal:
                        yield Violation("statefulset-claim-one-pod-one-ordinal",
                                        f"StatefulSet {sts.metadata.namespace}/{sts.metadata.name}",
                                        f"pod {p.metadata.name} (ordinal {ordinal}) uses claim {claim}")


@invariant("statefulset-converged")
def statefulset_converged(view) -> Iterator[Violation]:
    """Once nothing is pending (no queued work, no timer), a StatefulSet whose
    existing in-range pods are all Ready has converged: every ordinal of
    [start, start + replicas) has a Ready pod, no condemned pod is left, under
    RollingUpdate the ordinals from the partition up run the update revision,
    and the status says so. (A pod that cannot become Ready — unschedulable,
    on a lost node, crash-looping — blocks an OrderedReady set legitimately.)"""
    from kstate.controllers import statefulset as ssc
    next_event = getattr(view, "next_event_time", None)
    if next_event is None or next_event() is not None or view.pending():
        return
    for sts in view.store.list("StatefulSet"):
        if sts.metadata.deletion_timestamp is not None:
            continue
        start, end = sts.spec.ordinals_start, ssc.get_end_ordinal(sts)
        pods = {ssc.get_ordinal(p): p for p in view.owned_by(sts.metadata.uid, "Pod")
                if ssc.is_member_of(sts, p)}
        in_range = [pods.get(o) for o in range(start, end + 1)]
        if any(p is not None and not ssc.is_healthy(p) for p in in_range):
            continue
        subject = f"StatefulSet {sts.metadata.namespace}/{sts.metadata.name}"
        missing = [o for o in range(start, end + 1) if pods.get(o) is None]
        condemned = sorted(o for o in pods if o >= 0 and not start <= o <= end)
        problems = []
        if missing:
            problems.append(f"ordinals {missing} have no pod")
        if condemned:
            problems.append(f"condemned ordinals {condemned} remain")
        st = sts.status
        s = sts.spec.update_strategy
        if not missing and s.type == "RollingUpdate":
            partition = s.rolling_update.partition if s.rolling_update is not None else 0
            old = [p.metadata.name for p in in_range[partition:]
                   if ssc.get_pod_revision(p) != st.update_revision]
            if old:
                problems.append(f"pods {old} not at the update revision {st.update_revision}")
        if st.observed_generation != sts.metadata.generation or (
                not missing and not condemned and st.ready_replicas != sts.spec.replicas):
            problems.append(f"status not caught up (observedGeneration {st.observed_generation}, "
                            f"readyReplicas {st.ready_replicas})")
        for msg in problems:
            yield Violation("statefulset-converged", subject, msg)
@invariant("eviction-keeps-disruption-budget")
def eviction_keeps_disruption_budget(view) -> Iterator[Violation]:
    """An eviction never takes a PodDisruptionBudget below its minimum. The
    eviction API spends what the budget's status offers, so a synced budget
    (observedGeneration current) must never offer a negative number, nor
    more than its selected pods can spare: healthy pods (Ready, not
    deleting, not evicted within DeletionTimeout) minus desiredHealthy,
    both recomputed here from the pods and their owners' scale. Budgets
    sharing a pod are skipped: Kubernetes wakes only the first of them for
    that pod's changes, so the others may lag there too; so is a budget whose
    owners' scale changed since its last sync (the controller does not watch
    workloads) or whose
    controller has a change still to observe at this instant (a deletion
    that bypassed the eviction API, a pod that just went unready)."""
    from kstate.controllers import disruption as dis
    for pdb in view.store.list("PodDisruptionBudget"):
        st = pdb.status
        subject = f"PodDisruptionBudget {pdb.metadata.namespace}/{pdb.metadata.name}"
        if st.observed_generation != pdb.metadata.generation or view.in_workqueue(
                dis.NAME, (pdb.metadata.namespace, pdb.metadata.name)):
            continue
        if st.disruptions_allowed < 0:
            yield Violation("eviction-keeps-disruption-budget", subject,
                            f"disruptionsAllowed {st.disruptions_allowed} is negative")
            continue
        pods = dis.pdb_pods(view, pdb)
        if any(len(dis.pdbs_for_pod(view, p)) > 1 for p in pods):
            continue
        scales = {}
        for p in pods:
            ref = p.metadata.owner_references and next((r for r in p.metadata.owner_references if r.controller), None)
            if ref is not None and ref.uid not in scales:
                scales[ref.uid] = dis.find_controller(view, ref, pdb.metadata.namespace)
        try:
            expected, desired, _ = dis.get_expected_pod_count(pdb, pods, scales)
        except dis.SyncError:
            expected, desired = 0, 0
        if expected != st.expected_pods:
            # The owners' scale changed and no pod did: Kubernetes' controller
            # does not watch the workloads, so its budget lags there too.
            continue
        healthy = dis.count_healthy_pods(pods, st.disrupted_pods, view.now)
        spare = max(0, healthy - desired) if expected > 0 else 0
        if st.disruptions_allowed > spare:
            yield Violation("eviction-keeps-disruption-budget", subject,
                            f"allows {st.disruptions_allowed} disruption(s) with {healthy} healthy of "
                            f"{desired} desired: an eviction would go below the minimum")


@invariant("cronjob-history-within-limits")
def cronjob_history_within_limits(view) -> Iterator[Violation]:
    """After each sync a CronJob keeps at most successfulJobsHistoryLimit
    Complete and failedJobsHistoryLimit Failed Jobs (cleanupFinishedJobs
    runs first in every sync, and a Job finishing wakes its CronJob)."""
    for cj in view.store.list("CronJob"):
        if cj.spec is None:
            continue
        done = {"Complete": [], "Failed": []}
        for j in _cronjob_jobs(view, cj):
            if j.metadata.deletion_timestamp is not None:
                continue
            for c in j.status.conditions:
                if c.type in done and c.status == "True":
                    done[c.type].append(j.metadata.name)
                    break
        for kind, limit in (("Complete", cj.spec.successful_jobs_history_limit),
                            ("Failed", cj.spec.failed_jobs_history_limit)):
            if len(done[kind]) > limit:
                yield Violation("cronjob-history-within-limits", f"CronJob {cj.metadata.namespace}/{cj.metadata.name}",
                                f"{len(done[kind])} {kind} Jobs kept > limit {limit}: {', '.join(sorted(done[kind]))}")

"""Invariants: named pure predicates over a read-only view of the cluster.

Owns: the catalogue (`INVARIANTS`, name → function(view) yielding
`Violation`s). Each reads through the engine's indexes and never mutates;
hypothesis machines and `Cluster.violations()` only wire them up. Must not
import engine/ (the view is duck-typed) or io/.
"""
from __future__ import annotations

import ipaddress
from typing import Callable, Iterable, Iterator

import attrs

from kstate.controllers.kubelet import get_phase
from kstate.controllers.scheduler import pod_requests
from kstate.machines import lifecycle
from kstate.resources.meta import get_condition
from kstate.resources.pod import TERMINAL_PHASES
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


@invariant("status-changes-are-machine-edges")
def status_changes_are_machine_edges(view, since: int = 0) -> Iterator[Violation]:
    """Every state change in the trace is an edge of its kind's machine."""
    for entry in view.trace[since:]:
        t, verb, kind, ns, name, detail = entry
        if "->" not in detail or kind not in ("Pod", "Node"):
            continue
        head = detail.split(" ")
        src, dst = head[0].split("->")
        trigger = head[1].strip("()") if len(head) > 1 and head[1].startswith("(") else None
        machine = lifecycle(kind.lower())
        if trigger is None or machine.table.get((src, trigger)) != dst:
            yield Violation("status-changes-are-machine-edges", f"{kind} {ns}/{name}",
                            f"at {t} ms: {src} -> {dst} by {trigger!r} is not an edge")


@invariant("no-node-over-capacity")
def no_node_over_capacity(view) -> Iterator[Violation]:
    """The requests of bound, non-terminal pods fit each node's allocatable."""
    for node in _nodes(view):
        alloc = node.status.allocatable
        cpu = mem = count = 0
        for pod in view.pods_on_node(node.metadata.name):
            if pod.status.phase in TERMINAL_PHASES:
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
    pods PodGC is about to collect."""
    gc = "pod-garbage-collector"
    for pod in _pods(view):
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
    """Ready=True only for a Running pod whose containers are all ready."""
    for pod in _pods(view):
        c = get_condition(pod.status.conditions, "Ready")
        if c is None or c.status != "True":
            continue
        if pod.status.phase != "Running" or not all(s.ready for s in pod.status.container_statuses):
            yield Violation("ready-pods-are-running", f"Pod {pod.metadata.namespace}/{pod.metadata.name}",
                            f"Ready but phase {pod.status.phase}")


@invariant("pod-ips-unique-in-node-cidr")
def pod_ips_unique_in_node_cidr(view) -> Iterator[Violation]:
    """Pod IPs are unique, inside their node's pod CIDR, and never its
    network, gateway (.1) or broadcast address."""
    seen: dict[str, str] = {}
    for pod in _pods(view):
        ip = pod.status.pod_ip
        if not ip:
            continue
        subject = f"Pod {pod.metadata.namespace}/{pod.metadata.name}"
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

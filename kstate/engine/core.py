"""The engine: the only code with state, time and randomness.

Owns: the indexed store, the integer-millisecond clock, the heap of timed
events, the deduplicating workqueue of controller keys, controller memory,
identity (uids, generated names, resource versions, pod CIDRs and pod IPs),
applying actions (each status change checked against its lifecycle machine),
the trace and the events. Must not parse YAML (io/ does; `kstate.api` joins
the two).

Run loop (client-go semantics): at each instant the workqueue is drained to a
fixed point — a key is never processed twice at once, a key added while queued
is not added again, a requeue-after keeps the earliest time — then the clock
jumps to the next timed event. Nothing iterates a dict or set keyed by
strings without sorting it first, so a run is a function of (seed, inputs).
"""
from __future__ import annotations

import contextlib
import gc
import heapq
from collections import deque
from typing import Any, Optional


from kstate.controllers import CONTROLLERS, TIERS, Controller
from kstate.controllers import deployment as deploy_mod
from kstate.controllers import garbagecollector as gc_mod
from kstate.controllers import replicaset as rs_mod
from kstate.controllers import kubelet as kubelet_mod
from kstate.controllers import nodelifecycle as nl
from kstate.controllers import scheduler as sched
from kstate.controllers.actions import (
    Bind, Create, Delete, RecordEvent, Result, SetMemory, Update, UpdateStatus, ref_of,
)
from kstate.controllers.timing import Profile
from kstate.engine.nodetable import NodeTable
from kstate.engine.rng import Streams
from kstate.engine.store import Store
from kstate.errors import AlreadyExists, InvalidOperation, InvalidTransition, KstateError, NotFound, SpecError
from kstate.machines import lifecycle
from kstate.network import ipam
from kstate.resources.event import Event, ObjectReference
from kstate.resources.frozen import FrozenDict, evolve, freeze
from kstate.resources.meta import Condition, ObjectMeta, controller_of, set_condition, to_datetime
from kstate.resources.namespace import Namespace, NamespaceStatus
from kstate.resources.node import (
    LABEL_HOSTNAME, LABEL_ZONE, TAINT_NOT_READY, TAINT_UNREACHABLE, Node, NodeAddress, NodeStatus,
)
from kstate.resources.pod import TERMINAL_PHASES, Pod, PodStatus, Toleration  # noqa: F401
from kstate.resources.pod import is_admitted as is_admitted_pod

#: Kubernetes' initial namespaces.
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
#: DefaultTolerationSeconds admission (plugin/pkg/admission/defaulttolerationseconds).
DEFAULT_TOLERATION_SECONDS = 300
#: the most controller steps one instant may take before the engine calls it a livelock.
MAX_STEPS_PER_INSTANT = 5_000_000

_PRIO_TIMER = 1


class Livelock(KstateError):
    """Controllers kept producing work at one instant without converging."""


class Engine:
    """A simulated cluster. See `kstate.Cluster` for the public API."""

    def __init__(self, *, seed: int = 0, start: int = 0, profile: Profile, cluster_cidr: str =
                 ipam.DEFAULT_CLUSTER_CIDR, node_cidr_mask: int = ipam.DEFAULT_NODE_MASK,
                 controllers: Optional[dict[str, Controller]] = None, enforce_machines: bool = True,
                 record_trace: bool = True):
        self.seed = seed
        self.start = start
        self.now = start
        self._profile = profile
        self.cluster_cidr = cluster_cidr
        self.node_cidr_mask = node_cidr_mask
        self.controllers = dict(CONTROLLERS if controllers is None else controllers)
        self.enforce_machines = enforce_machines
        self.record_trace = record_trace
        self.rng = Streams(seed)
        self.store = Store()
        self.table = NodeTable()
        self._heap: list[tuple[int, int, int, str, Any]] = []
        self._waiting: dict[tuple[str, Any], int] = {}
        self._queues: list[deque] = [deque() for _ in range(TIERS)]
        self._queued: set = set()
        self._memory: dict[tuple[str, Any], Any] = {}
        self.trace: list[tuple] = []
        self._events: list[list] = []
        self._event_index: dict[tuple, int] = {}
        self._rv = 0
        self._seq = 0
        self.steps = 0
        self._unschedulable: set[tuple[str, str]] = set()
        self._usage: dict[tuple[str, str], tuple[str, sched.Requests]] = {}
        # What each kubelet admitted (node → [cpu m, memory B, pods]) and by whom.
        self._admitted: dict[str, list] = {}
        self._admitted_by: dict[tuple[str, str], tuple[str, sched.Requests]] = {}
        self._cidr_used: dict[int, str] = {}
        self._cidr_cursor = 0
        self._pod_ips: dict[str, list] = {}        # node → [used offsets set, last offset]
        self._node_serial = 0
        for ns in SYSTEM_NAMESPACES:
            self._put_new(Namespace(metadata=ObjectMeta(name=ns)))

    # ------------------------------------------------------------------ view

    def get(self, kind: str, namespace: str, name: str):
        return self.store.get(kind, namespace, name)

    def pods_on_node(self, node_name: str) -> list:
        return self.store.pods_on_node(node_name)

    def nodes_in_zone(self, zone: str) -> list:
        return [self.store.get("Node", "", n) for n in sorted(self.store.nodes_by_zone.get(zone, ()))]

    def zones(self) -> list[str]:
        return sorted(self.store.nodes_by_zone)

    def memory(self, controller: str, key: Any, default: Any = None) -> Any:
        return self._memory.get((controller, key), default)

    def node_table(self) -> NodeTable:
        return self.table

    def admitted_on_node(self, node_name: str) -> tuple[int, int, int]:
        """(cpu millicores, memory bytes, pods) the node's kubelet has admitted."""
        tot = self._admitted.get(node_name)
        return (tot[0], tot[1], tot[2]) if tot is not None else (0, 0, 0)

    def profile(self) -> Profile:
        return self._profile

    def owned_by(self, uid: str, kind: Optional[str] = None) -> list:
        return self.store.owned_by(uid, kind)

    def by_uid(self, uid: str):
        key = self.store.by_uid.get(uid)
        return self.store.objects.get(key) if key is not None else None

    def objects_matching(self, kind: str, namespace: str, selector) -> list:
        """Objects of `kind` in `namespace` whose labels match `selector`,
        read through the label index when the selector has matchLabels."""
        if selector is None:
            return []
        ml = selector.match_labels
        if ml:
            k = min(ml, key=lambda key: len(self.store.with_label(kind, namespace, key, ml[key])))
            names = sorted(self.store.with_label(kind, namespace, k, ml[k]))
            objs = [self.store.objects[(kind, namespace, n)] for n in names]
        else:
            objs = self.store.list(kind, namespace)
        return [o for o in objs if selector.matches(o.metadata.labels)]

    def pods_matching(self, namespace: str, selector) -> list:
        return self.objects_matching("Pod", namespace, selector)

    def replicasets_matching(self, namespace: str, selector) -> list:
        return self.objects_matching("ReplicaSet", namespace, selector)

    def namespace_objects(self, namespace: str) -> list:
        return [o for kind in sorted(self.store.by_kind) if kind != "Namespace"
                for o in self.store.list(kind, namespace)]

    # ----------------------------------------------------------- identity

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _trace(self, verb: str, kind: str, ns: str, name: str, detail: str = "") -> None:
        if self.record_trace:
            self.trace.append((self.now - self.start, verb, kind, ns, name, detail))

    def trace_lines(self) -> list[str]:
        return [f"{t} {verb} {kind} {ns + '/' if ns else ''}{name}{' ' + d if d else ''}"
                for t, verb, kind, ns, name, d in self.trace]

    def _put_new(self, obj):
        m = obj.metadata
        meta = evolve(m, uid=m.uid or self.rng.uid(), creation_timestamp=self.now,
                            resource_version=self._next_rv(), generation=1 if obj.KIND != "Pod" else 0)
        obj = evolve(obj, metadata=meta)
        self.store.put(obj)
        self._trace("create", obj.KIND, meta.namespace, meta.name,
                    f"replicas={obj.spec.replicas}" if obj.KIND in _WORKLOAD_KINDS else "")
        return obj

    def _replace(self, obj, verb: str, detail: str = "", **changes):
        """Store `obj` with `changes` applied and a new resourceVersion (one
        copy), trace it and run the watches."""
        obj = evolve(obj, metadata=evolve(obj.metadata, resource_version=self._next_rv()), **changes)
        old = self.store.put(obj)
        self._trace(verb, obj.KIND, obj.metadata.namespace, obj.metadata.name, detail)
        self._on_change(old, obj)
        return obj

    # ------------------------------------------------------------- workqueue

    def enqueue(self, controller: str, key: Any) -> None:
        item = (controller, key)
        if item not in self._queued:
            ctrl = self.controllers.get(controller)
            if ctrl is None:
                return
            self._queued.add(item)
            self._queues[ctrl.tier].append(item)

    def enqueue_after(self, controller: str, key: Any, delay: int) -> None:
        if delay <= 0:
            self.enqueue(controller, key)
            return
        at = self.now + delay
        item = (controller, key)
        prev = self._waiting.get(item)
        if prev is not None and prev <= at:
            return
        self._waiting[item] = at
        self._seq += 1
        heapq.heappush(self._heap, (at, _PRIO_TIMER, self._seq, controller, key))

    def _drain(self) -> None:
        steps = 0
        queues, queued, controllers = self._queues, self._queued, self.controllers
        while True:
            for queue in queues:
                if queue:
                    break
            else:
                break
            item = queue.popleft()
            queued.discard(item)
            name, key = item
            ctrl = controllers.get(name)
            if ctrl is None:
                continue
            result = ctrl.reconcile(ctrl.observe(self, key), self.now)
            self.apply_result(result)
            # A reconcile sees the whole state, so its answer replaces any
            # earlier wake-up it asked for: a stale timer is dropped.
            if result.requeue_after is not None:
                self._waiting.pop(item, None)
                self.enqueue_after(name, key, result.requeue_after)
            elif item in self._waiting:
                del self._waiting[item]
            steps += 1
            if steps > MAX_STEPS_PER_INSTANT:
                raise Livelock(f"controllers did not converge at t={self.now - self.start} ms (last: {name} {key})")
        self.steps += steps

    def is_queued(self, controller: str, key: Any) -> bool:
        item = (controller, key)
        return item in self._queued or item in self._waiting

    def pending(self) -> bool:
        return bool(self._queued) or bool(self._heap)

    def next_event_time(self) -> Optional[int]:
        while self._heap:
            at, _, _, ctrl, key = self._heap[0]
            if self._waiting.get((ctrl, key)) != at:
                heapq.heappop(self._heap)  # superseded by an earlier requeue
                continue
            return at
        return None

    def run_to(self, t_end: int) -> None:
        """Process everything due up to and including `t_end`, then set the clock there."""
        with gc_paused():
            self._run_to(t_end)

    def _run_to(self, t_end: int) -> None:
        self._drain()
        while True:
            at = self.next_event_time()
            if at is None or at > t_end:
                break
            self.now = at
            while self._heap and self._heap[0][0] == at:
                _, _, _, ctrl, key = heapq.heappop(self._heap)
                if self._waiting.get((ctrl, key)) == at:
                    del self._waiting[(ctrl, key)]
                    self.enqueue(ctrl, key)
            self._drain()
        self.now = max(self.now, t_end)

    # ------------------------------------------------------------- actions

    def apply_result(self, result: Result) -> None:
        for action in result.actions:
            self.apply_action(action)

    def apply_action(self, a) -> None:
        t = type(a)
        if t is UpdateStatus:
            self._apply_update_status(a.obj, a.trigger)
        elif t is Bind:
            self._apply_bind(a)
        elif t is RecordEvent:
            self.record_event(a.involved, a.reason, a.message, a.type, a.source)
        elif t is SetMemory:
            if a.controller == sched.NAME and isinstance(a.key, tuple) and a.key[0] == "unschedulable":
                # The scheduling queue's unschedulable pods: retried when nodes or capacity change.
                self._unschedulable.add(a.key[1:])
                return
            if a.value is None:
                self._memory.pop((a.controller, a.key), None)
            else:
                self._memory[(a.controller, a.key)] = a.value
        elif t is Delete:
            self.delete(a.kind, a.namespace, a.name, a.grace_period_seconds, uid=a.uid, propagation=a.propagation)
        elif t is Update:
            self.update(a.obj)
        elif t is Create:
            obj = self.create(a.obj)
            if a.event is not None:
                involved, reason, source = a.event
                self.record_event(involved, reason, f"Created {obj.KIND.lower()}: {obj.metadata.name}", "Normal",
                                  source)
        else:
            raise TypeError(f"unknown action {a!r}")

    def _check_transition(self, kind: str, old_state: str, trigger: Optional[str], new_state: str) -> None:
        if kind not in _MACHINE_KINDS:
            return
        machine = lifecycle(kind.lower())
        if trigger is None:
            if old_state != new_state and self.enforce_machines:
                raise InvalidTransition(machine.name, old_state, "<none>", new_state)
            return
        if self.enforce_machines:
            machine.check(old_state, trigger, new_state)

    def _apply_update_status(self, obj, trigger: Optional[str]) -> None:
        m = obj.metadata
        cur = self.store.get(obj.KIND, m.namespace, m.name)
        if cur is None or cur.metadata.uid != m.uid:
            return  # 404 / conflict: the object is gone or was replaced
        old_state, new_state = cur.status.state, obj.status.state
        self._check_transition(obj.KIND, old_state, trigger, new_state)
        status = obj.status
        if obj.KIND == "Pod" and new_state in ("Initializing", "ContainerCreating") and not status.pod_ip:
            ip = self._allocate_pod_ip(cur.spec.node_name)
            if ip:
                status = evolve(status, pod_ip=ip)
        detail = f"{old_state}->{new_state} ({trigger or '<none>'})" if trigger or old_state != new_state else ""
        if obj.KIND == "Pod" and not detail:
            detail = _pod_status_detail(cur.status, status)
        elif obj.KIND in ("ReplicaSet", "ReplicationController", "Deployment") and not detail:
            detail = f"replicas={status.replicas} ready={status.ready_replicas} available={status.available_replicas}"
        self._replace(cur, "status", detail, status=status)

    def update(self, obj) -> None:
        """PUT of metadata (labels, annotations, owners, finalizers) and spec."""
        m = obj.metadata
        cur = self.store.get(obj.KIND, m.namespace, m.name)
        if cur is None or (m.uid and cur.metadata.uid != m.uid):
            return
        changes = {}
        if hasattr(obj, "spec") and obj.spec != cur.spec:
            changes["spec"] = obj.spec
        meta = evolve(cur.metadata, labels=m.labels, annotations=m.annotations,
                            owner_references=m.owner_references, finalizers=m.finalizers)
        if "spec" in changes and obj.KIND != "Pod":
            meta = evolve(meta, generation=cur.metadata.generation + 1)
        if meta == cur.metadata and not changes:
            return
        new = self._replace(evolve(cur, metadata=meta, **changes), "update", _update_detail(cur, obj))
        if meta.deletion_timestamp is not None and not meta.finalizers and new.KIND != "Pod":
            self._remove(new)

    def _apply_bind(self, a: Bind) -> None:
        pod = self.store.get("Pod", a.namespace, a.name)
        if pod is None or pod.metadata.uid != a.uid or pod.spec.node_name:
            return
        if self.store.get("Node", "", a.node_name) is None:
            return
        self._check_transition("Pod", pod.status.state, "bind", "Scheduled")
        # registry/core/pod/storage BindingREST: nodeName set, PodScheduled=True.
        conds = set_condition(pod.status.conditions, Condition("PodScheduled", "True"), self.now)
        self._replace(pod, "bind", f"Pending->Scheduled (bind) node={a.node_name}",
                      spec=evolve(pod.spec, node_name=a.node_name),
                      status=evolve(pod.status, conditions=conds, state="Scheduled", state_since=self.now))

    def record_event(self, involved: ObjectReference, reason: str, message: str, type_: str = "Normal",
                     source: str = "") -> None:
        """Record an event, aggregating repeats (same object, reason, message,
        source) into one with a count, as client-go's EventCorrelator does."""
        key = (involved.kind, involved.namespace, involved.name, involved.uid, reason, message, type_, source)
        i = self._event_index.get(key)
        if i is not None:
            ev = self._events[i]
            ev[1] += 1
            ev[2] = self.now
            return
        self._event_index[key] = len(self._events)
        self._events.append([key, 1, self.now, self.now, len(self._events)])

    def events(self, kind: Optional[str] = None, name: Optional[str] = None,
               namespace: Optional[str] = None) -> list[Event]:
        out = []
        for key, count, last, first, serial in self._events:
            k, ns, n, uid, reason, message, type_, source = key
            if (kind is not None and k != kind) or (name is not None and n != name) or (
                    namespace is not None and ns != namespace):
                continue
            out.append(Event(
                metadata=ObjectMeta(name=f"{n}.{serial:08x}", namespace=ns or "default"),
                involved_object=ObjectReference(kind=k, name=n, namespace=ns, uid=uid),
                reason=reason, message=message, type=type_, count=count, first_timestamp=first,
                last_timestamp=last, source=source))
        return out

    # ----------------------------------------------------------- create

    def create(self, obj):
        """Admission + identity + store for a new object (pods, namespaces, nodes)."""
        kind = obj.KIND
        m = obj.metadata
        if not m.name and m.generate_name:
            for _ in range(100):
                name = m.generate_name[:58] + self.rng.name_suffix()
                if self.store.get(kind, m.namespace, name) is None:
                    break
            m = evolve(m, name=name)
            obj = evolve(obj, metadata=m)
        if self.store.get(kind, m.namespace, m.name) is not None:
            raise AlreadyExists(f'{kind.lower()}s "{m.name}" already exists')
        if kind == "Pod":
            return self._create_pod(obj)
        if kind == "Node":
            return self._create_node(obj)
        if kind == "Namespace":
            return self._put_new(evolve(obj, status=NamespaceStatus()))
        if kind in _WORKLOAD_KINDS:
            self.check_namespace(obj.metadata.namespace)
            status = type(obj.status)()
            if kind == "Deployment":
                status = evolve(status, state="Progressing", state_since=self.now)
            obj = self._put_new(evolve(obj, status=status))
            self._on_change(None, obj)
            return obj
        raise SpecError(f"kind {kind} is not supported", "kind")

    def check_namespace(self, namespace: str) -> None:
        ns = self.store.get("Namespace", "", namespace)
        if ns is None:
            raise NotFound(f'namespaces "{namespace}" not found')
        if ns.status.phase == "Terminating":
            raise InvalidOperation(f"unable to create new content in namespace {namespace} because it is being "
                                   "terminated", "metadata.namespace")

    def _create_pod(self, pod: Pod) -> Pod:
        self.check_namespace(pod.metadata.namespace)
        pod = admit_default_tolerations(pod)
        status = PodStatus(phase="Pending", state="Pending", state_since=self.now)
        pod = evolve(pod, status=status)
        pod = self._put_new(pod)
        key = (pod.metadata.namespace, pod.metadata.name)
        if pod.spec.node_name:
            # A pod created with nodeName bypasses the scheduler.
            conds = set_condition(pod.status.conditions, Condition("PodScheduled", "True"), self.now)
            pod = evolve(pod, status=evolve(pod.status, conditions=conds, state="Scheduled"))
            self.store.put(pod)
            self._trace("bind", "Pod", *key, f"Pending->Scheduled (bind) node={pod.spec.node_name}")
        self._on_change(None, pod)
        return pod

    def _create_node(self, node: Node) -> Node:
        name = node.metadata.name
        labels = dict(node.metadata.labels)
        labels.setdefault(LABEL_HOSTNAME, name)
        labels.setdefault("kubernetes.io/os", "linux")
        labels.setdefault("kubernetes.io/arch", "amd64")
        spec = node.spec
        if not spec.pod_cidr:
            cidr, self._cidr_cursor = ipam.allocate_node_cidr(self.cluster_cidr, self._cidr_used.keys(),
                                                              self._cidr_cursor, self.node_cidr_mask)
            if cidr is not None:
                spec = evolve(spec, pod_cidr=cidr, pod_cidrs=(cidr,))
        if spec.pod_cidr:
            idx = ipam.node_cidr_index(self.cluster_cidr, spec.pod_cidr, self.node_cidr_mask)
            if idx is not None:
                self._cidr_used[idx] = name
        st = node.status
        capacity = dict(st.capacity)
        capacity.setdefault("pods", "110")
        addresses = st.addresses or (NodeAddress("InternalIP", ipam.node_internal_ip(self._node_serial)),
                                     NodeAddress("Hostname", name))
        self._node_serial += 1
        conds = ()
        for t, s, reason, msg in (
                ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                ("Ready", "True", "KubeletReady", "kubelet is posting ready status")):
            conds = set_condition(conds, Condition(t, s, reason, msg, last_heartbeat_time=self.now), self.now)
        status = NodeStatus(capacity=freeze(capacity), allocatable=freeze(st.allocatable or capacity),
                            conditions=conds, addresses=addresses, state="Ready", state_since=self.now)
        node = evolve(node, metadata=evolve(node.metadata, labels=FrozenDict(labels), namespace=""),
                            spec=spec, status=status)
        node = self._put_new(node)
        for pod in self.store.pods_on_node(name):
            # Pods left bound to a removed node of the same name (PodGC had not
            # run yet): the new kubelet has no sandbox for them.
            if pod.status.state in _SANDBOX_STATES and pod.metadata.deletion_timestamp is None:
                st = evolve(pod.status, state="Scheduled", state_since=self.now, pod_ip="", host_ip="",
                            phase="Pending", container_statuses=(), init_container_statuses=())
                st = evolve(st, conditions=kubelet_mod.pod_conditions(pod, st, self.now))
                self._check_transition("Pod", pod.status.state, "sandbox_lost", "Scheduled")
                self._replace(evolve(pod, status=st), "status",
                              f"{pod.status.state}->Scheduled (sandbox_lost)")
            elif pod.status.state == "Terminating":
                # Its containers died with the old node: nothing runs here, no address.
                self._replace(pod, "status", "sandbox lost", status=evolve(
                    pod.status, pod_ip="", host_ip="", container_statuses=(), init_container_statuses=()))
            elif pod.status.pod_ip:
                # Finished: no sandbox here either, so no address.
                self._replace(pod, "status", "sandbox lost", status=evolve(pod.status, pod_ip="", host_ip=""))
        if not spec.pod_cidr:
            self.record_event(ref_of(node), "CIDRNotAvailable",
                              f"Node {name} status is now: CIDRNotAvailable", "Normal", "cidrAllocator")
        self._on_change(None, node)
        return node

    def _allocate_pod_ip(self, node_name: str) -> str:
        node = self.store.get("Node", "", node_name)
        if node is None or not node.spec.pod_cidr:
            return ""
        slot = self._pod_ips.setdefault(node_name, [set(), None])
        ip, off = ipam.next_pod_ip(node.spec.pod_cidr, slot[0], slot[1])
        if ip is None:
            return ""
        slot[0].add(off)
        slot[1] = off
        return ip

    def _release_pod_ip(self, pod: Pod) -> None:
        if not pod.status.pod_ip or not pod.spec.node_name:
            return
        slot = self._pod_ips.get(pod.spec.node_name)
        node = self.store.get("Node", "", pod.spec.node_name)
        if slot is None or node is None or not node.spec.pod_cidr:
            return
        slot[0].discard(ipam.pod_ip_offset(node.spec.pod_cidr, pod.status.pod_ip))

    # ----------------------------------------------------------- delete

    def delete(self, kind: str, namespace: str, name: str, grace_period: Optional[int] = None,
               uid: Optional[str] = None, propagation: Optional[str] = None) -> bool:
        obj = self.store.get(kind, namespace, name)
        if obj is None or (uid is not None and obj.metadata.uid != uid):
            return False
        if kind in _WORKLOAD_KINDS:
            self._delete_with_propagation(obj, propagation or "Background")
        elif kind == "Pod":
            self._delete_pod(obj, grace_period)
        elif kind == "Node":
            self._remove_node(obj)
        elif kind == "Namespace":
            self._delete_namespace(obj)
        else:
            self._remove(obj)
        return True

    def _delete_pod(self, pod: Pod, grace_period: Optional[int]) -> None:
        """registry/core/pod/strategy.go CheckGracefulDelete + rest/delete.go BeforeDelete.

        Example: grace 30 s, deleted at 10 s → deletionTimestamp 40 s; a second
        delete with grace 5 s at 12 s → 40 − 30 + 5 = 15 s (never earlier than now)."""
        m = pod.metadata
        g = grace_period if grace_period is not None else pod.spec.termination_grace_period_seconds
        if g < 0:
            g = 1
        if not pod.spec.node_name or pod.status.phase in TERMINAL_PHASES:
            g = 0
        if m.deletion_timestamp is not None:
            old_g = m.deletion_grace_period_seconds or 0
            if g >= old_g:
                return
            ts = max(self.now, m.deletion_timestamp - old_g * 1000 + g * 1000)
            if g == 0:
                self._remove(pod)
                return
            new = evolve(pod, metadata=evolve(m, deletion_timestamp=ts, deletion_grace_period_seconds=g))
            self._replace(new, "delete", f"grace={g}s")
            return
        if g == 0:
            self._remove(pod)
            return
        self._check_transition("Pod", pod.status.state, "delete", "Terminating")
        new = evolve(pod, metadata=evolve(m, deletion_timestamp=self.now + g * 1000,
                                                      deletion_grace_period_seconds=g),
                           status=evolve(pod.status, state="Terminating", state_since=self.now))
        self._replace(new, "delete", f"{pod.status.state}->Terminating (delete) grace={g}s")

    def _delete_with_propagation(self, obj, propagation: str) -> None:
        """rest/delete.go + the garbage collector: Background removes the
        owner now and lets the GC delete its dependents; Foreground and Orphan
        keep it (deletionTimestamp + finalizer) until the GC is done."""
        m = obj.metadata
        if propagation not in ("Background", "Foreground", "Orphan"):
            raise SpecError(f'Unsupported value: "{propagation}": supported values: "Background", "Foreground", '
                            '"Orphan"', "propagationPolicy")
        if propagation == "Background" and not m.finalizers:
            self._remove(obj)
            return
        if m.deletion_timestamp is not None:
            return
        fin = {"Foreground": gc_mod.FOREGROUND, "Orphan": gc_mod.ORPHAN}.get(propagation)
        fins = m.finalizers + ((fin,) if fin and fin not in m.finalizers else ())
        new = evolve(obj, metadata=evolve(m, deletion_timestamp=self.now, finalizers=fins))
        self._replace(new, "delete", f"propagation={propagation}")
        self.enqueue(gc_mod.NAME, m.uid)

    def _remove(self, obj) -> None:
        m = obj.metadata
        gone = _GONE_STATE.get(obj.KIND)
        if gone is not None:
            self._check_transition(obj.KIND, obj.status.state, "remove", gone)
        self.store.remove(obj.KIND, m.namespace, m.name)
        self._trace("remove", obj.KIND, m.namespace, m.name,
                    f"{obj.status.state}->{gone} (remove)" if gone else "")
        if m.uid in self.store.by_owner:
            self.enqueue(gc_mod.NAME, m.uid)
        for ref in m.owner_references:
            owner = self.by_uid(ref.uid)
            if owner is not None and owner.metadata.deletion_timestamp is not None:
                self.enqueue(gc_mod.NAME, ref.uid)  # a foreground owner may now be free to go
        if obj.KIND == "Pod":
            self._release_pod_ip(obj)
            self._memory.pop((kubelet_mod.NAME, m.uid), None)
        self._on_change(obj, None)

    def _remove_node(self, node: Node) -> None:
        self.table_sync_remove(node)
        self._remove(node)
        for idx in [i for i, n in self._cidr_used.items() if n == node.metadata.name]:
            del self._cidr_used[idx]
        self._pod_ips.pop(node.metadata.name, None)
        self.enqueue(nl.PODGC, node.metadata.name)

    def table_sync_remove(self, node: Node) -> None:
        if node.metadata.name in self.table.row:
            self.table.remove_node(node.metadata.name)

    def _delete_namespace(self, ns: Namespace) -> None:
        if ns.metadata.name in SYSTEM_NAMESPACES:
            raise InvalidOperation(f'namespace "{ns.metadata.name}" is a system namespace and cannot be deleted')
        if ns.status.phase != "Terminating":
            new = evolve(ns, status=NamespaceStatus(phase="Terminating"),
                               metadata=evolve(ns.metadata, deletion_timestamp=self.now))
            self._replace(new, "delete", "Active->Terminating")
        for obj in self.namespace_objects(ns.metadata.name):
            self.delete(obj.KIND, obj.metadata.namespace, obj.metadata.name)
        self._maybe_finish_namespace(ns.metadata.name)

    def _maybe_finish_namespace(self, name: str) -> None:
        ns = self.store.get("Namespace", "", name)
        if ns is not None and ns.status.phase == "Terminating" and not self.namespace_objects(name):
            self._remove(ns)

    # ------------------------------------------------- watches (informers)

    def _on_change(self, old, new) -> None:
        """Keep the engine's indexes in step and enqueue the controllers that
        watch this kind (the informer event handlers)."""
        obj = new if new is not None else old
        kind = obj.KIND
        if kind == "Pod":
            self._on_pod_change(old, new)
            self._enqueue_pod_controllers(old, new)
        elif kind == "Node":
            self._on_node_change(old, new)
        elif kind in ("ReplicaSet", "ReplicationController"):
            self._on_replicaset_change(old, new)
        elif kind == "Deployment":
            m = obj.metadata
            self.enqueue(deploy_mod.NAME, (m.namespace, m.name))

    def _on_pod_change(self, old: Optional[Pod], new: Optional[Pod]) -> None:
        obj = new if new is not None else old
        key = (obj.metadata.namespace, obj.metadata.name)
        # Scheduler cache: requests count on a node while the pod is bound and not terminal.
        counted = self._usage.get(key)
        should = new is not None and new.spec.node_name and new.status.phase not in TERMINAL_PHASES
        if counted is not None and (not should or counted[0] != new.spec.node_name):
            self.table.add_usage(counted[0], counted[1], -1)
            del self._usage[key]
            counted = None
            self._retry_unschedulable()
        if should and counted is None:
            req = sched.pod_requests(new)
            self.table.add_usage(new.spec.node_name, req)
            self._usage[key] = (new.spec.node_name, req)
        # Kubelet admission totals: pods past admission that have not finished.
        admitted = self._admitted_by.get(key)
        is_admitted = bool(should) and is_admitted_pod(new)
        if admitted is not None and (not is_admitted or admitted[0] != new.spec.node_name):
            tot = self._admitted[admitted[0]]
            tot[0] -= admitted[1].cpu
            tot[1] -= admitted[1].memory
            tot[2] -= 1
            del self._admitted_by[key]
            admitted = None
        if is_admitted and admitted is None:
            req = self._usage[key][1]
            tot = self._admitted.setdefault(new.spec.node_name, [0, 0, 0])
            tot[0] += req.cpu
            tot[1] += req.memory
            tot[2] += 1
            self._admitted_by[key] = (new.spec.node_name, req)
        if new is None:
            self._unschedulable.discard(key)
            if old.metadata.namespace and self.store.get("Namespace", "", old.metadata.namespace) is not None:
                self._maybe_finish_namespace(old.metadata.namespace)
            return
        if not new.spec.node_name:
            if new.metadata.deletion_timestamp is None and old is None:
                self.enqueue(sched.NAME, key)
            return
        self._unschedulable.discard(key)
        if self.store.get("Node", "", new.spec.node_name) is None:
            self.enqueue(nl.PODGC, new.spec.node_name)   # bound to a node that does not exist
        self.enqueue(kubelet_mod.NAME, key)
        node = self.store.get("Node", "", new.spec.node_name)
        if node is not None and any(t.effect == "NoExecute" for t in node.spec.taints):
            self.enqueue(nl.TAINT_EVICTION, key)

    def _enqueue_pod_controllers(self, old: Optional[Pod], new: Optional[Pod]) -> None:
        """replica_set.go addPod/updatePod/deletePod: the controlling RS, or for
        an orphan every RS whose selector matches (it may adopt it); a pod's
        deletion also wakes the Deployment (recreate.go waits for old pods)."""
        for pod in (old, new):
            if pod is None:
                continue
            ref = controller_of(pod.metadata)
            if ref is not None:
                if ref.kind in ("ReplicaSet", "ReplicationController"):
                    self.enqueue(rs_mod.NAME, (ref.kind, pod.metadata.namespace, ref.name))
                    if new is None:
                        rs = self.store.get(ref.kind, pod.metadata.namespace, ref.name)
                        dref = controller_of(rs.metadata) if rs is not None else None
                        if dref is not None and dref.kind == "Deployment":
                            self.enqueue(deploy_mod.NAME, (pod.metadata.namespace, dref.name))
            elif pod.metadata.labels and new is not None:
                ns = pod.metadata.namespace
                for kind in ("ReplicaSet", "ReplicationController"):
                    if ns in self.store.by_kind.get(kind, {}):
                        for rs in self.store.list(kind, ns):
                            if rs_mod.selector_of(rs) is not None and rs_mod.selector_of(rs).matches(pod.metadata.labels):
                                self.enqueue(rs_mod.NAME, (kind, ns, rs.metadata.name))

    def _on_replicaset_change(self, old, new) -> None:
        """deployment_controller.go addReplicaSet/updateReplicaSet/deleteReplicaSet."""
        obj = new if new is not None else old
        m = obj.metadata
        if new is not None:
            self.enqueue(rs_mod.NAME, (obj.KIND, m.namespace, m.name))
        if obj.KIND != "ReplicaSet":
            return
        for rs in (old, new):
            if rs is None:
                continue
            ref = controller_of(rs.metadata)
            if ref is not None:
                if ref.kind == "Deployment":
                    self.enqueue(deploy_mod.NAME, (m.namespace, ref.name))
            elif new is not None and "Deployment" in self.store.by_kind:
                for d in self.store.list("Deployment", m.namespace):
                    if d.spec.selector is not None and d.spec.selector.matches(rs.metadata.labels):
                        self.enqueue(deploy_mod.NAME, (m.namespace, d.metadata.name))

    def _retry_unschedulable(self) -> None:
        """MoveAllToActiveOrBackoffQueue: capacity or nodes changed."""
        if self._unschedulable:
            for key in sorted(self._unschedulable):
                self.enqueue(sched.NAME, key)
            self._unschedulable.clear()

    def _on_node_change(self, old: Optional[Node], new: Optional[Node]) -> None:
        name = (new or old).metadata.name
        if new is None:
            self._enqueue_zone(old)
            return
        if name in self.table.row:
            self.table.update_node(new)
        else:
            self.table.add_node(new)
            for pod in self.store.pods_on_node(name):  # pods bound to this name before the node joined
                key = (pod.metadata.namespace, pod.metadata.name)
                counted = self._usage.get(key)
                if counted is not None:
                    self.table.add_usage(name, counted[1])
                self.enqueue(kubelet_mod.NAME, key)
        self.enqueue(nl.NAME, name)
        if old is None or old.status.state != new.status.state or old.spec.taints != new.spec.taints:
            self._enqueue_zone(new)
        if old is None or old.spec != new.spec or old.status.state != new.status.state:
            self._retry_unschedulable()
        if old is not None and old.status.state != new.status.state and new.status.state in ("Ready", "NotReady"):
            for pod in self.store.pods_on_node(name):
                self.enqueue(kubelet_mod.NAME, (pod.metadata.namespace, pod.metadata.name))
        if old is not None and _no_execute(old) != _no_execute(new) and _no_execute(new):
            for pod in self.store.pods_on_node(name):
                self.enqueue(nl.TAINT_EVICTION, (pod.metadata.namespace, pod.metadata.name))

    def _enqueue_zone(self, node: Node) -> None:
        for z in sorted(set(self.store.nodes_by_zone) | {node.metadata.labels.get(LABEL_ZONE, "")}):
            self.enqueue(nl.ZONE, z)

    # ------------------------------------------------------ node operations

    def node_transition(self, name: str, trigger: str, status_changes: dict) -> Node:
        node = self.store.get("Node", "", name)
        if node is None:
            raise NotFound(f'nodes "{name}" not found')
        dest = lifecycle("node").table.get((node.status.state, trigger))
        if dest is None:
            raise InvalidOperation(f"node {name} is {node.status.state}: cannot {trigger.replace('_', ' ')}")
        new = evolve(node, status=evolve(node.status, state=dest, state_since=self.now, **status_changes))
        self._replace(new, "status", f"{node.status.state}->{dest} ({trigger})")
        return new

    def last_heartbeat(self, node: Node) -> int:
        """The kubelet posts status every 10 s from registration; a node that
        dies at t was last heard from at the last such post ≤ t."""
        created = node.metadata.creation_timestamp or self.start
        period = nl.NODE_STATUS_UPDATE_MS
        return created + (self.now - created) // period * period

    def ready_conditions(self, node: Node) -> tuple:
        conds = node.status.conditions
        for t, s, reason, msg in (
                ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                ("Ready", "True", "KubeletReady", "kubelet is posting ready status")):
            conds = set_condition(conds, Condition(t, s, reason, msg, last_heartbeat_time=self.now), self.now)
        return conds

    # ------------------------------------------------------ snapshots

    def time_str(self) -> str:
        return to_datetime(self.now).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while the engine runs.

    The engine makes millions of small acyclic objects; with 150k pods the
    collector's full passes over ~4M live objects took a third of the run
    (measured in benchmarks/README.md) and found almost nothing to free.
    Reference counting still frees everything as usual; the collector is
    switched back on (if it was on) before control returns to the caller."""
    was = gc.isenabled()
    if was:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_MACHINE_KINDS = frozenset({"Pod", "Node", "Deployment"})
_SANDBOX_STATES = frozenset({"Initializing", "ContainerCreating", "Running", "Terminated", "CrashLoopBackOff"})
_WORKLOAD_KINDS = frozenset({"ReplicaSet", "ReplicationController", "Deployment"})
_GONE_STATE = {"Pod": "Deleted", "Node": "Removed", "Deployment": "Deleted"}


def _no_execute(node: Node) -> tuple:
    return tuple(sorted((t.key, t.value) for t in node.spec.taints if t.effect == "NoExecute"))


_DEFAULT_TOLERATIONS = {key: Toleration(key=key, operator="Exists", effect="NoExecute",
                                        toleration_seconds=DEFAULT_TOLERATION_SECONDS)
                        for key in (TAINT_NOT_READY, TAINT_UNREACHABLE)}
_ADMITTED_SPEC: list = [None, None]  # (spec in, spec out) of the last pod: pods of one template share a spec


def admit_default_tolerations(pod: Pod) -> Pod:
    """DefaultTolerationSeconds admission: add not-ready and unreachable
    NoExecute tolerations (300 s) unless the pod already tolerates that taint
    (a toleration with an empty key or effect matches)."""
    if _ADMITTED_SPEC[0] is pod.spec:
        out = _ADMITTED_SPEC[1]
        return pod if out is pod.spec else evolve(pod, spec=out)
    tols = list(pod.spec.tolerations)
    added = False
    for key in (TAINT_NOT_READY, TAINT_UNREACHABLE):
        if any((t.key in ("", key)) and t.effect in ("", "NoExecute") and (t.key or t.operator == "Exists")
               for t in tols):
            continue
        tols.append(_DEFAULT_TOLERATIONS[key])
        added = True
    out = evolve(pod.spec, tolerations=tuple(tols)) if added else pod.spec
    _ADMITTED_SPEC[0], _ADMITTED_SPEC[1] = pod.spec, out
    return pod if out is pod.spec else evolve(pod, spec=out)


def _pod_status_detail(old: PodStatus, new: PodStatus) -> str:
    parts = []
    if old.phase != new.phase:
        parts.append(f"phase={new.phase}")
    o = {c.type: c.status for c in old.conditions}
    for c in new.conditions:
        if o.get(c.type) != c.status:
            parts.append(f"{c.type}={c.status}")
    if old.pod_ip != new.pod_ip:
        parts.append(f"ip={new.pod_ip}")
    return " ".join(parts)


def _update_detail(old, new) -> str:
    if old.KIND in ("ReplicaSet", "ReplicationController", "Deployment") and old.spec.replicas != new.spec.replicas:
        return f"replicas={old.spec.replicas}->{new.spec.replicas}"
    if old.KIND == "Node":
        taints = ",".join(f"{t.key}:{t.effect}" for t in new.spec.taints)
        return f"taints=[{taints}] unschedulable={str(new.spec.unschedulable).lower()}"
    return ""

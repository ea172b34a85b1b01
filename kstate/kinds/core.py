"""core/v1 kinds kstate simulates: Pod, Node, Namespace — their API-server
strategies (pkg/registry/core/pod/strategy.go, node/strategy.go,
namespace/strategy.go), admission, identity and trace wording.

Owns: what the API server does on create, status write, delete and removal
of these kinds (default tolerations, the pods/binding subresource, graceful
deletion, node CIDRs and pod IPs from the flannel-style IPAM, namespace
termination), declared as `KindSpec`s. The engine calls these hooks with
itself as `api`; nothing here decides what a controller decides. Must not be
imported by engine/.
"""
from __future__ import annotations

import operator
from typing import Optional

import attrs

from kstate.controllers import kubelet as kubelet_mod
from kstate.controllers.actions import Bind, ref_of
from kstate.controllers import nodelifecycle
from kstate.errors import InvalidOperation, SpecError
from kstate.io import core_v1, tables
from kstate.io.core_v1_container import _image_pull_policy_default
from kstate.kinds.scheduling import admit_pod_priority, resolved_pod_spec
from kstate.network import ipam
from kstate.registry import SYSTEM_NAMESPACES, KindSpec, register_action, register_kind
from kstate.resources.frozen import FrozenDict, evolve, field_replacer, freeze
from kstate.resources.meta import Condition, condition, get_condition, set_condition
from kstate.resources.namespace import Namespace, NamespaceStatus
from kstate.resources.node import (
    LABEL_HOSTNAME, LABEL_ZONE, TAINT_NOT_READY, TAINT_UNREACHABLE, Node, NodeAddress, NodeStatus,
)
from kstate.resources.pod import TERMINAL_PHASES, ContainerState, ContainerStatus, Pod, PodStatus, Toleration

#: DefaultTolerationSeconds admission (plugin/pkg/admission/defaulttolerationseconds).
DEFAULT_TOLERATION_SECONDS = 300
#: Pod states in which the pod has a sandbox (and so an IP) on its node.
SANDBOX_STATES = frozenset({"Initializing", "ContainerCreating", "Running", "Terminated", "CrashLoopBackOff"})

# ==================================================================== Pod

_DEFAULT_TOLERATIONS = {key: Toleration(key=key, operator="Exists", effect="NoExecute",
                                        toleration_seconds=DEFAULT_TOLERATION_SECONDS)
                        for key in (TAINT_NOT_READY, TAINT_UNREACHABLE)}
_ADMITTED_SPEC: list = [None, None]  # (spec in, spec out) of the last pod: pods of one template share a spec


def admit_default_tolerations(pod: Pod) -> Pod:
    """DefaultTolerationSeconds admission: add not-ready and unreachable
    NoExecute tolerations (300 s) unless the pod already tolerates that taint
    (a toleration with an empty key or effect matches)."""
    out = admitted_spec(pod.spec)
    return pod if out is pod.spec else evolve(pod, spec=out)


def admitted_spec(spec):
    """The PodSpec admit_default_tolerations gives (memoised for the last
    spec: pods of one template share it)."""
    if _ADMITTED_SPEC[0] is spec:
        return _ADMITTED_SPEC[1]
    tols = list(spec.tolerations)
    added = False
    for key in (TAINT_NOT_READY, TAINT_UNREACHABLE):
        if any((t.key in ("", key)) and t.effect in ("", "NoExecute") and (t.key or t.operator == "Exists")
               for t in tols):
            continue
        tols.append(_DEFAULT_TOLERATIONS[key])
        added = True
    out = evolve(spec, tolerations=tuple(tols)) if added else spec
    _ADMITTED_SPEC[0], _ADMITTED_SPEC[1] = spec, out
    return out


#: copies made on every pod's create and bind, without evolve's keyword dicts
#: (or, for the new pod's status, attrs' __init__: a call per field)
_with_metadata_spec_status = field_replacer(Pod, "metadata", "spec", "status")
_scheduled = field_replacer(PodStatus, "conditions", "state", "state_since")
_PENDING = PodStatus(phase="Pending", state="Pending")
_pending_since = field_replacer(PodStatus, "state_since")


#: (time, the Pending status since then): the pods one apply creates at one
#: instant share one (it is immutable, as every resource part)
_PENDING_AT: list = [None, _PENDING]


def _pod_prepare_create(pod: Pod, api) -> Pod:
    return _pod_prepare_create_with(pod, pod.metadata, api)


def _pod_prepare_create_with(pod: Pod, meta, api) -> Pod:
    # the server's metadata, the status reset, the tolerations and the
    # priority in one copy of the pod (the Priority plugin reads no field
    # DefaultTolerationSeconds sets, nor one of the server's metadata)
    now = api.now
    if _PENDING_AT[0] != now:
        _PENDING_AT[0], _PENDING_AT[1] = now, _pending_since(_PENDING, now)
    return _with_metadata_spec_status(pod, meta, resolved_pod_spec(pod, admitted_spec(pod.spec), api),
                                      _PENDING_AT[1])


def _pod_after_create(pod: Pod, api) -> Pod:
    if pod.spec.node_name:
        # A pod created with nodeName bypasses the scheduler.
        conds = set_condition(pod.status.conditions, Condition("PodScheduled", "True"), api.now)
        pod = evolve(pod, status=evolve(pod.status, conditions=conds, state="Scheduled"))
        api.store.put(pod)
        api.trace_entry("bind", pod, f"Pending->Scheduled (bind) node={pod.spec.node_name}")
    return pod


#: status tuple → the one equal tuple stored pods share: pods changing at one
#: instant post equal conditions and container statuses (app running since
#: 1000 ms, ready), each built anew by its kubelet sync; the stored pods hold
#: one of them (~330 B a pod at the scale run). A flyweight of immutable values
#: (as resources.meta.condition): no behaviour changes. Bounded: cleared when
#: full, which only stops the sharing. Keyed without calling the attrs
#: classes' Python __hash__/__eq__ (a third of a pod's status-write cost):
#: conditions by the identity of their elements (they are flyweights already;
#: a tuple in the table keeps its elements alive, so equal ids are the same
#: objects), container statuses by their fields read in C (_CONTAINER_FIELDS).
_STATUS_PARTS: dict = {}
_STATUS_PARTS_MAX = 1 << 15


def _field_reader(cls, nested: dict):
    """operator.attrgetter of every field of `cls`, the fields of the classes
    in `nested` (field name → attrs class) read through: two objects read
    equal exactly when they are equal (all leaves are plain values)."""
    names = []
    for f in attrs.fields(cls):
        sub = nested.get(f.name)
        names.extend([f"{f.name}.{g.name}" for g in attrs.fields(sub)] if sub is not None else [f.name])
    return operator.attrgetter(*names)


_CONTAINER_FIELDS = _field_reader(ContainerStatus, {"state": ContainerState, "last_state": ContainerState})


#: id → a container-status or conditions tuple _STATUS_PARTS holds (cleared
#: with it): the kubelet hands back the very tuple it read from a stored pod,
#: whose fields need no reading to find it shared (the entry keeps it alive,
#: so an equal id is the same object)
_HELD_STATUSES: dict = {}


def _shared_part(part: tuple, key: tuple) -> tuple:
    hit = _STATUS_PARTS.get(key)
    if hit is None:
        if len(_STATUS_PARTS) >= _STATUS_PARTS_MAX:
            _STATUS_PARTS.clear()
            _HELD_STATUSES.clear()
        _STATUS_PARTS[key] = hit = part
    return hit


def _shared_statuses(part: tuple) -> tuple:
    """_shared_part of a container-status tuple, found by identity first."""
    if _HELD_STATUSES.get(id(part)) is part:
        return part
    shared = _shared_part(part, ("c", *map(_CONTAINER_FIELDS, part)))
    _HELD_STATUSES[id(shared)] = shared
    return shared


def _shared_conditions(part: tuple) -> tuple:
    """_shared_part of a conditions tuple, found by identity first: the
    kubelet's batch form hands the pods of one class the same tuple, the
    shared one after the first (its key, the elements' ids, is a new
    tuple of new ints each time)."""
    if _HELD_STATUSES.get(id(part)) is part:
        return part
    shared = _shared_part(part, tuple(map(id, part)))
    _HELD_STATUSES[id(shared)] = shared
    return shared


def _pod_prepare_status(cur: Pod, status: PodStatus, api) -> PodStatus:
    """The CNI plugin's ADD: the sandbox gets an address from its node's
    range. The conditions and container statuses a write changes are stored
    shared with the equal ones of other pods (_STATUS_PARTS)."""
    changes = {}
    if status.state in ("Initializing", "ContainerCreating") and not status.pod_ip:
        ip = allocate_pod_ip(api, cur.spec.node_name)
        if ip:
            changes["pod_ip"] = ip
    was = cur.status
    part = status.container_statuses
    if part and part is not was.container_statuses:
        shared = _shared_statuses(part)
        if shared is not part:
            changes["container_statuses"] = shared
    part = status.conditions
    if part and part is not was.conditions:
        shared = _shared_conditions(part)
        if shared is not part:
            changes["conditions"] = shared
    if not changes:
        return status
    key = (status.__class__, *changes)
    write = _STATUS_WRITERS.get(key)
    if write is None:
        write = _STATUS_WRITERS[key] = field_replacer(status.__class__, *changes)
    return write(status, *changes.values())


#: (status class, the fields _pod_prepare_status changes) → their
#: field_replacer: a few entries, used on every pod status write
_STATUS_WRITERS: dict = {}


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


_READINESS = ("Ready", "ContainersReady")


#: [old conditions, new conditions, their transition detail] of the last
#: call: the pods a kubelet run starts carry the same shared tuples
#: (_shared_conditions), so one computation serves the run.
_LAST_TRANSITION: list = [None, None, ""]


def _pod_transition_detail(old: PodStatus, new: PodStatus) -> str:
    """A lifecycle step that also makes the pod Ready says so: containers
    without a readiness probe start ready, so "ContainerCreating->Running
    (start)" and Ready=True are one write (kubelet.ready_as_started)."""
    last = _LAST_TRANSITION
    if last[0] is old.conditions and last[1] is new.conditions:
        return last[2]
    parts = []
    for c in new.conditions:
        if c.type in _READINESS and c.status == "True":
            prev = get_condition(old.conditions, c.type)
            if prev is None or prev.status != "True":
                parts.append(f"{c.type}=True")
    out = " ".join(parts)
    last[0], last[1], last[2] = old.conditions, new.conditions, out
    return out


def delete_pod(pod: Pod, api, grace_period: Optional[int], propagation: Optional[str] = None) -> None:
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
        ts = max(api.now, m.deletion_timestamp - old_g * 1000 + g * 1000)
        if g == 0:
            _remove_pod(pod, api, ts)
            return
        api.replace(evolve(pod, metadata=evolve(m, deletion_timestamp=ts, deletion_grace_period_seconds=g)),
                    "delete", f"grace={g}s")
        return
    if g == 0:
        _remove_pod(pod, api, api.now)
        return
    api.check_transition("Pod", pod.status.state, "delete", "Terminating")
    new = evolve(pod, metadata=evolve(m, deletion_timestamp=api.now + g * 1000, deletion_grace_period_seconds=g),
                 status=evolve(pod.status, state="Terminating", state_since=api.now))
    api.replace(new, "delete", f"{pod.status.state}->Terminating (delete) grace={g}s")


def _remove_pod(pod: Pod, api, ts: int) -> None:
    """A delete with grace 0 (rest/delete.go BeforeDelete, store.go Delete):
    the object goes at once, unless it carries finalizers — then it stays
    with deletionTimestamp and deletionGracePeriodSeconds 0 until an update
    takes the last one off (store.go shouldDeleteDuringUpdate). A pod still
    running on its node is Terminating: its kubelet stops it at once."""
    m = pod.metadata
    if not m.finalizers:
        api.remove(pod)
        return
    meta = evolve(m, deletion_timestamp=ts, deletion_grace_period_seconds=0)
    if m.deletion_timestamp is None and pod.spec.node_name and pod.status.phase not in TERMINAL_PHASES:
        api.check_transition("Pod", pod.status.state, "delete", "Terminating")
        new = evolve(pod, metadata=meta, status=evolve(pod.status, state="Terminating", state_since=api.now))
        api.replace(new, "delete", f"{pod.status.state}->Terminating (delete) grace=0s finalizers={list(m.finalizers)}")
        return
    api.replace(evolve(pod, metadata=meta), "delete", f"grace=0s finalizers={list(m.finalizers)}")


def validate_pod_update(cur: Pod, obj: Pod, meta) -> Pod:
    """validation.go ValidatePodUpdate: pods are mostly immutable; images
    may change. Like its mungedPodSpec, the new spec with the old images (by
    index) put back must equal the old spec, or the whole update is refused
    (labels included: nothing is applied). nodeName and tolerations are kept
    from the live pod: a manifest does not carry what the scheduler and the
    admission plugins added."""
    if len(obj.spec.containers) != len(cur.spec.containers):
        raise SpecError("Forbidden: pod updates may not add or remove containers", "spec.containers")

    def with_images(new, old):
        if len(new) != len(old):
            return new
        return tuple(evolve(n, image=o.image, extra=_pull_policy_kept(n, o)) for n, o in zip(new, old))

    munged = evolve(obj.spec, node_name=cur.spec.node_name, tolerations=cur.spec.tolerations,
                    priority=cur.spec.priority if obj.spec.priority is None else obj.spec.priority,
                    extra=_admitted_kept(obj.spec.extra, cur.spec.extra),
                    containers=with_images(obj.spec.containers, cur.spec.containers),
                    init_containers=with_images(obj.spec.init_containers, cur.spec.init_containers))
    # schedulingGates may only be removed (validation.go validatePodSchedulingGates / ValidatePodUpdate)
    old_gates = cur.spec.extra.get("schedulingGates") or ()
    new_gates = obj.spec.extra.get("schedulingGates") or ()
    if old_gates and not cur.spec.node_name and tuple(new_gates) != tuple(old_gates) and all(
            g in old_gates for g in new_gates):
        munged = evolve(munged, extra=FrozenDict({**munged.extra, "schedulingGates": old_gates}))
    if munged != cur.spec:
        raise SpecError("Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
                        "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, "
                        "`spec.tolerations` (only additions to existing tolerations), "
                        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
                        "negative)", "spec")
    spec = evolve(cur.spec, containers=tuple(evolve(c, image=n.image) for c, n in
                                             zip(cur.spec.containers, obj.spec.containers)),
                  init_containers=tuple(evolve(c, image=n.image) for c, n in
                                        zip(cur.spec.init_containers, obj.spec.init_containers)))
    if (obj.spec.extra.get("schedulingGates") or ()) != (cur.spec.extra.get("schedulingGates") or ()):
        extra = {k: v for k, v in cur.spec.extra.items() if k != "schedulingGates"}
        if obj.spec.extra.get("schedulingGates"):
            extra["schedulingGates"] = obj.spec.extra["schedulingGates"]
        spec = evolve(spec, extra=FrozenDict(extra))
    return evolve(cur, metadata=meta, spec=spec)


def _admitted_kept(new, old):
    """What the Priority plugin wrote on create (priorityClassName from the
    default class, preemptionPolicy) is kept when a manifest leaves it out."""
    for key in ("priorityClassName", "preemptionPolicy"):
        if key not in new and key in old:
            new = new.set(key, old[key])
    return new


def _pull_policy_kept(new, old):
    """`kubectl apply` patches the live pod, so an imagePullPolicy the new
    manifest only got from defaulting (Always for :latest, else IfNotPresent)
    does not replace the live one; an explicit different value still counts."""
    pol = new.extra.get("imagePullPolicy")
    if pol is not None and pol == _image_pull_policy_default(new.image) and "imagePullPolicy" in old.extra:
        return new.extra.set("imagePullPolicy", old.extra["imagePullPolicy"])
    return new.extra


def _pod_on_remove(pod: Pod, api) -> None:
    release_pod_ip(api, pod)


#: (id(spec), node name) → (spec, that spec bound to the node): pods of one
#: template bound to one node share one PodSpec instead of a private copy
#: each (specs are immutable values; sharing changes no behaviour). Bounded:
#: cleared when full.
_BOUND_SPECS: dict = {}
_BOUND_SPECS_MAX = 1 << 14


def bound_spec(spec, node_name: str):
    """`spec` with nodeName set (the binding's one change to the spec), shared
    between the pods of one template on one node."""
    key = (id(spec), node_name)
    hit = _BOUND_SPECS.get(key)
    if hit is not None and hit[0] is spec:
        return hit[1]
    if len(_BOUND_SPECS) >= _BOUND_SPECS_MAX:
        _BOUND_SPECS.clear()
    out = evolve(spec, node_name=node_name)
    _BOUND_SPECS[key] = (spec, out)
    return out


#: [conditions, now, the conditions with PodScheduled=True set at now] of the
#: last bind: pods created alike and bound at one instant (a run of bare pods)
#: get the same tuple, so it is computed once (tuples of frozen conditions are
#: values; sharing one changes nothing but the memory).
_LAST_SCHEDULED: list = [None, None, None]


def _scheduled_conditions(conditions: tuple, now: int) -> tuple:
    """`set_condition(conditions, PodScheduled=True, now)` as BindingREST's
    podutil.UpdatePodCondition applies it, memoised on the last call."""
    last = _LAST_SCHEDULED
    if last[0] is conditions and last[1] == now:
        return last[2]
    out = set_condition(conditions, condition("PodScheduled", "True"), now)
    last[0], last[1], last[2] = conditions, now, out
    return out


def _apply_bind(a: Bind, api) -> None:
    """registry/core/pod/storage BindingREST: nodeName set, PodScheduled=True."""
    objects = api.store.objects
    pod = objects.get(("Pod", a.namespace, a.name))
    if pod is None or pod.metadata.uid != a.uid or pod.spec.node_name:
        return
    if objects.get(("Node", "", a.node_name)) is None:
        return
    api.check_transition("Pod", pod.status.state, "bind", "Scheduled")
    conds = _scheduled_conditions(pod.status.conditions, api.now)
    api.replace(pod, "bind", f"Pending->Scheduled (bind) node={a.node_name}",
                spec=bound_spec(pod.spec, a.node_name),
                status=_scheduled(pod.status, conds, "Scheduled", api.now))


# ------------------------------------------------------------------ pod IPs

def _pod_ips(api) -> dict:
    """node → [offsets in use, last offset handed out] (host-local's
    reservations and last_reserved_ip). The offsets in use are one int, bit
    `off` set while offset `off` is taken: a set of the ~30 offsets a node
    holds cost ~2 KiB (~80 B a pod), the int ~40 B a node."""
    return api.identity.setdefault("pod-ips", {})


def _taken_bits(slot: list) -> int:
    """The slot's offsets in use as bits (a snapshot taken before they were
    bits holds a set: converted here, on first use)."""
    used = slot[0]
    if not isinstance(used, int):
        used = slot[0] = sum(1 << off for off in used)
    return used


def allocate_pod_ip(api, node_name: str) -> str:
    """host-local's allocation on the CNI ADD (ipam.next_pod_ip_bits on the
    node's offsets in use)."""
    node = api.store.objects.get(("Node", "", node_name))
    if node is None:
        return ""
    cidr = node.spec.pod_cidr
    if not cidr:
        return ""
    ips = api.identity.get("pod-ips")
    if ips is None:
        ips = _pod_ips(api)
    slot = ips.get(node_name)
    if slot is None:
        slot = ips[node_name] = [0, None]
    used = slot[0]
    if used.__class__ is not int:
        used = _taken_bits(slot)
    ip, off = ipam.next_pod_ip_bits(cidr, used, slot[1])
    if ip is None:
        return ""
    slot[0] = used | 1 << off
    slot[1] = off
    return ip


def release_pod_ip(api, pod: Pod) -> None:
    if not pod.status.pod_ip or not pod.spec.node_name or pod.spec.extra.get("hostNetwork") is True:
        return
    slot = _pod_ips(api).get(pod.spec.node_name)
    node = api.store.get("Node", "", pod.spec.node_name)
    if slot is None or node is None or not node.spec.pod_cidr:
        return
    off = ipam.pod_ip_offset(node.spec.pod_cidr, pod.status.pod_ip)
    if off >= 0:
        slot[0] = _taken_bits(slot) & ~(1 << off)


register_action(Bind, _apply_bind)

POD = register_kind(KindSpec(
    kind="Pod", group="", version="v1", cls=Pod, plural="pods", short_names=("po",),
    decode=core_v1.DECODERS[("v1", "Pod")], encode=core_v1.EMITTERS[Pod],
    columns=tables.POD_COLUMNS, row=tables.pod_row,
    generation=0, machine="pod", gone_state="Deleted",
    prepare_create=_pod_prepare_create, prepare_create_with=_pod_prepare_create_with,
    after_create=_pod_after_create, prepare_status=_pod_prepare_status,
    admit=admit_pod_priority,
    status_detail=_pod_status_detail, delete=delete_pod, on_remove=_pod_on_remove,
    transition_detail=_pod_transition_detail,
    validate_update=validate_pod_update, pod_spec=(lambda pod: pod.spec, lambda pod, spec: evolve(pod, spec=spec)),
    place=lambda pod: pod.spec.node_name or None, place_reads="spec",
))

# =================================================================== Node

_NODE_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


def ready_conditions(conds: tuple, now: int) -> tuple:
    """The conditions a healthy kubelet posts (kubelet_node_status.go setNodeStatus)."""
    for t, s, reason, msg in _NODE_CONDITIONS:
        conds = set_condition(conds, Condition(t, s, reason, msg, last_heartbeat_time=now), now)
    return conds


def node_cidrs(api) -> dict:
    """The node-ipam controller's cidrset: {"used": {index: node}, "cursor": n}."""
    return api.identity.setdefault("node-cidrs", {"used": {}, "cursor": 0, "serial": 0})


def _node_prepare_create(node: Node, api) -> Node:
    name = node.metadata.name
    labels = dict(node.metadata.labels)
    labels.setdefault(LABEL_HOSTNAME, name)
    labels.setdefault("kubernetes.io/os", "linux")
    labels.setdefault("kubernetes.io/arch", "amd64")
    spec = node.spec
    cidrs = node_cidrs(api)
    if not spec.pod_cidr:
        cidr, cidrs["cursor"] = ipam.allocate_node_cidr(api.cluster_cidr, cidrs["used"].keys(),
                                                         cidrs["cursor"], api.node_cidr_mask)
        if cidr is not None:
            spec = evolve(spec, pod_cidr=cidr, pod_cidrs=(cidr,))
    if spec.pod_cidr:
        idx = ipam.node_cidr_index(api.cluster_cidr, spec.pod_cidr, api.node_cidr_mask)
        if idx is not None:
            cidrs["used"][idx] = name
    st = node.status
    capacity = dict(st.capacity)
    capacity.setdefault("pods", "110")
    addresses = st.addresses or (NodeAddress("InternalIP", ipam.node_internal_ip(cidrs["serial"])),
                                 NodeAddress("Hostname", name))
    cidrs["serial"] += 1
    status = NodeStatus(capacity=freeze(capacity), allocatable=freeze(st.allocatable or capacity),
                        conditions=ready_conditions((), api.now), addresses=addresses, state="Ready",
                        state_since=api.now, images=st.images)
    return evolve(node, metadata=evolve(node.metadata, labels=FrozenDict(labels), namespace=""),
                  spec=spec, status=status)


def _node_after_create(node: Node, api) -> Node:
    name = node.metadata.name
    for pod in api.store.placed("Pod", name):
        # Pods left bound to a removed node of the same name (PodGC had not
        # run yet): the new kubelet has no sandbox for them.
        if pod.status.state in SANDBOX_STATES and pod.metadata.deletion_timestamp is None:
            st = evolve(pod.status, state="Scheduled", state_since=api.now, pod_ip="", host_ip="",
                        phase="Pending", container_statuses=(), init_container_statuses=())
            st = evolve(st, conditions=kubelet_mod.pod_conditions(pod, st, api.now))
            api.check_transition("Pod", pod.status.state, "sandbox_lost", "Scheduled")
            api.replace(evolve(pod, status=st), "status", f"{pod.status.state}->Scheduled (sandbox_lost)")
        elif pod.status.state == "Terminating":
            # Its containers died with the old node: nothing runs here, no address.
            api.replace(pod, "status", "sandbox lost", status=evolve(
                pod.status, pod_ip="", host_ip="", container_statuses=(), init_container_statuses=()))
        elif pod.status.pod_ip:
            # Finished: no sandbox here either, so no address.
            api.replace(pod, "status", "sandbox lost", status=evolve(pod.status, pod_ip="", host_ip=""))
    if not node.spec.pod_cidr:
        api.record_event(ref_of(node), "CIDRNotAvailable", f"Node {name} status is now: CIDRNotAvailable",
                         "Normal", "cidrAllocator")
    return node


def _node_delete(node: Node, api, grace_period=None, propagation=None) -> None:
    api.remove(node)


def _node_on_remove(node: Node, api) -> None:
    name = node.metadata.name
    used = node_cidrs(api)["used"]
    for idx in [i for i, n in used.items() if n == name]:
        del used[idx]
    _pod_ips(api).pop(name, None)


def _node_update_detail(old: Node, new: Node) -> str:
    taints = ",".join(f"{t.key}:{t.effect}" for t in new.spec.taints)
    return f"taints=[{taints}] unschedulable={str(new.spec.unschedulable).lower()}"


def _node_status_detail(old: NodeStatus, new: NodeStatus) -> str:
    """A kubelet's status write that changed the node's image list (kstate's
    other node status writes are transitions of the node machine)."""
    return f"images={len(new.images)}" if new.images != old.images else ""


def admit_node(node: Node, api, batch: dict) -> None:
    """A requested podCIDR must be one of the cluster CIDR's node subnets and
    free (the node-ipam controller's cidrset Occupy) — also of the other
    nodes of the same apply (`batch`, the apply's scratch state)."""
    if not node.spec.pod_cidr:
        return
    idx = ipam.node_cidr_index(api.cluster_cidr, node.spec.pod_cidr, api.node_cidr_mask)
    if idx is None:
        raise SpecError(f"Invalid value: {node.spec.pod_cidr!r}: not a /{api.node_cidr_mask} inside "
                        f"the cluster CIDR {api.cluster_cidr}", "spec.podCIDR")
    used = node_cidrs(api)["used"]
    if idx in used:
        raise SpecError(f"Invalid value: {node.spec.pod_cidr!r}: already assigned to node {used[idx]}",
                        "spec.podCIDR")
    claimed = batch.setdefault("cidrs", {})
    if idx in claimed:
        raise SpecError(f"Invalid value: {node.spec.pod_cidr!r}: already assigned to node {claimed[idx]} in this "
                        "apply", "spec.podCIDR")
    claimed[idx] = node.metadata.name


def validate_node_update(cur: Node, obj: Node, meta) -> Node:
    """What an apply may change on a node: unschedulable and taints."""
    return evolve(cur, metadata=meta, spec=evolve(cur.spec, unschedulable=obj.spec.unschedulable,
                                                  taints=obj.spec.taints))


def last_heartbeat(api, node: Node) -> int:
    """The kubelet posts status every 10 s from registration; a node that
    dies at t was last heard from at the last such post ≤ t."""
    created = node.metadata.creation_timestamp or api.start
    period = nodelifecycle.NODE_STATUS_UPDATE_MS
    return created + (api.now - created) // period * period


def node_transition(api, name: str, trigger: str, status_changes: dict) -> Node:
    """A node-side event (the kubelet stops or resumes posting status) as an
    edge of the node machine; refused if it is not one from the current state."""
    from kstate.errors import NotFound
    from kstate.machines import lifecycle
    node = api.store.get("Node", "", name)
    if node is None:
        raise NotFound(f'nodes "{name}" not found')
    dest = lifecycle("node").table.get((node.status.state, trigger))
    if dest is None:
        raise InvalidOperation(f"node {name} is {node.status.state}: cannot {trigger.replace('_', ' ')}",
                               "status.conditions[type=Ready]")
    new = evolve(node, status=evolve(node.status, state=dest, state_since=api.now, **status_changes))
    api.replace(new, "status", f"{node.status.state}->{dest} ({trigger})")
    return new


NODE = register_kind(KindSpec(
    kind="Node", group="", version="v1", cls=Node, plural="nodes", short_names=("no",), namespaced=False,
    decode=core_v1.DECODERS[("v1", "Node")], encode=core_v1.EMITTERS[Node],
    columns=tables.NODE_COLUMNS, row=tables.node_row,
    machine="node", gone_state="Removed",
    prepare_create=_node_prepare_create, after_create=_node_after_create, delete=_node_delete,
    on_remove=_node_on_remove, update_detail=_node_update_detail, validate_update=validate_node_update,
    admit=admit_node, status_detail=_node_status_detail,
    place=lambda node: node.metadata.labels.get(LABEL_ZONE, ""),
))

# ============================================================== Namespace


def _namespace_delete(ns: Namespace, api, grace_period=None, propagation=None) -> None:
    """namespace/storage Delete + the namespace controller: Terminating,
    every object in it deleted, then the namespace itself."""
    if ns.metadata.name in SYSTEM_NAMESPACES:
        raise InvalidOperation(f'namespace "{ns.metadata.name}" is a system namespace and cannot be deleted',
                               "metadata.name")
    if ns.status.phase != "Terminating":
        new = evolve(ns, status=NamespaceStatus(phase="Terminating"),
                     metadata=evolve(ns.metadata, deletion_timestamp=api.now))
        api.replace(new, "delete", "Active->Terminating")
    for obj in api.namespace_objects(ns.metadata.name):
        api.delete(obj.KIND, obj.metadata.namespace, obj.metadata.name)
    api.maybe_finish_namespace(ns.metadata.name)


NAMESPACE = register_kind(KindSpec(
    kind="Namespace", group="", version="v1", cls=Namespace, plural="namespaces", short_names=("ns",),
    namespaced=False, decode=core_v1.DECODERS[("v1", "Namespace")], encode=core_v1.EMITTERS[Namespace],
    columns=("NAME", "STATUS", "AGE"), row=lambda ns, now: [ns.metadata.name, ns.status.phase,
                                                            tables.generic_row(ns, now)[1]],
    prepare_create=lambda ns, api: evolve(ns, status=NamespaceStatus()), delete=_namespace_delete,
))

__all__ = ["DEFAULT_TOLERATION_SECONDS", "NAMESPACE", "NODE", "POD", "SANDBOX_STATES", "SYSTEM_NAMESPACES",
           "admit_default_tolerations", "allocate_pod_ip", "delete_pod", "last_heartbeat", "node_cidrs",
           "node_transition",
           "ready_conditions", "release_pod_ip"]

"""core/v1 kinds: Pod (from `kstate.io.core_v1_pod`), Node, Namespace and
ReplicationController decoding, and Event emitting — strict decoding,
API-server defaults, validation with field paths, and the way back to the
`kubectl get -o json` shape.

Owns: the group's registries `DECODERS`, `EMITTERS` and `PART_EMITTERS`
(Pod's, containers' and scheduling parts' merged in), the Node, Namespace,
ReplicationController and Event emitters, `replicationcontroller_to_manifest`,
and the replica-count status shared with apps/v1 ReplicaSet
(`replica_set_status`, `replica_set_status_out`). Imports the stdlib, attrs,
`kstate.resources.*`, `kstate.io.fields` and the `kstate.io.core_v1_*`
modules; never `kstate.io.apps_v1`, `kstate.io.manifests`, yaml, the engine
or the controllers.

Mirrors pkg/apis/core/validation/validation.go ValidateNode, ValidateNamespace,
ValidateReplicationController(Spec), ValidateNonEmptySelector and
pkg/apis/core/v1/defaults.go SetDefaults_NodeStatus, SetDefaults_Namespace,
SetDefaults_ReplicationController. Status blocks are decoded as given (the
engine resets status and generation on create); kstate-internal status
fields are never read from or written to a manifest.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Callable, Optional

import attrs

from kstate.io import core_v1_container, core_v1_pod, core_v1_scheduling, core_v1_service
from kstate.io.core_v1_container import quantity_map
from kstate.io.core_v1_pod import check_pod_template, pod_template, pod_template_out
from kstate.io.core_v1_scheduling import TAINT_EFFECTS
from kstate.io.fields import (
    BAD, Ctx, at_index, boolean, condition_list, condition_out, dns1123_label_error, dot,
    given_or_empty, int64, integer, label_map, list_of, non_negative, object_meta, object_meta_out,
    one_of, string, strings, struct, time_out, timestamp, top_level, validated,
)
from kstate.resources import (
    EMPTY, Event, FrozenDict, Namespace, NamespaceStatus, Node, NodeAddress, NodeSpec, NodeStatus,
    ObjectMeta, Taint,
)
from kstate.resources.event import ObjectReference
from kstate.resources.node import ContainerImage
from kstate.resources.selector import validate_label_key, validate_label_value
from kstate.resources.workloads import (
    PodTemplateSpec, ReplicaSetStatus, ReplicationController, ReplicationControllerSpec,
)

__all__ = [
    "DECODERS", "EMITTERS", "PART_EMITTERS", "replica_set_status", "replica_set_status_out",
    "replicationcontroller_to_manifest",
]

# ================================================================== nodes


def _cidr_error(value: str) -> Optional[str]:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return "must be a valid CIDR (e.g. 10.244.1.0/24)"
    if "/" not in value:
        return "must be a valid CIDR (e.g. 10.244.1.0/24)"
    return None


def _taint(ctx: Ctx, v: Any, path: str) -> Any:
    """validation.go validateNodeTaints (one entry)."""
    r = struct(ctx, v, path, {
        "key": validated(validate_label_key),
        "value": validated(validate_label_value),
        "effect": one_of(TAINT_EFFECTS),
        "timeAdded": timestamp,
    })
    if r is None:
        return BAD
    if r.ok("key") and not r.get("key"):
        ctx.required(dot(path, "key"))
    if r.ok("effect") and not r.get("effect"):
        ctx.required(dot(path, "effect"))
    return Taint(key=r.get("key", ""), effect=r.get("effect", ""), value=r.get("value", ""),
                 time_added=r.get("timeAdded"))


def _node_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """ValidateNode's spec part; Convert_v1_NodeSpec_To_core_NodeSpec keeps
    podCIDR and podCIDRs[0] in step."""
    r = struct(ctx, v, path, {
        "podCIDR": validated(lambda s: _cidr_error(s) if s else None),
        "podCIDRs": lambda c, x, p: list_of(c, x, p, validated(_cidr_error)),
        "unschedulable": boolean,
        "taints": lambda c, x, p: list_of(c, x, p, _taint),
        "providerID": string,
    }, drop=("externalID", "configSource", "doNotUseExternalID"))
    if r is None:
        return BAD
    cidr, cidrs = r.get("podCIDR", ""), r.get("podCIDRs", ())
    if len(cidrs) > 2:
        ctx.invalid(dot(path, "podCIDRs"), "", "may specify no more than one CIDR for each IP family")
    elif len(cidrs) == 2 and not _cidr_error(cidrs[0]) and not _cidr_error(cidrs[1]):
        if (ipaddress.ip_network(cidrs[0], strict=False).version
                == ipaddress.ip_network(cidrs[1], strict=False).version):
            ctx.invalid(dot(path, "podCIDRs"), "", "may specify no more than one CIDR for each IP family")
    if cidr and cidrs and cidrs[0] != cidr:
        ctx.invalid(dot(path, "podCIDRs"), cidrs[0], "must equal podCIDR (the first CIDR)")
    if cidr and not cidrs:
        cidrs = (cidr,)
    elif cidrs and not cidr:
        cidr = cidrs[0]
    taints = r.get("taints", ())
    seen: set[tuple[str, str]] = set()
    for i, t in enumerate(taints):
        if (t.key, t.effect) in seen:
            ctx.duplicate(at_index(dot(path, "taints"), i), f"{t.key}:{t.effect}")
        seen.add((t.key, t.effect))
    return NodeSpec(pod_cidr=cidr, pod_cidrs=cidrs, unschedulable=r.get("unschedulable", False),
                    taints=taints, provider_id=r.get("providerID", ""))


def _address(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"type": string, "address": string})
    if r is None:
        return BAD
    return NodeAddress(type=r.get("type", ""), address=r.get("address", ""))


_STANDARD_NODE_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage", "pods", "storage"})


def _container_image(ctx: Ctx, v: Any, path: str) -> Any:
    """A ContainerImage of status.images: names and sizeBytes."""
    r = struct(ctx, v, path, {"names": strings, "sizeBytes": int64})
    if r is None:
        return BAD
    size = r.get("sizeBytes", 0)
    if r.ok("sizeBytes") and size < 0:
        ctx.invalid(dot(path, "sizeBytes"), size, "must be greater than or equal to 0")
    return ContainerImage(names=tuple(r.get("names", ())), size_bytes=size)


def _node_resource_name_error(name: str) -> Optional[str]:
    """validation.go ValidateResourceName for node capacity/allocatable."""
    if "/" not in name:
        if (name in _STANDARD_NODE_RESOURCES or name.startswith("hugepages-")
                or name.startswith("attachable-volumes-")):
            return None
        return "must be a standard resource type or fully qualified"
    return validate_label_key(name)


def _node_status(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_NodeStatus: allocatable defaults to capacity; kstate also
    defaults capacity pods to "110" (the kubelet's maxPods)."""
    qmap = quantity_map(_node_resource_name_error)
    r = struct(ctx, v, path, {
        "capacity": qmap, "allocatable": qmap, "conditions": condition_list,
        "addresses": lambda c, x, p: list_of(c, x, p, _address),
        "images": lambda c, x, p: list_of(c, x, p, _container_image),
    }, drop=("nodeInfo", "daemonEndpoints", "phase", "volumesInUse",
             "volumesAttached", "config", "runtimeHandlers", "features", "declaredFeatures"))
    if r is None:
        return BAD
    return _node_status_defaults(NodeStatus(
        capacity=r.get("capacity", EMPTY), allocatable=r.get("allocatable", EMPTY),
        conditions=r.get("conditions", ()), addresses=r.get("addresses", ()),
        images=tuple(r.get("images", ())),
    ), "allocatable" in r.typed)


def _node_status_defaults(status: NodeStatus, has_allocatable: bool) -> NodeStatus:
    capacity = status.capacity
    if "pods" not in capacity:
        capacity = FrozenDict({**capacity, "pods": "110"})
    allocatable = status.allocatable if has_allocatable else capacity
    if "pods" not in allocatable:
        allocatable = FrozenDict({**allocatable, "pods": capacity["pods"]})
    return attrs.evolve(status, capacity=capacity, allocatable=allocatable)


def _decode_node(ctx: Ctx, doc: dict) -> Node:
    """ValidateNode (validation.go)."""
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, Node),
        "spec": _node_spec,
        "status": _node_status,
    })
    status = r.get("status") or _node_status_defaults(NodeStatus(), False)
    return Node(metadata=r.get("metadata", ObjectMeta()), spec=r.get("spec", NodeSpec()),
                status=status)


def _taint_out(t: Taint) -> dict:
    d: dict = {"key": t.key}
    if t.value:
        d["value"] = t.value
    d["effect"] = t.effect
    if t.time_added is not None:
        d["timeAdded"] = time_out(t.time_added)
    return d


def _node_out(n: Node) -> dict:
    spec: dict = {}
    s = n.spec
    if s.pod_cidr or s.pod_cidrs:
        spec["podCIDR"] = s.pod_cidr or s.pod_cidrs[0]
        spec["podCIDRs"] = list(s.pod_cidrs) or [s.pod_cidr]
    if s.provider_id:
        spec["providerID"] = s.provider_id
    if s.unschedulable:
        spec["unschedulable"] = True
    if s.taints:
        spec["taints"] = [_taint_out(t) for t in s.taints]
    st = n.status
    status: dict = {}
    if st.capacity:
        status["capacity"] = dict(st.capacity)
    if st.allocatable:
        status["allocatable"] = dict(st.allocatable)
    if st.conditions:
        status["conditions"] = [condition_out(c) for c in st.conditions]
    if st.addresses:
        status["addresses"] = [{"type": a.type, "address": a.address} for a in st.addresses]
    if st.images:
        status["images"] = [{"names": list(i.names), "sizeBytes": i.size_bytes} for i in st.images]
    return {"apiVersion": "v1", "kind": "Node", "metadata": object_meta_out(n.metadata, False),
            "spec": spec, "status": status}


# ============================================================= namespaces


def _namespace_meta(ctx: Ctx, v: Any, path: str) -> ObjectMeta:
    """ValidateObjectMeta with ValidateNamespaceName (a DNS-1123 label) and
    SetDefaults_Namespace: the immutable kubernetes.io/metadata.name label."""
    meta = object_meta(ctx, v, path, Namespace, name_check=dns1123_label_error)
    if meta.name:
        labels = FrozenDict({**meta.labels, "kubernetes.io/metadata.name": meta.name})
        meta = attrs.evolve(meta, labels=labels)
    return meta


def _decode_namespace(ctx: Ctx, doc: dict) -> Namespace:
    """ValidateNamespace (validation.go): the name is a DNS-1123 label."""
    r = top_level(ctx, doc, {
        "metadata": _namespace_meta,
        "spec": lambda c, x, p: struct(c, x, p, {"finalizers": strings}),
        "status": lambda c, x, p: struct(c, x, p, {
            "phase": one_of(("Active", "Terminating"), allow_empty=True),
        }, drop=("conditions",)),
    })
    status = r.get("status")
    phase = (status.get("phase") if status is not None else None) or "Active"
    return Namespace(metadata=r.get("metadata", ObjectMeta()), status=NamespaceStatus(phase=phase))


def _namespace_out(ns: Namespace) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": object_meta_out(ns.metadata, False),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": ns.status.phase}}


# ================================================================= events


def _event_out(e: Event) -> dict:
    ref: ObjectReference = e.involved_object
    inv: dict = {"kind": ref.kind}
    if ref.namespace:
        inv["namespace"] = ref.namespace
    inv["name"] = ref.name
    if ref.uid:
        inv["uid"] = ref.uid
    if ref.api_version:
        inv["apiVersion"] = ref.api_version
    d: dict = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": object_meta_out(e.metadata, True),
        "involvedObject": inv,
        "reason": e.reason,
        "message": e.message,
        "source": {"component": e.source} if e.source else {},
        "firstTimestamp": time_out(e.first_timestamp),
        "lastTimestamp": time_out(e.last_timestamp),
        "count": e.count,
        "type": e.type,
    }
    return d


# ===================================================== replication controllers

_nn_int = non_negative(integer)
_nn_int64 = non_negative(int64)


def replica_set_status(ctx: Ctx, v: Any, path: str) -> Any:
    """ReplicationControllerStatus; apps/v1 ReplicaSetStatus has the same
    fields and kstate models both with one class."""
    r = struct(ctx, v, path, {
        "replicas": _nn_int,
        "fullyLabeledReplicas": _nn_int,
        "readyReplicas": _nn_int,
        "availableReplicas": _nn_int,
        "observedGeneration": _nn_int64,
        "conditions": condition_list,
    }, drop=("terminatingReplicas",))
    if r is None:
        return BAD
    return ReplicaSetStatus(
        replicas=r.get("replicas", 0),
        fully_labeled_replicas=r.get("fullyLabeledReplicas", 0),
        ready_replicas=r.get("readyReplicas", 0),
        available_replicas=r.get("availableReplicas", 0),
        observed_generation=r.get("observedGeneration", 0),
        conditions=r.get("conditions", ()),
    )


def replica_set_status_out(s: ReplicaSetStatus) -> dict:
    # ReplicaSetStatus.Replicas has no omitempty: always present.
    d: dict = {"replicas": s.replicas}
    for key, value in (("fullyLabeledReplicas", s.fully_labeled_replicas),
                       ("readyReplicas", s.ready_replicas),
                       ("availableReplicas", s.available_replicas),
                       ("observedGeneration", s.observed_generation)):
        if value:
            d[key] = value
    if s.conditions:
        d["conditions"] = [condition_out(c) for c in s.conditions]
    return d


def _rc_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """SetDefaults_ReplicationController (selector ← template labels when
    empty, replicas 1) + ValidateReplicationControllerSpec. Returns the spec
    and the template labels (for the metadata.labels default)."""
    r = struct(ctx, v, path, {
        "replicas": _nn_int,
        "minReadySeconds": _nn_int,
        "selector": label_map,
        "template": pod_template,
    })
    if r is None:
        return BAD
    template = r.get("template")
    tlabels = template.metadata.labels if isinstance(template, PodTemplateSpec) else EMPTY
    selector = r.get("selector", EMPTY) or EMPTY
    if not selector and r.ok("selector"):
        selector = tlabels
    spath = dot(path, "selector")
    if r.ok("selector") and r.ok("template") and not selector:
        ctx.required(spath)
    tpath = dot(path, "template")
    if r.raw.get("template") is None:
        ctx.required(tpath)
    else:
        sel = FrozenDict(selector) if r.ok("selector") else EMPTY
        selects = (lambda labels: sel.items() <= labels.items()) if sel else None
        check_pod_template(ctx, template, tpath, selects, "ReplicationController")
    return ReplicationControllerSpec(
        selector=FrozenDict(selector) if selector else EMPTY,
        template=template if isinstance(template, PodTemplateSpec) else PodTemplateSpec(),
        replicas=r.get("replicas", 1),
        min_ready_seconds=r.get("minReadySeconds", 0),
    )


def _decode_replication_controller(ctx: Ctx, doc: dict) -> ReplicationController:
    """ValidateReplicationController: ValidateObjectMeta +
    ValidateReplicationControllerSpec, after SetDefaults_ReplicationController
    (metadata.labels ← template labels when empty)."""
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, ReplicationController),
        "spec": _rc_spec,
        "status": replica_set_status,
    })
    spec = given_or_empty(ctx, r, "", "spec", _rc_spec)
    meta = r.get("metadata", ObjectMeta(namespace="default"))
    if isinstance(spec, ReplicationControllerSpec) and not meta.labels:
        tlabels = spec.template.metadata.labels
        if tlabels:
            meta = _evolve_labels(meta, tlabels)
    return ReplicationController(
        metadata=meta, spec=spec if isinstance(spec, ReplicationControllerSpec) else None,
        status=r.get("status", ReplicaSetStatus()))


def _evolve_labels(meta: ObjectMeta, labels: FrozenDict) -> ObjectMeta:
    return attrs.evolve(meta, labels=FrozenDict(labels))


def replicationcontroller_to_manifest(obj: ReplicationController) -> dict:
    """A ReplicationController as `kubectl get rc -o json` shows it: the
    selector is a plain map."""
    s = obj.spec
    spec: dict = {"replicas": s.replicas}
    if s.min_ready_seconds:
        spec["minReadySeconds"] = s.min_ready_seconds
    if s.selector:
        spec["selector"] = {k: s.selector[k] for k in sorted(s.selector)}
    spec["template"] = pod_template_out(s.template)
    return {"apiVersion": "v1", "kind": "ReplicationController",
            "metadata": object_meta_out(obj.metadata, True), "spec": spec,
            "status": replica_set_status_out(obj.status)}


# ================================================================ registry

#: (apiVersion, kind) → decoder, for every core/v1 kind kstate decodes.
DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {
    **core_v1_pod.DECODERS,
    **core_v1_service.DECODERS,
    ("v1", "Node"): _decode_node,
    ("v1", "Namespace"): _decode_namespace,
    ("v1", "ReplicationController"): _decode_replication_controller,
}

#: resource class → emitter.
EMITTERS: dict[type, Callable[[Any], dict]] = {
    **core_v1_pod.EMITTERS,
    **core_v1_service.EMITTERS,
    Node: _node_out,
    Namespace: _namespace_out,
    Event: _event_out,
    ReplicationController: replicationcontroller_to_manifest,
}

#: part emitters for the generic to_manifest fallback (kinds embedding these).
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    **core_v1_container.PART_EMITTERS,
    **core_v1_scheduling.PART_EMITTERS,
    **core_v1_pod.PART_EMITTERS,
    Taint: _taint_out,
}

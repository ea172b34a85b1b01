"""core/v1 Pod and PodTemplateSpec: strict decoding, SetDefaults_Pod /
SetDefaults_PodSpec, validation with field paths, kstate's timing
annotations, and the way back to the `kubectl get pod -o json` shape.

Owns: the Pod decoder and emitter (`DECODERS`, `EMITTERS`), PodSpec and
PodStatus (container states and statuses) decoding and emitting, `qos_class`,
`TIMING_ANNOTATIONS` and the `ANN_*` names with their checks, and the pod
template helpers every workload kind uses (`parse_pod_template`,
`pod_template_to_manifest`, `pod_template`, `check_pod_template`,
`pod_template_out`). Containers come from `kstate.io.core_v1_container`,
tolerations and affinity from `kstate.io.core_v1_scheduling`. Imports the
stdlib, attrs, `kstate.errors`, `kstate.resources.*`, `kstate.units` and
those `kstate.io` modules plus `kstate.io.fields`; never `kstate.io.core_v1`,
`kstate.io.apps_v1`, `kstate.io.manifests`, yaml, the engine or the
controllers.

Mirrors pkg/apis/core/validation/validation.go ValidatePodCreate,
ValidatePodSpec, ValidatePodTemplateSpec, ValidatePodTemplateSpecForRC /
ForReplicaSet, and pkg/apis/core/v1/defaults.go SetDefaults_Pod,
SetDefaults_PodSpec; qos_class mirrors pkg/apis/core/helper/qos GetPodQOS.
"""
from __future__ import annotations

import json
import re
from functools import partial
from typing import Any, Callable, Mapping, Optional

import attrs

from kstate.errors import SpecError
from kstate.io.core_v1_container import container, container_out, pod_resources, resources_out
from kstate.io.core_v1_scheduling import affinity, affinity_out, toleration, toleration_out
from kstate.io.fields import (
    BAD, INT64, Ctx, at_index, at_key, boolean, condition_list, condition_out, dns1123_label_error,
    dns1123_subdomain_error, dot, int64, integer, json_bool, json_list, json_object, json_string,
    label_map, list_of, non_negative, object_meta, object_meta_out, one_of, ordered, string,
    struct, time_out, timestamp, top_level, validated,
)
from kstate.resources import (
    EMPTY, ContainerState, ContainerStatus, FrozenDict, ObjectMeta, Pod, PodSpec, PodStatus, thaw,
)
from kstate.resources.quantity import is_negative, parse_quantity
from kstate.resources.selector import validate_label_key
from kstate.resources.workloads import PodTemplateSpec
from kstate.resources.workloads import ANN_DELETION_COST, deletion_cost_from_annotations
from kstate.units import parse_duration

__all__ = [
    "ANN_EXIT_AFTER", "ANN_EXIT_CODE", "ANN_INIT_DURATION", "ANN_NEVER_READY", "ANN_READY_AFTER",
    "ANN_SIDECAR_EXIT_AFTER", "ANN_SIDECAR_EXIT_CODE",
    "ANN_START_AFTER", "ANN_STOP_AFTER", "DECODERS", "EMITTERS", "PART_EMITTERS",
    "TIMING_ANNOTATIONS", "check_pod_template", "parse_pod_template", "pod_template",
    "pod_template_out", "pod_template_to_manifest", "qos_class",
]

# ==================================================== timing annotations

ANN_START_AFTER = "kstate.io/start-after"
ANN_READY_AFTER = "kstate.io/ready-after"
ANN_EXIT_AFTER = "kstate.io/exit-after"
ANN_INIT_DURATION = "kstate.io/init-duration"
ANN_STOP_AFTER = "kstate.io/stop-after"
ANN_EXIT_CODE = "kstate.io/exit-code"
ANN_NEVER_READY = "kstate.io/never-ready"
ANN_SIDECAR_EXIT_AFTER = "kstate.io/sidecar-exit-after"
ANN_SIDECAR_EXIT_CODE = "kstate.io/sidecar-exit-code"
# probes (controllers/prober.py) and graceful termination (controllers/kubelet.py)
ANN_STARTUP_TAKES = "kstate.io/startup-takes"
ANN_READINESS_FAILS_AFTER = "kstate.io/readiness-fails-after"
ANN_LIVENESS_FAILS_AFTER = "kstate.io/liveness-fails-after"
ANN_PRE_STOP_TAKES = "kstate.io/pre-stop-takes"
ANN_SIGTERM_EXIT_CODE = "kstate.io/sigterm-exit-code"
# the size of the images the pod pulls (controllers/images.py): a non-negative quantity of bytes
ANN_IMAGE_SIZE = "kstate.io/image-size"
_DURATION_ANNOTATIONS = (ANN_START_AFTER, ANN_READY_AFTER, ANN_EXIT_AFTER, ANN_INIT_DURATION,
                         ANN_STOP_AFTER, ANN_SIDECAR_EXIT_AFTER, ANN_STARTUP_TAKES, ANN_READINESS_FAILS_AFTER,
                         ANN_LIVENESS_FAILS_AFTER, ANN_PRE_STOP_TAKES)
_EXIT_CODE_ANNOTATIONS = (ANN_EXIT_CODE, ANN_SIDECAR_EXIT_CODE, ANN_SIGTERM_EXIT_CODE)
#: The per-pod timing annotations kstate's kubelet reads; validated on Pods.
TIMING_ANNOTATIONS = frozenset(_DURATION_ANNOTATIONS + _EXIT_CODE_ANNOTATIONS + (ANN_NEVER_READY, ANN_IMAGE_SIZE))


def _parse_duration_msg(v: str) -> Optional[str]:
    try:
        parse_duration(v)
    except SpecError as exc:
        return exc.message
    except (ValueError, OverflowError) as exc:
        return f"invalid duration: {exc}"
    return None


def _check_timing_annotations(ctx: Ctx, ann: Mapping[str, str], path: str) -> None:
    """kstate's pod timing annotations (specs/profiles rules read them), and
    ValidatePodSpecificAnnotations' pod-deletion-cost rule (validation.go:
    GetDeletionCostFromPodAnnotations must succeed)."""
    if ANN_DELETION_COST in ann and not deletion_cost_from_annotations(ann)[1]:
        ctx.invalid(at_key(path, ANN_DELETION_COST), ann[ANN_DELETION_COST], "must be a 32bit integer")
    for k, v in ann.items():
        if k not in TIMING_ANNOTATIONS:
            continue
        kpath = at_key(path, k)
        if k in _EXIT_CODE_ANNOTATIONS:
            if not re.fullmatch(r"[0-9]{1,3}", v) or not 0 <= int(v) <= 255:
                ctx.invalid(kpath, v, "must be an integer between 0 and 255")
        elif k == ANN_NEVER_READY:
            if v not in ("true", "false"):
                ctx.not_supported(kpath, v, ("true", "false"))
        elif k == ANN_IMAGE_SIZE:
            try:
                bad = is_negative(v)
            except SpecError as exc:
                ctx.invalid(kpath, v, exc.message)
                continue
            if bad:
                ctx.invalid(kpath, v, "must be greater than or equal to 0")
        else:
            msg = _parse_duration_msg(v)
            if msg:
                ctx.invalid(kpath, v, msg)


# =================================================================== pods


def _pod_meta(ctx: Ctx, v: Any, path: str, template: bool = False) -> ObjectMeta:
    """A Pod's (or pod template's) metadata: ValidateObjectMeta plus kstate's
    timing annotations."""
    return object_meta(ctx, v, path, Pod, template=template,
                       check_annotations=_check_timing_annotations)


def _readiness_gate(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"conditionType": validated(validate_label_key)})
    if r is None:
        return BAD
    if r.ok("conditionType") and not r.get("conditionType"):
        ctx.required(dot(path, "conditionType"))
    return r.get("conditionType", "")


def _active_deadline(ctx: Ctx, v: Any, path: str) -> Any:
    r = integer(ctx, v, path, INT64)
    if r is not BAD and r < 1:
        ctx.invalid(path, r, "must be between 1 and 2147483647, inclusive")
    return r


#: PodSpec fields kstate carries verbatim in PodSpec.extra, with their JSON shape.
_POD_SPEC_EXTRA: dict[str, Callable[[Ctx, Any, str], Any]] = {
    "volumes": json_list, "dnsPolicy": json_string, "dnsConfig": json_object,
    "hostNetwork": json_bool, "hostPID": json_bool, "hostIPC": json_bool,
    "serviceAccountName": json_string, "serviceAccount": json_string,
    "automountServiceAccountToken": json_bool, "securityContext": json_object,
    "imagePullSecrets": json_list, "priorityClassName": json_string,
    "preemptionPolicy": json_string, "runtimeClassName": json_string,
    "enableServiceLinks": json_bool, "topologySpreadConstraints": json_list,
    "activeDeadlineSeconds": _active_deadline, "shareProcessNamespace": json_bool,
    "overhead": json_object, "setHostnameAsFQDN": json_bool, "os": json_object,
    "hostAliases": json_list, "schedulingGates": json_list, "ephemeralContainers": json_list,
    "hostUsers": json_bool, "resourceClaims": json_list,
}
_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")


def _check_shared_ports(ctx: Ctx, path: str, init: tuple, containers: tuple) -> None:
    """The containers running side by side (app containers and sidecars,
    restartPolicy Always init containers) share the pod's network namespace,
    so two of them cannot listen on one containerPort+protocol. Kubernetes
    accepts such a pod with a warning (pkg/api/pod/warnings.go: "duplicate
    port definition with ...") and the second container fails to bind;
    kstate refuses it (issue 10)."""
    seen: dict = {}
    groups = (("initContainers", init), ("containers", containers))
    for field, group in groups:
        for i, c in enumerate(group):
            if field == "initContainers" and c.restart_policy != "Always":
                continue
            cpath = at_index(dot(path, field), i)
            mine: set = set()
            for j, port in enumerate(c.ports):
                key = (port.container_port, port.protocol)
                ppath = at_index(dot(cpath, "ports"), j)
                other = seen.get(key)
                if other is not None and other[0] != cpath and key not in mine:
                    ctx.add(dot(ppath, "containerPort"),
                            f'Duplicate value: "{key[0]}/{key[1]}": duplicate port definition with {other[1]} '
                            "(the containers share the pod's network namespace: Kubernetes accepts this with a "
                            "warning and the second container cannot bind; kstate refuses it)")
                mine.add(key)
                seen.setdefault(key, (cpath, ppath))


def _pod_spec(ctx: Ctx, v: Any, path: str) -> Any:
    """validation.go ValidatePodSpec (the parts kstate models) with
    SetDefaults_PodSpec / SetDefaults_Pod: restartPolicy Always,
    terminationGracePeriodSeconds 30, schedulerName default-scheduler,
    dnsPolicy ClusterFirst, securityContext {}, enableServiceLinks true,
    hostPort = containerPort under hostNetwork."""
    r = struct(ctx, v, path, {
        "initContainers": lambda c, x, p: list_of(c, x, p, partial(container, init=True)),
        "containers": lambda c, x, p: list_of(c, x, p, partial(container, init=False)),
        "restartPolicy": one_of(_RESTART_POLICIES, allow_empty=True),
        "terminationGracePeriodSeconds": non_negative(int64),
        "nodeSelector": label_map,
        "affinity": affinity,
        "tolerations": lambda c, x, p: list_of(c, x, p, toleration),
        "nodeName": validated(lambda s: dns1123_subdomain_error(s) if s else None),
        "schedulerName": validated(lambda s: dns1123_subdomain_error(s) if s else None),
        "hostname": validated(lambda s: dns1123_label_error(s) if s else None),
        "subdomain": validated(lambda s: dns1123_label_error(s) if s else None),
        "priority": integer,
        "readinessGates": lambda c, x, p: list_of(c, x, p, _readiness_gate),
        "resources": pod_resources,
    }, extra=_POD_SPEC_EXTRA)
    if r is None:
        return BAD
    init = r.get("initContainers", ())
    containers = r.get("containers", ())
    if r.ok("containers") and not r.raw.get("containers"):
        ctx.required(dot(path, "containers"))
    # Names unique across init and app containers (validateInitContainers runs first).
    names: set[str] = set()
    for field, group in (("initContainers", init), ("containers", containers)):
        for i, c in enumerate(group):
            if c.name and c.name in names:
                ctx.duplicate(dot(at_index(dot(path, field), i), "name"), c.name)
            names.add(c.name)
    extra = dict(r.extra)
    dns = extra.get("dnsPolicy")
    if dns not in (None, "") and dns not in _DNS_POLICIES:
        ctx.not_supported(dot(path, "dnsPolicy"), dns, _DNS_POLICIES)
    host_network = extra.get("hostNetwork") is True
    # AccumulateUniqueHostPorts: one (hostPort, protocol) per pod.
    host_ports: set[tuple[int, str]] = set()
    for field, group in (("initContainers", init), ("containers", containers)):
        fixed = []
        for i, c in enumerate(group):
            ports = c.ports
            if host_network:
                ports = tuple(p if p.host_port else attrs.evolve(p, host_port=p.container_port)
                              for p in ports)
                if ports != c.ports:
                    c = attrs.evolve(c, ports=ports)
            for j, port in enumerate(ports):
                if port.host_port:
                    hp = (port.host_port, port.protocol)
                    if hp in host_ports:
                        ports_path = dot(at_index(dot(path, field), i), "ports")
                        ctx.duplicate(dot(at_index(ports_path, j), "hostPort"),
                                      f"{port.host_port}/{port.protocol}")
                    host_ports.add(hp)
            fixed.append(c)
        if field == "initContainers":
            init = tuple(fixed)
        else:
            containers = tuple(fixed)
    _check_shared_ports(ctx, path, init, containers)
    if not extra.get("dnsPolicy"):
        extra["dnsPolicy"] = "ClusterFirst"
    extra.setdefault("securityContext", FrozenDict())
    extra.setdefault("enableServiceLinks", True)
    return PodSpec(
        containers=containers,
        init_containers=init,
        restart_policy=r.get("restartPolicy") or "Always",
        termination_grace_period_seconds=r.get("terminationGracePeriodSeconds", 30),
        node_selector=r.get("nodeSelector", EMPTY) or EMPTY,
        affinity=r.get("affinity"),
        tolerations=r.get("tolerations", ()),
        node_name=r.get("nodeName", ""),
        scheduler_name=r.get("schedulerName") or "default-scheduler",
        hostname=r.get("hostname", ""),
        subdomain=r.get("subdomain", ""),
        priority=r.get("priority"),
        readiness_gates=r.get("readinessGates", ()),
        resources=r.get("resources"),
        extra=FrozenDict(extra),
    )


def _container_state(ctx: Ctx, v: Any, path: str) -> Any:
    state = struct(ctx, v, path, {
        "waiting": lambda c, x, p: struct(c, x, p, {"reason": string, "message": string}),
        "running": lambda c, x, p: struct(c, x, p, {"startedAt": timestamp}),
        "terminated": lambda c, x, p: struct(c, x, p, {
            "exitCode": integer, "signal": integer, "reason": string, "message": string,
            "startedAt": timestamp, "finishedAt": timestamp, "containerID": string,
        }),
    })
    if state is None:
        return BAD
    kinds = [k for k in ("waiting", "running", "terminated") if state.given(k)]
    for k in kinds[1:]:
        ctx.forbidden(dot(path, k), "may not specify more than 1 state")
    for kind in kinds:
        r = state.get(kind)
        if r is None:
            return BAD
        return ContainerState(
            kind=kind, reason=r.get("reason", ""), message=r.get("message", ""),
            exit_code=r.get("exitCode", 0) if kind == "terminated" else None,
            started_at=r.get("startedAt"), finished_at=r.get("finishedAt"),
        )
    return ContainerState()


def _container_status(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "name": string, "image": string, "ready": boolean, "started": boolean,
        "restartCount": non_negative(integer), "state": _container_state,
        "lastState": _container_state, "containerID": string,
    }, drop=("imageID", "resources", "allocatedResources", "volumeMounts", "user",
             "allocatedResourcesStatus", "stopSignal"))
    if r is None:
        return BAD
    return ContainerStatus(
        name=r.get("name", ""), image=r.get("image", ""), ready=r.get("ready", False),
        started=r.get("started"), restart_count=r.get("restartCount", 0),
        state=r.get("state", ContainerState()), last_state=r.get("lastState", ContainerState()),
        container_id=r.get("containerID", ""),
    )


def _ip_entry(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"ip": string})
    return BAD if r is None else r.get("ip", "")


def _pod_status(ctx: Ctx, v: Any, path: str) -> Any:
    """PodStatus as `kubectl get -o json` shows it; qosClass is recomputed."""
    r = struct(ctx, v, path, {
        "phase": one_of(("Pending", "Running", "Succeeded", "Failed", "Unknown"), allow_empty=True),
        "conditions": condition_list,
        "message": string, "reason": string, "nominatedNodeName": string,
        "hostIP": string, "hostIPs": lambda c, x, p: list_of(c, x, p, _ip_entry),
        "podIP": string, "podIPs": lambda c, x, p: list_of(c, x, p, _ip_entry),
        "startTime": timestamp,
        "initContainerStatuses": lambda c, x, p: list_of(c, x, p, _container_status),
        "containerStatuses": lambda c, x, p: list_of(c, x, p, _container_status),
    }, drop=("qosClass", "ephemeralContainerStatuses", "resize", "resourceClaimStatuses",
             "observedGeneration", "extendedResourceClaimStatus"))
    if r is None:
        return BAD
    pod_ips, host_ips = r.get("podIPs", ()), r.get("hostIPs", ())
    return PodStatus(
        phase=r.get("phase") or "Pending",
        conditions=r.get("conditions", ()),
        container_statuses=r.get("containerStatuses", ()),
        init_container_statuses=r.get("initContainerStatuses", ()),
        pod_ip=r.get("podIP") or (pod_ips[0] if pod_ips else ""),
        host_ip=r.get("hostIP") or (host_ips[0] if host_ips else ""),
        start_time=r.get("startTime"),
        reason=r.get("reason", ""),
        message=r.get("message", ""),
        nominated_node_name=r.get("nominatedNodeName", ""),
    )


def _decode_pod(ctx: Ctx, doc: dict) -> Pod:
    """ValidatePodCreate (validation.go): ValidateObjectMeta + ValidatePodSpec."""
    r = top_level(ctx, doc, {
        "metadata": _pod_meta,
        "spec": _pod_spec,
        "status": _pod_status,
    })
    if doc.get("spec") is None:
        ctx.required("spec.containers")
    spec = r.get("spec") or PodSpec(containers=())
    # validateContainerOnlyForPod (validation.go): a pod's images, unlike a
    # template's, may not have leading or trailing whitespace.
    for field, containers in (("initContainers", spec.init_containers), ("containers", spec.containers)):
        for i, c in enumerate(containers):
            if isinstance(c.image, str) and c.image != c.image.strip():
                ctx.invalid(f"spec.{field}[{i}].image", c.image, "must not have leading or trailing whitespace")
    return Pod(metadata=r.get("metadata", ObjectMeta(namespace="default")), spec=spec,
               status=r.get("status", PodStatus()))


# ============================================================ to_manifest


_POD_SPEC_ORDER = (
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
    "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
    "hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace", "securityContext",
    "imagePullSecrets", "hostname", "subdomain", "affinity", "schedulerName", "tolerations",
    "hostAliases", "priorityClassName", "priority", "dnsConfig", "readinessGates",
    "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
    "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
    "resourceClaims", "resources",
)


def _pod_spec_out(s: PodSpec) -> dict:
    d: dict = thaw(s.extra)
    if s.init_containers:
        d["initContainers"] = [container_out(c) for c in s.init_containers]
    d["containers"] = [container_out(c) for c in s.containers]
    d["restartPolicy"] = s.restart_policy
    d["terminationGracePeriodSeconds"] = s.termination_grace_period_seconds
    if s.node_selector:
        d["nodeSelector"] = dict(s.node_selector)
    if s.node_name:
        d["nodeName"] = s.node_name
    if s.hostname:
        d["hostname"] = s.hostname
    if s.subdomain:
        d["subdomain"] = s.subdomain
    if s.affinity is not None:
        d["affinity"] = affinity_out(s.affinity)
    d["schedulerName"] = s.scheduler_name
    if s.tolerations:
        d["tolerations"] = [toleration_out(t) for t in s.tolerations]
    if s.priority is not None:
        d["priority"] = s.priority
    if s.readiness_gates:
        d["readinessGates"] = [{"conditionType": g} for g in s.readiness_gates]
    if s.resources is not None:
        d["resources"] = resources_out(s.resources)
    return ordered(d, _POD_SPEC_ORDER)


def _state_out(s: ContainerState) -> dict:
    if s.kind == "running":
        body: dict = {}
        if s.started_at is not None:
            body["startedAt"] = time_out(s.started_at)
        return {"running": body}
    if s.kind == "waiting":
        body = {}
        if s.reason:
            body["reason"] = s.reason
        if s.message:
            body["message"] = s.message
        return {"waiting": body}
    if s.kind == "terminated":
        body = {"exitCode": s.exit_code if s.exit_code is not None else 0}
        if s.reason:
            body["reason"] = s.reason
        if s.message:
            body["message"] = s.message
        if s.started_at is not None:
            body["startedAt"] = time_out(s.started_at)
        if s.finished_at is not None:
            body["finishedAt"] = time_out(s.finished_at)
        return {"terminated": body}
    return {}


def _container_status_out(s: ContainerStatus) -> dict:
    d: dict = {
        "name": s.name,
        "state": _state_out(s.state),
        "lastState": _state_out(s.last_state),
        "ready": s.ready,
        "restartCount": s.restart_count,
        "image": s.image,
    }
    if s.container_id:
        d["containerID"] = s.container_id
    if s.started is not None:
        d["started"] = s.started
    return d


_QOS_RESOURCES = ("cpu", "memory")


def qos_class(spec: PodSpec) -> str:
    """pkg/apis/core/helper/qos/qos.go GetPodQOS (ComputePodQOS).

    Only cpu and memory count. BestEffort: no container has a positive request
    or limit; Guaranteed: every container has cpu and memory limits and the
    summed requests equal the summed limits; else Burstable. Example: one
    container with limits cpu 1, memory 1Gi (requests defaulted to them) →
    Guaranteed; add a container with no resources → Burstable.
    """
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for c in spec.containers + spec.init_containers:
        for name, text in c.resources.requests.items():
            if name in _QOS_RESOURCES:
                q = _safe_quantity(text)
                if q > 0:
                    requests[name] = requests.get(name, 0) + q
        found = set()
        for name, text in c.resources.limits.items():
            if name in _QOS_RESOURCES:
                q = _safe_quantity(text)
                if q > 0:
                    found.add(name)
                    limits[name] = limits.get(name, 0) + q
        if not found.issuperset(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, q in requests.items():
            if limits.get(name) != q:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _safe_quantity(text: Any) -> Any:
    try:
        return parse_quantity(text)
    except (SpecError, ValueError, OverflowError, ArithmeticError):
        return 0


def _pod_status_out(s: PodStatus, spec: PodSpec) -> dict:
    d: dict = {"phase": s.phase}
    if s.conditions:
        d["conditions"] = [condition_out(c, pod=True) for c in s.conditions]
    if s.message:
        d["message"] = s.message
    if s.reason:
        d["reason"] = s.reason
    if s.nominated_node_name:
        d["nominatedNodeName"] = s.nominated_node_name
    if s.host_ip:
        d["hostIP"] = s.host_ip
        d["hostIPs"] = [{"ip": s.host_ip}]
    if s.pod_ip:
        d["podIP"] = s.pod_ip
        d["podIPs"] = [{"ip": s.pod_ip}]
    if s.start_time is not None:
        d["startTime"] = time_out(s.start_time)
    if s.init_container_statuses:
        d["initContainerStatuses"] = [_container_status_out(c) for c in s.init_container_statuses]
    if s.container_statuses:
        d["containerStatuses"] = [_container_status_out(c) for c in s.container_statuses]
    d["qosClass"] = qos_class(spec)
    return d


def _pod_out(p: Pod) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": object_meta_out(p.metadata, True),
        "spec": _pod_spec_out(p.spec),
        "status": _pod_status_out(p.status, p.spec),
    }


# ========================================================== pod templates


def parse_pod_template(value: Any, path: str = "spec.template",
                       source: str = "") -> tuple[ObjectMeta, PodSpec]:
    """A PodTemplateSpec (`{metadata, spec}`, as in a Deployment's
    `spec.template`) → (ObjectMeta, PodSpec), decoded, defaulted and validated
    like a Pod's (ValidatePodTemplateSpec): no name required, no namespace
    defaulted, kstate timing annotations checked. Errors carry paths under
    `path` (`spec.template.spec.containers[0].image`).
    """
    ctx = Ctx()
    try:
        template = pod_template(ctx, value, path)
    except RecursionError:
        raise SpecError("object is nested too deeply", path, source) from None
    ctx.raise_first(source)
    return template.metadata, template.spec


def pod_template_to_manifest(metadata: ObjectMeta, spec: PodSpec) -> dict:
    """The inverse of parse_pod_template: `{"metadata": …, "spec": …}`
    (metadata without name/namespace when they are empty)."""
    return pod_template_out(PodTemplateSpec(metadata=metadata, spec=spec))


def _go_map(labels: Mapping[str, str]) -> str:
    """A map[string]string as field.Error prints it (`%#v`, keys sorted)."""
    if not labels:
        return "map[string]string(nil)"
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)
    body = ", ".join(f"{q(k)}:{q(labels[k])}" for k in sorted(labels))
    text = f"map[string]string{{{body}}}"
    return text if len(text) <= 200 else text[:197] + "..."


def pod_template(ctx: Ctx, v: Any, path: str) -> Any:
    """A PodTemplateSpec decoded like parse_pod_template, errors collected in
    the caller's context (ValidatePodTemplateSpec)."""
    r = struct(ctx, v, path, {
        "metadata": lambda c, x, p: _pod_meta(c, x, p, template=True),
        "spec": _pod_spec,
    })
    if r is None:
        return BAD
    if r.raw.get("spec") is None:
        ctx.required(dot(dot(path, "spec"), "containers"))
    spec = r.get("spec")
    return PodTemplateSpec(metadata=r.get("metadata", ObjectMeta()), spec=spec)


def check_pod_template(ctx: Ctx, template: Any, path: str,
                       selects: Optional[Callable[[Any], bool]], owner: str, forbid_deadline: bool = False) -> None:
    """ValidatePodTemplateSpecForReplicaSet / ValidatePodTemplateSpecForRC,
    after the template itself was validated: the selector must match the
    template labels; restartPolicy must be Always; no activeDeadlineSeconds."""
    if not isinstance(template, PodTemplateSpec):
        return
    labels = template.metadata.labels
    if selects is not None and not selects(labels):
        ctx.add(dot(dot(path, "metadata"), "labels"),
                f"Invalid value: {_go_map(labels)}: `selector` does not match template `labels`")
    spec = template.spec
    if spec is None:
        return
    if spec.restart_policy in ("OnFailure", "Never"):
        ctx.not_supported(dot(dot(path, "spec"), "restartPolicy"), spec.restart_policy, ("Always",))
    deadline = spec.extra.get("activeDeadlineSeconds")
    if deadline is not None:
        if forbid_deadline:  # ValidateDaemonSetSpec: Forbidden rather than Invalid
            ctx.forbidden(dot(dot(path, "spec"), "activeDeadlineSeconds"),
                          f"activeDeadlineSeconds in {owner} is not Supported")
        else:
            ctx.invalid(dot(dot(path, "spec"), "activeDeadlineSeconds"), deadline,
                        f"activeDeadlineSeconds in {owner} is not Supported")


def pod_template_out(t: PodTemplateSpec) -> dict:
    """`{"metadata": …, "spec": …}`: metadata without name/namespace when they
    are empty, no spec when there is none."""
    meta = object_meta_out(t.metadata, bool(t.metadata.namespace))
    if not meta.get("name"):
        meta.pop("name", None)
    if t.spec is None:
        return {"metadata": meta}
    return {"metadata": meta, "spec": _pod_spec_out(t.spec)}


# ================================================================ registry

#: (apiVersion, kind) → decoder.
DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {
    ("v1", "Pod"): _decode_pod,
}

#: resource class → emitter.
EMITTERS: dict[type, Callable[[Any], dict]] = {
    Pod: _pod_out,
}

#: part emitters for the generic to_manifest fallback (kinds embedding these).
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    PodSpec: _pod_spec_out,
    ContainerStatus: _container_status_out,
    ContainerState: _state_out,
    PodTemplateSpec: pod_template_out,
}

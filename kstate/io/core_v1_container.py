"""core/v1 Container: strict decoding, SetDefaults_Container / SetDefaults_Probe,
validation with field paths, and the way back to the Kubernetes JSON shape.

Owns: `container` (one init or app container: ports, env, resources, probes,
restartPolicy), `container_out`, the ResourceList handler `quantity_map`
(shared with Node capacity), the pod-level `pod_resources` and
`resources_out` (shared with PodSpec), and `PART_EMITTERS` for Container,
Probe, ContainerPort and ResourceRequirements. Imports the stdlib, `kstate.errors`,
`kstate.resources.*` and `kstate.io.fields`; never another kind module, yaml,
the engine or the controllers.

Mirrors pkg/apis/core/validation/validation.go validateContainerCommon,
validateContainerPorts, validateProbe, ValidateContainerResourceRequirements,
validateContainerResourceName and pkg/apis/core/v1/defaults.go
SetDefaults_Container, SetDefaults_Probe, SetDefaults_HTTPGetAction.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable, Mapping, Optional

from kstate.errors import SpecError
from kstate.io.fields import (
    BAD, Ctx, at_index, at_key, dns1123_label_error, dot, iana_svc_name_error, int64, integer,
    json_bool, json_data, json_list, json_object, json_string, list_of, non_negative, one_of,
    ordered, string, strings, struct, type_error, validated,
)
from kstate.resources import (
    EMPTY, Container, ContainerPort, FrozenDict, Probe, ResourceClaim, ResourceRequirements, thaw,
)
from kstate.resources.quantity import parse_quantity
from kstate.resources.selector import validate_label_key

__all__ = [
    "PART_EMITTERS", "POD_LEVEL_RESOURCES", "container", "container_out", "pod_resources",
    "quantity_map", "resources_out",
]

def _env_var(ctx: Ctx, v: Any, path: str) -> Any:
    """An EnvVar: `value` must be a string (the classic `value: 8080` mistake)."""
    r = struct(ctx, v, path, {"name": string, "value": string, "valueFrom": json_object})
    if r is None:
        return BAD
    if r.ok("name") and not r.get("name"):
        ctx.required(dot(path, "name"))
    return json_data(ctx, v, path)


def _env(ctx: Ctx, v: Any, path: str) -> Any:
    return list_of(ctx, v, path, _env_var)


# ============================================================== resources

_STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})


def _is_native(name: str) -> bool:
    """helper.IsNativeResource: no domain, or a kubernetes.io domain."""
    return "/" not in name or "kubernetes.io/" in name


def _is_overcommit_allowed(name: str) -> bool:
    """v1helper.IsOvercommitAllowed: native resources except hugepages."""
    return _is_native(name) and not name.startswith("hugepages-")


def _container_resource_name_error(name: str) -> Optional[str]:
    """validation.go validateContainerResourceName."""
    if "/" not in name:
        if name in _STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-"):
            return None
        return "must be a standard resource for containers"
    msg = validate_label_key(name)
    if msg:
        return msg
    if not _is_native(name) and validate_label_key("requests." + name):
        return "doesn't follow extended resource name standard"
    return None


def _quantity_text(v: Any) -> Optional[str]:
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and math.isfinite(v):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return None


def quantity_map(name_error: Optional[Callable[[str], Optional[str]]] = None,
                 supported: Optional[tuple[str, ...]] = None) -> Callable[[Ctx, Any, str], Any]:
    """A ResourceList: names validated (`name_error` gives the message of an
    invalid name; a name outside `supported`, when given, is an Unsupported
    value), quantities parsed (ParseQuantity) and non-negative
    (ValidateResourceQuantityValue); extended resources integral."""

    def handler(ctx: Ctx, v: Any, path: str) -> Any:
        if not isinstance(v, dict):
            return type_error(ctx, path, v, "a mapping")
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                ctx.invalid(path, k, "resource names must be strings")
                continue
            kpath = at_key(path, k)
            if supported is not None and k not in supported:
                ctx.not_supported(kpath, k, supported)
            elif name_error is not None:
                msg = name_error(k)
                if msg:
                    ctx.invalid(kpath, k, msg)
            text = _quantity_text(x)
            if text is None:
                ctx.invalid(kpath, x, "must be a quantity (a string like '500m' or a number)")
                continue
            try:
                q = parse_quantity(text)
            except SpecError as exc:
                ctx.invalid(kpath, x, exc.message)
                continue
            except (ValueError, OverflowError, ArithmeticError):
                ctx.invalid(kpath, x, "must be a valid quantity")
                continue
            if q < 0:
                ctx.invalid(kpath, text, "must be greater than or equal to 0")
            elif not _is_native(k) and q.denominator != 1:
                ctx.invalid(kpath, text, "must be an integer")
            out[k] = text
        return FrozenDict(out)
    return handler


def _resource_claim(ctx: Ctx, v: Any, path: str) -> Any:
    """One resources.claims entry: `name` a DNS-1123 label (validateResourceClaimNames:
    an empty name is `Required value` at the entry), `request` a string."""
    r = struct(ctx, v, path, {
        "name": validated(lambda s: dns1123_label_error(s) if s else None),
        "request": string,
    })
    if r is None:
        return BAD
    if r.ok("name") and not r.get("name"):
        ctx.required(path)
    return ResourceClaim(name=r.get("name", ""), request=r.get("request", ""))


def _resources(ctx: Ctx, v: Any, path: str) -> Any:
    """ValidateContainerResourceRequirements, after SetDefaults_Pod copied
    limits into unset requests; `claims` kept (their names are not checked
    against pod.spec.resourceClaims). Example: requests cpu "2", limits cpu
    "1" → `resources.requests: Invalid value: "2": must be less than or equal
    to cpu limit of 1`."""
    qmap = quantity_map(_container_resource_name_error)
    r = struct(ctx, v, path, {
        "requests": qmap, "limits": qmap,
        "claims": lambda c, x, p: list_of(c, x, p, _resource_claim),
    })
    if r is None:
        return BAD
    requests: dict = dict(r.get("requests", EMPTY))
    limits: Mapping = r.get("limits", EMPTY)
    _check_requests_within_limits(ctx, path, requests, limits)
    for name, lim in limits.items():  # SetDefaults_Pod: requests default to limits
        requests.setdefault(name, lim)
    return ResourceRequirements(requests=FrozenDict(requests) if requests else EMPTY,
                                limits=limits or EMPTY, claims=r.get("claims", ()))


#: The resources a pod-level spec.resources may name (PodLevelResources).
POD_LEVEL_RESOURCES = ("cpu", "memory")


def pod_resources(ctx: Ctx, v: Any, path: str) -> Any:
    """A PodSpec's own `resources` (PodLevelResources, beta and on by default
    in Kubernetes 1.34): validatePodResourceRequirements — cpu and memory
    only, quantities as for containers, each request at most its limit, no
    `claims` (Forbidden at pod level). Stored as given: kstate applies neither defaultPodRequests nor
    validatePodResourceConsistency (the rules relating it to the containers'
    resources). Example: requests cpu "2", limits cpu "1" →
    `spec.resources.requests: Invalid value: "2": must be less than or equal to
    cpu limit of 1`."""
    qmap = quantity_map(supported=POD_LEVEL_RESOURCES)
    r = struct(ctx, v, path, {"requests": qmap, "limits": qmap, "claims": _no_pod_level_claims})
    if r is None:
        return BAD
    requests: Mapping = r.get("requests", EMPTY)
    limits: Mapping = r.get("limits", EMPTY)
    _check_requests_within_limits(ctx, path, requests, limits)
    return ResourceRequirements(requests=requests or EMPTY, limits=limits or EMPTY)


def _no_pod_level_claims(ctx: Ctx, v: Any, path: str) -> Any:
    """validatePodResources: `claims` is a container-level field only."""
    ctx.forbidden(path, "claims may not be set for Resources at pod-level")
    return BAD


def _check_requests_within_limits(ctx: Ctx, path: str, requests: Mapping, limits: Mapping) -> None:
    """validateResourceRequirements: each request at most its limit (equal to
    it for resources that cannot be overcommitted, which need a limit)."""
    for name, req in requests.items():
        lim = limits.get(name)
        try:
            rq = parse_quantity(req)
        except (SpecError, ValueError, OverflowError, ArithmeticError):
            continue
        if lim is None:
            if not _is_overcommit_allowed(name):
                ctx.required(dot(path, "limits"), "Limit must be set for non overcommitable resources")
            continue
        try:
            lq = parse_quantity(lim)
        except (SpecError, ValueError, OverflowError, ArithmeticError):
            continue
        if rq != lq and not _is_overcommit_allowed(name):
            ctx.invalid(dot(path, "requests"), req, f"must be equal to {name} limit of {lim}")
        elif rq > lq:
            ctx.invalid(dot(path, "requests"), req,
                        f"must be less than or equal to {name} limit of {lim}")


# ================================================================= probes

_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")


def _probe_port(ctx: Ctx, v: Any, path: str) -> Any:
    """validation.go ValidatePortNumOrName: an IntOrString port, 1-65535 or an
    IANA_SVC_NAME."""
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        ctx.invalid(path, v, "must be an integer or a string (IntOrString)")
        return BAD
    if isinstance(v, int):
        if not 1 <= v <= 65535:
            ctx.invalid(path, v, "must be between 1 and 65535, inclusive")
            return BAD
        return v
    msg = iana_svc_name_error(v)
    if msg:
        ctx.invalid(path, v, msg)
        return BAD
    return v


def _http_header(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"name": string, "value": string})
    if r is None:
        return BAD
    if not r.get("name"):
        ctx.required(dot(path, "name"))
    return FrozenDict(r.typed)


#: the typed shape of each probe handler (core/v1 ExecAction, HTTPGetAction,
#: TCPSocketAction, GRPCAction); anything else in them is an unknown field.
_PROBE_HANDLER_FIELDS = {
    "exec": {"command": strings},
    "httpGet": {"path": string, "port": _probe_port, "host": string,
                "scheme": one_of(("HTTP", "HTTPS")), "httpHeaders": partial(list_of, item=_http_header)},
    "tcpSocket": {"port": _probe_port, "host": string},
    "grpc": {"port": lambda ctx, v, path: _probe_port(ctx, v, path) if not isinstance(v, str)
             else integer(ctx, v, path), "service": string},
}


def _probe_handler(kind: str) -> Callable[[Ctx, Any, str], Any]:
    def h(ctx: Ctx, v: Any, path: str) -> Any:
        r = struct(ctx, v, path, _PROBE_HANDLER_FIELDS[kind])
        if r is None:
            return BAD
        return FrozenDict(r.typed)
    return h


def _probe(ctx: Ctx, v: Any, path: str, kind: str) -> Any:
    """validation.go validateProbe / validateHandler with SetDefaults_Probe
    (zero timing fields take the defaults 10/1/1/3) and SetDefaults_HTTPGetAction."""
    nn = non_negative(integer)
    r = struct(ctx, v, path, {
        "initialDelaySeconds": nn, "timeoutSeconds": nn, "periodSeconds": nn,
        "successThreshold": nn, "failureThreshold": nn,
        "exec": _probe_handler("exec"), "httpGet": _probe_handler("httpGet"),
        "tcpSocket": _probe_handler("tcpSocket"), "grpc": _probe_handler("grpc"),
        "terminationGracePeriodSeconds": int64,
    })
    if r is None:
        return BAD
    handlers = [h for h in r.raw if h in _PROBE_HANDLERS and r.raw[h] is not None]
    if not handlers:
        ctx.required(path, "must specify a handler type")
    for h in handlers[1:]:
        ctx.forbidden(dot(path, h), "may not specify more than 1 handler type")
    handler: dict = {}
    for h in handlers:
        if h not in r.typed:
            continue
        body = r.typed[h]
        if h in ("httpGet", "tcpSocket", "grpc") and body.get("port") is None:
            ctx.required(dot(dot(path, h), "port"))
        if h == "httpGet":
            body = FrozenDict({**body, "path": body.get("path") or "/",
                               "scheme": body.get("scheme") or "HTTP"})
        handler[h] = body
    tgps = r.get("terminationGracePeriodSeconds")
    if tgps is not None:
        if kind == "readinessProbe":
            ctx.invalid(dot(path, "terminationGracePeriodSeconds"), tgps,
                        "must not be set for readinessProbes")
        elif tgps <= 0:
            ctx.invalid(dot(path, "terminationGracePeriodSeconds"), tgps, "must be greater than 0")
        handler["terminationGracePeriodSeconds"] = tgps
    success = r.get("successThreshold") or 1
    if kind != "readinessProbe" and success != 1:
        ctx.invalid(dot(path, "successThreshold"), success, "must be 1")
    return Probe(
        initial_delay_seconds=r.get("initialDelaySeconds") or 0,
        period_seconds=r.get("periodSeconds") or 10,
        timeout_seconds=r.get("timeoutSeconds") or 1,
        success_threshold=success,
        failure_threshold=r.get("failureThreshold") or 3,
        handler=FrozenDict(handler) if handler else EMPTY,
    )


# ============================================================= containers

#: Container fields kstate carries verbatim in Container.extra, with their JSON shape.
_CONTAINER_EXTRA: dict[str, Callable[[Ctx, Any, str], Any]] = {
    "env": _env, "envFrom": json_list, "volumeMounts": json_list,
    "volumeDevices": json_list, "imagePullPolicy": json_string, "workingDir": json_string,
    "securityContext": json_object, "lifecycle": json_object, "terminationMessagePath": json_string,
    "terminationMessagePolicy": json_string, "stdin": json_bool, "stdinOnce": json_bool,
    "tty": json_bool, "resizePolicy": json_list, "restartPolicyRules": json_list,
}
_PROTOCOLS = ("TCP", "UDP", "SCTP")


def _port_number(lo: int) -> Callable[[Ctx, Any, str], Any]:
    def h(ctx: Ctx, v: Any, path: str) -> Any:
        r = integer(ctx, v, path)
        if r is not BAD and r != 0 and not lo <= r <= 65535:
            ctx.invalid(path, r, "must be between 1 and 65535, inclusive")
        return r
    return h


def _container_port(ctx: Ctx, v: Any, path: str) -> Any:
    """validation.go validateContainerPorts (one entry)."""
    r = struct(ctx, v, path, {
        "name": validated(iana_svc_name_error),
        "hostPort": _port_number(1),
        "containerPort": _port_number(1),
        "protocol": one_of(_PROTOCOLS, allow_empty=True),
        "hostIP": string,
    })
    if r is None:
        return BAD
    if r.ok("containerPort") and not r.get("containerPort"):
        ctx.required(dot(path, "containerPort"))
    return ContainerPort(
        container_port=r.get("containerPort", 0),
        name=r.get("name", ""),
        protocol=r.get("protocol") or "TCP",
        host_port=r.get("hostPort") or None,
    )


def _image_pull_policy_default(image: str) -> str:
    """SetDefaults_Container: Always for `:latest` or an untagged, undigested
    image, else IfNotPresent (parsers.ParseImageName)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else ""
    if tag == "latest" or (not tag and not digest):
        return "Always"
    return "IfNotPresent"


def container(ctx: Ctx, v: Any, path: str, init: bool) -> Any:
    """validation.go validateContainerCommon / validateInitContainers /
    validateContainers for one container, with SetDefaults_Container."""
    r = struct(ctx, v, path, {
        "name": validated(dns1123_label_error),
        "image": string,
        "command": strings,
        "args": strings,
        "ports": lambda c, x, p: list_of(c, x, p, _container_port),
        "resources": _resources,
        "readinessProbe": partial(_probe, kind="readinessProbe"),
        "livenessProbe": partial(_probe, kind="livenessProbe"),
        "startupProbe": partial(_probe, kind="startupProbe"),
        "restartPolicy": one_of(("Always",) if init else ("Always", "OnFailure", "Never"),
                               allow_empty=True),
    }, extra=_CONTAINER_EXTRA)
    if r is None:
        return BAD
    if r.ok("name") and not r.get("name"):
        ctx.required(dot(path, "name"))
    if r.ok("image") and not r.get("image", "").strip():
        ctx.required(dot(path, "image"))
    restart = r.get("restartPolicy") or None
    if restart and not init:
        ctx.forbidden(dot(path, "restartPolicy"), "may not be set for non-init containers")
    if init and restart != "Always":
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if r.given(probe):
                ctx.forbidden(dot(path, probe),
                              "may not be set for init containers without restartPolicy=Always")
    ports = r.get("ports", ())
    seen: dict[str, int] = {}
    for i, port in enumerate(ports):
        if port.name:
            if port.name in seen:
                ctx.duplicate(dot(at_index(dot(path, "ports"), i), "name"), port.name)
            seen[port.name] = i
    extra = dict(r.extra)
    for key, choices in (("imagePullPolicy", ("Always", "IfNotPresent", "Never")),
                         ("terminationMessagePolicy", ("File", "FallbackToLogsOnError"))):
        val = extra.get(key)
        if val is not None and val != "" and val not in choices:
            ctx.not_supported(dot(path, key), val, choices)
    for key in ("imagePullPolicy", "terminationMessagePath", "terminationMessagePolicy"):
        if extra.get(key) == "":
            del extra[key]
    image = r.get("image", "")
    extra.setdefault("imagePullPolicy", _image_pull_policy_default(image))
    extra.setdefault("terminationMessagePath", "/dev/termination-log")
    extra.setdefault("terminationMessagePolicy", "File")
    return Container(
        name=r.get("name", ""),
        image=image,
        command=r.get("command", ()),
        args=r.get("args", ()),
        ports=ports,
        resources=r.get("resources", ResourceRequirements()),
        readiness_probe=r.get("readinessProbe"),
        liveness_probe=r.get("livenessProbe"),
        startup_probe=r.get("startupProbe"),
        restart_policy=restart,
        extra=FrozenDict(extra),
    )


# ============================================================ to_manifest


def _probe_out(p: Probe) -> dict:
    d: dict = {}
    handler = thaw(p.handler)
    tgps = handler.pop("terminationGracePeriodSeconds", None)
    d.update(handler)
    if p.initial_delay_seconds:
        d["initialDelaySeconds"] = p.initial_delay_seconds
    d["timeoutSeconds"] = p.timeout_seconds
    d["periodSeconds"] = p.period_seconds
    d["successThreshold"] = p.success_threshold
    d["failureThreshold"] = p.failure_threshold
    if tgps is not None:
        d["terminationGracePeriodSeconds"] = tgps
    return d


def _port_out(p: ContainerPort) -> dict:
    d: dict = {}
    if p.name:
        d["name"] = p.name
    if p.host_port:
        d["hostPort"] = p.host_port
    d["containerPort"] = p.container_port
    d["protocol"] = p.protocol
    return d


def resources_out(r: ResourceRequirements) -> dict:
    d: dict = {}
    if r.limits:
        d["limits"] = dict(r.limits)
    if r.requests:
        d["requests"] = dict(r.requests)
    if r.claims:
        d["claims"] = [{"name": c.name, **({"request": c.request} if c.request else {})}
                       for c in r.claims]
    return d


_CONTAINER_ORDER = (
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
    "resizePolicy", "restartPolicy", "restartPolicyRules", "volumeMounts", "volumeDevices",
    "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty",
)


def container_out(c: Container) -> dict:
    d: dict = thaw(c.extra)
    d["name"] = c.name
    d["image"] = c.image
    if c.command:
        d["command"] = list(c.command)
    if c.args:
        d["args"] = list(c.args)
    if c.ports:
        d["ports"] = [_port_out(p) for p in c.ports]
    d["resources"] = resources_out(c.resources)
    if c.restart_policy:
        d["restartPolicy"] = c.restart_policy
    for key, probe in (("livenessProbe", c.liveness_probe), ("readinessProbe", c.readiness_probe),
                       ("startupProbe", c.startup_probe)):
        if probe is not None:
            d[key] = _probe_out(probe)
    return ordered(d, _CONTAINER_ORDER)


#: part emitters for the generic to_manifest fallback.
PART_EMITTERS: dict[type, Callable[[Any], Any]] = {
    Container: container_out,
    Probe: _probe_out,
    ContainerPort: _port_out,
    ResourceRequirements: resources_out,
}

"""core/v1 Service: strict decoding, SetDefaults_Service and the parts of
ValidateService kstate models, and the `kubectl get -o json` shape.

Owns: `DECODERS` / `EMITTERS` for Service (merged into `kstate.io.core_v1`'s).
Mirrors pkg/apis/core/v1/defaults.go SetDefaults_Service (type ClusterIP,
sessionAffinity None with a 10800 s ClientIP timeout, protocol TCP,
targetPort = port, externalTrafficPolicy Cluster for NodePort/LoadBalancer,
internalTrafficPolicy Cluster, allocateLoadBalancerNodePorts true) and
pkg/apis/core/validation/validation.go ValidateService (ports required unless
headless or ExternalName, port names required and unique when there are
several, externalName required for ExternalName, nodePort forbidden for
ClusterIP). The API server's allocations (clusterIP, nodePorts) are made by
`kstate.kinds.network` on create. status.loadBalancer is empty unless the
cluster has a simulated load-balancer pool (`kstate.kinds.network`); a status
in a manifest is ignored, as the API server resets it on create.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Callable

from kstate.io.fields import (
    BAD, Ctx, at_index, boolean, dns1123_label_error, dns1123_subdomain_error, dot, iana_svc_name_error,
    integer, json_data, label_map, list_of, object_meta, object_meta_out, one_of, string, struct, top_level,
)
from kstate.io.stored import NAME_RULES
from kstate.resources.frozen import FrozenDict, deep_freeze, thaw
from kstate.resources.meta import ObjectMeta
from kstate.resources.service import (
    CLUSTER_IP, CLUSTER_IP_NONE, DEFAULT_AFFINITY_SECONDS, EXTERNAL_NAME, LOAD_BALANCER, NODE_PORT, SERVICE_TYPES,
    Service, ServicePort, ServiceSpec,
)

_PROTOCOLS = ("TCP", "UDP", "SCTP")
_VERBATIM = ("externalIPs", "loadBalancerIP", "loadBalancerSourceRanges", "loadBalancerClass",
             "healthCheckNodePort", "ipFamilies", "ipFamilyPolicy", "clusterIPs", "trafficDistribution")


def _port_number(ctx: Ctx, v: Any, path: str) -> Any:
    r = integer(ctx, v, path)
    if r is not BAD and not 1 <= r <= 65535:
        ctx.invalid(path, r, "must be between 1 and 65535, inclusive")
        return BAD
    return r


def _target_port(ctx: Ctx, v: Any, path: str) -> Any:
    """An IntOrString: a port number or an IANA service name."""
    if isinstance(v, str):
        if v.isdigit():
            return _port_number(ctx, int(v), path)
        msg = iana_svc_name_error(v)
        if msg:
            ctx.invalid(path, v, msg)
            return BAD
        return v
    return _port_number(ctx, v, path)


def _port(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "name": string, "protocol": one_of(_PROTOCOLS), "port": _port_number, "targetPort": _target_port,
        "nodePort": integer, "appProtocol": string,
    })
    if r is None:
        return BAD
    if r.raw.get("port") is None:
        ctx.required(dot(path, "port"))
        return BAD
    if not r.ok("port"):
        return BAD
    port = r.get("port")
    target = r.get("targetPort", 0) or port
    return ServicePort(port=port, name=r.get("name", ""), protocol=r.get("protocol", "TCP"), target_port=target,
                       node_port=r.get("nodePort", 0), app_protocol=r.get("appProtocol", ""))


def _spec(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "type": one_of(SERVICE_TYPES),
        "selector": label_map,
        "ports": lambda c, x, p: list_of(c, x, p, _port),
        "clusterIP": string,
        "externalName": string,
        "sessionAffinity": one_of(("None", "ClientIP")),
        "sessionAffinityConfig": lambda c, x, p: struct(c, x, p, {
            "clientIP": lambda c2, x2, p2: struct(c2, x2, p2, {"timeoutSeconds": integer})}),
        "externalTrafficPolicy": one_of(("Cluster", "Local")),
        "internalTrafficPolicy": one_of(("Cluster", "Local")),
        "publishNotReadyAddresses": boolean,
        "allocateLoadBalancerNodePorts": boolean,
    }, extra={k: json_data for k in _VERBATIM})
    if r is None:
        return BAD
    typ = r.get("type", CLUSTER_IP)
    ports = r.get("ports", ())
    cluster_ip = r.get("clusterIP", "")
    clusters = r.extra.get("clusterIPs")
    if not cluster_ip and clusters:
        cluster_ip = clusters[0] if isinstance(clusters[0], str) else ""
    headless = cluster_ip == CLUSTER_IP_NONE
    if cluster_ip and not headless:
        try:
            ipaddress.ip_address(cluster_ip)
        except ValueError:
            ctx.invalid(dot(path, "clusterIPs[0]"), cluster_ip, "must be a valid IP address, (e.g. 10.9.8.7 "
                        "or 2001:db8::ffff)")
    # validation.go ValidateService
    if typ == EXTERNAL_NAME:
        if cluster_ip:
            ctx.forbidden(dot(path, "clusterIPs"), "may not be set for ExternalName services")
        name = r.get("externalName", "")
        if not name:
            ctx.required(dot(path, "externalName"))
        else:
            msg = dns1123_subdomain_error(name.rstrip("."))
            if msg:
                ctx.invalid(dot(path, "externalName"), name, msg)
    elif not ports and not headless:
        ctx.required(dot(path, "ports"))
    if headless and typ in (NODE_PORT, LOAD_BALANCER):
        ctx.invalid(dot(path, "clusterIPs[0]"), cluster_ip,
                    f"may not be set to 'None' for {typ} services")
    names: set = set()
    for i, p in enumerate(ports):
        ppath = at_index(dot(path, "ports"), i)
        if len(ports) > 1 and not p.name:
            ctx.required(dot(ppath, "name"))
        elif p.name:
            msg = dns1123_label_error(p.name)
            if msg:
                ctx.invalid(dot(ppath, "name"), p.name, msg)
            elif p.name in names:
                ctx.duplicate(dot(ppath, "name"), p.name)
            names.add(p.name)
        if p.node_port and typ not in (NODE_PORT, LOAD_BALANCER):
            ctx.forbidden(dot(ppath, "nodePort"), f"may not be used when `type` is '{typ}'")
    affinity = r.get("sessionAffinity", "None")
    timeout = 0
    if affinity == "ClientIP":
        cfg = r.get("sessionAffinityConfig")
        cip = cfg.get("clientIP") if cfg is not None else None
        timeout = (cip.get("timeoutSeconds") if cip is not None else None) or DEFAULT_AFFINITY_SECONDS
        if not 0 < timeout <= 86400:
            ctx.invalid(dot(path, "sessionAffinityConfig.clientIP.timeoutSeconds"), timeout,
                        "must be greater than 0 and less than 86400")
    etp = r.get("externalTrafficPolicy", "")
    if typ in (NODE_PORT, LOAD_BALANCER):
        etp = etp or "Cluster"
    elif etp:
        ctx.invalid(dot(path, "externalTrafficPolicy"), etp,
                    "may only be set for externally-accessible services")
    itp = r.get("internalTrafficPolicy", "") or ("" if typ == EXTERNAL_NAME else "Cluster")
    alloc = r.get("allocateLoadBalancerNodePorts")
    if typ == LOAD_BALANCER and alloc is None:
        alloc = True
    sel = r.get("selector")
    return ServiceSpec(
        type=typ, selector=FrozenDict(sel) if sel else None, ports=tuple(ports), cluster_ip=cluster_ip,
        external_name=r.get("externalName", ""), session_affinity=affinity, session_affinity_timeout=timeout,
        external_traffic_policy=etp, internal_traffic_policy=itp,
        publish_not_ready_addresses=r.get("publishNotReadyAddresses", False),
        allocate_load_balancer_node_ports=alloc,
        extra=FrozenDict({k: deep_freeze(x) for k, x in sorted(r.extra.items()) if k != "clusterIPs"}))


def _decode_service(ctx: Ctx, doc: dict) -> Service:
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, Service, name_check=NAME_RULES["label1035"]),
        "spec": _spec,
        "status": lambda c, x, p: struct(c, x, p, {}, extra=("loadBalancer", "conditions")),
    })
    spec = r.get("spec")
    if spec is None or spec is BAD:
        spec = _spec(ctx, {}, "spec") if r.raw.get("spec") is None else ServiceSpec()
        if spec is BAD:
            spec = ServiceSpec()
    return Service(metadata=r.get("metadata", ObjectMeta()), spec=spec)


def port_out(p: ServicePort) -> dict:
    d: dict = {}
    if p.name:
        d["name"] = p.name
    d["protocol"] = p.protocol
    if p.app_protocol:
        d["appProtocol"] = p.app_protocol
    d["port"] = p.port
    d["targetPort"] = p.target_port
    if p.node_port:
        d["nodePort"] = p.node_port
    return d


def _service_out(svc: Service) -> dict:
    s = svc.spec
    spec: dict = {}
    if s.ports:
        spec["ports"] = [port_out(p) for p in s.ports]
    if s.selector is not None:
        spec["selector"] = dict(s.selector)
    if s.cluster_ip:
        spec["clusterIP"] = s.cluster_ip
        spec["clusterIPs"] = [s.cluster_ip]
    spec["type"] = s.type
    if s.external_name:
        spec["externalName"] = s.external_name
    spec["sessionAffinity"] = s.session_affinity
    if s.session_affinity == "ClientIP":
        spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": s.session_affinity_timeout}}
    if s.external_traffic_policy:
        spec["externalTrafficPolicy"] = s.external_traffic_policy
    if s.publish_not_ready_addresses:
        spec["publishNotReadyAddresses"] = True
    if s.allocate_load_balancer_node_ports is not None:
        spec["allocateLoadBalancerNodePorts"] = s.allocate_load_balancer_node_ports
    if s.internal_traffic_policy:
        spec["internalTrafficPolicy"] = s.internal_traffic_policy
    for k, v in s.extra.items():
        spec[k] = thaw(v)
    lb: dict = {}
    if svc.status.load_balancer_ingress:
        # SetDefaults_Service: an ingress IP without ipMode gets VIP (LoadBalancerIPMode, GA)
        lb["ingress"] = [{"ip": ip, "ipMode": "VIP"} for ip in svc.status.load_balancer_ingress]
    return {"apiVersion": "v1", "kind": "Service", "metadata": object_meta_out(svc.metadata, True),
            "spec": spec, "status": {"loadBalancer": lb}}


DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {("v1", "Service"): _decode_service}
EMITTERS: dict[type, Callable[[Any], dict]] = {Service: _service_out}
__all__ = ["DECODERS", "EMITTERS", "port_out"]

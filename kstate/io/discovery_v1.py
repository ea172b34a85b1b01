"""discovery.k8s.io/v1 EndpointSlice and core/v1 Endpoints: decoding (user-
managed endpoints of Services without selectors) and the `kubectl get -o
json` shape of what the controllers write.

Mirrors pkg/apis/discovery/validation ValidateEndpointSlice (addressType
required and one of IPv4/IPv6/FQDN, at most 1000 endpoints and 100 ports,
each endpoint with 1 address) and validation.go ValidateEndpoints (subset
addresses are IPs, ports 1–65535) in the parts kstate models.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Callable

from kstate.io.fields import (
    BAD, Ctx, boolean, dot, integer, list_of, object_meta, object_meta_out, one_of, string, struct, top_level,
)
from kstate.resources.endpoints import (
    EndpointAddress, EndpointPort, Endpoints, EndpointsData, EndpointSlice, EndpointSubset, SliceData,
    SliceEndpoint, TargetRef,
)
from kstate.resources.meta import ObjectMeta

_PROTOCOLS = ("TCP", "UDP", "SCTP")


def _ip(ctx: Ctx, v: Any, path: str) -> Any:
    r = string(ctx, v, path)
    if r is BAD:
        return r
    try:
        ipaddress.ip_address(r)
    except ValueError:
        ctx.invalid(path, r, "must be a valid IP address")
        return BAD
    return r


def _port(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"name": string, "port": integer, "protocol": one_of(_PROTOCOLS),
                              "appProtocol": string})
    if r is None:
        return BAD
    port = r.get("port")
    if port is None or not 1 <= port <= 65535:
        ctx.invalid(dot(path, "port"), port, "must be between 1 and 65535, inclusive")
        return BAD
    return EndpointPort(port=port, name=r.get("name", ""), protocol=r.get("protocol", "TCP"))


def _target(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"kind": string, "namespace": string, "name": string, "uid": string},
               drop=("apiVersion", "resourceVersion", "fieldPath"))
    if r is None:
        return BAD
    return TargetRef(r.get("kind", ""), r.get("namespace", ""), r.get("name", ""), r.get("uid", ""))


def _address(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {"ip": _ip, "nodeName": string, "hostname": string, "targetRef": _target})
    if r is None or not r.ok("ip"):
        return BAD
    if r.get("ip") is None:
        ctx.required(dot(path, "ip"))
        return BAD
    return EndpointAddress(r.get("ip"), r.get("nodeName", ""), r.get("hostname", ""), r.get("targetRef"))


def _subset(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "addresses": lambda c, x, p: list_of(c, x, p, _address),
        "notReadyAddresses": lambda c, x, p: list_of(c, x, p, _address),
        "ports": lambda c, x, p: list_of(c, x, p, _port),
    })
    if r is None:
        return BAD
    return EndpointSubset(r.get("addresses", ()), r.get("notReadyAddresses", ()), r.get("ports", ()))


def _decode_endpoints(ctx: Ctx, doc: dict) -> Endpoints:
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, Endpoints),
        "subsets": lambda c, x, p: list_of(c, x, p, _subset),
    })
    return Endpoints(metadata=r.get("metadata", ObjectMeta()), spec=EndpointsData(tuple(r.get("subsets", ()))))


def _slice_endpoint(ctx: Ctx, v: Any, path: str) -> Any:
    r = struct(ctx, v, path, {
        "addresses": lambda c, x, p: list_of(c, x, p, string),
        "conditions": lambda c, x, p: struct(c, x, p, {"ready": boolean, "serving": boolean,
                                                         "terminating": boolean}),
        "nodeName": string, "zone": string, "hostname": string, "targetRef": _target,
    }, drop=("hints", "deprecatedTopology"))
    if r is None:
        return BAD
    addrs = r.get("addresses", ())
    if len(addrs) != 1:
        ctx.invalid(dot(path, "addresses"), list(addrs), "must have exactly 1 address")
        return BAD
    cond = r.get("conditions")
    get = (lambda k: cond.get(k)) if cond is not None else (lambda k: None)
    return SliceEndpoint(tuple(addrs), get("ready"), get("serving"), get("terminating"), r.get("nodeName", ""),
                         r.get("zone", ""), r.get("hostname", ""), r.get("targetRef"))


def _decode_slice(ctx: Ctx, doc: dict) -> EndpointSlice:
    r = top_level(ctx, doc, {
        "metadata": lambda c, x, p: object_meta(c, x, p, EndpointSlice),
        "addressType": one_of(("IPv4", "IPv6", "FQDN")),
        "endpoints": lambda c, x, p: list_of(c, x, p, _slice_endpoint),
        "ports": lambda c, x, p: list_of(c, x, p, _port),
    })
    if r.raw.get("addressType") is None:
        ctx.required("addressType")
    eps = r.get("endpoints", ())
    if len(eps) > 1000:
        ctx.add("endpoints", f"Too many: {len(eps)}: must have at most 1000 items")
    return EndpointSlice(metadata=r.get("metadata", ObjectMeta()),
                         spec=SliceData(r.get("addressType", "IPv4"), tuple(eps), tuple(r.get("ports", ()))))


def _target_out(t: TargetRef) -> dict:
    d = {"kind": t.kind, "namespace": t.namespace, "name": t.name}
    if t.uid:
        d["uid"] = t.uid
    return d


def _port_out(p: EndpointPort) -> dict:
    d: dict = {"name": p.name} if p.name else {}
    d.update(port=p.port, protocol=p.protocol)
    return d


def _address_out(a: EndpointAddress) -> dict:
    d: dict = {"ip": a.ip}
    if a.hostname:
        d["hostname"] = a.hostname
    if a.node_name:
        d["nodeName"] = a.node_name
    if a.target is not None:
        d["targetRef"] = _target_out(a.target)
    return d


def endpoints_out(e: Endpoints) -> dict:
    subsets = []
    for s in e.spec.subsets:
        d: dict = {}
        if s.addresses:
            d["addresses"] = [_address_out(a) for a in s.addresses]
        if s.not_ready_addresses:
            d["notReadyAddresses"] = [_address_out(a) for a in s.not_ready_addresses]
        if s.ports:
            d["ports"] = [_port_out(p) for p in s.ports]
        subsets.append(d)
    out = {"apiVersion": "v1", "kind": "Endpoints", "metadata": object_meta_out(e.metadata, True)}
    if subsets:
        out["subsets"] = subsets
    return out


def slice_out(s: EndpointSlice) -> dict:
    eps = []
    for e in s.spec.endpoints:
        d: dict = {"addresses": list(e.addresses),
                   "conditions": {k: v for k, v in (("ready", e.ready), ("serving", e.serving),
                                                     ("terminating", e.terminating)) if v is not None}}
        if e.hostname:
            d["hostname"] = e.hostname
        if e.target is not None:
            d["targetRef"] = _target_out(e.target)
        if e.node_name:
            d["nodeName"] = e.node_name
        if e.zone:
            d["zone"] = e.zone
        eps.append(d)
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": object_meta_out(s.metadata, True), "addressType": s.spec.address_type,
            "endpoints": eps, "ports": [_port_out(p) for p in s.spec.ports]}


DECODERS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {
    ("v1", "Endpoints"): _decode_endpoints, ("discovery.k8s.io/v1", "EndpointSlice"): _decode_slice,
}
EMITTERS: dict[type, Callable[[Any], dict]] = {Endpoints: endpoints_out, EndpointSlice: slice_out}
__all__ = ["DECODERS", "EMITTERS", "endpoints_out", "slice_out"]

"""Which pods back a Service, as the Endpoints and EndpointSlice
controllers compute it. Pure: Services, pods and nodes in, endpoint data
out. Must not import engine/, controllers/ or io/.

Sources (Kubernetes v1.35): staging/src/k8s.io/endpointslice/utils.go
podToEndpoint (ready = publishNotReadyAddresses or (pod Ready and not
terminating), serving = pod Ready, terminating = deletionTimestamp set,
nodeName, zone from the node's topology.kubernetes.io/zone label),
staging/src/k8s.io/endpointslice/util ShouldPodBeInEndpoints (a pod needs an
IP and must not be terminal; terminating pods only where the caller includes
them: always for EndpointSlices, with publishNotReadyAddresses for
Endpoints), pkg/api/v1/pod/util.go FindPort (a named targetPort is looked up
among the pod's container ports of the same protocol; a pod without it is
left out of that port), pkg/controller/endpoint/endpoints_controller.go
syncService (ready pods in `addresses`, the others in `notReadyAddresses`,
subsets grouped by resolved ports), pkg/controller/endpointslice
(--max-endpoints-per-slice 100).
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Mapping, Optional

import attrs

from kstate.resources.pod import TERMINAL_PHASES, Pod, is_pod_ready
from kstate.resources.service import EXTERNAL_NAME, Service, ServicePort

MAX_ENDPOINTS_PER_SLICE = 100
LABEL_ZONE = "topology.kubernetes.io/zone"


@attrs.frozen
class PodEndpoint:
    """One pod as an endpoint of a Service (a discovery/v1 Endpoint)."""
    ip: str
    pod: str                 # pod name (targetRef)
    node_name: str
    zone: str
    ready: bool
    serving: bool
    terminating: bool
    hostname: str = ""


@attrs.frozen
class EndpointGroup:
    """Endpoints sharing one resolution of the Service's ports: the ports as
    (name, port, protocol) and the endpoints sorted by IP."""
    ports: tuple
    endpoints: tuple


def find_port(pod: Pod, sp: ServicePort) -> Optional[int]:
    """FindPort: an int targetPort as is; a named one from the pod's
    containers (then restartable init containers) with that name and the
    Service port's protocol, else None."""
    if isinstance(sp.target_port, int):
        return sp.target_port or sp.port
    for c in pod.spec.containers + tuple(ic for ic in pod.spec.init_containers if ic.restart_policy == "Always"):
        for p in c.ports:
            if p.name == sp.target_port and p.protocol == sp.protocol:
                return p.container_port
    return None


def should_be_in_endpoints(pod: Pod, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints."""
    if not pod.status.pod_ip:
        return False
    if pod.status.phase in TERMINAL_PHASES:
        return False
    if not include_terminating and pod.metadata.deletion_timestamp is not None:
        return False
    return True


def _ip_key(ip: str):
    return int(ipaddress.ip_address(ip))


def pod_endpoint(svc: Service, pod: Pod, zones: Mapping[str, str]) -> PodEndpoint:
    """podToEndpoint."""
    ready_pod = is_pod_ready(pod)
    terminating = pod.metadata.deletion_timestamp is not None
    hostname = pod.spec.hostname if pod.spec.subdomain == svc.metadata.name and pod.spec.hostname else ""
    return PodEndpoint(ip=pod.status.pod_ip, pod=pod.metadata.name, node_name=pod.spec.node_name,
                       zone=zones.get(pod.spec.node_name, ""),
                       ready=svc.spec.publish_not_ready_addresses or (ready_pod and not terminating),
                       serving=ready_pod, terminating=terminating, hostname=hostname)


def endpoint_groups(svc: Service, pods: Iterable[Pod], zones: Mapping[str, str] = {},
                    include_terminating: bool = True) -> list[EndpointGroup]:
    """The EndpointSlice controller's view: the selected pods (the caller
    passes the pods of the Service's namespace its selector matches), grouped
    by their resolved ports, endpoints sorted by IP. A Service without a
    selector, or an ExternalName one, has none (its endpoints are the user's)."""
    if svc.spec.selector is None or svc.spec.type == EXTERNAL_NAME:
        return []
    groups: dict = {}
    for pod in pods:
        if not should_be_in_endpoints(pod, include_terminating):
            continue
        ports = []
        for sp in svc.spec.ports:
            num = find_port(pod, sp)
            if num is not None:
                ports.append((sp.name, num, sp.protocol))
        if svc.spec.ports and not ports:
            continue
        groups.setdefault(tuple(ports), []).append(pod_endpoint(svc, pod, zones))
    return [EndpointGroup(ports, tuple(sorted(eps, key=lambda e: (_ip_key(e.ip), e.pod))))
            for ports, eps in sorted(groups.items())]


def slices_of(groups: list[EndpointGroup], max_per_slice: int = MAX_ENDPOINTS_PER_SLICE) -> list[EndpointGroup]:
    """Each group cut into slices of at most `max_per_slice` endpoints."""
    out = []
    for g in groups:
        eps = g.endpoints
        for i in range(0, max(len(eps), 1), max_per_slice):
            out.append(EndpointGroup(g.ports, eps[i:i + max_per_slice]))
    return out


def endpoints_subsets(svc: Service, pods: Iterable[Pod]) -> list[tuple[tuple, tuple, tuple]]:
    """The legacy Endpoints object's subsets: (ports, ready IPs, not-ready
    IPs) per port resolution. Terminating pods are left out unless
    publishNotReadyAddresses (then they are listed as ready)."""
    out = []
    for g in endpoint_groups(svc, pods, include_terminating=svc.spec.publish_not_ready_addresses):
        ready = tuple(e.ip for e in g.endpoints if e.ready)
        not_ready = tuple(e.ip for e in g.endpoints if not e.ready)
        out.append((g.ports, ready, not_ready))
    return out


__all__ = ["EndpointGroup", "MAX_ENDPOINTS_PER_SLICE", "PodEndpoint", "endpoint_groups", "endpoints_subsets",
           "find_port", "pod_endpoint", "should_be_in_endpoints", "slices_of"]

"""core/v1 Service as kstate simulates it: the API server's create strategy
(ClusterIP and NodePort allocation, pkg/registry/core/service/storage/alloc.go
and rest.go), admission of requested IPs and ports, their release on delete,
the bootstrap `default/kubernetes` Service, update rules and kubectl columns.

Owns: the Service `KindSpec`, the allocator state the API server keeps in
`api.identity` ("service-ips": {"cidr", "used": {offset: "ns/name"}},
"node-ports": {"used": {port: "ns/name"}}), and `bootstrap_services`. The
allocation arithmetic is pure in `kstate.network.ipallocator`; randomness comes
only from the engine's seeded stream "service-ips" / "node-ports". Must not be
imported by engine/.

status.loadBalancer stays empty by default: kstate models no cloud provider,
so a LoadBalancer Service is a NodePort Service whose EXTERNAL-IP is
<pending>. A cluster made with a load-balancer pool
(`Cluster(load_balancer_pool="192.0.2.0/28")`, as MetalLB or kind's
cloud-provider-kind give a bare-metal cluster) hands each LoadBalancer Service
the lowest free address of the pool (or its spec.loadBalancerIP when that is
in the pool and free) in status.loadBalancer.ingress when it is created and
takes it back when it is deleted ("lb-ips" in `api.identity`). The address is
set at creation, with no provisioning delay; a Service that found the pool
exhausted stays <pending> (kstate re-offers no freed address to it).
LoadBalancer Services with externalTrafficPolicy Local get a
healthCheckNodePort from the NodePort range (alloc.go allocHealthCheckNodePort).
"""
from __future__ import annotations

from kstate.errors import SpecError
from kstate.io import core_v1_service, discovery_v1, tables
from kstate.network import ipallocator
from kstate.registry import KindSpec, register_kind
from kstate.resources.endpoints import Endpoints, EndpointSlice
from kstate.resources.frozen import FrozenDict, evolve
from kstate.resources.meta import ObjectMeta
from kstate.resources.service import (
    CLUSTER_IP_NONE, EXTERNAL_NAME, LOAD_BALANCER, NODE_PORT, Service, ServicePort, ServiceSpec,
)


def service_ips(api) -> dict:
    """The ClusterIP allocator's state: the service CIDR and offset → service."""
    return api.identity.setdefault("service-ips", {"cidr": ipallocator.DEFAULT_SERVICE_CIDR, "used": {}})


def node_ports(api) -> dict:
    return api.identity.setdefault("node-ports", {"used": {}})


def _key(svc: Service) -> str:
    return f"{svc.metadata.namespace}/{svc.metadata.name}"


def _wants_cluster_ip(spec: ServiceSpec) -> bool:
    return spec.type != EXTERNAL_NAME and spec.cluster_ip != CLUSTER_IP_NONE


def _wants_node_ports(spec: ServiceSpec) -> bool:
    return spec.type == NODE_PORT or (spec.type == LOAD_BALANCER and spec.allocate_load_balancer_node_ports is not False)


def lb_ips(api) -> dict:
    """The load-balancer pool and ip → service ("pool" None: no pool)."""
    return api.identity.setdefault("lb-ips", {"pool": None, "used": {}})


def _needs_hc_node_port(spec: ServiceSpec) -> bool:
    """apiservice.NeedsHealthCheck: type LoadBalancer with
    externalTrafficPolicy Local."""
    return spec.type == LOAD_BALANCER and spec.external_traffic_policy == "Local"


def _hc_node_port(spec: ServiceSpec) -> int:
    v = spec.extra.get("healthCheckNodePort")
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def admit_service(svc: Service, api, batch: dict) -> None:
    """A requested clusterIP must be in the service CIDR and free; requested
    nodePorts in 30000–32767 and free (alloc.go allocIPs / portallocator
    Allocate), with the API server's messages — free also of the other
    Services of the same apply (`batch`), which are written after all are
    admitted."""
    spec = svc.spec
    if _wants_cluster_ip(spec) and spec.cluster_ip:
        ips = service_ips(api)
        used = {str(_ip_of(ips["cidr"], off)) for off in ips["used"]}
        claimed = batch.setdefault("cluster-ips", set())
        err = ipallocator.ip_error(ips["cidr"], spec.cluster_ip, used | claimed)
        if err:
            raise SpecError(f'Invalid value: []string{{"{spec.cluster_ip}"}}: failed to allocate IP '
                            f"{spec.cluster_ip}: {err}", "spec.clusterIPs", _key(svc))
        claimed.add(spec.cluster_ip)
    if _wants_node_ports(spec):
        used = api.identity.get("node-ports", {}).get("used", {})   # read only: a refused apply changes nothing
        others = batch.setdefault("node-ports", set())   # taken by earlier Services of this apply
        seen: set = set()
        for i, p in enumerate(spec.ports):
            if not p.node_port:
                continue
            err = ipallocator.node_port_error(p.node_port, used)
            if err is None and (p.node_port in others or (p.node_port, p.protocol) in seen):
                err = ipallocator.ERR_PORT_ALLOCATED
            seen.add((p.node_port, p.protocol))
            if err:
                raise SpecError(f"Invalid value: {p.node_port}: {err}", f"spec.ports[{i}].nodePort", _key(svc))
        others.update(port for port, _ in seen)
    hc = _hc_node_port(spec)
    if hc:
        if not _needs_hc_node_port(spec):
            raise SpecError(f"Invalid value: {hc}: may only be set when `type` is 'LoadBalancer' and "
                            "`externalTrafficPolicy` is 'Local'", "spec.healthCheckNodePort", _key(svc))
        used = api.identity.get("node-ports", {}).get("used", {})
        others = batch.setdefault("node-ports", set())
        err = ipallocator.node_port_error(hc, used)
        if err is None and (hc in others or any(p.node_port == hc for p in spec.ports)):
            err = ipallocator.ERR_PORT_ALLOCATED
        if err:
            raise SpecError(f"Invalid value: {hc}: {err}", "spec.healthCheckNodePort", _key(svc))
        others.add(hc)


def _ip_of(cidr: str, off: int) -> str:
    import ipaddress
    return str(ipaddress.ip_address(ipallocator.service_range(cidr)[0] + off))


def _prepare_create(svc: Service, api) -> Service:
    """alloc.go: allocate the clusterIP (requested or the next random one)
    and the nodePorts; a port number shared by TCP and UDP entries gets one
    nodePort (the portallocator's per-service reuse)."""
    spec = svc.spec
    key = _key(svc)
    if _wants_cluster_ip(spec):
        ips = service_ips(api)
        ip = spec.cluster_ip
        if not ip:
            ip = ipallocator.allocate_ip(ips["cidr"], ips["used"].keys(), api.rng.stream("service-ips"))
            if ip is None:
                raise SpecError("failed to allocate a serviceIP: range is full", "spec.clusterIPs", key)
        ips["used"][ipallocator.ip_offset(ips["cidr"], ip)] = key
        spec = evolve(spec, cluster_ip=ip)
    if _wants_node_ports(spec):
        used = node_ports(api)["used"]
        by_port: dict = {}
        ports = []
        for p in spec.ports:
            np = p.node_port or by_port.get(p.port)
            if not np:
                np = ipallocator.allocate_node_port(set(used), api.rng.stream("node-ports"))
                if np is None:
                    raise SpecError("failed to allocate a nodePort: range is full", "spec.ports", key)
            used[np] = key
            by_port[p.port] = np
            ports.append(evolve(p, node_port=np))
        spec = evolve(spec, ports=tuple(ports))
    if _needs_hc_node_port(spec):
        used = node_ports(api)["used"]
        hc = _hc_node_port(spec)
        if not hc:
            hc = ipallocator.allocate_node_port(set(used), api.rng.stream("node-ports"))
            if hc is None:
                raise SpecError("failed to allocate a nodePort: range is full", "spec.healthCheckNodePort", key)
            spec = evolve(spec, extra=spec.extra.set("healthCheckNodePort", hc))
        used[hc] = key
    status = svc.status.__class__()        # PrepareForCreate resets status
    lb = lb_ips(api)
    if spec.type == LOAD_BALANCER and lb["pool"]:
        requested = spec.extra.get("loadBalancerIP")
        ip = ipallocator.allocate_lb_ip(lb["pool"], lb["used"], requested if isinstance(requested, str) else "")
        if ip is not None:
            lb["used"][ip] = key
            status = evolve(status, load_balancer_ingress=(ip,))
    return evolve(svc, spec=spec, status=status)


def _on_remove(svc: Service, api) -> None:
    key = _key(svc)
    ips = service_ips(api)
    if svc.spec.cluster_ip and svc.spec.cluster_ip != CLUSTER_IP_NONE:
        off = ipallocator.ip_offset(ips["cidr"], svc.spec.cluster_ip)
        if ips["used"].get(off) == key:
            del ips["used"][off]
    used = node_ports(api)["used"]
    for p in svc.spec.ports:
        if p.node_port and used.get(p.node_port) == key:
            del used[p.node_port]
    hc = _hc_node_port(svc.spec)
    if hc and used.get(hc) == key:
        del used[hc]
    lb = lb_ips(api)["used"]
    for ip in svc.status.load_balancer_ingress:
        if lb.get(ip) == key:
            del lb[ip]


def validate_service_update(cur: Service, new: Service, meta) -> Service:
    """ValidateServiceUpdate: spec.clusterIP is immutable once set (an apply
    that leaves it out keeps it, as kubectl apply's merge does); allocated
    nodePorts are kept for ports that do not request one. kstate refuses a
    change of `type` (the API server's allocation and release of IPs and
    ports across types is not modelled)."""
    s, n = cur.spec, new.spec
    if n.type != s.type:
        raise SpecError(f'Invalid value: "{n.type}": kstate does not model changing the type of a Service '
                        f'(it is "{s.type}"); delete and re-create it', "spec.type")
    if n.cluster_ip and n.cluster_ip != s.cluster_ip:
        raise SpecError(f'Invalid value: []string{{"{n.cluster_ip}"}}: may not change once set',
                        "spec.clusterIPs[0]")
    old_np = {(p.port, p.protocol): p.node_port for p in s.ports}
    ports = []
    for i, p in enumerate(n.ports):
        if p.node_port and p.node_port != old_np.get((p.port, p.protocol)):
            raise SpecError(f"Invalid value: {p.node_port}: kstate keeps the nodePorts allocated at creation",
                            f"spec.ports[{i}].nodePort")
        ports.append(evolve(p, node_port=old_np.get((p.port, p.protocol), 0)) if s.ports else p)
    if _wants_node_ports(n) and any(not p.node_port for p in ports):
        raise SpecError("Invalid value: kstate keeps the ports of a NodePort Service as created (a new port "
                        "would need a nodePort)", "spec.ports")
    extra = n.extra
    hc = _hc_node_port(s)
    if hc and _hc_node_port(n) not in (0, hc):
        raise SpecError(f"Invalid value: {_hc_node_port(n)}: kstate keeps the healthCheckNodePort allocated at "
                        "creation", "spec.healthCheckNodePort")
    if hc and not _hc_node_port(n):
        extra = extra.set("healthCheckNodePort", hc)     # patchAllocatedValues keeps it
    if n.external_traffic_policy != s.external_traffic_policy and (_needs_hc_node_port(n) or hc):
        raise SpecError(f'Invalid value: "{n.external_traffic_policy}": kstate does not model changing the '
                        "externalTrafficPolicy of a LoadBalancer Service (its healthCheckNodePort)",
                        "spec.externalTrafficPolicy")
    spec = evolve(n, cluster_ip=s.cluster_ip, ports=tuple(ports), extra=extra)
    return evolve(cur, metadata=meta, spec=spec)


# ------------------------------------------------------------------ columns

SERVICE_COLUMNS = ("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE")


def _external_ip(svc: Service) -> str:
    """printers.go getServiceExternalIP (loadBalancerStatusStringer: the
    ingress IPs, then the externalIPs)."""
    s = svc.spec
    external = [x for x in s.extra.get("externalIPs", ()) if isinstance(x, str)]
    if s.type == EXTERNAL_NAME:
        return s.external_name
    if s.type == LOAD_BALANCER:
        shown = list(svc.status.load_balancer_ingress) + external
        return ",".join(shown) if shown else "<pending>"
    return ",".join(external) if external else "<none>"


def _ports(svc: Service) -> str:
    """printers.go makePortString."""
    out = []
    for p in svc.spec.ports:
        out.append(f"{p.port}:{p.node_port}/{p.protocol}" if p.node_port else f"{p.port}/{p.protocol}")
    return ",".join(out) or "<none>"


def service_row(svc: Service, now: int) -> list[str]:
    return [svc.metadata.name, svc.spec.type, svc.spec.cluster_ip or "<none>", _external_ip(svc), _ports(svc),
            tables.generic_row(svc, now)[1]]


SERVICE = register_kind(KindSpec(
    kind="Service", group="", version="v1", cls=Service, plural="services", short_names=("svc",),
    decode=core_v1_service.DECODERS[("v1", "Service")], encode=core_v1_service.EMITTERS[Service],
    columns=SERVICE_COLUMNS, row=service_row, generation=0,
    admit=admit_service, prepare_create=_prepare_create, on_remove=_on_remove,
    validate_update=validate_service_update,
))


def _endpoints_row(e: Endpoints, now: int) -> list[str]:
    """printers.go printEndpoints: NAME ENDPOINTS AGE (formatEndpoints: up to
    3 ip:port, then "+ N more...")."""
    items = [f"{a.ip}:{p.port}" for s in e.spec.subsets for p in (s.ports or ()) for a in s.addresses]
    shown = ",".join(items[:3]) + (f" + {len(items) - 3} more..." if len(items) > 3 else "")
    return [e.metadata.name, shown or "<none>", tables.generic_row(e, now)[1]]


def _slice_row(s: EndpointSlice, now: int) -> list[str]:
    """printers.go printEndpointSlice: NAME ADDRESSTYPE PORTS ENDPOINTS AGE."""
    ports = ",".join(str(p.port) for p in s.spec.ports) or "<unset>"
    addrs = [a for e in s.spec.endpoints for a in e.addresses]
    shown = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return [s.metadata.name, s.spec.address_type, ports, shown or "<unset>", tables.generic_row(s, now)[1]]


ENDPOINTS = register_kind(KindSpec(
    kind="Endpoints", group="", version="v1", cls=Endpoints, plural="endpoints", short_names=("ep",),
    decode=discovery_v1.DECODERS[("v1", "Endpoints")], encode=discovery_v1.EMITTERS[Endpoints],
    columns=("NAME", "ENDPOINTS", "AGE"), row=_endpoints_row, generation=0,
    validate_update=lambda cur, new, meta: evolve(cur, metadata=meta, spec=new.spec),
))

ENDPOINT_SLICE = register_kind(KindSpec(
    kind="EndpointSlice", group="discovery.k8s.io", version="v1", cls=EndpointSlice, plural="endpointslices",
    decode=discovery_v1.DECODERS[("discovery.k8s.io/v1", "EndpointSlice")],
    encode=discovery_v1.EMITTERS[EndpointSlice], generation=1,
    columns=("NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"), row=_slice_row,
    validate_update=lambda cur, new, meta: evolve(cur, metadata=meta, spec=new.spec),
))


def bootstrap_services(api, service_cidr: str, load_balancer_pool=None) -> None:
    """The API server's bootstrap controller: the service CIDR, and the
    `default/kubernetes` Service on its first address (443 → 6443), made
    before the cluster's trace starts (it is not a trace line, and its uid
    comes from its own stream so that no other uid shifts)."""
    ips = service_ips(api)
    ips["cidr"] = service_cidr
    lb_ips(api)["pool"] = load_balancer_pool
    ip = ipallocator.first_ip(service_cidr)
    svc = Service(
        metadata=ObjectMeta(name="kubernetes", namespace="default",
                            labels=FrozenDict({"component": "apiserver", "provider": "kubernetes"}),
                            uid=_uid(api), creation_timestamp=api.now, resource_version=api._next_rv()),
        spec=ServiceSpec(ports=(ServicePort(port=443, name="https", target_port=6443),), cluster_ip=ip,
                         internal_traffic_policy="Cluster"))
    ips["used"][0] = "default/kubernetes"
    api.store.put(svc)


def _uid(api) -> str:
    v = api.rng.stream("bootstrap-uid").getrandbits(128)
    v = (v & ~(0xF000 << 64)) | (0x4000 << 64)
    v = (v & ~(0xC000 << 48)) | (0x8000 << 48)
    h = f"{v:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


__all__ = ["ENDPOINTS", "ENDPOINT_SLICE", "SERVICE", "SERVICE_COLUMNS", "bootstrap_services", "lb_ips", "node_ports", "service_ips", "service_row"]


# ------------------------------------------------------- endpoints (views)

def selected_pods(api, svc: Service) -> list:
    """The pods of the Service's namespace its selector matches, read
    through the label index."""
    from kstate.resources.selector import selector_from_labels
    if svc.spec.selector is None:
        return []
    return api.objects_matching("Pod", svc.metadata.namespace, selector_from_labels(dict(svc.spec.selector)))


def node_zones(api) -> dict:
    from kstate.network.endpoints import LABEL_ZONE
    return {n.metadata.name: n.metadata.labels.get(LABEL_ZONE, "") for n in api.list("Node")}


def _proxy_slice(obj):
    """What kube-proxy reads of one stored EndpointSlice."""
    from kstate.network import kubeproxy as kp
    return kp.slice_of(obj)


def proxy_slices(api, services: list) -> dict:
    """{(namespace, name): [kubeproxy.Slice]}: every Service's EndpointSlices
    (label kubernetes.io/service-name) as stored — the controller's for a
    Service with a selector, the user's for one without — in name order."""
    by_service: dict = {}
    for obj in api.list("EndpointSlice"):
        svc_name = obj.metadata.labels.get("kubernetes.io/service-name")
        if svc_name is not None:
            by_service.setdefault((obj.metadata.namespace, svc_name), []).append(obj)
    return {(svc.metadata.namespace, svc.metadata.name):
            [_proxy_slice(o) for o in by_service.get((svc.metadata.namespace, svc.metadata.name), ())]
            for svc in services}


def net_view(api):
    """Everything the packet tracer reads, from the store."""
    from kstate.network import trace
    services = api.list("Service")
    pods = tuple(trace.PodNet(p.metadata.namespace, p.metadata.name, p.status.pod_ip, p.spec.node_name,
                              bool(p.status.pod_ip) and p.status.phase == "Running", p.status.state,
                              p.spec.extra.get("hostNetwork") is True)
                 for p in api.list("Pod") if p.status.pod_ip)
    nodes = tuple(trace.NodeNet(n.metadata.name,
                                next((a.address for a in n.status.addresses if a.type == "InternalIP"), ""),
                                n.spec.pod_cidr, n.status.state in ("Ready", "NotReady"), n.status.state)
                  for n in api.list("Node"))
    sync = _programmed(api)
    if sync is None:
        return trace.NetView(pods, nodes, tuple(services), proxy_slices(api, services), api.cluster_cidr)
    return trace.NetView(pods, nodes, tuple(services), {k: v.slices for k, v in sync.synced.items()},
                         api.cluster_cidr, programmed={k: v.service for k, v in sync.synced.items()})


def _programmed(api):
    """kube-proxy's sync history when its sync loop runs and has synced,
    else None (the rules then follow the API at once — also for a cluster
    restored from a snapshot taken before kstate kept the history)."""
    from kstate.controllers import kubeproxy
    if kubeproxy.NAME not in api.controllers:
        return None
    st = api.index(kubeproxy.SYNC_INDEX)
    return st if st.last is not None else None


def dns_records(api) -> dict:
    """(namespace, name) → dns.Record for every Service: ClusterIP, ExternalName,
    ready endpoint addresses (for headless Services) and hostnames."""
    from kstate.network import dns
    out = {}
    slices = proxy_slices(api, [s for s in api.list("Service") if s.spec.cluster_ip == CLUSTER_IP_NONE])
    for svc in api.list("Service"):
        key = (svc.metadata.namespace, svc.metadata.name)
        ready, hostnames = (), ()
        if svc.spec.cluster_ip == CLUSTER_IP_NONE:
            ips = sorted({e.ip for sl in slices.get(key, ()) for e in sl.endpoints if e.ready},
                         key=lambda ip: tuple(int(x) for x in ip.split(".")))
            ready = tuple(ips)
            pods = {p.status.pod_ip: p for p in selected_pods(api, svc)}
            hostnames = tuple(sorted((p.spec.hostname, ip) for ip, p in pods.items()
                                     if ip in ips and p.spec.hostname and p.spec.subdomain == svc.metadata.name))
        out[key] = dns.Record(svc.metadata.namespace, svc.metadata.name, svc.spec.cluster_ip,
                              svc.spec.external_name, ready, hostnames)
    return out

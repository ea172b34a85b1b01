"""kube-proxy in iptables mode as a pure function: one node's view of the
Services and their endpoints → the rules kube-proxy hands to
`iptables-restore`, as text. Must not import engine/, controllers/ or io/.

Sources (Kubernetes v1.35): pkg/proxy/iptables/proxier.go syncProxyRules and
writeServiceToEndpointRules (which rules, chains and comments), pkg/proxy/
iptables/proxier.go servicePortPolicyClusterChain / servicePortEndpointChainName
/ portProtoHash (chain names: "KUBE-SVC-" etc. + the first 16 characters of
base32(sha256(servicePortName + protocol [+ endpoint]))), pkg/proxy/topology.go
CategorizeEndpoints (ready endpoints, else serving-terminating ones; Local
policies use this node's endpoints), pkg/proxy/types.go ServicePortName.String,
pkg/proxy/endpointslicecache.go (endpoints of a port sorted by "ip:port").

The text is in the canonical order of kube-proxy's own tests
(proxier_test.go sortIPTablesRules): tables filter then nat; in each, the
chain lines KUBE-NODEPORTS, KUBE-SERVICES, then the others by name; rules
grouped by chain in that order, KUBE-SERVICES' rules grouped by service with
the final nodeports jump last. kube-proxy itself writes services in Go map
order, which no two runs share. The node is configured as NewFakeProxier
configures it by default (and as a kubeadm/kind node runs): IPv4, the
cluster CIDR as the local-traffic detector, localhost NodePorts on, nfacct
counters available, no --masquerade-all, no --random-fully, every node
address accepting NodePorts; each can be changed through `ProxyConfig`.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Iterable, Mapping, Optional, Set

import attrs

from kstate.resources.service import CLUSTER_IP_NONE, EXTERNAL_NAME, LOAD_BALANCER, NODE_PORT, Service

#: more endpoints than this in all: comments on endpoint rules are left out
#: (proxier.go largeClusterEndpointsThreshold).
LARGE_CLUSTER_ENDPOINTS = 1000


@attrs.frozen
class ProxyConfig:
    cluster_cidr: str = "10.244.0.0/16"
    localhost_nodeports: bool = True
    nfacct: bool = True
    masquerade_all: bool = False
    random_fully: bool = False
    conntrack_tcp_liberal: bool = False
    #: the node's IP (a loadBalancerSourceRanges entry containing it lets the
    #: node reach the LB IP, proxier.go allowFromNode)
    node_ip: str = ""


@attrs.frozen
class Endpoint:
    """One endpoint of an EndpointSlice (discovery/v1 Endpoint)."""
    ip: str
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node_name: str = ""
    zone: str = ""


@attrs.frozen
class Slice:
    """What kube-proxy reads of one EndpointSlice: its ports (name,
    port, protocol) and endpoints."""
    ports: tuple = ()
    endpoints: tuple = ()


def _hash(s: str) -> str:
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]


def service_port_name(ns: str, name: str, port_name: str) -> str:
    """types.go ServicePortName.String: "ns/name:port", "ns/name" for an
    unnamed port."""
    return f"{ns}/{name}:{port_name}" if port_name else f"{ns}/{name}"


def chain(prefix: str, spn: str, protocol: str) -> str:
    """portProtoHash: KUBE-SVC-/KUBE-SVL-/KUBE-EXT-/KUBE-FW- names.

    Example: chain("KUBE-SVC-", "ns1/svc1:p80", "tcp") → "KUBE-SVC-XPGD46QRK7WJZT7O"."""
    return prefix + _hash(spn + protocol)


def endpoint_chain(spn: str, protocol: str, endpoint: str) -> str:
    """servicePortEndpointChainName ("ns1/svc1:p80", "tcp", "10.180.0.1:80" →
    KUBE-SEP-SXIVWICOYRO3J4NJ)."""
    return "KUBE-SEP-" + _hash(spn + protocol + endpoint)


def probability(n: int) -> str:
    """proxier.probability: 1/n printed %0.10f."""
    return f"{1.0 / n:.10f}"


@attrs.frozen
class PortEndpoint:
    """An endpoint of one service port: "ip:port" and its conditions."""
    ip: str
    port: int
    ready: bool
    serving: bool
    terminating: bool
    local: bool

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


def port_endpoints(slices: Iterable[Slice], port_name: str, protocol: str, node: str) -> list[PortEndpoint]:
    """endpointslicecache: the endpoints of the slices' port of that name and
    protocol, deduplicated by address, sorted by "ip:port" (Go string order)."""
    out: dict = {}
    for s in slices:
        for pname, pnum, pproto in s.ports:
            if pname != port_name or pproto != protocol or not pnum:
                continue
            for e in s.endpoints:
                key = f"{e.ip}:{pnum}"
                if key not in out:
                    out[key] = PortEndpoint(e.ip, pnum, e.ready, e.serving, e.terminating,
                                            bool(e.node_name) and e.node_name == node)
    return [out[k] for k in sorted(out)]


def categorize(eps: list, internal_local: bool, external_local: bool, externally_accessible: bool):
    """topology.go CategorizeEndpoints (no topology hints). Cluster endpoints
    (used unless internalTrafficPolicy is Local and the port takes no
    external traffic): the ready ones, else the serving-terminating ones.
    Local endpoints (used by a Local policy): this node's ready ones, else its
    serving-terminating ones. Returns (cluster, local, reachable, has_any)."""
    uses_cluster = not internal_local or externally_accessible
    uses_local = internal_local or (externally_accessible and external_local)
    cluster: list = []
    has_any = False
    if uses_cluster:
        cluster = [e for e in eps if e.ready] or [e for e in eps if e.serving and e.terminating]
        has_any = bool(cluster)
    if not uses_local:
        return cluster, [], cluster, has_any
    if any(e.ready or (e.serving and e.terminating) for e in eps):
        has_any = True
    local = [e for e in eps if e.local and e.ready] or [e for e in eps if e.local and e.serving and e.terminating]
    if not uses_cluster:
        return cluster, local, local, has_any
    seen = {e.address for e in cluster}
    return cluster, local, cluster + [e for e in local if e.address not in seen], has_any


def source_ranges(svc: Service) -> list[str]:
    """proxyutil.MapCIDRsByIPFamily of spec.loadBalancerSourceRanges: each
    entry trimmed and parsed sloppily, invalid ones and the other family's
    left out, printed as networks ("203.0.113.0/25")."""
    import ipaddress
    out = []
    for raw in svc.spec.extra.get("loadBalancerSourceRanges", ()) or ():
        if not isinstance(raw, str):
            continue
        try:
            net = ipaddress.ip_network(raw.strip(), strict=False)
        except ValueError:
            continue
        if net.version == 4:
            out.append(str(net))
    return out


def load_balancer_vips(svc: Service) -> list[str]:
    """servicePortInfo LoadBalancerVIPs: a LoadBalancer Service's
    status.loadBalancer.ingress IPs (ipMode VIP) of the node's family."""
    if svc.spec.type != LOAD_BALANCER:
        return []
    return [ip for ip in svc.status.load_balancer_ingress if ":" not in ip]


def health_check_node_port(svc: Service) -> int:
    """servicePortInfo HealthCheckNodePort: only for a LoadBalancer with
    externalTrafficPolicy Local (apiservice.NeedsHealthCheck)."""
    s = svc.spec
    if s.type != LOAD_BALANCER or s.external_traffic_policy != "Local":
        return 0
    v = s.extra.get("healthCheckNodePort")
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _q(s: str) -> str:
    return f'"{s}"' if " " in s else s


class _Tables:
    def __init__(self) -> None:
        self.chains: dict[str, set] = {"filter": set(), "nat": set()}
        self.rules: dict[str, dict[str, list]] = {"filter": {}, "nat": {}}
        self.deleted: list = []                 # nat chains a sync removes (-X)
        # KUBE-SERVICES rules grouped by service for the canonical order
        self.services: dict[str, dict[str, list]] = {"filter": {}, "nat": {}}

    def chain(self, table: str, name: str) -> None:
        self.chains[table].add(name)

    def rule(self, table: str, chain_name: str, *args: str, svc: str = "") -> None:
        self.chains[table].add(chain_name)
        line = " ".join(a for a in (("-A", chain_name) + args) if a)
        if chain_name == "KUBE-SERVICES" and svc:
            self.services[table].setdefault(svc, []).append(line)
        else:
            self.rules[table].setdefault(chain_name, []).append(line)

    def render(self) -> str:
        out = []
        for table in ("filter", "nat"):
            out.append(f"*{table}")
            names = self.chains[table]
            head = [c for c in ("KUBE-NODEPORTS", "KUBE-SERVICES") if c in names]
            order = head + sorted(c for c in names if c not in head)
            out.extend(f":{c} - [0:0]" for c in order)
            for c in order:
                if c == "KUBE-SERVICES":
                    for svc in sorted(self.services[table]):
                        out.extend(self.services[table][svc])
                out.extend(self.rules[table].get(c, ()))
            if table == "nat":
                out.extend(f"-X {c}" for c in sorted(self.deleted))
            out.append("COMMIT")
        return "\n".join(out) + "\n"


def iptables_save(services: Iterable[Service], slices: Mapping[tuple, Iterable[Slice]], node: str,
                  config: ProxyConfig = ProxyConfig(), only: Optional[Set[tuple]] = None,
                  large_of: Mapping[tuple, bool] = {}, delete_chains: Iterable[str] = ()) -> str:
    """The filter and nat rules kube-proxy on `node` writes for `services`,
    given each service's EndpointSlices (`slices[(namespace, name)]`).

    With `only` (a set of (namespace, name)), the input of a partial sync
    (syncProxyRules with doFullSync false): the filter table and the nat
    table's top-level chains whole, but the SVC/SVL/EXT/FW/SEP chains of
    only those services; the others' chains are left as the kernel has them.
    `large_of[(namespace, name)]` overrides, per service, whether its
    endpoint rules are written without comments (a chain keeps the form it
    was written in until its service changes, even when the cluster crosses
    largeClusterEndpointsThreshold in between). `delete_chains` are stale
    nat chains the input flushes (a chain line) and deletes (-X), as
    syncProxyRules does for chains no service uses any more."""
    t = _Tables()
    skipped = _Tables()
    for c in delete_chains:
        t.chain("nat", c)
        t.deleted.append(c)
    cidr = config.cluster_cidr
    for c in ("KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD",
              "KUBE-PROXY-FIREWALL"):
        t.chain("filter", c)
    for c in ("KUBE-NODEPORTS", "KUBE-SERVICES", "KUBE-MARK-MASQ", "KUBE-POSTROUTING"):
        t.chain("nat", c)
    t.rule("nat", "KUBE-POSTROUTING", "-m mark ! --mark 0x4000/0x4000 -j RETURN")
    t.rule("nat", "KUBE-POSTROUTING", "-j MARK --xor-mark 0x4000")
    t.rule("nat", "KUBE-POSTROUTING", '-m comment --comment "kubernetes service traffic requiring SNAT" '
                                      "-j MASQUERADE" + (" --random-fully" if config.random_fully else ""))
    t.rule("nat", "KUBE-MARK-MASQ", "-j MARK --or-mark 0x4000")
    if config.localhost_nodeports:
        t.rule("filter", "KUBE-FIREWALL", '-m comment --comment "block incoming localnet connections" '
                                          "-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate "
                                          "RELATED,ESTABLISHED,DNAT -j DROP")

    ports = []
    for svc in sorted(services, key=lambda s: (s.metadata.namespace, s.metadata.name)):
        s = svc.spec
        if s.type == EXTERNAL_NAME or not s.cluster_ip or s.cluster_ip == CLUSTER_IP_NONE:
            continue
        for p in s.ports:
            ports.append((svc, p))
    per_port = {}
    total = 0
    for svc, p in ports:
        eps = port_endpoints(slices.get((svc.metadata.namespace, svc.metadata.name), ()), p.name, p.protocol, node)
        per_port[(svc.metadata.namespace, svc.metadata.name, p.name, p.protocol)] = eps
        total += len(eps)
    large = total > LARGE_CLUSTER_ENDPOINTS

    for svc, p in ports:
        s = svc.spec
        ns, name = svc.metadata.namespace, svc.metadata.name
        # chains of a service this partial sync does not write go nowhere
        tn = t if only is None or (ns, name) in only else skipped
        svc_large = large_of.get((ns, name), large)
        proto = p.protocol.lower()
        spn = service_port_name(ns, name, p.name)
        svc_key = spn
        eps = per_port[(ns, name, p.name, p.protocol)]
        external_ips = [x for x in s.extra.get("externalIPs", ()) if isinstance(x, str)]
        node_port = p.node_port if s.type in (NODE_PORT, LOAD_BALANCER) else 0
        lb_vips = load_balancer_vips(svc)
        externally = bool(node_port or external_ips or lb_vips)
        internal_local = s.internal_traffic_policy == "Local"
        external_local = s.external_traffic_policy == "Local"
        cluster_eps, local_eps, reachable, has_eps = categorize(eps, internal_local, external_local, externally)
        svc_chain = chain("KUBE-SVC-", spn, proto)
        svl_chain = chain("KUBE-SVL-", spn, proto)
        ext_chain = chain("KUBE-EXT-", spn, proto)
        uses_cluster_chain = bool(cluster_eps) and (not internal_local or externally)
        uses_local_chain = bool(local_eps) and (internal_local or (externally and external_local))
        internal_chain = svl_chain if internal_local else svc_chain
        has_internal = has_eps and (bool(local_eps) if internal_local else True)
        external_policy_chain = svl_chain if external_local else svc_chain
        has_external = has_eps and (bool(local_eps) if external_local else True)
        uses_ext_chain = has_eps and externally
        ranges = source_ranges(svc)
        fw_chain = chain("KUBE-FW-", spn, proto)
        uses_fw_chain = has_eps and bool(lb_vips) and bool(ranges)
        lb_target = fw_chain if uses_fw_chain else ext_chain
        if not has_eps:
            int_target, int_comment = "REJECT", f'"{spn} has no endpoints"'
            ext_target, ext_comment = int_target, int_comment
        else:
            int_target, int_comment = "DROP", f'"{spn} has no local endpoints"'
            ext_target, ext_comment = "DROP", f'"{spn} has no local endpoints"'
        match = f"-m {proto} -p {proto} -d {s.cluster_ip} --dport {p.port}"
        if has_internal:
            t.rule("nat", "KUBE-SERVICES", f'-m comment --comment "{spn} cluster IP" {match} -j {internal_chain}',
                   svc=svc_key)
        else:
            t.rule("filter", "KUBE-SERVICES", f"-m comment --comment {int_comment} {match} -j {int_target}",
                   svc=svc_key)
        for xip in external_ips:
            xmatch = f"-m {proto} -p {proto} -d {xip} --dport {p.port}"
            if has_eps:
                t.rule("nat", "KUBE-SERVICES", f'-m comment --comment "{spn} external IP" {xmatch} -j {ext_chain}',
                       svc=svc_key)
            if not has_external:
                t.rule("filter", "KUBE-EXTERNAL-SERVICES", f"-m comment --comment {ext_comment} {xmatch} "
                                                           f"-j {ext_target}")
        for lbip in lb_vips:
            lmatch = f"-m {proto} -p {proto} -d {lbip} --dport {p.port}"
            if has_eps:
                t.rule("nat", "KUBE-SERVICES", f'-m comment --comment "{spn} loadbalancer IP" {lmatch} '
                                               f"-j {lb_target}", svc=svc_key)
            if uses_fw_chain:
                t.rule("filter", "KUBE-PROXY-FIREWALL", f'-m comment --comment "{spn} traffic not accepted by '
                                                        f'{fw_chain}" {lmatch} -j DROP')
        if not has_external:
            for lbip in lb_vips:
                t.rule("filter", "KUBE-EXTERNAL-SERVICES", f"-m comment --comment {ext_comment} -m {proto} "
                                                           f"-p {proto} -d {lbip} --dport {p.port} -j {ext_target}")
        if node_port:
            if has_eps:
                if config.localhost_nodeports:
                    acct = " -m nfacct --nfacct-name localhost_nps_accepted_pkts" if config.nfacct else ""
                    t.rule("nat", "KUBE-NODEPORTS", f"-m comment --comment {spn} -m {proto} -p {proto} "
                                                    f"-d 127.0.0.0/8 --dport {node_port}{acct} -j {ext_chain}")
                t.rule("nat", "KUBE-NODEPORTS", f"-m comment --comment {spn} -m {proto} -p {proto} "
                                                f"--dport {node_port} -j {ext_chain}")
            if not has_external:
                t.rule("filter", "KUBE-EXTERNAL-SERVICES", f"-m comment --comment {ext_comment} -m addrtype "
                                                           f"--dst-type LOCAL -m {proto} -p {proto} --dport "
                                                           f"{node_port} -j {ext_target}")
        hc = health_check_node_port(svc)
        if hc:
            t.rule("filter", "KUBE-NODEPORTS", f'-m comment --comment "{spn} health check node port" -m tcp '
                                               f"-p tcp --dport {hc} -j ACCEPT")
        if has_internal:
            if config.masquerade_all:
                tn.rule("nat", internal_chain, f'-m comment --comment "{spn} cluster IP" {match} -j KUBE-MARK-MASQ')
            elif cidr:
                tn.rule("nat", internal_chain, f'-m comment --comment "{spn} cluster IP" {match} ! -s {cidr} '
                                              "-j KUBE-MARK-MASQ")
        if uses_ext_chain:
            tn.chain("nat", ext_chain)
            if not external_local:
                tn.rule("nat", ext_chain, f'-m comment --comment "masquerade traffic for {spn} external '
                                         'destinations" -j KUBE-MARK-MASQ')
            else:
                if cidr:
                    tn.rule("nat", ext_chain, f'-m comment --comment "pod traffic for {spn} external destinations" '
                                             f"-s {cidr} -j {svc_chain}")
                tn.rule("nat", ext_chain, f'-m comment --comment "masquerade LOCAL traffic for {spn} external '
                                         'destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ')
                tn.rule("nat", ext_chain, f'-m comment --comment "route LOCAL traffic for {spn} external '
                                         f'destinations" -m addrtype --src-type LOCAL -j {svc_chain}')
            if has_external:
                tn.rule("nat", ext_chain, f"-j {external_policy_chain}")
        if uses_fw_chain:
            tn.chain("nat", fw_chain)
            fw = f'-m comment --comment "{spn} loadbalancer IP"'
            allow_from_node = False
            for src_range in ranges:
                tn.rule("nat", fw_chain, f"{fw} -s {src_range} -j {ext_chain}")
                if config.node_ip and _in_cidr(config.node_ip, src_range):
                    allow_from_node = True
            if allow_from_node:
                for lbip in lb_vips:
                    tn.rule("nat", fw_chain, f"{fw} -s {lbip} -j {ext_chain}")
            tn.rule("nat", fw_chain, f'-m comment --comment "other traffic to {spn} will be dropped by '
                                    'KUBE-PROXY-FIREWALL"')
        if tn is skipped:
            continue      # kube-proxy renders them only for its metrics
        if uses_cluster_chain:
            _service_to_endpoints(tn, spn, proto, svc, svc_chain, cluster_eps, svc_large)
        if uses_local_chain:
            _service_to_endpoints(tn, spn, proto, svc, svl_chain, local_eps, svc_large)
        for e in reachable:
            sep = endpoint_chain(spn, proto, e.address)
            tn.chain("nat", sep)
            comment = "" if svc_large else f"-m comment --comment {_q(spn)} "
            tn.rule("nat", sep, f"{comment}-s {e.ip} -j KUBE-MARK-MASQ")
            recent = f"-m recent --name {sep} --set " if s.session_affinity == "ClientIP" else ""
            tn.rule("nat", sep, f"{comment}{recent}-m {proto} -p {proto} -j DNAT --to-destination {e.address}")

    dst = "-m addrtype --dst-type LOCAL" + ("" if config.localhost_nodeports else " ! -d 127.0.0.0/8")
    t.rule("nat", "KUBE-SERVICES", '-m comment --comment "kubernetes service nodeports; NOTE: this must be the '
                                   f'last rule in this chain" {dst} -j KUBE-NODEPORTS')
    if not config.conntrack_tcp_liberal:
        acct = " -m nfacct --nfacct-name ct_state_invalid_dropped_pkts" if config.nfacct else ""
        t.rule("filter", "KUBE-FORWARD", f"-m conntrack --ctstate INVALID{acct} -j DROP")
    t.rule("filter", "KUBE-FORWARD", '-m comment --comment "kubernetes forwarding rules" -m mark --mark '
                                     "0x4000/0x4000 -j ACCEPT")
    t.rule("filter", "KUBE-FORWARD", '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack '
                                     "--ctstate RELATED,ESTABLISHED -j ACCEPT")
    return t.render()


def _in_cidr(ip: str, cidr: str) -> bool:
    import ipaddress
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)
    except ValueError:
        return False


def _service_to_endpoints(t: _Tables, spn: str, proto: str, svc: Service, chain_name: str, eps: list,
                          large: bool) -> None:
    """writeServiceToEndpointRules: ClientIP affinity checks first, then one
    rule per endpoint, rule i of n matching with probability 1/(n−i), the
    last unconditional."""
    t.chain("nat", chain_name)
    n = len(eps)
    if svc.spec.session_affinity == "ClientIP":
        for e in eps:
            sep = endpoint_chain(spn, proto, e.address)
            comment = "" if large else f'-m comment --comment "{spn} -> {e.address}" '
            t.rule("nat", chain_name, f"{comment}-m recent --name {sep} --rcheck --seconds "
                                      f"{svc.spec.session_affinity_timeout} --reap -j {sep}")
    for i, e in enumerate(eps):
        sep = endpoint_chain(spn, proto, e.address)
        comment = "" if large else f'-m comment --comment "{spn} -> {e.address}" '
        stat = f"-m statistic --mode random --probability {probability(n - i)} " if i < n - 1 else ""
        t.rule("nat", chain_name, f"{comment}{stat}-j {sep}")


SERVICE_CHAIN_PREFIXES = ("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SEP-")


def service_chains(text: str) -> set:
    """The per-service nat chains (isServiceChainName: SVC, SVL, EXT, FW,
    SEP) declared in rules text."""
    nat = text.partition("*nat\n")[2]
    return {line[1:].split(" ", 1)[0] for line in nat.splitlines()
            if line.startswith(":") and line[1:].startswith(SERVICE_CHAIN_PREFIXES)}


def slice_of(obj) -> Slice:
    """What kube-proxy reads of one stored discovery/v1 EndpointSlice: its
    ports and each address with the endpoint's conditions (ready nil means
    ready; serving nil means as ready)."""
    ports = tuple((p.name, p.port, p.protocol) for p in obj.spec.ports)
    eps = []
    for e in obj.spec.endpoints:
        ready = e.ready is not False
        serving = ready if e.serving is None else e.serving
        for ip in e.addresses:
            eps.append(Endpoint(ip, ready=ready, serving=serving, terminating=bool(e.terminating),
                                node_name=e.node_name, zone=e.zone))
    return Slice(ports, tuple(eps))


def endpoint_count(svc: Service, slices: Iterable[Slice]) -> int:
    """How many endpoints the service's ports have (syncProxyRules'
    totalEndpoints adds this over all services)."""
    slices = list(slices)
    return sum(len(port_endpoints(slices, p.name, p.protocol, "")) for p in svc.spec.ports)


def dnat_choices(eps: list) -> list[tuple[PortEndpoint, "Fraction"]]:
    """Each endpoint with the chance the KUBE-SVC chain picks it: rule i
    matches with 1/(n−i) of what reaches it, so each gets exactly 1/n."""
    from fractions import Fraction
    out = []
    left = Fraction(1)
    n = len(eps)
    for i, e in enumerate(eps):
        p = Fraction(1, n - i)
        out.append((e, left * p))
        left *= 1 - p
    return out


__all__ = ["Endpoint", "PortEndpoint", "ProxyConfig", "Slice", "categorize", "chain", "dnat_choices",
           "endpoint_chain", "endpoint_count", "health_check_node_port", "iptables_save", "load_balancer_vips", "port_endpoints",
           "probability", "service_chains", "service_port_name", "slice_of", "source_ranges", "SERVICE_CHAIN_PREFIXES"]

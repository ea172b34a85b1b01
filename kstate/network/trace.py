"""A packet's path through the simulated cluster network, as data and as
text. Pure: a `NetView` of pods, nodes, Services and their endpoints in, a
`PacketTrace` out. Must not import engine/, controllers/ or io/.

The path follows the flannel vxlan + bridge CNI data path (see
kstate.network.flannel): inside one pod, `lo`; between pods of one node,
pod eth0 → veth → the cni0 bridge → veth → pod eth0; across nodes, cni0 →
the host's route `<subnet> via <subnet>.0 dev flannel.1 onlink` → flannel.1
encapsulates in VXLAN (outer source/destination the nodes' InternalIPs, UDP
8472, VNI 1) → the peer's flannel.1 → cni0 → veth → pod. Traffic to a Service
is DNATed on the sending node by kube-proxy's rules (KUBE-SERVICES →
KUBE-SVC-… → one KUBE-SEP-… chosen with probability 1/n each; see
kstate.network.kubeproxy), then routed to the chosen endpoint as above.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Mapping, Optional

import attrs

from kstate.network import flannel, kubeproxy as kp


@attrs.frozen
class PodNet:
    namespace: str
    name: str
    ip: str
    node: str
    running: bool
    state: str
    host_network: bool = False


@attrs.frozen
class NodeNet:
    name: str
    ip: str
    pod_cidr: str
    up: bool
    state: str


@attrs.frozen
class NetView:
    pods: tuple            # PodNet
    nodes: tuple           # NodeNet
    services: tuple        # Service
    slices: Mapping        # (ns, name) -> [kubeproxy.Slice]
    cluster_cidr: str = "10.244.0.0/16"
    #: (ns, name) -> the Service as kube-proxy last programmed it; None: the
    #: rules follow the API at once (no kube-proxy sync loop runs)
    programmed: Optional[Mapping] = None
    # lookups built once per view, so that tracing many packets through one
    # view costs per packet, not per pod or Service of the cluster
    _pods: dict = attrs.field(init=False, repr=False, eq=False)
    _ips: dict = attrs.field(init=False, repr=False, eq=False)
    _nodes: dict = attrs.field(init=False, repr=False, eq=False)
    _svc_ips: dict = attrs.field(init=False, repr=False, eq=False)
    _node_ports: dict = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_pods", {(p.namespace, p.name): p for p in self.pods})
        ips: dict = {}
        for p in self.pods:
            if p.host_network:
                continue          # the node's IP: a packet to it reaches the node
            # a pod IP reused after its pod went terminal: the live pod wins
            if p.ip not in ips or (p.running and not ips[p.ip].running):
                ips[p.ip] = p
        object.__setattr__(self, "_ips", ips)
        object.__setattr__(self, "_nodes", {n.name: n for n in self.nodes})
        by_ip: dict = {}
        node_ports: dict = {}
        for svc in self.services:
            for lb in svc.status.load_balancer_ingress:
                by_ip.setdefault(lb, (svc, "lb"))
            for sp in svc.spec.ports:
                if sp.node_port:
                    node_ports.setdefault(sp.node_port, svc)
        for svc in self.services:
            if svc.spec.cluster_ip and svc.spec.cluster_ip != "None":
                by_ip.setdefault(svc.spec.cluster_ip, (svc, "cluster"))
        object.__setattr__(self, "_svc_ips", by_ip)
        object.__setattr__(self, "_node_ports", node_ports)

    def pod(self, namespace: str, name: str) -> Optional[PodNet]:
        return self._pods.get((namespace, name))

    def pod_by_ip(self, ip: str) -> Optional[PodNet]:
        return self._ips.get(ip)

    def node(self, name: str) -> Optional[NodeNet]:
        return self._nodes.get(name)

    def service_by_ip(self, ip: str):
        """The Service with that load-balancer ingress IP or ClusterIP, and
        which of the two it is ("lb" / "cluster"), else (None, "")."""
        return self._svc_ips.get(ip, (None, ""))

    def service_by_node_port(self, port: int):
        return self._node_ports.get(port)


@attrs.frozen
class Hop:
    where: str            # a node, or ns/pod
    device: str           # lo, eth0, veth, cni0, flannel.1, iptables …
    detail: str = ""


@attrs.frozen
class Branch:
    """One endpoint a Service's DNAT may choose, with its probability."""
    endpoint: str         # ip:port
    pod: str              # ns/name or "" if the IP is no pod's
    probability: Fraction
    sep_chain: str
    hops: tuple
    verdict: str
    reason: str = ""


@attrs.frozen
class PacketTrace:
    src: str
    dst: str
    protocol: str
    port: Optional[int]
    hops: tuple                    # up to the DNAT (or the whole path without a Service)
    verdict: str                   # delivered | refused | dropped | unreachable | load-balanced
    reason: str = ""
    branches: tuple = ()
    #: the branch a seeded draw took (`pick`), None when not asked
    chosen: Optional[int] = None

    def render(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        out = [f"{self.protocol} {self.src} -> {self.dst}{port}"]
        out += [_hop_line(h) for h in self.hops]
        if self.branches:
            for i, b in enumerate(self.branches):
                mark = "  (picked)" if i == self.chosen else ""
                out.append(f"  DNAT -> {b.endpoint} ({b.pod or 'no pod'}) p={b.probability} via {b.sep_chain}{mark}")
                out += ["    " + _hop_line(h) for h in b.hops]
                out.append(f"    = {b.verdict}" + (f": {b.reason}" if b.reason else ""))
        out.append(f"= {self.verdict}" + (f": {self.reason}" if self.reason else ""))
        return "\n".join(out)


def pick(trace: PacketTrace, seed: int) -> PacketTrace:
    """The trace with one DNAT branch chosen as the KUBE-SVC chain's rules
    choose: rule i of n matches with probability 1/(n−i) of what reaches it
    (`-m statistic --mode random`), the last always, drawn from a generator
    seeded with `seed` (so the same seed picks the same endpoint). The
    verdict and reason become the chosen branch's.

    Example: 3 endpoints, draws 0.7 then 0.4 → rule 0 misses (0.7 ≥ 1/3),
    rule 1 matches (0.4 < 1/2): the second endpoint."""
    import random
    n = len(trace.branches)
    if n == 0:
        return trace
    rng = random.Random(seed)
    chosen = n - 1
    for i in range(n - 1):
        if rng.random() < 1.0 / (n - i):
            chosen = i
            break
    b = trace.branches[chosen]
    reason = f"picked {b.endpoint}" + (f" ({b.pod})" if b.pod else "") + (f": {b.reason}" if b.reason else "")
    return attrs.evolve(trace, chosen=chosen, verdict=b.verdict, reason=reason)


def _hop_line(h: Hop) -> str:
    return f"  [{h.where}] {h.device}" + (f"  {h.detail}" if h.detail else "")


def pod_to_ip_path(view: NetView, src_node: str, src_pod: Optional[PodNet], dst: PodNet) -> tuple[list, str, str]:
    """Hops from a pod (or, with src_pod None, the node itself) on `src_node`
    to pod `dst`; returns (hops, verdict, reason)."""
    hops: list = []
    here = f"{src_pod.namespace}/{src_pod.name}" if src_pod else src_node
    if src_pod is not None and (src_pod.namespace, src_pod.name) == (dst.namespace, dst.name):
        return [Hop(here, "lo", f"{dst.ip} is the pod's own address")], "delivered", ""
    if src_pod is not None:
        hops.append(Hop(here, "eth0", f"src {src_pod.ip} → {dst.ip}"))
        hops.append(Hop(src_node, "veth", "into the host"))
    dn = view.node(dst.node)
    if not dst.running:
        return hops, "unreachable", f"pod {dst.namespace}/{dst.name} is not running ({dst.state})"
    if dst.host_network:
        # the pod is in the node's own network namespace: no veth, no cni0
        if dst.node != src_node:
            if dn is None:
                return hops, "unreachable", f"node {dst.node} is gone"
            if not dn.up:
                return hops, "dropped", f"node {dn.name} is down ({dn.state})"
            hops.append(Hop(src_node, "eth0", f"to {dst.ip} on the node network (no overlay)"))
        hops.append(Hop(dst.node, "host", f"{dst.namespace}/{dst.name} uses the host network: {dst.ip} received"))
        return hops, "delivered", ""
    if dst.node == src_node:
        hops.append(Hop(src_node, "cni0", f"bridge, {dst.ip} is on this node"))
    else:
        sn = view.node(src_node)
        if dn is None:
            return hops, "unreachable", f"node {dst.node} is gone"
        if src_pod is not None:
            hops.append(Hop(src_node, "cni0", "bridge → host routing"))
        net = dn.pod_cidr
        hops.append(Hop(src_node, "route", f"{net} via {net.split('/')[0]} dev {flannel.VXLAN_DEVICE} onlink"))
        hops.append(Hop(src_node, flannel.VXLAN_DEVICE,
                        f"VXLAN encap: outer {sn.ip if sn else '?'} → {dn.ip} UDP {flannel.VXLAN_PORT} "
                        f"VNI {flannel.VXLAN_VNI}"))
        if not dn.up:
            return hops, "dropped", f"node {dn.name} is down ({dn.state}): the VXLAN packet is lost"
        hops.append(Hop(dst.node, "eth0", f"from {sn.ip if sn else '?'} UDP {flannel.VXLAN_PORT}"))
        hops.append(Hop(dst.node, flannel.VXLAN_DEVICE, "VXLAN decap"))
        hops.append(Hop(dst.node, "cni0", f"bridge, {dst.ip} is on this node"))
    hops.append(Hop(dst.node, "veth", f"to {dst.namespace}/{dst.name}"))
    hops.append(Hop(f"{dst.namespace}/{dst.name}", "eth0", f"{dst.ip} received"))
    return hops, "delivered", ""


def trace_to_pod(view: NetView, src_node: str, src_pod: Optional[PodNet], dst: PodNet, src: str, dst_s: str,
                 port: Optional[int], protocol: str) -> PacketTrace:
    hops, verdict, reason = pod_to_ip_path(view, src_node, src_pod, dst)
    return PacketTrace(src, dst_s, protocol, port, tuple(hops), verdict, reason)


def trace_to_service(view: NetView, src_node: str, src_pod: Optional[PodNet], svc, port: Optional[int],
                     protocol: str, src: str, dst_s: str, node_port: bool = False, lb_ip: str = "") -> PacketTrace:
    """Through kube-proxy's chains on the sending node (or, for a NodePort,
    the receiving node `src_node` as the caller passes it). With `lb_ip`,
    the packet is addressed to the Service's load-balancer IP: kube-proxy
    captures it on the sending node (KUBE-SERVICES "loadbalancer IP" →
    KUBE-FW when loadBalancerSourceRanges are set → KUBE-EXT)."""
    here = f"{src_pod.namespace}/{src_pod.name}" if src_pod else src_node
    ns, name = svc.metadata.namespace, svc.metadata.name
    if view.programmed is not None:
        if (ns, name) not in view.programmed:
            return PacketTrace(src, dst_s, protocol, port, (Hop(src_node, "iptables", "KUBE-SERVICES: no rule"),),
                               "dropped", f"kube-proxy on {src_node} has not programmed {ns}/{name} yet "
                               "(its next sync writes the rules)")
        svc = view.programmed[(ns, name)]
    s = svc.spec
    if node_port:
        sp = next((p for p in s.ports if p.node_port == port and p.protocol == protocol), None)
    else:
        sp = next((p for p in s.ports if (port is None or p.port == port) and p.protocol == protocol), None)
    hops = []
    if src_pod is not None:
        hops.append(Hop(here, "eth0", f"src {src_pod.ip} → {lb_ip or s.cluster_ip}:{sp.port if sp else port}"))
        hops.append(Hop(src_node, "veth", "into the host: nat PREROUTING"))
    else:
        hops.append(Hop(src_node, "iptables", "nat OUTPUT"))
    if sp is None:
        what = f"nodePort {port}" if node_port else f"port {port}/{protocol}"
        return PacketTrace(src, dst_s, protocol, port, tuple(hops), "dropped",
                           f"service {ns}/{name} has no {what}: no KUBE-SERVICES rule matches")
    proto = sp.protocol.lower()
    spn = kp.service_port_name(ns, name, sp.name)
    eps = kp.port_endpoints(view.slices.get((ns, name), ()), sp.name, sp.protocol, src_node)
    external_ips = [x for x in s.extra.get("externalIPs", ()) if isinstance(x, str)]
    externally = bool(sp.node_port or external_ips)
    internal_local = s.internal_traffic_policy == "Local"
    external_local = s.external_traffic_policy == "Local"
    cluster, local, _, has_any = kp.categorize(eps, internal_local, external_local, externally)
    if node_port or lb_ip:
        ext = kp.chain("KUBE-EXT-", spn, proto)
        if lb_ip:
            ranges = kp.source_ranges(svc)
            if ranges and has_any:
                fw = kp.chain("KUBE-FW-", spn, proto)
                src_ip = src_pod.ip if src_pod is not None else (view.node(src_node).ip if view.node(src_node) else "")
                hops.append(Hop(src_node, "iptables", f"KUBE-SERVICES -d {lb_ip} --dport {sp.port} → {fw}"))
                if not any(_in(src_ip, r) for r in ranges):
                    return PacketTrace(src, dst_s, protocol, port, tuple(hops), "dropped",
                                       f"source {src_ip} is outside loadBalancerSourceRanges {', '.join(ranges)}: "
                                       f"filter KUBE-PROXY-FIREWALL -j DROP")
                hops.append(Hop(src_node, "iptables", f"{fw} -s {next(r for r in ranges if _in(src_ip, r))} → {ext}"))
            else:
                hops.append(Hop(src_node, "iptables", f"KUBE-SERVICES -d {lb_ip} --dport {sp.port} → {ext}"))
        else:
            hops.append(Hop(src_node, "iptables", f"KUBE-SERVICES → KUBE-NODEPORTS --dport {port} → {ext}"))
        if not has_any:
            return PacketTrace(src, dst_s, protocol, port, tuple(hops), "refused",
                               f'"{spn} has no endpoints": filter KUBE-EXTERNAL-SERVICES -j REJECT '
                               "(connection refused)")
        if external_local and lb_ip:
            # KUBE-EXT sends pod traffic (-s <cluster CIDR>) and the node's own
            # (--src-type LOCAL, masqueraded) to KUBE-SVC: every endpoint
            chosen, chain_name = cluster, kp.chain("KUBE-SVC-", spn, proto)
            hops.append(Hop(src_node, "iptables", f"{ext} → {chain_name} (in-cluster source)"))
        elif external_local:
            chosen, chain_name = local, kp.chain("KUBE-SVL-", spn, proto)
            if not chosen:
                return PacketTrace(src, dst_s, protocol, port, tuple(hops), "dropped",
                                   f'"{spn} has no local endpoints" on {src_node}: -j DROP')
        else:
            chosen, chain_name = cluster, kp.chain("KUBE-SVC-", spn, proto)
            hops.append(Hop(src_node, "iptables", f"{ext} → KUBE-MARK-MASQ (SNAT to the node address)"))
    else:
        if internal_local:
            chosen, chain_name = local, kp.chain("KUBE-SVL-", spn, proto)
        else:
            chosen, chain_name = cluster, kp.chain("KUBE-SVC-", spn, proto)
        hops.append(Hop(src_node, "iptables", f"KUBE-SERVICES -d {s.cluster_ip} --dport {sp.port} → {chain_name}"))
        if not has_any:
            return PacketTrace(src, dst_s, protocol, port, tuple(hops), "refused",
                               f'"{spn} has no endpoints": filter KUBE-SERVICES -j REJECT (ICMP port '
                               "unreachable: connection refused)")
        if not chosen:
            return PacketTrace(src, dst_s, protocol, port, tuple(hops), "dropped",
                               f'"{spn} has no local endpoints" on {src_node}: -j DROP')
    branches = []
    for e, prob in kp.dnat_choices(chosen):
        sep = kp.endpoint_chain(spn, proto, e.address)
        pod = view.pod_by_ip(e.ip)
        if pod is None:
            branches.append(Branch(e.address, "", prob, sep, (), "delivered",
                                   f"{e.ip} is outside the pod network model"))
            continue
        bh, verdict, reason = pod_to_ip_path(view, src_node, None, pod)
        if src_pod is not None and pod == src_pod:
            bh = [Hop(src_node, "cni0", "hairpin: the pod reaches itself through its Service (KUBE-MARK-MASQ)")] + bh
        branches.append(Branch(e.address, f"{pod.namespace}/{pod.name}", prob, sep, tuple(bh), verdict, reason))
    return PacketTrace(src, dst_s, protocol, port, tuple(hops), "load-balanced",
                       f"{len(branches)} endpoint(s), each with probability 1/{len(branches)}", tuple(branches))


def _in(ip: str, cidr: str) -> bool:
    import ipaddress
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)
    except ValueError:
        return False


__all__ = ["Branch", "Hop", "NetView", "NodeNet", "PacketTrace", "PodNet", "pick", "pod_to_ip_path", "trace_to_pod",
           "trace_to_service"]

"""flannel's per-node state (vxlan backend, kube subnet manager) as pure
functions. Must not import engine/, controllers/ or io/.

Sources: flannel-io/flannel pkg/subnet/subnet.go WriteSubnetFile (the
/run/flannel/subnet.env lines: FLANNEL_NETWORK, FLANNEL_SUBNET = the lease's
first address, FLANNEL_MTU, FLANNEL_IPMASQ), pkg/backend/vxlan
(device flannel.<VNI> = flannel.1 with MTU = external MTU − 50; per remote
lease the route `<subnet> via <subnet's network address> dev flannel.1
onlink`; the kernel's default VXLAN UDP port 8472 since flannel leaves the
port 0), Documentation/kube-flannel.yml (Network 10.244.0.0/16, vxlan,
--ip-masq). containernetworking/plugins bridge: the `cni0` bridge with the
gateway address .1 appears with the node's first pod sandbox.

The node network is kind's: 172.18.0.0/16 on eth0, gateway 172.18.0.1,
external MTU 1500.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable

VXLAN_DEVICE = "flannel.1"
VXLAN_VNI = 1
VXLAN_PORT = 8472
EXTERNAL_MTU = 1500
VXLAN_OVERHEAD = 50
NODE_NETWORK = "172.18.0.0/16"
NODE_GATEWAY = "172.18.0.1"


def gateway(pod_cidr: str) -> str:
    """The bridge's address and FLANNEL_SUBNET's host part: the subnet's first address."""
    net = ipaddress.ip_network(pod_cidr)
    return str(net.network_address + 1)


def subnet_env(network: str, pod_cidr: str, ipmasq: bool = True, mtu: int = EXTERNAL_MTU - VXLAN_OVERHEAD) -> str:
    """/run/flannel/subnet.env.

    Example: ("10.244.0.0/16", "10.244.1.0/24") → FLANNEL_NETWORK=10.244.0.0/16,
    FLANNEL_SUBNET=10.244.1.1/24, FLANNEL_MTU=1450, FLANNEL_IPMASQ=true."""
    prefix = ipaddress.ip_network(pod_cidr).prefixlen
    return (f"FLANNEL_NETWORK={network}\nFLANNEL_SUBNET={gateway(pod_cidr)}/{prefix}\n"
            f"FLANNEL_MTU={mtu}\nFLANNEL_IPMASQ={'true' if ipmasq else 'false'}\n")


def routes(node_ip: str, pod_cidr: str, peers: Iterable[tuple[str, str]], bridge: bool) -> list[str]:
    """The node's main routing table as `ip route` prints it: the default
    route, the cni0 subnet (once the bridge exists), one flannel.1 route per
    other node's subnet (`peers`: (name, podCIDR) of the nodes whose lease
    this node has seen), and the node network; ordered by destination."""
    entries = []
    if bridge and pod_cidr:
        entries.append((ipaddress.ip_network(pod_cidr),
                        f"{pod_cidr} dev cni0 proto kernel scope link src {gateway(pod_cidr)}"))
    for _, cidr in peers:
        if cidr and cidr != pod_cidr:
            net = ipaddress.ip_network(cidr)
            entries.append((net, f"{cidr} via {net.network_address} dev {VXLAN_DEVICE} onlink"))
    entries.append((ipaddress.ip_network(NODE_NETWORK),
                    f"{NODE_NETWORK} dev eth0 proto kernel scope link src {node_ip}"))
    entries.sort(key=lambda e: (int(e[0].network_address), e[0].prefixlen))
    return [f"default via {NODE_GATEWAY} dev eth0"] + [line for _, line in entries]


__all__ = ["NODE_GATEWAY", "NODE_NETWORK", "VXLAN_DEVICE", "VXLAN_PORT", "VXLAN_VNI", "gateway", "routes",
           "subnet_env"]

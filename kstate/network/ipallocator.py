"""Service ClusterIPs and NodePorts, as the API server allocates them. Pure:
the used sets are passed in, the random source is passed in (the engine's
seeded stream); the engine keeps the state. Must not import engine/.

Sources (Kubernetes v1.35):
- pkg/registry/core/service/ipallocator/bitmap.go and ipallocator.go
  (`calculateRangeOffset`, the static/dynamic bands of ServiceIPStaticSubrange:
  the lower band of min(max(16, size/16), 256) addresses is kept for requested
  IPs; dynamic allocation tries the upper band first, then the lower one; the
  network address and the IPv4 broadcast address are never handed out;
  `ErrAllocated` / `ErrNotInRange` wording).
- pkg/registry/core/service/portallocator/allocator.go (`calculateRangeOffset`
  with min(max(16, size/32), 128) for NodePorts; `ErrAllocated`,
  `ErrNotInRange`).
- pkg/registry/core/service/storage/alloc.go (`failed to allocate IP %v: %v`
  on spec.clusterIPs).
"""
from __future__ import annotations

import ipaddress
import random
from typing import Iterable, Optional

DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
NODE_PORT_BASE = 30000
NODE_PORT_SIZE = 2768          # --service-node-port-range 30000-32767

ERR_IP_ALLOCATED = "provided IP is already allocated"
ERR_PORT_ALLOCATED = "provided port is already allocated"


def service_range(cidr: str) -> tuple[int, int]:
    """(first usable address as int, number of usable addresses): the network
    address and, for IPv4, the broadcast address are excluded.

    Example: 10.96.0.0/12 → (int(10.96.0.1), 1048574)."""
    net = ipaddress.ip_network(cidr)
    size = net.num_addresses - (2 if net.version == 4 else 1)
    if net.version == 6:
        size = min(size, 65536)
    return int(net.network_address) + 1, max(size, 0)


def ip_range_offset(cidr_size: int) -> int:
    """ipallocator calculateRangeOffset: the static band's size from the
    CIDR's whole size (netutils.RangeSize, network and broadcast included):
    min(max(16, size/16), 256), and 0 for 16 addresses or fewer."""
    if cidr_size <= 16:
        return 0
    return min(max(16, cidr_size // 16), 256)


def port_range_offset(size: int) -> int:
    """portallocator calculateRangeOffset (NodePorts): min(max(16, size/32),
    128), and 0 for 16 ports or fewer."""
    if size <= 16:
        return 0
    return min(max(16, size // 32), 128)


def first_ip(cidr: str) -> str:
    """The `default/kubernetes` Service's address: the first usable one."""
    return str(ipaddress.ip_address(service_range(cidr)[0]))


def ip_error(cidr: str, ip: str, used: Iterable[str]) -> Optional[str]:
    """Why a requested ClusterIP cannot be allocated, in the API server's
    words, or None."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return "must be a valid IP address"
    base, size = service_range(cidr)
    if not (base <= int(addr) < base + size):
        return f"provided IP is not in the valid range. The range of valid IPs is {cidr}"
    if ip in used:
        return ERR_IP_ALLOCATED
    return None


def _pick(lo: int, hi: int, taken, rng: random.Random) -> Optional[int]:
    """A random free index in [lo, hi): a random start, then the next free one
    (wrapping), as the allocators' random scan does."""
    n = hi - lo
    if n <= 0:
        return None
    start = rng.randrange(n)
    for j in range(n):
        i = lo + (start + j) % n
        if i not in taken:
            return i
    return None


def allocate_ip(cidr: str, used_offsets: set, rng: random.Random) -> Optional[str]:
    """AllocateNext: a random free address of the upper (dynamic) band, else
    of the lower one; None when the range is full. `used_offsets` are offsets
    from the first usable address."""
    base, size = service_range(cidr)
    off = ip_range_offset(ipaddress.ip_network(cidr).num_addresses)
    i = _pick(off, size, used_offsets, rng)
    if i is None:
        i = _pick(0, off, used_offsets, rng)
    return None if i is None else str(ipaddress.ip_address(base + i))


def ip_offset(cidr: str, ip: str) -> int:
    return int(ipaddress.ip_address(ip)) - service_range(cidr)[0]


def node_port_error(port: int, used: Iterable[int]) -> Optional[str]:
    if not NODE_PORT_BASE <= port < NODE_PORT_BASE + NODE_PORT_SIZE:
        return (f"provided port is not in the valid range. The range of valid ports is "
                f"{NODE_PORT_BASE}-{NODE_PORT_BASE + NODE_PORT_SIZE - 1}")
    if port in used:
        return ERR_PORT_ALLOCATED
    return None


def allocate_node_port(used: set, rng: random.Random) -> Optional[int]:
    """A random free NodePort of the upper band (30086–32767), else of the
    lower one (30000–30085)."""
    off = port_range_offset(NODE_PORT_SIZE)
    taken = {p - NODE_PORT_BASE for p in used}
    i = _pick(off, NODE_PORT_SIZE, taken, rng)
    if i is None:
        i = _pick(0, off, taken, rng)
    return None if i is None else NODE_PORT_BASE + i


def pool_addresses(pool: str) -> tuple[int, int]:
    """A load-balancer pool as (first address as int, number of addresses):
    a CIDR (every address of it, as a MetalLB IPAddressPool hands them out
    with avoidBuggyIPs off) or a range "first-last".

    Example: "192.0.2.0/30" → (int(192.0.2.0), 4); "192.0.2.10-192.0.2.12"
    → (int(192.0.2.10), 3)."""
    if "-" in pool:
        lo, _, hi = pool.partition("-")
        a, b = ipaddress.ip_address(lo.strip()), ipaddress.ip_address(hi.strip())
        if a.version != b.version or int(b) < int(a):
            raise ValueError(pool)
        return int(a), int(b) - int(a) + 1
    net = ipaddress.ip_network(pool)
    return int(net.network_address), net.num_addresses


def allocate_lb_ip(pool: str, used: Iterable[str], requested: str = "") -> Optional[str]:
    """The load-balancer IP a Service gets from `pool`: the requested one
    (spec.loadBalancerIP) when it is in the pool and free, else none; without
    a request the lowest free address; None when the pool is exhausted."""
    base, size = pool_addresses(pool)
    version = ipaddress.ip_address(base).version
    taken = set(used)
    if requested:
        try:
            r = ipaddress.ip_address(requested)
        except ValueError:
            return None
        ok = r.version == version and base <= int(r) < base + size and requested not in taken
        return requested if ok else None
    for i in range(size):
        ip = str(ipaddress.ip_address(base + i))
        if ip not in taken:
            return ip
    return None

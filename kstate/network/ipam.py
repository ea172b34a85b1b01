"""Node pod-CIDRs and pod IPs, as kube-controller-manager and flannel's
host-local IPAM hand them out. Pure: state (cursors, used sets) is passed in
and returned; the engine keeps it. Must not import engine/.

Sources: pkg/controller/nodeipam/ipam/cidrset/cidr_set.go (AllocateNext: a
round-robin cursor from index 0, so the first node gets 10.244.0.0/24 and a
freed subnet is reused only after wrap-around); containernetworking/plugins
host-local range.go / allocator.go (gateway .1, pods from .2 to the last
address before broadcast, sequential after the last reserved IP).
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Optional

DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"
DEFAULT_NODE_MASK = 24


def subnet_count(cluster_cidr: str, mask: int = DEFAULT_NODE_MASK) -> int:
    net = ipaddress.ip_network(cluster_cidr)
    return 1 << (mask - net.prefixlen) if mask >= net.prefixlen else 0


def allocate_node_cidr(cluster_cidr: str, used: frozenset | set, cursor: int,
                       mask: int = DEFAULT_NODE_MASK) -> tuple[Optional[str], int]:
    """cidr_set.go AllocateNext: the first free subnet index at or after the
    cursor (wrapping); returns (cidr or None when full, new cursor).

    Example: 10.244.0.0/16, nothing used, cursor 0 → ("10.244.0.0/24", 1).
    """
    net = ipaddress.ip_network(cluster_cidr)
    n = subnet_count(cluster_cidr, mask)
    size = 1 << (net.max_prefixlen - mask)
    base = int(net.network_address)
    for j in range(n):
        idx = (cursor + j) % n
        if idx not in used:
            addr = ipaddress.ip_address(base + idx * size)
            return f"{addr}/{mask}", (idx + 1) % n
    return None, cursor


def node_cidr_index(cluster_cidr: str, cidr: str, mask: int = DEFAULT_NODE_MASK) -> Optional[int]:
    net = ipaddress.ip_network(cluster_cidr)
    sub = ipaddress.ip_network(cidr, strict=False)
    if not sub.subnet_of(net) or sub.prefixlen != mask:
        return None
    return (int(sub.network_address) - int(net.network_address)) >> (net.max_prefixlen - mask)


@lru_cache(maxsize=65536)
def _range(cidr: str) -> tuple[int, int]:
    """(network address as an int, number of addresses) of a CIDR: read
    directly from a plain dotted IPv4 "a.b.c.d/m" with no host bits set
    (ipaddress.ip_network's parse costs ~100x more, once per node), through
    ipaddress otherwise (which also rejects what is malformed)."""
    addr, _, mask = cidr.partition("/")
    parts = addr.split(".")
    if len(parts) == 4 and mask.isdigit() and all(p.isdigit() and len(p) <= 3 and (p == "0" or p[0] != "0")
                                                  for p in parts + [mask]):
        a, b, c, d = (int(p) for p in parts)
        m = int(mask)
        if max(a, b, c, d) <= 255 and m <= 32:
            base = (a << 24) | (b << 16) | (c << 8) | d
            size = 1 << (32 - m)
            if base & (size - 1) == 0:
                return base, size
    net = ipaddress.ip_network(cidr)
    return int(net.network_address), net.num_addresses


def _ipv4(v: int) -> str:
    return f"{v >> 24 & 255}.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255}"


def pod_ip_offset(cidr: str, ip: str) -> int:
    """The offset of `ip` inside `cidr` (10.244.3.7 in 10.244.3.0/24 → 7)."""
    a, b, c, d = (int(x) for x in ip.split("."))
    return ((a << 24) | (b << 16) | (c << 8) | d) - _range(cidr)[0]


#: cidr → (base, size, the bits of offsets .2 ….(bcast−1), the dotted prefix of
#: a range inside one /24 or None): next_pod_ip_bits' per-node constants.
_BIT_RANGES: dict = {}


def _bit_range(cidr: str) -> tuple:
    hit = _BIT_RANGES.get(cidr)
    if hit is None:
        base, size = _range(cidr)
        usable = ((1 << (size - 1)) - 1) & ~3 if size > 3 else 0
        prefix = None
        if base >> 8 == (base + size - 1) >> 8:
            prefix = _ipv4(base)[:-len(str(base & 255))]
        if len(_BIT_RANGES) >= 65536:
            _BIT_RANGES.clear()
        hit = _BIT_RANGES[cidr] = (base, size, usable, prefix)
    return hit


def next_pod_ip_bits(cidr: str, taken: int, last: Optional[int]) -> tuple[Optional[str], Optional[int]]:
    """host-local allocator (containernetworking/plugins
    plugins/ipam/host-local/backend/allocator/allocator.go: GetIter from the
    last reserved IP, RangeIter.Next): the next free offset after `last` in
    .2 ….(bcast−1), wrapping; .1 is the bridge gateway. Returns (ip or None when full,
    offset). The offsets in use are the bits of one int (bit `off` set while
    offset `off` is taken), so the first free offset at or after `last` + 1,
    else the lowest free one (the wrap), is found with bit operations.

    Examples: 10.244.3.0/24, nothing used → ("10.244.3.2", 2); taken .2 and
    .3 (0b1100), last 3 → ("10.244.3.4", 4); a freed .2 is handed out again
    only after .254.
    """
    hit = _BIT_RANGES.get(cidr)
    base, size, usable, prefix = hit if hit is not None else _bit_range(cidr)
    free = usable & ~taken
    if not free:
        return None, last
    if last is not None:
        start = 2 + (last - 1) % (size - 3)     # the first offset tried: last + 1, wrapped into .2 ….(bcast−1)
        above = free >> start << start
        if above:
            free = above
    off = (free & -free).bit_length() - 1
    if prefix is not None:
        return prefix + str((base & 255) + off), off
    return _ipv4(base + off), off


def node_internal_ip(index: int) -> str:
    """Node addresses on a kind-like node network 172.18.0.0/16 from .2."""
    return str(ipaddress.ip_address(int(ipaddress.ip_address("172.18.0.0")) + 2 + index))

"""ipam.next_pod_ip_bits (the offsets in use as one int's bits, the address
from a cached prefix) against host-local's walk as written here
(`next_pod_ip`: a membership test per offset, the address formatted from
the integer): the same address and
offset for any offsets in use and any last offset, in ranges of one /24,
smaller ones, ones too small to hold a pod and ones spanning several /24s.
And ipam._range's direct read of a dotted IPv4 CIDR against ipaddress's."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstate.network import ipam


def next_pod_ip(cidr: str, used: set, last):
    """host-local's range iterator: from `last` + 1, wrapping, the first
    offset in .2 ….(bcast−1) not in use (the reference the bit form must
    equal)."""
    base, size = ipam._range(cidr)
    first, last_ok = 2, size - 2
    span = last_ok - first + 1
    if span <= 0:
        return None, last
    start = first if last is None else last + 1
    for j in range(span):
        off = first + (start - first + j) % span
        if off not in used:
            return ipam._ipv4(base + off), off
    return None, last

CIDRS = ("10.244.3.0/24", "10.244.0.128/25", "10.0.0.8/29", "10.0.0.0/30", "10.0.0.0/31", "10.0.0.0/32",
         "10.244.2.0/23", "10.1.0.0/20")


@st.composite
def cases(draw):
    cidr = draw(st.sampled_from(CIDRS))
    size = ipam._range(cidr)[1]
    fill = draw(st.sampled_from((0.0, 0.2, 0.9, 1.0)))
    rnd = draw(st.randoms(use_true_random=False))
    used = {off for off in range(size) if rnd.random() < fill}
    last = draw(st.one_of(st.none(), st.integers(-3, size + 3),
                          st.sampled_from((0, 1, 2, size - 3, size - 2, size - 1))))
    return cidr, used, last


@given(cases())
def test_next_pod_ip_bits_matches_the_membership_scan(case):
    cidr, used, last = case
    bits = sum(1 << off for off in used)
    assert ipam.next_pod_ip_bits(cidr, bits, last) == next_pod_ip(cidr, used, last)


def test_next_pod_ip_bits_wraps_to_the_lowest_free_offset():
    taken = sum(1 << off for off in range(2, 255)) & ~(1 << 7)    # .7 is the only free one
    assert ipam.next_pod_ip_bits("10.244.3.0/24", taken, 200) == ("10.244.3.7", 7)
    assert ipam.next_pod_ip_bits("10.244.3.0/24", taken | 1 << 7, 200) == (None, 200)
    assert ipam.next_pod_ip_bits("10.244.2.0/23", 0, 300) == ("10.244.3.45", 301)


def _ipaddress_range(cidr: str):
    try:
        net = ipaddress.ip_network(cidr)
    except ValueError:
        return "invalid"
    return int(net.network_address), net.num_addresses


def _read_range(cidr: str):
    try:
        return ipam._range.__wrapped__(cidr)    # without the lru_cache
    except ValueError:
        return "invalid"


@given(st.integers(0, 2 ** 32 - 1), st.integers(0, 32), st.booleans())
def test_range_reads_what_ipaddress_reads(value, mask, host_bits):
    if not host_bits:
        value = value >> (32 - mask) << (32 - mask) if mask else 0
    cidr = f"{ipaddress.ip_address(value)}/{mask}"
    assert _read_range(cidr) == _ipaddress_range(cidr)


@pytest.mark.parametrize("cidr", ["10.244.3.1/24", "010.0.0.0/8", "10.0.0.0/08", "10.0.0.0/33", "1.2.3/24",
                                  "10.0.0.256/32", "fd00::/64", "10.0.0.0", " 10.0.0.0/8", "0.0.0.0/0"])
def test_range_leaves_the_unusual_to_ipaddress(cidr):
    assert _read_range(cidr) == _ipaddress_range(cidr)

"""kstate.engine.rng: the uid stream's strings are fixed by the seed (the
golden traces and every saved snapshot hold them)."""
from __future__ import annotations

import re

from kstate.engine.rng import Streams

_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _reference_uids(seed: int, n: int) -> list[str]:
    """The uids as Streams.uid has always written them."""
    r = Streams(seed).stream("uid")
    out = []
    for _ in range(n):
        v = r.getrandbits(128)
        v = (v & ~(0xF000 << 64)) | (0x4000 << 64)
        v = (v & ~(0xC000 << 48)) | (0x8000 << 48)
        h = f"{v:032x}"
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def test_uids_are_the_seeds_version_4_uuids():
    for seed in (0, 1, 7, 2**40 + 3):
        s = Streams(seed)
        got = [s.uid() for _ in range(2000)]
        assert got == _reference_uids(seed, 2000)
        assert all(_V4.fullmatch(u) for u in got)
    assert Streams(0).uid() == "9ba61ace-9e4b-4be8-9789-82c7e3c7e9e9"


def test_uid_stream_is_restored_with_the_state():
    s = Streams(5)
    s.uid()
    state = s.getstate()
    want = [s.uid() for _ in range(3)]
    s.stream("names").random()
    s.setstate(state)
    assert [s.uid() for _ in range(3)] == want

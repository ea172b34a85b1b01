"""Load profiles: a workload's load or a metric's value as a pure function
of simulated time (Cluster.set_load / set_pod_usage / set_pod_metric / …
and the scenario `load:` section).

Owns: `parse_profile` (validation, with SpecError paths) and `value_at`.
Imports only kstate.errors (a leaf module of resources/).
"""
from __future__ import annotations

import hashlib
import math
from fractions import Fraction
from typing import Any

from kstate.errors import SpecError

# ------------------------------------------------------------------ load profiles
# A profile is a pure function of time, kept as a plain tuple so that the
# load index snapshots like any other data:
#   ("profile", origin_ms, shape) with shape one of
#   ("constant", v) · ("steps", ((at, v), …)) · ("ramp", from, to, over)
#   · ("sine", mean, amplitude, period) · ("points", ((at, v), …))
# times in ms after `origin` (when it was set), values in the resource's unit.

PROFILE_SHAPES = ("steps", "ramp", "sine", "points", "noise")
#: noise changes value once per this many ms (the metrics-server's resolution).
NOISE_STEP_MS = 15_000


def is_profile(v: Any) -> bool:
    return isinstance(v, tuple) and len(v) == 3 and v[0] == "profile"


def value_at(v: Any, now: int) -> int:
    """A load or metric input at time `now`: a number as is, a profile
    evaluated. Examples: steps ((0, 100), (3600000, 400)) at 1 h → 400;
    ramp 100 → 500 over 100 s at 25 s → 200; points ((0, 0), (10000, 100))
    at 2.5 s → 25; sine mean 300 amplitude 200 period 4 s at 1 s → 500."""
    if not is_profile(v):
        return v
    _, origin, shape = v
    return _shape_at(shape, now - origin)


def _noise(seed: int, slot: int) -> Fraction:
    """A uniform draw in [-1, 1] for (seed, slot): a hash, not a generator,
    so the value at a time never depends on what was asked before."""
    h = hashlib.blake2b(f"{seed}:{slot}".encode(), digest_size=8).digest()
    return Fraction(int.from_bytes(h, "big"), 2**63) - 1


def _shape_at(shape: tuple, t: int) -> int:
    kind = shape[0]
    if kind == "noise":
        _, inner, (num, den), seed = shape
        base = _shape_at(inner, t)
        return max(0, round(base * (1 + Fraction(num, den) * _noise(seed, t // NOISE_STEP_MS))))
    if kind == "constant":
        return shape[1]
    if kind == "steps":
        out = 0
        for at, value in shape[1]:
            if at > t:
                break
            out = value
        return out
    if kind == "ramp":
        _, a, b, over = shape
        if t >= over or over == 0:
            return b
        return a + (b - a) * max(t, 0) // over
    if kind == "sine":
        _, mean, amplitude, period = shape
        return max(0, round(mean + amplitude * math.sin(2 * math.pi * (t % period) / period)))
    pts = shape[1]
    if t <= pts[0][0]:
        return pts[0][1]
    for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) // (t1 - t0) if t1 > t0 else v1
    return pts[-1][1]


def parse_profile(value: Any, amount, duration, path: str, origin: int) -> Any:
    """A number / quantity (→ as `amount` parses it) or one of
    {steps: [[at, v], …]}, {ramp: {from, to, over}}, {sine: {mean,
    amplitude, period}}, {points: [[at, v], …]} → the stored input. `amount`
    and `duration` parse a value and a time (raising SpecError with a
    path); the result is a number or a ("profile", origin, shape) tuple."""
    if not isinstance(value, dict):
        return amount(value, path)
    if len(value) == 1 and "noise" in value:
        return _parse_noise(value["noise"], amount, duration, f"{path}.noise", origin)
    if len(value) != 1 or next(iter(value)) not in PROFILE_SHAPES:
        raise SpecError(f"Invalid value: {sorted(value)!r}: a load profile is a quantity or one of "
                        f"{', '.join(PROFILE_SHAPES)}", path)
    kind, body = next(iter(value.items()))
    p = f"{path}.{kind}"
    if kind in ("steps", "points"):
        if not isinstance(body, (list, tuple)) or not body:
            raise SpecError("Invalid value: must be a non-empty list of [at, value] pairs", p)
        pts = []
        for i, pair in enumerate(body):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise SpecError(f"Invalid value: {pair!r}: must be an [at, value] pair", f"{p}[{i}]")
            at = duration(pair[0], f"{p}[{i}][0]")
            if pts and at <= pts[-1][0]:
                raise SpecError(f"Invalid value: {pair[0]!r}: times must increase", f"{p}[{i}][0]")
            pts.append((at, amount(pair[1], f"{p}[{i}][1]")))
        return ("profile", origin, (kind, tuple(pts)))
    keys = ("from", "to", "over") if kind == "ramp" else ("mean", "amplitude", "period")
    if not isinstance(body, dict):
        raise SpecError(f"Invalid value: must be a mapping with {', '.join(keys)}", p)
    for k in body:
        if k not in keys:
            raise SpecError(f'unknown field "{k}"', f"{p}.{k}")
    for k in keys:
        if body.get(k) is None:
            raise SpecError("Required value", f"{p}.{k}")
    a = amount(body[keys[0]], f"{p}.{keys[0]}")
    b = amount(body[keys[1]], f"{p}.{keys[1]}")
    t = duration(body[keys[2]], f"{p}.{keys[2]}")
    if kind == "sine" and t <= 0:
        raise SpecError("Invalid value: must be greater than 0s", f"{p}.period")
    return ("profile", origin, (kind, a, b, t))


def _parse_noise(body: Any, amount, duration, path: str, origin: int) -> tuple:
    """{noise: {of: QUANTITY | PROFILE, amplitude: 0.1 | "10%", seed: N}}: the
    inner value times (1 + amplitude × u), u uniform in [-1, 1] drawn anew
    every 15 s from (seed, time): random-looking, but the same seed and
    time give the same value in every run."""
    if not isinstance(body, dict):
        raise SpecError("Invalid value: must be a mapping with of, amplitude, seed", path)
    for k in body:
        if k not in ("of", "amplitude", "seed"):
            raise SpecError(f'unknown field "{k}"', f"{path}.{k}")
    for k in ("of", "amplitude", "seed"):
        if body.get(k) is None:
            raise SpecError("Required value", f"{path}.{k}")
    inner = parse_profile(body["of"], amount, duration, f"{path}.of", origin)
    if isinstance(inner, tuple) and inner[2][0] == "noise":
        raise SpecError("Invalid value: noise of noise", f"{path}.of")
    shape = inner[2] if isinstance(inner, tuple) else ("constant", inner)
    a = body["amplitude"]
    try:
        if isinstance(a, bool):
            raise ValueError
        amp = Fraction(a[:-1]) / 100 if isinstance(a, str) and a.endswith("%") else Fraction(str(a))
    except (ValueError, ZeroDivisionError, TypeError):
        raise SpecError(f"Invalid value: {a!r}: must be a fraction like 0.1 or a percentage like 10%",
                        f"{path}.amplitude") from None
    if not 0 <= amp <= 1:
        raise SpecError(f"Invalid value: {a!r}: must be between 0 and 1 (0% and 100%)", f"{path}.amplitude")
    seed = body["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpecError(f"Invalid value: {seed!r}: must be an integer", f"{path}.seed")
    # the amplitude as (numerator, denominator): the index snapshots plain data
    return ("profile", origin, ("noise", shape, (amp.numerator, amp.denominator), seed))

"""Durations: parsing "1h30m" / "500ms" / 90 into integer milliseconds of the
simulated clock, and printing milliseconds back the way Go prints a
time.Duration.

Owns: `parse_duration`, `format_duration`. Must not import anything of kstate
except `kstate.errors` (a leaf module: stdlib only besides that).

Mirrors Go's time.ParseDuration and time.Duration.String (src/time/format.go,
src/time/time.go), which Kubernetes uses for metav1.Duration fields, with these
differences:
  * a bare number ("90", "1.5", or an int / float) means seconds, like the
    integer `*Seconds` fields of the Kubernetes API;
  * negative durations are rejected;
  * the result is whole milliseconds, rounded half up ("1500us" → 2,
    "0.3333333333333333333h" → 1200000);
  * there is no upper bound (Go's is int64 nanoseconds, about 292 years).
"""
from __future__ import annotations

import math
from fractions import Fraction

from kstate.errors import SpecError

__all__ = ["parse_duration", "format_duration"]

# Milliseconds per unit; Go's unitMap (both micro signs included).
_UNITS: dict[str, Fraction] = {
    "ns": Fraction(1, 1_000_000),
    "us": Fraction(1, 1_000),
    "\u00b5s": Fraction(1, 1_000),  # µ MICRO SIGN
    "\u03bcs": Fraction(1, 1_000),  # μ GREEK SMALL LETTER MU
    "ms": Fraction(1),
    "s": Fraction(1_000),
    "m": Fraction(60_000),
    "h": Fraction(3_600_000),
}
_DIGITS = frozenset("0123456789")


#: Go's int32 maximum: the bound of every replicas count (spec.replicas is an int32).
INT32_MAX = 2**31 - 1
#: the most nodes `Cluster(nodes=N)` or a scenario's `cluster.nodes` creates.
#: Kubernetes is tested to 5,000 nodes; kstate's benchmarks go well beyond,
#: this only refuses counts no simulation could hold.
MAX_NODES = 100_000


def _invalid(value: object, detail: str = "") -> SpecError:
    return SpecError("invalid duration " + repr(value) + (": " + detail if detail else ""), "")


def _round_ms(x: Fraction) -> int:
    """Nearest whole millisecond, halves up (x is never negative here)."""
    return math.floor(x + Fraction(1, 2))


def _number(s: str, i: int) -> tuple[Fraction | None, int]:
    """Go's leadingInt + optional '.' + leadingFraction from s[i:]; (None, i)
    when there are no digits on either side of the point."""
    n = len(s)
    j = i
    while j < n and s[j] in _DIGITS:
        j += 1
    whole = s[i:j]
    frac = ""
    if j < n and s[j] == ".":
        k = j + 1
        while k < n and s[k] in _DIGITS:
            k += 1
        frac = s[j + 1:k]
        j = k
    if not whole and not frac:
        return None, i
    digits = whole + frac
    return Fraction(int(digits), 10 ** len(frac)), j


def _parse_str(value: str) -> int:
    s = value
    if s and s[0] in "+-":
        if s[0] == "-":
            raise _invalid(value, "must not be negative")
        s = s[1:]
    if not s:
        raise _invalid(value, "empty")
    # A bare number is seconds ("90", "1.5", "0").
    num, end = _number(s, 0)
    if num is not None and end == len(s):
        return _round_ms(num * 1000)
    total = Fraction(0)
    i, n = 0, len(s)
    while i < n:
        if not (s[i] == "." or s[i] in _DIGITS):
            raise _invalid(value)
        num, j = _number(s, i)
        if num is None:
            raise _invalid(value)
        k = j
        while k < n and s[k] != "." and s[k] not in _DIGITS:
            k += 1
        unit = s[j:k]
        if not unit:
            raise _invalid(value, "missing unit")
        scale = _UNITS.get(unit)
        if scale is None:
            raise _invalid(value, f"unknown unit {unit!r}")
        total += num * scale
        i = k
    return _round_ms(total)


def parse_duration(value: str | int | float) -> int:
    """Milliseconds in `value`.

    Strings use Go's duration syntax ("500ms", "30s", "1h30m", "1.5s", units
    ns us µs ms s m h) or are a bare number of seconds ("90", "0"); an int or
    float is seconds. Negative, empty, malformed, NaN / infinite input and
    bools raise SpecError("invalid duration <repr>: ...") with an empty path.
    """
    t = type(value)
    if t is str:
        if len(value) > 256:  # no real duration is this long; also keeps int() under its digit limit
            raise _invalid(value[:20] + "...", "too long")
        return _parse_str(value)
    if t is int:
        if value < 0:
            raise _invalid(value, "must not be negative")
        return value * 1000
    if t is float:
        if not math.isfinite(value):
            raise _invalid(value, "must be finite")
        if value < 0:
            raise _invalid(value, "must not be negative")
        return _round_ms(Fraction(repr(value)) * 1000)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _invalid(value, "must be a number of seconds or a string like '30s'")
    if isinstance(value, str):
        return _parse_str(str(value))
    return parse_duration(int(value) if isinstance(value, int) else float(value))


def format_duration(ms: int) -> str:
    """Go's time.Duration.String for `ms` milliseconds: "0s", "500ms", "1.5s",
    "1m20s", "5m0s", "1h0m0s", "1h30m5s" (negative values get a leading "-")."""
    ms = int(ms)
    if ms == 0:
        return "0s"
    if ms < 0:
        return "-" + format_duration(-ms)
    if ms < 1000:
        return f"{ms}ms"
    secs, frac = divmod(ms, 1000)
    out = str(secs % 60)
    if frac:
        out += "." + f"{frac:03d}".rstrip("0")
    out += "s"
    if secs >= 60:
        out = f"{(secs // 60) % 60}m" + out
        if secs >= 3600:
            out = f"{secs // 3600}h" + out
    return out

"""Kubernetes resource quantities ("500m", "128Mi", "1.5", "1e3") as exact
fractions, plus the integer views the scheduler and printers use.

Owns: parsing a Quantity, its milli / integer values, and canonical printing of
CPU millicores and byte counts. Must not import anything of kstate except
`kstate.errors` (a leaf module: stdlib only besides that).

Mirrors k8s.io/apimachinery/pkg/api/resource/quantity.go:
  * ParseQuantity / parseQuantityString: the grammar `<sign><digits>[.<digits>]<suffix>`
    with binary suffixes Ki Mi Gi Ti Pi Ei, decimal SI suffixes n u m "" k M G T P E,
    and decimal exponents e/E ("1e3", "1.5E-3"); "1E" alone is exa (10^18).
  * ErrFormatWrong's message, reused for every rejected input.
  * Quantity.MilliValue / Quantity.Value, which round a fractional result up
    (away from zero, as int64Amount.AsScaledInt64 does).

Deliberate differences from Kubernetes: values are exact (no rounding of
sub-nano digits to 1n at parse time); a lone sign ("-", "+") or lone "." is
rejected instead of reading as zero; surrounding whitespace is rejected (the
JSON decoder would trim it); exponents beyond +/-1000 are rejected; and every
error uses ErrFormatWrong's text (Kubernetes reports "1K", "1Gu" with ErrSuffix
and "Mi" with ErrNumeric).
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache

from kstate.errors import SpecError

__all__ = [
    "FORMAT_WRONG",
    "parse_quantity",
    "cpu_millis",
    "to_int",
    "is_negative",
    "format_millis_cpu",
    "format_bytes",
]

# quantity.go: splitREString and ErrFormatWrong.
_SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
FORMAT_WRONG = f"quantities must match the regular expression '{_SPLIT_RE_STRING}'"

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_MAX_EXPONENT = 1000

# One anchored pattern; `fullmatch` so a trailing newline never slips through.
# The exponent alternative is tried before the bare "E" (exa) suffix.
_QUANTITY_RE = re.compile(
    r"([+-]?)([0-9]*)(?:\.([0-9]*))?"
    r"(?:([eE])([+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)"
)


def _error() -> SpecError:
    return SpecError(FORMAT_WRONG, "")


@lru_cache(maxsize=4096)
def _parse_str(text: str) -> Fraction:
    m = _QUANTITY_RE.fullmatch(text)
    if m is None:
        raise _error()
    sign, whole, frac, exp_mark, exp_digits, suffix = m.groups()
    frac = frac or ""
    if not whole and not frac:
        raise _error()  # "", "-", ".", "Mi", "-.5x"...
    digits = whole + frac
    value = Fraction(int(digits), 10 ** len(frac)) if digits else Fraction(0)
    if exp_mark:
        exponent = int(exp_digits)
        if abs(exponent) > _MAX_EXPONENT:
            raise _error()
        value *= Fraction(10) ** exponent
    elif suffix in _BINARY:
        value *= _BINARY[suffix]
    else:
        value *= _DECIMAL[suffix or ""]
    return -value if sign == "-" else value


def parse_quantity(value: str | int | float) -> Fraction:
    """The exact value of a Kubernetes quantity.

    Accepts a string in Kubernetes' quantity syntax, an int, or a finite float
    (a YAML `cpu: 0.5`; read through its shortest decimal repr, so 0.1 is 1/10).
    Anything else, bools included, raises `SpecError(FORMAT_WRONG)` with an
    empty path for the caller to fill in with `.at(...)`.
    """
    t = type(value)
    if t is str:
        if len(value) > 256:  # no real quantity is this long; also keeps int() under its digit limit
            raise _error()
        return _parse_str(value)
    if t is int:
        return Fraction(value)
    if t is float:
        if not math.isfinite(value):
            raise _error()
        return Fraction(repr(value))
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _error()
    # subclasses of str/int/float (not bool)
    if isinstance(value, str):
        return _parse_str(str(value))
    if isinstance(value, int):
        return Fraction(int(value))
    return parse_quantity(float(value))


def _round_away(q: Fraction) -> int:
    """Kubernetes' "round up": towards +inf for positives, -inf for negatives."""
    if q >= 0:
        return -((-q.numerator) // q.denominator)
    return q.numerator // q.denominator


# Parsed quantity strings. A cluster has few distinct ones (a node's
# allocatable, a template's requests) read on every admission and schedule;
# Fraction arithmetic made them ~3 % of a 150k-pod run. Only str keys: 1,
# 1.0 and True hash alike and must not share an answer (True is refused).
_MILLIS_MEMO: dict[str, int] = {}
_INT_MEMO: dict[str, int] = {}
_MEMO_MAX = 4096


def cpu_millis(value: str | int | float) -> int:
    """Quantity.MilliValue: thousandths, rounded up ("500m" → 500, "1.5" → 1500,
    "0.0001" → 1)."""
    if type(value) is str:
        hit = _MILLIS_MEMO.get(value)
        if hit is None:
            hit = _round_away(parse_quantity(value) * 1000)
            if len(_MILLIS_MEMO) >= _MEMO_MAX:
                _MILLIS_MEMO.clear()
            _MILLIS_MEMO[value] = hit
        return hit
    return _round_away(parse_quantity(value) * 1000)


def to_int(value: str | int | float) -> int:
    """Quantity.Value: the integer value, rounded up ("128Mi" → 134217728,
    "1.5Ki" → 1536, "0.5" → 1)."""
    if type(value) is str:
        hit = _INT_MEMO.get(value)
        if hit is None:
            hit = _round_away(parse_quantity(value))
            if len(_INT_MEMO) >= _MEMO_MAX:
                _INT_MEMO.clear()
            _INT_MEMO[value] = hit
        return hit
    return _round_away(parse_quantity(value))


def is_negative(value: str | int | float) -> bool:
    """Whether the quantity is below zero (Quantity.Sign() < 0)."""
    return parse_quantity(value) < 0


def format_millis_cpu(m: int) -> str:
    """Canonical CPU text for `m` millicores: 2000 → "2", 500 → "500m", 0 → "0"."""
    m = int(m)
    if m % 1000 == 0:
        return str(m // 1000)
    return f"{m}m"


_BINARY_DESC = sorted(_BINARY.items(), key=lambda kv: -kv[1])


def format_bytes(b: int) -> str:
    """Canonical byte text: the largest binary suffix that divides `b` exactly
    (17179869184 → "16Gi", 1536 → "1536", 0 → "0")."""
    b = int(b)
    if b == 0:
        return "0"
    for suffix, size in _BINARY_DESC:
        if b % size == 0:
            return f"{b // size}{suffix}"
    return str(b)

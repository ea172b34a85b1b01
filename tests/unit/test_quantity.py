"""kstate.resources.quantity against Kubernetes' resource.Quantity.

Tables come from k8s.io/apimachinery/pkg/api/resource/quantity_test.go
(TestQuantityParse's valid table and its `invalid` list, TestQuantityString),
plus the cases the brief for this module names.
"""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstate.errors import SpecError
from kstate.resources.quantity import (
    FORMAT_WRONG,
    cpu_millis,
    format_bytes,
    format_millis_cpu,
    is_negative,
    parse_quantity,
    to_int,
)

Ki, Mi, Gi, Ti, Pi, Ei = (1024**i for i in range(1, 7))

# TestQuantityParse (quantity_test.go), exact values instead of decQuantity.
PARSE_CASES = [
    ("0", 0),
    ("0n", 0),
    ("0u", 0),
    ("0m", 0),
    ("0Ki", 0),
    ("0k", 0),
    ("0Mi", 0),
    ("0M", 0),
    ("0Gi", 0),
    ("0G", 0),
    ("0Ti", 0),
    ("0T", 0),
    ("1", 1),
    # Binary suffixes
    ("1Ki", Ki),
    ("8Ki", 8 * Ki),
    ("7Mi", 7 * Mi),
    ("6Gi", 6 * Gi),
    ("5Ti", 5 * Ti),
    ("4Pi", 4 * Pi),
    ("3Ei", 3 * Ei),
    ("100Ti", 100 * Ti),
    # Decimal suffixes
    ("5n", Fraction(5, 10**9)),
    ("4u", Fraction(4, 10**6)),
    ("3m", Fraction(3, 1000)),
    ("9", 9),
    ("8k", 8000),
    ("7M", 7 * 10**6),
    ("6G", 6 * 10**9),
    ("5T", 5 * 10**12),
    ("40T", 40 * 10**12),
    ("2P", 2 * 10**15),
    ("1E", 10**18),  # exa, not an exponent
    ("12E", 12 * 10**18),
    # Decimal exponents
    ("1E-3", Fraction(1, 1000)),
    ("1e3", 1000),
    ("1E6", 10**6),
    ("1e9", 10**9),
    ("1E18", 10**18),
    ("1.3E+6", 1_300_000),
    ("0.5e-2", Fraction(5, 1000)),
    ("1.5E-3", Fraction(3, 2000)),
    # Things that look like floating point
    ("0.001", Fraction(1, 1000)),
    ("0.0005k", Fraction(1, 2)),
    ("0.50000", Fraction(1, 2)),
    ("100.035k", 100035),
    ("10.035M", 10_035_000),
    ("7.123456M", 7_123_456),
    ("2.5P", 25 * 10**14),
    ("1.01E", 101 * 10**16),
    # Fractional binary
    ("100.035Ki", Fraction(10243584, 100)),
    ("0.5Mi", Mi // 2),
    ("1.5Ki", 1536),
    # "Things written by trolls"
    (".001", Fraction(1, 1000)),
    (".0001k", Fraction(1, 10)),
    ("1.", 1),
    ("1.G", 10**9),
    # signs
    ("-1.5", Fraction(-3, 2)),
    ("+2Gi", 2 * Gi),
    ("-100m", Fraction(-1, 10)),
]


@pytest.mark.parametrize("text,expected", PARSE_CASES)
def test_parse_quantity_table(text, expected):
    assert parse_quantity(text) == Fraction(expected)


@pytest.mark.parametrize(
    "value,expected",
    [(1, 1), (0, 0), (-3, -3), (2**70, 2**70), (0.5, Fraction(1, 2)), (0.1, Fraction(1, 10)),
     (1e-05, Fraction(1, 100000)), (250.0, 250)],
)
def test_parse_quantity_numbers(value, expected):
    assert parse_quantity(value) == expected


# The `invalid` list of TestQuantityParse, plus the brief's error paths.
INVALID = [
    "1.1.M",
    "1+1.0M",
    "0.1mi",
    "0.1am",
    "aoeu",
    ".5i",
    "1i",
    "-3.01i",
    "-3.01e-",
    " 1",
    "1 ",
    "",
    " ",
    "1.2.3",
    "12Q",
    "Mi",
    "1 Mi",
    "--1",
    "inf",
    "nan",
    "-inf",
    "1e",
    "1K",
    "1ki",
    "1Gu",
    "1m3",
    "-",
    "+",
    ".",
    "1\n",
    "1e100000",
    "١",  # ARABIC-INDIC DIGIT ONE: not an ASCII digit
]


@pytest.mark.parametrize("text", INVALID)
def test_parse_quantity_rejects(text):
    with pytest.raises(SpecError) as info:
        parse_quantity(text)
    assert info.value.message == FORMAT_WRONG
    assert info.value.path == ""


@pytest.mark.parametrize("value", [True, False, None, float("nan"), float("inf"), float("-inf"), [1], b"1"])
def test_parse_quantity_rejects_non_quantities(value):
    with pytest.raises(SpecError) as info:
        parse_quantity(value)
    assert info.value.message == FORMAT_WRONG


def test_error_text_is_kubernetes_err_format_wrong():
    # quantity.go: ErrFormatWrong = errors.New("quantities must match the regular expression '" + splitREString + "'")
    assert FORMAT_WRONG == (
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )
    err = pytest.raises(SpecError, parse_quantity, "12Q").value
    assert str(err.at("spec.containers[0].resources.requests.cpu")) == (
        "spec.containers[0].resources.requests.cpu: " + FORMAT_WRONG
    )


# Quantity.MilliValue rounds up (TestQuantityRoundUp / ScaledValue semantics).
@pytest.mark.parametrize(
    "value,expected",
    [
        ("500m", 500),
        ("1.5", 1500),
        (1, 1000),
        ("0.0001", 1),
        ("100m", 100),
        ("2", 2000),
        ("0", 0),
        ("1001u", 2),
        ("1n", 1),
        (0.25, 250),
        ("9.01", 9010),
        ("-9.0001", -9001),  # away from zero, as negativeScaleInt64 rounds
    ],
)
def test_cpu_millis(value, expected):
    assert cpu_millis(value) == expected
    assert cpu_millis(value) == expected  # the memoised answer is the same


def test_memoised_quantities_keep_refusing_bad_text_and_bools():
    for _ in range(2):
        with pytest.raises(SpecError):
            cpu_millis("12 cores")
        with pytest.raises(SpecError):
            to_int(True)
    assert to_int("1") == 1 and to_int(1.0) == 1


# Quantity.Value rounds up.
@pytest.mark.parametrize(
    "value,expected",
    [
        ("128Mi", 134217728),
        ("1G", 1_000_000_000),
        ("1.5Ki", 1536),
        ("1", 1),
        ("0.5", 1),
        ("9.01", 10),
        ("100m", 1),
        ("0", 0),
        ("1e3", 1000),
        (1024, 1024),
        ("-1.5", -2),  # int64Amount.AsScaledInt64: away from zero
    ],
)
def test_to_int(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [("-1", True), ("-100m", True), (-0.5, True), ("0", False), ("-0", False), ("1Gi", False), (0, False)],
)
def test_is_negative(value, expected):
    assert is_negative(value) is expected


@pytest.mark.parametrize(
    "m,expected",
    [(500, "500m"), (2000, "2"), (0, "0"), (1, "1m"), (1500, "1500m"), (1000, "1"), (-250, "-250m"), (-3000, "-3")],
)
def test_format_millis_cpu(m, expected):
    assert format_millis_cpu(m) == expected


# Canonical binary forms, as in TestQuantityString's BinarySI rows.
@pytest.mark.parametrize(
    "b,expected",
    [
        (17179869184, "16Gi"),
        (Gi, "1Gi"),
        (300 * Mi, "300Mi"),
        (6 * Ki, "6Ki"),
        (1001 * Gi, "1001Gi"),
        (Ti, "1Ti"),
        (1025, "1025"),
        (1536, "1536"),
        (0, "0"),
        (5, "5"),
        (3 * Ei, "3Ei"),
        (2048 * Ei, "2048Ei"),
        (-2 * Mi, "-2Mi"),
    ],
)
def test_format_bytes(b, expected):
    assert format_bytes(b) == expected


@given(st.integers(min_value=-(2**80), max_value=2**80))
def test_format_bytes_round_trips(b):
    text = format_bytes(b)
    assert to_int(text) == b
    assert parse_quantity(text) == b


@given(st.integers(min_value=0, max_value=2**64).map(lambda n: n * 1024))
def test_format_bytes_uses_a_suffix_when_divisible(b):
    text = format_bytes(b)
    assert b == 0 or text[-1] == "i"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_millis_cpu_round_trips(m):
    assert cpu_millis(format_millis_cpu(m)) == m


@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["", "m", "k", "M", "G", "Ki", "Mi", "Gi"]),
)
def test_decimal_text_matches_fraction(whole, frac, suffix):
    scale = {"": 1, "m": Fraction(1, 1000), "k": 1000, "M": 10**6, "G": 10**9,
             "Ki": Ki, "Mi": Mi, "Gi": Gi}[suffix]
    text = f"{whole}.{frac:03d}{suffix}"
    assert parse_quantity(text) == (whole + Fraction(frac, 1000)) * scale
    assert parse_quantity("-" + text) == -parse_quantity(text)

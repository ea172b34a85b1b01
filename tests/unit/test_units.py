"""kstate.units against Go's time.ParseDuration / Duration.String.

Tables come from Go's src/time/time_test.go (parseDurationTests,
parseDurationErrorTests, durationTests for String), converted to
milliseconds, plus the extensions this module makes (bare numbers are seconds,
negatives are rejected).
"""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kstate.errors import SpecError
from kstate.units import format_duration, parse_duration

# parseDurationTests (time_test.go), in milliseconds; sub-ms rows rounded.
PARSE_CASES = [
    ("0", 0),
    ("5s", 5_000),
    ("30s", 30_000),
    ("1478s", 1_478_000),
    ("+5s", 5_000),
    ("+0", 0),
    ("5.0s", 5_000),
    ("5.6s", 5_600),
    ("5.s", 5_000),
    (".5s", 500),
    ("1.0s", 1_000),
    ("1.00s", 1_000),
    ("1.004s", 1_004),
    ("1.0040s", 1_004),
    ("100.00100s", 100_001),
    ("13ms", 13),
    ("14s", 14_000),
    ("15m", 900_000),
    ("16h", 57_600_000),
    ("3h30m", 12_600_000),
    ("10.5s4m", 250_500),
    ("1h2m3s4ms5us6ns", 3_723_004),
    ("39h9m14.425s", 140_954_425),
    ("52763797000ns", 52_764),  # 52763.797ms, rounded
    ("0.3333333333333333333h", 1_200_000),
    ("2000us", 2),
    ("3000\u00b5s", 3),  # µ MICRO SIGN
    ("4000\u03bcs", 4),  # μ GREEK SMALL LETTER MU
    ("1500us", 2),  # half rounds up
    ("1499us", 1),
    # the brief's cases
    ("500ms", 500),
    ("1h", 3_600_000),
    ("1h30m", 5_400_000),
    ("1.5s", 1_500),
    ("2m30s", 150_000),
    ("0s", 0),
    # bare numbers are seconds (an extension over Go)
    ("90", 90_000),
    ("1.5", 1_500),
    (".25", 250),
    ("007", 7_000),
]


@pytest.mark.parametrize("text,expected", PARSE_CASES)
def test_parse_duration_strings(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "value,expected",
    [(0, 0), (1, 1_000), (90, 90_000), (1.5, 1_500), (0.25, 250), (0.001, 1), (0.0005, 1),
     (0.0004, 0), (0.1 + 0.2, 300), (0.0, 0), (10**12, 10**15)],
)
def test_parse_duration_numbers_are_seconds(value, expected):
    assert parse_duration(value) == expected


# parseDurationErrorTests (time_test.go) plus the brief's error paths.
INVALID = [
    "",
    "-",
    "s",
    ".",
    "-.",
    ".s",
    "+.s",
    "1d",
    "\x85\x85",
    "\ufffd",
    "hello world",
    "-5s",
    "-0",
    "-2m3.4s",
    "5x",
    "1h-5m",
    "abc",
    "nan",
    "inf",
    "NaN",
    "1h30",  # missing unit after the first component
    "1e3",
    " 5s",
    "5s ",
    "5 s",
    "1..5s",
    "5S",
    "+",
]


@pytest.mark.parametrize("text", INVALID)
def test_parse_duration_rejects(text):
    with pytest.raises(SpecError) as info:
        parse_duration(text)
    assert info.value.message.startswith("invalid duration " + repr(text))
    assert info.value.path == ""


@pytest.mark.parametrize(
    "value", [-1, -0.5, float("nan"), float("inf"), float("-inf"), True, False, None, [1], b"5s"]
)
def test_parse_duration_rejects_non_durations(value):
    with pytest.raises(SpecError) as info:
        parse_duration(value)
    assert info.value.message.startswith("invalid duration " + repr(value))


@pytest.mark.parametrize(
    "text,detail",
    [("5x", "unknown unit 'x'"), ("1h30", "missing unit"), ("-5s", "must not be negative"), ("", "empty")],
)
def test_parse_duration_error_details(text, detail):
    err = pytest.raises(SpecError, parse_duration, text).value
    assert err.message == f"invalid duration {text!r}: {detail}"


# durationTests (time_test.go) restricted to whole milliseconds.
FORMAT_CASES = [
    (0, "0s"),
    (1, "1ms"),
    (500, "500ms"),
    (999, "999ms"),
    (1_000, "1s"),
    (1_500, "1.5s"),
    (1_001, "1.001s"),
    (1_010, "1.01s"),
    (10_000, "10s"),
    (59_999, "59.999s"),
    (60_000, "1m0s"),
    (80_000, "1m20s"),
    (300_000, "5m0s"),
    (3_600_000, "1h0m0s"),
    (3_600_500, "1h0m0.5s"),
    (5_405_000, "1h30m5s"),
    (4_000_000, "1h6m40s"),
    (100 * 3_600_000, "100h0m0s"),
    (-1_500, "-1.5s"),
    (-500, "-500ms"),
]


@pytest.mark.parametrize("ms,expected", FORMAT_CASES)
def test_format_duration(ms, expected):
    assert format_duration(ms) == expected


@given(st.integers(min_value=0, max_value=10**13))
def test_format_duration_round_trips(ms):
    assert parse_duration(format_duration(ms)) == ms


@given(
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=999),
)
def test_composite_durations_add_up(h, m, s, ms):
    text = f"{h}h{m}m{s}s{ms}ms"
    assert parse_duration(text) == ((h * 60 + m) * 60 + s) * 1000 + ms

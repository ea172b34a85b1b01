"""Cron schedules as Kubernetes reads them: github.com/robfig/cron/v3
ParseStandard (parser.go, spec.go, constantdelay.go, v3.0.1).

Owns: `parse_standard` (5 fields minute hour day-of-month month day-of-week,
month and weekday names, `*` and `?`, lists, ranges, steps, the descriptors
@yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly and `@every
<Go duration>`, a leading `TZ=`/`CRON_TZ=` zone), the error wording of
parser.go, and `next_time` — SpecSchedule.Next / ConstantDelaySchedule.Next
on epoch milliseconds in a zone. Pure; imports the stdlib only.

Why not croniter alone: croniter's day-of-month/day-of-week rule and
accepted syntax differ from robfig's (weekday 7, `*/2` as a restriction,
seconds fields); kstate must refuse and fire exactly as the controller does.
tests/unit/test_cron_schedule.py pins the differences against croniter.
"""
from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Optional, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

STAR_BIT = 1 << 63

#: (min, max, names) per field (parser.go bounds).
_MINUTES = (0, 59, None)
_HOURS = (0, 23, None)
_DOM = (1, 31, None)
_MONTHS = (1, 12, {n: i + 1 for i, n in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))})
_DOW = (0, 6, {n: i for i, n in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))})

_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}


class CronError(ValueError):
    """A schedule ParseStandard refuses; the message is robfig's."""


@attrs.frozen
class SpecSchedule:
    minute: int
    hour: int
    dom: int
    month: int
    dow: int
    zone: Optional[str] = None      # from a TZ=/CRON_TZ= prefix; None = the caller's zone


@attrs.frozen
class EverySchedule:
    """ConstantDelaySchedule: `delay_ms` whole seconds, at least 1 s."""
    delay_ms: int
    zone: Optional[str] = None


Schedule = Union[SpecSchedule, EverySchedule]


def _atoi(expr: str) -> int:
    """mustParseInt: strconv.Atoi (optional sign, ASCII digits), no negatives."""
    if not re.fullmatch(r"[+-]?[0-9]+", expr):
        raise CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    n = int(expr)
    if n < 0:
        raise CronError(f"negative number ({n}) not allowed: {expr}")
    return n


def _int_or_name(expr: str, names) -> int:
    if names is not None and expr.lower() in names:
        return names[expr.lower()]
    return _atoi(expr)


def _range(expr: str, bounds) -> int:
    """getRange: `*`/`?`, `a`, `a-b`, each optionally `/step`; `a/step`
    means a-max/step; a step > 1 clears the star bit."""
    lo_, hi_, names = bounds
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    single = len(low_high) == 1
    extra = 0
    if low_high[0] in ("*", "?"):
        start, end, extra = lo_, hi_, STAR_BIT
    else:
        start = _int_or_name(low_high[0], names)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], names)
        else:
            raise CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if single:
            end = hi_
        if step > 1:
            extra = 0
    else:
        raise CronError(f"too many slashes: {expr}")
    if start < lo_:
        raise CronError(f"beginning of range ({start}) below minimum ({lo_}): {expr}")
    if end > hi_:
        raise CronError(f"end of range ({end}) above maximum ({hi_}): {expr}")
    if start > end:
        raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    bits = 0
    for i in range(start, end + 1, step):
        bits |= 1 << i
    return bits | extra


def _field(field: str, bounds) -> int:
    bits = 0
    for part in field.split(","):
        bits |= _range(part, bounds)
    return bits


_DURATION_RE = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10**9, "m": 60 * 10**9,
            "h": 3600 * 10**9}


def parse_go_duration(s: str) -> int:
    """time.ParseDuration → nanoseconds (sign, decimal fractions, units
    ns us µs ms s m h; "0" alone allowed)."""
    orig = s
    neg = False
    if s[:1] in ("+", "-"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise CronError(f'time: invalid duration "{orig}"')
    total, pos = 0, 0
    while pos < len(s):
        m = _DURATION_RE.match(s, pos)
        if m is None or m.group(1) in ("", "."):
            if m is None and re.match(r"[0-9.]+", s[pos:]):
                raise CronError(f'time: missing unit in duration "{orig}"')
            raise CronError(f'time: invalid duration "{orig}"')
        num, unit = m.group(1), m.group(2)
        whole, _, frac = num.partition(".")
        total += int(whole or "0") * _UNIT_NS[unit]
        if frac:
            total += int(frac) * _UNIT_NS[unit] // 10 ** len(frac)
        pos = m.end()
    return -total if neg else total


def load_zone(name: str) -> ZoneInfo:
    """time.LoadLocation for an IANA name ("UTC" and "" are UTC)."""
    if name in ("", "UTC"):
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CronError(f"unknown time zone {name}") from None


@functools.lru_cache(maxsize=4096)
def parse_standard(spec: str) -> Schedule:
    """cron.ParseStandard (parser.go Parser.Parse with Minute | Hour | Dom |
    Month | Dow | Descriptor)."""
    if len(spec) == 0:
        raise CronError("empty spec string")
    zone = None
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        i, eq = spec.find(" "), spec.find("=")
        name = spec[eq + 1:i] if i >= 0 else spec[eq + 1:]
        try:
            load_zone(name)
        except CronError as e:
            raise CronError(f"provided bad location {name}: {e}") from None
        zone = name
        spec = spec[i:].strip() if i >= 0 else ""
    if spec.startswith("@"):
        if spec.startswith("@every "):
            d = spec[len("@every "):]
            try:
                ns = parse_go_duration(d)
            except CronError as e:
                raise CronError(f"failed to parse duration {spec}: {e}") from None
            ns = max(ns, 10**9)                 # Every: at least one second
            return EverySchedule(delay_ms=(ns - ns % 10**9) // 1_000_000, zone=zone)
        std = _DESCRIPTORS.get(spec)
        if std is None:
            raise CronError(f"unrecognized descriptor: {spec}")
        spec = std
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    return SpecSchedule(minute=_field(fields[0], _MINUTES), hour=_field(fields[1], _HOURS),
                        dom=_field(fields[2], _DOM), month=_field(fields[3], _MONTHS),
                        dow=_field(fields[4], _DOW), zone=zone)


def _day_matches(s: SpecSchedule, t: _dt.datetime) -> bool:
    """dayMatches: both fields must match when either carries the star bit,
    else either may (classic cron OR)."""
    dom = (1 << t.day) & s.dom > 0
    dow = (1 << ((t.weekday() + 1) % 7)) & s.dow > 0
    if s.dom & STAR_BIT or s.dow & STAR_BIT:
        return dom and dow
    return dom or dow


def _local(y: int, mo: int, d: int, h: int, mi: int, tz) -> _dt.datetime:
    """time.Date in a zone: a wall time normalised to an instant."""
    return _dt.datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(_dt.timezone.utc).astimezone(tz)


def _add(t: _dt.datetime, seconds: int, tz) -> _dt.datetime:
    """t.Add: absolute time."""
    return (t.astimezone(_dt.timezone.utc) + _dt.timedelta(seconds=seconds)).astimezone(tz)


def _next_spec(s: SpecSchedule, now_ms: int, tz) -> Optional[int]:
    """SpecSchedule.Next: the first matching minute strictly after now
    (seconds are always 0), searching at most five years ahead."""
    t = _dt.datetime.fromtimestamp(now_ms // 1000 + 1, tz)     # the upcoming second
    added = False
    year_limit = t.year + 5
    while True:  # WRAP
        if t.year > year_limit:
            return None
        wrapped = False
        while (1 << t.month) & s.month == 0:
            if not added:
                added = True
                t = _local(t.year, t.month, 1, 0, 0, tz)
            y, m = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
            t = _local(y, m, t.day, t.hour, t.minute, tz)
            if t.month == 1:
                wrapped = True
                break
        if wrapped:
            continue
        while not _day_matches(s, t):
            if not added:
                added = True
                t = _local(t.year, t.month, t.day, 0, 0, tz)
            nd = t.date() + _dt.timedelta(days=1)
            t = _local(nd.year, nd.month, nd.day, t.hour, t.minute, tz)
            if t.hour != 0:
                t = _add(t, (24 - t.hour) * 3600 if t.hour > 12 else -t.hour * 3600, tz)
            if t.day == 1:
                wrapped = True
                break
        if wrapped:
            continue
        while (1 << t.hour) & s.hour == 0:
            if not added:
                added = True
                t = _local(t.year, t.month, t.day, t.hour, 0, tz)
            t = _add(t, 3600, tz)
            if t.hour == 0:
                wrapped = True
                break
        if wrapped:
            continue
        while (1 << t.minute) & s.minute == 0:
            if not added:
                added = True
                t = t.replace(second=0, microsecond=0)
            t = _add(t, 60, tz)
            if t.minute == 0:
                wrapped = True
                break
        if wrapped:
            continue
        if t.second != 0:
            # the seconds field is 0 only: step to the next whole minute and
            # start over (goto WRAP).
            added = True
            t = _add(t, 60 - t.second, tz)
            continue
        return int(t.timestamp()) * 1000


@functools.lru_cache(maxsize=65536)
def next_time(schedule: Schedule, zone: str, now_ms: int) -> Optional[int]:
    """The first fire time strictly after `now_ms` (epoch ms; the result has
    whole seconds), in the schedule's own TZ= zone if it has one, else in
    `zone`. None when a five-year search finds nothing (`59 23 31 2 *`).
    Memoised per (schedule, zone, instant)."""
    if isinstance(schedule, EverySchedule):
        return now_ms // 1000 * 1000 + schedule.delay_ms
    tz = load_zone(schedule.zone if schedule.zone is not None else zone)
    return _next_spec(schedule, now_ms, tz)

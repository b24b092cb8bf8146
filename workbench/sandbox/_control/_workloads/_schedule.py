"""Cron schedules as the CronJob controller reads them (``robfig/cron`` v3 ``ParseStandard``).

Five fields (minute, hour, day of month, month, day of week) with ``*``, ``?``, values, names
(``jan``, ``mon``), ranges, steps (``*/15``, ``10-50/20``, ``5/10``) and lists; the descriptors
``@yearly``/``@annually``, ``@monthly``, ``@weekly``, ``@daily``/``@midnight``, ``@hourly`` and
``@every <duration>``; an optional ``TZ=``/``CRON_TZ=`` prefix. As in cron, when both day fields are
restricted a day matching either one fires. Times are evaluated in the schedule's time zone (UTC
unless given), so ``0 9 * * *`` in ``Europe/Berlin`` fires at 08:00 UTC in winter.

Example:
    >>> from datetime import UTC, datetime
    >>> every5 = parse_schedule("*/5 * * * *")
    >>> every5.next_after(datetime(2026, 1, 1, 10, 2, tzinfo=UTC)).isoformat()
    '2026-01-01T10:05:00+00:00'
    >>> every5.last_until(datetime(2026, 1, 1, 10, 2, tzinfo=UTC)).isoformat()
    '2026-01-01T10:00:00+00:00'
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_NAMES: tuple[dict[str, int], ...] = ({}, {}, {}, _MONTHS, _DAYS)
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_MINUTE = timedelta(minutes=1)
_HORIZON_YEARS = 5  # robfig gives up after five years without a match


class ScheduleError(ValueError):
    """The schedule cannot be parsed (the admission check normally refuses it first)."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; `every` is set for ``@every`` and the fields are then unused."""

    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    any_day: bool = False  # day of month given as * or ?
    any_weekday: bool = False
    every: float | None = None
    zone: tzinfo = UTC

    def _day_ok(self, wall: datetime) -> bool:
        dom = wall.day in self.days
        dow = (wall.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next_after(self, t: datetime) -> datetime | None:
        """The first scheduled time strictly after `t` (UTC), or None within five years."""
        if self.every is not None:
            return t.replace(microsecond=0) + timedelta(seconds=max(1.0, self.every))
        wall = t.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0) + _MINUTE
        limit = wall.year + _HORIZON_YEARS
        while wall.year <= limit:
            if wall.month not in self.months:
                wall = datetime(wall.year + wall.month // 12, wall.month % 12 + 1, 1)
            elif not self._day_ok(wall):
                wall = wall.replace(hour=0, minute=0) + timedelta(days=1)
            elif wall.hour not in self.hours:
                wall = wall.replace(minute=0) + timedelta(hours=1)
            elif wall.minute not in self.minutes:
                wall += _MINUTE
            else:
                found = wall.replace(tzinfo=self.zone).astimezone(UTC)
                if found > t:
                    return found
                wall += _MINUTE
        return None

    def last_until(self, t: datetime) -> datetime | None:
        """The latest scheduled time at or before `t` (UTC), or None within five years (not for
        ``@every``, which has no fixed grid)."""
        if self.every is not None:
            return None
        wall = t.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)
        limit = wall.year - _HORIZON_YEARS
        while wall.year >= limit:
            if wall.month not in self.months:
                wall = datetime(wall.year, wall.month, 1) - _MINUTE
            elif not self._day_ok(wall):
                wall = wall.replace(hour=0, minute=0) - _MINUTE
            elif wall.hour not in self.hours:
                wall = wall.replace(minute=0) - _MINUTE
            elif wall.minute not in self.minutes:
                wall -= _MINUTE
            else:
                found = wall.replace(tzinfo=self.zone).astimezone(UTC)
                if found <= t:
                    return found
                wall -= _MINUTE
        return None


def _zone(name: str) -> tzinfo:
    if name in ("", "UTC"):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {name}") from exc


def _value(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise ScheduleError(f"failed to parse int from {text}")
    return int(text)


def _field(expr: str, bounds: tuple[int, int], names: dict[str, int]) -> tuple[set[int], bool]:
    """The values of one field and whether it was given as ``*``/``?`` (robfig's star bit)."""
    low, high = bounds
    values: set[int] = set()
    star = False
    for part in expr.split(","):
        range_part, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step_text and not step_text.isdigit():
            raise ScheduleError(f"failed to parse int from {step_text}")
        if range_part in ("*", "?"):
            start, end = low, high
            star = star or not step_text or step == 1
        elif "-" in range_part:
            first, _, last = range_part.partition("-")
            start, end = _value(first, names), _value(last, names)
        else:
            start = _value(range_part, names)
            end = high if step_text else start
        if start < low or end > high or start > end or step < 1:
            raise ScheduleError(f"invalid range {part} (bounds {low}-{high})")
        values.update(range(start, end + 1, step))
    return values, star


def parse_schedule(spec: str, time_zone: str | None = None) -> Schedule:
    """Parse a CronJob's ``spec.schedule`` in its ``spec.timeZone`` (UTC when None).

    Raises:
        ScheduleError: the schedule or time zone is not valid.
    """
    text = spec.strip()
    zone = _zone(time_zone or "")
    if text.startswith(("TZ=", "CRON_TZ=")):
        head, _, text = text.partition(" ")
        zone = _zone(head.split("=", 1)[1])
        text = text.strip()
    if text.startswith("@every "):
        duration = text[len("@every ") :].strip()
        seconds = 0.0
        pos = 0
        for match in _DURATION_PART.finditer(duration):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(duration) or not duration:
            raise ScheduleError(f"failed to parse duration {text}")
        return Schedule(every=seconds, zone=zone)
    text = _DESCRIPTORS.get(text, text)
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [
        _field(expr, bounds, names) for expr, bounds, names in zip(fields, _BOUNDS, _NAMES, strict=True)
    ]
    return Schedule(
        minutes=frozenset(parsed[0][0]),
        hours=frozenset(parsed[1][0]),
        days=frozenset(parsed[2][0]),
        months=frozenset(parsed[3][0]),
        weekdays=frozenset(parsed[4][0]),
        any_day=parsed[2][1],
        any_weekday=parsed[4][1],
        zone=zone,
    )

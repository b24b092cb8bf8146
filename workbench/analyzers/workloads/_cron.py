"""CronJob schedules as the CronJob controller reads them (robfig/cron's standard parser).

Five fields (minute hour day-of-month month day-of-week) of ``*``, ``?``, numbers, names
(``JAN``, ``MON``), ranges ``a-b``, steps ``/n`` and lists; or a descriptor (``@hourly``, ``@daily``,
``@every 1h30m``...). A legacy ``TZ=``/``CRON_TZ=`` prefix is read (older objects still run with
it) and reported in ``zone_prefix``: Kubernetes refuses it on new objects since 1.29.
Day-of-month and day-of-week combine like cron: when both are restricted, a day matching either fires.

Example:
    >>> from datetime import datetime, UTC
    >>> schedule = parse("*/5 * * * *")
    >>> schedule.next_after(datetime(2026, 1, 1, 10, 2, tzinfo=UTC))
    datetime.datetime(2026, 1, 1, 10, 5, tzinfo=datetime.timezone.utc)
    >>> parse("61 * * * *")
    Traceback (most recent call last):
    ...
    ValueError: minute: 61 is out of range 0-59
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}
_DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_NO_NAMES: dict[str, int] = {}
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, _NO_NAMES),
    ("hour", 0, 23, _NO_NAMES),
    ("day of month", 1, 31, _NO_NAMES),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_HORIZON_DAYS = 366 * 5  # a valid schedule fires within five years (Feb 29 on a given weekday is rarest)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule: the allowed values of each field, or a fixed interval (``@every``)."""

    minutes: tuple[int, ...] = ()
    hours: tuple[int, ...] = ()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()
    any_day: bool = True  # day of month or day of week was "*" or "?": both must match (else either)
    every: timedelta | None = None
    zone_prefix: str = ""  # the zone of a legacy ``TZ=``/``CRON_TZ=`` prefix, which new objects may not use

    def next_after(self, when: datetime) -> datetime | None:
        """The first firing strictly after ``when`` (a tz-aware time in the schedule's zone), or None
        when there is none within five years (``0 0 30 2 *``: February 30th)."""
        if self.every is not None:
            return when + self.every
        start = (when + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.replace(hour=0, minute=0)
        for _ in range(_HORIZON_DAYS):
            if day.month in self.months and self._day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        fire = day.replace(hour=hour, minute=minute)
                        if fire >= start:
                            return fire
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None

    def _day_matches(self, day: datetime) -> bool:
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays  # cron counts Sunday as 0
        return (dom and dow) if self.any_day else (dom or dow)


def parse(schedule: str) -> Schedule:
    """Parse ``schedule``.

    Raises:
        ValueError: the schedule is not valid; the message names the field and the problem.
    """
    spec = schedule.strip()
    if not spec:
        raise ValueError("the schedule is empty")
    zone = ""
    if spec.startswith(("TZ=", "CRON_TZ=")):
        head, _, spec = spec.partition(" ")
        zone, spec = head.split("=", 1)[1], spec.strip()
        if not zone:
            raise ValueError(f"{head} names no time zone")
    if spec.startswith("@every"):
        return Schedule(every=_every(spec[len("@every") :].strip()), zone_prefix=zone)
    if spec.startswith("@"):
        if spec.lower() not in _DESCRIPTORS:
            raise ValueError(
                f"unknown descriptor {spec}; known: {', '.join(_DESCRIPTORS)}, @every <duration>"
            )
        spec = _DESCRIPTORS[spec.lower()]
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), found {len(fields)}"
        )
    values: list[set[int]] = []
    stars: list[bool] = []
    for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        allowed, star = _field(text, name, low, high, names)
        values.append(allowed)
        stars.append(star)
    return Schedule(
        minutes=tuple(sorted(values[0])),
        hours=tuple(sorted(values[1])),
        days=frozenset(values[2]),
        months=frozenset(values[3]),
        weekdays=frozenset(values[4]),
        any_day=stars[2] or stars[4],
        zone_prefix=zone,
    )


def _every(text: str) -> timedelta:
    if not text or _DURATION.sub("", text) != "":
        raise ValueError(f"@every needs a duration like 1h30m, not {text!r}")
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION.findall(text))
    return timedelta(seconds=max(1, int(seconds)))  # the controller rounds anything shorter up to a second


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """The values a field allows, and whether it was a plain ``*``/``?`` (robfig's star bit)."""
    allowed: set[int] = set()
    star = False
    for part in (p for p in text.split(",") if p):  # robfig skips empty list items
        range_text, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{name}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if range_text in ("*", "?"):
            start, end = low, high
            star = star or step == 1
        else:
            first, dash, last = range_text.partition("-")
            start = _value(first, name, low, high, names)
            # "N/step" means N through the field's maximum.
            end = _value(last, name, low, high, names) if dash else (high if step_text else start)
            if start > end:
                raise ValueError(f"{name}: range {range_text} starts after it ends")
        allowed.update(range(start, end + 1, step))
    return allowed, star


def _value(text: str, name: str, low: int, high: int, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ValueError(f"{name}: {text!r} is not a number" + (" or a name" if names else ""))
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{name}: {value} is out of range {low}-{high}")
    return value

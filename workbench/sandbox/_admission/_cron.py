"""CronJob schedules checked like ``cron.ParseStandard`` (robfig/cron v3.0.1) checks them.

A real server quotes the parser's error after ``spec.schedule: Invalid value: "x": ``, so the
messages here are the parser's own (``expected exactly 5 fields, found 1: [x]``).
"""

from __future__ import annotations

import re
import zoneinfo

_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
_NAMES: tuple[dict[str, int] | None, ...] = (None, None, None, _MONTHS, _DAYS)
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_DURATION = re.compile(r"[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+|[-+]?0")
_TZ_PART = re.compile(r"[A-Za-z\.\-_0-9+]{1,14}")


class _CronError(Exception):
    pass


def cron_schedule_error(schedule: str) -> str | None:
    """The parser's error for a standard 5-field schedule or ``@descriptor``, or None when valid."""
    try:
        _parse(schedule)
    except _CronError as exc:
        return str(exc)
    return None


def time_zone_error(time_zone: str) -> str | None:
    """The error for ``spec.timeZone``, or None when it names a known IANA zone."""
    if not time_zone:
        return "timeZone must be nil or non-empty string"
    for part in time_zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.fullmatch(part):
            return f"unknown time zone {time_zone}"
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {time_zone}"
    return None


def _parse(spec: str) -> None:
    if not spec:
        raise _CronError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        head, _, rest = spec.partition(" ")
        location = head.split("=", 1)[1]
        if time_zone_error(location):
            raise _CronError(f"provided bad location {location}: unknown time zone {location}")
        spec = rest.strip()
    if spec.startswith("@"):
        _descriptor(spec)
        return
    fields = spec.split()
    if len(fields) != 5:
        raise _CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    for field, bounds, names in zip(fields, _BOUNDS, _NAMES, strict=True):
        for expr in (part for part in field.split(",") if part):
            _range(expr, bounds, names)


def _descriptor(spec: str) -> None:
    if spec in _DESCRIPTORS:
        return
    every = "@every "
    if spec.startswith(every):
        duration = spec[len(every) :]
        if not _DURATION.fullmatch(duration):
            raise _CronError(f'failed to parse duration {spec}: time: invalid duration "{duration}"')
        return
    raise _CronError(f"unrecognized descriptor: {spec}")


def _atoi(expr: str) -> int:
    if not re.fullmatch(r"[-+]?[0-9]+", expr):
        raise _CronError(f'failed to parse int from {expr}: strconv.Atoi: parsing "{expr}": invalid syntax')
    number = int(expr)
    if number < 0:
        raise _CronError(f"negative number ({number}) not allowed: {expr}")
    return number


def _int_or_name(expr: str, names: dict[str, int] | None) -> tuple[int, _CronError | None]:
    if names and expr.lower() in names:
        return names[expr.lower()], None
    try:
        return _atoi(expr), None
    except _CronError as exc:
        return 0, exc


def _range(expr: str, bounds: tuple[int, int], names: dict[str, int] | None) -> None:
    low_max = bounds
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    if low_and_high[0] in ("*", "?"):
        start, end, error = low_max[0], low_max[1], None
    else:
        start, error = _int_or_name(low_and_high[0], names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            # v3.0.1 overwrites the first parse error with the second parse's result.
            end, error = _int_or_name(low_and_high[1], names)
        else:
            raise _CronError(f"too many hyphens: {expr}")
    if error:
        raise error
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _atoi(range_and_step[1])
        if len(low_and_high) == 1:
            end = low_max[1]
    else:
        raise _CronError(f"too many slashes: {expr}")
    if start < low_max[0]:
        raise _CronError(f"beginning of range ({start}) below minimum ({low_max[0]}): {expr}")
    if end > low_max[1]:
        raise _CronError(f"end of range ({end}) above maximum ({low_max[1]}): {expr}")
    if start > end:
        raise _CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _CronError(f"step of range should be a positive number: {expr}")

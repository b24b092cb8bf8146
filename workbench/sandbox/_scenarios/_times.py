"""Relative times in scenario files: ``now``, ``now-3d``, ``now-2h5m`` become absolute RFC 3339 stamps.

Scenarios are written once and replayed on any day, so every timestamp in them is relative to the
moment the sandbox starts. Kubernetes has two time types on the wire: `metav1.Time` (second precision)
and `metav1.MicroTime` (microseconds, used by a few fields only); both are rendered the way the
apiserver renders them.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

# Fields whose Go type is metav1.MicroTime; every other time field is metav1.Time.
MICROTIME_FIELDS = frozenset({"eventTime", "renewTime", "acquireTime", "lastObservedTime"})

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:\d+[dhms])+")
_PART = re.compile(r"(\d+)([dhms])")
_RELATIVE = re.compile(r"now(?:([+-])((?:\d+[dhms])+))?")
_TEMPLATE = re.compile(r"\{\{(time|klog):(now(?:[+-](?:\d+[dhms])+)?)\}\}")


def parse_duration(text: str) -> timedelta:
    """Parse a duration such as ``3d``, ``2h5m`` or ``45s``.

    Raises:
        ValueError: the text is not a sequence of ``<number><d|h|m|s>`` parts.
    """
    if not _DURATION.fullmatch(text):
        raise ValueError(f"{text!r} is not a duration like 3d, 2h5m or 45s")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in _PART.findall(text)))


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_time(moment: datetime) -> str:
    """Render a `metav1.Time`: ``2026-11-28T15:44:56Z``."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(moment: datetime) -> str:
    """Render a `metav1.MicroTime`: ``2026-11-28T15:44:56.123456Z``."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def relative_time(text: str, now: datetime) -> datetime | None:
    """The instant ``now``/``now-<duration>``/``now+<duration>`` names, or None if `text` is not one."""
    match = _RELATIVE.fullmatch(text)
    if match is None:
        return None
    sign, duration = match.groups()
    if duration is None:
        return utc(now)
    delta = parse_duration(duration)
    return utc(now) - delta if sign == "-" else utc(now) + delta


def _micro(moment: datetime, salt: str) -> datetime:
    # Real MicroTimes carry sub-second noise; derive it from the field's identity so loads repeat,
    # and step back a second rather than land after `moment` (kubectl prints future times oddly).
    stamped = moment.replace(microsecond=zlib.crc32(salt.encode()) % 1_000_000)
    return stamped if stamped <= moment else stamped - timedelta(seconds=1)


def resolve_times(value: Any, now: datetime, *, salt: str, key: str = "") -> Any:
    """Replace every relative-time string inside `value` with its absolute rendering.

    Args:
        value: a decoded JSON value; dicts and lists are updated in place.
        now: the moment relative times are measured from.
        salt: distinguishes objects, so equal MicroTimes in different objects get different noise.
        key: the field name `value` sits under (decides Time versus MicroTime).

    Returns:
        The resolved value (the same container for dicts and lists).
    """
    if isinstance(value, str):
        if not value.startswith("now"):
            return value
        moment = relative_time(value, now)
        if moment is None:
            return value
        if key in MICROTIME_FIELDS:
            return format_micro_time(_micro(moment, f"{salt}/{key}"))
        return format_time(moment)
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (str, dict, list)):
                value[k] = resolve_times(v, now, salt=salt, key=k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (str, dict, list)):
                value[i] = resolve_times(v, now, salt=f"{salt}/{i}", key=key)
    return value


def expand_log_line(line: str, now: datetime, *, index: int = 0) -> str:
    """Expand ``{{time:now-3d}}`` (RFC 3339) and ``{{klog:now-3d}}`` (klog header) in a log line.

    klog headers (``I1128 15:44:56.123456``) carry their own date, so kube-proxy style log lines in a
    scenario name their moment relatively, like every other time. `index` (the line's position in
    its stream) orders the microseconds of lines that share a second, as a real log's would be.
    """

    def render(match: re.Match[str]) -> str:
        style, expression = match.groups()
        moment = relative_time(expression, now)
        assert moment is not None
        if style == "time":
            return format_time(moment)
        stamped = moment.replace(microsecond=(41_873 + index * 7_919) % 1_000_000)
        return min(stamped, utc(now)).strftime("%m%d %H:%M:%S.%f")

    return _TEMPLATE.sub(render, line) if "{{" in line else line

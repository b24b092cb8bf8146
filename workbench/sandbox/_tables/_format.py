"""Formatting helpers shared by the Table printers, each a port of the Go helper named in its docstring.

Objects are plain JSON-decoded dicts in their storage shape. Every reader here tolerates a missing or
``null`` field the way the Go printers tolerate a zero value, so a half-filled object prints instead
of raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from workbench.sandbox._tables._descriptions import DESCRIPTIONS

NONE = "<none>"
UNKNOWN = "<unknown>"
UNSET = "<unset>"

Obj = Mapping[str, Any]


# --- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One `TableColumnDefinition`."""

    name: str
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def col(name: str, type_: str = "string", doc: str = "", *, wide: bool = False, fmt: str = "") -> Column:
    """A column; `doc` is a `DESCRIPTIONS` key or, when it is not one, the description itself."""
    return Column(name, type_, fmt, DESCRIPTIONS.get(doc, doc), 1 if wide else 0)


NAME = col("Name", doc="ObjectMeta.name", fmt="name")
AGE = col("Age", doc="ObjectMeta.creationTimestamp")
CONTAINERS = col("Containers", doc="Names of each container in the template.", wide=True)
IMAGES = col("Images", doc="Images referenced by each container in the template.", wide=True)

Cells = Callable[[Obj, datetime], list[Any]]


class Printer(NamedTuple):
    """The columns of one kind and the function computing a row's cells (always the wide row)."""

    columns: tuple[Column, ...]
    cells: Cells


# --- reading objects ----------------------------------------------------------------------------


def dig(obj: Any, *keys: str | int) -> Any:
    """``obj[k1][k2]...``, or None as soon as a step is missing or of the wrong shape."""
    cur = obj
    for key in keys:
        if isinstance(key, int):
            if not isinstance(cur, list) or not -len(cur) <= key < len(cur):
                return None
            cur = cur[key]
        elif isinstance(cur, Mapping):
            cur = cur.get(key)
        else:
            return None
    return cur


def items(obj: Any, *keys: str | int) -> list[Any]:
    """The list at the path, or ``[]``."""
    value = dig(obj, *keys)
    return value if isinstance(value, list) else []


def mapping(obj: Any, *keys: str | int) -> Mapping[str, Any]:
    """The map at the path, or ``{}``."""
    value = dig(obj, *keys)
    return value if isinstance(value, Mapping) else {}


def text(obj: Any, *keys: str | int, default: str = "") -> str:
    """The string at the path; absent (Go's zero value) reads as `default`."""
    value = dig(obj, *keys)
    if value is None or value == "":
        return default
    return value if isinstance(value, str) else str(value)


def num(obj: Any, *keys: str | int, default: int = 0) -> int:
    """The integer at the path (Go's int32/int64 fields); absent reads as `default`."""
    value = dig(obj, *keys)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return int(value)


def name_of(obj: Obj) -> str:
    return text(obj, "metadata", "name")


def print_bool(value: Any) -> str:
    """printBool: ``True`` / ``False``."""
    return "True" if value is True else "False"


# --- time ---------------------------------------------------------------------------------------

_NS_PER_SECOND = 1_000_000_000
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})", re.ASCII
)


def human_duration(seconds: float) -> str:
    """kubectl's ``duration.HumanDuration``: a duration as 2-3 significant figures.

    Args:
        seconds: the duration; fractions count (``119.999`` is still ``"119s"``).

    Returns:
        ``"45s"``, ``"5m10s"``, ``"3h5m"``, ``"2d3h"``, ``"400d"``, ``"3y45d"``...; ``"0s"`` for up to
        two seconds in the future (clock skew) and ``"<invalid>"`` beyond that.

    Example:
        >>> human_duration(190), human_duration(49 * 3600), human_duration(-1)
        ('3m10s', '2d1h', '0s')
    """
    return _human_ns(round(seconds * _NS_PER_SECOND))


def _human_ns(ns: int) -> str:
    # Go truncates toward zero when converting a Duration to whole units; ns >= 0 past the first test.
    seconds = -(-ns // _NS_PER_SECOND) if ns < 0 else ns // _NS_PER_SECOND
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years, rest = divmod(days, 365)
    if hours < 24 * 365 * 8 and rest:
        return f"{years}y{rest}d"
    return f"{years}y"


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (``metav1.Time`` or ``MicroTime``) as aware UTC; None if absent or bad."""
    if not isinstance(value, str):
        return None
    m = _RFC3339.fullmatch(value)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micros = int((m.group(7) or "0")[:6].ljust(6, "0"))
    zone = m.group(8)
    try:
        moment = datetime(year, month, day, hour, minute, second, micros, tzinfo=UTC)
    except ValueError:
        return None
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return moment


def duration_between(start: datetime, end: datetime) -> str:
    """HumanDuration(end - start), at microsecond resolution."""
    return _human_ns((end - start) // timedelta(microseconds=1) * 1000)


def since(value: Any, now: datetime) -> str:
    """translateTimestampSince: the age of a timestamp, ``<unknown>`` when it is unset."""
    moment = value if isinstance(value, datetime) else parse_time(value)
    if moment is None:
        return UNKNOWN
    return duration_between(moment, now)


def age(obj: Obj, now: datetime) -> str:
    """The Age cell: the object's creationTimestamp relative to `now`."""
    return since(dig(obj, "metadata", "creationTimestamp"), now)


def created_at(obj: Obj) -> str:
    """The default convertor's Created At cell: RFC 3339 UTC creationTimestamp (Go's zero time if unset)."""
    moment = parse_time(dig(obj, "metadata", "creationTimestamp"))
    if moment is None:
        return "0001-01-01T00:00:00Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- labels and selectors -----------------------------------------------------------------------


def format_labels(labels: Any) -> str:
    """labels.FormatLabels: ``k=v`` pairs sorted by key, or ``<none>``."""
    if not isinstance(labels, Mapping) or not labels:
        return NONE
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


class _InvalidSelector(Exception):  # noqa: N818 (internal control flow, never escapes this module)
    pass


def _requirement(key: str, operator: str, values: list[str]) -> str:
    sorted_values = ",".join(sorted(values))
    if operator == "In" and values:
        return f"{key} in ({sorted_values})"
    if operator == "NotIn" and values:
        return f"{key} notin ({sorted_values})"
    if operator == "Exists" and not values:
        return key
    if operator == "DoesNotExist" and not values:
        return f"!{key}"
    raise _InvalidSelector


def _selector(selector: Any) -> str:
    """LabelSelectorAsSelector(...).String(); raises _InvalidSelector where Go returns an error."""
    if not isinstance(selector, Mapping):
        return ""  # nil selector: labels.Nothing(), which prints as ""
    reqs: list[tuple[str, str]] = [(str(k), f"{k}={v}") for k, v in mapping(selector, "matchLabels").items()]
    for expr in items(selector, "matchExpressions"):
        key = text(expr, "key")
        values = [str(v) for v in items(expr, "values")]
        reqs.append((key, _requirement(key, text(expr, "operator"), values)))
    # Go sorts the requirements by key only; a stable sort keeps matchLabels first on ties.
    return ",".join(req for _, req in sorted(reqs, key=lambda r: r[0]))


def selector_string(selector: Any) -> str:
    """The Deployment printer's selector: the selector string, ``""`` when empty, ``<invalid>`` if bad."""
    try:
        return _selector(selector)
    except _InvalidSelector:
        return "<invalid>"


def format_label_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: ``app=api,tier in (a,b)``, ``<none>`` when empty, ``<error>`` if bad."""
    try:
        return _selector(selector) or NONE
    except _InvalidSelector:
        return "<error>"


# --- containers ---------------------------------------------------------------------------------


def container_cells(containers: Iterable[Any]) -> list[str]:
    """layoutContainerCells: the Containers and Images cells, comma-joined."""
    listed = [c for c in containers if isinstance(c, Mapping)]
    return [",".join(text(c, "name") for c in listed), ",".join(text(c, "image") for c in listed)]


def join_sorted_unique(values: Iterable[str]) -> str:
    """sets.NewString(values...).List() joined by commas."""
    return ",".join(sorted(set(values)))

"""The JSONPath subset CustomResourceDefinition printer columns use (``k8s.io/client-go/util/jsonpath``).

Supported: ``.field`` (with ``\\.`` escaping a dot inside a key), ``['key']``, ``[n]`` (negative
counts from the end), ``[a:b]`` / ``[a:b:step]`` slices, ``[0,2]`` / ``['a','b']`` unions, ``*``,
``..field`` recursive descent, and filters ``[?(@.type=="Ready")]`` with ``== != < > <= >=`` or a bare
``[?(@.field)]`` existence test. Missing keys yield no result (the server allows missing keys), so
the column prints empty instead of failing.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TERMINATORS = set(".,[]$@{} \t\r\n")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_FILTER = re.compile(r"\s*(@[^=!<>]*?)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*")
_SLICE = re.compile(r"(-?\d*):(-?\d*)(?::(-?\d*))?")
_QUOTED = re.compile(r"""\s*(?:'([^']*)'|"([^"]*)")\s*""")


class JsonPathError(ValueError):
    """A path the client-go parser would refuse (the column is then dropped, as the server does)."""


@dataclass(frozen=True, slots=True)
class _Step:
    kind: str  # "field", "wild", "recurse", "index", "slice", "keys", "filter"
    arg: Any = None


def _read_field(path: str, pos: int) -> tuple[str, int]:
    out: list[str] = []
    while pos < len(path) and path[pos] not in _TERMINATORS:
        if path[pos] == "\\" and pos + 1 < len(path):
            pos += 1  # an escaped character is part of the name (``app\.kubernetes\.io``)
        out.append(path[pos])
        pos += 1
    return "".join(out), pos


def _literal(raw: str) -> Any:
    raw = raw.strip()
    if m := _QUOTED.fullmatch(raw):
        return m.group(1) if m.group(1) is not None else m.group(2)
    if raw in ("true", "false"):
        return raw == "true"
    try:
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    except ValueError:
        raise JsonPathError(f"unrecognized filter value {raw!r}") from None


def _bracket(inner: str) -> _Step:
    inner = inner.strip()
    if inner == "*":
        return _Step("wild")
    if inner.startswith("?(") and inner.endswith(")"):
        m = _FILTER.fullmatch(inner[2:-1])
        if m is None:
            raise JsonPathError(f"unrecognized filter {inner!r}")
        left = parse(m.group(1)[1:] or ".")
        right = None if m.group(2) is None else _literal(m.group(3))
        return _Step("filter", (left, m.group(2), right))
    if m := _SLICE.fullmatch(inner):
        bounds = tuple(int(g) if g not in (None, "") else None for g in m.groups())
        if bounds[2] == 0:
            raise JsonPathError(f"step of slice [{inner}] cannot be 0")
        return _Step("slice", bounds)
    parts = [p.strip() for p in inner.split(",")]
    if all(re.fullmatch(r"-?\d+", p) for p in parts):
        return _Step("index", [int(p) for p in parts])
    keys = [_QUOTED.fullmatch(p) for p in parts]
    if all(keys):
        return _Step("keys", [m.group(1) if m.group(1) is not None else m.group(2) for m in keys if m])
    raise JsonPathError(f"unrecognized array subscript [{inner}]")


def parse(path: str) -> tuple[_Step, ...]:
    """Parse a printer-column path such as ``.status.conditions[?(@.type=="Ready")].status``.

    Raises:
        JsonPathError: the path is not valid client-go JSONPath (or uses a feature outside the subset).
    """
    steps: list[_Step] = []
    pos = 1 if path.startswith("$") else 0
    while pos < len(path):
        char = path[pos]
        if path.startswith("..", pos):
            name, pos = _read_field(path, pos + 2)
            if not name:
                raise JsonPathError(f"recursive descent needs a field name in {path!r}")
            steps += [_Step("recurse"), _Step("wild") if name == "*" else _Step("field", name)]
        elif char == ".":
            name, pos = _read_field(path, pos + 1)
            if name:
                steps.append(_Step("wild") if name == "*" else _Step("field", name))
        elif char == "[":
            end = _closing_bracket(path, pos)
            steps.append(_bracket(path[pos + 1 : end]))
            pos = end + 1
        else:
            raise JsonPathError(f"unrecognized character {char!r} in {path!r}")
    return tuple(steps)


def _closing_bracket(path: str, start: int) -> int:
    depth, quote = 0, ""
    for pos in range(start, len(path)):
        char = path[pos]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
            if depth == 0:
                return pos
    raise JsonPathError(f"unclosed array subscript in {path!r}")


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value)]
    return list(value) if isinstance(value, list) else []


def _descendants(value: Any) -> list[Any]:
    found = [value]
    for child in _children(value):
        found += _descendants(child)
    return found


def _matches(value: Any, test: tuple[tuple[_Step, ...], str | None, Any]) -> bool:
    left_path, op, right = test
    lefts = evaluate(left_path, value)
    if op is None:
        return bool(lefts)
    if not lefts:
        return False
    try:
        return _COMPARE[op](lefts[0], right)
    except TypeError:
        return False  # client-go refuses to compare unlike types; the element is not selected


def _apply(step: _Step, value: Any) -> list[Any]:
    if step.kind == "field":
        return [value[step.arg]] if isinstance(value, Mapping) and step.arg in value else []
    if step.kind == "keys":
        return [value[k] for k in step.arg if k in value] if isinstance(value, Mapping) else []
    if step.kind == "wild":
        return _children(value)
    if step.kind == "recurse":
        return _descendants(value)
    if not isinstance(value, list):
        return []
    if step.kind == "index":
        return [value[i] for i in step.arg if -len(value) <= i < len(value)]
    if step.kind == "slice":
        return value[slice(*step.arg)]
    return [item for item in value if _matches(item, step.arg)]


def evaluate(steps: tuple[_Step, ...], obj: Any) -> list[Any]:
    """All values `steps` select in `obj`, in document order (map keys in sorted order)."""
    current = [obj]
    for step in steps:
        current = [found for value in current for found in _apply(step, value)]
    return current

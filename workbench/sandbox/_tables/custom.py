"""Tables for custom resources, from their CRD's ``additionalPrinterColumns``.

A port of apiextensions-apiserver's table convertor: Name first, then each declared column; a CRD
version that declares none gets a single ``Age`` column. Cells are typed by the column's ``type``:
``string`` columns print the value the way client-go's JSONPath printer does (maps and lists as
JSON), ``integer``/``number``/``boolean`` keep JSON values of that type, and ``date`` columns show the
timestamp's age. A value that is missing or of another type leaves the cell empty (``None``).

As in the real server, a column whose ``jsonPath`` cannot be parsed ends the column list: it and
every column after it are left out, and the resource is still served.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from workbench.sandbox._tables._descriptions import DESCRIPTIONS
from workbench.sandbox._tables._format import NAME, UNKNOWN, Column, name_of, parse_time, since, text
from workbench.sandbox._tables._jsonpath import JsonPathError, evaluate, parse

_AGE_COLUMN: Mapping[str, Any] = {
    "name": "Age",
    "type": "date",
    "jsonPath": ".metadata.creationTimestamp",
    "description": DESCRIPTIONS["ObjectMeta.creationTimestamp"],
}


def _columns(printer_columns: Sequence[Mapping[str, Any]]) -> list[tuple[Column, tuple[Any, ...]]]:
    """The usable columns with their parsed paths, stopping at the first unparseable path."""
    parsed = []
    for spec in printer_columns or [_AGE_COLUMN]:
        path = text(spec, "jsonPath")
        try:
            steps = parse(path)
        except JsonPathError:
            break
        description = text(spec, "description") or (
            f"Custom resource definition column (in JSONPath format): {path}"
        )
        column = Column(
            name=text(spec, "name"),
            type=text(spec, "type"),
            format=text(spec, "format"),
            description=description,
            priority=int(spec.get("priority") or 0),
        )
        parsed.append((column, steps))
    return parsed


def custom_column_definitions(printer_columns: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Table columnDefinitions for a custom resource.

    Args:
        printer_columns: the served version's ``additionalPrinterColumns``
            (``{name, type, jsonPath, description?, priority?, format?}``); empty for none.

    Returns:
        Name, then one definition per usable column (a lone Age column when none are declared).

    Example:
        >>> [c["name"] for c in custom_column_definitions([])]
        ['Name', 'Age']
    """
    return [NAME.as_dict(), *(column.as_dict() for column, _ in _columns(printer_columns))]


def custom_row_cells(
    printer_columns: Sequence[Mapping[str, Any]], obj: Mapping[str, Any], now: datetime
) -> list[Any]:
    """The cells of one custom resource's row, matching `custom_column_definitions`.

    Args:
        printer_columns: the served version's ``additionalPrinterColumns``.
        obj: the custom resource, JSON-decoded.
        now: the time ages are measured against (aware UTC).

    Example:
        >>> from datetime import UTC, datetime
        >>> cols = [{"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}]
        >>> db = {"metadata": {"name": "db"}, "spec": {"replicas": 3}}
        >>> custom_row_cells(cols, db, datetime.now(UTC))
        ['db', 3]
    """
    cells: list[Any] = [name_of(obj)]
    for column, steps in _columns(printer_columns):
        found = evaluate(steps, obj)
        if not found:
            cells.append(None)
        elif column.type == "string":
            cells.append(go_text(found[0]))
        else:
            cells.append(_typed_cell(column.type, found[0], now))
    return cells


def _typed_cell(column_type: str, value: Any, now: datetime) -> Any:
    """cellForJSONValue: the value if it has the column's JSON type, else None."""
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if column_type == "integer" and is_number:
        return int(value)
    if column_type == "number" and is_number:
        return float(value)
    if column_type == "boolean" and isinstance(value, bool):
        return value
    if column_type == "date" and isinstance(value, str):
        if value in ("", "null"):
            return UNKNOWN  # the zero time
        moment = parse_time(value)
        return "<invalid>" if moment is None else since(moment, now)
    return None


def go_text(value: Any) -> str:
    """How client-go's JSONPath printer writes one value: scalars as Go prints them, else JSON."""
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, Mapping | list):
        return _go_json(value)
    return str(value)


def _go_float(value: float, *, json_style: bool = False) -> str:
    """Go's shortest float text: fmt's ``%v``, or encoding/json's variant when `json_style`."""
    if value == 0:
        return "0"
    sign, digits, exp = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exp, int)
    mantissa = "".join(map(str, digits))
    point = len(mantissa) + exp  # digits before the decimal point
    prefix = "-" if sign else ""
    # %v switches to an exponent below 1e-4, encoding/json below 1e-6; both from 1e21.
    if (-5 if json_style else -3) <= point <= 21:
        if point <= 0:
            return f"{prefix}0.{'0' * -point}{mantissa}"
        if point >= len(mantissa):
            return f"{prefix}{mantissa}{'0' * (point - len(mantissa))}"
        return f"{prefix}{mantissa[:point]}.{mantissa[point:]}"
    fraction = f".{mantissa[1:]}" if len(mantissa) > 1 else ""
    exponent = point - 1
    # strconv pads exponents to two digits; encoding/json strips that padding from negative ones.
    digits_text = str(-exponent) if json_style and exponent < 0 else f"{abs(exponent):02d}"
    return f"{prefix}{mantissa[0]}{fraction}e{'-' if exponent < 0 else '+'}{digits_text}"


def _go_json(value: Any) -> str:
    """encoding/json's compact output: sorted map keys and HTML-safe escaping of ``<``, ``>``, ``&``."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_go_json(str(k))}:{_go_json(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_go_json(v) for v in value) + "]"
    if isinstance(value, float):
        return _go_float(value, json_style=True)
    if isinstance(value, str):
        encoded = json.dumps(value, ensure_ascii=False)
        for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            encoded = encoded.replace(char, escape)
        return encoded
    return json.dumps(value)

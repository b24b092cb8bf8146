"""How Go's encoding/json names JSON values in its errors, which the sandbox repeats verbatim."""

from __future__ import annotations

from datetime import date
from typing import Any


def go_type_name(value: Any) -> str:
    """The JSON type word of an unmarshal error (``array``, ``object``, ``number``...).

    A YAML body's unquoted timestamps arrive as dates; to a Go client they were strings.
    """
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str | date):
        return "string"
    return "null"

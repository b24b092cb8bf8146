"""Type checks that mirror what decoding JSON into the Go types rejects, with the same 400 text.

A real server decodes the body into typed structs before defaulting, so ``replicas: "3"`` or an
unquoted label value ``version: 1`` fail with ``json: cannot unmarshal ... into Go struct field
...``. Only the fields described in ``_schemas`` are checked; anything else passes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.errors import QuantityError
from workbench.quantity import parse_quantity

from ._errors import decode_error
from ._schemas import SCHEMAS, BytesMap, IntOrString, Node, QuantityMap, Scalar, Slice, StrMap, Struct, top


def check_types(kind: str, obj: Mapping[str, Any]) -> None:
    """Raise the 400 a real server sends when `obj` does not decode into the kind's Go type.

    Raises:
        SandboxApiError: 400 BadRequest, ``<Kind> in version "v1" cannot be handled as a <Kind>: ...``.
    """
    schema = SCHEMAS.get(kind, top(kind))
    problem = _check_struct(schema, obj, ())
    if problem:
        raise decode_error(kind, obj, problem)


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_error(value: object, struct: str, path: tuple[str, ...], go_type: str) -> str:
    found = _json_kind(value)
    if found == "number" and go_type in ("int32", "int64"):
        found = f"number {value!r}"
    return f"json: cannot unmarshal {found} into Go struct field {struct}.{'.'.join(path)} of type {go_type}"


def _check_struct(schema: Struct, obj: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
    for name, node in schema.fields.items():
        value = obj.get(name)
        if value is None:
            continue
        problem = _check(node, value, schema.name, (*path, name))
        if problem:
            return problem
    return None


def _check(node: Node, value: object, struct: str, path: tuple[str, ...]) -> str | None:
    if isinstance(node, Scalar):
        return _check_scalar(node, value, struct, path)
    if isinstance(node, Struct):
        if not isinstance(value, Mapping):
            return _type_error(value, struct, path, node.go_type)
        return _check_struct(node, value, path)
    if isinstance(node, Slice):
        if not isinstance(value, list):
            return _type_error(value, struct, path, node.go_type)
        for item in value:
            problem = None if item is None else _check(node.elem, item, struct, path)
            if problem:
                return problem
        return None
    if isinstance(node, IntOrString) or isinstance(value, Mapping):
        return _check_special(node, value, struct, path)
    return _type_error(value, struct, path, node.go_type)


def _check_scalar(node: Scalar, value: object, struct: str, path: tuple[str, ...]) -> str | None:
    if _json_kind(value) != node.json_kind:
        return _type_error(value, struct, path, node.go_type)
    if node.integer and isinstance(value, float) and not value.is_integer():
        return _type_error(value, struct, path, node.go_type)
    return None


def _check_special(node: Node, value: Any, struct: str, path: tuple[str, ...]) -> str | None:
    if isinstance(node, IntOrString):
        if isinstance(value, bool) or not isinstance(value, int | str):
            return f"json: cannot unmarshal {_json_kind(value)} into Go value of type int32"
        return None
    for item in value.values():
        if item is None:
            continue
        if isinstance(node, StrMap) and not isinstance(item, str):
            return _type_error(item, struct, path, "string")
        if isinstance(node, QuantityMap):
            try:
                parse_quantity(item)
            except QuantityError as exc:
                return str(exc)
        if isinstance(node, BytesMap):
            problem = base64_problem(item)
            if problem:
                return problem
    return None


_B64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

_NEWLINES = frozenset(b"\r\n")

_PAD = ord("=")


def base64_problem(value: object) -> str | None:
    """Go's ``base64.StdEncoding`` error for `value`, or None when it decodes.

    Walks the input quantum by quantum like Go's decoder so the reported byte offset matches.
    """
    if not isinstance(value, str):
        return f"json: cannot unmarshal {_json_kind(value)} into Go value of type []uint8"
    src = value.encode()
    si, n = 0, len(src)
    while True:
        j = 0
        while j < 4:
            if si == n:
                return None if j == 0 else _b64_error(si - j)
            ch = src[si]
            si += 1
            if ch in _B64:
                j += 1
                continue
            if ch in _NEWLINES:
                continue
            if ch != _PAD or j < 2:
                return _b64_error(si - 1)
            if j == 2:  # "==" expected: the second "=" must follow
                si = _skip_newlines(src, si)
                if si == n:
                    return _b64_error(n)
                if src[si] != _PAD:
                    return _b64_error(si - 1)
                si += 1
            si = _skip_newlines(src, si)
            return _b64_error(si) if si < n else None


def _skip_newlines(src: bytes, si: int) -> int:
    while si < len(src) and src[si] in _NEWLINES:
        si += 1
    return si


def _b64_error(offset: int) -> str:
    return f"illegal base64 data at input byte {offset}"

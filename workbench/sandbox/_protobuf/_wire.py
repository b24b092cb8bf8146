"""The protobuf wire format: fields, varints and packed values, with gogo-protobuf's error texts.

Errors keep the words the Go decoder in kube-apiserver uses (``unexpected EOF``,
``proto: wrong wireType = 2 for field name``...), because they end up in the 400 a client sees.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

_MASK64 = (1 << 64) - 1
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5
_WIDTH = {_FIXED64: 8, _FIXED32: 4}

# The wire type each scalar type is written with; repeated numbers may also come packed (type 2).
WIRE_TYPE = {
    "int32": _VARINT, "int64": _VARINT, "uint32": _VARINT, "uint64": _VARINT, "sint32": _VARINT,
    "sint64": _VARINT, "bool": _VARINT, "enum": _VARINT, "fixed64": _FIXED64, "sfixed64": _FIXED64,
    "double": _FIXED64, "fixed32": _FIXED32, "sfixed32": _FIXED32, "float": _FIXED32,
    "string": _BYTES, "bytes": _BYTES, "message": _BYTES, "map": _BYTES,
}  # fmt: skip
_FIXED_FORMAT = {
    "fixed64": "<Q",
    "sfixed64": "<q",
    "double": "<d",
    "fixed32": "<I",
    "sfixed32": "<i",
    "float": "<f",
}

Value = int | bytes


class MalformedMessage(Exception):  # noqa: N818  # named for what it describes; it never leaves the package
    """The bytes are not a well-formed message; the text is what the Go decoder would say."""


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """The unsigned 64-bit varint at `pos` and the position after it."""
    result = shift = 0
    end = len(buf)
    while True:
        if shift >= 64:
            raise MalformedMessage("proto: integer overflow")
        if pos >= end:
            raise MalformedMessage("unexpected EOF")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _MASK64, pos
        shift += 7


def scan(buf: bytes, message: str) -> Iterator[tuple[int, int, Value]]:
    """Yield ``(field number, wire type, value)``: an int for varints, the raw bytes otherwise.

    Args:
        buf: the encoded message.
        message: its short name, for error texts.

    Raises:
        MalformedMessage: a truncated message, a bad tag or an unknown wire type.
    """
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 4:
            raise MalformedMessage(f"proto: {message}: wiretype end group for non-group")
        if number <= 0 or number >= 1 << 31:
            raise MalformedMessage(f"proto: {message}: illegal tag {_signed32(number)} (wire type {wire})")
        value: Value
        if wire == _VARINT:
            value, pos = read_varint(buf, pos)
        elif wire in _WIDTH:
            value, pos = buf[pos : pos + _WIDTH[wire]], pos + _WIDTH[wire]
            if pos > end:
                raise MalformedMessage("unexpected EOF")
        elif wire == _BYTES:
            size, pos = read_varint(buf, pos)
            if size >= 1 << 63:
                raise MalformedMessage("proto: negative length found during unmarshaling")
            if pos + size > end:
                raise MalformedMessage("unexpected EOF")
            value, pos = buf[pos : pos + size], pos + size
        else:  # groups (3) were never used by Kubernetes; 6 and 7 do not exist
            raise MalformedMessage(f"proto: illegal wireType {wire}")
        yield number, wire, value


def scalar(kind: str, wire: int, value: Value, field: str) -> int | float | bool | bytes:
    """One scalar field value as Python, after checking its wire type.

    Strings and bytes come back as bytes; the caller decides how JSON shows them.
    """
    if wire != WIRE_TYPE[kind]:
        raise MalformedMessage(f"proto: wrong wireType = {wire} for field {field}")
    if isinstance(value, bytes):
        if kind in _FIXED_FORMAT:
            number: int | float = struct.unpack(_FIXED_FORMAT[kind], value)[0]
            return number
        return value
    return _from_varint(kind, value)


def repeated(kind: str, wire: int, value: Value, field: str) -> list[int | float | bool | bytes]:
    """The values one occurrence of a repeated field carries: one, or many when packed."""
    if wire != _BYTES or WIRE_TYPE[kind] == _BYTES:
        return [scalar(kind, wire, value, field)]
    assert isinstance(value, bytes)
    inner = WIRE_TYPE[kind]
    values: list[int | float | bool | bytes] = []
    pos = 0
    while pos < len(value):
        if inner == _VARINT:
            number, pos = read_varint(value, pos)
            values.append(_from_varint(kind, number))
        else:
            width = _WIDTH[inner]
            if pos + width > len(value):
                raise MalformedMessage("unexpected EOF")
            values.append(struct.unpack(_FIXED_FORMAT[kind], value[pos : pos + width])[0])
            pos += width
    return values


def _from_varint(kind: str, value: int) -> int | bool:
    if kind == "bool":
        return value != 0
    if kind in ("int32", "enum"):  # Go keeps the low 32 bits
        return _signed32(value & 0xFFFFFFFF)
    if kind == "int64":
        return value - (1 << 64) if value >= 1 << 63 else value
    if kind == "uint32":
        return value & 0xFFFFFFFF
    if kind == "sint32":
        value &= 0xFFFFFFFF
    if kind in ("sint32", "sint64"):
        return (value >> 1) ^ -(value & 1)
    return value


def _signed32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value

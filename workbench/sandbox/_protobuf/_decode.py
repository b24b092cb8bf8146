"""Protobuf message → the JSON a Go client would have sent for the same object.

The rules are Go's ``encoding/json`` applied to the struct the Go decoder would fill, so a body reads
the same whichever format kubectl chose:

* scalars: a pointer is sent whenever it is set (``replicas: 0``); a value field is dropped when zero
  if its tag says ``omitempty`` and sent, zero or not, otherwise (``value: 0`` of a PriorityClass);
* structs are always sent (``resources: {}``), pointers to structs when set; inlined structs
  (``VolumeSource``, ``ProbeHandler``) merge into their parent;
* empty lists and maps, nil byte slices and zero times, which Go writes as ``null`` or leaves out,
  are left out;
* the types with their own JSON form read as in JSON: Time, MicroTime, Duration, Quantity,
  IntOrString, RawExtension, FieldsV1, and the named string lists (ExtraValue, Verbs).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.errors import SandboxApiError

from ._schema import META, Field, Schema, message_for
from ._wire import WIRE_TYPE, MalformedMessage, Value, repeated, scalar, scan

MAGIC = b"k8s\x00"
_TIME = f"{META}.Time"
_MICRO_TIME = f"{META}.MicroTime"
_DURATION = f"{META}.Duration"
_FIELDS_V1 = f"{META}.FieldsV1"
_QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity"
_INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString"
_RAW_EXTENSION = "k8s.io.apimachinery.pkg.runtime.RawExtension"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_GO_ZERO_TIME = -62135596800  # time.Time{}.Unix(): January 1, year 1
_MAX_DEPTH = 100
_ZERO: dict[str, Any] = {"string": "", "bool": False, "double": 0.0, "float": 0.0}


class _Omit:
    """A value Go writes as ``null`` (a zero Time, an empty RawExtension): the key is left out."""


OMIT = _Omit()


def envelope(data: bytes) -> tuple[str, str, bytes]:
    """The ``runtime.Unknown`` wrapper after the magic: (apiVersion, kind, raw message)."""
    api_version = kind = ""
    raw = b""
    for number, wire, value in scan(data, "Unknown"):
        if number == 1:
            for inner, inner_wire, inner_value in scan(_bytes(wire, value, "TypeMeta"), "TypeMeta"):
                if inner in (1, 2):
                    text = _text(_bytes(inner_wire, inner_value, "APIVersion" if inner == 1 else "Kind"))
                    api_version, kind = (text, kind) if inner == 1 else (api_version, text)
        elif number == 2:
            raw = _bytes(wire, value, "Raw")
        elif number in (3, 4):
            _bytes(wire, value, "ContentEncoding" if number == 3 else "ContentType")
    return api_version, kind, raw


def message(schema: Schema, name: str, data: bytes, depth: int = 0) -> Any:
    """Decode `data` as message `name`; `OMIT` when Go would write ``null``."""
    if depth > _MAX_DEPTH:
        raise MalformedMessage("proto: exceeded maximum nesting depth")
    special = _special(schema, name, data, depth)
    if special is not None:
        return special
    fields = schema.numbers[name]
    short = name.rsplit(".", 1)[-1]
    singles: dict[int, Any] = {}
    parts: dict[int, list[bytes]] = {}
    lists: dict[int, list[Any]] = {}
    for number, wire, value in scan(data, short):
        f = fields.get(number)
        if f is None:
            continue  # unknown fields are skipped, as the Go decoder does
        if f.type in ("message", "map"):
            chunk = _bytes(wire, value, f.name)
            if f.repeated or f.type == "map":
                lists.setdefault(number, []).append(chunk)
            else:  # a message field sent twice is merged, which concatenation does
                parts.setdefault(number, []).append(chunk)
        elif f.repeated:
            lists.setdefault(number, []).extend(repeated(f.type, wire, value, f.name))
        else:
            singles[number] = scalar(f.type, wire, value, f.name)
    out: dict[str, Any] = {}
    for f in schema.messages[name]:
        if f.type == "map":
            entries = lists.get(f.number)
            if entries:
                out[f.name] = dict(_entry(schema, f.message, entry, depth + 1) for entry in entries)
        elif f.repeated:
            items = lists.get(f.number)
            if items:
                out[f.name] = [_element(schema, f, item, depth + 1) for item in items]
        elif f.type == "message":
            chunks = parts.get(f.number)
            if chunks is None and f.pointer:
                continue
            value = message(schema, f.message, b"".join(chunks or ()), depth + 1)
            if value is OMIT or (chunks is None and f.message in schema.lists):
                continue
            if f.inline:
                out.update(value)
            else:
                out[f.name] = value
        elif f.number in singles:
            raw = singles[f.number]
            if not (f.omitempty and not f.pointer and not raw):
                out[f.name] = _json_scalar(f.type, raw)
        elif not (f.pointer or f.omitempty or f.type == "bytes"):
            out[f.name] = _ZERO.get(f.type, 0)
    return out


def _element(schema: Schema, f: Field, item: Any, depth: int) -> Any:
    if f.type != "message":
        return _json_scalar(f.type, item)
    value = message(schema, f.message, item, depth)
    return None if value is OMIT else value


def _entry(schema: Schema, name: str, data: bytes, depth: int) -> tuple[str, Any]:
    """One map entry; unlike struct fields, a map value is always sent, zero or not."""
    key_field, value_field = schema.messages[name]
    key: Any = _raw_zero(key_field.type)
    value: Any = b"" if value_field.type == "message" else _raw_zero(value_field.type)
    for number, wire, raw in scan(data, name.rsplit(".", 1)[-1]):
        if number == 1:
            key = scalar(key_field.type, wire, raw, "key")
        elif number == 2 and value_field.type == "message":
            value = _bytes(wire, raw, "value")
        elif number == 2:
            value = scalar(value_field.type, wire, raw, "value")
    if value_field.type == "message":
        decoded = message(schema, value_field.message, value, depth)
        value = None if decoded is OMIT else decoded
    else:
        value = _json_scalar(value_field.type, value)
    text = _json_scalar(key_field.type, key)
    return (text if isinstance(text, str) else json.dumps(text)), value


def _raw_zero(kind: str) -> Any:
    """A scalar's zero as `scalar()` returns it (strings and bytes still undecoded)."""
    return b"" if kind in ("string", "bytes") else _ZERO.get(kind, 0)


def _special(schema: Schema, name: str, data: bytes, depth: int) -> Any:
    """The types whose Go JSON is not their struct; None for every other message."""
    if name in (_TIME, _MICRO_TIME):
        if not data:
            return OMIT  # how the Go encoder writes a zero time
        got = _scalars(data, name, {1: "int64", 2: "int32"})
        return _timestamp(got.get(1, 0), got.get(2, 0), micro=name == _MICRO_TIME)
    if name == _DURATION:
        return go_duration(_scalars(data, "Duration", {1: "int64"}).get(1, 0))
    if name == _QUANTITY:
        return _text(_scalars(data, "Quantity", {1: "string"}).get(1, b"")) or "0"
    if name == _INT_OR_STRING:
        got = _scalars(data, "IntOrString", {1: "int64", 2: "int32", 3: "string"})
        kind = got.get(1, 0)
        if kind not in (0, 1):
            raise MalformedMessage(f"impossible IntOrString.Type {kind}")
        return got.get(2, 0) if kind == 0 else _text(got.get(3, b""))
    if name in (_RAW_EXTENSION, _FIELDS_V1):
        raw = _scalars(data, name.rsplit(".", 1)[-1], {1: "bytes"}).get(1, b"")
        if not raw:
            return OMIT
        if raw.startswith(MAGIC):  # an embedded object encoded as protobuf itself
            return embedded(schema, raw, depth + 1)
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise MalformedMessage(f"invalid JSON in {name.rsplit('.', 1)[-1]}: {exc}") from None
    if name in schema.lists:  # a Go named slice: its JSON is the list of items
        return [
            _text(_bytes(wire, value, "Items"))
            for number, wire, value in scan(data, name.rsplit(".", 1)[-1])
            if number == 1
        ]
    return None


def embedded(schema: Schema, data: bytes, depth: int) -> dict[str, Any]:
    """A whole protobuf object (magic, envelope and message) nested in a RawExtension."""
    api_version, kind, raw = envelope(data[len(MAGIC) :])
    try:
        name = message_for(api_version, kind)
    except SandboxApiError as exc:
        raise MalformedMessage(exc.message) from None
    return {"kind": kind, "apiVersion": api_version, **message(schema, name, raw, depth)}


def _scalars(data: bytes, short: str, types: dict[int, str]) -> dict[int, Any]:
    got: dict[int, Any] = {}
    for number, wire, value in scan(data, short):
        if number in types:
            got[number] = scalar(types[number], wire, value, short)
    return got


def _timestamp(seconds: int, nanos: int, *, micro: bool) -> Any:
    seconds, nanos = divmod(seconds * 1_000_000_000 + nanos, 1_000_000_000)  # as time.Unix normalises
    if seconds == _GO_ZERO_TIME and nanos == 0:
        return OMIT
    try:
        moment = _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise MalformedMessage(f"Time.MarshalJSON: year outside of range [0,9999] ({seconds}s)") from None
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment:%H:%M:%S}"
    return f"{text}.{nanos // 1000:06d}Z" if micro else f"{text}Z"


def go_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String()``: ``0s``, ``1.5s``, ``1m0s``, ``2h0m0s``, ``300ms``, ``1µs``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    magnitude = abs(nanoseconds)
    if magnitude < 1_000_000_000:
        for unit, scale in (("ns", 1), ("µs", 1_000), ("ms", 1_000_000)):
            if magnitude < scale * 1000:
                return f"{sign}{_fraction(magnitude, scale)}{unit}"
    whole, rest = divmod(magnitude, 1_000_000_000)
    seconds = _fraction((whole % 60) * 1_000_000_000 + rest, 1_000_000_000)
    minutes, hours = (whole // 60) % 60, whole // 3600
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _fraction(value: int, scale: int) -> str:
    whole, rest = divmod(value, scale)
    if not rest:
        return str(whole)
    digits = str(rest).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"


def _json_scalar(kind: str, value: Any) -> Any:
    if kind == "string":
        return _text(value)
    if kind == "bytes":
        return base64.b64encode(value).decode()
    return value


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")  # as Go's JSON encoder treats invalid UTF-8


def _bytes(wire: int, value: Value, field: str) -> bytes:
    if wire != WIRE_TYPE["message"] or not isinstance(value, bytes):
        raise MalformedMessage(f"proto: wrong wireType = {wire} for field {field}")
    return value

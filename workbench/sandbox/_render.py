"""Response bodies: objects and lists in the requested version, and server-side Tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson

from workbench.sandbox import _convert, _tables
from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._store import Entry

TABLE_VERSION = "meta.k8s.io/v1"


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def table_api_version(accept: str) -> str:
    """meta.k8s.io/v1 unless the client only accepts v1beta1 Tables (old clients)."""
    versions = set()
    for media_range in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in media_range.split(";")[1:])
        if params.get("as") == "Table":
            versions.add(params.get("v", "v1"))
    return "meta.k8s.io/v1beta1" if versions == {"v1beta1"} else TABLE_VERSION


def convert_out(rtype: ResourceType, version: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The stored object as `version` of `rtype` (a different group for the events.k8s.io view)."""
    if _convert.needs_conversion(rtype.group, rtype.plural, version):
        return _convert.to_version(obj, group=rtype.group, resource=rtype.plural, version=version)
    if obj.get("apiVersion") != rtype.api_version(version):
        obj = dict(obj)
        obj["apiVersion"] = rtype.api_version(version)
    return obj


def convert_in(rtype: ResourceType, version: str, obj: dict[str, Any]) -> dict[str, Any]:
    # A body that is not an object passes through: the API refuses it with a 400, not a crash here.
    if isinstance(obj, dict) and _convert.needs_conversion(rtype.group, rtype.plural, version):
        return _convert.to_storage(obj, group=rtype.group, resource=rtype.plural, version=version)
    return obj


def item_bytes(rtype: ResourceType, version: str, entry: Entry) -> bytes:
    """An entry's JSON in `version`: the stored bytes themselves when no conversion is needed."""
    if not _convert.needs_conversion(rtype.group, rtype.plural, version) and version == rtype.stored_in:
        return entry.raw
    return orjson.dumps(convert_out(rtype, version, entry.decode()))


def list_chunks(
    rtype: ResourceType, version: str, entries: list[Entry], meta: dict[str, Any]
) -> Iterator[bytes]:
    """A ``<Kind>List`` as byte chunks (joined by the caller or streamed for large lists)."""
    head = {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version(version), "metadata": meta}
    yield orjson.dumps(head)[:-1] + b',"items":['
    for i, entry in enumerate(entries):
        yield (b"," if i else b"") + item_bytes(rtype, version, entry)
    yield b"]}"


def columns(rtype: ResourceType, custom: bool) -> list[dict[str, Any]]:
    if custom and rtype.printer_columns:
        return _tables.custom_column_definitions(list(rtype.printer_columns))
    return _tables.column_definitions(rtype.kind)


def row(
    rtype: ResourceType, version: str, obj: dict[str, Any], now: datetime, *, include: str, custom: bool
) -> dict[str, Any]:
    if custom and rtype.printer_columns:
        cells = _tables.custom_row_cells(list(rtype.printer_columns), obj, now)
    else:
        cells = _tables.row_cells(rtype.kind, obj, now)
    out: dict[str, Any] = {"cells": cells}
    if include == "Object":
        out["object"] = convert_out(rtype, version, obj)
    elif include != "None":
        out["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": TABLE_VERSION,
            "metadata": obj["metadata"],
        }
    return out


def table(
    rtype: ResourceType,
    version: str,
    objs: list[dict[str, Any]],
    now: datetime,
    *,
    include: str,
    custom: bool,
    meta: dict[str, Any],
    api_version: str = TABLE_VERSION,
    with_columns: bool = True,
) -> dict[str, Any]:
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": meta,
        "columnDefinitions": columns(rtype, custom) if with_columns else [],
        "rows": [row(rtype, version, o, now, include=include, custom=custom) for o in objs],
    }

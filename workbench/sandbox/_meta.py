"""Object metadata as a real API server writes it: uids, timestamps, generation and managedFields."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._clock import rfc3339

# Fields the server owns: a client's values for them are ignored or checked, never stored as given.
_SERVER_OWNED = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
)


def new_uid() -> str:
    return str(uuid.uuid4())


def fields_v1(obj: Mapping[str, Any], depth: int = 4) -> dict[str, Any]:
    """A FieldsV1 set (``{"f:spec": {"f:replicas": {}}}``) of the fields present in `obj`.

    Lists of maps are keyed by their ``name`` (``k:{"name":"api"}``) as the server does for merge
    keys; other lists are atomic (``{}``). Depth-limited: realistic in size, cheap to build.
    """
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind", "status"):
            continue
        if isinstance(value, Mapping) and depth > 0:
            out[f"f:{key}"] = fields_v1(value, depth - 1)
        elif (
            isinstance(value, list)
            and depth > 0
            and value
            and all(isinstance(v, Mapping) and "name" in v for v in value)
        ):
            out[f"f:{key}"] = {
                f'k:{{"name":"{v["name"]}"}}': {".": {}, **fields_v1(v, depth - 2)} for v in value
            }
        else:
            out[f"f:{key}"] = {}
    return out


def managed_entry(
    obj: Mapping[str, Any], *, manager: str, operation: str, now: datetime, subresource: str = ""
) -> dict[str, Any]:
    body = {k: v for k, v in obj.items() if k != "metadata"}
    meta = obj.get("metadata") or {}
    meta_fields = {
        k: meta[k] for k in ("labels", "annotations", "finalizers", "ownerReferences") if k in meta
    }
    if meta_fields:
        body["metadata"] = meta_fields
    if subresource == "status":
        body = {"status": obj.get("status", {})}
    entry: dict[str, Any] = {
        "manager": manager,
        "operation": operation,
        "apiVersion": obj.get("apiVersion", ""),
        "time": rfc3339(now),
        "fieldsType": "FieldsV1",
        "fieldsV1": fields_v1(body)
        if subresource != "status"
        else {"f:status": fields_v1(body["status"], 3)},
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def record_manager(obj: dict[str, Any], entry: dict[str, Any]) -> None:
    """Replace the managedFields entry of the same manager/operation/subresource, or append one."""
    meta = obj["metadata"]
    entries = [
        e
        for e in meta.get("managedFields") or []
        if (e.get("manager"), e.get("operation"), e.get("subresource", ""))
        != (entry["manager"], entry["operation"], entry.get("subresource", ""))
    ]
    entries.append(entry)
    meta["managedFields"] = entries


def strip_server_fields(meta: dict[str, Any], keep_rv: bool = False) -> None:
    """Drop what a client may not set on create."""
    for key in _SERVER_OWNED:
        if keep_rv and key == "resourceVersion":
            continue
        meta.pop(key, None)


def manager_from_agent(user_agent: str) -> str:
    """The default field manager name: the user agent's program name (``kubectl``, ``OpenAPI-Generator``)."""
    return (user_agent.split("/", 1)[0] or "unknown").strip()

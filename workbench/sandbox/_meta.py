"""Object metadata as a real API server writes it: uids, timestamps, generation and managedFields."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._clock import rfc3339
from workbench.sandbox._fieldsv1 import fields_v1

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


def managed_entry(
    obj: Mapping[str, Any], *, manager: str, operation: str, now: datetime, subresource: str = ""
) -> dict[str, Any]:
    if subresource == "status":
        fields = {"f:status": fields_v1(obj.get("status") or {}, depth=1)}
    else:
        skip = ("apiVersion", "kind", "metadata", "status")
        body = {k: v for k, v in obj.items() if k not in skip}
        meta = obj.get("metadata") or {}
        owned = {
            k: meta[k] for k in ("labels", "annotations", "finalizers", "ownerReferences") if meta.get(k)
        }
        if owned:
            body["metadata"] = owned
        fields = fields_v1(body)
    entry: dict[str, Any] = {
        "manager": manager,
        "operation": operation,
        "apiVersion": obj.get("apiVersion", ""),
        "time": rfc3339(now),
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
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

"""FieldsV1: the trie of fields a field manager owns, as `metadata.managedFields` records it.

``f:<field>`` for fields, ``k:{<merge keys>}`` for list items merged by key, ``v:<value>`` for set
members. Used for every write the sandbox records and for scenario objects written without them.
"""

from __future__ import annotations

import json
from typing import Any

# List fields the apiserver merges by key (strategic merge patch keys), and which keys.
_MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "imagePullSecrets": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "conditions": ("type",),
    "ownerReferences": ("uid",),
    "podIPs": ("ip",),
    "hostIPs": ("ip",),
    "hostAliases": ("ip",),
    "addresses": ("type",),
}
_SET_LISTS = frozenset({"finalizers"})
# Struct fields that are values, not pointers, in the Go types: they are never owned themselves,
# so their FieldsV1 node has no "." entry.
_VALUE_STRUCTS = frozenset({"metadata", "spec", "template", "strategy", "status", "updateStrategy"})


def _item_key(field: str, item: dict[str, Any]) -> str | None:
    if field == "ports":
        port = "containerPort" if "containerPort" in item else "port"
        if port not in item:
            return None
        keys: tuple[str, ...] = (port, "protocol")
        item = {port: item[port], "protocol": item.get("protocol", "TCP")}
    else:
        keys = _MERGE_KEYS.get(field, ())
    if not keys or any(k not in item for k in keys):
        return None
    return "k:" + json.dumps({k: item[k] for k in keys}, separators=(",", ":"))


def fields_v1(value: dict[str, Any], *, depth: int = 0, owned: bool = True) -> dict[str, Any]:
    """The FieldsV1 trie owning every field set in `value` (`owned`: the node itself is owned too)."""
    trie: dict[str, Any] = {".": {}} if owned and depth > 1 and value else {}
    for field, child in value.items():
        trie[f"f:{field}"] = field_trie(field, child, depth + 1)
    return trie


def field_trie(field: str, child: Any, depth: int) -> dict[str, Any]:
    if isinstance(child, dict):
        return fields_v1(child, depth=depth, owned=field not in _VALUE_STRUCTS) if child else {}
    if isinstance(child, list) and child:
        if field in _SET_LISTS and all(isinstance(v, str) for v in child):
            return {f"v:{json.dumps(v)}": {} for v in child}
        if all(isinstance(v, dict) for v in child):
            entries = {}
            for item in child:
                key = _item_key(field, item)
                if key is None:
                    return {}  # an atomic list: owned as a whole
                entries[key] = fields_v1(item, depth=2)
            return entries
    return {}

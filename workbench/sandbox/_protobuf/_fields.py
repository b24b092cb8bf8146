"""Unknown fields: the JSON keys a strict decode into the built-in Go types would not accept.

kube-apiserver decodes a body into the kind's Go struct; keys no struct field claims are unknown
(``fieldValidation=Strict`` refuses them, ``Warn`` reports them) and are dropped either way, because
the struct has nowhere to keep them. The struct fields and their JSON names come from the message
table (``schema.json``) with Go's rules for the JSON shapes that are not plain structs:

* inlined structs (``VolumeSource`` in ``Volume``, ``ProbeHandler`` in ``Probe``) lend their keys to
  the parent;
* maps (labels, annotations, data, resource lists) take any key; struct-valued entries are checked;
* the types with their own JSON form (Time, MicroTime, Duration, Quantity, IntOrString,
  RawExtension, FieldsV1) and the named string lists are opaque: nothing inside them is unknown;
* ``apiVersion`` and ``kind`` belong to kinds (the object itself, list items, a StatefulSet's
  ``volumeClaimTemplates``), which embed ``TypeMeta``.

Keys match case-sensitively, as kube-apiserver's JSON decoder does. Paths read like the decoder's:
``spec.template.spec.containers[0].imagePullPolcy``. Kinds the table does not hold (custom
resources, CustomResourceDefinitions, aggregated APIs) have no unknown fields here.

Example:
    >>> unknown_fields("apps/v1", "Deployment", {"spec": {"replica": 2, "replicas": 2}})
    ['spec.replica']
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from workbench.errors import SandboxApiError

from ._schema import META, Field, load, message_for

__all__ = ["UnknownField", "drop_unknown_fields", "find_unknown_fields", "unknown_fields"]

# Types whose Go JSON is their own (UnmarshalJSON), not their struct's fields.
OPAQUE = frozenset(
    {
        f"{META}.Time",
        f"{META}.MicroTime",
        f"{META}.Duration",
        f"{META}.FieldsV1",
        "k8s.io.apimachinery.pkg.api.resource.Quantity",
        "k8s.io.apimachinery.pkg.util.intstr.IntOrString",
        "k8s.io.apimachinery.pkg.runtime.RawExtension",
    }
)
_TYPE_META = ("apiVersion", "kind")


@dataclass(frozen=True, slots=True)
class UnknownField:
    """One unknown key: its path, and the JSON object that holds it (to drop it from)."""

    path: str
    parent: dict[str, Any]
    key: str


def unknown_fields(api_version: str, kind: str, obj: dict[str, Any]) -> list[str]:
    """The paths of the keys in `obj` that the kind's Go type has no field for, in document order.

    Args:
        api_version: the object's API version (``apps/v1``).
        kind: its kind (``Deployment``).
        obj: the object as decoded JSON; not modified.

    Returns:
        Paths such as ``spec.replica`` or ``spec.template.spec.containers[0].imagePullPolcy``;
        empty for a kind the schema does not describe (custom resources among them).
    """
    return [u.path for u in find_unknown_fields(api_version, kind, obj)]


def drop_unknown_fields(api_version: str, kind: str, obj: dict[str, Any]) -> list[str]:
    """Remove from `obj`, in place, the keys its Go type has no field for, as decoding drops them.

    Returns:
        The paths removed, as `unknown_fields` gives them.
    """
    found = find_unknown_fields(api_version, kind, obj)
    for u in found:
        u.parent.pop(u.key, None)
    return [u.path for u in found]


def find_unknown_fields(api_version: str, kind: str, obj: dict[str, Any]) -> list[UnknownField]:
    """Every unknown key of `obj` with the object holding it (see `unknown_fields`)."""
    try:
        name = message_for(api_version, kind)
    except SandboxApiError:  # not a built-in kind: nothing to check against
        return []
    found: list[UnknownField] = []
    _walk(name, obj, "", found, top=True)
    return found


def _walk(name: str, obj: dict[str, Any], path: str, found: list[UnknownField], *, top: bool = False) -> None:
    schema = load()
    if name in OPAQUE or name in schema.lists:
        return
    fields = json_fields(name)
    type_meta = top or is_kind(name)
    for key, value in obj.items():
        f = fields.get(key)
        at = f"{path}.{key}" if path else key
        if f is None:
            if not (type_meta and key in _TYPE_META):
                found.append(UnknownField(at, obj, key))
        elif f.type == "map":
            value_field = schema.messages[f.message][1]
            if value_field.type == "message" and isinstance(value, dict):
                for entry_key, entry in value.items():
                    if isinstance(entry, dict):
                        _walk(value_field.message, entry, f"{at}.{entry_key}", found)
        elif f.type == "message" and f.repeated:
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        _walk(f.message, item, f"{at}[{i}]", found)
        elif f.type == "message" and isinstance(value, dict):
            _walk(f.message, value, at, found)


@functools.cache
def json_fields(name: str) -> dict[str, Field]:
    """A message's JSON keys, with the keys of its inlined structs (the outer field wins a clash)."""
    own: dict[str, Field] = {}
    inlined: dict[str, Field] = {}
    for f in load().messages[name]:
        if f.inline and f.type == "message":
            inlined.update(json_fields(f.message))
        elif f.name:
            own[f.name] = f
    return {**inlined, **own}


@functools.cache
def is_kind(name: str) -> bool:
    """Whether a message is a top-level kind (it embeds TypeMeta): the kinds that have a list kind."""
    return f"{name}List" in load().messages

"""Before/after of an object: a YAML diff, the changed fields, and the merge patch that undoes it."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from workbench.model import FieldChange

# Bookkeeping the server rewrites on every write; a person reviewing a change does not want it.
_NOISE_META = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp")
RESTORED_SECTIONS = ("spec", "data", "binaryData")
"""What a rollback restores: desired state, never status or the server's metadata."""


def readable(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object without status and server bookkeeping, for a diff."""
    out = copy.deepcopy(dict(obj))
    out.pop("status", None)
    meta = out.get("metadata") or {}
    for key in _NOISE_META:
        meta.pop(key, None)
    return out


def yaml_diff(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    label: str,
    headers: tuple[str, str] | None = None,
) -> str:
    """A unified diff of the two objects' YAML (``""`` when they are the same).

    ``headers`` replace the file lines' ``<label> (now)`` and ``<label> (after)``.
    """
    a = yaml.safe_dump(readable(before), sort_keys=False, default_flow_style=False).splitlines(keepends=True)
    b = yaml.safe_dump(readable(after), sort_keys=False, default_flow_style=False).splitlines(keepends=True)
    old, new = headers or (f"{label} (now)", f"{label} (after)")
    return "".join(difflib.unified_diff(a, b, old, new, n=3))


def yaml_created(obj: Mapping[str, Any], *, label: str) -> str:
    """A unified diff that adds the object's whole YAML to nothing (an object a step creates)."""
    b = yaml.safe_dump(readable(obj), sort_keys=False, default_flow_style=False).splitlines(keepends=True)
    return "".join(difflib.unified_diff([], b, f"{label} (does not exist)", f"{label} (created)", n=3))


def changes(before: Any, after: Any, path: str = "") -> Iterator[FieldChange]:
    """Each leaf that differs, with lists of named items (containers, env) keyed by name."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            if path == "" and key == "status":
                continue
            if path == "metadata" and key in _NOISE_META:
                continue
            sub = f"{path}.{key}" if path else str(key)
            yield from changes(before.get(key), after.get(key), sub)
    elif _named_list(before) and _named_list(after):
        old = {item["name"]: item for item in before}
        new = {item["name"]: item for item in after}
        for name in dict.fromkeys([*old, *new]):
            yield from changes(old.get(name), new.get(name), f"{path}[{name}]")
    elif before != after:
        yield FieldChange(path, before, after)


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "name" in i for i in value)


def merge_patch(current: Any, target: Any) -> Any:
    """The JSON merge patch (RFC 7386) that turns ``current`` into ``target`` (``None``: no change).

    Lists are replaced whole, as merge patches do; a key absent from ``target`` becomes ``null``.
    """
    if not isinstance(current, dict) or not isinstance(target, dict):
        return None if current == target else copy.deepcopy(target)
    patch: dict[str, Any] = {}
    for key in dict.fromkeys([*current, *target]):
        if key not in target:
            patch[key] = None
        elif key not in current:
            patch[key] = copy.deepcopy(target[key])
        else:
            sub = merge_patch(current[key], target[key])
            if sub is not None and sub != {}:
                patch[key] = sub
            elif sub is None and current[key] != target[key]:
                patch[key] = None  # target value is JSON null
    return patch


def restore_patch(after: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """The merge patch that puts the desired-state sections of ``after`` back to ``before``.

    Labels and annotations are restored too; status and server bookkeeping never are.
    """
    patch: dict[str, Any] = {}
    for section in RESTORED_SECTIONS:
        sub = merge_patch(after.get(section), before.get(section))
        if sub not in (None, {}):
            patch[section] = sub
        elif section in after and section not in before:
            patch[section] = None
    meta: dict[str, Any] = {}
    for key in ("labels", "annotations"):
        a, b = (after.get("metadata") or {}).get(key), (before.get("metadata") or {}).get(key)
        sub = merge_patch(a or {}, b or {})
        if sub:
            meta[key] = sub
    if meta:
        patch["metadata"] = meta
    return patch


def template_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether the pod template differs, i.e. the workload's pods will be replaced."""
    a, b = before.get("spec") or {}, after.get("spec") or {}
    return bool(a.get("template") != b.get("template"))


# The list fields whose items Kubernetes' strategic merge patch merges by a key (the rest are replaced
# whole); enough for what plans change: containers, their env, mounts and ports, and pod volumes.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
}


def strategic_patch(current: Any, target: Any, field: str = "") -> Any:
    """The strategic merge patch that turns ``current`` into ``target`` (``None``: no change).

    Like `merge_patch`, but lists of items with a merge key (`MERGE_KEYS`) list only the items that
    change — each by its key, with ``"$patch": "delete"`` for one that goes — so a rollback of one
    container's image names that container and that field, not the whole pod template.
    """
    key = MERGE_KEYS.get(field)
    if key and _keyed(current, key) and _keyed(target, key):
        old = {item[key]: item for item in current}
        new = {item[key]: item for item in target}
        if [k for k in old if k in new] != [k for k in new if k in old]:
            # Reordered: only a whole list says so, and a keyed list is replaced only on request.
            return [*copy.deepcopy(target), {"$patch": "replace"}]
        items = []
        for name in dict.fromkeys([*old, *new]):
            if name not in new:
                items.append({key: name, "$patch": "delete"})
            elif name not in old:
                items.append(copy.deepcopy(new[name]))
            elif (sub := strategic_patch(old[name], new[name])) not in (None, {}):
                items.append({key: name, **sub})
        return items or None
    if not isinstance(current, dict) or not isinstance(target, dict):
        return None if current == target else copy.deepcopy(target)
    patch: dict[str, Any] = {}
    for name in dict.fromkeys([*current, *target]):
        if name not in target:
            patch[name] = None
        elif name not in current:
            patch[name] = copy.deepcopy(target[name])
        else:
            sub = strategic_patch(current[name], target[name], name)
            if sub is not None and sub != {}:
                patch[name] = sub
            elif sub is None and current[name] != target[name]:
                patch[name] = None  # target value is JSON null
    return patch


def _keyed(value: Any, key: str) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and key in i for i in value)


def restore_strategic(after: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any]:
    """`restore_patch` as a strategic merge patch (for the kinds the server merges strategically)."""
    patch = restore_patch(after, before)
    if "spec" in patch and isinstance(after.get("spec"), dict) and isinstance(before.get("spec"), dict):
        patch["spec"] = strategic_patch(after["spec"], before["spec"])
    return patch

"""Scenarios built on other scenarios: ``base:`` chains and the ``patches:`` that change base objects.

A scenario names its base in ``scenario.yaml`` (``base: healthy``, or a directory relative to its
own) and holds only what it adds; the base's manifests, logs and images load first. ``patches``
change objects of the base the way a user's ``kubectl patch --type merge`` would have, before the
control plane starts::

    base: healthy
    patches:
    - target: {kind: Deployment, namespace: kube-system, name: coredns}
      merge: {metadata: {generation: 3}, spec: {replicas: 0}}

A patch is an RFC 7386 JSON merge patch: mappings merge, ``null`` removes a field, anything else
(lists included) replaces. A patch whose target is not among the loaded objects is an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios._document import Document, describe

_TARGET_FIELDS = frozenset({"kind", "name", "namespace"})


def base_chain(
    directory: Path, base_of: Callable[[Path], str | None], resolve: Callable[[str, Path], Path]
) -> list[Path]:
    """The scenario directories to load, the deepest base first and `directory` last.

    Args:
        directory: the scenario asked for.
        base_of: a directory's ``base`` (None when it has none).
        resolve: turns a ``base`` value into a directory (relative paths against the naming scenario).

    Raises:
        ScenarioError: a base that cannot be found, or a cycle of bases.
    """
    chain = [directory]
    while (base := base_of(chain[0])) is not None:
        found = resolve(base, chain[0])
        if any(found.resolve() == seen.resolve() for seen in chain):
            names = " → ".join(p.name for p in [found, *chain])
            raise ScenarioError(
                f"base scenarios form a cycle: {names}", source=str(directory / "scenario.yaml")
            )
        chain.insert(0, found)
    return chain


def check_patches(value: Any, *, source: str) -> tuple[dict[str, Any], ...]:
    """Validate a ``patches`` list from ``scenario.yaml``.

    Raises:
        ScenarioError: not a list of ``{target: {kind, name[, namespace]}, merge: {...}}`` mappings.
    """
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ScenarioError("patches must be a list of {target, merge} mappings", source=source)
    out = []
    for index, patch in enumerate(value, start=1):
        where = f"patches[{index}]"
        if not isinstance(patch, dict) or set(patch) != {"target", "merge"}:
            raise ScenarioError(f"{where}: expected exactly the keys target and merge", source=source)
        target, merge = patch["target"], patch["merge"]
        if (
            not isinstance(target, dict)
            or not {"kind", "name"} <= set(target) <= _TARGET_FIELDS
            or not all(isinstance(v, str) and v for v in target.values())
        ):
            raise ScenarioError(
                f"{where}.target: expected kind and name (and namespace for a namespaced object)",
                source=source,
            )
        if not isinstance(merge, dict):
            raise ScenarioError(f"{where}.merge: expected a mapping (a JSON merge patch)", source=source)
        out.append(patch)
    return tuple(out)


def apply_patches(
    documents: Sequence[Document], patches: Sequence[Mapping[str, Any]], *, source: str
) -> None:
    """Merge each patch into the one document it targets (in place).

    Raises:
        ScenarioError: a patch whose target is not among `documents`.
    """
    for index, patch in enumerate(patches, start=1):
        target = patch["target"]
        doc = next((d for d in documents if _matches(d.obj, target)), None)
        if doc is None:
            ns = f"{target['namespace']}/" if target.get("namespace") else ""
            raise ScenarioError(
                f"patches[{index}]: no {target['kind']} {ns}{target['name']} in this scenario or its bases",
                source=source,
            )
        patched = merge_patch(doc.obj, patch["merge"])
        if not isinstance(patched, dict) or patched.get("kind") != doc.obj["kind"]:
            raise ScenarioError(
                f"patches[{index}]: the patch must not change the kind of {describe(doc.obj)}", source=source
            )
        doc.obj = patched


def _matches(obj: Mapping[str, Any], target: Mapping[str, str]) -> bool:
    meta = obj.get("metadata") or {}
    return (
        obj.get("kind") == target["kind"]
        and meta.get("name") == target["name"]
        and (meta.get("namespace") or "") == target.get("namespace", "")
    )


def merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386: apply the JSON merge patch `patch` to `original` (neither is modified)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result

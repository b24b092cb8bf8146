"""Blanking Secrets' values before a list page leaves the sources package.

The API has no way to list Secrets without their data, so the values arrive; this is where they
stop. Every value under ``data`` and ``stringData`` becomes ``""`` (the keys stay: frames show which
keys a Secret holds, and analyzers check that a referenced key exists), and the two places that copy
the values are dropped: the ``kubectl.kubernetes.io/last-applied-configuration`` annotation (a JSON
copy of the whole manifest) and ``managedFields``.
"""

from __future__ import annotations

from typing import Any

import orjson

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_VALUE_FIELDS = ("data", "stringData")


def blank_secret(obj: dict[str, Any]) -> None:
    """Blank one Secret in place: values emptied, value-bearing metadata dropped."""
    for name in _VALUE_FIELDS:
        values = obj.get(name)
        if isinstance(values, dict):
            obj[name] = dict.fromkeys(values, "")
        elif values is not None:
            # Not a map of key -> value (malformed): keep nothing rather than guess where values hide.
            obj[name] = {}
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)


def blank_list(doc: dict[str, Any], *, all_secrets: bool) -> bool:
    """Blank the Secrets in a parsed List document in place; True if any item was changed.

    Args:
        doc: a List (``SecretList``, ``List``...) as parsed JSON.
        all_secrets: treat every item as a Secret (lists of the ``secrets`` resource, whose items a
            real API server sends without ``kind``).
    """
    items = doc.get("items")
    if not isinstance(items, list):
        return False
    every = all_secrets or doc.get("kind") == "SecretList"
    changed = False
    for item in items:
        if isinstance(item, dict) and (every or item.get("kind") == "Secret"):
            blank_secret(item)
            changed = True
    return changed


def blank_page(page: bytes, *, all_secrets: bool) -> bytes:
    """A list page with every Secret in it blanked (the page itself when it holds none).

    Args:
        page: a JSON List document.
        all_secrets: the page is a list of the ``secrets`` resource.
    """
    # Cheap test first: most pages (pods, events...) never mention a Secret kind and are not re-encoded.
    if not all_secrets and b'"Secret' not in page:
        return page
    doc = orjson.loads(page)
    if not isinstance(doc, dict) or not blank_list(doc, all_secrets=all_secrets):
        return page
    return orjson.dumps(doc)

"""JSON merge patch (RFC 7386), the ``application/merge-patch+json`` PATCH body.

kubectl sends it for ``scale``, ``label``, ``annotate`` and ``patch --type merge``.
"""

from __future__ import annotations

from typing import Any

from workbench.sandbox._patch._common import bad_request, json_copy, not_an_object


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON merge patch (``application/merge-patch+json``).

    Objects merge recursively, ``null`` deletes a key, and every other value (lists included)
    replaces what was there. Like kube-apiserver's Go library, nulls nested in newly added objects
    (also objects inside a list) are dropped rather than stored.

    Args:
        target: the current object; a non-object target is treated as ``{}``.
        patch: the decoded request body; it must be a JSON object.

    Returns:
        A new value; neither argument is mutated.

    Raises:
        SandboxApiError: 400 ``BadRequest`` when `patch` is not a JSON object.

    Example:
        >>> merge_patch({"spec": {"replicas": 1, "paused": True}}, {"spec": {"replicas": 3, "paused": None}})
        {'spec': {'replicas': 3}}
    """
    if patch is None:
        # Go's merge-patch code answers a literal `null` body with this error.
        raise bad_request("Invalid JSON Patch")
    if not isinstance(patch, dict):
        raise not_an_object(patch)
    return _merge_into(json_copy(target), patch)


def _merge_into(target: Any, patch: Any) -> Any:
    """Merge `patch` into `target`, which the caller owns and which may be reused in the result."""
    if not isinstance(patch, dict):
        return _pruned(patch)
    result: dict[str, Any] = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_into(result.get(key), value)
    return result


def _pruned(value: Any) -> Any:
    """A copy of a patch value with nulls removed from the objects inside it."""
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value

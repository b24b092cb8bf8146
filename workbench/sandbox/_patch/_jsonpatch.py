"""JSON patch (RFC 6902), the ``application/json-patch+json`` PATCH body.

kubectl sends it for ``rollout undo`` and ``patch --type json``; the Python client sends it when
the body is a list. Errors follow kube-apiserver: a malformed body is a 400 ``BadRequest``, and a
well-formed patch that does not apply is a 422 ``Invalid`` whose message is the fixed sentence the
apiserver uses (it does not pass the library's reason on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._gojson import go_type_name
from workbench.sandbox._patch._common import (
    REJECTED,
    bad_request,
    invalid,
    json_copy,
    json_equal,
)

# kube-apiserver refuses longer patches (handlers/patch.go, maxJSONPatchOperations).
MAX_OPERATIONS = 10000

_OPS_WITH_FROM = frozenset({"move", "copy"})
_OPS_WITH_VALUE = frozenset({"add", "replace", "test"})
_OPS = _OPS_WITH_FROM | _OPS_WITH_VALUE | {"remove"}
# Go's library reports a bad `path` of these operations without the underlying cause.
_TERSE_PATH_ERRORS = frozenset({"add", "remove", "copy"})
_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")


@dataclass(frozen=True, slots=True)
class _Operation:
    op: str
    path: tuple[str, ...]
    source: tuple[str, ...]  # the decoded `from` pointer of move and copy
    value: Any


def json_patch(doc: Any, operations: Any) -> Any:
    """Apply an RFC 6902 JSON patch (``application/json-patch+json``).

    Supports ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test``, JSON pointers with
    ``~0``/``~1`` escapes, and ``-`` to append to a list. One deliberate difference from the RFC,
    kept for fidelity with kube-apiserver (which uses evanphx/json-patch v4): ``replace`` of a
    missing key in an existing object adds it, so ``kubectl rollout undo`` works on a Deployment
    that has no annotations yet.

    Args:
        doc: the current object.
        operations: the decoded request body, a list of operation objects.

    Returns:
        A new document; neither argument is mutated.

    Raises:
        SandboxApiError: 400 ``BadRequest`` for a malformed body (not a list, an operation that is
            not an object, an unknown ``op``, a missing or malformed ``path``/``from``, a missing
            ``value``); 413 for more than 10000 operations; 422 ``Invalid`` when a path does not
            exist, an index is out of range, or a ``test`` fails.

    Example:
        >>> json_patch({"metadata": {"labels": {"a": "1"}}},
        ...            [{"op": "replace", "path": "/metadata/labels/a", "value": "2"}])
        {'metadata': {'labels': {'a': '2'}}}
    """
    if operations is None:
        # Go decodes a `null` body as an empty patch.
        return json_copy(doc)
    if not isinstance(operations, list):
        raise bad_request(
            f"json: cannot unmarshal {go_type_name(operations)} into Go value of type jsonpatch.Patch"
        )
    if len(operations) > MAX_OPERATIONS:
        raise SandboxApiError(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_OPERATIONS}, got {len(operations)}",
        )
    # Check every operation before applying any, so a malformed body is always a 400.
    parsed = [_parse(operation) for operation in operations]
    result = json_copy(doc)
    for operation in parsed:
        result = _apply(result, operation)
    return result


def _parse(operation: Any) -> _Operation:
    if not isinstance(operation, dict):
        raise bad_request(
            f"json: cannot unmarshal {go_type_name(operation)} into Go value of type jsonpatch.Operation"
        )
    op = operation.get("op")
    if op not in _OPS:
        # Go's library names a missing or non-string op "unknown".
        raise bad_request(f"Unexpected kind: {op if isinstance(op, str) else 'unknown'}")
    path = _pointer(operation, "path", op)
    source = _pointer(operation, "from", op) if op in _OPS_WITH_FROM else ()
    if op in _OPS_WITH_VALUE and "value" not in operation:
        raise bad_request(
            f"{op} operation failed to decode value: operation, missing value field: missing value"
        )
    return _Operation(op, path, source, operation.get("value"))


def _pointer(operation: dict[str, Any], field: str, op: str) -> tuple[str, ...]:
    """The reference tokens of the RFC 6901 pointer in `operation[field]`."""
    failed = f"{op} operation failed to decode {field}"
    pointer = operation.get(field)
    if field == "path" and op in _TERSE_PATH_ERRORS and not isinstance(pointer, str):
        raise bad_request(f"{failed}: missing value")
    if pointer is None:
        missing = "operation missing path field" if field == "path" else "operation, missing from field"
        raise bad_request(f"{failed}: {missing}: missing value")
    if not isinstance(pointer, str):
        raise bad_request(
            f"{failed}: json: cannot unmarshal {go_type_name(pointer)} into Go value of type string"
        )
    if pointer == "":
        return ()
    problem = f'{op} operation has an invalid {field} "{pointer}"'
    if not pointer.startswith("/"):
        raise bad_request(f'{problem}: a JSON pointer must start with "/"')
    if _BAD_ESCAPE.search(pointer):
        raise bad_request(f'{problem}: "~" must be followed by "0" or "1"')
    return tuple(segment.replace("~1", "/").replace("~0", "~") for segment in pointer[1:].split("/"))


def _apply(doc: Any, operation: _Operation) -> Any:
    op, path = operation.op, operation.path
    if op == "add":
        return _add(doc, path, json_copy(operation.value))
    if op == "remove":
        _remove(doc, path)
        return doc
    if op == "replace":
        if not path:
            return json_copy(operation.value)
        parent, segment = _parent(doc, path)
        if isinstance(parent, list):
            parent[_index(parent, segment)] = json_copy(operation.value)
        else:
            # evanphx/json-patch v4 (used by kube-apiserver) adds a missing object key here.
            parent[segment] = json_copy(operation.value)
        return doc
    if op == "test":
        if not json_equal(_get(doc, path, missing_is_null=True), operation.value):
            raise invalid(REJECTED)
        return doc
    value = _get(doc, operation.source)
    if op == "move":
        if path == operation.source:
            return doc
        if path[: len(operation.source)] == operation.source:
            raise invalid(REJECTED)  # a value cannot be moved into one of its own children
        _remove(doc, operation.source)
        return _add(doc, path, value)
    return _add(doc, path, json_copy(value))  # copy


def _parent(doc: Any, path: tuple[str, ...]) -> tuple[Any, str]:
    """The container holding the last segment of `path`, and that segment."""
    node = doc
    for segment in path[:-1]:
        node = _child(node, segment)
    if not isinstance(node, dict | list):
        raise invalid(REJECTED)
    return node, path[-1]


def _child(node: Any, segment: str) -> Any:
    if isinstance(node, dict):
        if segment not in node:
            raise invalid(REJECTED)
        return node[segment]
    if isinstance(node, list):
        return node[_index(node, segment)]
    raise invalid(REJECTED)


def _get(doc: Any, path: tuple[str, ...], *, missing_is_null: bool = False) -> Any:
    if not path:
        return doc
    parent, segment = _parent(doc, path)
    if isinstance(parent, list):
        return parent[_index(parent, segment)]
    if segment not in parent and not missing_is_null:
        raise invalid(REJECTED)
    # Go's library reads a missing key as null, so a `test` for null there passes.
    return parent.get(segment)


def _add(doc: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    parent, segment = _parent(doc, path)
    if isinstance(parent, dict):
        parent[segment] = value
    elif segment == "-":
        parent.append(value)
    else:
        parent.insert(_index(parent, segment, allow_end=True), value)
    return doc


def _remove(doc: Any, path: tuple[str, ...]) -> None:
    if not path:
        raise invalid(REJECTED)
    parent, segment = _parent(doc, path)
    if isinstance(parent, dict):
        if segment not in parent:
            raise invalid(REJECTED)
        del parent[segment]
    else:
        del parent[_index(parent, segment)]


def _index(array: list[Any], segment: str, *, allow_end: bool = False) -> int:
    """The list index named by `segment`; `allow_end` admits ``len(array)`` (an insert at the end)."""
    if not _INDEX.fullmatch(segment):
        raise invalid(REJECTED)
    index = int(segment)
    if index > len(array) or (index == len(array) and not allow_end):
        raise invalid(REJECTED)
    return index

"""Strategic merge patch, the ``application/strategic-merge-patch+json`` PATCH body.

kubectl sends it for ``patch`` (the default type), ``set image``, ``rollout restart``, ``cordon``,
``edit`` and client-side ``apply``; the Python client sends it for every dict body. This follows
k8s.io/apimachinery's strategicpatch as the API server runs it (``MergeParallelList`` and
``IgnoreUnmatchedNulls`` on), including how it orders merged list elements. Where upstream would
store a directive or a null verbatim (a brand-new map or list element taken from the patch as is),
this engine merges the value into an empty one instead, so directive keys and nulls never reach
the stored object; the typed decoding upstream does after patching drops them too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.sandbox._patch._common import (
    REJECTED,
    JsonKey,
    bad_request,
    go_format,
    go_reflect_type,
    invalid,
    json_copy,
    json_equal,
    json_key,
    not_an_object,
)
from workbench.sandbox._patch._schema import Field, field, fields_of, root

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder"
_DELETE_FROM = "$deleteFromPrimitiveList"
# mergepatch's error texts, which kube-apiserver returns as 400s.
_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_SET_ORDER = "invalid patch format of setElementOrder list"
_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"

Fields = Mapping[str, Field] | None
KeyFn = Callable[[Any], JsonKey]


def strategic_merge_patch(doc: dict[str, Any], patch: dict[str, Any], *, kind: str) -> dict[str, Any]:
    """Apply a Kubernetes strategic merge patch to an object of built-in kind `kind`.

    Maps merge recursively and ``null`` deletes a key. Lists with a patch merge key (containers by
    ``name``, container ports by ``containerPort``, Service ports by ``port``...; see
    `workbench.sandbox._patch._schema`) merge element by element; lists of primitives with the
    merge strategy (``metadata.finalizers``) merge as a set; every other list is replaced. Merged
    lists are ordered as upstream orders them: patch elements keep their patch order, existing
    elements their old order, and an element new to the list goes before the existing ones that
    follow it. Directives: ``$patch: replace|delete|merge`` in a map or as a list element,
    ``$retainKeys``, ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>``.
    ``$patch: merge`` (the default, spelled out) is accepted although upstream refuses it.

    Args:
        doc: the current object.
        patch: the decoded request body; it must be a JSON object.
        kind: the object's kind (``Pod``, ``Deployment``, ``Service``, ``Node``, ``Scale``...);
            a kind without list rules of its own gets only ObjectMeta's.

    Returns:
        A new object; neither argument is mutated.

    Raises:
        SandboxApiError: 400 ``BadRequest`` for a malformed patch (not an object, an unknown
            ``$patch`` value, a list element without its merge key, a malformed directive);
            422 ``Invalid`` for a list of lists in a merging list.

    Example:
        >>> pod = {"spec": {"containers": [{"name": "api", "image": "a:1"}, {"name": "log", "image": "l:1"}]}}
        >>> patch = {"spec": {"containers": [{"name": "api", "image": "a:2"}]}}
        >>> strategic_merge_patch(pod, patch, kind="Pod")
        {'spec': {'containers': [{'name': 'api', 'image': 'a:2'}, {'name': 'log', 'image': 'l:1'}]}}
    """
    # The server hands over whatever JSON the body decoded to, whatever the annotations say.
    body: Any = patch
    current: Any = doc
    original = json_copy(current) if isinstance(current, dict) else {}
    if body is None:
        return original
    if not isinstance(body, dict):
        raise not_an_object(body)
    # The patch is copied too: the engine consumes it and moves its values into the result.
    return _merge_map(original, json_copy(body), root(kind))


def _merge_map(original: dict[str, Any], patch: dict[str, Any], fields: Fields) -> dict[str, Any]:
    """Merge `patch` into `original`; both are owned by the engine and may be modified."""
    if _DIRECTIVE in patch:
        directive = patch.pop(_DIRECTIVE)
        if directive == "replace":
            return _merge_map({}, patch, fields)
        if directive == "delete":
            return {}
        if directive != "merge":
            patch[_DIRECTIVE] = directive
            raise bad_request(f"unknown patch type: {go_format(directive)} in map: {go_format(patch)}")
    _retain_keys(original, patch)
    _set_element_orders(original, patch, fields)
    for key, value in patch.items():
        if key.startswith(_DELETE_FROM):
            _delete_from_primitive_list(original, key, value)
        elif value is None:
            original.pop(key, None)
        elif key in original:
            original[key] = _merge_value(original[key], value, field(fields, key))
        elif not (isinstance(value, dict) and value.get(_DIRECTIVE) == "delete"):
            original[key] = _merge_value(None, value, field(fields, key))
    return original


def _merge_value(current: Any, value: Any, spec: Field) -> Any:
    if isinstance(value, dict):
        return _merge_map(current if isinstance(current, dict) else {}, value, fields_of(spec))
    if isinstance(value, list):
        return _merge_list(current if isinstance(current, list) else [], value, spec)
    return value


def _merge_list(original: list[Any], patch: list[Any], spec: Field) -> list[Any]:
    """Merge a patch list into a list; returns a new list (the elements may be reused)."""
    if not spec.merges:
        # Atomic: the patch list replaces the old one. Replace and delete elements mean nothing
        # here, so they are dropped rather than stored.
        sub = fields_of(spec)
        return [
            _merge_map({}, e, sub) if isinstance(e, dict) else e for e in patch if not _is_list_directive(e)
        ]
    if not original and not patch:
        return []
    if any(isinstance(e, list) for e in (*original, *patch)):
        raise invalid(REJECTED)  # mergepatch.ErrNoListOfLists
    if spec.merge_key is None:
        # A dict keeps each value's first position: a set that remembers order.
        merged = list({json_key(e): e for e in [*original, *patch]}.values())
        return _ordered(merged, [json_key(e) for e in patch], [json_key(e) for e in original], json_key)
    return _merge_keyed_list(original, patch, spec.merge_key, fields_of(spec))


def _merge_keyed_list(original: list[Any], patch: list[Any], merge_key: str, sub: Fields) -> list[Any]:
    if not all(isinstance(e, dict) for e in (*original, *patch)):
        raise bad_request(f"list element types are not identical: {go_format([original, patch])}")
    items: list[dict[str, Any]] = []
    replace = False
    for element in patch:
        directive = element.get(_DIRECTIVE)
        if _DIRECTIVE not in element or directive == "merge":
            items.append(element)  # `$patch: merge` is the default; _merge_map drops the marker
        elif directive == "delete":
            value = _merge_key_value(element, merge_key)
            original = [e for e in original if not (merge_key in e and json_equal(e[merge_key], value))]
        elif directive == "replace":
            replace = True
        else:
            raise bad_request(f"unknown patch type: {go_format(directive)} in map: {go_format(element)}")
    if replace:
        original, items = [_merge_map({}, e, sub) for e in items], []

    def key_of(element: Any) -> JsonKey:
        if isinstance(element, dict) and merge_key in element:
            return json_key(element[merge_key])
        return ("unkeyed", id(element))  # tolerated in stored lists: it just never matches

    merged = list(original)
    position: dict[JsonKey, int] = {}
    for index, element in enumerate(merged):
        position.setdefault(key_of(element), index)
    for element in items:
        key = json_key(_merge_key_value(element, merge_key))
        if key in position:
            merged[position[key]] = _merge_map(merged[position[key]], element, sub)
        else:
            position[key] = len(merged)
            merged.append(_merge_map({}, element, sub))
    return _ordered(merged, [json_key(e[merge_key]) for e in items], [key_of(e) for e in original], key_of)


def _ordered(
    merged: list[Any], patch_order: list[JsonKey], server_order: list[JsonKey], key_of: KeyFn
) -> list[Any]:
    """Order a merged list the way apimachinery's normalizeElementOrder does.

    Elements named in `patch_order` are sorted by it, the others by `server_order` (the list
    before patching); then the two runs are interleaved, taking the server-only element first only
    when both elements were in the old list and it came earlier. So an element new to the list
    lands before the old elements that follow it (the Kubernetes docs show ``kubectl patch``
    adding a container this way), and ``$setElementOrder`` decides the order of the named ones.
    """
    in_patch = {k: i for i, k in reversed(list(enumerate(patch_order)))}
    in_server = {k: i for i, k in reversed(list(enumerate(server_order)))}
    from_patch = sorted((e for e in merged if key_of(e) in in_patch), key=lambda e: in_patch[key_of(e)])
    server_only = sorted(
        (e for e in merged if key_of(e) not in in_patch),
        key=lambda e: in_server.get(key_of(e), len(in_server)),
    )
    result: list[Any] = []
    i = j = 0
    while i < len(server_only) and j < len(from_patch):
        left, right = in_server.get(key_of(server_only[i])), in_server.get(key_of(from_patch[j]))
        if left is not None and right is not None and left < right:
            result.append(server_only[i])
            i += 1
        else:
            result.append(from_patch[j])
            j += 1
    return result + server_only[i:] + from_patch[j:]


def _is_list_directive(element: Any) -> bool:
    """Whether a list element is a ``$patch: replace`` or ``$patch: delete`` instruction."""
    return isinstance(element, dict) and element.get(_DIRECTIVE) in ("replace", "delete")


def _merge_key_value(element: Any, merge_key: str) -> Any:
    if not isinstance(element, dict):
        raise bad_request(f"expected a map[string]interface {{}}, but received a {go_reflect_type(element)}")
    if merge_key not in element:
        raise bad_request(f"map: {go_format(element)} does not contain declared merge key: {merge_key}")
    return element[merge_key]


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """Apply ``$retainKeys``: drop the keys of `original` it does not list."""
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not isinstance(retain, list):
        raise bad_request(_BAD_RETAIN_KEYS)
    keep = {k for k in retain if isinstance(k, str)}
    for key, value in patch.items():
        if value is not None and not key.startswith((_DELETE_FROM, _SET_ORDER)) and key not in keep:
            raise bad_request(_BAD_RETAIN_KEYS)
    for key in [k for k in original if k not in keep]:
        del original[key]


def _set_element_orders(original: dict[str, Any], patch: dict[str, Any], fields: Fields) -> None:
    """Apply each ``$setElementOrder/<list>``, merging `<list>` from the patch on the way."""
    for directive in [k for k in patch if k.startswith(_SET_ORDER)]:
        order = patch.pop(directive)
        name = _directive_target(directive, _SET_ORDER, _BAD_SET_ORDER)
        if not isinstance(order, list):
            raise bad_request(_BAD_SET_ORDER)
        spec = field(fields, name)
        if not spec.merges or patch.get(name, []) is None:
            continue  # ordering means nothing for a replaced or deleted list
        patch_list = patch.pop(name, None)
        if patch_list is not None and not isinstance(patch_list, list):
            raise bad_request(_BAD_SET_ORDER)
        current = original.get(name)
        current_list = current if isinstance(current, list) else []
        key_of = _order_key(spec)
        _check_order(patch_list or [], order, key_of)
        if patch_list is not None:
            merged = _merge_list(current_list, patch_list, spec)
        elif isinstance(current, list):
            merged = current
        else:
            continue
        server_order = [key_of(e) for e in current_list]
        original[name] = _ordered(merged, [key_of(e) for e in order], server_order, key_of)


def _order_key(spec: Field) -> KeyFn:
    merge_key = spec.merge_key
    if merge_key is None:
        return json_key
    return lambda element: json_key(_merge_key_value(element, merge_key))


def _check_order(patch_list: list[Any], order: list[Any], key_of: KeyFn) -> None:
    """Refuse a patch list whose elements are not in the relative order ``$setElementOrder`` gives."""
    listed = [e for e in patch_list if not _is_list_directive(e)]
    i = j = 0
    while i < len(listed) and j < len(order):
        if key_of(listed[i]) == key_of(order[j]):
            i += 1
        j += 1
    if i < len(listed):
        raise bad_request(
            f"The order in patch list:\n{go_format(patch_list)}\n doesn't match "
            f"{_SET_ORDER} list:\n{go_format(order)}\n"
        )


def _delete_from_primitive_list(original: dict[str, Any], directive: str, values: Any) -> None:
    name = _directive_target(directive, _DELETE_FROM, _BAD_PRIMITIVE_LIST)
    if not isinstance(values, list):
        raise bad_request(_BAD_PRIMITIVE_LIST)
    current = original.get(name)
    if isinstance(current, list):
        drop = {json_key(v) for v in values}
        original[name] = [e for e in current if json_key(e) not in drop]


def _directive_target(key: str, prefix: str, error: str) -> str:
    """The list a ``<prefix>/<list>`` directive key names."""
    head, slash, name = key.partition("/")
    if head != prefix or not slash:
        raise bad_request(error)
    return name

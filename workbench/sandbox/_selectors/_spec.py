"""``metav1.LabelSelector`` objects (``matchLabels`` + ``matchExpressions``): validate and convert.

Validation follows ``ValidateLabelSelector`` (apimachinery ``pkg/apis/meta/v1/validation``); a bad
selector in a Deployment, ReplicaSet, Job... is a 422 ``Invalid`` whose causes name the field, as the
API server answers. Conversion follows ``metav1.LabelSelectorAsSelector``: None selects nothing and an
empty selector selects everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._selectors._labels import NOTHING, SET_OPS, LabelSelector, Operator, Requirement
from workbench.sandbox._selectors._messages import aggregate, label_key_errors, label_value_errors, quote

_SPEC_OPS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def _cause(reason: str, path: str, body: str) -> dict[str, str]:
    return {"reason": reason, "message": body, "field": path}


def label_selector_causes(spec: Any, *, field_path: str = "spec.selector") -> list[dict[str, str]]:
    """Validate a ``metav1.LabelSelector`` as the API server does (``ValidateLabelSelector``).

    Args:
        spec: the decoded selector object (None is valid: it selects nothing).
        field_path: where the selector sits in its object, for the causes' ``field``.

    Returns:
        ``Status.details.causes`` entries (``reason``, ``message``, ``field``) in the server's order;
        empty when the selector is valid.
    """
    if spec is None:
        return []
    if not isinstance(spec, Mapping):
        return [_cause("FieldValueInvalid", field_path, f"Invalid value: {quote(spec)}: must be an object")]
    causes: list[dict[str, str]] = []

    def add_invalid(path: str, value: object, messages: list[str]) -> None:
        causes.extend(
            _cause("FieldValueInvalid", path, f"Invalid value: {quote(value)}: {m}") for m in messages
        )

    def string_errors(value: object) -> list[str]:
        return label_value_errors(value) if isinstance(value, str) else ["must be a string"]

    labels_path = f"{field_path}.matchLabels"
    match_labels = spec.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        add_invalid(labels_path, match_labels, ["must be an object"])
        match_labels = {}
    for key, value in sorted(match_labels.items()):  # Go walks the map in random order; sort instead
        add_invalid(labels_path, key, label_key_errors(key))
        add_invalid(labels_path, value, string_errors(value))
    expressions = spec.get("matchExpressions") or []
    if not isinstance(expressions, list):
        add_invalid(f"{field_path}.matchExpressions", expressions, ["must be an array"])
        expressions = []
    for i, item in enumerate(expressions):
        path = f"{field_path}.matchExpressions[{i}]"
        expr = item if isinstance(item, Mapping) else {}
        op, key, values = expr.get("operator", ""), expr.get("key", ""), expr.get("values") or []
        if not isinstance(values, list):
            add_invalid(f"{path}.values", values, ["must be an array"])
            values = []
        if op not in _SPEC_OPS:
            add_invalid(f"{path}.operator", op, ["not a valid selector operator"])
        elif _SPEC_OPS[op] in SET_OPS and not values:
            body = "Required value: must be specified when `operator` is 'In' or 'NotIn'"
            causes.append(_cause("FieldValueRequired", f"{path}.values", body))
        elif _SPEC_OPS[op] not in SET_OPS and values:
            body = "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            causes.append(_cause("FieldValueForbidden", f"{path}.values", body))
        add_invalid(
            f"{path}.key", key, label_key_errors(key) if isinstance(key, str) else ["must be a string"]
        )
        for j, value in enumerate(values):
            add_invalid(f"{path}.values[{j}]", value, string_errors(value))
    return causes


def label_selector_from_spec(
    spec: Mapping[str, Any] | None,
    *,
    field_path: str = "spec.selector",
    kind: str = "",
    group: str = "",
    name: str = "",
) -> LabelSelector:
    """Turn a ``metav1.LabelSelector`` (``matchLabels`` + ``matchExpressions``) into a selector.

    Follows ``metav1.LabelSelectorAsSelector``: None selects nothing, ``{}`` selects everything.

    Args:
        spec: the selector object from a Deployment, ReplicaSet, Job, NetworkPolicy...
        field_path: the selector's place in its object, used in error causes.
        kind / group / name: the owning object, for the error message (``Deployment.apps "api" is
            invalid: ...``). Without `kind` the message is the list of field errors alone.

    Raises:
        SandboxApiError: 422 Invalid, with one ``details.causes`` entry per field error, as the
            API server answers a create or update whose selector fails validation.
    """
    if causes := label_selector_causes(spec, field_path=field_path):
        text = aggregate([f"{c['field']}: {c['message']}" for c in causes])
        qualified = f"{kind}.{group}" if group else kind
        message = f"{qualified} {quote(name)} is invalid: {text}" if kind else text
        details = {"name": name, "group": group, "kind": kind, "causes": causes}
        raise SandboxApiError(422, "Invalid", message, details={k: v for k, v in details.items() if v})
    if spec is None:
        return NOTHING
    reqs = [Requirement(k, Operator.EQUALS, (v,)) for k, v in (spec.get("matchLabels") or {}).items()]
    for expr in spec.get("matchExpressions") or []:
        reqs.append(Requirement(expr["key"], _SPEC_OPS[expr["operator"]], tuple(expr.get("values") or ())))
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))

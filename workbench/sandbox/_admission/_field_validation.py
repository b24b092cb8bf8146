"""``fieldValidation``: what kube-apiserver does with the unknown fields a write brings.

Decoding a body into the kind's Go type drops the keys no field claims. The request's
``fieldValidation`` query parameter says what else happens (kubectl 1.32 sends ``Strict`` unless told
``--validate=warn|false``; a client that sends nothing gets ``Warn``, the default since 1.27):

* ``Strict``: the write is refused, 400 ``<Kind> in version "v1" cannot be handled as a <Kind>:
  strict decoding error: unknown field "spec.replica"`` for a create or replace; for a patch the
  422 kube-apiserver's patch handlers build (``patch: Invalid value: "<the patch>": strict decoding
  error: ...``), whose field list is sorted;
* ``Warn``: the write goes ahead and each field becomes a warning (``unknown field "spec.replica"``,
  sent back as a ``Warning: 299`` header that kubectl prints);
* ``Ignore``: the fields are dropped silently.

On an update or patch, unknown fields the stored object already had are left alone: they are not
the client's doing (a real server never stores any, but a recorded snapshot from a newer cluster
may carry fields this schema predates).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from workbench.errors import SandboxApiError
from workbench.sandbox._protobuf import find_unknown_fields

from ._decode import check_types
from ._errors import decode_error, go_quote, invalid, invalid_error, not_supported

FieldValidation = Literal["Ignore", "Warn", "Strict"]
_DIRECTIVES: tuple[FieldValidation, ...] = ("Ignore", "Warn", "Strict")


def field_validation(value: str, options_kind: str) -> FieldValidation:
    """The directive a ``fieldValidation`` query parameter asks for (empty: ``Warn``).

    Args:
        value: the parameter as sent.
        options_kind: ``CreateOptions``, ``UpdateOptions`` or ``PatchOptions``, which the real server
            names when it refuses the value.

    Raises:
        SandboxApiError: 422 Invalid for any other value, as kube-apiserver's options validation.

    Example:
        >>> field_validation("", "CreateOptions"), field_validation("Strict", "PatchOptions")
        ('Warn', 'Strict')
    """
    if value == "":
        return "Warn"
    for directive in _DIRECTIVES:
        if value == directive:
            return directive
    allowed = ["", *sorted(_DIRECTIVES)]
    raise invalid_error(options_kind, "meta.k8s.io", "", [not_supported("fieldValidation", value, allowed)])


def check_unknown_fields(
    obj: dict[str, Any],
    directive: FieldValidation,
    *,
    old: Mapping[str, Any] | None = None,
    patch: tuple[str, Any] | None = None,
) -> list[str]:
    """Drop the unknown fields a write brings into `obj` (in place); refuse or report them.

    Args:
        obj: the object to store: a create or replace body, or the result of a patch. Its
            ``apiVersion`` and ``kind`` say which Go type it decodes into.
        directive: what `field_validation` returned.
        old: the stored object, on an update or patch.
        patch: ``(patch type, parsed patch document)`` when `obj` is a patch's result, which changes
            the Strict error to the one kube-apiserver's patch handlers return.

    Returns:
        The warning texts to send back (``unknown field "spec.replica"``): empty unless ``Warn``.

    Raises:
        SandboxApiError: under ``Strict``, when there are unknown fields (or a type error the decoder
            would have reported first).

    Example:
        >>> body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "dta": {}}
        >>> check_unknown_fields(body, "Warn"), body
        (['unknown field "dta"'], {'apiVersion': 'v1', 'kind': 'ConfigMap', 'metadata': {'name': 'c'}})
    """
    api_version, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
    found = find_unknown_fields(api_version, kind, obj)
    if found and isinstance(old, dict):
        had = {u.path for u in find_unknown_fields(api_version, kind, old)}
        found = [u for u in found if u.path not in had]
    if not found:
        return []
    errors = [f"unknown field {go_quote(u.path)}" for u in found]
    if patch is not None:
        errors.sort()  # the patch handlers' converter sorts what it found
    if directive == "Strict":
        raise _strict_error(kind, obj, errors, patch)
    for u in found:
        u.parent.pop(u.key, None)
    return list(dict.fromkeys(errors)) if directive == "Warn" else []


def _strict_error(
    kind: str, obj: dict[str, Any], errors: list[str], patch: tuple[str, Any] | None
) -> SandboxApiError:
    detail = "strict decoding error: " + ", ".join(errors)
    if patch is None:
        check_types(kind, obj)  # a type error is what the decoder reports, if there is one
        return decode_error(kind, obj, detail)
    patch_type, doc = patch
    # Strategic merge patches quote the patch as Go prints a map; JSON and merge patches the result.
    shown = _go_value(doc) if patch_type in ("strategic", "apply") else _go_json(obj)
    cause = invalid("patch", shown, detail)
    return SandboxApiError(
        422,
        "Invalid",
        f' "" is invalid: {cause}',
        details={"causes": [{"reason": cause.type, "message": cause.body(), "field": cause.field}]},
    )


def _go_value(value: Any) -> str:
    """Go's ``%+v`` of a decoded JSON value (``map[spec:map[replica:2]]``)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_value(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(value: float) -> str:
    """``strconv.FormatFloat(v, 'g', -1, 64)``: shortest digits, exponent below 1e-4 or from 1e6."""
    if math.isinf(value) or math.isnan(value):
        return {math.inf: "+Inf", -math.inf: "-Inf"}.get(value, "NaN")
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    point = len(text) + exponent  # digits before the decimal point
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        shown = f"{mantissa}e{'-' if point - 1 < 0 else '+'}{abs(point - 1):02d}"
    elif point <= 0:
        shown = "0." + "0" * -point + text
    elif point >= len(text):
        shown = text + "0" * (point - len(text))
    else:
        shown = f"{text[:point]}.{text[point:]}"
    return ("-" if sign else "") + shown


def _go_json(obj: Mapping[str, Any]) -> str:
    """The object as Go's encoder writes a map: compact, sorted keys, HTML characters escaped."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")

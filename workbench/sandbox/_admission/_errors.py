"""Field errors shaped like apimachinery's `field.Error`, and the Status errors built from them.

A real kube-apiserver renders every validation failure as ``<field>: <type text>: <value>: <detail>``,
where the value is printed the way Go's ``fmt`` prints it (``%q`` for strings, ``%#v`` for maps and
structs). The sandbox reproduces that text so messages match what users see on a real cluster.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from workbench.errors import SandboxApiError

ErrorType = Literal[
    "FieldValueRequired",
    "FieldValueInvalid",
    "FieldValueNotSupported",
    "FieldValueDuplicate",
    "FieldValueForbidden",
    "FieldValueNotFound",
    "FieldValueTooLong",
]

_TYPE_TEXT: dict[ErrorType, str] = {
    "FieldValueRequired": "Required value",
    "FieldValueInvalid": "Invalid value",
    "FieldValueNotSupported": "Unsupported value",
    "FieldValueDuplicate": "Duplicate value",
    "FieldValueForbidden": "Forbidden",
    "FieldValueNotFound": "Not found",
    "FieldValueTooLong": "Too long",
}
# These types never print the offending value (apimachinery's ErrorBody).
_VALUELESS: frozenset[ErrorType] = frozenset(
    {"FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong"}
)

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


class GoRepr:
    """A value already rendered the way Go's ``%#v`` prints it (``map[string]string{...}``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"GoRepr({self.text!r})"


class Key(str):
    """A map key in a field path: rendered ``[key]`` rather than ``.key``."""

    __slots__ = ()


def at(base: str, *parts: str | int) -> str:
    """Join a field path the way `field.Path` prints it: ``spec.containers[0].ports[1]``."""
    out = base
    for part in parts:
        if isinstance(part, int | Key):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else part
    return out


def go_quote(s: str) -> str:
    """Go's ``%q`` of a string (strconv.Quote)."""
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            if code < 0x80:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_string_map(value: object) -> GoRepr:
    """Go's ``%#v`` of a ``map[string]string`` (keys sorted, as fmt prints maps)."""
    if not isinstance(value, Mapping):
        return GoRepr("map[string]string(nil)")
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(value.items()))
    return GoRepr(f"map[string]string{{{items}}}")


def go_string_slice(value: object) -> GoRepr:
    """Go's ``%#v`` of a ``[]string``."""
    if not isinstance(value, list):
        return GoRepr("[]string(nil)")
    return GoRepr("[]string{" + ", ".join(go_quote(str(v)) for v in value) + "}")


def go_label_selector(selector: object) -> GoRepr:
    """Go's ``%#v`` of a ``v1.LabelSelector``, as printed in ``field is immutable`` errors."""
    sel = selector if isinstance(selector, Mapping) else {}
    labels = sel.get("matchLabels")
    labels_text = go_string_map(labels).text if isinstance(labels, Mapping) else "map[string]string(nil)"
    exprs = sel.get("matchExpressions")
    if isinstance(exprs, list):
        rendered = []
        for expr in exprs:
            e = expr if isinstance(expr, Mapping) else {}
            values = e.get("values")
            rendered.append(
                "v1.LabelSelectorRequirement{"
                f"Key:{go_quote(str(e.get('key', '')))}, "
                f"Operator:{go_quote(str(e.get('operator', '')))}, "
                f"Values:{go_string_slice(values).text}}}"
            )
        exprs_text = "[]v1.LabelSelectorRequirement{" + ", ".join(rendered) + "}"
    else:
        exprs_text = "[]v1.LabelSelectorRequirement(nil)"
    return GoRepr(f"v1.LabelSelector{{MatchLabels:{labels_text}, MatchExpressions:{exprs_text}}}")


def go_int_or_string(value: object) -> GoRepr:
    """Go's ``%#v`` of an ``intstr.IntOrString``."""
    if isinstance(value, str):
        return GoRepr(f"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{go_quote(value)}}}")
    number = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return GoRepr(f'intstr.IntOrString{{Type:0, IntVal:{number}, StrVal:""}}')


def _go_float(value: float) -> str:
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def go_value(value: object) -> str:
    """Render a bad value the way apimachinery's ErrorBody does."""
    if value is None:
        return "null"
    if isinstance(value, GoRepr):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
        return go_string_map(value).text
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return go_string_slice(value).text
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class FieldError:
    """One validation failure: the error type, the field path, the bad value and the detail."""

    type: ErrorType
    field: str
    bad_value: object
    detail: str

    def body(self) -> str:
        """The message without the field name (apimachinery's ``ErrorBody``)."""
        text = _TYPE_TEXT[self.type]
        if self.type not in _VALUELESS:
            text = f"{text}: {go_value(self.bad_value)}"
        if self.detail:
            text = f"{text}: {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


def required(field: str, detail: str = "") -> FieldError:
    return FieldError("FieldValueRequired", field, "", detail)


def invalid(field: str, value: object, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", field, value, detail)


def not_supported(field: str, value: object, valid: Sequence[str]) -> FieldError:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid) if valid else ""
    return FieldError("FieldValueNotSupported", field, value, detail)


def duplicate(field: str, value: object) -> FieldError:
    return FieldError("FieldValueDuplicate", field, value, "")


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError("FieldValueForbidden", field, "", detail)


def not_found(field: str, value: object) -> FieldError:
    return FieldError("FieldValueNotFound", field, value, "")


def too_long(field: str, max_length: int) -> FieldError:
    return FieldError("FieldValueTooLong", field, "", f"must have at most {max_length} bytes")


def nonnegative(value: object, field: str) -> list[FieldError]:
    """apimachinery's ValidateNonnegativeField."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return [invalid(field, value, "must be greater than or equal to 0")]
    return []


def immutable(
    field: str, new: object, old: object, render: Callable[[object], object] | None = None
) -> list[FieldError]:
    """ValidateImmutableField: ``field is immutable`` when the value changed."""
    if new == old:
        return []
    return [invalid(field, render(new) if render else new, "field is immutable")]


def qualified_kind(kind: str, group: str) -> str:
    """``schema.GroupKind.String()``: ``Deployment.apps`` or plain ``Pod`` for the core group."""
    return f"{kind}.{group}" if group else kind


def aggregate_message(errors: Iterable[FieldError]) -> str:
    """``ErrorList.ToAggregate().Error()``: one message, or ``[a, b]`` for several distinct ones."""
    seen: list[str] = []
    for err in errors:
        text = str(err)
        if text not in seen:
            seen.append(text)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


def invalid_error(kind: str, group: str, name: str, errors: Sequence[FieldError]) -> SandboxApiError:
    """The 422 ``Invalid`` Status a real server builds with ``errors.NewInvalid``."""
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = [
        {"reason": e.type, "message": e.body(), **({"field": e.field} if e.field else {})} for e in errors
    ]
    qualified = qualified_kind(kind, group)
    message = f"{qualified} {go_quote(name)} is invalid: {aggregate_message(errors)}"
    return SandboxApiError(422, "Invalid", message, details=details)


def decode_error(kind: str, obj: Mapping[str, Any], detail: str) -> SandboxApiError:
    """The 400 a real server sends when the body cannot be decoded into the Go type."""
    api_version = obj.get("apiVersion")
    version = api_version.rsplit("/", 1)[-1] if isinstance(api_version, str) and api_version else "v1"
    message = f"{kind} in version {go_quote(version)} cannot be handled as a {kind}: {detail}"
    return SandboxApiError(400, "BadRequest", message)

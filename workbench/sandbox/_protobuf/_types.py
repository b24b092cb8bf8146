"""Type errors: what Go's JSON decoder refuses when it reads a body into a built-in kind's struct.

kube-apiserver decodes a body into the kind's Go struct before anything else, so ``replicas: "3"``
or an unquoted label value ``version: 1`` are refused with the decoder's text. The structs come from
the message table (``schema.json``), walked as `_fields` walks it, with Go's rules:

* a mismatch (a string for an ``int32``, an object for a ``[]v1.Container``) reads
  ``json: cannot unmarshal <json type> into Go struct field <Struct>.<json path> of type <go type>``,
  where ``<Struct>`` is the innermost struct holding the field (the outer one for an inlined
  struct's fields) and the path has neither list indexes nor map keys. The decoder keeps going
  after one and reports the first in document order;
* a number for an integer must be an integer literal in range (``number 1.5``, ``number 3000000000``
  for an ``int32``); ``[]byte`` is a base64 string;
* the types with their own ``UnmarshalJSON`` stop the decoder at their error, which wins over an
  earlier mismatch: Quantity (a string or number that parses), IntOrString (a string or an int32),
  Time and MicroTime (RFC 3339 strings; a MicroTime without exactly six fractional digits passes,
  which Go refuses, because the python client sends whole seconds so), Duration; RawExtension and
  FieldsV1 take anything;
* ``null`` is the zero value anywhere, and keys no field claims are skipped (`_fields` reports
  those).

Go type names are the schema's: ``v1.ObjectMeta``, ``[]v1.Container``, ``map[string]string``,
``v1.ResourceList``. Named string types (``v1.Protocol``) read as ``string``, as the table does not
keep Go's names for them.

Example:
    >>> type_problem("apps/v1", "Deployment", {"spec": {"replicas": "3"}})
    'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Final

from workbench.errors import QuantityError, SandboxApiError
from workbench.quantity import parse_quantity
from workbench.sandbox._gojson import go_type_name

from ._fields import is_kind, json_fields
from ._gotext import base64_problem, duration_problem, time_problem
from ._schema import META, Field, load, message_for

__all__ = ["type_problem"]

_QUANTITY: Final = "k8s.io.apimachinery.pkg.api.resource.Quantity"
_CORE: Final = "k8s.io.api.core.v1"
_TYPE_META: Final = ("apiVersion", "kind")
_GO_SCALARS: Final = {"double": "float64", "float": "float32", "bytes": "[]uint8"}
_INT_RANGES: Final = {
    "int32": (-(1 << 31), (1 << 31) - 1),
    "int64": (-(1 << 63), (1 << 63) - 1),
    "uint32": (0, (1 << 32) - 1),
    "uint64": (0, (1 << 64) - 1),
}

Path = tuple[str, ...]


class _StopError(Exception):
    """An error from a type's own ``UnmarshalJSON``: the decoder stops and returns it."""


class _Walk:
    """One decode: the first mismatch is kept (Go's ``saveError``) while the walk goes on."""

    def __init__(self) -> None:
        self.saved: str | None = None

    def save(self, problem: str | None) -> None:
        if self.saved is None:
            self.saved = problem


def type_problem(api_version: str | None, kind: str, obj: Mapping[str, Any]) -> str | None:
    """The error Go's decoder gives for `obj` as the kind's struct, or None when it decodes.

    Args:
        api_version: the object's API version; when empty, the version the sandbox stores `kind` in
            (core first, then the stable versions of the other groups).
        kind: the object's kind (``Deployment``).
        obj: the object as decoded JSON; not modified.

    Returns:
        The decoder's text, without the ``<Kind> in version ... cannot be handled`` prefix; None
        also for a kind the schema does not describe (custom resources among them).
    """
    name = _message(api_version, kind)
    if name is None:
        return None
    walk = _Walk()
    try:
        _struct(walk, name, obj, (), top=True)
    except _StopError as stop:
        return str(stop)
    return walk.saved


def _message(api_version: str | None, kind: str) -> str | None:
    if not api_version:
        return _stored_message(kind)
    try:
        return message_for(api_version, kind)
    except SandboxApiError:  # not a built-in kind in that version: nothing to check against
        return None


@functools.cache
def _stored_message(kind: str) -> str | None:
    schema = load()
    for package in sorted(schema.packages, key=_preference):
        name = f"{package}.{kind}"
        if name in schema.messages and name not in schema.lists and is_kind(name):
            return name
    return None


def _preference(package: str) -> tuple[bool, bool, str, int]:
    """Core first, then stable before beta, then the newest version of a group."""
    group, version = package.rsplit(".", 1)
    major = re.match(r"v(\d+)", version)
    return package != _CORE, not version[1:].isdigit(), group, -int(major.group(1) if major else 0)


def _struct(walk: _Walk, name: str, obj: Mapping[str, Any], path: Path, *, top: bool = False) -> None:
    struct = _short(name)
    fields = json_fields(name)
    type_meta = not top and is_kind(name)  # the top object's apiVersion and kind are read earlier
    for key, value in obj.items():
        if value is None:
            continue
        f = fields.get(key)
        if f is not None:
            _field(walk, f, value, struct, (*path, key))
        elif type_meta and key in _TYPE_META and not _is_string(value):
            walk.save(_mismatch(value, struct, (*path, key), "string"))


def _field(walk: _Walk, f: Field, value: object, struct: str, path: Path) -> None:
    if f.type == "map":
        entry = load().messages[f.message][1]
        if not isinstance(value, Mapping):
            walk.save(_mismatch(value, struct, path, _map_type(entry)))
            return
        for item in value.values():
            if item is not None:
                _single(walk, entry, item, struct, path)
    elif f.repeated:
        if not isinstance(value, list):
            walk.save(_mismatch(value, struct, path, "[]" + _go_type(f)))
            return
        for item in value:
            if item is not None:
                _single(walk, f, item, struct, path)
    else:
        _single(walk, f, value, struct, path)


def _single(walk: _Walk, f: Field, value: object, struct: str, path: Path) -> None:
    """One value of field `f`'s type (an element, for a list or map field)."""
    if f.type != "message":
        walk.save(_scalar_problem(f.type, value, struct, path))
        return
    own = _OWN_JSON.get(f.message)
    if own is not None:
        problem = own(value, struct, path)
        if problem:
            raise _StopError(problem)
        return
    schema = load()
    if f.message in schema.lists:  # a Go named slice (Verbs): its JSON is the list of items
        if not isinstance(value, list):
            walk.save(_mismatch(value, struct, path, _go_name(f.message)))
            return
        item_type = schema.messages[f.message][0].type
        for item in value:
            if item is not None:
                walk.save(_scalar_problem(item_type, item, struct, path))
    elif isinstance(value, Mapping):
        _struct(walk, f.message, value, path)
    else:
        walk.save(_mismatch(value, struct, path, _go_name(f.message)))


def _scalar_problem(kind: str, value: object, struct: str, path: Path) -> str | None:
    if kind == "string":
        return None if _is_string(value) else _mismatch(value, struct, path, "string")
    if kind == "bool":
        return None if isinstance(value, bool) else _mismatch(value, struct, path, "bool")
    if kind == "bytes":
        if isinstance(value, str):
            return base64_problem(value)
        return _mismatch(value, struct, path, "[]uint8")
    if kind in _INT_RANGES:
        return _integer_problem(value, struct, path, kind)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None
    return _mismatch(value, struct, path, _GO_SCALARS.get(kind, kind))


def _integer_problem(value: object, struct: str, path: Path, go_type: str) -> str | None:
    """An integer literal in the type's range; Go refuses ``1.5`` and ``3.0`` alike."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _mismatch(value, struct, path, go_type)
    low, high = _INT_RANGES[go_type]
    if isinstance(value, int) and low <= value <= high:
        return None
    return _mismatch(value, struct, path, go_type)


def _quantity(value: object, struct: str, path: Path) -> str | None:
    try:
        parse_quantity(value)
    except QuantityError as exc:
        return str(exc)
    return None


def _int_or_string(value: object, struct: str, path: Path) -> str | None:
    # A string is the string form; anything else is decoded into the int32 form.
    return None if isinstance(value, str) else _integer_problem(value, struct, path, "int32")


def _time(micro: bool) -> Callable[[object, str, Path], str | None]:
    def check(value: object, struct: str, path: Path) -> str | None:
        if isinstance(value, date):  # a YAML timestamp: the string it was written as
            return None
        if not isinstance(value, str):
            return _mismatch(value, struct, path, "string")
        problem = time_problem(value, micro=micro)
        # Deliberately laxer than Go for MicroTime, whose layout wants exactly six fractional
        # digits: the python client sends a whole-second datetime as "...T10:00:00+00:00", which a
        # real server refuses. Any RFC 3339 time passes; the micro layout's error is kept for the rest.
        if problem and micro and time_problem(value) is None:
            return None
        return problem

    return check


def _duration(value: object, struct: str, path: Path) -> str | None:
    if isinstance(value, str):
        return duration_problem(value)
    return _mismatch(value, struct, path, "string")


def _anything(value: object, struct: str, path: Path) -> str | None:
    return None


# The types with their own UnmarshalJSON; the decoder stops at their errors.
_OWN_JSON: Final[dict[str, Callable[[object, str, Path], str | None]]] = {
    f"{META}.Time": _time(micro=False),
    f"{META}.MicroTime": _time(micro=True),
    f"{META}.Duration": _duration,
    f"{META}.FieldsV1": _anything,
    _QUANTITY: _quantity,
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": _int_or_string,
    "k8s.io.apimachinery.pkg.runtime.RawExtension": _anything,
}


def _mismatch(value: object, struct: str, path: Path, go_type: str) -> str:
    found = go_type_name(value)
    if found == "number" and go_type in _INT_RANGES:
        found = f"number {value!r}"  # Go quotes the literal it could not fit
    return f"json: cannot unmarshal {found} into Go struct field {struct}.{'.'.join(path)} of type {go_type}"


def _is_string(value: object) -> bool:
    return isinstance(value, str | date)  # a YAML body's timestamps are strings to a Go client


def _go_type(f: Field) -> str:
    """The Go type of one value of `f` (the element type of a list field)."""
    if f.type == "message":
        return _go_name(f.message)
    return _GO_SCALARS.get(f.type, f.type)


def _map_type(entry: Field) -> str:
    if entry.type == "message" and entry.message == _QUANTITY:
        return "v1.ResourceList"  # every quantity map in the served API is core's named map
    return "map[string]" + _go_type(entry)


def _go_name(message: str) -> str:
    """``k8s.io.api.core.v1.Container`` → ``v1.Container`` (the Go package name and type)."""
    package, name = message.rsplit(".", 1)
    return f"{package.rsplit('.', 1)[-1]}.{name}"


def _short(message: str) -> str:
    return message.rsplit(".", 1)[-1]

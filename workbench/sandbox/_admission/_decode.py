"""Type checks that mirror what decoding JSON into the Go types rejects, with the same 400 text.

A real server decodes the body into typed structs before defaulting, so ``replicas: "3"`` or an
unquoted label value ``version: 1`` fail with ``json: cannot unmarshal ... into Go struct field
...``. The structs are the generated message table's (see ``_protobuf._types``); kinds it does not
describe (custom resources) are not checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.sandbox._protobuf._types import type_problem

from ._errors import decode_error


def check_types(kind: str, obj: Mapping[str, Any], *, api_version: str | None = None) -> None:
    """Raise the 400 a real server sends when `obj` does not decode into the kind's Go type.

    Args:
        kind: the object's kind (``Deployment``).
        obj: the object as decoded JSON; not modified.
        api_version: the version whose struct to decode into; by default `obj`'s ``apiVersion``,
            or the version the sandbox stores `kind` in when the object has none.

    Raises:
        SandboxApiError: 400 BadRequest, ``<Kind> in version "v1" cannot be handled as a <Kind>: ...``.

    Example:
        >>> try:
        ...     check_types("ConfigMap", {"metadata": {"name": "c"}, "data": {"port": 80}})
        ... except Exception as exc:
        ...     print(exc.message.split(": ", 1)[1])
        json: cannot unmarshal number into Go struct field ConfigMap.data of type string
    """
    if api_version is None:
        sent = obj.get("apiVersion")
        api_version = sent if isinstance(sent, str) else None
    problem = type_problem(api_version, kind, obj)
    if problem:
        raise decode_error(kind, obj, problem)

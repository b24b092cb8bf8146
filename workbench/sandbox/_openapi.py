"""The ``/openapi/v2`` document kubectl needs for ``apply``, ``create -f``, ``diff``, ``edit`` and dry runs.

kubectl asks with ``Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`` and reads only
protobuf: a gnostic ``openapi_v2.Document`` (google/gnostic ``openapiv2/OpenAPIv2.proto``). Without a
document, ``apply`` and ``create -f`` stop at "failed to download openapi". kubectl uses it to:

* learn which query parameters a kind's PATCH takes. kubectl 1.32 asks about ``fieldValidation`` (when
  it is there kubectl leaves validation to the server); 1.20 asks about ``dryRun`` before a server dry
  run. It looks for the one path whose ``patch`` operation carries an ``x-kubernetes-group-version-kind``
  extension naming the kind and reads that operation's query parameters. For a kind it does not find
  (a custom resource added later) it asks about core/v1 Namespace and whether a CRD exists, so always
  include Namespace;
* validate manifests and find strategic-merge metadata in ``definitions``. With no definition for a
  kind it skips client-side validation and falls back to its compiled-in types, which is what the
  sandbox wants, so ``definitions`` stays empty (``kubectl explain`` needs them and stays unsupported).

So the document holds one item path per kind with a PATCH operation only: kubectl reads no GET or
other verb from it.

The same document is also offered as JSON for clients that ask for it. Serve the protobuf bytes as
``application/octet-stream``: Go's MIME parser rejects kubectl's own ``...@v1.0+protobuf`` type in
a response.

Example::

    >>> doc = openapi_v2_protobuf([("apps", "v1", "Deployment",
    ...                             "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")])
    >>> doc[:6]
    b'\\n\\x032.0\\x12'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from workbench.errors import ConfigError

PROTOBUF_MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
"""What kubectl puts in ``Accept`` for ``/openapi/v2``."""
PROTOBUF_CONTENT_TYPE = "application/octet-stream"
"""What to answer it with (see the module docstring)."""

_PATCH_CONSUMES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
_PRODUCES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
_RESPONSES = (("200", "OK"), ("201", "Created"), ("401", "Unauthorized"))


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    location: Literal["query", "path"]
    type: str
    description: str
    required: bool = False


# The query parameters a real API server lists for PATCH. kubectl checks for dryRun (server-side dry
# run) and fieldValidation (server-side field validation; without it kubectl validates client-side).
_PATCH_QUERY = (
    _Param("dryRun", "query", "string", "When present, modifications are not persisted. Valid value: All."),
    _Param("fieldManager", "query", "string", "The name of the actor making these changes."),
    _Param(
        "fieldValidation",
        "query",
        "string",
        "How to treat unknown or duplicate fields: Ignore, Warn or Strict.",
    ),
    _Param("force", "query", "boolean", "Force an apply request past field-manager conflicts."),
    _Param("pretty", "query", "string", "If 'true', the output is pretty printed."),
)


@dataclass(frozen=True, slots=True)
class _PatchPath:
    path: str
    group: str
    version: str
    kind: str

    @property
    def path_params(self) -> tuple[_Param, ...]:
        return tuple(
            _Param(
                name, "path", "string", _PATH_PARAM_HELP.get(name, name).format(kind=self.kind), required=True
            )
            for name in re.findall(r"\{([^}]+)\}", self.path)
        )

    @property
    def operation_id(self) -> str:
        scope = "Namespaced" if "{namespace}" in self.path else ""
        return f"patch{_group_camel(self.group)}{self.version.capitalize()}{scope}{self.kind}"

    @property
    def tag(self) -> str:
        camel = _group_camel(self.group)
        return f"{camel[:1].lower()}{camel[1:]}_{self.version}"

    @property
    def gvk(self) -> dict[str, str]:
        return {"group": self.group, "kind": self.kind, "version": self.version}


_PATH_PARAM_HELP = {
    "name": "name of the {kind}",
    "namespace": "object name and auth scope, such as for teams and projects",
}


def _group_camel(group: str) -> str:
    """``apps`` → ``Apps``, ``rbac.authorization.k8s.io`` → ``RbacAuthorization``, core → ``Core``."""
    if not group:
        return "Core"
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[.-]", group.removesuffix(".k8s.io")) if p)


def _patch_paths(gvks: Iterable[tuple[str, str, str, str]]) -> list[_PatchPath]:
    by_path: dict[str, _PatchPath] = {}
    for group, version, kind, path in gvks:
        entry = _PatchPath(path, group, version, kind)
        if by_path.setdefault(path, entry) != entry:
            raise ConfigError(
                f"OpenAPI path {path!r} is given for both {by_path[path].gvk} and {entry.gvk}; "
                "give each group/version/kind its own item path"
            )
    # Sorted like the real document, whose paths come from a JSON object with sorted keys.
    return [by_path[p] for p in sorted(by_path)]


# --- JSON ----------------------------------------------------------------------------------------------


def _param_json(param: _Param) -> dict[str, Any]:
    out: dict[str, Any] = {"name": param.name, "in": param.location, "type": param.type}
    out["description"] = param.description
    if param.required:
        out["required"] = True
    return out


def _document(paths: list[_PatchPath], version: str) -> dict[str, Any]:
    items: dict[str, Any] = {}
    for p in paths:
        patch = {
            "description": f"partially update the specified {p.kind}",
            "consumes": list(_PATCH_CONSUMES),
            "produces": list(_PRODUCES),
            "schemes": ["https"],
            "tags": [p.tag],
            "operationId": p.operation_id,
            "parameters": [_param_json(q) for q in _PATCH_QUERY],
            "responses": {code: {"description": text} for code, text in _RESPONSES},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": p.gvk,
        }
        items[p.path] = {"parameters": [_param_json(q) for q in p.path_params], "patch": patch}
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": version},
        "paths": items,
        "definitions": {},
    }


def openapi_v2_json(gvks: Iterable[tuple[str, str, str, str]], *, version: str = "v1.32.0") -> bytes:
    """The document as Swagger 2.0 JSON, for clients that ask ``/openapi/v2`` for ``application/json``.

    Args:
        gvks: ``(group, version, kind, item_path)`` per served kind, e.g. ``("apps", "v1", "Deployment",
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")``; the core group is ``""``.
        version: the server version shown in ``info.version``.

    Raises:
        ConfigError: one path is given for two different kinds.
    """
    return json.dumps(_document(_patch_paths(gvks), version), separators=(",", ":")).encode()


# --- protobuf ------------------------------------------------------------------------------------------
# Field numbers are those of google/gnostic openapiv2/OpenAPIv2.proto (package openapi.v2).


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _msg(field: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2): a string, bytes or an embedded message."""
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _str(field: int, text: str) -> bytes:
    return _msg(field, text.encode()) if text else b""  # proto3 leaves empty strings out


def _strs(field: int, texts: Iterable[str]) -> bytes:
    return b"".join(_msg(field, t.encode()) for t in texts)


def _bool(field: int, value: bool) -> bytes:
    return _varint(field << 3) + b"\x01" if value else b""  # wire type 0 (varint)


def _named_any(name: str, yaml: str) -> bytes:
    # NamedAny{name=1, value=2 Any{yaml=2}}
    return _str(1, name) + _msg(2, _str(2, yaml))


def _gvk_yaml(gvk: dict[str, str]) -> str:
    # JSON strings are valid YAML double-quoted scalars, so no value can be misread (a kind "On" or
    # a version "1.0" as a bool or a number).
    return "".join(f"{k}: {json.dumps(v)}\n" for k, v in gvk.items())


def _parameters_item(param: _Param) -> bytes:
    if param.location == "query":
        # QueryParameterSubSchema{required=1, in=2, description=3, name=4, type=6}
        sub = _bool(1, param.required) + _str(2, "query") + _str(3, param.description)
        sub += _str(4, param.name) + _str(6, param.type)
        non_body = _msg(3, sub)  # NonBodyParameter.query_parameter_sub_schema=3
    else:
        # PathParameterSubSchema{required=1, in=2, description=3, name=4, type=5}
        sub = _bool(1, param.required) + _str(2, "path") + _str(3, param.description)
        sub += _str(4, param.name) + _str(5, param.type)
        non_body = _msg(4, sub)  # NonBodyParameter.path_parameter_sub_schema=4
    # ParametersItem.parameter=1 -> Parameter.non_body_parameter=2
    return _msg(1, _msg(2, non_body))


def _operation(p: _PatchPath) -> bytes:
    # Operation{tags=1, description=3, operation_id=5, produces=6, consumes=7, parameters=8,
    #           responses=9, schemes=10, vendor_extension=13}
    responses = b"".join(
        # Responses.response_code=1 NamedResponseValue{name=1, value=2 ResponseValue{response=1
        # Response{description=1}}}
        _msg(1, _str(1, code) + _msg(2, _msg(1, _str(1, text))))
        for code, text in _RESPONSES
    )
    return (
        _strs(1, [p.tag])
        + _str(3, f"partially update the specified {p.kind}")
        + _str(5, p.operation_id)
        + _strs(6, _PRODUCES)
        + _strs(7, _PATCH_CONSUMES)
        + b"".join(_msg(8, _parameters_item(q)) for q in _PATCH_QUERY)
        + _msg(9, responses)
        + _strs(10, ["https"])
        + _msg(13, _named_any("x-kubernetes-action", "patch\n"))
        + _msg(13, _named_any("x-kubernetes-group-version-kind", _gvk_yaml(p.gvk)))
    )


def openapi_v2_protobuf(gvks: Iterable[tuple[str, str, str, str]], *, version: str = "v1.32.0") -> bytes:
    """The document as a serialized gnostic ``openapi_v2.Document``, the form kubectl reads.

    Args:
        gvks: ``(group, version, kind, item_path)`` per served kind, e.g. ``("apps", "v1", "Deployment",
            "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")``; the core group is ``""``.
        version: the server version shown in ``info.version``.

    Returns:
        Bytes to serve with ``Content-Type: application/octet-stream``.

    Raises:
        ConfigError: one path is given for two different kinds.
    """
    named_paths = b""
    for p in _patch_paths(gvks):
        # PathItem{patch=8, parameters=9}; Paths.path=2 NamedPathItem{name=1, value=2}
        item = _msg(8, _operation(p)) + b"".join(_msg(9, _parameters_item(q)) for q in p.path_params)
        named_paths += _msg(2, _str(1, p.path) + _msg(2, item))
    info = _str(1, "Kubernetes") + _str(2, version)  # Info{title=1, version=2}
    # Document{swagger=1, info=2, paths=8, definitions=9}; definitions is present but empty.
    return _str(1, "2.0") + _msg(2, info) + _msg(8, named_paths) + _msg(9, b"")


def wants_protobuf(accept: str | None) -> bool:
    """Whether an ``Accept`` header asks ``/openapi/v2`` for the protobuf document (kubectl does)."""
    return any(
        part.split(";")[0].strip().lower() == PROTOBUF_MEDIA_TYPE for part in (accept or "").split(",")
    )

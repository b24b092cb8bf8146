"""The /openapi/v2 document: protobuf wire structure, gnostic field numbers, and the JSON twin.

The protobuf is decoded here with a small independent wire-format reader and walked with the
gnostic field numbers (google/gnostic openapiv2/OpenAPIv2.proto), the way kubectl's
QueryParamVerifier walks it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from workbench.errors import ConfigError
from workbench.sandbox._openapi import (
    PROTOBUF_CONTENT_TYPE,
    PROTOBUF_MEDIA_TYPE,
    openapi_v2_json,
    openapi_v2_protobuf,
    wants_protobuf,
)

GVKS = [
    ("apps", "v1", "Deployment", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"),
    ("", "v1", "Pod", "/api/v1/namespaces/{namespace}/pods/{name}"),
    ("", "v1", "Namespace", "/api/v1/namespaces/{name}"),
    ("batch", "v1beta1", "CronJob", "/apis/batch/v1beta1/namespaces/{namespace}/cronjobs/{name}"),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}",
    ),
]

Fields = dict[int, list[Any]]


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def decode(buf: bytes) -> Fields:
    """Protobuf wire format: field number -> values (int for varints, bytes for length-delimited)."""
    fields: Fields = {}
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 2:
            size, pos = read_varint(buf, pos)
            value = buf[pos : pos + size]
            assert len(value) == size, "length runs past the end of the message"
            pos += size
        else:
            raise AssertionError(f"unexpected wire type {wire} for field {number}")
        fields.setdefault(number, []).append(value)
    assert pos == len(buf)
    return fields


def text(fields: Fields, number: int) -> str:
    (value,) = fields[number]
    return bytes(value).decode()


def texts(fields: Fields, number: int) -> list[str]:
    return [bytes(v).decode() for v in fields.get(number, [])]


def sub(fields: Fields, number: int) -> Fields:
    (value,) = fields[number]
    return decode(value)


def parameter_json(item: bytes) -> dict[str, Any]:
    """ParametersItem{parameter=1 Parameter{non_body_parameter=2 NonBodyParameter{query=3|path=4}}}."""
    parameters_item = decode(item)
    assert set(parameters_item) == {1}
    parameter = sub(parameters_item, 1)
    assert set(parameter) == {2}
    non_body = sub(parameter, 2)
    ((which, (raw,)),) = non_body.items()
    schema = decode(raw)
    # QueryParameterSubSchema: required=1 in=2 description=3 name=4 type=6;
    # PathParameterSubSchema: required=1 in=2 description=3 name=4 type=5.
    type_field = {3: 6, 4: 5}[which]
    assert set(schema) <= {1, 2, 3, 4, type_field}
    out: dict[str, Any] = {"name": text(schema, 4), "in": text(schema, 2), "type": text(schema, type_field)}
    out["description"] = text(schema, 3)
    assert out["in"] == {3: "query", 4: "path"}[which]
    if 1 in schema:
        assert schema[1] == [1]
        out["required"] = True
    return out


def operation_json(raw: bytes) -> dict[str, Any]:
    op = decode(raw)
    # Operation: tags=1 description=3 operation_id=5 produces=6 consumes=7 parameters=8 responses=9
    # schemes=10 vendor_extension=13
    assert set(op) == {1, 3, 5, 6, 7, 8, 9, 10, 13}
    responses: dict[str, Any] = {}
    for named in sub(op, 9)[1]:  # Responses.response_code=1
        named_fields = decode(named)  # NamedResponseValue{name=1, value=2}
        response = sub(sub(named_fields, 2), 1)  # ResponseValue.response=1
        responses[text(named_fields, 1)] = {"description": text(response, 1)}  # Response.description=1
    out: dict[str, Any] = {
        "description": text(op, 3),
        "consumes": texts(op, 7),
        "produces": texts(op, 6),
        "schemes": texts(op, 10),
        "tags": texts(op, 1),
        "operationId": text(op, 5),
        "parameters": [parameter_json(p) for p in op[8]],
        "responses": responses,
    }
    for ext in op[13]:
        named_any = decode(ext)  # NamedAny{name=1, value=2 Any{yaml=2}}
        any_value = sub(named_any, 2)
        assert set(any_value) == {2}
        out[text(named_any, 1)] = yaml.safe_load(text(any_value, 2))
    return out


def document_json(buf: bytes) -> dict[str, Any]:
    """Rebuild the Swagger JSON from the protobuf, reading every field by its gnostic number."""
    doc = decode(buf)
    assert set(doc) == {1, 2, 8, 9}  # swagger, info, paths, definitions
    info = sub(doc, 2)
    assert set(info) == {1, 2}  # title, version
    paths: dict[str, Any] = {}
    for named in sub(doc, 8)[2]:  # Paths.path=2
        named_path = decode(named)  # NamedPathItem{name=1, value=2}
        item = sub(named_path, 2)
        assert set(item) <= {8, 9}  # PathItem: patch=8, parameters=9
        paths[text(named_path, 1)] = {
            "parameters": [parameter_json(p) for p in item.get(9, [])],
            "patch": operation_json(item[8][0]),
        }
    assert sub(doc, 9) == {}
    return {
        "swagger": text(doc, 1),
        "info": {"title": text(info, 1), "version": text(info, 2)},
        "paths": paths,
        "definitions": {},
    }


def supports_query_param(buf: bytes, gvk: tuple[str, str, str], param: str) -> bool:
    """kubectl's QueryParamVerifier (v2): the first PATCH whose GVK extension matches decides."""
    for named in sub(decode(buf), 8)[2]:
        patch = operation_json(sub(decode(named), 2)[8][0])
        want = dict(zip(("group", "version", "kind"), gvk, strict=True))
        if patch["x-kubernetes-group-version-kind"] == want:
            return any(p["name"] == param and p["in"] == "query" for p in patch["parameters"])
    return False


def test_top_level_fields() -> None:
    doc = decode(openapi_v2_protobuf(GVKS, version="v1.32.4"))
    assert text(doc, 1) == "2.0"
    assert text(sub(doc, 2), 1) == "Kubernetes"
    assert text(sub(doc, 2), 2) == "v1.32.4"
    assert len(sub(doc, 8)[2]) == len(GVKS)


def test_protobuf_and_json_describe_the_same_document() -> None:
    from_protobuf = document_json(openapi_v2_protobuf(GVKS))
    assert from_protobuf == json.loads(openapi_v2_json(GVKS))


def test_deployment_path_in_detail() -> None:
    doc = json.loads(openapi_v2_json(GVKS))
    assert doc["definitions"] == {}
    assert list(doc["paths"]) == sorted(p for *_, p in GVKS)
    item = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
    assert set(item) == {"parameters", "patch"}
    assert [(p["name"], p["in"], p.get("required")) for p in item["parameters"]] == [
        ("namespace", "path", True),
        ("name", "path", True),
    ]
    patch = item["patch"]
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment"
    assert patch["tags"] == ["apps_v1"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "apps",
        "kind": "Deployment",
        "version": "v1",
    }
    assert patch["x-kubernetes-action"] == "patch"
    assert "application/strategic-merge-patch+json" in patch["consumes"]
    assert {p["name"]: p["type"] for p in patch["parameters"]} == {
        "dryRun": "string",
        "fieldManager": "string",
        "fieldValidation": "string",
        "force": "boolean",
        "pretty": "string",
    }
    assert all(p["in"] == "query" for p in patch["parameters"])


def test_operation_ids_and_tags_follow_the_api_server_naming() -> None:
    patches = {path: item["patch"] for path, item in json.loads(openapi_v2_json(GVKS))["paths"].items()}
    assert patches["/api/v1/namespaces/{namespace}/pods/{name}"]["operationId"] == "patchCoreV1NamespacedPod"
    assert patches["/api/v1/namespaces/{name}"]["operationId"] == "patchCoreV1Namespace"
    cluster_role = patches["/apis/rbac.authorization.k8s.io/v1/clusterroles/{name}"]
    assert cluster_role["operationId"] == "patchRbacAuthorizationV1ClusterRole"
    assert cluster_role["tags"] == ["rbacAuthorization_v1"]
    cron = patches["/apis/batch/v1beta1/namespaces/{namespace}/cronjobs/{name}"]
    assert cron["operationId"] == "patchBatchV1beta1NamespacedCronJob"


def test_gvk_extension_yaml_is_what_kubectl_parses() -> None:
    for named in sub(decode(openapi_v2_protobuf(GVKS)), 8)[2]:
        op = decode(sub(decode(named), 2)[8][0])
        gvk_yaml = next(
            text(sub(decode(e), 2), 2)
            for e in op[13]
            if text(decode(e), 1) == "x-kubernetes-group-version-kind"
        )
        parsed = yaml.safe_load(gvk_yaml)
        assert all(isinstance(v, str) for v in parsed.values())
        assert list(parsed) == ["group", "kind", "version"]
    core = openapi_v2_protobuf([("", "v1", "Pod", "/api/v1/namespaces/{namespace}/pods/{name}")])
    assert b'group: ""\nkind: "Pod"\nversion: "v1"\n' in core
    # Values YAML would otherwise read as a bool or a number stay strings.
    odd = openapi_v2_protobuf([("x.io", "1.0", "On", "/apis/x.io/1.0/ons/{name}")])
    assert document_json(odd)["paths"]["/apis/x.io/1.0/ons/{name}"]["patch"][
        "x-kubernetes-group-version-kind"
    ] == {
        "group": "x.io",
        "kind": "On",
        "version": "1.0",
    }


@pytest.mark.parametrize(
    ("gvk", "param", "expected"),
    [
        (("apps", "v1", "Deployment"), "dryRun", True),
        (("apps", "v1", "Deployment"), "fieldValidation", True),
        (("", "v1", "Namespace"), "dryRun", True),
        (("", "v1", "Pod"), "dryRun", True),
        (("batch", "v1beta1", "CronJob"), "dryRun", True),
        (("batch", "v1", "CronJob"), "dryRun", False),
        (("apps", "v1", "Deployment"), "name", False),
    ],
)
def test_kubectl_query_param_verifier_view(gvk: tuple[str, str, str], param: str, expected: bool) -> None:
    assert supports_query_param(openapi_v2_protobuf(GVKS), gvk, param) is expected


def test_empty_document_and_determinism() -> None:
    empty = decode(openapi_v2_protobuf([]))
    assert text(empty, 1) == "2.0"
    assert empty[8] == [b""]
    assert empty[9] == [b""]
    assert json.loads(openapi_v2_json([]))["paths"] == {}
    assert openapi_v2_protobuf(GVKS) == openapi_v2_protobuf(reversed(GVKS))


def test_duplicates() -> None:
    assert openapi_v2_protobuf(GVKS + GVKS[:1]) == openapi_v2_protobuf(GVKS)
    clash = [*GVKS, ("apps", "v1beta1", "Deployment", GVKS[0][3])]
    with pytest.raises(ConfigError, match="give each group/version/kind its own item path"):
        openapi_v2_protobuf(clash)


def test_long_messages_use_multi_byte_lengths() -> None:
    kinds = [
        ("stable.example.com", "v1", f"Kind{i}", f"/apis/stable.example.com/v1/kind{i}s/{{name}}")
        for i in range(40)
    ]
    buf = openapi_v2_protobuf(kinds)
    paths = sub(decode(buf), 8)
    assert len(paths[2]) == 40
    assert len(decode(buf)[8][0]) > 16384  # the paths message needs a three-byte length varint
    assert document_json(buf) == json.loads(openapi_v2_json(kinds))


def test_accept_negotiation() -> None:
    assert wants_protobuf(PROTOBUF_MEDIA_TYPE)
    assert wants_protobuf(f"application/json;q=0.5, {PROTOBUF_MEDIA_TYPE}")
    assert not wants_protobuf("application/json")
    assert not wants_protobuf(None)
    assert PROTOBUF_CONTENT_TYPE == "application/octet-stream"

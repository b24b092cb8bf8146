"""Unknown fields (``fieldValidation``), Secret ``stringData`` and ``kubectl auth whoami``.

kubectl 1.32 sends ``fieldValidation=Strict`` on create, replace and apply; ``--validate=warn``
and ``--validate=false`` send ``Warn`` and ``Ignore``; a client that sends nothing gets ``Warn``.
The wording is kube-apiserver's (handlers/create.go, patch.go and apimachinery's strict decoding
error).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
import yaml
from kubernetes import client, config

from tests.conftest import Kubectl
from tests.sandbox.test_client import KINDS
from workbench import sandbox as sandbox_pkg
from workbench.errors import SandboxApiError
from workbench.sandbox._admission import check_unknown_fields, field_validation
from workbench.sandbox._protobuf import drop_unknown_fields, unknown_fields
from workbench.sandbox._warnings import collect_warnings

STRICT_ERROR = (
    'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be '
    'handled as a Deployment: strict decoding error: unknown field "spec.replica", '
    'unknown field "spec.template.spec.containers[0].imagePullPolcy"\n'
)


def typo_deployment(name: str, ns: str, image: str = "nginx:1.27") -> str:
    """A namespace and a Deployment with two typos: ``replica`` and ``imagePullPolcy``."""
    labels = {"app": name}
    container = {"name": "web", "image": image, "imagePullPolcy": "Always"}
    return yaml.safe_dump_all(
        [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": ns},
                "spec": {
                    "replica": 2,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
                },
            },
        ]
    )


def call(
    sb: sandbox_pkg.Sandbox, method: str, path: str, body: Any, ctype: str = "application/json"
) -> tuple[int, dict[str, Any], list[str]]:
    """One raw request: (status, decoded body, Warning header values)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(  # noqa: S310  # the sandbox on loopback
        f"{sb.url}{path}", data=data, method=method, headers={"Content-Type": ctype}
    )
    try:
        resp = urllib.request.urlopen(req)  # noqa: S310  # the sandbox on loopback
    except urllib.error.HTTPError as err:
        resp = err
    with resp:
        return resp.status, json.loads(resp.read()), resp.headers.get_all("Warning") or []


def configmap(name: str, **fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, **fields}


def stored_objects(sb: sandbox_pkg.Sandbox) -> list[dict[str, Any]]:
    """Every stored object of every resource, as kept in the store."""
    return [
        entry.decode()
        for rtype in sb.api.registry.all()
        if not sb.api.registry.is_virtual(rtype)
        for entry in sb.api.store.iter_entries(sb.api.bucket(rtype))
    ]


# -- the schema: what a strict decode into the Go types refuses -------------------------------------------
def test_typos_are_found_at_every_depth_with_the_decoders_paths() -> None:
    _, deployment = yaml.safe_load_all(typo_deployment("d", "ns"))
    pod_spec = deployment["spec"]["template"]["spec"]
    pod_spec["volumes"] = [{"name": "v", "configMap": {"name": "c", "items": [{"key": "k", "pth": "p"}]}}]
    pod_spec["containers"][0]["livenessProbe"] = {"httpGet": {"port": 80}, "exec2": {}}
    pod_spec["containers"][0]["Image"] = "case matters"
    assert unknown_fields("apps/v1", "Deployment", deployment) == [
        "spec.replica",
        "spec.template.spec.containers[0].imagePullPolcy",
        "spec.template.spec.containers[0].livenessProbe.exec2",
        "spec.template.spec.containers[0].Image",
        "spec.template.spec.volumes[0].configMap.items[0].pth",
    ]


@pytest.mark.parametrize(
    ("api_version", "kind", "obj"),
    [
        # maps take any key; their Quantity values are opaque
        (
            "v1",
            "Pod",
            {
                "metadata": {"labels": {"a/b": "c"}, "annotations": {"x": "{}"}},
                "spec": {
                    "containers": [
                        {"name": "c", "resources": {"limits": {"nvidia.com/gpu": 1, "cpu": "250m"}}}
                    ],
                    "overhead": {"memory": "1Mi"},
                    "nodeSelector": {"disk": "ssd"},
                },
            },
        ),
        # inlined structs (VolumeSource, ProbeHandler), IntOrString
        (
            "v1",
            "Pod",
            {
                "spec": {
                    "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "1Gi"}}],
                    "containers": [{"name": "c", "readinessProbe": {"tcpSocket": {"port": "http"}}}],
                }
            },
        ),
        # Time, IntOrString, status on create, managedFields' free-form fieldsV1
        (
            "apps/v1",
            "Deployment",
            {
                "metadata": {
                    "creationTimestamp": None,
                    "managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {"f:anything": {}}}}],
                },
                "spec": {"strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}}},
                "status": {"conditions": [{"type": "Available", "lastUpdateTime": "2026-01-01T00:00:00Z"}]},
            },
        ),
        # RawExtension holds any object; data and stringData are maps
        ("apps/v1", "ControllerRevision", {"data": {"spec": {"whatever": [1]}}, "revision": 2}),
        ("v1", "Secret", {"data": {"k": "dg=="}, "stringData": {"s": "v"}, "type": "Opaque"}),
        # a map of Times, MicroTime
        ("policy/v1", "PodDisruptionBudget", {"status": {"disruptedPods": {"p": "2026-01-01T00:00:00Z"}}}),
        ("events.k8s.io/v1", "Event", {"eventTime": "2026-01-01T00:00:00.000000Z", "note": "n"}),
        # a kind nested in another embeds TypeMeta
        (
            "apps/v1",
            "StatefulSet",
            {"spec": {"volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim"}]}},
        ),
    ],
)
def test_special_json_shapes_are_not_unknown(api_version: str, kind: str, obj: dict[str, Any]) -> None:
    assert unknown_fields(api_version, kind, {"apiVersion": api_version, "kind": kind, **obj}) == []


def test_type_meta_belongs_to_kinds_only() -> None:
    template = {"spec": {"template": {"apiVersion": "v1", "kind": "PodTemplateSpec"}}}
    assert unknown_fields("apps/v1", "Deployment", template) == [
        "spec.template.apiVersion",
        "spec.template.kind",
    ]


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("example.com/v1", "Widget"),  # a custom resource
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),  # its schema is free-form
        ("v1", "Frobnicator"),  # a built-in group, but no such kind
    ],
)
def test_kinds_without_a_schema_are_not_checked(api_version: str, kind: str) -> None:
    assert unknown_fields(api_version, kind, {"spec": {"anything": 1}, "extra": 2}) == []


def test_dropping_removes_exactly_the_unknown_keys() -> None:
    obj = configmap("c", data={"k": "v"}, dta={"k": "v"}, metadata={"name": "c", "lables": {}})
    assert drop_unknown_fields("v1", "ConfigMap", obj) == ["metadata.lables", "dta"]
    assert obj == configmap("c", data={"k": "v"})


def test_no_built_in_object_of_a_scenario_has_unknown_fields() -> None:
    for synthetic in (None, "pods=100"):
        with sandbox_pkg.start("healthy", synthetic=synthetic, manual_clock=True) as sb:
            sb.advance(30)  # let the control plane write what it writes
            objects = stored_objects(sb)
            assert sum(o["kind"] == "Pod" for o in objects) >= (100 if synthetic else 1)
            dirty = {
                f"{o['kind']}/{o['metadata']['name']}": unknown_fields(o["apiVersion"], o["kind"], o)
                for o in objects
            }
            assert {k: v for k, v in dirty.items() if v} == {}


def test_every_kind_created_through_the_client_under_strict_is_schema_clean(
    sandbox: sandbox_pkg.Sandbox,
) -> None:
    api = config.new_client_from_config(str(sandbox.kubeconfig))
    names = set()
    try:
        for cls, suffix, namespaced, body in KINDS:
            typed = getattr(client, cls)(api)
            name = f"fv-{suffix.replace('_', '-')}-{cls.lower().removesuffix('api')}"
            names.add(name)
            args = ("default",) if namespaced else ()
            mid = f"namespaced_{suffix}" if namespaced else suffix
            getattr(typed, f"create_{mid}")(
                *args, {"metadata": {"name": name}, **body}, field_validation="Strict"
            )
    finally:
        api.close()
    created = [o for o in stored_objects(sandbox) if o["metadata"]["name"] in names]
    assert {o["metadata"]["name"] for o in created} == names  # (and a Service's own Endpoints)
    dirty = {o["metadata"]["name"]: unknown_fields(o["apiVersion"], o["kind"], o) for o in created}
    assert {k: v for k, v in dirty.items() if v} == {}


# -- the directive: Ignore, Warn, Strict ---------------------------------------------------------------
def test_the_directive_defaults_to_warn_and_other_values_are_refused() -> None:
    assert [field_validation(v, "CreateOptions") for v in ("", "Ignore", "Warn", "Strict")] == [
        "Warn",
        "Ignore",
        "Warn",
        "Strict",
    ]
    with pytest.raises(SandboxApiError) as err:
        field_validation("strict", "PatchOptions")  # the values are case-sensitive
    assert (err.value.code, err.value.message) == (
        422,
        'PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": '
        'supported values: "", "Ignore", "Strict", "Warn"',
    )
    assert err.value.details["causes"] == [
        {
            "reason": "FieldValueNotSupported",
            "message": 'Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
            "field": "fieldValidation",
        }
    ]


def test_ignore_and_warn_drop_the_fields_and_strict_refuses_them() -> None:
    def body() -> dict[str, Any]:
        return configmap("c", data={"k": "v"}, dta={}, binaryDta={})

    ignored, warned = body(), body()
    assert check_unknown_fields(ignored, "Ignore") == []
    assert check_unknown_fields(warned, "Warn") == ['unknown field "dta"', 'unknown field "binaryDta"']
    assert ignored == warned == configmap("c", data={"k": "v"})
    with pytest.raises(SandboxApiError) as err:
        check_unknown_fields(body(), "Strict")
    assert (err.value.code, err.value.reason, err.value.message) == (
        400,
        "BadRequest",
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "dta", unknown field "binaryDta"',
    )


def test_a_type_error_is_reported_before_unknown_fields_as_the_decoder_does() -> None:
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "2", "replica": 2}}
    with pytest.raises(SandboxApiError) as err:
        check_unknown_fields(body, "Strict")
    assert err.value.message.startswith(
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string'
    )


def test_a_patch_is_refused_with_the_patch_handlers_422() -> None:
    old = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1}}
    patch = {"spec": {"replica": 0.5, "zeta": 1e6, "alpha": None, "template": {"x": [True, "s"]}}}
    patched = {**old, "spec": {**old["spec"], **patch["spec"]}}
    with pytest.raises(SandboxApiError) as err:
        check_unknown_fields(patched, "Strict", old=old, patch=("strategic", patch))
    detail = (
        'strict decoding error: unknown field "spec.alpha", unknown field "spec.replica", '
        'unknown field "spec.template.x", unknown field "spec.zeta"'
    )
    shown = '"map[spec:map[alpha:<nil> replica:0.5 template:map[x:[true s]] zeta:1e+06]]"'
    assert (err.value.code, err.value.reason) == (422, "Invalid")
    assert err.value.message == f' "" is invalid: patch: Invalid value: {shown}: {detail}'
    assert err.value.details == {
        "causes": [
            {"reason": "FieldValueInvalid", "message": f"Invalid value: {shown}: {detail}", "field": "patch"}
        ]
    }
    merged = {**old, "spec": {"replicas": 1, "replica": 2}, "note": "<&>"}
    with pytest.raises(SandboxApiError) as err:
        check_unknown_fields(merged, "Strict", old=old, patch=("merge", {}))
    assert err.value.message == (
        ' "" is invalid: patch: Invalid value: "{\\"apiVersion\\":\\"apps/v1\\",\\"kind\\":\\"Deployment\\",'
        '\\"metadata\\":{\\"name\\":\\"d\\"},\\"note\\":\\"\\\\u003c\\\\u0026\\\\u003e\\",'
        '\\"spec\\":{\\"replica\\":2,\\"replicas\\":1}}": strict decoding error: unknown field "note", '
        'unknown field "spec.replica"'
    )


def test_unknown_fields_the_stored_object_already_had_are_not_the_clients() -> None:
    # A snapshot recorded from a newer cluster may hold fields this schema predates.
    old = configmap("c", data={}, fromTheFuture={"x": 1})
    new = configmap("c", data={"k": "v"}, fromTheFuture={"x": 1}, dta={})
    assert check_unknown_fields(new, "Warn", old=old) == ['unknown field "dta"']
    assert new == configmap("c", data={"k": "v"}, fromTheFuture={"x": 1})
    assert check_unknown_fields(new, "Strict", old=old) == []


def test_in_process_writes_give_warnings_only_to_a_collector(sandbox: sandbox_pkg.Sandbox) -> None:
    api = sandbox.api
    configmaps = api.registry.find("", "v1", "configmaps")
    assert configmaps is not None
    assert "dta" not in api.create(configmaps, "default", configmap("fv-quiet", dta={}))
    with collect_warnings() as warnings:
        api.create(configmaps, "default", configmap("fv-heard", dta={}, dta2={}))
        api.update(configmaps, "default", "fv-heard", configmap("fv-heard", dta={}))
    assert warnings == ['unknown field "dta"', 'unknown field "dta2"']
    with pytest.raises(SandboxApiError) as err:
        api.create(configmaps, "default", configmap("fv-strict", dta={}), field_validation="Strict")
    assert err.value.code == 400


# -- kubectl ------------------------------------------------------------------------------------------
def test_kubectl_refuses_typos_under_its_default_strict_validation(kubectl: Kubectl) -> None:
    refused = kubectl("apply", "-f", "-", stdin=typo_deployment("typo", "fv-strict"), check=False)
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        1,
        "namespace/fv-strict created\n",
        STRICT_ERROR,
    )
    gone = kubectl("get", "deploy", "typo", "-n", "fv-strict", check=False)
    assert gone.stderr.strip() == 'Error from server (NotFound): deployments.apps "typo" not found'


def test_kubectl_validate_warn_creates_and_prints_a_warning_per_field(kubectl: Kubectl) -> None:
    created = kubectl("apply", "--validate=warn", "-f", "-", stdin=typo_deployment("typo", "fv-warn"))
    assert created.stdout == "namespace/fv-warn created\ndeployment.apps/typo created\n"
    assert created.stderr == (
        'Warning: unknown field "spec.replica"\n'
        'Warning: unknown field "spec.template.spec.containers[0].imagePullPolcy"\n'
    )
    stored = json.loads(kubectl("get", "deploy", "typo", "-n", "fv-warn", "-o", "json").stdout)
    assert "replica" not in stored["spec"]
    assert stored["spec"]["replicas"] == 1  # the typo was dropped, so the default applies
    assert stored["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


def test_kubectl_validate_false_creates_silently(kubectl: Kubectl) -> None:
    created = kubectl("apply", "--validate=false", "-f", "-", stdin=typo_deployment("typo", "fv-ignore"))
    assert (created.stdout, created.stderr) == (
        "namespace/fv-ignore created\ndeployment.apps/typo created\n",
        "",
    )
    assert (
        "replica"
        not in json.loads(kubectl("get", "deploy", "typo", "-n", "fv-ignore", "-o", "json").stdout)["spec"]
    )


def test_kubectl_apply_to_an_existing_object_checks_the_patched_result(kubectl: Kubectl) -> None:
    kubectl("apply", "--validate=false", "-f", "-", stdin=typo_deployment("typo", "fv-patch"))
    # The typos are in the last-applied annotation now, so the three-way patch carries them again.
    refused = kubectl(
        "apply", "-f", "-", stdin=typo_deployment("typo", "fv-patch", "nginx:1.28"), check=False
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith('The request is invalid: patch: Invalid value: "map[metadata:map[')
    assert refused.stderr.endswith(
        '": strict decoding error: unknown field "spec.replica", '
        'unknown field "spec.template.spec.containers[0].imagePullPolcy"\n'
    )
    image = "{.spec.template.spec.containers[0].image}"
    assert (
        kubectl("get", "deploy", "typo", "-n", "fv-patch", "-o", f"jsonpath={image}").stdout == "nginx:1.27"
    )
    # kubectl patch sends no fieldValidation: the server's default, Warn.
    patched = kubectl(
        "patch", "deploy", "typo", "-n", "fv-patch", "-p", '{"spec":{"paused":true,"pasued":1}}'
    )
    assert (patched.stdout, patched.stderr) == (
        "deployment.apps/typo patched\n",
        'Warning: unknown field "spec.pasued"\n',
    )


# -- over HTTP: the official client, merge and JSON patches, the header's quoting ------------------------
def test_the_python_client_gets_a_warning_header_per_unknown_field(sandbox: sandbox_pkg.Sandbox) -> None:
    api = config.new_client_from_config(str(sandbox.kubeconfig))
    try:
        request = api.param_serialize(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            header_params={"Content-Type": "application/json", "Accept": "application/json"},
            body=configmap("fv-client", data={"k": "v"}, dta={"k": "v"}, imutable=True),
        )
        response = api.call_api(*request)
        response.read()
    finally:
        api.close()
    assert response.status == 201
    assert response.response.headers.getlist("Warning") == [
        '299 - "unknown field \\"dta\\""',
        '299 - "unknown field \\"imutable\\""',
    ]
    assert json.loads(response.data)["data"] == {"k": "v"}
    assert "dta" not in json.loads(response.data)


def test_merge_and_json_patches_under_strict_and_warn(sandbox: sandbox_pkg.Sandbox) -> None:
    path = "/api/v1/namespaces/default/configmaps"
    assert call(sandbox, "POST", path, configmap("fv-patch", data={"k": "v"}))[0] == 201
    merge = "application/merge-patch+json"
    code, status, _ = call(sandbox, "PATCH", f"{path}/fv-patch?fieldValidation=Strict", {"dta": {}}, merge)
    assert (code, status["reason"]) == (422, "Invalid")
    assert status["message"].endswith('": strict decoding error: unknown field "dta"')
    assert status["details"]["causes"][0]["field"] == "patch"
    ops = [{"op": "add", "path": "/imutable", "value": True}]
    code, status, _ = call(
        sandbox, "PATCH", f"{path}/fv-patch?fieldValidation=Strict", ops, "application/json-patch+json"
    )
    assert (code, status["message"].rsplit(": ", 1)[-1]) == (422, 'unknown field "imutable"')
    code, obj, warnings = call(sandbox, "PATCH", f"{path}/fv-patch", {"dta": {}, "data": {"k": "w"}}, merge)
    assert (code, obj["data"], "dta" in obj, warnings) == (
        200,
        {"k": "w"},
        False,
        ['299 - "unknown field \\"dta\\""'],
    )


def test_an_invalid_directive_is_refused_like_the_options_validation(sandbox: sandbox_pkg.Sandbox) -> None:
    code, status, _ = call(
        sandbox, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Bogus", configmap("x")
    )
    assert (code, status["reason"], status["message"]) == (
        422,
        "Invalid",
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Bogus": '
        'supported values: "", "Ignore", "Strict", "Warn"',
    )
    assert status["details"]["group"] == "meta.k8s.io"


def test_warning_text_is_quoted_for_the_header(sandbox: sandbox_pkg.Sandbox) -> None:
    body = configmap("fv-quote", **{'we"ird\\': 1, "caf\u00e9": 2, "new\nline": 3})
    code, _, warnings = call(sandbox, "POST", "/api/v1/namespaces/default/configmaps", body)
    assert code == 201
    assert [w.encode("latin-1").decode() for w in warnings] == [
        '299 - "unknown field \\"we\\\\\\"ird\\\\\\\\\\""',
        '299 - "unknown field \\"caf\u00e9\\""',
        '299 - "unknown field \\"new\\\\nline\\""',
    ]


# -- Secret stringData -----------------------------------------------------------------------------------
def test_string_data_is_merged_into_data_and_wins_over_it(sandbox: sandbox_pkg.Sandbox) -> None:
    secrets = "/api/v1/namespaces/default/secrets"
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "fv-creds"},
        "data": {"user": "YWRtaW4=", "password": "b2xk"},
        "stringData": {"password": "s3cr\u00e9t", "token": ""},
    }
    code, created, _ = call(sandbox, "POST", secrets, body)
    assert (code, created["data"], "stringData" in created, created["type"]) == (
        201,
        {"user": "YWRtaW4=", "password": "czNjcsOpdA==", "token": ""},
        False,
        "Opaque",
    )
    replaced = {**created, "stringData": {"user": "root"}}
    code, updated, _ = call(sandbox, "PUT", f"{secrets}/fv-creds", replaced)
    assert (code, updated["data"]["user"], "stringData" in updated) == (200, "cm9vdA==", False)
    patch = {"stringData": {"extra": "x"}}
    code, patched, _ = call(sandbox, "PATCH", f"{secrets}/fv-creds", patch, "application/merge-patch+json")
    assert (code, patched["data"]["extra"], "stringData" in patched) == (200, "eA==", False)


# -- kubectl auth whoami -----------------------------------------------------------------------------------
def test_kubectl_auth_whoami(kubectl: Kubectl) -> None:
    assert kubectl("auth", "whoami").stdout == (
        "ATTRIBUTE   VALUE\nUsername    sandbox-admin\nGroups      [system:masters system:authenticated]\n"
    )
    review = json.loads(kubectl("auth", "whoami", "-o", "json").stdout)
    assert (review["kind"], review["apiVersion"], review["status"]) == (
        "SelfSubjectReview",
        "authentication.k8s.io/v1",
        {"userInfo": {"username": "sandbox-admin", "groups": ["system:masters", "system:authenticated"]}},
    )


def test_self_subject_reviews_are_create_only_and_cluster_scoped(sandbox: sandbox_pkg.Sandbox) -> None:
    path = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
    code, review, _ = call(
        sandbox, "POST", path, {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    )
    assert (code, review["status"]["userInfo"]["username"]) == (201, "sandbox-admin")
    assert review["metadata"]["creationTimestamp"].endswith("Z")
    assert call(sandbox, "PUT", f"{path}/x", {})[0] == 405
    assert call(sandbox, "POST", path, ["not", "an", "object"])[0] == 400
    resources = call(sandbox, "GET", "/apis/authentication.k8s.io/v1", None)[1]["resources"]
    assert resources == [
        {
            "name": "selfsubjectreviews",
            "singularName": "selfsubjectreview",
            "namespaced": False,
            "kind": "SelfSubjectReview",
            "verbs": ["create"],
            "storageVersionHash": resources[0]["storageVersionHash"],
        }
    ]

"""Decode-time type checks driven by the generated schema: the 400 a real server sends when a body does
not decode into the kind's Go struct, on every write path (status writes and events.k8s.io included),
and the Event fields the real server always serializes.
"""

from __future__ import annotations

import copy
import http.client
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from kubernetes import client, config

from tests.conftest import Kubectl
from workbench.errors import SandboxApiError
from workbench.quantity import FORMAT_ERROR
from workbench.sandbox import Sandbox
from workbench.sandbox._admission import AdmissionContext, apply_defaults
from workbench.sandbox._admission._decode import check_types
from workbench.sandbox._convert import to_storage
from workbench.sandbox._protobuf._fields import OPAQUE
from workbench.sandbox._protobuf._gotext import base64_problem, duration_problem, time_problem
from workbench.sandbox._protobuf._types import _OWN_JSON, type_problem

FIELD = "json: cannot unmarshal {} into Go struct field {} of type {}"
RFC3339, RFC3339_MICRO = "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000000Z07:00"


def cannot_parse(value: str, value_elem: str, layout_elem: str, *, micro: bool = False) -> str:
    """Go's ``time.Parse`` error for an element that does not match the layout."""
    layout = RFC3339_MICRO if micro else RFC3339
    return f'parsing time "{value}" as "{layout}": cannot parse "{value_elem}" as "{layout_elem}"'


def pod_with(**container: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i", **container}]}}


# -- what Go's decoder refuses, field type by field type ----------------------------------------------
@pytest.mark.parametrize(
    ("kind", "obj", "problem"),
    [
        # integers: an integer literal in range, nothing else
        (
            "Deployment",
            {"spec": {"replicas": "3"}},
            FIELD.format("string", "DeploymentSpec.spec.replicas", "int32"),
        ),
        (
            "Deployment",
            {"spec": {"replicas": 1.5}},
            FIELD.format("number 1.5", "DeploymentSpec.spec.replicas", "int32"),
        ),
        (
            "Deployment",
            {"spec": {"replicas": 3.0}},
            FIELD.format("number 3.0", "DeploymentSpec.spec.replicas", "int32"),
        ),
        (
            "Deployment",
            {"spec": {"replicas": 2**31}},
            FIELD.format("number 2147483648", "DeploymentSpec.spec.replicas", "int32"),
        ),
        (
            "Deployment",
            {"spec": {"replicas": True}},
            FIELD.format("bool", "DeploymentSpec.spec.replicas", "int32"),
        ),
        (
            "Deployment",
            {"status": {"replicas": "x"}},
            FIELD.format("string", "DeploymentStatus.status.replicas", "int32"),
        ),
        (
            "Pod",
            {"spec": {"terminationGracePeriodSeconds": 2**63}},
            FIELD.format("number 9223372036854775808", "PodSpec.spec.terminationGracePeriodSeconds", "int64"),
        ),
        # booleans and strings
        (
            "Deployment",
            {"spec": {"paused": "yes"}},
            FIELD.format("string", "DeploymentSpec.spec.paused", "bool"),
        ),
        (
            "ConfigMap",
            {"metadata": {"name": 5}},
            FIELD.format("number", "ObjectMeta.metadata.name", "string"),
        ),
        # structs and lists: the innermost struct names the field, the path has no indexes
        ("Pod", {"metadata": "p"}, FIELD.format("string", "Pod.metadata", "v1.ObjectMeta")),
        (
            "Pod",
            {"spec": {"containers": {"name": "c"}}},
            FIELD.format("object", "PodSpec.spec.containers", "[]v1.Container"),
        ),
        (
            "Pod",
            pod_with(command="ls"),
            FIELD.format("string", "Container.spec.containers.command", "[]string"),
        ),
        (
            "Pod",
            pod_with(command=["ls", 1]),
            FIELD.format("number", "Container.spec.containers.command", "string"),
        ),
        (
            "Pod",
            pod_with(ports=[{"containerPort": "80"}]),
            FIELD.format("string", "ContainerPort.spec.containers.ports.containerPort", "int32"),
        ),
        # inlined structs: their own fields belong to the outer struct
        (
            "Pod",
            {"spec": {"volumes": [{"name": "v", "configMap": "cm"}]}},
            FIELD.format("string", "Volume.spec.volumes.configMap", "v1.ConfigMapVolumeSource"),
        ),
        (
            "Pod",
            {"spec": {"volumes": [{"name": "v", "configMap": {"name": 5}}]}},
            FIELD.format("number", "ConfigMapVolumeSource.spec.volumes.configMap.name", "string"),
        ),
        (
            "Pod",
            pod_with(livenessProbe={"httpGet": "/healthz"}),
            FIELD.format("string", "Probe.spec.containers.livenessProbe.httpGet", "v1.HTTPGetAction"),
        ),
        # maps: the path stops at the map, the type is the map's or its values'
        (
            "Pod",
            {"metadata": {"labels": "a=b"}},
            FIELD.format("string", "ObjectMeta.metadata.labels", "map[string]string"),
        ),
        (
            "Pod",
            {"metadata": {"labels": {"v": 1}}},
            FIELD.format("number", "ObjectMeta.metadata.labels", "string"),
        ),
        (
            "Pod",
            pod_with(resources={"limits": "1"}),
            FIELD.format(
                "string", "ResourceRequirements.spec.containers.resources.limits", "v1.ResourceList"
            ),
        ),
        (
            "ConfigMap",
            {"binaryData": 5},
            FIELD.format("number", "ConfigMap.binaryData", "map[string][]uint8"),
        ),
        ("Secret", {"data": {"k": 5}}, FIELD.format("number", "Secret.data", "[]uint8")),
        ("Secret", {"data": {"password": "hunter 2"}}, "illegal base64 data at input byte 6"),
        (
            "PodDisruptionBudget",
            {"status": {"disruptedPods": 5}},
            FIELD.format("number", "PodDisruptionBudgetStatus.status.disruptedPods", "map[string]v1.Time"),
        ),
        # a kind nested in another carries apiVersion and kind
        (
            "StatefulSet",
            {"spec": {"volumeClaimTemplates": [{"kind": 5}]}},
            FIELD.format("number", "PersistentVolumeClaim.spec.volumeClaimTemplates.kind", "string"),
        ),
        # the types with their own JSON
        (
            "Service",
            {"spec": {"ports": [{"port": 80, "targetPort": True}]}},
            FIELD.format("bool", "ServicePort.spec.ports.targetPort", "int32"),
        ),
        (
            "Service",
            {"spec": {"ports": [{"port": 80, "targetPort": 80.5}]}},
            FIELD.format("number 80.5", "ServicePort.spec.ports.targetPort", "int32"),
        ),
        ("Pod", pod_with(resources={"limits": {"cpu": "lots"}}), FORMAT_ERROR),
        ("Pod", pod_with(resources={"limits": {"cpu": True}}), FORMAT_ERROR),
        (
            "Deployment",
            {"status": {"conditions": [{"type": "Available", "lastTransitionTime": 5}]}},
            FIELD.format("number", "DeploymentCondition.status.conditions.lastTransitionTime", "string"),
        ),
        (
            "Pod",
            {"metadata": {"creationTimestamp": "2026-01-01 10:00:00"}},
            cannot_parse("2026-01-01 10:00:00", " 10:00:00", "T"),
        ),
        (
            "Event",
            {"eventTime": "yesterday"},
            cannot_parse("yesterday", "yesterday", "2006", micro=True),
        ),
    ],
)
def test_a_body_that_does_not_decode_gets_the_decoders_text(
    kind: str, obj: dict[str, Any], problem: str
) -> None:
    assert type_problem(None, kind, obj) == problem


@pytest.mark.parametrize(
    ("kind", "obj"),
    [
        (
            "Deployment",
            {"spec": {"replicas": None, "selector": None, "template": {"spec": {"containers": [None]}}}},
        ),
        ("Pod", {"metadata": {"labels": {"a": None}, "creationTimestamp": None}}),
        ("Pod", pod_with(resources={"limits": {"cpu": 0.5, "memory": "1Gi", "gpu": None}})),
        ("Pod", {"spec": {"terminationGracePeriodSeconds": 2**40}}),
        (
            "Service",
            {"spec": {"ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}]}},
        ),
        ("Pod", {"metadata": {"creationTimestamp": "2026-01-01T10:00:00.5+01:00"}}),
        ("Pod", {"metadata": {"creationTimestamp": datetime(2026, 1, 1, tzinfo=UTC)}}),  # from a YAML body
        ("Pod", {"metadata": {"managedFields": [{"fieldsV1": {"f:spec": {}}}]}}),
        ("ControllerRevision", {"data": ["anything", 1, {"goes": True}]}),
        ("Event", {"eventTime": "2026-01-01T10:00:00.123456Z"}),
        ("Pod", {"spec": {"replica": "unknown keys are not type-checked"}}),
        ("ConfigMap", {"kind": 5}),  # the top object's kind is read before decoding
    ],
)
def test_null_and_every_accepted_form_decode(kind: str, obj: dict[str, Any]) -> None:
    assert type_problem(None, kind, obj) is None


def test_a_micro_time_without_six_fraction_digits_is_let_through() -> None:
    # Go's RFC3339Micro wants six digits; the python client sends whole seconds as "+00:00".
    assert time_problem("2026-01-01T10:00:00+00:00", micro=True) is not None
    for sent in ("2026-01-01T10:00:00+00:00", "2026-01-01T10:00:00.123Z"):
        assert type_problem("v1", "Event", {"eventTime": sent}) is None


def test_the_first_mismatch_in_document_order_is_reported() -> None:
    assert type_problem(None, "Deployment", {"spec": {"replicas": "x", "paused": "y"}}) == FIELD.format(
        "string", "DeploymentSpec.spec.replicas", "int32"
    )
    assert type_problem(None, "Deployment", {"spec": {"paused": "y", "replicas": "x"}}) == FIELD.format(
        "string", "DeploymentSpec.spec.paused", "bool"
    )


def test_an_own_unmarshaler_error_wins_over_an_earlier_mismatch() -> None:
    template = {"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]}}
    assert type_problem(None, "Deployment", {"spec": {"replicas": "x", "template": template}}) == FORMAT_ERROR


def test_the_struct_is_the_objects_api_version_or_the_stored_one() -> None:
    assert type_problem(
        "autoscaling/v1", "HorizontalPodAutoscaler", {"spec": {"targetCPUUtilizationPercentage": "x"}}
    ) == (FIELD.format("string", "HorizontalPodAutoscalerSpec.spec.targetCPUUtilizationPercentage", "int32"))
    assert type_problem(None, "HorizontalPodAutoscaler", {"spec": {"metrics": "x"}}) == FIELD.format(
        "string", "HorizontalPodAutoscalerSpec.spec.metrics", "[]v2.MetricSpec"
    )
    assert type_problem("events.k8s.io/v1", "Event", {"regarding": "x"}) == FIELD.format(
        "string", "Event.regarding", "v1.ObjectReference"
    )
    # a named slice (ExtraValue) is a JSON list of strings
    review = {"spec": {"extra": {"scopes": "a"}}}
    assert type_problem("authorization.k8s.io/v1", "SubjectAccessReview", review) == FIELD.format(
        "string", "SubjectAccessReviewSpec.spec.extra", "v1.ExtraValue"
    )


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("example.com/v1", "Widget"),
        ("example.com/v1", "Deployment"),
        ("apps/v1beta9", "Deployment"),
        (None, "Widget"),
    ],
)
def test_kinds_without_a_schema_are_not_checked(api_version: str | None, kind: str) -> None:
    assert type_problem(api_version, kind, {"spec": {"replicas": "x"}}) is None


def test_check_types_raises_the_400_of_a_real_server() -> None:
    with pytest.raises(SandboxApiError) as err:
        check_types("Deployment", {"apiVersion": "apps/v1", "status": {"replicas": "x"}})
    assert (err.value.code, err.value.reason, err.value.message) == (
        400,
        "BadRequest",
        'Deployment in version "v1" cannot be handled as a Deployment: '
        + FIELD.format("string", "DeploymentStatus.status.replicas", "int32"),
    )
    check_types("Widget", {"apiVersion": "example.com/v1", "spec": {"replicas": "x"}})  # no schema, no check


def test_both_schema_walks_agree_on_the_types_with_their_own_json() -> None:
    assert frozenset(_OWN_JSON) == OPAQUE


# -- Go's parsers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "micro", "problem"),
    [
        ("2026-01-01T10:00:00Z", False, None),
        ("2026-01-01T10:00:00.123456789-07:00", False, None),
        ("2026-01-01T1:00:00Z", False, None),  # Go takes a one-digit hour
        ("2026-01-01T10:00:00.123456Z", True, None),
        ("2024-02-29T00:00:00Z", False, None),
        ("", False, 'parsing time "" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "2006"'),
        (
            "2026-1-01T10:00:00Z",
            False,
            cannot_parse("2026-1-01T10:00:00Z", "1-01T10:00:00Z", "01"),
        ),
        ("2026-13-01T10:00:00Z", False, 'parsing time "2026-13-01T10:00:00Z": month out of range'),
        ("2026-02-29T10:00:00Z", False, 'parsing time "2026-02-29T10:00:00Z": day out of range'),
        ("2026-01-01T24:00:00Z", False, 'parsing time "2026-01-01T24:00:00Z": hour out of range'),
        ("2026-01-01T10:60:00Z", False, 'parsing time "2026-01-01T10:60:00Z": minute out of range'),
        (
            "2026-01-01T10:00:00",
            False,
            'parsing time "2026-01-01T10:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"',
        ),
        (
            "2026-01-01T10:00:00+25:00",
            False,
            'parsing time "2026-01-01T10:00:00+25:00": time zone offset hour out of range',
        ),
        ("2026-01-01T10:00:00Zjunk", False, 'parsing time "2026-01-01T10:00:00Zjunk": extra text: "junk"'),
        (
            "2026-01-01T10:00:00Z",
            True,
            cannot_parse("2026-01-01T10:00:00Z", "Z", ".000000", micro=True),
        ),
        (
            "2026-01-01T10:00:00.1234567Z",
            True,
            cannot_parse("2026-01-01T10:00:00.1234567Z", "7Z", "Z07:00", micro=True),
        ),
        (
            "2026-01-01T10:00:00é",
            False,
            cannot_parse("2026-01-01T10:00:00\\xc3\\xa9", "\\xc3\\xa9", "Z07:00"),  # bytes, as Go quotes them
        ),
    ],
)
def test_time_parse_errors_are_gos(value: str, micro: bool, problem: str | None) -> None:
    assert time_problem(value, micro=micro) == problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1h30m", None),
        ("-1.5s", None),
        ("0", None),
        ("300ms", None),
        ("", 'time: invalid duration ""'),
        ("soon", 'time: invalid duration "soon"'),
        (".s", 'time: invalid duration ".s"'),
        ("1", 'time: missing unit in duration "1"'),
        ("1x", 'time: unknown unit "x" in duration "1x"'),
        ("9999999999999h", 'time: invalid duration "9999999999999h"'),
    ],
)
def test_duration_parse_errors_are_gos(value: str, problem: str | None) -> None:
    assert duration_problem(value) == problem


def test_base64_errors_point_at_the_offending_byte() -> None:
    assert [base64_problem(v) for v in ("aGk=", "aGk", "a\nGk=", "aG=k", "aGk=x")] == [
        None,
        "illegal base64 data at input byte 0",
        None,
        "illegal base64 data at input byte 2",
        "illegal base64 data at input byte 4",
    ]


# -- core Events always carry what the real server serializes ----------------------------------------------
def test_a_core_event_is_stored_with_the_fields_the_server_always_writes() -> None:
    ctx = AdmissionContext(datetime.now(UTC), lambda: "10.96.0.10", lambda: 30080, lambda n: "x" * n)
    bare = apply_defaults("Event", {"metadata": {"name": "e"}, "reason": "Tested"}, ctx)
    assert bare == {
        "metadata": {"name": "e"},
        "reason": "Tested",
        "involvedObject": {},
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "eventTime": None,
        "reportingComponent": "",
        "reportingInstance": "",
    }
    full = {
        "metadata": {"name": "e"},
        "involvedObject": {"kind": "Pod", "name": "p"},
        "source": {"component": "kubelet"},
        "firstTimestamp": "2026-01-01T10:00:00Z",
        "lastTimestamp": "2026-01-01T10:05:00Z",
        "eventTime": "2026-01-01T10:00:00.000000Z",
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1",
    }
    assert apply_defaults("Event", copy.deepcopy(full), ctx) == full


# -- events.k8s.io writes ----------------------------------------------------------------------------------
EV = {"group": "events.k8s.io", "resource": "events", "version": "v1"}


def test_an_events_k8s_io_event_without_event_time_is_invalid() -> None:
    body = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e1"}, "note": "n"}
    with pytest.raises(SandboxApiError) as err:
        to_storage(body, **EV)
    assert (err.value.code, err.value.reason, err.value.message) == (
        422,
        "Invalid",
        'Event.events.k8s.io "e1" is invalid: eventTime: Required value',
    )
    assert err.value.details == {
        "name": "e1",
        "group": "events.k8s.io",
        "kind": "Event",
        "causes": [{"reason": "FieldValueRequired", "message": "Required value", "field": "eventTime"}],
    }


def test_an_events_k8s_io_body_is_decoded_as_its_own_type() -> None:
    body = {"metadata": {"name": "e1"}, "eventTime": "2026-01-01T10:00:00.000000Z", "regarding": []}
    with pytest.raises(SandboxApiError) as err:
        to_storage(body, **EV)
    assert (err.value.code, err.value.message) == (
        400,
        'Event in version "v1" cannot be handled as a Event: '
        + FIELD.format("array", "Event.regarding", "v1.ObjectReference"),
    )


# -- through the API, with the real clients ----------------------------------------------------------------
def call(
    sb: Sandbox, method: str, path: str, body: dict[str, Any] | None = None, ctype: str = "application/json"
) -> tuple[int, dict[str, Any]]:
    """One request on a fresh connection: (status code, decoded JSON body)."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=10)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={"Content-Type": ctype})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def client_of(sb: Sandbox) -> Any:
    """The official client configured for `sb` (a context manager that closes it)."""
    make: Any = config.new_client_from_config  # the client ships no type hints
    return make(str(sb.kubeconfig))


def names_of(items: list[Any]) -> set[str]:
    return {item.metadata.name for item in items}


@pytest.mark.client
@pytest.mark.kubectl
def test_a_bad_status_write_is_refused_and_lists_keep_working(sandbox: Sandbox, kubectl: Kubectl) -> None:
    path = "/apis/apps/v1/namespaces/kube-system/deployments/coredns"
    before = call(sandbox, "GET", path)[1]
    condition = {"type": "Stalled", "status": "True", "lastTransitionTime": 5}
    for ctype, body, problem in (
        (
            "application/merge-patch+json",
            {"status": {"replicas": "x"}},
            FIELD.format("string", "DeploymentStatus.status.replicas", "int32"),
        ),
        (
            "application/strategic-merge-patch+json",
            {"status": {"conditions": [condition]}},
            FIELD.format("number", "DeploymentCondition.status.conditions.lastTransitionTime", "string"),
        ),
    ):
        code, status = call(sandbox, "PATCH", f"{path}/status", body, ctype)
        assert (code, status["reason"], status["message"]) == (
            400,
            "BadRequest",
            f'Deployment in version "v1" cannot be handled as a Deployment: {problem}',
        )
    replaced = {**before, "status": {**before["status"], "readyReplicas": True}}
    code, status = call(sandbox, "PUT", f"{path}/status", replaced)
    assert (code, status["message"]) == (
        400,
        'Deployment in version "v1" cannot be handled as a Deployment: '
        + FIELD.format("bool", "DeploymentStatus.status.readyReplicas", "int32"),
    )
    assert call(sandbox, "GET", path)[1] == before  # nothing was stored
    with client_of(sandbox) as api:
        deployments = client.AppsV1Api(api).list_deployment_for_all_namespaces().items
        assert "coredns" in names_of(deployments)
        assert client.CoreV1Api(api).list_namespaced_pod("kube-system").items
    assert "coredns" in kubectl("get", "deployments", "-A").stdout


@pytest.mark.client
def test_a_core_event_without_involved_object_keeps_the_namespace_listable(sandbox: Sandbox) -> None:
    code, created = call(
        sandbox,
        "POST",
        "/api/v1/namespaces/default/events",
        {"metadata": {"name": "bare"}, "reason": "Tested"},
    )
    assert code == 201
    assert {
        k: created.get(k) for k in ("involvedObject", "source", "firstTimestamp", "reportingComponent")
    } == {
        "involvedObject": {},
        "source": {},
        "firstTimestamp": None,
        "reportingComponent": "",
    }
    with client_of(sandbox) as api:
        assert "bare" in names_of(client.CoreV1Api(api).list_namespaced_event("default").items)
        assert "bare" in names_of(client.EventsV1Api(api).list_namespaced_event("default").items)


def test_an_events_k8s_io_create_without_event_time_is_refused_by_the_api(sandbox: Sandbox) -> None:
    path = "/apis/events.k8s.io/v1/namespaces/default/events"
    body = {"metadata": {"name": "no-time"}, "regarding": {"kind": "Pod", "name": "p"}, "note": "n"}
    code, status = call(sandbox, "POST", path, body)
    assert (code, status["reason"], status["message"]) == (
        422,
        "Invalid",
        'Event.events.k8s.io "no-time" is invalid: eventTime: Required value',
    )
    code, status = call(sandbox, "POST", path, {**body, "eventTime": 1})
    assert (code, status["message"]) == (
        400,
        'Event in version "v1" cannot be handled as a Event: '
        + FIELD.format("number", "Event.eventTime", "string"),
    )
    code, _ = call(sandbox, "POST", path, {**body, "eventTime": "2026-01-01T10:00:00.000000Z"})
    assert code == 201

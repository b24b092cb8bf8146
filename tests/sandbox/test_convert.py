"""Conversion between served API versions: HPA v2/v2beta2/v1, CronJob v1/v1beta1, Event core/events.k8s.io."""

from __future__ import annotations

import copy
import json
from typing import Any

import orjson
import pytest
from kubernetes.client import ApiClient

from workbench.errors import SandboxApiError
from workbench.sandbox._convert import STORAGE, needs_conversion, to_storage, to_version

HPA = {"group": "autoscaling", "resource": "horizontalpodautoscalers"}
CJ = {"group": "batch", "resource": "cronjobs"}
EV = {"group": "events.k8s.io", "resource": "events"}
METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"
TOL_UP = "autoscaling.alpha.kubernetes.io/scale-up-tolerance"
TOL_DOWN = "autoscaling.alpha.kubernetes.io/scale-down-tolerance"


def cpu(utilization: int) -> dict[str, Any]:
    target = {"type": "Utilization", "averageUtilization": utilization}
    return {"type": "Resource", "resource": {"name": "cpu", "target": target}}


def memory(value: str) -> dict[str, Any]:
    target = {"type": "AverageValue", "averageValue": value}
    return {"type": "Resource", "resource": {"name": "memory", "target": target}}


def hpa_v2(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": "api",
            "namespace": "shop",
            "uid": "0b6d1d6e-1111-4c7b-9a53-6f1f0f1a0001",
            "resourceVersion": "42",
            "generation": 3,
            "creationTimestamp": "2026-01-01T10:00:00Z",
            "labels": {"app": "api"},
            "annotations": {"team": "payments"},
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [cpu(80), memory("512Mi")],
            "behavior": {
                "scaleUp": {
                    "stabilizationWindowSeconds": 0,
                    "selectPolicy": "Max",
                    "policies": [
                        {"type": "Pods", "value": 4, "periodSeconds": 15},
                        {"type": "Percent", "value": 100, "periodSeconds": 15},
                    ],
                },
                "scaleDown": {
                    "stabilizationWindowSeconds": 300,
                    "selectPolicy": "Max",
                    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
                },
            },
            **spec,
        },
        "status": {
            "observedGeneration": 3,
            "lastScaleTime": "2026-01-01T10:05:00Z",
            "currentReplicas": 3,
            "desiredReplicas": 4,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "current": {"averageUtilization": 95, "averageValue": "190m"},
                    },
                },
                {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "300Mi"}}},
            ],
            "conditions": [
                {
                    "type": "AbleToScale",
                    "status": "True",
                    "lastTransitionTime": "2026-01-01T10:00:00Z",
                    "reason": "ReadyForNewScale",
                    "message": "recommended size matches current size",
                },
                {
                    "type": "ScalingActive",
                    "status": "False",
                    "lastTransitionTime": "2026-01-01T10:01:00Z",
                    "reason": "FailedGetResourceMetric",
                    "message": "the HPA was unable to compute the replica count: <metrics & such>",
                },
            ],
        },
    }


def hpa_v1(
    spec: dict[str, Any], annotations: dict[str, str] | None = None, status: Any = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "web", "namespace": "shop"}
    if annotations is not None:
        meta["annotations"] = annotations
    obj = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": meta, "spec": spec}
    if status is not None:
        obj["status"] = status
    return obj


V1_SPEC = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 5}


def deserialize(obj: dict[str, Any], model: str) -> Any:
    # v37's ApiClient.deserialize takes the response text, the model name and the content type.
    return ApiClient().deserialize(orjson.dumps(obj).decode(), model, "application/json")


# --- dispatch -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "resource", "version", "expected"),
    [
        ("autoscaling", "horizontalpodautoscalers", "v2", False),
        ("autoscaling", "horizontalpodautoscalers", "v2beta2", True),
        ("autoscaling", "horizontalpodautoscalers", "v1", True),
        ("batch", "cronjobs", "v1", False),
        ("batch", "cronjobs", "v1beta1", True),
        ("", "events", "v1", False),
        ("events.k8s.io", "events", "v1", True),
        ("apps", "deployments", "v1", False),
        ("", "pods", "v1", False),
    ],
)
def test_needs_conversion(group: str, resource: str, version: str, expected: bool) -> None:
    assert needs_conversion(group, resource, version) is expected


def test_storage_table_is_read_only() -> None:
    assert STORAGE[("events.k8s.io", "events")] == ("", "v1")
    assert STORAGE[("autoscaling", "horizontalpodautoscalers")] == ("autoscaling", "v2")
    assert STORAGE[("batch", "cronjobs")] == ("batch", "v1")
    with pytest.raises(TypeError):
        STORAGE[("apps", "deployments")] = ("apps", "v1")  # type: ignore[index]


def test_storage_version_and_other_resources_come_back_as_the_same_dict() -> None:
    obj = hpa_v2()
    assert to_version(obj, version="v2", **HPA) is obj
    assert to_storage(obj, version="v2", **HPA) is obj
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    assert to_version(pod, group="", resource="pods", version="v1") is pod
    assert to_storage(pod, group="", resource="pods", version="v1") is pod


def test_unserved_version_is_not_found() -> None:
    with pytest.raises(SandboxApiError) as err:
        to_version(hpa_v2(), version="v2beta1", **HPA)
    assert (err.value.code, err.value.reason) == (404, "NotFound")
    with pytest.raises(SandboxApiError) as err:
        to_storage({"apiVersion": "batch/v2"}, version="v2", **CJ)
    assert err.value.code == 404


def test_body_in_another_version_than_the_endpoint_is_a_bad_request() -> None:
    with pytest.raises(SandboxApiError) as err:
        to_storage(hpa_v2(), version="v1", **HPA)
    assert (err.value.code, err.value.reason) == (400, "BadRequest")
    assert err.value.message == (
        "the API version in the data (autoscaling/v2) does not match the expected API version"
        " (autoscaling/v1)"
    )
    with pytest.raises(
        SandboxApiError, match=r"data \(v1\) does not match the expected API version \(events"
    ):
        to_storage({"apiVersion": "v1", "kind": "Event"}, version="v1", **EV)


def test_conversion_neither_mutates_nor_shares_with_its_input() -> None:
    stored = hpa_v2()
    before = copy.deepcopy(stored)
    for version in ("v1", "v2beta2"):
        out = to_version(stored, version=version, **HPA)
        out["metadata"]["labels"]["x"] = "y"
        out["spec"]["scaleTargetRef"]["name"] = "changed"
        assert stored == before
    body = to_version(stored, version="v1", **HPA)
    body_before = copy.deepcopy(body)
    to_storage(body, version="v1", **HPA)["metadata"]["labels"]["x"] = "y"
    assert body == body_before


# --- HorizontalPodAutoscaler: v2 <-> v1 -----------------------------------------------------------


def test_hpa_v1_view_has_the_v1_fields_and_the_real_servers_annotations() -> None:
    v1 = to_version(hpa_v2(), version="v1", **HPA)
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
        "minReplicas": 2,
        "maxReplicas": 10,
        "targetCPUUtilizationPercentage": 80,
    }
    assert v1["status"] == {
        "observedGeneration": 3,
        "lastScaleTime": "2026-01-01T10:05:00Z",
        "currentReplicas": 3,
        "desiredReplicas": 4,
        "currentCPUUtilizationPercentage": 95,
    }
    notes = v1["metadata"]["annotations"]
    assert notes["team"] == "payments"
    # Byte for byte what kube-apiserver writes (Go field order, compact).
    assert notes[METRICS] == '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"512Mi"}}]'
    assert json.loads(notes[CURRENT]) == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "currentAverageUtilization": 95, "currentAverageValue": "190m"},
        },
        {"type": "Resource", "resource": {"name": "memory", "currentAverageValue": "300Mi"}},
    ]
    assert json.loads(notes[BEHAVIOR]) == {
        "ScaleUp": {
            "StabilizationWindowSeconds": 0,
            "SelectPolicy": "Max",
            "Policies": [
                {"Type": "Pods", "Value": 4, "PeriodSeconds": 15},
                {"Type": "Percent", "Value": 100, "PeriodSeconds": 15},
            ],
        },
        "ScaleDown": {
            "StabilizationWindowSeconds": 300,
            "SelectPolicy": "Max",
            "Policies": [{"Type": "Percent", "Value": 100, "PeriodSeconds": 15}],
        },
    }
    conditions = json.loads(notes[CONDITIONS])
    assert [c["reason"] for c in conditions] == ["ReadyForNewScale", "FailedGetResourceMetric"]
    # Go escapes HTML characters inside the annotation text.
    assert "\\u003cmetrics \\u0026 such\\u003e" in notes[CONDITIONS]


def test_hpa_v2_v1_v2_round_trip_is_lossless() -> None:
    stored = hpa_v2()
    assert to_storage(to_version(stored, version="v1", **HPA), version="v1", **HPA) == stored


def test_hpa_round_trip_keeps_every_metric_source() -> None:
    selector = {"matchLabels": {"queue": "worker_tasks"}}
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main-route"}
    metrics = [
        cpu(70),
        {
            "type": "Pods",
            "pods": {
                "metric": {"name": "packets-per-second"},
                "target": {"type": "AverageValue", "averageValue": "1k"},
            },
        },
        {
            "type": "Object",
            "object": {
                "describedObject": ingress,
                "metric": {"name": "requests-per-second"},
                "target": {"type": "Value", "value": "10k"},
            },
        },
        {
            "type": "External",
            "external": {
                "metric": {"name": "queue_messages_ready", "selector": selector},
                "target": {"type": "AverageValue", "averageValue": "30"},
            },
        },
        {
            "type": "ContainerResource",
            "containerResource": {
                "name": "cpu",
                "container": "app",
                "target": {"type": "Utilization", "averageUtilization": 60},
            },
        },
        cpu(90),  # a second CPU target still survives (the apiserver would drop it)
    ]
    stored = hpa_v2(metrics=metrics)
    stored["status"]["currentMetrics"] = [
        {
            "type": "Pods",
            "pods": {"metric": {"name": "packets-per-second"}, "current": {"averageValue": "866m"}},
        },
        {
            "type": "Object",
            "object": {
                "describedObject": ingress,
                "metric": {"name": "requests-per-second"},
                "current": {"value": "12k"},
            },
        },
        {
            "type": "External",
            "external": {
                "metric": {"name": "queue_messages_ready", "selector": selector},
                "current": {"averageValue": "12"},
            },
        },
        {
            "type": "ContainerResource",
            "containerResource": {"name": "cpu", "container": "app", "current": {"averageUtilization": 40}},
        },
        {"type": "Resource", "resource": {"name": "cpu", "current": {}}},  # metrics API down (§3.10)
    ]
    v1 = to_version(stored, version="v1", **HPA)
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 70
    assert "currentCPUUtilizationPercentage" not in v1["status"]
    assert to_storage(v1, version="v1", **HPA) == stored
    assert (
        deserialize(to_storage(v1, version="v1", **HPA), "V2HorizontalPodAutoscaler")
        .spec.metrics[2]
        .object.target.value
        == "10k"
    )


def test_hpa_without_extras_gets_no_annotations_and_keeps_none() -> None:
    stored = hpa_v2(metrics=[cpu(50)])
    del stored["spec"]["behavior"]
    del stored["metadata"]["annotations"]
    stored["status"] = {"desiredReplicas": 0}
    v1 = to_version(stored, version="v1", **HPA)
    assert "annotations" not in v1["metadata"]
    assert v1["status"] == {"currentReplicas": 0, "desiredReplicas": 0}  # v1 always carries both
    assert to_storage(v1, version="v1", **HPA) == stored


def test_hpa_v1_create_without_target_defaults_to_80_percent_cpu() -> None:
    v2 = to_storage(hpa_v1(dict(V1_SPEC)), version="v1", **HPA)
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"] == {**V1_SPEC, "metrics": [cpu(80)]}
    assert v2["status"] == {"desiredReplicas": 0}


def test_hpa_v1_create_with_cpu_target_and_current_utilization() -> None:
    body = hpa_v1(
        {**V1_SPEC, "minReplicas": 1, "targetCPUUtilizationPercentage": 50},
        status={"currentReplicas": 2, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 70},
    )
    v2 = to_storage(body, version="v1", **HPA)
    assert v2["spec"]["metrics"] == [cpu(50)]
    assert v2["spec"]["minReplicas"] == 1
    assert v2["status"] == {
        "currentReplicas": 2,
        "desiredReplicas": 3,
        "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 70}}}
        ],
    }


def test_hpa_v1_edit_of_the_cpu_target_keeps_the_annotated_metrics() -> None:
    v1 = to_version(hpa_v2(), version="v1", **HPA)
    v1["spec"]["targetCPUUtilizationPercentage"] = 60
    v2 = to_storage(v1, version="v1", **HPA)
    assert v2["spec"]["metrics"] == [cpu(60), memory("512Mi")]
    assert v2["metadata"]["annotations"] == {"team": "payments"}


def test_hpa_v1_reads_annotations_written_by_a_real_apiserver() -> None:
    # As a 1.2x apiserver writes them: non-pointer quantities as "0", behavior with null pointers.
    notes = {
        METRICS: (
            '[{"type":"Pods","pods":{"metricName":"packets-per-second","targetAverageValue":"1k"}},'
            '{"type":"Object","object":{"target":{"kind":"Ingress","name":"main-route","apiVersion":"networking.k8s.io/v1"},'
            '"metricName":"requests-per-second","targetValue":"10k"}},'
            '{"type":"External","external":{"metricName":"queue","metricSelector":{"matchLabels":{"q":"w"}},"targetAverageValue":30}}]'
        ),
        CURRENT: '[{"type":"Resource","resource":{"name":"cpu","currentAverageValue":"0"}}]',
        BEHAVIOR: (
            '{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":null,"Policies":null}}'
        ),
        CONDITIONS: (
            '[{"type":"ScalingActive","status":"False","lastTransitionTime":"2026-01-01T10:01:00Z",'
            '"reason":"FailedGetResourceMetric"}]'
        ),
        "keep": "me",
    }
    v2 = to_storage(
        hpa_v1(
            {**V1_SPEC, "targetCPUUtilizationPercentage": 80},
            notes,
            {"currentReplicas": 1, "desiredReplicas": 1},
        ),
        version="v1",
        **HPA,
    )
    assert v2["metadata"]["annotations"] == {"keep": "me"}
    assert v2["spec"]["metrics"] == [
        cpu(80),
        {
            "type": "Pods",
            "pods": {
                "metric": {"name": "packets-per-second"},
                "target": {"type": "AverageValue", "averageValue": "1k"},
            },
        },
        {
            "type": "Object",
            "object": {
                "describedObject": {
                    "kind": "Ingress",
                    "name": "main-route",
                    "apiVersion": "networking.k8s.io/v1",
                },
                "metric": {"name": "requests-per-second"},
                "target": {"type": "Value", "value": "10k"},
            },
        },
        {
            "type": "External",
            "external": {
                "metric": {"name": "queue", "selector": {"matchLabels": {"q": "w"}}},
                "target": {"type": "AverageValue", "averageValue": "30"},
            },
        },
    ]
    assert v2["spec"]["behavior"] == {"scaleDown": {"stabilizationWindowSeconds": 60}}
    assert v2["status"]["currentMetrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageValue": "0"}}}
    ]
    assert v2["status"]["conditions"][0]["reason"] == "FailedGetResourceMetric"
    model = deserialize(v2, "V2HorizontalPodAutoscaler")
    assert model.spec.behavior.scale_down.stabilization_window_seconds == 60


def test_hpa_v1_annotation_field_names_match_case_insensitively_like_go() -> None:
    behavior = (
        '{"scaleUp":{"selectPolicy":"Disabled"},'
        '"scaledown":{"policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}'
    )
    v2 = to_storage(hpa_v1(dict(V1_SPEC), {BEHAVIOR: behavior}), version="v1", **HPA)
    assert v2["spec"]["behavior"] == {
        "scaleUp": {"selectPolicy": "Disabled"},
        "scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]},
    }


@pytest.mark.parametrize(
    "notes",
    [
        {METRICS: "not json", CONDITIONS: "{}", BEHAVIOR: "[]"},
        {METRICS: '[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":"high"}}]'},
        {METRICS: '[{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"lots"}}]'},
        {CONDITIONS: '[{"type":"AbleToScale","status":true}]', BEHAVIOR: '{"ScaleUp":{"Policies":{}}}'},
        {BEHAVIOR: '{"ScaleUp":null,"ScaleDown":null}', CURRENT: "null"},
    ],
)
def test_hpa_v1_unreadable_annotations_are_ignored_and_dropped(notes: dict[str, str]) -> None:
    v2 = to_storage(hpa_v1(dict(V1_SPEC), notes), version="v1", **HPA)
    assert "annotations" not in v2["metadata"]
    assert v2["spec"] == {**V1_SPEC, "metrics": [cpu(80)]}
    assert v2["status"] == {"desiredReplicas": 0}


def test_hpa_stale_round_trip_annotations_on_the_stored_object_are_not_served() -> None:
    stored = hpa_v2(metrics=[cpu(50)])
    del stored["spec"]["behavior"]
    stored["status"] = {"desiredReplicas": 1}
    stored["metadata"]["annotations"].update({METRICS: "[]", CONDITIONS: "[]", TOL_UP: "1"})
    assert to_version(stored, version="v1", **HPA)["metadata"]["annotations"] == {"team": "payments"}
    assert to_version(stored, version="v2beta2", **HPA)["metadata"]["annotations"] == {"team": "payments"}


def test_hpa_views_deserialize_through_the_official_client() -> None:
    v1 = deserialize(to_version(hpa_v2(), version="v1", **HPA), "V1HorizontalPodAutoscaler")
    assert (v1.spec.target_cpu_utilization_percentage, v1.status.current_cpu_utilization_percentage) == (
        80,
        95,
    )
    assert json.loads(v1.metadata.annotations[METRICS])[0]["resource"]["name"] == "memory"
    v2beta2 = deserialize(to_version(hpa_v2(), version="v2beta2", **HPA), "V2HorizontalPodAutoscaler")
    assert v2beta2.status.conditions[1].reason == "FailedGetResourceMetric"
    statusless = hpa_v2()
    del statusless["status"]
    bare = deserialize(to_version(statusless, version="v1", **HPA), "V1HorizontalPodAutoscaler")
    assert (bare.status.current_replicas, bare.status.desired_replicas) == (0, 0)
    created = deserialize(to_storage(hpa_v1(dict(V1_SPEC)), version="v1", **HPA), "V2HorizontalPodAutoscaler")
    assert created.spec.metrics[0].resource.target.average_utilization == 80


# --- HorizontalPodAutoscaler: v2 <-> v2beta2 ------------------------------------------------------


def test_hpa_v2beta2_view_moves_tolerances_to_annotations_and_back() -> None:
    stored = hpa_v2()
    stored["spec"]["behavior"]["scaleDown"]["tolerance"] = "50m"
    view = to_version(stored, version="v2beta2", **HPA)
    assert view["apiVersion"] == "autoscaling/v2beta2"
    assert "tolerance" not in view["spec"]["behavior"]["scaleDown"]
    assert view["metadata"]["annotations"] == {"team": "payments", TOL_DOWN: "50m"}
    assert view["spec"]["metrics"] == stored["spec"]["metrics"]
    assert view["status"] == stored["status"]
    assert to_storage(view, version="v2beta2", **HPA) == stored


def test_hpa_v2beta2_body_with_tolerance_annotation_creates_the_behavior() -> None:
    body = {**hpa_v2(), "apiVersion": "autoscaling/v2beta2"}
    del body["spec"]["behavior"]
    body["metadata"]["annotations"][TOL_UP] = "0.2"
    v2 = to_storage(body, version="v2beta2", **HPA)
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["behavior"] == {"scaleUp": {"tolerance": "0.2"}}
    assert v2["metadata"]["annotations"] == {"team": "payments"}


def test_hpa_v2beta2_body_with_bad_tolerance_is_a_bad_request() -> None:
    body = {**hpa_v2(), "apiVersion": "autoscaling/v2beta2"}
    body["metadata"]["annotations"][TOL_DOWN] = "a lot"
    with pytest.raises(SandboxApiError) as err:
        to_storage(body, version="v2beta2", **HPA)
    assert (err.value.code, err.value.reason) == (400, "BadRequest")
    assert err.value.message.startswith(f'failed to parse annotation "{TOL_DOWN}": quantities must match')


# --- CronJob --------------------------------------------------------------------------------------


def cronjob() -> dict[str, Any]:
    container = {"name": "job", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}
    template = {
        "spec": {
            "template": {"spec": {"containers": [container], "restartPolicy": "Never"}},
            "backoffLimit": 6,
        }
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {
            "schedule": "0 2 * * *",
            "timeZone": "Europe/Paris",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": template,
        },
        "status": {
            "lastScheduleTime": "2026-01-01T02:00:00Z",
            "active": [{"kind": "Job", "name": "nightly-29453400"}],
        },
    }


def test_cronjob_v1beta1_is_the_same_body_under_another_api_version() -> None:
    stored = cronjob()
    view = to_version(stored, version="v1beta1", **CJ)
    assert view is not stored
    assert view == {**stored, "apiVersion": "batch/v1beta1"}
    assert view["spec"]["timeZone"] == "Europe/Paris"  # v1beta1 had timeZone too (1.24)
    assert to_storage(view, version="v1beta1", **CJ) == stored
    assert deserialize(view, "V1CronJob").spec.time_zone == "Europe/Paris"


# --- Events ---------------------------------------------------------------------------------------


def core_event(**fields: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": "api-5d9c7b8f6-x2x7q.17a2b3c4d5e6f708",
            "namespace": "shop",
            "uid": "2f7c9d6e-2222-4c7b-9a53-6f1f0f1a0002",
            "resourceVersion": "99",
            "creationTimestamp": "2026-01-01T10:00:00Z",
        },
        "involvedObject": {
            "kind": "Pod",
            "namespace": "shop",
            "name": "api-5d9c7b8f6-x2x7q",
            "uid": "3a8d0e7f-3333-4c7b-9a53-6f1f0f1a0003",
            "apiVersion": "v1",
            "resourceVersion": "123",
            "fieldPath": "spec.containers{api}",
        },
        "reason": "BackOff",
        "message": "Back-off restarting failed container",
        "source": {"component": "kubelet", "host": "node-1"},
        "firstTimestamp": "2026-01-01T10:00:00Z",
        "lastTimestamp": "2026-01-01T10:05:00Z",
        "count": 12,
        "type": "Warning",
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": "node-1",
        **fields,
    }


def new_event(**fields: Any) -> dict[str, Any]:
    """An event as the scheduler writes it through events.k8s.io/v1."""
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {
            "name": "web-0.17a2b3c4d5e6f709",
            "namespace": "shop",
            "creationTimestamp": "2026-01-01T10:00:00Z",
        },
        "eventTime": "2026-01-01T10:00:00.123456Z",
        "reportingController": "default-scheduler",
        "reportingInstance": "default-scheduler-control-plane",
        "action": "Scheduling",
        "reason": "FailedScheduling",
        "regarding": {"kind": "Pod", "namespace": "shop", "name": "web-0", "uid": "u-1", "apiVersion": "v1"},
        "note": "0/3 nodes are available: 3 Insufficient memory.",
        "type": "Warning",
        "deprecatedSource": {},
        "deprecatedFirstTimestamp": None,
        "deprecatedLastTimestamp": None,
        **fields,
    }


def test_core_event_as_events_k8s_io_fills_what_the_client_requires() -> None:
    stored = core_event()
    view = to_version(stored, version="v1", **EV)
    assert view == {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": stored["metadata"],
        "eventTime": "2026-01-01T10:00:00.000000Z",
        "series": {"count": 12, "lastObservedTime": "2026-01-01T10:05:00.000000Z"},
        "reportingController": "kubelet",
        "reportingInstance": "node-1",
        "reason": "BackOff",
        "regarding": stored["involvedObject"],
        "note": "Back-off restarting failed container",
        "type": "Warning",
        "deprecatedSource": {"component": "kubelet", "host": "node-1"},
        "deprecatedFirstTimestamp": "2026-01-01T10:00:00Z",
        "deprecatedLastTimestamp": "2026-01-01T10:05:00Z",
        "deprecatedCount": 12,
    }
    model = deserialize(view, "EventsV1Event")
    assert model.series.count == 12
    assert model.event_time.isoformat() == "2026-01-01T10:00:00+00:00"


def test_core_event_view_falls_back_to_creation_time_and_source() -> None:
    stored = core_event(
        firstTimestamp=None, lastTimestamp=None, count=1, reportingComponent="", reportingInstance=""
    )
    view = to_version(stored, version="v1", **EV)
    assert view["eventTime"] == "2026-01-01T10:00:00.000000Z"  # from creationTimestamp
    assert "series" not in view  # a single occurrence has no series
    assert (view["reportingController"], view["reportingInstance"]) == ("kubelet", "node-1")
    bare = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "x"}, "involvedObject": {}}
    bare_view = to_version(bare, version="v1", **EV)
    assert bare_view["eventTime"] == "1970-01-01T00:00:00.000000Z"
    assert deserialize(bare_view, "EventsV1Event").regarding is not None


def test_core_event_own_event_time_and_series_are_served_as_they_are() -> None:
    series = {"count": 3, "lastObservedTime": "2026-01-01T10:02:00.654321Z"}
    stored = core_event(eventTime="2026-01-01T10:00:00.123456Z", series=series, action="Pulling")
    view = to_version(stored, version="v1", **EV)
    assert (view["eventTime"], view["series"], view["action"]) == (
        "2026-01-01T10:00:00.123456Z",
        series,
        "Pulling",
    )
    assert to_storage(view, version="v1", **EV) == stored


def test_core_event_round_trips_through_events_k8s_io() -> None:
    stored = core_event()
    back = to_storage(to_version(stored, version="v1", **EV), version="v1", **EV)
    assert back == stored
    assert deserialize(back, "CoreV1Event").involved_object.field_path == "spec.containers{api}"


def test_events_k8s_io_create_is_stored_as_core() -> None:
    core = to_storage(new_event(), version="v1", **EV)
    assert core == {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": new_event()["metadata"],
        "involvedObject": {
            "kind": "Pod",
            "namespace": "shop",
            "name": "web-0",
            "uid": "u-1",
            "apiVersion": "v1",
        },
        "reason": "FailedScheduling",
        "message": "0/3 nodes are available: 3 Insufficient memory.",
        "type": "Warning",
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "eventTime": "2026-01-01T10:00:00.123456Z",
        "action": "Scheduling",
        "reportingComponent": "default-scheduler",
        "reportingInstance": "default-scheduler-control-plane",
    }
    assert deserialize(core, "CoreV1Event").reporting_component == "default-scheduler"


@pytest.mark.parametrize(
    "event",
    [
        new_event(),
        new_event(
            series={"count": 4, "lastObservedTime": "2026-01-01T10:03:00.000000Z"},
            related={"kind": "Node", "name": "n1"},
        ),
        new_event(
            deprecatedSource={"component": "default-scheduler"},
            deprecatedFirstTimestamp="2026-01-01T10:00:00Z",
            deprecatedCount=1,
        ),
    ],
)
def test_events_k8s_io_round_trips_through_core(event: dict[str, Any]) -> None:
    assert to_version(to_storage(event, version="v1", **EV), version="v1", **EV) == event

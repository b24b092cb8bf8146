"""Bring objects written in other API versions to the version the sandbox stores.

The store keeps one version per kind (HPA autoscaling/v2, CronJob batch/v1, Event core v1) and
converts on the way out. Manifests and recordings may use the older or alternative versions, so
they are converted on the way in, the way the apiserver converts a request body.
"""

from __future__ import annotations

import json
from typing import Any

_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
_CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"


def to_storage_version(obj: dict[str, Any]) -> dict[str, Any]:
    """Return `obj` in its storage version (the same dict when it already is)."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if kind == "CronJob" and api_version == "batch/v1beta1":
        obj["apiVersion"] = "batch/v1"
    elif kind == "HorizontalPodAutoscaler" and api_version == "autoscaling/v2beta2":
        obj["apiVersion"] = "autoscaling/v2"
    elif kind == "HorizontalPodAutoscaler" and api_version == "autoscaling/v1":
        _hpa_v1_to_v2(obj)
    elif kind == "Event" and api_version == "events.k8s.io/v1":
        _event_to_core(obj)
    return obj


def _hpa_v1_to_v2(obj: dict[str, Any]) -> None:
    obj["apiVersion"] = "autoscaling/v2"
    spec = obj.setdefault("spec", {})
    # autoscaling/v1 defaults the target to 80% CPU when it is not given.
    target = spec.pop("targetCPUUtilizationPercentage", 80)
    spec["metrics"] = [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}},
        }
    ]
    annotations = obj.get("metadata", {}).get("annotations") or {}
    conditions = annotations.pop(_CONDITIONS_ANNOTATION, None)
    annotations.pop(_CURRENT_METRICS_ANNOTATION, None)
    status = obj.get("status")
    if status is None:
        return
    current = status.pop("currentCPUUtilizationPercentage", None)
    if current is not None:
        status["currentMetrics"] = [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}
        ]
    if conditions:
        status["conditions"] = json.loads(conditions)


def _event_to_core(obj: dict[str, Any]) -> None:
    renames = {
        "regarding": "involvedObject",
        "note": "message",
        "deprecatedSource": "source",
        "deprecatedFirstTimestamp": "firstTimestamp",
        "deprecatedLastTimestamp": "lastTimestamp",
        "deprecatedCount": "count",
        "reportingController": "reportingComponent",
    }
    converted: dict[str, Any] = {"apiVersion": "v1"}
    for key, value in obj.items():
        if key != "apiVersion":
            converted[renames.get(key, key)] = value
    series = converted.get("series")
    if series and "count" not in converted:
        converted["count"] = series.get("count", 1)
    obj.clear()
    obj.update(converted)

"""Metrics lists read only what they need of each stored pod, with the same result as a full decode."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from workbench.sandbox import _subresources as sub

POD = {
    "metadata": {
        "name": "web-1",
        "namespace": "shop",
        "uid": "u-1",
        "labels": {"app": "web"},
        "annotations": {"note": "x" * 200},
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
    },
    "spec": {
        "nodeName": "node-1",
        "containers": [
            {"name": "app", "image": "web:1", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
            {"name": "sidecar", "image": "proxy:2", "env": [{"name": "A", "value": "b"}]},
        ],
    },
    "status": {"phase": "Running", "podIP": "10.0.0.1"},
}
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_metered_pod_keeps_identity_phase_and_containers_resources_only() -> None:
    pod = sub.metered_pod(orjson.dumps(POD))
    assert pod == {
        "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1", "labels": {"app": "web"}},
        "spec": {
            "containers": [
                {"name": "app", "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
                {"name": "sidecar"},
            ]
        },
        "status": {"phase": "Running"},
    }


def test_metrics_from_a_metered_pod_equal_those_from_the_whole_pod() -> None:
    raw = orjson.dumps(POD)
    assert sub.pod_metrics(sub.metered_pod(raw), NOW) == sub.pod_metrics(POD, NOW)
    assert sub.pod_usage(sub.metered_pod(raw)) == sub.pod_usage(POD)
    pending = orjson.dumps({**POD, "status": {"phase": "Pending"}})
    assert sub.pod_metrics(sub.metered_pod(pending), NOW) is None

"""The hpa analyzer: autoscalers that cannot scale (no requests, no metrics), whose target is gone, or
held at their maximum under load — and no false alarms on healthy, disabled or idle autoscalers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.workloads.objects import (
    Obj,
    condition,
    cpu_now,
    deployment,
    found,
    frames_of,
    hpa,
    pod,
    replicaset,
    statefulset,
)
from workbench.analyzers.workloads.hpa import HpaAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

WEB_HPA = "HorizontalPodAutoscaler shop/web"
ACTIVE = condition("ScalingActive", "True", "ValidMetricFound")
NO_REQUEST = condition(
    "ScalingActive",
    "False",
    "FailedGetResourceMetric",
    "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu "
    "in container app of Pod web-aaa-0",
)
NO_METRICS = condition(
    "ScalingActive",
    "False",
    "FailedGetResourceMetric",
    "the HPA was unable to compute the replica count: failed to get cpu utilization: "
    "unable to get metrics for resource cpu: no metrics returned from resource metrics API",
)
TOO_MANY = condition(
    "ScalingLimited", "True", "TooManyReplicas", "the desired replica count is more than the maximum"
)


def analyze(frames: Frames) -> list[Finding]:
    return sorted(HpaAnalyzer().analyze(frames), key=Finding.sort_key)


def web(requests: dict[str, str] | None = None, **hpa_args: Any) -> Frames:
    """Deployment web with two pods (CPU request ``requests``), and an HPA on it."""
    pods = [
        pod(f"web-aaa-{i}", owner=("ReplicaSet", "web-aaa"), labels={"app": "web"}, requests=requests)
        for i in range(2)
    ]
    return frames_of(
        deployments=[deployment("web")],
        replicasets=[replicaset("web-aaa", deployment="web")],
        pods=pods,
        hpas=[hpa("web", **hpa_args)],
    )


WITH_CPU = {"cpu": "100m"}
MEMORY_TARGET: Obj = {
    "type": "Resource",
    "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}},
}

CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "healthy": (web(WITH_CPU, conditions=[ACTIVE], current_metrics=[cpu_now(40)]), []),
    "pods request no CPU": (web(None, conditions=[NO_REQUEST]), [("hpa.unable-to-scale", "error", WEB_HPA)]),
    "pods request no CPU, before the controller says so": (
        web(None, conditions=[]),
        [("hpa.unable-to-scale", "error", WEB_HPA)],
    ),
    "the metrics API answers nothing": (
        web(WITH_CPU, conditions=[NO_METRICS]),
        [("hpa.unable-to-scale", "error", WEB_HPA)],
    ),
    "scaling disabled because the target wants no pods": (
        web(WITH_CPU, conditions=[condition("ScalingActive", "False", "ScalingDisabled")]),
        [],
    ),
    "target does not exist": (
        frames_of(deployments=[deployment("other")], hpas=[hpa("web")]),
        [("hpa.target-missing", "error", WEB_HPA)],
    ),
    "target kind not read: cannot tell": (frames_of(hpas=[hpa("web", conditions=[ACTIVE])]), []),
    "held at its maximum": (
        web(WITH_CPU, conditions=[ACTIVE, TOO_MANY], current=6, desired=6, current_metrics=[cpu_now(140)]),
        [("hpa.at-max", "warning", WEB_HPA)],
    ),
    "at its maximum and above target without the condition": (
        web(WITH_CPU, conditions=[ACTIVE], current=6, desired=6, current_metrics=[cpu_now(95)]),
        [("hpa.at-max", "warning", WEB_HPA)],
    ),
    "at its maximum below target": (
        web(WITH_CPU, conditions=[ACTIVE], current=6, desired=6, current_metrics=[cpu_now(50)]),
        [],
    ),
    "at its minimum": (
        web(
            WITH_CPU,
            conditions=[ACTIVE, condition("ScalingLimited", "True", "TooFewReplicas")],
            current_metrics=[cpu_now(5)],
        ),
        [],
    ),
    "StatefulSet pods without a memory request": (
        frames_of(
            statefulsets=[statefulset("db", namespace="shop")],
            pods=[pod("db-0", owner=("StatefulSet", "db"), labels={"app": "db"}, requests=WITH_CPU)],
            hpas=[hpa("db", target=("StatefulSet", "db"), metrics=[MEMORY_TARGET], conditions=[ACTIVE])],
        ),
        [("hpa.unable-to-scale", "error", "HorizontalPodAutoscaler shop/db")],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_missing_requests_name_the_containers() -> None:
    frames, _ = CASES["pods request no CPU"]
    (finding,) = analyze(frames)
    line = next(e for e in finding.evidence if e.subject == "container app resources.requests.cpu")
    assert line.value == "no cpu request in 2 pods"
    assert line.ref == ObjectRef("Pod", "shop", "web-aaa-0", "uid-shop-web-aaa-0")
    assert finding.planners == ("set-resources",)
    assert finding.related == (ObjectRef("Deployment", "shop", "web"),)
    assert "percentage of the pods' requests" in finding.explanation
    assert finding.summary == f"{WEB_HPA} cannot scale Deployment shop/web: FailedGetResourceMetric"


def test_no_metrics_points_at_the_metrics_pipeline() -> None:
    frames, _ = CASES["the metrics API answers nothing"]
    (finding,) = analyze(frames)
    assert "metrics-server" in finding.explanation
    assert finding.planners == ()


def test_at_max_evidence() -> None:
    frames, _ = CASES["held at its maximum"]
    (finding,) = analyze(frames)
    assert [(e.subject, e.value) for e in finding.evidence] == [
        ("status.currentReplicas / spec.maxReplicas", "6 / 6"),
        ("ScalingLimited", "True TooManyReplicas: the desired replica count is more than the maximum"),
        ("above target", "cpu 140% (target 70%)"),
    ]
    assert finding.planners == ()


def test_hpa_no_metrics_scenario(scenario: Callable[[str], Frames]) -> None:
    (finding,) = analyze(scenario("hpa-no-metrics"))
    assert (finding.code, finding.severity, str(finding.ref)) == (
        "hpa.unable-to-scale",
        Severity.ERROR,
        "HorizontalPodAutoscaler gateway/edge-gateway",
    )
    assert [str(r) for r in finding.related] == ["Deployment gateway/edge-gateway"]
    line = next(e for e in finding.evidence if e.subject == "container gateway resources.requests.cpu")
    assert line.value == "no cpu request in 2 pods"
    assert finding.planners == ("set-resources",)


def test_healthy_scenario(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []

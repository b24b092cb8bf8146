"""The horizontal-pod-autoscaler controller, seen through the HPA's status, events and kubectl."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Kubectl
from tests.sandbox.control._running_pods import create, pod_manifest, run_pod
from workbench import sandbox

MISSING_REQUEST = "missing request for cpu in container app of Pod {pod}"
NO_METRICS_API = (
    "unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: "
    "the server could not find the requested resource (get pods.metrics.k8s.io)"
)


def web(sb: sandbox.Sandbox, replicas: int, requests: dict[str, str] | None) -> list[str]:
    """Deployment web with `replicas` running, ready pods (made here when no workload controller does)."""
    container: dict[str, Any] = {"name": "app", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
    if requests:
        container["resources"] = {"requests": requests}
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "template": template}
    create(
        sb,
        "Deployment",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": spec,
        },
    )
    sb.advance(5)
    if not pods(sb):  # nothing runs Deployments here: stand in for the ReplicaSet controller
        for i in range(replicas):
            manifest = pod_manifest(
                f"web-{i}", {"app": "web"}, requests=requests, ports=[{"containerPort": 80}]
            )
            run_pod(sb, manifest, f"10.244.1.{70 + i}")
    sb.advance(30)  # ready for longer than a metric window
    names = pods(sb)
    assert len(names) == replicas
    return names


def pods(sb: sandbox.Sandbox) -> list[str]:
    found = sb.control.cluster.objects("Pod", "default")
    return sorted(p["metadata"]["name"] for p in found if p["metadata"].get("labels", {}).get("app") == "web")


def autoscale(
    sb: sandbox.Sandbox, target: str = "web", *, low: int = 1, high: int = 10, percent: int = 50
) -> None:
    metric = {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": percent}},
    }
    spec = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
        "minReplicas": low,
        "maxReplicas": high,
        "metrics": [metric],
    }
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": spec,
    }
    create(sb, "HorizontalPodAutoscaler", hpa)


def load(sb: sandbox.Sandbox, cores: float) -> None:
    """Every container of the deployment uses `cores` of CPU from now on."""
    sb.control.cluster.usage = lambda pod, container: (cores, 20 * 2**20)


def hpa(sb: sandbox.Sandbox) -> dict[str, Any]:
    found = sb.control.cluster.get("HorizontalPodAutoscaler", "default", "web")
    assert found is not None
    return found


def conditions(sb: sandbox.Sandbox) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in hpa(sb)["status"]["conditions"]}


def events(sb: sandbox.Sandbox) -> dict[str, tuple[str, str, int]]:
    found = sb.control.cluster.objects("Event", "default")
    return {
        e["reason"]: (e["type"], e["message"], e["count"])
        for e in found
        if e["involvedObject"]["kind"] == "HorizontalPodAutoscaler"
    }


def replicas(sb: sandbox.Sandbox) -> int:
    deployment = sb.control.cluster.get("Deployment", "default", "web")
    assert deployment is not None
    return int(deployment["spec"]["replicas"])


def test_load_above_target_scales_the_deployment_up(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    web(sb, 2, {"cpu": "100m"})
    load(sb, 0.09)  # 90m of a 100m request: 90%
    autoscale(sb)
    sb.advance(1)
    assert replicas(sb) == 4  # ceil(2 * 90 / 50)
    reason = "cpu resource utilization (percentage of request) above target"
    assert events(sb)["SuccessfulRescale"] == ("Normal", f"New size: 4; reason: {reason}", 1)
    status = hpa(sb)["status"]
    assert status["currentReplicas"] == 2
    assert status["desiredReplicas"] == 4
    assert status["lastScaleTime"]
    assert status["currentMetrics"] == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "current": {"averageUtilization": 90, "averageValue": "90m"}},
        }
    ]
    assert conditions(sb) == {
        "AbleToScale": (
            "True",
            "SucceededRescale",
            "the HPA controller was able to update the target scale to 4",
        ),
        "ScalingActive": (
            "True",
            "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from cpu resource utilization "
            "(percentage of request)",
        ),
        "ScalingLimited": ("False", "DesiredWithinRange", "the desired count is within the acceptable range"),
    }
    table = kubectl("get", "hpa", "web").stdout
    assert re.search(r"^web\s+Deployment/web\s+cpu: 90%/50%\s+1\s+10\s+2\s+\d+s$", table, re.M), table
    described = kubectl("describe", "hpa", "web").stdout
    assert re.search(
        r"^\s+AbleToScale\s+True\s+SucceededRescale\s+the HPA controller was able", described, re.M
    )
    assert re.search(
        r"Normal\s+SuccessfulRescale\s+\S+\s+horizontal-pod-autoscaler\s+"
        + re.escape(f"New size: 4; reason: {reason}"),
        described,
    )


def test_pods_without_cpu_requests_leave_the_metric_unknown(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    first_pod = web(sb, 2, None)[0]
    autoscale(sb)
    sb.advance(31)  # the first sync and two resyncs
    assert replicas(sb) == 2
    missing = MISSING_REQUEST.format(pod=first_pod)
    seen = events(sb)
    assert seen["FailedGetResourceMetric"] == ("Warning", f"failed to get cpu utilization: {missing}", 3)
    assert seen["FailedComputeMetricsReplicas"] == (
        "Warning",
        "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: "
        f"failed to get cpu utilization: {missing}",
        3,
    )
    assert conditions(sb)["ScalingActive"] == (
        "False",
        "FailedGetResourceMetric",
        f"the HPA was unable to compute the replica count: failed to get cpu utilization: {missing}",
    )
    assert conditions(sb)["AbleToScale"][:2] == ("True", "SucceededGetScale")
    assert hpa(sb)["status"]["currentMetrics"] == [{"type": ""}]
    table = kubectl("get", "hpa", "web").stdout
    assert re.search(r"^web\s+Deployment/web\s+cpu: <unknown>/50%\s+1\s+10\s+2\s+\d+s$", table, re.M), table
    described = kubectl("describe", "hpa", "web").stdout
    assert re.search(
        r"^\s+ScalingActive\s+False\s+FailedGetResourceMetric\s+the HPA was unable to compute",
        described,
        re.M,
    )
    line = r"Warning\s+FailedGetResourceMetric\s+\S+ \(x3 over \S+\)\s+horizontal-pod-autoscaler\s+"
    assert re.search(line + re.escape(f"failed to get cpu utilization: {missing}"), described), described


def test_a_missing_metrics_server_is_reported(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    web(sb, 2, {"cpu": "100m"})
    sb.hide_group("metrics.k8s.io")
    autoscale(sb)
    sb.advance(1)
    message = f"failed to get cpu utilization: {NO_METRICS_API}"
    assert events(sb)["FailedGetResourceMetric"] == ("Warning", message, 1)
    assert conditions(sb)["ScalingActive"] == (
        "False",
        "FailedGetResourceMetric",
        f"the HPA was unable to compute the replica count: {message}",
    )
    assert "cpu: <unknown>/50%" in kubectl("get", "hpa", "web").stdout
    sb.hide_group("metrics.k8s.io", hidden=False)
    load(sb, 0.02)
    sb.advance(15)
    assert "cpu: 20%/50%" in kubectl("get", "hpa", "web").stdout
    assert conditions(sb)["ScalingActive"][:2] == ("True", "ValidMetricFound")


def test_a_missing_target_fails_to_get_its_scale(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    autoscale(sb, "ghost")
    sb.advance(1)
    assert events(sb)["FailedGetScale"] == ("Warning", 'deployments.apps "ghost" not found', 1)
    assert conditions(sb)["AbleToScale"] == (
        "False",
        "FailedGetScale",
        "the HPA controller was unable to get the target's current scale: "
        'deployments.apps "ghost" not found',
    )
    described = kubectl("describe", "hpa", "web").stdout
    assert re.search(
        r"^\s+AbleToScale\s+False\s+FailedGetScale\s+the HPA controller was unable", described, re.M
    )


def test_a_scale_down_waits_out_the_stabilization_window(sb: sandbox.Sandbox) -> None:
    web(sb, 4, {"cpu": "100m"})
    load(sb, 0.005)  # 5%
    autoscale(sb)
    sb.advance(1)
    assert replicas(sb) == 4
    assert conditions(sb)["AbleToScale"] == (
        "True",
        "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent recommendation",
    )
    assert hpa(sb)["status"]["desiredReplicas"] == 4
    sb.advance(299)
    assert replicas(sb) == 4  # the recommendation of 4 made at the start still counts at 300 s
    sb.advance(15)
    assert replicas(sb) == 1
    assert events(sb)["SuccessfulRescale"][1] == "New size: 1; reason: All metrics below target"


def test_the_replica_count_stays_within_min_and_max(sb: sandbox.Sandbox) -> None:
    web(sb, 2, {"cpu": "100m"})
    load(sb, 0.5)  # 500%: wants 20
    autoscale(sb, high=3)
    sb.advance(1)
    assert replicas(sb) == 3
    assert conditions(sb)["ScalingLimited"] == (
        "True",
        "TooManyReplicas",
        "the desired replica count is more than the maximum replica count",
    )


def test_a_behavior_policy_limits_the_scale_up_rate(sb: sandbox.Sandbox) -> None:
    web(sb, 2, {"cpu": "100m"})
    load(sb, 0.09)
    autoscale(sb)
    cluster = sb.control.cluster
    found = hpa(sb)
    found["spec"]["behavior"] = {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
    cluster.update("HorizontalPodAutoscaler", found, manager="kubectl")
    sb.advance(1)
    assert replicas(sb) == 3  # wants 4; one pod per minute
    assert conditions(sb)["ScalingLimited"] == (
        "True",
        "ScaleUpLimit",
        "the desired replica count is increasing faster than the maximum scale rate",
    )
    assert events(sb)["SuccessfulRescale"][1].startswith("New size: 3; reason: cpu resource utilization")

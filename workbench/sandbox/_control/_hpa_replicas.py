"""The HPA's arithmetic: the replica calculator and the stabilization and rate rules, as in v1.32.

`replica_count` is ``GetResourceReplicas`` (a utilization target) and ``GetRawResourceReplicas`` (an
average-value target): pods are grouped into ready, unready (CPU only: never ready, or ready for less
than one metric window during the first five minutes) and missing metrics; within 10% of the target
nothing changes; else ``ceil(ratio * ready pods)``, re-checked with missing pods counted as at target
(scale-down) or idle (scale-up) and unready ones as idle. `Recommendations` remembers what each sync
proposed and when it scaled, and `Recommendations.normalize` applies the scale-down stabilization
window (300 s), ``spec.behavior`` when given, and the min/max and rate limits, with the reasons the
AbleToScale and ScalingLimited conditions show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workbench.quantity import parse_quantity
from workbench.sandbox._clock import parse_time

TOLERANCE = 0.1
DOWNSCALE_WINDOW = 300.0
CPU_INITIALIZATION = 300.0
READINESS_DELAY = 30.0
METRIC_WINDOW = 15.0
_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
_DOWN = {
    "stabilizationWindowSeconds": 300,
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}
_WITHIN = ("DesiredWithinRange", "the desired count is within the acceptable range")
_TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
_TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
_UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
_DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
_UP_STABLE = (
    "ScaleUpStabilized",
    "recent recommendations were lower than current one, applying the lowest recent recommendation",
)
_DOWN_STABLE = (
    "ScaleDownStabilized",
    "recent recommendations were higher than current one, applying the highest recent recommendation",
)


class MetricError(Exception):
    """A metric that could not be computed.

    Attributes:
        reason: the event and ScalingActive reason (``FailedGetResourceMetric``...).
        message: the event's text; the condition says "the HPA was unable to compute...: <message>".
        wrapped: the same error as ``computeReplicasForMetric`` wraps it (for FailedComputeMetricsReplicas).
    """

    def __init__(self, message: str, reason: str = "", wrapped: str = "") -> None:
        super().__init__(message)
        self.message, self.reason, self.wrapped = message, reason, wrapped


def milli_requests(pod: Mapping[str, Any], resource: str, container: str) -> int:
    """calculatePodRequests: the pod's milli-request of `resource`; every container needs one."""
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    total = 0
    for c in containers:
        if container and c.get("name") != container:
            continue
        requests = (c.get("resources") or {}).get("requests") or {}
        if resource not in requests:
            pod_name = pod["metadata"]["name"]
            raise MetricError(
                f"missing request for {resource} in container {c.get('name')} of Pod {pod_name}"
            )
        total += math.ceil(parse_quantity(requests[resource]).value * 1000)
    return total


def cpu_unready(pod: Mapping[str, Any], now: datetime) -> bool:
    """groupPods' CPU rule: no Ready condition, or not yet a full metric window of readiness."""
    status = pod.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    if ready is None or not status.get("startTime"):
        return True
    started = parse_time(status["startTime"])
    since = parse_time(ready.get("lastTransitionTime") or status["startTime"])
    is_false = ready.get("status") == "False"
    if (now - started).total_seconds() < CPU_INITIALIZATION:
        return is_false or (now - since).total_seconds() < METRIC_WINDOW
    return is_false and (since - started).total_seconds() < READINESS_DELAY


def replica_count(
    current: int,
    pods: list[dict[str, Any]],
    usage: dict[str, int],
    *,
    resource: str,
    container: str,
    percent: int,
    average: int,
    now: datetime,
) -> tuple[int, int, int]:
    """The replicas one resource metric proposes: (replicas, average milli-usage, utilization %).

    Args:
        current: the target's replicas now.
        pods: the pods the target's selector selects.
        usage: pod name → milli-usage, for the pods metrics.k8s.io reports (it takes ownership).
        resource / container: what is measured (a container for ContainerResource metrics).
        percent: the utilization target (0 for an average-value target).
        average: the average-value target in milli-units (when `percent` is 0).
        now: the sandbox's time.

    Raises:
        MetricError: with the calculator's message (no pods, missing requests, no metrics...).
    """
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    ready, unready, missing = 0, set(), set()
    for pod in pods:
        name, status = pod["metadata"]["name"], pod.get("status") or {}
        if pod["metadata"].get("deletionTimestamp") or status.get("phase") in ("Failed", "Pending"):
            usage.pop(name, None)
        elif name not in usage:
            missing.add(name)
        elif resource == "cpu" and cpu_unready(pod, now):
            unready.add(name)
            usage.pop(name)
        else:
            ready += 1
    requests = (
        {p["metadata"]["name"]: milli_requests(p, resource, container) for p in pods} if percent else {}
    )
    if not usage:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")

    def ratio(values: dict[str, int]) -> tuple[float, int, int]:
        if not percent:  # GetMetricUsageRatio
            mean = sum(values.values()) // len(values)
            return mean / average, mean, 0
        known = [n for n in values if n in requests]
        wanted, used = sum(requests[n] for n in known), sum(values[n] for n in known)
        if not wanted:
            raise MetricError("no metrics returned matched known pods")
        utilization = used * 100 // wanted
        return utilization / percent, used // len(known), utilization

    first, raw, utilization = ratio(usage)
    with_unready = bool(unready) and first > 1.0
    if not with_unready and not missing:
        return (current if abs(1.0 - first) <= TOLERANCE else math.ceil(first * ready)), raw, utilization
    if first != 1.0:
        for name in missing:  # a scale-down counts them as at target, a scale-up as idle
            at_target = requests[name] * max(100, percent) // 100 if percent else average
            usage[name] = at_target if first < 1.0 else 0
    for name in unready if with_unready else ():
        usage[name] = 0
    second = ratio(usage)[0]
    if abs(1.0 - second) <= TOLERANCE or first < 1.0 < second or second < 1.0 < first:
        return current, raw, utilization
    proposal = math.ceil(second * len(usage))
    if (second < 1.0 and proposal > current) or (second > 1.0 and proposal < current):
        return current, raw, utilization
    return proposal, raw, utilization


@dataclass
class Limited:
    """What `Recommendations.normalize` decided, with the conditions' reasons and messages."""

    replicas: int
    able: tuple[str, str]
    limited: bool
    limit: tuple[str, str]


@dataclass
class Recommendations:
    """One HPA's recent recommendations and scale events (times are `Clock.elapsed` seconds)."""

    history: list[tuple[float, int]] = field(default_factory=list)
    scaled: list[tuple[float, int]] = field(default_factory=list)

    def normalize(
        self,
        current: int,
        desired: int,
        *,
        low: int,
        high: int,
        behavior: Mapping[str, Any] | None,
        now: float,
    ) -> Limited:
        """normalizeDesiredReplicas (no behavior) / normalizeDesiredReplicasWithBehaviors."""
        if behavior:
            up, down = _rules(_UP, behavior.get("scaleUp")), _rules(_DOWN, behavior.get("scaleDown"))
            up_cut = now - float(up["stabilizationWindowSeconds"])
            down_cut = now - float(down["stabilizationWindowSeconds"])
            upper = min([r for t, r in self.history if t > up_cut] + [desired])
            lower = max([r for t, r in self.history if t > down_cut] + [desired])
            stabilized = min(max(current, upper), lower)
            self.history = [(t, r) for t, r in self.history if t > min(up_cut, down_cut)]
            moving = _UP_STABLE if desired >= current else _DOWN_STABLE
        else:
            cut = now - DOWNSCALE_WINDOW
            self.history = [(t, r) for t, r in self.history if t >= cut]
            stabilized = max([r for _, r in self.history] + [desired])
            moving = _DOWN_STABLE
        self.history.append((now, desired))
        able = (
            moving if stabilized != desired else ("ReadyForNewScale", "recommended size matches current size")
        )
        final, limit = self._limit(current, stabilized, low=low, high=high, behavior=behavior, now=now)
        return Limited(final, able, final != stabilized, limit)

    def record(self, change: int, now: float) -> None:
        """Remember a scale (only `spec.behavior` rate policies look at them)."""
        self.scaled = [(t, c) for t, c in self.scaled if t > now - 3600] + [(now, change)]

    def _limit(
        self,
        current: int,
        desired: int,
        *,
        low: int,
        high: int,
        behavior: Mapping[str, Any] | None,
        now: float,
    ) -> tuple[int, tuple[str, str]]:
        """convertDesiredReplicasWithRules / convertDesiredReplicasWithBehaviorRate."""
        if not behavior:
            ceiling, why = (
                (max(2 * current, 4), _UP_LIMIT) if high > max(2 * current, 4) else (high, _TOO_MANY)
            )
            if desired < low:
                return low, _TOO_FEW
            return (ceiling, why) if desired > ceiling else (desired, _WITHIN)
        if desired == current:
            return desired, _WITHIN
        scaling_up = desired > current
        rules = (
            _rules(_UP, behavior.get("scaleUp")) if scaling_up else _rules(_DOWN, behavior.get("scaleDown"))
        )
        proposals = []
        for policy in rules.get("policies") or []:
            recent = [c for t, c in self.scaled if t > now - float(policy.get("periodSeconds", 15))]
            start = current - sum(recent)  # the replicas at the start of the policy's period
            value, pods = int(policy.get("value", 0)), policy.get("type") == "Pods"
            if scaling_up:
                proposals.append(start + value if pods else math.ceil(start * (1 + value / 100)))
            else:
                proposals.append(start - value if pods else int(start * (1 - value / 100)))
        pick = rules.get("selectPolicy") or "Max"
        if scaling_up:
            most = (
                current if pick == "Disabled" or not proposals else (min if pick == "Min" else max)(proposals)
            )
            ceiling, why = (max(most, current), _UP_LIMIT) if high > max(most, current) else (high, _TOO_MANY)
            return (ceiling, why) if desired > ceiling else (desired, _WITHIN)
        least = current if pick == "Disabled" or not proposals else (max if pick == "Min" else min)(proposals)
        floor, why = (min(least, current), _DOWN_LIMIT) if low < min(least, current) else (low, _TOO_FEW)
        return (floor, why) if desired < floor else (desired, _WITHIN)


def _rules(defaults: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**defaults, **{k: v for k, v in (given or {}).items() if v is not None}}

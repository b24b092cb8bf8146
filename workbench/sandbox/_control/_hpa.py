"""The horizontal-pod-autoscaler controller: autoscaling/v2 HPAs, every 15 s, through ``/scale``.

Each sync does what kube-controller-manager v1.32's ``reconcileAutoscaler`` does: read the target's
scale (Deployment, StatefulSet or ReplicaSet), compute a replica count per metric from the pods'
usage as metrics.k8s.io serves it (`Cluster.usage`), keep the highest, stabilize and limit it
(`_hpa_replicas`), and write it to the target's ``spec.replicas`` with the Scale semantics
``kubectl scale`` uses.

Status (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime), the conditions
AbleToScale / ScalingActive / ScalingLimited and the events (``SuccessfulRescale``,
``FailedGetScale``, ``FailedGetResourceMetric``, ``FailedComputeMetricsReplicas``) carry the real
reasons and messages, so ``kubectl describe hpa`` reads as on a real cluster. A metric that cannot be
read (a container without a cpu request, metrics.k8s.io hidden by `Sandbox.hide_group`, no running
pods) leaves an empty current metric, so ``kubectl get hpa`` shows ``cpu: <unknown>/50%``. Only
resource metrics exist: Pods, Object and External metrics find no custom metrics API.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from workbench.errors import SandboxApiError
from workbench.quantity import Quantity, format_cpu, format_memory, parse_quantity
from workbench.sandbox._control._cluster import Cluster, Source
from workbench.sandbox._control._hpa_replicas import MetricError, Recommendations, replica_count
from workbench.sandbox._selectors import label_selector_from_spec
from workbench.sandbox._store import Change, Key
from workbench.sandbox._subresources import scale_of, update_scale

MANAGER = "kube-controller-manager"
SOURCE = Source("horizontal-pod-autoscaler")
RESYNC = 15.0
"""Seconds between two syncs of an HPA (``--horizontal-pod-autoscaler-sync-period``)."""
_TARGETS = {"Deployment": "deployments", "StatefulSet": "statefulsets", "ReplicaSet": "replicasets"}
_NO_METRICS_API = (
    "unable to fetch metrics from resource metrics API: the server could not find the requested "
    "resource (get pods.metrics.k8s.io)"
)
_CPU_80 = {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}
_NO_TARGET = (
    "invalid resource metric source: neither an average utilization target nor an average value (usage) "
    "target was set"
)


class _Conditions:
    """An HPA's conditions, set as ``setCondition`` does (the transition time moves with the status)."""

    def __init__(self, existing: Iterable[Mapping[str, Any]], now: str) -> None:
        self.items = [dict(c) for c in existing]
        self.now = now

    def set(self, type_: str, status: str, reason: str, message: str) -> None:
        found = next((c for c in self.items if c.get("type") == type_), None)
        if found is None:
            found = {"type": type_}
            self.items.append(found)
        since = found.get("lastTransitionTime") if found.get("status") == status else None
        found.clear()  # rebuilt in the API's field order
        found.update(
            type=type_, status=status, lastTransitionTime=since or self.now, reason=reason, message=message
        )


class HorizontalPodAutoscaler:
    """Scales each HPA's target to keep its metrics at their targets."""

    name = "horizontal-pod-autoscaler"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._bucket = cluster.bucket("HorizontalPodAutoscaler")
        self._written: dict[Key, int] = {}  # our own status writes, to ignore their echo
        self._recommendations: dict[Key, Recommendations] = {}

    def initial_keys(self) -> Iterable[Key]:
        for entry in self.cluster.entries("HorizontalPodAutoscaler"):
            yield (entry.fields.get("metadata.namespace", ""), entry.fields.get("metadata.name", ""))

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket != self._bucket or self._written.get(change.key) == change.entry.rv:
            return []
        return [change.key]

    # -- reconcile -----------------------------------------------------------------------------------
    def sync(self, key: Key) -> float | None:
        hpa = self.cluster.get("HorizontalPodAutoscaler", *key)
        if hpa is None:
            self._written.pop(key, None)
            self._recommendations.pop(key, None)
            return None
        spec = hpa.get("spec") or {}
        old = hpa.get("status") or {}
        conditions = _Conditions(old.get("conditions") or [], self.cluster.now())
        kind, target = self._target(key[0], spec.get("scaleTargetRef") or {})
        if target is None:
            self.cluster.event(hpa, "Warning", "FailedGetScale", kind, SOURCE)
            message = f"the HPA controller was unable to get the target's current scale: {kind}"
            conditions.set("AbleToScale", "False", "FailedGetScale", message)
            self._write(hpa, {**old, "conditions": conditions.items})
            return RESYNC
        message = "the HPA controller was able to get the target's current scale"
        conditions.set("AbleToScale", "True", "SucceededGetScale", message)
        current = int((target.get("spec") or {}).get("replicas", 1))
        recommendations = self._recommendations.setdefault(
            key, Recommendations(history=[(self.cluster.clock.elapsed(), current)])
        )
        low, high = int(spec.get("minReplicas") or 1), int(spec.get("maxReplicas") or 1)
        statuses: list[dict[str, Any]] | None = None
        reason, desired = "", current
        if current == 0 and low != 0:
            message = "scaling is disabled since the replica count of the target is zero"
            conditions.set("ScalingActive", "False", "ScalingDisabled", message)
            desired = 0
        elif current > high:
            reason, desired = "Current number of replicas above Spec.MaxReplicas", high
        elif current < low:
            reason, desired = "Current number of replicas below Spec.MinReplicas", low
        else:
            proposal, metric, statuses, error = self._compute(hpa, target, current, conditions)
            if proposal < 0:
                desired_before = int(old.get("desiredReplicas") or 0)
                self._write(hpa, _status(old, current, desired_before, statuses, conditions.items))
                self.cluster.event(hpa, "Warning", "FailedComputeMetricsReplicas", error, SOURCE)
                return RESYNC
            reason = f"{metric} above target" if proposal > current else "All metrics below target"
            limited = recommendations.normalize(
                current,
                proposal,
                low=low,
                high=high,
                behavior=spec.get("behavior"),
                now=self.cluster.clock.elapsed(),
            )
            conditions.set("AbleToScale", "True", *limited.able)
            conditions.set("ScalingLimited", "True" if limited.limited else "False", *limited.limit)
            desired = limited.replicas
        if desired == current:
            self._write(hpa, _status(old, current, current, statuses, conditions.items))
            return RESYNC
        if not self._rescale(hpa, kind, target, desired=desired, reason=reason, conditions=conditions):
            desired_before = int(old.get("desiredReplicas") or 0)
            self._write(hpa, _status(old, current, desired_before, statuses, conditions.items))
            return RESYNC
        if spec.get("behavior"):
            recommendations.record(desired - current, self.cluster.clock.elapsed())
        self._write(
            hpa, _status(old, current, desired, statuses, conditions.items, scaled_at=self.cluster.now())
        )
        return RESYNC

    def _rescale(
        self,
        hpa: dict[str, Any],
        kind: str,
        target: dict[str, Any],
        *,
        desired: int,
        reason: str,
        conditions: _Conditions,
    ) -> bool:
        """Write the new size through the scale subresource, with the event and condition it earns."""
        scale = scale_of(target)
        scale["spec"]["replicas"] = desired
        meta = target["metadata"]
        try:
            update_scale(
                self.cluster.api,
                self.cluster.rtype(kind),
                meta["namespace"],
                meta["name"],
                body=scale,
                manager=MANAGER,
            )
        except SandboxApiError as exc:
            if exc.code in (404, 409):
                raise  # the plane retries: the target changed or went away meanwhile
            note = f"New size: {desired}; reason: {reason}; error: {exc.message}"
            self.cluster.event(hpa, "Warning", "FailedRescale", note, SOURCE)
            message = f"the HPA controller was unable to update the target scale: {exc.message}"
            conditions.set("AbleToScale", "False", "FailedUpdateScale", message)
            return False
        message = f"the HPA controller was able to update the target scale to {desired}"
        conditions.set("AbleToScale", "True", "SucceededRescale", message)
        self.cluster.event(
            hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}", SOURCE
        )
        return True

    def _write(self, hpa: dict[str, Any], status: dict[str, Any]) -> None:
        hpa["status"] = status
        written = self.cluster.update_status("HorizontalPodAutoscaler", hpa, manager=MANAGER)
        meta = written["metadata"]
        self._written[(meta.get("namespace", ""), meta["name"])] = int(meta["resourceVersion"])

    def _target(self, namespace: str, ref: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """(kind, the scale target), or (the error getting its scale, None)."""
        api_version, kind, name = (str(ref.get(k) or "") for k in ("apiVersion", "kind", "name"))
        group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
        if group != "apps" or kind not in _TARGETS:
            return f'no matches for kind "{kind}" in group "{group}"', None
        target = self.cluster.get(kind, namespace, name)
        if target is None:
            return f'{_TARGETS[kind]}.apps "{name}" not found', None
        return kind, target

    # -- metrics -------------------------------------------------------------------------------------
    def _compute(
        self, hpa: dict[str, Any], target: dict[str, Any], current: int, conditions: _Conditions
    ) -> tuple[int, str, list[dict[str, Any]], str]:
        """computeReplicasForMetrics: the highest proposal, or -1 and the error when metrics fail."""
        specs = (hpa.get("spec") or {}).get("metrics") or [{"type": "Resource", "resource": _CPU_80}]
        selector = label_selector_from_spec((target.get("spec") or {}).get("selector"))
        pods = self.cluster.objects("Pod", hpa["metadata"].get("namespace", ""), selector=selector)
        pods.sort(key=lambda p: p["metadata"]["name"])
        statuses: list[dict[str, Any]] = []
        best, best_metric, invalid = 0, "", 0
        first: MetricError | None = None
        for spec in specs:
            try:
                proposal, metric, status = self._metric(spec, current, pods)
            except MetricError as failed:
                self.cluster.event(hpa, "Warning", failed.reason, failed.message, SOURCE)
                statuses.append({"type": ""})  # what an unread metric leaves: `<unknown>` in kubectl
                first = first or failed
                invalid += 1
                continue
            statuses.append(status)
            if best == 0 or proposal > best:
                best, best_metric = proposal, metric
        if first is not None and (invalid >= len(specs) or best < current):
            message = f"the HPA was unable to compute the replica count: {first.message}"
            conditions.set("ScalingActive", "False", first.reason, message)
            error = (
                f"invalid metrics ({invalid} invalid out of {len(specs)}), first error is: {first.wrapped}"
            )
            return -1, "", statuses, error
        message = f"the HPA was able to successfully calculate a replica count from {best_metric}"
        conditions.set("ScalingActive", "True", "ValidMetricFound", message)
        return best, best_metric, statuses, ""

    def _metric(
        self, spec: Mapping[str, Any], current: int, pods: list[dict[str, Any]]
    ) -> tuple[int, str, dict[str, Any]]:
        """One metric's (replicas, name for the rescale reason, current status)."""
        kind = str(spec.get("type") or "")
        if kind not in ("Resource", "ContainerResource"):
            name = ((spec.get(kind[:1].lower() + kind[1:]) or {}).get("metric") or {}).get("name", "")
            api = "external" if kind == "External" else "custom"
            message = (
                f"unable to get metric {name}: unable to fetch metrics from {api} metrics API: "
                f"no {api} metrics API ({api}.metrics.k8s.io) registered"
            )
            raise MetricError(
                message, f"FailedGet{kind}Metric", f"failed to get {kind.lower()} metric value: {message}"
            )
        field = "resource" if kind == "Resource" else "containerResource"
        source = spec.get(field) or {}
        resource, container = str(source.get("name", "")), str(source.get("container", ""))
        target = source.get("target") or {}
        average = target.get("averageValue")
        percent = int(target.get("averageUtilization") or 0)
        what = "usage" if average is not None else "utilization"
        try:
            if average is None and not percent:
                raise MetricError(_NO_TARGET)
            replicas, raw, utilization = replica_count(
                current,
                pods,
                self._usage(pods, resource, container),
                resource=resource,
                container=container,
                percent=0 if average is not None else percent,
                average=math.ceil(parse_quantity(average).value * 1000) if average is not None else 0,
                now=self.cluster.clock.now(),
            )
        except MetricError as failed:
            message = (
                failed.message
                if failed.message == _NO_TARGET
                else f"failed to get {resource} {what}: {failed}"
            )
            scope = f"{resource} resource" if kind == "Resource" else f"{container} container"
            raise MetricError(
                message, f"FailedGet{kind}Metric", f"failed to get {scope} metric value: {message}"
            ) from None
        if average is not None:
            value: dict[str, Any] = {"averageValue": _milli(raw)}
            metric = f"{resource} resource"
        else:
            value = {"averageUtilization": utilization, "averageValue": _milli(raw)}
            scope = "resource" if kind == "Resource" else "container resource"
            metric = f"{resource} {scope} utilization (percentage of request)"
        status = {"name": resource, **({"container": container} if container else {}), "current": value}
        return replicas, metric, {"type": kind, field: status}

    def _usage(self, pods: list[dict[str, Any]], resource: str, container: str) -> dict[str, int]:
        """Pod name → milli-usage, as the metrics client reads PodMetrics (running pods only)."""
        if not self.cluster.serves("metrics.k8s.io"):
            raise MetricError(f"unable to get metrics for resource {resource}: {_NO_METRICS_API}")
        out: dict[str, int] = {}
        for pod in pods:
            if (pod.get("status") or {}).get("phase") != "Running":
                continue
            total = 0
            for c in (pod.get("spec") or {}).get("containers") or []:
                if not container or c.get("name") == container:
                    cpu, memory = self.cluster.usage(pod, c)
                    shown = format_cpu(cpu) if resource == "cpu" else format_memory(memory)
                    total += math.ceil(parse_quantity(shown).value * 1000)
            out[pod["metadata"]["name"]] = total
        if not out:
            message = "no metrics returned from resource metrics API"
            raise MetricError(f"unable to get metrics for resource {resource}: {message}")
        return out


def _status(
    old: Mapping[str, Any],
    current: int,
    desired: int,
    metrics: list[dict[str, Any]] | None,
    conditions: list[dict[str, Any]],
    *,
    scaled_at: str | None = None,
) -> dict[str, Any]:
    """setStatus: v2 field order, currentReplicas omitted when 0, lastScaleTime kept or renewed."""
    status: dict[str, Any] = {}
    if scaled_at or old.get("lastScaleTime"):
        status["lastScaleTime"] = scaled_at or old["lastScaleTime"]
    if current:
        status["currentReplicas"] = current
    status["desiredReplicas"] = desired
    if metrics:
        status["currentMetrics"] = metrics
    status["conditions"] = conditions
    return status


def _milli(value: int) -> str:
    """resource.NewMilliQuantity(value, DecimalSI).String()."""
    return Quantity(Fraction(value, 1000), "DecimalSI").canonical()


CONTROLLERS = [HorizontalPodAutoscaler]

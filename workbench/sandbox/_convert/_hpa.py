"""HorizontalPodAutoscaler: autoscaling/v2 (stored) <-> autoscaling/v1 and autoscaling/v2beta2.

autoscaling/v1 carries only a CPU utilization target; everything else rides in annotations, in the
JSON kube-apiserver writes (pkg/apis/autoscaling/v1/conversion.go; shapes in `_hpa_fields`), so
annotations copied from a real cluster work here and the other way round:

- ``autoscaling.alpha.kubernetes.io/metrics``: the spec metrics other than the CPU target;
- ``.../current-metrics``: every status metric (the CPU one too: it carries the raw value);
- ``.../conditions``: the status conditions;
- ``.../behavior``: spec.behavior;
- ``.../scale-up-tolerance`` and ``.../scale-down-tolerance``: the behavior tolerances, which
  v2beta2 lacks.

Two deliberate differences make v2 -> v1 -> v2 lossless where the apiserver is not: an absent
quantity stays absent instead of becoming "0", and the CPU target goes back first in the metric list
rather than last (so HPAs made by `kubectl autoscale`, and manifests listing CPU first, keep their
order). Unreadable annotations are ignored and dropped, as the apiserver has done since 1.19.
"""

from __future__ import annotations

from typing import Any, Final

from workbench.errors import SandboxApiError
from workbench.sandbox._convert import _hpa_fields as f

Obj = dict[str, Any]

METRICS: Final = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS: Final = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS: Final = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR: Final = "autoscaling.alpha.kubernetes.io/behavior"
TOLERANCE_UP: Final = "autoscaling.alpha.kubernetes.io/scale-up-tolerance"
TOLERANCE_DOWN: Final = "autoscaling.alpha.kubernetes.io/scale-down-tolerance"
ROUND_TRIP: Final = (METRICS, CURRENT_METRICS, CONDITIONS, BEHAVIOR, TOLERANCE_UP, TOLERANCE_DOWN)

_TOLERANCES: Final = (("scaleUp", TOLERANCE_UP), ("scaleDown", TOLERANCE_DOWN))
_DEFAULT_CPU_UTILIZATION: Final = 80
# resource.ParseQuantity's message, which the apiserver returns for a bad tolerance annotation.
_QUANTITY_ERROR: Final = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)

# Each conversion below receives a private deep copy and may reuse or change its parts.


def v2_to_v1(obj: Obj) -> Obj:
    """autoscaling/v2 -> autoscaling/v1, with the rest of the object in annotations."""
    spec, status = f.as_dict(obj.get("spec")), f.as_dict(obj.get("status"))
    out: Obj = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler"}
    if "metadata" in obj:
        out["metadata"] = obj["metadata"]
    _take_round_trip(out)  # stale copies written by a v2 client must not shadow the real values

    metrics = [m for m in spec.get("metrics") or () if isinstance(m, dict)]
    cpu_at = next((i for i, m in enumerate(metrics) if _cpu_utilization(m, "target") is not None), None)
    v1_spec: Obj = {"scaleTargetRef": spec.get("scaleTargetRef") or {"kind": "", "name": ""}}
    if spec.get("minReplicas") is not None:
        v1_spec["minReplicas"] = spec["minReplicas"]
    v1_spec["maxReplicas"] = spec.get("maxReplicas") or 0
    if cpu_at is not None:
        v1_spec["targetCPUUtilizationPercentage"] = _cpu_utilization(metrics[cpu_at], "target")

    current = [m for m in status.get("currentMetrics") or () if isinstance(m, dict)]
    cpu_now = [u for m in current if (u := _cpu_utilization(m, "current")) is not None]
    v1_status = f.compact(
        observedGeneration=status.get("observedGeneration"),
        lastScaleTime=status.get("lastScaleTime"),
        currentReplicas=status.get("currentReplicas") or 0,
        desiredReplicas=status.get("desiredReplicas") or 0,
        currentCPUUtilizationPercentage=cpu_now[-1] if cpu_now else None,  # the apiserver keeps the last
    )

    notes: dict[str, str] = {}
    others = [f.metric_to_v1(m, f.SPEC_FIELDS) for i, m in enumerate(metrics) if i != cpu_at]
    if others:
        notes[METRICS] = f.go_json(others)
    if current:
        notes[CURRENT_METRICS] = f.go_json([f.metric_to_v1(m, f.STATUS_FIELDS) for m in current])
    if isinstance(spec.get("behavior"), dict):
        notes[BEHAVIOR] = f.go_json(f.behavior_to_internal(spec["behavior"]))
    conditions = [c for c in status.get("conditions") or () if isinstance(c, dict)]
    if conditions:
        notes[CONDITIONS] = f.go_json([f.condition_to_v1(c) for c in conditions])
    _add_annotations(out, notes)
    out["spec"] = v1_spec
    out["status"] = v1_status
    return out


def v1_to_v2(obj: Obj) -> Obj:
    """autoscaling/v1 -> autoscaling/v2, restoring (and removing) the round-trip annotations."""
    spec, status = f.as_dict(obj.get("spec")), f.as_dict(obj.get("status"))
    out: Obj = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"}
    if "metadata" in obj:
        out["metadata"] = obj["metadata"]
    notes = _take_round_trip(out)

    v2_spec = {
        k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if spec.get(k) is not None
    }
    metrics: list[Obj] = []
    if spec.get("targetCPUUtilizationPercentage") is not None:
        metrics.append(_cpu_metric(spec["targetCPUUtilizationPercentage"]))
    metrics += f.decode(notes.get(METRICS), f.metrics_from_v1(f.SPEC_FIELDS)) or []
    # autoscaling/v1 means "80% CPU" when it names no target; v2 spells the default out.
    v2_spec["metrics"] = metrics or [_cpu_metric(_DEFAULT_CPU_UTILIZATION)]
    behavior = f.decode(notes.get(BEHAVIOR), f.behavior_from_internal)
    if behavior is not None:
        v2_spec["behavior"] = behavior

    v2_status = f.compact(
        observedGeneration=status.get("observedGeneration"),
        lastScaleTime=status.get("lastScaleTime"),
        currentReplicas=status.get("currentReplicas") or None,  # omitempty in v2, unlike v1
        desiredReplicas=status.get("desiredReplicas") or 0,
    )
    # The annotation has the raw values too, so it wins over currentCPUUtilizationPercentage.
    current = f.decode(notes.get(CURRENT_METRICS), f.metrics_from_v1(f.STATUS_FIELDS))
    if current is None and status.get("currentCPUUtilizationPercentage") is not None:
        utilization = status["currentCPUUtilizationPercentage"]
        resource = {"name": "cpu", "current": {"averageUtilization": utilization}}
        current = [{"type": "Resource", "resource": resource}]
    if current:
        v2_status["currentMetrics"] = current
    conditions = f.decode(notes.get(CONDITIONS), f.conditions_from_v1)
    if conditions:
        v2_status["conditions"] = conditions
    out["spec"] = v2_spec
    out["status"] = v2_status
    return out


def v2_to_v2beta2(obj: Obj) -> Obj:
    """autoscaling/v2 -> v2beta2: the same shape, less the behavior tolerances."""
    obj["apiVersion"] = "autoscaling/v2beta2"
    _take_round_trip(obj)
    behavior = f.as_dict(f.as_dict(obj.get("spec")).get("behavior"))
    notes: dict[str, str] = {}
    for direction, key in _TOLERANCES:
        rules = behavior.get(direction)
        if isinstance(rules, dict) and (tolerance := rules.pop("tolerance", None)) is not None:
            notes[key] = str(tolerance)
    _add_annotations(obj, notes)
    return obj


def v2beta2_to_v2(obj: Obj) -> Obj:
    """autoscaling/v2beta2 -> v2, restoring the behavior tolerances from their annotations.

    Raises:
        SandboxApiError: 400 when a tolerance annotation is not a quantity (the apiserver refuses to
            decode such a body).
    """
    obj["apiVersion"] = "autoscaling/v2"
    notes = _take_round_trip(obj)
    for direction, key in _TOLERANCES:
        if key not in notes:
            continue
        value = notes[key]
        if not isinstance(value, str) or not f.QUANTITY.match(value):
            raise SandboxApiError(400, "BadRequest", f'failed to parse annotation "{key}": {_QUANTITY_ERROR}')
        f.child_path(obj, ("spec", "behavior", direction))["tolerance"] = value
    return obj


def _cpu_metric(utilization: Any) -> Obj:
    target = {"type": "Utilization", "averageUtilization": utilization}
    return {"type": "Resource", "resource": {"name": "cpu", "target": target}}


def _cpu_utilization(metric: Obj, part: str) -> Any:
    """averageUtilization of a CPU Resource metric's `part` ("target" or "current"), else None."""
    resource = metric.get("resource")
    if metric.get("type") != "Resource" or not isinstance(resource, dict) or resource.get("name") != "cpu":
        return None
    return f.as_dict(resource.get(part)).get("averageUtilization")


def _take_round_trip(obj: Obj) -> dict[str, Any]:
    """Remove the round-trip annotations from `obj` and return them."""
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or not isinstance(annotations, dict):
        return {}
    taken = {key: annotations.pop(key) for key in ROUND_TRIP if key in annotations}
    if taken and not annotations:
        del meta["annotations"]
    return taken


def _add_annotations(obj: Obj, values: dict[str, str]) -> None:
    if values:
        f.child_path(obj, ("metadata", "annotations")).update(values)

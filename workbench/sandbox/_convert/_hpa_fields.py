"""The JSON shapes of the autoscaling/v1 round-trip annotations, read and written like Go does.

The apiserver marshals three different Go types into the annotations (pkg/apis/autoscaling/v1/
conversion.go): metrics and current metrics as autoscaling/v1's annotation-only MetricSpec and
MetricStatus (``targetAverageUtilization``, ``metricName``...), conditions as v1 conditions, and
behavior as the *internal* HorizontalPodAutoscalerBehavior, which has no JSON tags and so uses Go
field names (``ScaleUp``, ``StabilizationWindowSeconds``). Reading follows Go's decoder: field names
match case-insensitively, null means "unset", and any type mismatch rejects the whole annotation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypeVar

import orjson

Obj = dict[str, Any]
T = TypeVar("T")
Kind = Literal["str", "int", "qty", "obj", "ref", "policies"]
Fields = tuple[tuple[str, tuple[str, ...], Kind], ...]

QUANTITY: Final = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$")

# Per metric source: (v1 annotation field, path in the v2 source, kind), in v1 struct order, which
# is the order Go's encoder writes.
SPEC_FIELDS: Final[Mapping[str, Fields]] = {
    "object": (
        ("target", ("describedObject",), "ref"),
        ("metricName", ("metric", "name"), "str"),
        ("targetValue", ("target", "value"), "qty"),
        ("selector", ("metric", "selector"), "obj"),
        ("averageValue", ("target", "averageValue"), "qty"),
    ),
    "pods": (
        ("metricName", ("metric", "name"), "str"),
        ("targetAverageValue", ("target", "averageValue"), "qty"),
        ("selector", ("metric", "selector"), "obj"),
    ),
    "resource": (
        ("name", ("name",), "str"),
        ("targetAverageUtilization", ("target", "averageUtilization"), "int"),
        ("targetAverageValue", ("target", "averageValue"), "qty"),
    ),
    "containerResource": (
        ("name", ("name",), "str"),
        ("targetAverageUtilization", ("target", "averageUtilization"), "int"),
        ("targetAverageValue", ("target", "averageValue"), "qty"),
        ("container", ("container",), "str"),
    ),
    "external": (
        ("metricName", ("metric", "name"), "str"),
        ("metricSelector", ("metric", "selector"), "obj"),
        ("targetValue", ("target", "value"), "qty"),
        ("targetAverageValue", ("target", "averageValue"), "qty"),
    ),
}


def _status_fields(fields: Fields) -> Fields:
    # MetricStatus mirrors MetricSpec: targetX becomes currentX and v2's `target` becomes `current`
    # (the object source's `target` is the described object and keeps its name).
    return tuple(
        (
            "current" + name[len("target") :] if name.startswith("target") and name != "target" else name,
            ("current", *path[1:]) if path[0] == "target" else path,
            kind,
        )
        for name, path, kind in fields
    )


STATUS_FIELDS: Final[Mapping[str, Fields]] = {src: _status_fields(f) for src, f in SPEC_FIELDS.items()}

_CONDITION_FIELDS: Final[tuple[tuple[str, Kind], ...]] = (
    ("type", "str"),
    ("status", "str"),
    ("lastTransitionTime", "str"),
    ("reason", "str"),
    ("message", "str"),
    ("observedGeneration", "int"),
)
_RULE_FIELDS: Final[tuple[tuple[str, str, Kind], ...]] = (  # internal (Go) name, v2 name, kind
    ("StabilizationWindowSeconds", "stabilizationWindowSeconds", "int"),
    ("SelectPolicy", "selectPolicy", "str"),
    ("Policies", "policies", "policies"),
    ("Tolerance", "tolerance", "qty"),
)
_POLICY_FIELDS: Final[tuple[tuple[str, str, Kind], ...]] = (
    ("Type", "type", "str"),
    ("Value", "value", "int"),
    ("PeriodSeconds", "periodSeconds", "int"),
)


# --- v2 -> annotation JSON ------------------------------------------------------------------------


def metric_to_v1(metric: Obj, table: Mapping[str, Fields]) -> Obj:
    """A v2 MetricSpec (with SPEC_FIELDS) or MetricStatus (with STATUS_FIELDS) in the v1 shape."""
    out: Obj = {"type": metric.get("type", "")}
    for source, fields in table.items():
        src = metric.get(source)
        if not isinstance(src, dict):
            continue
        converted: Obj = {}
        for name, path, kind in fields:
            value = at(src, path)
            if value is None:
                value = _required_zero(kind)
            if value is not None:
                converted[name] = value
        out[source] = converted
    return out


def behavior_to_internal(behavior: Obj) -> Obj:
    """spec.behavior as the apiserver's internal type marshals it (Go names, nil pointers as null)."""

    def rules(value: Any) -> Obj | None:
        if not isinstance(value, dict):
            return None
        out: Obj = {}
        for go_name, name, kind in _RULE_FIELDS:
            raw = value.get(name)
            if kind == "policies" and isinstance(raw, list):
                raw = [
                    {go: p.get(n, 0 if k == "int" else "") for go, n, k in _POLICY_FIELDS}
                    for p in raw
                    if isinstance(p, dict)
                ]
            # Tolerance (1.33+) is written only when set, so the text matches older servers too.
            if raw is not None or go_name != "Tolerance":
                out[go_name] = raw
        return out

    return {"ScaleUp": rules(behavior.get("scaleUp")), "ScaleDown": rules(behavior.get("scaleDown"))}


def condition_to_v1(condition: Obj) -> Obj:
    out = {name: condition.get(name) for name, _ in _CONDITION_FIELDS}
    out["type"], out["status"] = out["type"] or "", out["status"] or ""
    return compact(**out)


def go_json(value: Any) -> str:
    """Compact JSON escaped the way Go's encoder does, so annotation text matches a real cluster's."""
    text = orjson.dumps(value).decode()
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# --- annotation JSON -> v2 ------------------------------------------------------------------------


class AnnotationError(ValueError):
    """An annotation holds JSON that Go's decoder would refuse for the target struct."""


def decode(text: Any, parse: Callable[[Any], T]) -> T | None:
    """The parsed annotation, or None when it is absent or unreadable (the caller then drops it)."""
    if not isinstance(text, str):
        return None
    try:
        return parse(orjson.loads(text))
    except ValueError:  # orjson.JSONDecodeError and AnnotationError
        return None


def metrics_from_v1(table: Mapping[str, Fields]) -> Callable[[Any], list[Obj]]:
    """A parser for the metrics (SPEC_FIELDS) or current-metrics (STATUS_FIELDS) annotation."""
    status = table is STATUS_FIELDS

    def parse(data: Any) -> list[Obj]:
        out = []
        for raw in _list(data):
            item = _struct(raw)
            metric: Obj = {"type": read(item, "type", "str") or ""}
            for source, fields in table.items():
                src = read(item, source, "obj")
                if src is not None:
                    metric[source] = _source_from_v1(source, src, fields, status=status)
            out.append(metric)
        return out

    return parse


def _source_from_v1(source: str, src: Obj, fields: Fields, *, status: bool) -> Obj:
    out: Obj = {"current": {}} if status else {}
    for name, path, kind in fields:
        value = read(src, name, kind)
        if value is None:
            value = _required_zero(kind)
        if value is not None:
            child_path(out, path[:-1])[path[-1]] = value
    if status:
        return out
    # The v1 shape has no target type: infer it as the apiserver does (the rules differ by source).
    target = out.get("target", {})
    if source in ("resource", "containerResource"):
        target_type = "Utilization" if "averageUtilization" in target else "AverageValue"
    elif source == "object":
        target_type = "AverageValue" if "averageValue" in target else "Value"
    elif source == "external":
        target_type = "Value" if "value" in target else "AverageValue"
    else:
        target_type = "AverageValue"
    out["target"] = {"type": target_type, **target}
    return out


def behavior_from_internal(data: Any) -> Obj | None:
    """The behavior annotation as v2 spec.behavior; None for an empty behavior, as in the apiserver."""
    data = _struct(data)
    out: Obj = {}
    for go_name, name in (("ScaleUp", "scaleUp"), ("ScaleDown", "scaleDown")):
        rules = read(data, go_name, "obj")
        if rules is not None:
            out[name] = {n: v for go, n, k in _RULE_FIELDS if (v := read(rules, go, k)) is not None}
    return out or None


def conditions_from_v1(data: Any) -> list[Obj]:
    out = []
    for raw in _list(data):
        item = _struct(raw)
        condition = {name: read(item, name, kind) for name, kind in _CONDITION_FIELDS}
        condition["type"], condition["status"] = condition["type"] or "", condition["status"] or ""
        out.append(compact(**condition))
    return out


def read(data: Obj, name: str, kind: Kind) -> Any:
    """Field `name` of a decoded Go struct, type-checked, matched case-insensitively like Go."""
    value = data.get(name)
    if name not in data:
        value = next((v for k, v in data.items() if k.lower() == name.lower()), None)
    if value is None:
        return None
    if kind == "str":
        return _check(value, isinstance(value, str))
    if kind == "int":
        return _check(value, isinstance(value, int) and not isinstance(value, bool))
    if kind == "qty":
        # Go's Quantity decoder also takes bare JSON numbers.
        number = isinstance(value, int | float) and not isinstance(value, bool)
        text = str(value) if number else value
        return _check(text, isinstance(text, str) and QUANTITY.match(text) is not None)
    if kind == "ref":
        ref = _struct(value)
        return compact(
            kind=read(ref, "kind", "str") or "",
            name=read(ref, "name", "str") or "",
            apiVersion=read(ref, "apiVersion", "str"),
        )
    if kind == "policies":
        return [
            {name: read(p, go, k) or (0 if k == "int" else "") for go, name, k in _POLICY_FIELDS}
            for p in map(_struct, _list(value))
        ]
    return _struct(value)


def _required_zero(kind: Kind) -> Any:
    """What Go writes for an unset non-pointer field (strings and references are not omitempty)."""
    if kind == "str":
        return ""
    if kind == "ref":
        return {"kind": "", "name": ""}
    return None


def _check(value: T, ok: bool) -> T:
    if not ok:
        raise AnnotationError(repr(value))
    return value


def _struct(value: Any) -> Obj:
    if not isinstance(value, dict):
        raise AnnotationError(repr(value))
    return value


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise AnnotationError(repr(value))
    return value


# --- dict helpers shared with _hpa ----------------------------------------------------------------


def child(obj: Obj, key: str) -> Obj:
    """obj[key] as a dict, created (or replaced when it is not a dict) as needed."""
    value = obj.get(key)
    if not isinstance(value, dict):
        value = obj[key] = {}
    return value


def child_path(obj: Obj, path: tuple[str, ...]) -> Obj:
    for key in path:
        obj = child(obj, key)
    return obj


def at(obj: Obj, path: tuple[str, ...]) -> Any:
    value: Any = obj
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def as_dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def compact(**fields: Any) -> Obj:
    return {k: v for k, v in fields.items() if v is not None}

"""The values each action's parameters may take, checked when a step is made.

`_plans.SCHEMAS` says which parameters an action takes; this module says what is a valid value for
each, so that a plan that reaches a cluster is well formed before anything is sent: replica counts are
whole numbers, quantities parse, env entries are Kubernetes ``EnvVar`` shapes that name a literal value
or a ConfigMap/Secret key (never a field path into another object), probes are ``Probe`` objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.errors import QuantityError
from workbench.quantity import parse_quantity

PROBES = ("readiness", "liveness", "startup")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")
_PROBE_HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
_PROBE_NUMBERS = (
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
)


def _count(value: Any, name: str, *, minimum: int = 0) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return f"{name} must be a whole number of at least {minimum}, not {value!r}"
    return None


def _text(value: Any, name: str) -> str | None:
    if not isinstance(value, str) or not value:
        return f"{name} must be a non-empty string, not {value!r}"
    return None


def _resources(params: Mapping[str, Any]) -> str | None:
    if not params.get("requests") and not params.get("limits"):
        return "set-resources needs requests or limits (or both), e.g. limits={'memory': '512Mi'}"
    for section in ("requests", "limits"):
        values = params.get(section) or {}
        if not isinstance(values, dict):
            return f"{section} must map resource names to quantities, e.g. {{'memory': '512Mi'}}"
        for resource, quantity in values.items():
            if resource not in RESOURCE_NAMES:
                return f"{section}: unknown resource {resource!r} (one of {', '.join(RESOURCE_NAMES)})"
            try:
                parse_quantity(quantity)
            except QuantityError as exc:
                return f"{section}.{resource}={quantity!r}: {exc}"
    return _text(params.get("container"), "container")


def _env_var(item: Any) -> str | None:
    if not isinstance(item, dict) or _text(item.get("name"), "name"):
        return f"each env entry needs a name, e.g. {{'name': 'X', 'value': '1'}}, not {item!r}"
    name = item["name"]
    extra = sorted(set(item) - {"name", "value", "valueFrom"})
    if extra:
        return f"env {name}: unknown field(s) {', '.join(extra)} (an entry has name and value or valueFrom)"
    if ("value" in item) == ("valueFrom" in item):
        return f"env {name}: give exactly one of value or valueFrom"
    if "value" in item:
        return None if isinstance(item["value"], str) else f"env {name}: value must be a string"
    source = item["valueFrom"]
    if not isinstance(source, dict) or len(source) != 1:
        return f"env {name}: valueFrom must hold one secretKeyRef or configMapKeyRef"
    ((kind, ref),) = source.items()
    if kind not in ("secretKeyRef", "configMapKeyRef"):
        return f"env {name}: valueFrom.{kind} is not allowed (only secretKeyRef or configMapKeyRef)"
    if not isinstance(ref, dict) or _text(ref.get("name"), "name") or _text(ref.get("key"), "key"):
        return f"env {name}: valueFrom.{kind} needs a name and a key"
    return None


def _env(params: Mapping[str, Any]) -> str | None:
    env = params.get("env")
    if not isinstance(env, list) or not env:
        return "env must be a non-empty list of EnvVar entries, e.g. [{'name': 'X', 'value': '1'}]"
    for item in env:
        if problem := _env_var(item):
            return problem
    return _text(params.get("container"), "container")


def _probe(params: Mapping[str, Any]) -> str | None:
    if params.get("probe") not in PROBES:
        return f"probe must be one of {', '.join(PROBES)}, not {params.get('probe')!r}"
    settings = params.get("settings")
    if not isinstance(settings, dict):
        return (
            "settings must be a Kubernetes Probe object, e.g. {'httpGet': {'path': '/healthz', 'port': 8080}}"
        )
    handlers = [h for h in _PROBE_HANDLERS if h in settings]
    if len(handlers) != 1:
        return f"settings must have exactly one of {', '.join(_PROBE_HANDLERS)}"
    unknown = sorted(set(settings) - set(_PROBE_HANDLERS) - set(_PROBE_NUMBERS))
    if unknown:
        return f"settings: unknown field(s) {', '.join(unknown)}"
    for key in _PROBE_NUMBERS:
        if key in settings and (problem := _count(settings[key], f"settings.{key}")):
            return problem
    return _text(params.get("container"), "container")


def _hpa(params: Mapping[str, Any]) -> str | None:
    if "min_replicas" not in params and "max_replicas" not in params:
        return "set-hpa-range needs min_replicas or max_replicas (or both)"
    for key in ("min_replicas", "max_replicas"):
        if key in params and (problem := _count(params[key], key, minimum=1)):
            return problem
    low, high = params.get("min_replicas"), params.get("max_replicas")
    if low is not None and high is not None and low > high:
        return f"min_replicas ({low}) must not exceed max_replicas ({high})"
    return None


def _patch(params: Mapping[str, Any]) -> str | None:
    shape = list if params["patch_type"] == "json" else dict
    if not isinstance(params["patch"], shape) or not params["patch"]:
        what = "a non-empty list of JSON-patch operations" if shape is list else "a non-empty object"
        return f"a {params['patch_type']} patch must be {what}"
    return None


def _selector(params: Mapping[str, Any]) -> str | None:
    selector = params.get("selector")
    if not isinstance(selector, dict) or not selector:
        return "selector must be a non-empty map of label names to values"
    if not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in selector.items()):
        return "selector labels and values must be non-empty strings"
    return None


def _taint(params: Mapping[str, Any]) -> str | None:
    if "effect" in params and params["effect"] not in TAINT_EFFECTS:
        return f"effect must be one of {', '.join(TAINT_EFFECTS)}, not {params['effect']!r}"
    return _text(params.get("key"), "key")


def _drain(params: Mapping[str, Any]) -> str | None:
    for key in ("grace_seconds", "timeout_seconds"):
        if key in params and (problem := _count(params[key], key)):
            return problem
    return None


def _undo(params: Mapping[str, Any]) -> str | None:
    if "to_revision" in params:
        return _count(params["to_revision"], "to_revision", minimum=1)
    return None


CHECKS: Mapping[str, Callable[[Mapping[str, Any]], str | None]] = {
    "patch": _patch,
    "scale": lambda p: _count(p["replicas"], "replicas"),
    "rollout-undo": _undo,
    "set-image": lambda p: _text(p["container"], "container") or _text(p["image"], "image"),
    "set-resources": _resources,
    "set-env": _env,
    "set-configmap-key": lambda p: (
        _text(p["key"], "key") or (None if isinstance(p["value"], str) else "value must be a string")
    ),
    "drain": _drain,
    "set-service-selector": _selector,
    "set-probe": _probe,
    "set-hpa-range": _hpa,
    "remove-taint": _taint,
}
"""Per action value: a check returning the problem, or None when the parameters are valid."""

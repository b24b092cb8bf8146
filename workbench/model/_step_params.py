"""The values each action's parameters may take, checked when a step is made.

`_plans.SCHEMAS` says which parameters an action takes; this module says what is a valid value for
each, so that a plan that reaches a cluster is well formed before anything is sent: replica counts are
whole numbers, quantities parse, env entries are Kubernetes ``EnvVar`` shapes that name a literal value
or a ConfigMap/Secret key (never a field path into another object), probes are ``Probe`` objects.
What a step creates is as narrow as its parameters: a NetworkPolicy from non-empty label selectors and
a list of ports (never every pod, every port or another namespace), a StorageClass from a provisioner
name and string parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from workbench.errors import QuantityError
from workbench.quantity import parse_quantity

PROBES = ("readiness", "liveness", "startup")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")
PROTOCOLS = ("TCP", "UDP", "SCTP")
RECLAIM_POLICIES = ("Delete", "Retain")
BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
# apimachinery's IsQualifiedName: an optional DNS-subdomain prefix and "/", then a name of letters,
# digits, "-", "_" and "." that starts and ends with a letter or digit (63 characters at most).
_QUALIFIED = re.compile(
    r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
)
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
# IsValidPortName (IANA_SVC_NAME): lowercase letters, digits and "-", at least one letter, no "--".
_PORT_NAME = re.compile(r"(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
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


def _label_problem(key: Any, value: Any, name: str) -> str | None:
    if not isinstance(key, str) or not _QUALIFIED.fullmatch(key) or len(key.rsplit("/", 1)[-1]) > 63:
        return f"{name}: {key!r} is not a label name (e.g. app or example.com/tier)"
    if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value) or len(value) > 63:
        return f"{name}: the value of {key} must be a label value (63 characters at most), not {value!r}"
    return None


def _match_labels(selector: Any, name: str, role: str) -> str | None:
    if not isinstance(selector, dict) or not selector:
        return (
            f"{name} must map the {role} pods' labels to values, e.g. {{'app': 'web'}} (an empty "
            "selector would mean every pod in the namespace)"
        )
    for key, value in selector.items():
        if problem := _label_problem(key, value, name):
            return problem
    return None


def _port(item: Any) -> str | None:
    example = "e.g. {'protocol': 'TCP', 'port': 8080} or {'protocol': 'TCP', 'port': 'http'}"
    if not isinstance(item, dict) or set(item) != {"protocol", "port"}:
        return f"each port must be exactly {{protocol, port}}, {example}; not {item!r}"
    if item["protocol"] not in PROTOCOLS:
        return f"protocol must be one of {', '.join(PROTOCOLS)}, not {item['protocol']!r}"
    port = item["port"]
    if isinstance(port, bool) or not isinstance(port, int | str):
        return f"port must be a number or a named port, {example}; not {port!r}"
    if isinstance(port, int) and not 1 <= port <= 65535:
        return f"port {port} is not between 1 and 65535"
    if isinstance(port, str) and not _PORT_NAME.fullmatch(port):
        return (
            f"port {port!r} is not a port name (at most 15 lowercase letters, digits and '-', with a "
            "letter); give the number instead"
        )
    return None


def _allow_ingress(params: Mapping[str, Any]) -> str | None:
    problem = _match_labels(params["pod_selector"], "pod_selector", "receiving")
    problem = problem or _match_labels(params["from_selector"], "from_selector", "sending")
    if problem:
        return problem
    ports = params["ports"]
    if not isinstance(ports, list) or not ports:
        return (
            "ports must be a non-empty list of {protocol, port}, e.g. [{'protocol': 'TCP', 'port': 8080}] "
            "(no ports would allow every port)"
        )
    for item in ports:
        if problem := _port(item):
            return problem
    return None


def _storage_class(params: Mapping[str, Any]) -> str | None:
    provisioner = params["provisioner"]
    if not isinstance(provisioner, str) or not _QUALIFIED.fullmatch(provisioner.lower()):
        return (
            f"provisioner must name a volume provisioner, e.g. rancher.io/local-path or ebs.csi.aws.com, "
            f"not {provisioner!r}"
        )
    parameters = params.get("parameters", {})
    if not isinstance(parameters, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in parameters.items()
    ):
        return "parameters must map names to string values, e.g. {'type': 'gp3'} (numbers as strings)"
    for key, allowed in (("reclaim_policy", RECLAIM_POLICIES), ("volume_binding_mode", BINDING_MODES)):
        if key in params and params[key] not in allowed:
            return f"{key} must be one of {', '.join(allowed)}, not {params[key]!r}"
    if "allow_volume_expansion" in params and not isinstance(params["allow_volume_expansion"], bool):
        return f"allow_volume_expansion must be true or false, not {params['allow_volume_expansion']!r}"
    return None


def _delete_created(params: Mapping[str, Any]) -> str | None:
    if not isinstance(params["created_by"], str) or not _DIGEST.fullmatch(params["created_by"]):
        return (
            "created_by must be the digest of the plan that created the object (sha256:<64 hex digits>); "
            "take the step from ApplyResult.rollback_plan() rather than writing it"
        )
    return _text(params["uid"], "uid")


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
    "recreate-job": _env,
    "set-configmap-key": lambda p: (
        _text(p["key"], "key") or (None if isinstance(p["value"], str) else "value must be a string")
    ),
    "drain": _drain,
    "set-service-selector": _selector,
    "set-probe": _probe,
    "set-hpa-range": _hpa,
    "remove-taint": _taint,
    "allow-ingress": _allow_ingress,
    "create-storage-class": _storage_class,
    "delete-created": _delete_created,
}
"""Per action value: a check returning the problem, or None when the parameters are valid."""

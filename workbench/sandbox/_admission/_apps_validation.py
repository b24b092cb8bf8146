"""Validation of apps/v1 workloads: Deployments, ReplicaSets, DaemonSets and StatefulSets.

Follows ``pkg/apis/apps/validation`` plus the strategies' rule that apps/v1 selectors are
immutable, with the Go-formatted values real messages carry (``v1.LabelSelector{...}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import (
    FieldError,
    GoRepr,
    at,
    forbidden,
    go_int_or_string,
    go_label_selector,
    go_quote,
    go_string_map,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
)
from ._names import (
    name_is_dns_label,
    name_is_dns_subdomain,
    selector_is_convertible,
    selector_is_empty,
    selector_matches,
    validate_annotations,
    validate_label_selector,
    validate_labels,
    validate_object_meta,
)
from ._pod_defaults import as_dict
from ._pod_validation import validate_pod_template


def _selector_and_template(
    spec: Mapping[str, Any], kind_word: str, *, require_selector: bool = True, pod_spec: bool = True
) -> list[FieldError]:
    """Selector presence/validity, the selector-matches-template rule and the template itself."""
    selector = spec.get("selector")
    errs: list[FieldError] = []
    if selector is None:
        if require_selector:
            errs.append(required("spec.selector"))
    else:
        errs += validate_label_selector(selector, "spec.selector")
        if selector_is_empty(selector):
            errs.append(
                invalid(
                    "spec.selector", go_label_selector(selector), f"empty selector is invalid for {kind_word}"
                )
            )
    template = as_dict(spec.get("template"))
    labels = as_dict(template.get("metadata")).get("labels")
    if not selector_is_convertible(selector):
        errs.append(invalid("spec.selector", go_label_selector(selector), "invalid label selector"))
    elif not selector_is_empty(selector) and not selector_matches(selector, labels):
        errs.append(
            invalid(
                "spec.template.metadata.labels",
                go_string_map(labels),
                "`selector` does not match template `labels`",
            )
        )
    if pod_spec:
        errs += validate_pod_template(template, "spec.template")
    else:
        errs += validate_labels(labels, "spec.template.labels")
        errs += validate_annotations(
            as_dict(template.get("metadata")).get("annotations"), "spec.template.annotations"
        )
    restart = as_dict(template.get("spec")).get("restartPolicy", "")
    if restart != "Always":
        errs.append(not_supported("spec.template.spec.restartPolicy", restart, ("Always",)))
    if as_dict(template.get("spec")).get("activeDeadlineSeconds") is not None:
        label = {"deployment": "ReplicaSet", "daemonset": "DaemonSet", "statefulset": "StatefulSet"}[
            kind_word
        ]
        errs.append(
            forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                f"activeDeadlineSeconds in {label} is not Supported",
            )
        )
    return errs


# fmt's %#v prints nested pointers as addresses; a fixed one keeps messages reproducible.
_GO_POINTER = "0xc000a1c2d0"


def _go_pointer(type_name: str, value: object) -> str:
    return f"(*{type_name})(nil)" if value is None else f"(*{type_name})({_GO_POINTER})"


def _go_strategy(type_name: str, kind: object, rolling_type: str, rolling: object) -> GoRepr:
    """A strategy struct as ``%#v`` prints it in NotSupported errors."""
    return GoRepr(
        f"{type_name}{{Type:{go_quote(str(kind))}, RollingUpdate:{_go_pointer(rolling_type, rolling)}}}"
    )


def _go_rolling_stateful(rolling: Mapping[str, Any]) -> GoRepr:
    partition = rolling.get("partition") or 0
    unavailable = _go_pointer("intstr.IntOrString", rolling.get("maxUnavailable"))
    return GoRepr(
        f"apps.RollingUpdateStatefulSetStrategy{{Partition:{partition}, MaxUnavailable:{unavailable}}}"
    )


def _percent(value: object) -> int | None:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1])
    return None


def _int_or_percent(value: object, field: str) -> list[FieldError]:
    if isinstance(value, str):
        if _percent(value) is None:
            return [
                invalid(
                    field,
                    go_int_or_string(value),
                    "a valid percent string must be a numeric string followed by an ending '%' "
                    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                )
            ]
        return []
    return nonnegative(value, field)


def _int_or_percent_value(value: object) -> int:
    percent = _percent(value)
    if percent is not None:
        return percent
    return value if isinstance(value, int) else 0


def _over_100(value: object, field: str) -> list[FieldError]:
    percent = _percent(value)
    if percent is not None and percent > 100:
        return [invalid(field, go_int_or_string(value), "must not be greater than 100%")]
    return []


def validate_deployment(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    spec = as_dict(obj.get("spec"))
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    errs += nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += _selector_and_template(spec, "deployment")
    strategy = as_dict(spec.get("strategy"))
    kind = strategy.get("type", "")
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            errs.append(
                forbidden(
                    "spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"
                )
            )
    elif kind == "RollingUpdate":
        if not isinstance(rolling, Mapping):
            errs.append(required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"))
        else:
            path = "spec.strategy.rollingUpdate"
            unavailable, surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
            errs += _int_or_percent(unavailable, at(path, "maxUnavailable"))
            errs += _int_or_percent(surge, at(path, "maxSurge"))
            if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
                errs.append(
                    invalid(
                        at(path, "maxUnavailable"),
                        go_int_or_string(unavailable),
                        "may not be 0 when `maxSurge` is 0",
                    )
                )
            errs += _over_100(unavailable, at(path, "maxUnavailable"))
    else:
        value = _go_strategy("apps.DeploymentStrategy", kind, "apps.RollingUpdateDeployment", rolling)
        errs.append(not_supported("spec.strategy", value, ("Recreate", "RollingUpdate")))
    errs += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    errs += nonnegative(spec.get("revisionHistoryLimit", 0), "spec.revisionHistoryLimit")
    deadline = spec.get("progressDeadlineSeconds")
    if isinstance(deadline, int):
        errs += nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= (spec.get("minReadySeconds") or 0):
            errs.append(
                invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")
            )
    return errs + _selector_immutable(spec, old)


def _selector_immutable(spec: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    if old is None:
        return []
    return immutable(
        "spec.selector", spec.get("selector"), as_dict(old.get("spec")).get("selector"), go_label_selector
    )


def validate_replica_set(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    spec = as_dict(obj.get("spec"))
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    errs += nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    errs += _selector_and_template(spec, "deployment")
    return errs + _selector_immutable(spec, old)


def validate_daemon_set(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    spec = as_dict(obj.get("spec"))
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    errs += _selector_and_template(spec, "daemonset", require_selector=False)
    errs += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    strategy = as_dict(spec.get("updateStrategy"))
    kind, rolling = strategy.get("type", ""), strategy.get("rollingUpdate")
    if kind == "RollingUpdate":
        if not isinstance(rolling, Mapping):
            errs.append(required("spec.updateStrategy.rollingUpdate"))
        else:
            path = "spec.updateStrategy.rollingUpdate"
            unavailable, surge = rolling.get("maxUnavailable", 0), rolling.get("maxSurge", 0)
            errs += _int_or_percent(unavailable, at(path, "maxUnavailable"))
            errs += _int_or_percent(surge, at(path, "maxSurge"))
            errs += _over_100(unavailable, at(path, "maxUnavailable"))
            errs += _over_100(surge, at(path, "maxSurge"))
            has_unavailable, has_surge = (
                _int_or_percent_value(unavailable) != 0,
                _int_or_percent_value(surge) != 0,
            )
            if has_unavailable and has_surge:
                errs.append(
                    invalid(
                        at(path, "maxSurge"),
                        go_int_or_string(surge),
                        "may not be set when maxUnavailable is non-zero",
                    )
                )
            elif not has_unavailable and not has_surge:
                errs.append(required(at(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    elif kind != "OnDelete":
        errs.append(
            not_supported(
                "spec.updateStrategy",
                _go_strategy("apps.DaemonSetUpdateStrategy", kind, "apps.RollingUpdateDaemonSet", rolling),
                ("RollingUpdate", "OnDelete"),
            )
        )
    errs += nonnegative(spec.get("revisionHistoryLimit", 0), "spec.revisionHistoryLimit")
    return errs + _selector_immutable(spec, old)


def validate_stateful_set(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    spec = as_dict(obj.get("spec"))
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_label, check_name=old is None)
    policy = spec.get("podManagementPolicy", "")
    if not policy:
        errs.append(required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        errs.append(invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))
    strategy = as_dict(spec.get("updateStrategy"))
    kind = strategy.get("type", "")
    if not kind:
        errs.append(required("spec.updateStrategy"))
    elif kind == "OnDelete" and strategy.get("rollingUpdate") is not None:
        errs.append(
            invalid(
                "spec.updateStrategy.rollingUpdate",
                _go_rolling_stateful(as_dict(strategy.get("rollingUpdate"))),
                "only allowed for updateStrategy 'RollingUpdate'",
            )
        )
    elif kind == "RollingUpdate":
        errs += nonnegative(
            as_dict(strategy.get("rollingUpdate")).get("partition", 0),
            "spec.updateStrategy.rollingUpdate.partition",
        )
    elif kind != "OnDelete":
        errs.append(
            invalid(
                "spec.updateStrategy",
                _go_strategy(
                    "apps.StatefulSetUpdateStrategy",
                    kind,
                    "apps.RollingUpdateStatefulSetStrategy",
                    strategy.get("rollingUpdate"),
                ),
                "must be 'RollingUpdate' or 'OnDelete'",
            )
        )
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if isinstance(retention, Mapping):
        for key in ("whenDeleted", "whenScaled"):
            value = retention.get(key, "")
            if value not in ("Retain", "Delete"):
                errs.append(
                    not_supported(
                        at("spec.persistentVolumeClaimRetentionPolicy", key), value, ("Retain", "Delete")
                    )
                )
    errs += nonnegative(spec.get("replicas", 0), "spec.replicas")
    errs += nonnegative(spec.get("minReadySeconds", 0), "spec.minReadySeconds")
    # A real 1.32 server checks only the template's labels and annotations for StatefulSets; a bad
    # pod spec surfaces later, when the controller's pod create is refused.
    errs += _selector_and_template(spec, "statefulset", pod_spec=False)
    if old is not None:
        fixed = (
            "replicas",
            "ordinals",
            "template",
            "updateStrategy",
            "persistentVolumeClaimRetentionPolicy",
            "minReadySeconds",
        )
        old_spec = as_dict(old.get("spec"))
        if {k: v for k, v in spec.items() if k not in fixed} != {
            k: v for k, v in old_spec.items() if k not in fixed
        }:
            errs.append(
                forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                    "'minReadySeconds' are forbidden",
                )
            )
    return errs

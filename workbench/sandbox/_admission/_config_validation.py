"""Validation of ConfigMaps, Secrets, PersistentVolumeClaims, PersistentVolumes and HPAs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.errors import QuantityError
from workbench.quantity import parse_quantity

from ._errors import (
    FieldError,
    Key,
    at,
    forbidden,
    immutable,
    invalid,
    not_supported,
    required,
    too_long,
)
from ._names import (
    is_config_map_key,
    is_path_segment_name,
    name_is_dns_subdomain,
    validate_label_selector,
    validate_object_meta,
)
from ._pod_defaults import as_dict, as_list

_MAX_DATA_SIZE = 1024 * 1024

_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


def _data_keys(data: object, path: str) -> tuple[list[FieldError], int]:
    errs: list[FieldError] = []
    size = 0
    for key in sorted(as_dict(data)):
        errs += [invalid(at(path, Key(key)), key, msg) for msg in is_config_map_key(key)]
        value = as_dict(data)[key]
        size += len(value.encode()) if isinstance(value, str) else 0
    return errs, size


def validate_config_map(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    data_errs, size = _data_keys(obj.get("data"), "data")
    errs += data_errs
    for key in sorted(set(as_dict(obj.get("data"))) & set(as_dict(obj.get("binaryData")))):
        errs.append(invalid(at("data", Key(key)), key, "duplicate of key present in binaryData"))
    binary_errs, binary_size = _data_keys(obj.get("binaryData"), "binaryData")
    errs += binary_errs
    if size + binary_size > _MAX_DATA_SIZE:
        errs.append(too_long("", _MAX_DATA_SIZE))
    return errs + _immutable_data(obj, old, ("data", "binaryData"))


def _immutable_data(
    obj: Mapping[str, Any], old: Mapping[str, Any] | None, keys: tuple[str, ...]
) -> list[FieldError]:
    if old is None or old.get("immutable") is not True:
        return []
    errs: list[FieldError] = []
    if obj.get("immutable") is not True:
        errs.append(forbidden("immutable", "field is immutable when `immutable` is set"))
    errs += [
        forbidden(key, "field is immutable when `immutable` is set")
        for key in keys
        if obj.get(key) != old.get(key)
    ]
    return errs


_SECRET_REQUIRED_KEYS = {
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
}


def validate_secret(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    data = dict(as_dict(obj.get("data")))
    # stringData is merged into data before validation, as the v1 conversion does.
    data.update(dict.fromkeys(as_dict(obj.get("stringData")), ""))
    data_errs, _ = _data_keys(data, "data")
    errs += data_errs
    type_name = str(obj.get("type") or "Opaque")
    if type_name == "kubernetes.io/basic-auth" and not {"username", "password"} & set(data):
        errs += [required(at("data", Key("username"))), required(at("data", Key("password")))]
    for key in _SECRET_REQUIRED_KEYS.get(type_name, ()):
        if key not in data:
            errs.append(required(at("data", Key(key))))
    if old is not None:
        errs += immutable("type", obj.get("type"), old.get("type"))
    return errs + _immutable_data(obj, old, ("data",))


def _pvc_spec(spec: Mapping[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    modes = as_list(spec.get("accessModes"))
    if not modes:
        errs.append(required(at(path, "accessModes"), "at least 1 access mode is required"))
    errs += validate_label_selector(spec.get("selector"), at(path, "selector"))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            errs.append(not_supported(at(path, "accessModes"), mode, _ACCESS_MODES))
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        errs.append(
            forbidden(at(path, "accessModes"), "may not use ReadWriteOncePod with other access modes")
        )
    storage = as_dict(as_dict(spec.get("resources")).get("requests")).get("storage")
    storage_path = at(path, "resources", Key("storage"))
    if storage is None:
        errs.append(required(storage_path))
    else:
        errs += _positive_storage(storage, storage_path)
    return errs


def _positive_storage(raw: object, path: str) -> list[FieldError]:
    try:
        quantity = parse_quantity(raw)
    except QuantityError:
        return []
    if quantity.value < 0:
        return [invalid(path, quantity.canonical(), "must be greater than or equal to 0")]
    if quantity.value == 0:
        return [invalid(path, quantity.canonical(), "must be greater than zero")]
    return []


def validate_pvc(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    spec = as_dict(obj.get("spec"))
    errs += _pvc_spec(spec, "spec")
    if old is not None:
        old_spec = dict(as_dict(old.get("spec")))
        mutable = ("resources", "volumeAttributesClassName")
        # The PV controller binds a claim by setting volumeName, which may change once.
        if not old_spec.get("volumeName") and "volumeName" in spec:
            old_spec["volumeName"] = spec["volumeName"]
        if {k: v for k, v in spec.items() if k not in mutable} != {
            k: v for k, v in old_spec.items() if k not in mutable
        }:
            errs.append(
                forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and "
                    "volumeAttributesClassName for bound claims",
                )
            )
    return errs


def validate_pv(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    spec = as_dict(obj.get("spec"))
    modes = as_list(spec.get("accessModes"))
    if not modes:
        errs.append(required("spec.accessModes"))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            errs.append(not_supported("spec.accessModes", mode, _ACCESS_MODES))
    capacity = as_dict(spec.get("capacity"))
    if not capacity:
        errs.append(required("spec.capacity"))
    elif "storage" in capacity:
        errs += _positive_storage(capacity["storage"], "spec.capacity[storage]")
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy and policy not in ("Delete", "Recycle", "Retain"):
        errs.append(
            not_supported("spec.persistentVolumeReclaimPolicy", policy, ("Delete", "Recycle", "Retain"))
        )
    return errs


def validate_hpa(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    spec = as_dict(obj.get("spec"))
    low, high = spec.get("minReplicas"), spec.get("maxReplicas", 0) or 0
    if isinstance(low, int) and low < 1:
        errs.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    if high < 1:
        errs.append(invalid("spec.maxReplicas", high, "must be greater than 0"))
    if isinstance(low, int) and high < low:
        errs.append(invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
    ref = as_dict(spec.get("scaleTargetRef"))
    for key in ("kind", "name"):
        value = str(ref.get(key) or "")
        if not value:
            errs.append(required(at("spec.scaleTargetRef", key)))
        else:
            errs += [
                invalid(at("spec.scaleTargetRef", key), value, msg) for msg in is_path_segment_name(value)
            ]
    for i, raw in enumerate(as_list(spec.get("metrics"))):
        errs += _metric(as_dict(raw), at("spec.metrics", i))
    target = spec.get("targetCPUUtilizationPercentage")
    if isinstance(target, int) and target < 1:
        errs.append(invalid("spec.targetCPUUtilizationPercentage", target, "must be greater than 0"))
    return errs


_METRIC_TYPES = ("ContainerResource", "External", "Object", "Pods", "Resource")


def _metric(metric: Mapping[str, Any], path: str) -> list[FieldError]:
    kind = metric.get("type", "")
    if not kind:
        return [required(at(path, "type"), "must specify a metric source type")]
    if kind not in _METRIC_TYPES:
        return [not_supported(at(path, "type"), kind, _METRIC_TYPES)]
    if kind != "Resource":
        return []
    source = metric.get("resource")
    if not isinstance(source, Mapping):
        return [required(at(path, "resource"), "must populate information for the given metric source")]
    errs: list[FieldError] = []
    if not source.get("name"):
        errs.append(required(at(path, "resource", "name"), "must specify a resource name"))
    target = as_dict(source.get("target"))
    utilization = target.get("averageUtilization")
    if isinstance(utilization, int) and utilization <= 0:
        errs.append(
            invalid(
                at(path, "resource", "target", "averageUtilization"), utilization, "must be greater than 0"
            )
        )
    return errs

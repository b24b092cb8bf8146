"""Pod validation: the pod spec in ``ValidatePodSpec`` order, pod templates, and the pod update rule.

Volumes, restart and DNS policies, tolerations and scalar fields are checked here; containers in
``_container_validation``. On update only images, ``activeDeadlineSeconds``, added tolerations
and a negative grace period set to 1 may change, as on a real cluster.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._container_validation import validate_containers, validate_init_containers
from ._errors import (
    FieldError,
    at,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
)
from ._names import (
    enum_error,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_qualified_name,
    name_is_dns_subdomain,
    validate_annotations,
    validate_labels,
    validate_object_meta,
)
from ._pod_defaults import as_dict, as_list

_RESTART_POLICIES = ("Always", "OnFailure", "Never")

_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")

_VOLUME_SOURCES = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)

_MAX_INT32 = 2147483647

_UPDATABLE_POD_FIELDS = ",".join(
    (
        "`spec.containers[*].image`",
        "`spec.initContainers[*].image`",
        "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    )
)

_GO_FIELD_NAMES = {
    "dnsPolicy": "DNSPolicy",
    "dnsConfig": "DNSConfig",
    "os": "OS",
    "hostPID": "HostPID",
    "hostIPC": "HostIPC",
    "setHostnameAsFQDN": "SetHostnameAsFQDN",
}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def validate_pod(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    spec = as_dict(obj.get("spec"))
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain)
    errs += validate_pod_spec(spec, "spec", is_pod=True)
    if old is None:
        if as_list(spec.get("ephemeralContainers")):
            errs.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
        return errs
    return errs + _pod_update(spec, as_dict(old.get("spec")))


def validate_pod_spec(spec: Mapping[str, Any], path: str, *, is_pod: bool) -> list[FieldError]:
    """ValidatePodSpec (plus the pod-only container checks when `is_pod`)."""
    errs: list[FieldError] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errs.append(required(at(path, "terminationGracePeriodSeconds")))
    volumes, vol_errs = _validate_volumes(spec.get("volumes"), at(path, "volumes"))
    errs += vol_errs
    errs += validate_containers(spec, volumes, at(path, "containers"))
    errs += validate_init_containers(spec, volumes, at(path, "initContainers"))
    errs += _validate_host_network(spec, path, is_pod=is_pod)
    errs += enum_error(at(path, "restartPolicy"), spec.get("restartPolicy", ""), _RESTART_POLICIES)
    errs += enum_error(at(path, "dnsPolicy"), spec.get("dnsPolicy", ""), _DNS_POLICIES)
    errs += validate_labels(spec.get("nodeSelector"), at(path, "nodeSelector"))
    if spec.get("dnsPolicy") == "None" and not as_list(as_dict(spec.get("dnsConfig")).get("nameservers")):
        if not isinstance(spec.get("dnsConfig"), Mapping):
            errs.append(required(at(path, "dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"))
        else:
            errs.append(
                required(
                    at(path, "dnsConfig", "nameservers"),
                    "must provide at least one DNS nameserver when `dnsPolicy` is None",
                )
            )
    for key, check in (("serviceAccountName", is_dns1123_subdomain), ("nodeName", is_dns1123_subdomain)):
        value = _str(spec.get(key))
        if value:
            errs += [invalid(at(path, key), value, msg) for msg in check(value)]
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= _MAX_INT32:
        errs.append(
            invalid(
                at(path, "activeDeadlineSeconds"), deadline, f"must be between 1 and {_MAX_INT32}, inclusive"
            )
        )
    for key in ("hostname", "subdomain"):
        value = _str(spec.get(key))
        if value:
            errs += [invalid(at(path, key), value, msg) for msg in is_dns1123_label(value)]
    errs += validate_tolerations(spec.get("tolerations"), at(path, "tolerations"))
    priority_class = _str(spec.get("priorityClassName"))
    if priority_class:
        errs += [
            invalid(at(path, "priorityClassName"), priority_class, m)
            for m in is_dns1123_subdomain(priority_class)
        ]
    if spec.get("preemptionPolicy") is not None:
        errs += enum_error(
            at(path, "preemptionPolicy"), spec.get("preemptionPolicy"), ("PreemptLowerPriority", "Never")
        )
    if is_pod:
        for key in ("containers", "initContainers"):
            for i, container in enumerate(as_list(spec.get(key))):
                image = _str(as_dict(container).get("image"))
                if image != image.strip():
                    errs.append(
                        invalid(
                            at(path, key, i, "image"), image, "must not have leading or trailing whitespace"
                        )
                    )
    return errs


def validate_pod_template(template: object, path: str) -> list[FieldError]:
    """ValidatePodTemplateSpec: template labels and annotations, then the pod spec."""
    tpl = as_dict(template)
    meta = as_dict(tpl.get("metadata"))
    errs = validate_labels(meta.get("labels"), at(path, "labels"))
    errs += validate_annotations(meta.get("annotations"), at(path, "annotations"))
    errs += validate_pod_spec(as_dict(tpl.get("spec")), at(path, "spec"), is_pod=False)
    if as_list(as_dict(tpl.get("spec")).get("ephemeralContainers")):
        errs.append(
            forbidden(
                at(path, "spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"
            )
        )
    return errs


def _validate_volumes(volumes: object, path: str) -> tuple[set[str], list[FieldError]]:
    names: set[str] = set()
    errs: list[FieldError] = []
    for i, raw in enumerate(as_list(volumes)):
        volume = as_dict(raw)
        idx = at(path, i)
        vol_errs = _validate_volume_source(volume, idx)
        name = _str(volume.get("name"))
        if not name:
            vol_errs.append(required(at(idx, "name")))
        else:
            vol_errs += [invalid(at(idx, "name"), name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            vol_errs.append(duplicate(at(idx, "name"), name))
        if vol_errs:
            errs += vol_errs
        else:
            names.add(name)
    return names, errs


def _validate_volume_source(volume: Mapping[str, Any], path: str) -> list[FieldError]:
    sources = [key for key in _VOLUME_SOURCES if volume.get(key) is not None]
    if not sources:
        return [required(path, "must specify a volume type")]
    errs = [forbidden(at(path, key), "may not specify more than 1 volume type") for key in sources[1:]]
    source, body = sources[0], as_dict(volume.get(sources[0]))
    name_fields = {
        "configMap": "name",
        "secret": "secretName",
        "persistentVolumeClaim": "claimName",
        "hostPath": "path",
    }
    if source in name_fields and not _str(body.get(name_fields[source])):
        errs.append(required(at(path, source, name_fields[source])))
    return errs


def _validate_host_network(spec: Mapping[str, Any], path: str, *, is_pod: bool) -> list[FieldError]:
    if spec.get("hostNetwork") is not True:
        return []
    errs: list[FieldError] = []
    for i, container in enumerate(as_list(spec.get("containers"))):
        for j, raw in enumerate(as_list(as_dict(container).get("ports"))):
            port = as_dict(raw)
            host_port, container_port = port.get("hostPort") or 0, port.get("containerPort") or 0
            if (is_pod or host_port) and host_port != container_port:
                errs.append(
                    invalid(
                        at(path, "containers", i, "ports", j, "hostPort"),
                        host_port,
                        "must match `containerPort` when `hostNetwork` is true",
                    )
                )
    return errs


def validate_tolerations(tolerations: object, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, raw in enumerate(as_list(tolerations)):
        toleration, idx = as_dict(raw), at(path, i)
        key = _str(toleration.get("key"))
        operator = _str(toleration.get("operator"))
        effect = _str(toleration.get("effect"))
        value = _str(toleration.get("value"))
        if key:
            errs += [invalid(at(idx, "key"), key, msg) for msg in is_qualified_name(key)]
        if not key and operator != "Exists":
            errs.append(
                invalid(
                    at(idx, "operator"),
                    operator,
                    "operator must be Exists when `key` is empty, "
                    'which means "match all values and all keys"',
                )
            )
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(
                invalid(
                    at(idx, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"
                )
            )
        if operator in ("Equal", ""):
            msgs = is_label_value(value)
            if msgs:
                errs.append(invalid(at(idx, "operator"), value, ";".join(msgs)))
        elif operator == "Exists":
            if value:
                errs.append(
                    invalid(at(idx, "operator"), value, "value must be empty when `operator` is 'Exists'")
                )
        else:
            errs.append(not_supported(at(idx, "operator"), operator, ("Equal", "Exists")))
        if effect and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            errs.append(
                not_supported(at(idx, "effect"), effect, ("NoSchedule", "PreferNoSchedule", "NoExecute"))
            )
    return errs


def _pod_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    for key in ("containers", "initContainers"):
        new_list, old_list = as_list(new.get(key)), as_list(old.get(key))
        if len(new_list) != len(old_list):
            return [*errs, forbidden(at("spec", key), "pod updates may not add or remove containers")]
    deadline, old_deadline = new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds")
    if isinstance(deadline, int):
        if deadline < 0:
            return [
                *errs,
                invalid(
                    "spec.activeDeadlineSeconds", deadline, "must be between 0 and 2147483647, inclusive"
                ),
            ]
        if isinstance(old_deadline, int) and old_deadline < deadline:
            return [
                *errs,
                invalid(
                    "spec.activeDeadlineSeconds", deadline, "must be less than or equal to previous value"
                ),
            ]
    elif old_deadline is not None:
        errs.append(
            invalid(
                "spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value"
            )
        )
    errs += _only_added_tolerations(as_list(new.get("tolerations")), as_list(old.get("tolerations")))
    munged = json.loads(json.dumps(new))
    for key in ("containers", "initContainers"):
        for container, previous in zip(as_list(munged.get(key)), as_list(old.get(key)), strict=True):
            if isinstance(container, dict):
                container["image"] = as_dict(previous).get("image")
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        munged.pop(key, None)
        if key in old:
            munged[key] = old[key]
    grace, old_grace = munged.get("terminationGracePeriodSeconds"), old.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    # The internal PodSpec has no deprecated serviceAccount field; it mirrors serviceAccountName.
    munged.pop("serviceAccount", None)
    old_cmp = {k: v for k, v in old.items() if k != "serviceAccount"}
    if munged != old_cmp:
        diff = _spec_diff(old_cmp, munged)
        detail = f"pod updates may not change fields other than {_UPDATABLE_POD_FIELDS}\n{diff}"
        errs.append(forbidden("spec", detail))
    return errs


def _only_added_tolerations(new: list[Any], old: list[Any]) -> list[FieldError]:
    for previous in old:
        wanted = {k: v for k, v in as_dict(previous).items() if k != "tolerationSeconds"}
        if not any({k: v for k, v in as_dict(t).items() if k != "tolerationSeconds"} == wanted for t in new):
            return [
                forbidden(
                    "spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"
                )
            ]
    return []


def _spec_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """A short go-cmp style diff of two pod specs (field by field, values as JSON)."""
    lines = ["  core.PodSpec{"]
    same = 0
    for key in sorted(set(old) | set(new)):
        name = _GO_FIELD_NAMES.get(key, key[:1].upper() + key[1:])
        if old.get(key) == new.get(key):
            same += 1
            continue
        if key in old:
            lines.append(f"- \t{name}: {json.dumps(old[key], sort_keys=True)},")
        if key in new:
            lines.append(f"+ \t{name}: {json.dumps(new[key], sort_keys=True)},")
    if same:
        lines.insert(1, f"  \t... // {same} identical fields")
    lines.append("  }")
    return "\n".join(lines)

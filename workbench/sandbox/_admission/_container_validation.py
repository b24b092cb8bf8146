"""Container validation: names, images, ports, env, mounts, resources, probes and lifecycle hooks.

Follows ``validateContainers`` / ``validateInitContainers`` / ``validateContainerCommon`` in
``pkg/apis/core/validation``, reporting errors in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import (
    FieldError,
    at,
    duplicate,
    forbidden,
    invalid,
    nonnegative,
    not_found,
    not_supported,
    required,
)
from ._names import (
    enum_error,
    is_config_map_key,
    is_dns1123_label,
    is_relaxed_env_var_name,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns_subdomain,
)
from ._pod_defaults import as_dict, as_list
from ._resource_validation import validate_resources

_PULL_POLICIES = ("Always", "IfNotPresent", "Never")

_PROTOCOLS = ("SCTP", "TCP", "UDP")

_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")

_ENV_FIELD_PATHS = (
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def validate_containers(spec: Mapping[str, Any], volumes: set[str], path: str) -> list[FieldError]:
    containers = as_list(spec.get("containers"))
    if not containers:
        return [required(path)]
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, raw in enumerate(containers):
        container, idx = as_dict(raw), at(path, i)
        errs += _validate_container_common(container, volumes, idx)
        name = _str(container.get("name"))
        if name in names:
            errs.append(duplicate(at(idx, "name"), name))
        else:
            names.add(name)
        errs += _validate_lifecycle(container.get("lifecycle"), at(idx, "lifecycle"))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            errs += _validate_probe(container.get(probe), at(idx, probe), probe)
        if container.get("restartPolicy") is not None:
            errs.append(forbidden(at(idx, "restartPolicy"), "may not be set for non-init containers"))
    errs += _host_port_conflicts(containers, path)
    return errs


def validate_init_containers(spec: Mapping[str, Any], volumes: set[str], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names = {_str(as_dict(c).get("name")) for c in as_list(spec.get("containers"))}
    for i, raw in enumerate(as_list(spec.get("initContainers"))):
        container, idx = as_dict(raw), at(path, i)
        errs += _validate_container_common(container, volumes, idx)
        restart = container.get("restartPolicy")
        if restart is not None and restart != "Always":
            errs.append(not_supported(at(idx, "restartPolicy"), restart, ("Always",)))
        name = _str(container.get("name"))
        if name in names:
            errs.append(duplicate(at(idx, "name"), name))
        elif name:
            names.add(name)
        errs += _host_port_conflicts([container], path)
        if restart == "Always":
            errs += _validate_lifecycle(container.get("lifecycle"), at(idx, "lifecycle"))
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                errs += _validate_probe(container.get(probe), at(idx, probe), probe)
        else:
            for key in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if container.get(key) is not None:
                    errs.append(
                        forbidden(
                            at(idx, key), "may not be set for init containers without restartPolicy=Always"
                        )
                    )
    return errs


def _validate_container_common(
    container: Mapping[str, Any], volumes: set[str], path: str
) -> list[FieldError]:
    errs: list[FieldError] = []
    name = _str(container.get("name"))
    if not name:
        errs.append(required(at(path, "name")))
    else:
        errs += [invalid(at(path, "name"), name, msg) for msg in is_dns1123_label(name)]
    if not _str(container.get("image")):
        errs.append(required(at(path, "image")))
    errs += enum_error(
        at(path, "terminationMessagePolicy"), container.get("terminationMessagePolicy", ""), _MESSAGE_POLICIES
    )
    errs += _validate_ports(container.get("ports"), at(path, "ports"))
    errs += _validate_env(container.get("env"), at(path, "env"))
    errs += _validate_env_from(container.get("envFrom"), at(path, "envFrom"))
    errs += _validate_mounts(container.get("volumeMounts"), volumes, at(path, "volumeMounts"))
    errs += enum_error(at(path, "imagePullPolicy"), container.get("imagePullPolicy", ""), _PULL_POLICIES)
    errs += validate_resources(container.get("resources"), at(path, "resources"))
    return errs


def _validate_ports(ports: object, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, raw in enumerate(as_list(ports)):
        port, idx = as_dict(raw), at(path, i)
        name = _str(port.get("name"))
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                errs += [invalid(at(idx, "name"), name, msg) for msg in msgs]
            elif name in names:
                errs.append(duplicate(at(idx, "name"), name))
            else:
                names.add(name)
        number = port.get("containerPort") or 0
        if not number:
            errs.append(required(at(idx, "containerPort")))
        else:
            errs += [invalid(at(idx, "containerPort"), number, msg) for msg in is_valid_port_num(number)]
        host_port = port.get("hostPort") or 0
        if host_port:
            errs += [invalid(at(idx, "hostPort"), host_port, msg) for msg in is_valid_port_num(host_port)]
        protocol = port.get("protocol") or ""
        if not protocol:
            errs.append(required(at(idx, "protocol")))
        elif protocol not in _PROTOCOLS:
            errs.append(not_supported(at(idx, "protocol"), protocol, _PROTOCOLS))
    return errs


def _validate_env(env: object, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, raw in enumerate(as_list(env)):
        var, idx = as_dict(raw), at(path, i)
        name = _str(var.get("name"))
        if not name:
            errs.append(required(at(idx, "name")))
        else:
            errs += [invalid(at(idx, "name"), name, msg) for msg in is_relaxed_env_var_name(name)]
        value_from = var.get("valueFrom")
        if not isinstance(value_from, Mapping):
            continue
        source_path = at(idx, "valueFrom")
        sources = [
            k
            for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
            if value_from.get(k) is not None
        ]
        field_ref = as_dict(value_from.get("fieldRef"))
        if value_from.get("fieldRef") is not None:
            errs += _validate_field_ref(field_ref, at(source_path, "fieldRef"))
        for key in ("configMapKeyRef", "secretKeyRef"):
            if value_from.get(key) is not None:
                errs += _validate_key_selector(as_dict(value_from.get(key)), at(source_path, key))
        if not sources:
            errs.append(
                invalid(
                    source_path,
                    "",
                    "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                    "or `secretKeyRef`",
                )
            )
        elif var.get("value"):
            errs.append(invalid(source_path, "", "may not be specified when `value` is not empty"))
        elif len(sources) > 1:
            errs.append(invalid(source_path, "", "may not have more than one field specified at a time"))
    return errs


def _validate_field_ref(ref: Mapping[str, Any], path: str) -> list[FieldError]:
    if not _str(ref.get("apiVersion")):
        return [required(at(path, "apiVersion"))]
    field_path = _str(ref.get("fieldPath"))
    if not field_path:
        return [required(at(path, "fieldPath"))]
    for prefix in ("metadata.labels[", "metadata.annotations["):
        if field_path.startswith(prefix) and field_path.endswith("]"):
            return []
    if field_path not in _ENV_FIELD_PATHS:
        return [not_supported(at(path, "fieldPath"), field_path, _ENV_FIELD_PATHS)]
    return []


def _validate_key_selector(selector: Mapping[str, Any], path: str) -> list[FieldError]:
    name = _str(selector.get("name"))
    errs = [invalid(at(path, "name"), name, msg) for msg in name_is_dns_subdomain(name, False)]
    key = _str(selector.get("key"))
    if not key:
        errs.append(required(at(path, "key")))
    else:
        errs += [invalid(at(path, "key"), key, msg) for msg in is_config_map_key(key)]
    return errs


def _validate_env_from(env_from: object, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, raw in enumerate(as_list(env_from)):
        source, idx = as_dict(raw), at(path, i)
        refs = [k for k in ("configMapRef", "secretRef") if source.get(k) is not None]
        for key in refs:
            name = _str(as_dict(source.get(key)).get("name"))
            if not name:
                errs.append(required(at(idx, key, "name")))
            else:
                errs += [
                    invalid(at(idx, key, "name"), name, msg) for msg in name_is_dns_subdomain(name, True)
                ]
        if not refs:
            errs.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(refs) > 1:
            errs.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errs


def _validate_mounts(mounts: object, volumes: set[str], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, raw in enumerate(as_list(mounts)):
        mount, idx = as_dict(raw), at(path, i)
        name, mount_path = _str(mount.get("name")), _str(mount.get("mountPath"))
        if not name:
            errs.append(required(at(idx, "name")))
        if name not in volumes:
            errs.append(not_found(at(idx, "name"), name))
        if not mount_path:
            errs.append(required(at(idx, "mountPath")))
        if mount_path in seen:
            errs.append(invalid(at(idx, "mountPath"), mount_path, "must be unique"))
        seen.add(mount_path)
    return errs


def _validate_probe(probe: object, path: str, kind: str) -> list[FieldError]:
    if not isinstance(probe, Mapping):
        return []
    errs = _validate_handler(probe, path, ("exec", "httpGet", "tcpSocket", "grpc"))
    for key in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errs += nonnegative(probe.get(key, 0), at(path, key))
    grace = probe.get("terminationGracePeriodSeconds")
    if isinstance(grace, int) and grace <= 0:
        errs.append(invalid(at(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    if kind in ("livenessProbe", "startupProbe") and probe.get("successThreshold", 1) != 1:
        errs.append(invalid(at(path, "successThreshold"), probe.get("successThreshold"), "must be 1"))
    if kind == "readinessProbe" and grace is not None:
        errs.append(
            invalid(at(path, "terminationGracePeriodSeconds"), grace, "must not be set for readinessProbes")
        )
    return errs


def _validate_lifecycle(lifecycle: object, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    for hook in ("postStart", "preStop"):
        handler = as_dict(lifecycle).get(hook)
        if isinstance(handler, Mapping):
            errs += _validate_handler(handler, at(path, hook), ("exec", "httpGet", "tcpSocket", "sleep"))
    return errs


def _validate_handler(handler: Mapping[str, Any], path: str, kinds: tuple[str, ...]) -> list[FieldError]:
    present = [k for k in kinds if handler.get(k) is not None]
    if not present:
        return [required(path, "must specify a handler type")]
    errs = [forbidden(at(path, k), "may not specify more than 1 handler type") for k in present[1:]]
    kind, body = present[0], as_dict(handler.get(present[0]))
    if kind == "exec" and not as_list(body.get("command")):
        errs.append(required(at(path, "exec", "command")))
    elif kind == "httpGet":
        if not _str(body.get("path")):
            errs.append(required(at(path, "httpGet", "path")))
        errs += port_num_or_name(body.get("port"), at(path, "httpGet", "port"))
        scheme = body.get("scheme", "")
        if scheme not in ("HTTP", "HTTPS"):
            errs.append(not_supported(at(path, "httpGet", "scheme"), scheme, ("HTTP", "HTTPS")))
    elif kind == "tcpSocket":
        errs += port_num_or_name(body.get("port"), at(path, "tcpSocket", "port"))
    elif kind == "grpc":
        errs += port_num_or_name(body.get("port", 0), at(path, "grpc", "port"))
    return errs


def port_num_or_name(port: object, path: str) -> list[FieldError]:
    """ValidatePortNumOrName: an int must be a port number, a string a port name."""
    if isinstance(port, str):
        return [invalid(path, port, msg) for msg in is_valid_port_name(port)]
    number = port if isinstance(port, int) and not isinstance(port, bool) else 0
    return [invalid(path, number, msg) for msg in is_valid_port_num(number)]


def _host_port_conflicts(containers: list[Any], path: str) -> list[FieldError]:
    seen: set[str] = set()
    errs: list[FieldError] = []
    for ci, container in enumerate(containers):
        for pi, raw in enumerate(as_list(as_dict(container).get("ports"))):
            port = as_dict(raw)
            host_port = port.get("hostPort") or 0
            if not host_port:
                continue
            key = f"{port.get('protocol', '')}/{port.get('hostIP', '')}/{host_port}"
            if key in seen:
                errs.append(duplicate(at(path, ci, "ports", pi, "hostPort"), key))
            seen.add(key)
    return errs

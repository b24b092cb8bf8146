"""Validation of Services, Ingresses and NetworkPolicies.

Services follow ``ValidateService`` (ports, types, cluster IPs, node ports, traffic policies) and
``ValidateServiceUpdate`` (cluster IPs may not change once set); Ingresses ``ValidateIngressSpec``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._container_validation import port_num_or_name
from ._errors import (
    FieldError,
    GoRepr,
    at,
    duplicate,
    forbidden,
    go_string_slice,
    invalid,
    not_supported,
    required,
)
from ._names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_ip,
    is_valid_port_name,
    is_valid_port_num,
    name_is_dns1035_label,
    name_is_dns_subdomain,
    validate_label_selector,
    validate_labels,
    validate_object_meta,
)
from ._pod_defaults import as_dict, as_list

_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")

_PROTOCOLS = ("SCTP", "TCP", "UDP")

_NODE_PORT_RANGE = (30000, 32767)

_INVALID_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def validate_service(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    spec = as_dict(obj.get("spec"))
    errs = validate_object_meta(obj.get("metadata"), name_is_dns1035_label, check_name=old is None)
    if old is not None:
        errs += _cluster_ips_unchanged(spec, as_dict(old.get("spec")))
    kind = spec.get("type", "")
    cluster_ips = as_list(spec.get("clusterIPs")) or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = as_list(spec.get("ports"))
    errs += _service_shape(spec, kind, cluster_ips, ports)
    names: set[str] = set()
    for i, raw in enumerate(ports):
        errs += _service_port(as_dict(raw), len(ports) > 1, names, at("spec.ports", i))
    errs += validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity", "")
    if not affinity:
        errs.append(required("spec.sessionAffinity"))
    elif affinity not in ("ClientIP", "None"):
        errs.append(not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    errs += _service_ips(spec, cluster_ips)
    if not kind:
        errs.append(required("spec.type"))
    elif kind not in _SERVICE_TYPES:
        errs.append(not_supported("spec.type", kind, _SERVICE_TYPES))
    errs += _node_ports(kind, ports)
    seen: set[tuple[object, object]] = set()
    for i, raw in enumerate(ports):
        port = as_dict(raw)
        key = (port.get("protocol"), port.get("port"))
        if key in seen:
            errs.append(duplicate(at("spec.ports", i), _go_service_port_key(key)))
        seen.add(key)
    return errs + _traffic_policies(spec, kind)


def _service_shape(
    spec: Mapping[str, Any], kind: object, cluster_ips: list[Any], ports: list[Any]
) -> list[FieldError]:
    """Ports are required unless headless or ExternalName; ExternalName needs a valid CNAME."""
    errs: list[FieldError] = []
    headless = bool(cluster_ips) and cluster_ips[0] == "None"
    if not ports and not headless and kind != "ExternalName":
        errs.append(required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and headless:
        errs.append(invalid("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {kind} services"))
    if kind == "ExternalName":
        if cluster_ips:
            errs.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            errs += [invalid("spec.externalName", cname, msg) for msg in is_dns1123_subdomain(cname)]
        else:
            errs.append(required("spec.externalName"))
    return errs


def _service_ips(spec: Mapping[str, Any], cluster_ips: list[Any]) -> list[FieldError]:
    errs = [
        invalid(at("spec.clusterIPs", i), ip, _INVALID_IP)
        for i, ip in enumerate(cluster_ips)
        if ip != "None" and not is_valid_ip(str(ip))
    ]
    errs += [
        invalid(at("spec.externalIPs", i), ip, _INVALID_IP)
        for i, ip in enumerate(as_list(spec.get("externalIPs")))
        if not is_valid_ip(str(ip))
    ]
    return errs


def _traffic_policies(spec: Mapping[str, Any], kind: object) -> list[FieldError]:
    errs: list[FieldError] = []
    policy = spec.get("externalTrafficPolicy")
    external = kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and bool(spec.get("externalIPs")))
    if not external and policy:
        errs.append(
            invalid(
                "spec.externalTrafficPolicy", policy, "may only be set for externally-accessible services"
            )
        )
    elif external and not policy:
        errs.append(required("spec.externalTrafficPolicy"))
    elif external and policy not in ("Cluster", "Local"):
        errs.append(not_supported("spec.externalTrafficPolicy", policy, ("Cluster", "Local")))
    internal = spec.get("internalTrafficPolicy")
    if internal is None and kind in ("ClusterIP", "NodePort", "LoadBalancer"):
        errs.append(required("spec.internalTrafficPolicy"))
    elif internal is not None and internal not in ("Cluster", "Local"):
        errs.append(not_supported("spec.internalTrafficPolicy", internal, ("Cluster", "Local")))
    return errs


def _cluster_ips_unchanged(spec: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
    if "ExternalName" in (spec.get("type"), old.get("type")):
        return []
    new_ips, old_ips = as_list(spec.get("clusterIPs")), as_list(old.get("clusterIPs"))
    if new_ips[:1] == ["None"] and old_ips[:1] == ["None"]:
        return []
    if len(new_ips) == len(old_ips):
        return [
            invalid(at("spec.clusterIPs", i), go_string_slice(new_ips), "may not change once set")
            for i, ip in enumerate(old_ips)
            if ip != new_ips[i]
        ]
    if not new_ips:
        return [required("spec.clusterIPs", "primary clusterIP can not be unset")]
    if old_ips and new_ips[0] != old_ips[0]:
        return [invalid("spec.clusterIPs[0]", go_string_slice(new_ips), "may not change once set")]
    return []


def _go_service_port_key(key: tuple[object, object]) -> GoRepr:
    """The (protocol, port) key duplicate ports are reported with, as Go prints the struct."""
    protocol, port = key
    return GoRepr(
        f'core.ServicePort{{Name:"", Protocol:"{protocol}", AppProtocol:(*string)(nil), Port:{port}, '
        'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
    )


def _service_port(
    port: Mapping[str, Any], require_name: bool, names: set[str], path: str
) -> list[FieldError]:
    errs: list[FieldError] = []
    name = str(port.get("name") or "")
    if require_name and not name:
        errs.append(required(at(path, "name")))
    elif name:
        errs += [invalid(at(path, "name"), name, msg) for msg in is_dns1123_label(name)]
        if name in names:
            errs.append(duplicate(at(path, "name"), name))
        names.add(name)
    number = port.get("port") or 0
    errs += [invalid(at(path, "port"), number, msg) for msg in is_valid_port_num(number)]
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(required(at(path, "protocol")))
    elif protocol not in _PROTOCOLS:
        errs.append(not_supported(at(path, "protocol"), protocol, _PROTOCOLS))
    errs += port_num_or_name(port.get("targetPort"), at(path, "targetPort"))
    app_protocol = port.get("appProtocol")
    if isinstance(app_protocol, str):
        errs += [
            invalid(at(path, "appProtocol"), app_protocol, msg) for msg in is_qualified_name(app_protocol)
        ]
    return errs


def _node_ports(kind: object, ports: list[Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[tuple[object, object]] = set()
    for i, raw in enumerate(ports):
        port = as_dict(raw)
        node_port = port.get("nodePort") or 0
        if not node_port:
            continue
        path = at("spec.ports", i, "nodePort")
        if kind == "ClusterIP":
            errs.append(forbidden(path, "may not be used when `type` is 'ClusterIP'"))
        elif not _NODE_PORT_RANGE[0] <= node_port <= _NODE_PORT_RANGE[1]:
            errs.append(
                invalid(
                    path,
                    node_port,
                    "provided port is not in the valid range. The range of valid ports is "
                    f"{_NODE_PORT_RANGE[0]}-{_NODE_PORT_RANGE[1]}",
                )
            )
        key = (port.get("protocol"), node_port)
        if key in seen:
            errs.append(duplicate(path, node_port))
        seen.add(key)
    return errs


_PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")


def validate_ingress(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    spec = as_dict(obj.get("spec"))
    if not as_list(spec.get("rules")) and spec.get("defaultBackend") is None:
        rules = GoRepr("[]networking.IngressRule{}" if "rules" in spec else "[]networking.IngressRule(nil)")
        errs.append(invalid("spec", rules, "either `defaultBackend` or `rules` must be specified"))
    if spec.get("defaultBackend") is not None:
        errs += _ingress_backend(as_dict(spec.get("defaultBackend")), "spec.defaultBackend")
    for i, raw in enumerate(as_list(spec.get("rules"))):
        rule, rule_path = as_dict(raw), at("spec.rules", i)
        host = str(rule.get("host") or "")
        if host:
            check = host[2:] if host.startswith("*.") else host
            errs += [invalid(at(rule_path, "host"), host, msg) for msg in is_dns1123_subdomain(check)]
        http = rule.get("http")
        if http is None:
            continue
        paths = as_list(as_dict(http).get("paths"))
        if not paths:
            errs.append(required(at(rule_path, "http", "paths")))
        for j, entry in enumerate(paths):
            errs += _ingress_path(as_dict(entry), at(rule_path, "http", "paths", j))
    return errs


def _ingress_path(entry: Mapping[str, Any], path: str) -> list[FieldError]:
    path_type = entry.get("pathType")
    if path_type is None:
        return [required(at(path, "pathType"), "pathType must be specified")]
    value = str(entry.get("path") or "")
    errs: list[FieldError] = []
    if path_type in ("Exact", "Prefix") or (path_type == "ImplementationSpecific" and value):
        if not value.startswith("/"):
            errs.append(invalid(at(path, "path"), value, "must be an absolute path"))
    elif path_type not in _PATH_TYPES:
        errs.append(not_supported(at(path, "pathType"), path_type, _PATH_TYPES))
    return errs + _ingress_backend(as_dict(entry.get("backend")), at(path, "backend"))


def _ingress_backend(backend: Mapping[str, Any], path: str) -> list[FieldError]:
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        return []
    if not isinstance(service, Mapping):
        return [invalid(path, "", "resource or service backend is required")]
    errs: list[FieldError] = []
    name = str(service.get("name") or "")
    if not name:
        errs.append(required(at(path, "service", "name")))
    else:
        errs += [
            invalid(at(path, "service", "name"), name, msg) for msg in name_is_dns1035_label(name, False)
        ]
    port = as_dict(service.get("port"))
    port_name, number = str(port.get("name") or ""), port.get("number") or 0
    if port_name and number:
        errs.append(invalid(path, "", "cannot set both port name & port number"))
    elif port_name:
        errs += [
            invalid(at(path, "service", "port", "name"), port_name, m) for m in is_valid_port_name(port_name)
        ]
    elif number:
        errs += [invalid(at(path, "service", "port", "number"), number, m) for m in is_valid_port_num(number)]
    else:
        errs.append(required(path, "port name or number is required"))
    return errs


def validate_network_policy(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), name_is_dns_subdomain, check_name=old is None)
    spec = as_dict(obj.get("spec"))
    errs += validate_label_selector(spec.get("podSelector"), "spec.podSelector")
    for i, kind in enumerate(as_list(spec.get("policyTypes"))):
        if kind not in ("Ingress", "Egress"):
            errs.append(not_supported(at("spec.policyTypes", i), kind, ("Ingress", "Egress")))
    return errs

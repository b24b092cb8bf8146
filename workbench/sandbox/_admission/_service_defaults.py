"""Service defaulting, including what the Service REST storage does around it.

Besides ``SetDefaults_Service`` this allocates cluster IPs and node ports on create, sets the IP
family fields, and on update carries allocated values over from the stored Service when the new
body leaves them out (``patchAllocatedValues``), so ``kubectl replace`` works as on a real cluster.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ._pod_defaults import as_dict, dicts


def needs_cluster_ip(spec: dict[str, Any]) -> bool:
    return spec.get("type") != "ExternalName"


def needs_node_port(spec: dict[str, Any]) -> bool:
    kind = spec.get("type")
    return kind == "NodePort" or (
        kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is not False
    )


def _externally_accessible(spec: dict[str, Any]) -> bool:
    kind = spec.get("type")
    return kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and bool(spec.get("externalIPs")))


def default_service(
    obj: dict[str, Any],
    old: dict[str, Any] | None,
    allocate_ip: Callable[[], str],
    allocate_port: Callable[[], int],
) -> None:
    """Fill a Service's defaults and allocated values in place."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        client_ip = as_dict(as_dict(spec.get("sessionAffinityConfig")).get("clientIP"))
        if client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for port in dicts(spec.get("ports")):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if _externally_accessible(spec) and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and spec["type"] in (
        "ClusterIP",
        "NodePort",
        "LoadBalancer",
    ):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec["type"] == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    old_spec = as_dict(as_dict(old).get("spec"))
    if old is not None:
        _carry_over(spec, old_spec)
    if needs_cluster_ip(spec):
        _ip_fields(spec, old_spec)
        _allocate(spec, allocate_ip, allocate_port)
    status = obj.get("status")
    if not isinstance(status, dict):
        status = obj["status"] = {}
    status.setdefault("loadBalancer", {})


def _carry_over(spec: dict[str, Any], old_spec: dict[str, Any]) -> None:
    if needs_cluster_ip(old_spec) and needs_cluster_ip(spec):
        if not spec.get("clusterIP"):
            spec["clusterIP"] = old_spec.get("clusterIP")
        if (
            not spec.get("clusterIPs")
            and old_spec.get("clusterIPs")
            and spec["clusterIP"] == old_spec.get("clusterIP")
        ):
            spec["clusterIPs"] = copy.deepcopy(old_spec["clusterIPs"])
        for key in ("ipFamilies", "ipFamilyPolicy"):
            if not spec.get(key) and old_spec.get(key):
                spec[key] = copy.deepcopy(old_spec[key])
    if needs_node_port(old_spec) and needs_node_port(spec):
        used = {p.get("nodePort") for p in dicts(old_spec.get("ports"))} & {
            p.get("nodePort") for p in dicts(spec.get("ports"))
        }
        by_name = {p.get("name", ""): p.get("nodePort") for p in dicts(old_spec.get("ports"))}
        for port in dicts(spec.get("ports")):
            if not port.get("nodePort"):
                previous = by_name.get(port.get("name", ""))
                if previous and previous not in used:
                    port["nodePort"] = previous
    if _needs_health_check(old_spec) and _needs_health_check(spec) and not spec.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = old_spec.get("healthCheckNodePort")


def _needs_health_check(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _ip_fields(spec: dict[str, Any], old_spec: dict[str, Any]) -> None:
    headless = spec.get("clusterIP") == "None" or (spec.get("clusterIPs") or [None])[0] == "None"
    if not spec.get("ipFamilyPolicy"):
        # A headless Service without a selector gets every family the cluster has.
        selectorless_headless = headless and not spec.get("selector")
        spec["ipFamilyPolicy"] = "RequireDualStack" if selectorless_headless else "SingleStack"
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4"]


def _allocate(spec: dict[str, Any], allocate_ip: Callable[[], str], allocate_port: Callable[[], int]) -> None:
    cluster_ip = spec.get("clusterIP")
    cluster_ips = spec.get("clusterIPs")
    if not cluster_ip and isinstance(cluster_ips, list) and cluster_ips:
        spec["clusterIP"] = cluster_ip = cluster_ips[0]
    if not cluster_ip:
        spec["clusterIP"] = cluster_ip = allocate_ip()
    if not cluster_ips:
        spec["clusterIPs"] = [cluster_ip]
    if needs_node_port(spec):
        for port in dicts(spec.get("ports")):
            if not port.get("nodePort"):
                port["nodePort"] = allocate_port()
    if _needs_health_check(spec) and not spec.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = allocate_port()

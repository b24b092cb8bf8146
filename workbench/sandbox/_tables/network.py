"""Table rows for Services, Endpoints, EndpointSlices, Ingresses, IngressClasses and NetworkPolicies.

The API server renders Tables with the wide options on, so load-balancer addresses are never
clipped to 16 characters here (kubectl's own narrow printing is not involved).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._tables._format import (
    AGE,
    NAME,
    NONE,
    Obj,
    Printer,
    age,
    col,
    dig,
    format_label_selector,
    format_labels,
    items,
    join_sorted_unique,
    name_of,
    num,
    text,
)

SERVICE_COLUMNS = (
    NAME,
    col("Type", doc="ServiceSpec.type"),
    col("Cluster-IP", doc="ServiceSpec.clusterIP"),
    col("External-IP", doc="ServiceSpec.externalIPs"),
    col("Port(s)", doc="ServiceSpec.ports"),
    AGE,
    col("Selector", doc="ServiceSpec.selector", wide=True),
)


def _load_balancer_addresses(status: Any) -> str:
    """loadBalancerStatusStringer (wide): the distinct IPs, else hostnames, sorted."""
    found = []
    for ingress in items(status, "ingress"):
        if address := text(ingress, "ip") or text(ingress, "hostname"):
            found.append(address)
    return join_sorted_unique(found)


def _external_ip(svc: Obj, svc_type: str) -> str:
    external = [str(ip) for ip in items(svc, "spec", "externalIPs")]
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) or NONE
    if svc_type == "LoadBalancer":
        balancer = _load_balancer_addresses(dig(svc, "status", "loadBalancer"))
        if external:
            return ",".join([*filter(None, balancer.split(",")), *external])
        return balancer or "<pending>"
    if svc_type == "ExternalName":
        return text(svc, "spec", "externalName")
    return "<unknown>"


def service_ports(ports: list[Any]) -> str:
    """makePortString: ``53/UDP,53/TCP`` with ``80:30080/TCP`` for node ports, or ``<none>``."""
    pieces = []
    for port in ports:
        protocol = text(port, "protocol", default="TCP")
        node_port = num(port, "nodePort")
        number = num(port, "port")
        pieces.append(f"{number}:{node_port}/{protocol}" if node_port > 0 else f"{number}/{protocol}")
    return ",".join(pieces) or NONE


def _service_cells(svc: Obj, now: datetime) -> list[Any]:
    # Stored services always carry type and clusterIPs; older writers may only set clusterIP.
    svc_type = text(svc, "spec", "type", default="ClusterIP")
    cluster_ip = text(svc, "spec", "clusterIPs", 0) or text(svc, "spec", "clusterIP", default=NONE)
    return [
        name_of(svc),
        svc_type,
        cluster_ip,
        _external_ip(svc, svc_type),
        service_ports(items(svc, "spec", "ports")),
        age(svc, now),
        format_labels(dig(svc, "spec", "selector")),
    ]


ENDPOINTS_COLUMNS = (NAME, col("Endpoints", doc="Endpoints.subsets"), AGE)


def format_endpoints(endpoints: Obj, limit: int = 3) -> str:
    """formatEndpoints: ready ``ip:port`` pairs (not-ready addresses are not listed), first three shown."""
    subsets = items(endpoints, "subsets")
    if not subsets:
        return NONE
    shown: list[str] = []
    count = 0
    for subset in subsets:
        addresses = [text(a, "ip") for a in items(subset, "addresses")]
        ports = items(subset, "ports")
        # A headless service may have no ports: its addresses are listed bare.
        for port in ports or [None]:
            count += len(addresses)
            for ip in addresses:
                if len(shown) == limit:
                    break
                if port is None:
                    shown.append(ip)
                else:
                    host = f"[{ip}]" if ":" in ip else ip
                    shown.append(f"{host}:{num(port, 'port')}")
    listed = ",".join(shown)
    return f"{listed} + {count - limit} more..." if count > limit else listed


def _endpoints_cells(ep: Obj, now: datetime) -> list[Any]:
    return [name_of(ep), format_endpoints(ep), age(ep, now)]


ENDPOINTSLICE_COLUMNS = (
    NAME,
    col("AddressType", doc="EndpointSlice.addressType"),
    col("Ports", doc="EndpointSlice.ports"),
    col("Endpoints", doc="EndpointSlice.endpoints"),
    AGE,
)


def _list_with_more(values: list[str], limit: int = 3) -> str:
    """listWithMoreString: the first three, ``+ N more...``, or ``<unset>`` when empty."""
    listed = ",".join(values[:limit])
    if len(values) > limit:
        return f"{listed} + {len(values) - limit} more..."
    return listed or "<unset>"


def _slice_port(port: Any) -> str:
    if isinstance(dig(port, "port"), int):
        return str(dig(port, "port"))
    if dig(port, "name") is not None:
        return text(port, "name")
    return "*"


def _endpointslice_cells(eps: Obj, now: datetime) -> list[Any]:
    addresses = [str(a) for e in items(eps, "endpoints") for a in items(e, "addresses")]
    return [
        name_of(eps),
        text(eps, "addressType"),
        _list_with_more([_slice_port(p) for p in items(eps, "ports")]),
        _list_with_more(addresses),
        age(eps, now),
    ]


INGRESS_COLUMNS = (
    NAME,
    col(
        "Class", doc="The name of the IngressClass resource that should be used for additional configuration"
    ),
    col("Hosts", doc="Hosts that incoming requests are matched against before the ingress rule"),
    col("Address", doc="Address is a list containing ingress points for the load-balancer"),
    col("Ports", doc="Ports of TLS configurations that open"),
    AGE,
)


def _ingress_hosts(rules: list[Any], limit: int = 3) -> str:
    """formatHosts: up to three hosts, ``*`` when no rule names one."""
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == limit:
            more = True
        if not more and text(rule, "host"):
            hosts.append(text(rule, "host"))
    if not hosts:
        return "*"
    listed = ",".join(hosts)
    return f"{listed} + {len(rules) - limit} more..." if more else listed


def _ingress_cells(ing: Obj, now: datetime) -> list[Any]:
    return [
        name_of(ing),
        text(ing, "spec", "ingressClassName", default=NONE),
        _ingress_hosts(items(ing, "spec", "rules")),
        _load_balancer_addresses(dig(ing, "status", "loadBalancer")),
        "80, 443" if items(ing, "spec", "tls") else "80",
        age(ing, now),
    ]


INGRESSCLASS_COLUMNS = (
    NAME,
    col("Controller", doc="Controller that is responsible for handling this class"),
    col("Parameters", doc="A reference to a resource with additional parameters"),
    AGE,
)


def _ingressclass_cells(ic: Obj, now: datetime) -> list[Any]:
    params = dig(ic, "spec", "parameters")
    parameters = NONE
    if isinstance(params, Mapping):
        kind = text(params, "kind")
        if dig(params, "apiGroup") is not None:
            kind = f"{kind}.{text(params, 'apiGroup')}"
        parameters = f"{kind}/{text(params, 'name')}"
    return [name_of(ic), text(ic, "spec", "controller"), parameters, age(ic, now)]


NETWORKPOLICY_COLUMNS = (NAME, col("Pod-Selector", doc="NetworkPolicySpec.podSelector"), AGE)


def _networkpolicy_cells(np: Obj, now: datetime) -> list[Any]:
    # podSelector is not a pointer in Go: a missing one is the empty (select-all) selector.
    selector = dig(np, "spec", "podSelector")
    return [name_of(np), format_label_selector(selector if selector is not None else {}), age(np, now)]


PRINTERS = {
    "Service": Printer(SERVICE_COLUMNS, _service_cells),
    "Endpoints": Printer(ENDPOINTS_COLUMNS, _endpoints_cells),
    "EndpointSlice": Printer(ENDPOINTSLICE_COLUMNS, _endpointslice_cells),
    "Ingress": Printer(INGRESS_COLUMNS, _ingress_cells),
    "IngressClass": Printer(INGRESSCLASS_COLUMNS, _ingressclass_cells),
    "NetworkPolicy": Printer(NETWORKPOLICY_COLUMNS, _networkpolicy_cells),
}

"""The Endpoints and EndpointSlice of a synthetic Service, as the two controllers would write them.

Both list the Service's pods that have an IP (ready and not ready apart) with the ports the Service's
target ports resolve to. The shapes follow kube-controller-manager v1.32:

- Endpoints (endpoints controller): the Service's name and labels; one subset whose ``addresses``
  and ``notReadyAddresses`` are sorted by IP text then pod uid, and whose ports are sorted by the md5
  of their Go (spew) form, as ``RepackSubsets`` leaves them; no ``subsets`` at all without pods.
  The controller adds no ``endpointslice.kubernetes.io/skip-mirror`` label: only the apiserver's own
  ``default/kubernetes`` Endpoints carry it.
- EndpointSlice (endpointslice controller): ``<service>-<5 letters>``, owned by the Service, the
  Service's labels plus ``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by``;
  ports in the Service's order; one endpoint per pod with ready/serving/terminating, nodeName and
  the node's zone.

Labels are written with sorted keys, as the apiserver's JSON has every map.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from functools import cache
from typing import Any

from workbench.sandbox._scenarios._managed import default_managed_fields
from workbench.sandbox._synthetic._template import Template, hole, number
from workbench.sandbox._synthetic._workloads import SERVICE_PORTS, app_labels

# (pod IP, node name, node zone, pod name, pod uid, ready) of one pod with an IP.
Member = tuple[str, str, str, str, str, bool]
_TRIGGER = "endpoints.kubernetes.io/last-change-trigger-time"
_SERVICE_NAME = "kubernetes.io/service-name"
_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
_CONTROLLER = "endpointslice-controller.k8s.io"


def spew_port_hash(name: str, port: int, protocol: str) -> bytes:
    """The md5 the endpoints controller sorts an EndpointPort by (`DeepHashObject` of its spew form)."""
    text = (
        f"(v1.EndpointPort){{Name:(string){name} Port:(int32){port} "
        f"Protocol:(v1.Protocol){protocol} AppProtocol:(*string)<nil>}}"
    )
    return hashlib.md5(text.encode(), usedforsecurity=False).digest()


@cache
def _resolved_ports(container_port: int) -> tuple[tuple[str, int, str], ...]:
    """The Service's ports as (name, port, protocol), target ports resolved, in the Service's order.

    A named target port is looked up among the pod's container ports; the only name the synthetic
    pods offer to Services is the main container's "http".
    """
    return tuple(
        (
            str(port["name"]),
            container_port if isinstance(port["targetPort"], str) else int(port["targetPort"]),
            str(port["protocol"]),
        )
        for port in SERVICE_PORTS
    )


@cache
def _endpoints_port_order(container_port: int) -> tuple[tuple[str, int, str], ...]:
    return tuple(sorted(_resolved_ports(container_port), key=lambda p: spew_port_hash(*p)))


def _labels(extra: dict[str, str] | None = None) -> dict[str, str]:
    return dict(sorted({**app_labels(), **(extra or {})}.items()))


def _controller_fields(obj: dict[str, Any]) -> None:
    # One Update by kube-controller-manager, last written when the last change was synced.
    managed = default_managed_fields(obj, manager="kube-controller-manager")
    managed[0]["time"] = hole("EP_CHANGED")
    obj["metadata"]["managedFields"] = managed


@cache
def _endpoints_template(with_subsets: bool) -> Template:
    endpoints: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": hole("APP"),
            "namespace": hole("NS"),
            "uid": hole("EP_UID"),
            "creationTimestamp": hole("DEP_CREATED"),
            "labels": _labels(),
            "annotations": {_TRIGGER: hole("EP_CHANGED")},
        },
    }
    if with_subsets:  # an empty list is omitted (omitempty), and so is its managedFields entry
        endpoints["subsets"] = number("SUBSETS")
    _controller_fields(endpoints)
    return Template(endpoints)


@cache
def _slice_template() -> Template:
    endpoint_slice: dict[str, Any] = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": hole("SLICE"),
            "generateName": f"{hole('APP')}-",
            "namespace": hole("NS"),
            "uid": hole("SLICE_UID"),
            "generation": number("SLICE_GENERATION"),
            "creationTimestamp": hole("DEP_CREATED"),
            "labels": _labels({_SERVICE_NAME: hole("APP"), _MANAGED_BY: _CONTROLLER}),
            "annotations": {_TRIGGER: hole("EP_CHANGED")},
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": hole("APP"),
                    "uid": hole("SVC_UID"),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "addressType": "IPv4",
        "endpoints": number("ENDPOINTS"),
        "ports": number("SLICE_PORTS"),
    }
    _controller_fields(endpoint_slice)
    # The controller creates slices with generateName, so it owns that field too.
    metadata_fields = endpoint_slice["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"]
    metadata_fields["f:generateName"] = {}
    return Template(endpoint_slice)


def _target(namespace: str, name: str, uid: str) -> dict[str, str]:
    return {"kind": "Pod", "namespace": namespace, "name": name, "uid": uid}


def service_endpoints(
    values: MutableMapping[str, object], members: list[Member]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The Endpoints and the EndpointSlice of one synthetic Service.

    Args:
        values: the application's template values; needs NS, APP, COMPONENT, TEAM, CHART, PORT,
            SVC_UID, DEP_CREATED and EP_UID, SLICE, SLICE_UID, SLICE_GENERATION, EP_CHANGED (the
            last change's time). SUBSETS, ENDPOINTS and SLICE_PORTS are set here.
        members: the Service's pods that have an IP, in creation order.

    Returns:
        ``(endpoints, endpoint_slice)``, each new (no part shared with other objects but the
        hole-free parts of their templates).
    """
    namespace = str(values["NS"])
    container_port = int(str(values["PORT"]))
    endpoints: list[dict[str, Any]] = []
    ready_addresses: list[tuple[str, str, dict[str, Any]]] = []
    unready_addresses: list[tuple[str, str, dict[str, Any]]] = []
    for ip, node, zone, pod, uid, ready in members:
        endpoints.append(
            {
                "addresses": [ip],
                "conditions": {"ready": ready, "serving": ready, "terminating": False},
                "targetRef": _target(namespace, pod, uid),
                "nodeName": node,
                "zone": zone,
            }
        )
        address = {"ip": ip, "nodeName": node, "targetRef": _target(namespace, pod, uid)}
        (ready_addresses if ready else unready_addresses).append((ip, uid, address))
    if not members:
        values["ENDPOINTS"] = []  # the apiserver serves null, which the official client refuses
        values["SLICE_PORTS"] = None
        return _endpoints_template(False).render(values), _slice_template().render(values)
    subset: dict[str, Any] = {}
    if ready_addresses:
        subset["addresses"] = [a for _, _, a in sorted(ready_addresses, key=lambda a: a[:2])]
    if unready_addresses:
        subset["notReadyAddresses"] = [a for _, _, a in sorted(unready_addresses, key=lambda a: a[:2])]
    subset["ports"] = [
        {"name": name, "port": port, "protocol": protocol}
        for name, port, protocol in _endpoints_port_order(container_port)
    ]
    values["SUBSETS"] = [subset]
    values["ENDPOINTS"] = endpoints
    values["SLICE_PORTS"] = [
        {"name": name, "protocol": protocol, "port": port}
        for name, port, protocol in _resolved_ports(container_port)
    ]
    return _endpoints_template(True).render(values), _slice_template().render(values)

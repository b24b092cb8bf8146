"""What the endpoints and endpointslice controllers write for a Service, from its pods (pure functions).

The shapes follow kube-controller-manager v1.32: `subsets` is ``syncService`` + ``RepackSubsets``
(addresses sorted by IP then uid, ports by the md5 of their Go form, one subset per group of ports
the same pods offer); `slice_groups` is the EndpointSlice reconciler's grouping by resolved port set,
with the ready/serving/terminating conditions. Field order is the Go structs' order, as the
apiserver's JSON has it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.sandbox._store import Entry
from workbench.sandbox._synthetic._endpoints import spew_port_hash

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
SLICE_CONTROLLER = "endpointslice-controller.k8s.io"
HEADLESS = "service.kubernetes.io/headless"

Selector = tuple[tuple[str, str], ...]


def selector_of(svc: Mapping[str, Any]) -> Selector | None:
    """A Service's selector as sorted pairs; None without one (the controllers leave it alone)."""
    selector = (svc.get("spec") or {}).get("selector")
    if not selector:
        return None
    return tuple(sorted((str(k), str(v)) for k, v in selector.items()))


def pod_view(entry: Entry) -> tuple[Any, ...]:
    """What of a pod an endpoint can show."""
    pod = entry.decode()
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    return (
        status.get("podIP"),
        status.get("phase"),
        _ready(pod),
        bool(pod["metadata"].get("deletionTimestamp")),
        spec.get("nodeName"),
        spec.get("hostname"),
        spec.get("subdomain"),
        [c.get("ports") for c in spec.get("containers") or []],
    )


def _ready_condition(pod: Mapping[str, Any]) -> Mapping[str, Any]:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            found: Mapping[str, Any] = condition
            return found
    return {}


def _ready(pod: Mapping[str, Any]) -> bool:
    return _ready_condition(pod).get("status") == "True"


def ready_since(pod: Mapping[str, Any]) -> str:
    """When the pod's Ready condition last changed (the trigger-time tracker's pod time)."""
    return str(_ready_condition(pod).get("lastTransitionTime") or "")


def _in_endpoints(pod: Mapping[str, Any], *, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: an IP, not terminating (unless asked), not finished for good."""
    status = pod.get("status") or {}
    if not status.get("podIP"):
        return False
    if not include_terminating and pod["metadata"].get("deletionTimestamp"):
        return False
    phase = status.get("phase")
    restart = (pod.get("spec") or {}).get("restartPolicy")
    if restart == "Never":
        return phase not in ("Failed", "Succeeded")
    if restart == "OnFailure":
        return phase != "Succeeded"
    return True


def _resolve(pod: Mapping[str, Any], port: Mapping[str, Any]) -> int | None:
    """FindPort: a Service port's target on this pod (None: the pod has no container port so named)."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = port.get("protocol") or "TCP"
    for container in (pod.get("spec") or {}).get("containers") or []:
        for declared in container.get("ports") or []:
            if declared.get("name") == target and (declared.get("protocol") or "TCP") == protocol:
                return int(declared["containerPort"])
    return None


def _hostname(svc: Mapping[str, Any], pod: Mapping[str, Any]) -> str:
    spec = pod.get("spec") or {}
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        return str(spec["hostname"])
    return ""


def _target_ref(pod: Mapping[str, Any]) -> dict[str, str]:
    meta = pod["metadata"]
    return {
        "kind": "Pod",
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
    }


def labels_for(svc: Mapping[str, Any]) -> dict[str, str]:
    """The Service's labels as its Endpoints carry them (plus the headless marker)."""
    labels = {
        k: v
        for k, v in (svc["metadata"].get("labels") or {}).items()
        if k not in (SERVICE_NAME, MANAGED_BY, HEADLESS)
    }
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS] = ""
    return labels


def _port(port: Mapping[str, Any], number: int, *, in_slice: bool) -> dict[str, Any]:
    """An EndpointPort: a slice's always has a name (maybe empty), an Endpoints' only a given one."""
    name, protocol = str(port.get("name") or ""), str(port.get("protocol") or "TCP")
    out: dict[str, Any] = (
        {"name": name, "protocol": protocol, "port": number}
        if in_slice
        else {**({"name": name} if name else {}), "port": number, "protocol": protocol}
    )
    if port.get("appProtocol"):
        out["appProtocol"] = port["appProtocol"]
    return out


def subsets(svc: Mapping[str, Any], pods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Endpoints subsets, packed by port set and sorted as RepackSubsets leaves them."""
    spec = svc.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    ports = spec.get("ports") or []
    # An EndpointPort (as a hashable tuple; () for a portless headless Service) → its addresses by (ip, uid).
    by_port: dict[tuple[Any, ...], dict[tuple[str, str], tuple[dict[str, Any], bool]]] = {}
    for pod in pods:
        if not _in_endpoints(pod, include_terminating=publish):
            continue
        address: dict[str, Any] = {"ip": pod["status"]["podIP"]}
        if hostname := _hostname(svc, pod):
            address["hostname"] = hostname
        if node := (pod.get("spec") or {}).get("nodeName"):
            address["nodeName"] = node
        address["targetRef"] = _target_ref(pod)
        member = ((address["ip"], pod["metadata"].get("uid", "")), (address, publish or _ready(pod)))
        if not ports and spec.get("clusterIP") == "None":
            by_port.setdefault((), {}).__setitem__(*member)
        for port in ports:
            if (number := _resolve(pod, port)) is not None:
                endpoint_port = tuple(_port(port, number, in_slice=False).items())
                by_port.setdefault(endpoint_port, {}).__setitem__(*member)
    # Ports offered by the very same addresses (with the same readiness) share one subset.
    packed: dict[tuple[Any, ...], tuple[dict[tuple[str, str], tuple[dict[str, Any], bool]], list[Any]]] = {}
    for endpoint_port, addresses in by_port.items():
        group = tuple(sorted((k, ready) for k, (_, ready) in addresses.items()))
        packed.setdefault(group, (addresses, []))[1].append(endpoint_port)
    subsets = []
    for addresses, port_list in packed.values():
        subset: dict[str, Any] = {}
        ordered = sorted(addresses.items())
        if ready := [a for _, (a, is_ready) in ordered if is_ready]:
            subset["addresses"] = ready
        if unready := [a for _, (a, is_ready) in ordered if not is_ready]:
            subset["notReadyAddresses"] = unready
        found = [dict(p) for p in port_list if p]
        if found:
            subset["ports"] = sorted(
                found, key=lambda p: spew_port_hash(p.get("name", ""), p["port"], p["protocol"])
            )
        subsets.append(subset)
    subsets.sort(key=lambda s: (s.get("addresses") or s.get("notReadyAddresses") or [{}])[0].get("ip", ""))
    return subsets


def keep_order(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New endpoints in the slice's existing order, newcomers appended (as the reconciler updates)."""

    def ident(endpoint: Mapping[str, Any]) -> str:
        return str((endpoint.get("targetRef") or {}).get("uid") or endpoint.get("addresses"))

    position = {ident(e): i for i, e in enumerate(old)}
    return sorted(new, key=lambda e: position.get(ident(e), len(old)))


def slice_groups(
    svc: Mapping[str, Any], pods: list[dict[str, Any]], zone_of: Callable[[str], str]
) -> list[tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]]:
    """EndpointSlice contents: (ports, endpoints) per resolved port set, or one empty placeholder."""
    spec = svc.get("spec") or {}
    publish = bool(spec.get("publishNotReadyAddresses"))
    groups: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for pod in pods:
        if not _in_endpoints(pod, include_terminating=True):
            continue
        ports = []
        for port in spec.get("ports") or []:
            number = _resolve(pod, port)
            if number is not None:
                ports.append(_port(port, number, in_slice=True))
        terminating = bool(pod["metadata"].get("deletionTimestamp"))
        serving = publish or _ready(pod)
        endpoint: dict[str, Any] = {
            "addresses": [pod["status"]["podIP"]],
            "conditions": {"ready": publish or (serving and not terminating), "serving": serving},
        }
        endpoint["conditions"]["terminating"] = terminating
        if hostname := _hostname(svc, pod):
            endpoint["hostname"] = hostname
        endpoint["targetRef"] = _target_ref(pod)
        node = (pod.get("spec") or {}).get("nodeName")
        if node:
            endpoint["nodeName"] = node
            if zone := zone_of(node):
                endpoint["zone"] = zone
        groups.setdefault(repr(ports), (ports, []))[1].append(endpoint)
    if not groups:
        return [(None, [])]
    return [(ports or None, endpoints) for ports, endpoints in groups.values()]

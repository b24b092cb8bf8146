"""What one sync of a pod can reach of its node: the cluster, the node's images, time and events."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from workbench.sandbox._clock import rfc3339
from workbench.sandbox._control._cluster import Cluster, Source
from workbench.sandbox._control._kubelet._images import NodeImages
from workbench.sandbox._control._kubelet._timing import fraction
from workbench.sandbox._control._network import CLUSTER_DOMAIN, reach


@dataclass
class Host:
    """The kubelet of one node, as one pod sync sees it."""

    cluster: Cluster
    images: NodeImages
    node: dict[str, Any]
    allocate_ip: Callable[[dict[str, Any]], str]

    @property
    def name(self) -> str:
        return str(self.node["metadata"]["name"])

    @property
    def ip(self) -> str:
        for address in (self.node.get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP":
                return str(address.get("address", ""))
        return ""

    def stamp(self, at: float) -> datetime:
        clock = self.cluster.clock
        return clock.now() + timedelta(seconds=at - clock.elapsed())

    def rfc(self, at: float) -> str:
        return rfc3339(self.stamp(at))

    def event(self, pod: dict[str, Any], type_: str, reason: str, message: str, field_path: str = "") -> None:
        self.cluster.event(pod, type_, reason, message, Source("kubelet", self.name), field_path=field_path)

    def reach(self, pod: dict[str, Any], host: str, port: int | None) -> tuple[bool, str]:
        return reach(self.cluster, pod, host, port)

    def lookup(self, pod: dict[str, Any], host: str) -> tuple[str, str] | str:
        """What ``nslookup host`` finds from `pod`: ``(ip, fqdn)``, or the resolver's error."""
        ok, error = reach(self.cluster, pod, host, None)
        if not ok:
            return error
        name = host.rstrip(".")
        try:
            ipaddress.ip_address(name)
        except ValueError:
            pass
        else:
            return name, name
        namespace = (pod.get("metadata") or {}).get("namespace") or "default"
        parts = name.split(".")
        if (
            len(parts) == 1
            or parts[1:] in (["svc"], ["svc", *CLUSTER_DOMAIN.split(".")])
            or (len(parts) >= 2 and self.cluster.entry("Namespace", "", parts[1]) is not None)
        ):
            svc_ns = parts[1] if len(parts) > 1 and parts[1] != "svc" else namespace
            svc = self.cluster.get("Service", svc_ns, parts[0])
            if svc is not None:
                ip = (svc.get("spec") or {}).get("clusterIP") or ""
                if ip in ("", "None"):
                    ip = _first_endpoint(self.cluster, svc_ns, parts[0]) or ip
                return ip, f"{parts[0]}.{svc_ns}.svc.{CLUSTER_DOMAIN}"
        f = fraction("external", name)
        return f"142.250.{int(f * 200)}.{1 + int(f * 65_000) % 250}", name


def _first_endpoint(cluster: Cluster, namespace: str, name: str) -> str:
    endpoints = cluster.get("Endpoints", namespace, name) or {}
    for subset in endpoints.get("subsets") or []:
        for address in subset.get("addresses") or []:
            return str(address.get("ip", ""))
    return ""

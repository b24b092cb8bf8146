"""Pod IPs from each node's podCIDR, handed out the way kind's host-local IPAM does.

Addresses go round-robin after the last one handed out (``.1`` is the node's bridge), skipping the
ones pods already hold, so a restarted pod does not get a just-released address back at once. A
node's used addresses are read from the store once (the pods' indexed ``status.podIP``, without
decoding them) and kept up to date from then on.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from workbench.sandbox._control._cluster import Cluster


class Ipam:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._used: dict[str, set[str]] = {}
        self._last: dict[str, int] = {}

    def _network(self, node_name: str) -> ipaddress.IPv4Network:
        node = self.cluster.get("Node", "", node_name) or {}
        spec = node.get("spec") or {}
        cidr = spec.get("podCIDR") or next(iter(spec.get("podCIDRs") or []), "")
        if cidr:
            try:
                return ipaddress.IPv4Network(cidr, strict=False)
            except ValueError:
                pass
        names = sorted(e.decode()["metadata"]["name"] for e in self.cluster.entries("Node"))
        index = names.index(node_name) if node_name in names else len(names)
        return ipaddress.IPv4Network(f"10.244.{index % 256}.0/24")

    def _load(self, node_name: str) -> set[str]:
        used = self._used.get(node_name)
        if used is None:
            used = {
                entry.fields.get("status.podIP", "")
                for entry in self.cluster.entries("Pod")
                if entry.fields.get("spec.nodeName") == node_name and entry.fields.get("status.podIP")
            }
            self._used[node_name] = used
        return used

    def allocate(self, pod: dict[str, Any]) -> str:
        node_name = str((pod.get("spec") or {}).get("nodeName", ""))
        network = self._network(node_name)
        used = self._load(node_name)
        first, size = int(network.network_address) + 2, network.num_addresses - 3
        if size <= 0:
            return str(network.network_address + 1)
        if node_name not in self._last:
            mine = [int(ipaddress.IPv4Address(ip)) for ip in used if ipaddress.IPv4Address(ip) in network]
            self._last[node_name] = max(mine) if mine else first - 1
        for step in range(1, size + 1):
            candidate = first + (self._last[node_name] - first + step) % size
            ip = str(ipaddress.IPv4Address(candidate))
            if ip not in used:
                used.add(ip)
                self._last[node_name] = candidate
                return ip
        return str(ipaddress.IPv4Address(first))  # every address taken: a real node would refuse the pod

    def release(self, node_name: str, ip: str) -> None:
        used = self._used.get(node_name)
        if used is not None:
            used.discard(ip)

"""Service cluster IPs and node ports, as the apiserver's allocators hand them out.

Like the real bitmap allocators, an address already held by a stored Service (a scenario's, a
synthetic cluster's) is never handed out again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from workbench.errors import SandboxApiError

NODE_PORTS = range(30000, 32768)


class Allocator:
    """Allocates from 10.96.0.0/16 and the node-port range.

    Args:
        services: yields the stored Services; read once, at the first allocation.
    """

    def __init__(self, services: Callable[[], Iterable[dict[str, Any]]]) -> None:
        self._services = services
        self._lock = threading.Lock()
        self._ips: set[str] | None = None
        self._ports: set[int] = set()
        self._next_ip = 100
        self._next_port = NODE_PORTS.start

    def cluster_ip(self) -> str:
        with self._lock:
            used = self._used()
            while True:
                self._next_ip += 1
                n = self._next_ip
                if n >= 250 * 256:
                    raise SandboxApiError(
                        500,
                        "InternalError",
                        "Internal error occurred: failed to allocate a serviceIP: range is full",
                    )
                ip = f"10.96.{n // 250}.{n % 250 + 1}"
                if ip not in used:
                    used.add(ip)
                    return ip

    def node_port(self) -> int:
        with self._lock:
            self._used()
            for port in range(self._next_port, NODE_PORTS.stop):
                if port not in self._ports:
                    self._ports.add(port)
                    self._next_port = port + 1
                    return port
            raise SandboxApiError(
                500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full"
            )

    def _used(self) -> set[str]:
        if self._ips is None:
            self._ips = set()
            for svc in self._services():
                spec = svc.get("spec") or {}
                self._ips.update(ip for ip in [spec.get("clusterIP"), *(spec.get("clusterIPs") or [])] if ip)
                self._ports.update(p["nodePort"] for p in spec.get("ports") or [] if p.get("nodePort"))
        return self._ips

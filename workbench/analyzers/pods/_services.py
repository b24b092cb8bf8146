"""Services by name and cluster IP, to turn a host a log line names into the Service it is."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.analyzers._common import present
from workbench.frames import Frames
from workbench.frames.schema import Services
from workbench.model import ObjectRef


class ServiceIndex:
    """The bundle's Services, found by ``name``, ``name.namespace[.svc...]`` or cluster IP."""

    def __init__(self, frames: Frames) -> None:
        s = frames.services
        self._by_name: dict[tuple[str, str], ObjectRef] = {}
        self._by_ip: dict[str, ObjectRef] = {}
        self._selectors: dict[ObjectRef, dict[str, str]] = {}
        for ns, name, uid, ip, selector in zip(
            s[Services.NAMESPACE],
            s[Services.NAME],
            s[Services.UID],
            s[Services.CLUSTER_IP],
            s[Services.SELECTOR],
            strict=True,
        ):
            ref = ObjectRef("Service", str(ns), str(name), str(uid) if present(uid) else "")
            self._by_name[(str(ns), str(name))] = ref
            if present(ip) and ip != "None":
                self._by_ip[str(ip)] = ref
            self._selectors[ref] = dict(selector) if isinstance(selector, dict) else {}

    def find(self, host: str, namespace: str) -> ObjectRef | None:
        """The Service ``host`` names, as seen from a pod in ``namespace`` (None if none does)."""
        if host in self._by_ip:
            return self._by_ip[host]
        parts = host.split(".")
        if len(parts) == 1:
            return self._by_name.get((namespace, parts[0]))
        if len(parts) == 2 or parts[2] == "svc":
            return self._by_name.get((parts[1], parts[0]))
        return None

    def by_ip(self, ip: str) -> ObjectRef | None:
        """The Service with cluster IP ``ip``."""
        return self._by_ip.get(ip)

    def get(self, namespace: str, name: str) -> ObjectRef | None:
        """The Service ``namespace/name``."""
        return self._by_name.get((namespace, name))

    def selects(self, ref: ObjectRef, labels: Mapping[str, str]) -> bool:
        """Whether Service ``ref`` selects a pod with ``labels`` (a Service without selector selects none)."""
        selector = self._selectors.get(ref, {})
        return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

"""Run scenario and manifest objects through the server's own defaulting, as a create would.

A real cluster stores what the apiserver made of each request: `serviceAccount` mirrored from
`serviceAccountName`, probe and container defaults, a token volume, a cluster IP. Running every
built-in object through `apply_defaults` lets scenario files stay short and guarantees the loaded
objects equal what the sandbox itself would store for the same body, so comparisons kubectl makes
between objects (``rollout undo`` comparing a Deployment's template with a ReplicaSet's) behave as
on a real cluster.

Defaulting only adds fields and fills absent status keys with their zero values; uids, times and
status values the scenario gives are kept. Cluster IPs and node ports a Service lacks are taken
from ranges the server's own allocator does not reach (10.96.128.0/17, node ports from 32767 down),
avoiding every value the loaded objects already use.
"""

from __future__ import annotations

import copy
import ipaddress
import random
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from workbench.errors import SandboxApiError, ScenarioError
from workbench.sandbox._admission import AdmissionContext, apply_defaults
from workbench.sandbox._builtin import BUILTIN

_BUILTIN_KINDS = frozenset((t.group, t.kind) for t in BUILTIN)
_MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
_SUFFIX_LETTERS = "bcdfghjklmnpqrstvwxz2456789"
_LOADER_IPS = ipaddress.ip_network("10.96.128.0/17")
_HIGHEST_NODE_PORT = 32767
_LOWEST_NODE_PORT = 30000


class Defaulter:
    """Applies the apiserver's create-time defaults to loaded objects.

    Args:
        objects: every object being loaded (their cluster IPs and node ports are taken as used).
        now: the admission clock.
    """

    def __init__(self, objects: Iterable[dict[str, Any]], *, now: datetime) -> None:
        self._now = now
        self._ips: set[str] = set()
        self._ports: set[int] = set()
        for obj in objects:
            if obj.get("kind") == "Service":
                spec = obj.get("spec") or {}
                ips = [spec.get("clusterIP"), *(spec.get("clusterIPs") or [])]
                self._ips.update(str(ip) for ip in ips if ip)
                self._ports.update(int(p["nodePort"]) for p in spec.get("ports") or [] if p.get("nodePort"))
        self._next_port = _HIGHEST_NODE_PORT

    def apply(self, obj: dict[str, Any], *, where: str, source: str) -> dict[str, Any]:
        """The defaulted copy of `obj` (unchanged for kinds the sandbox does not serve built in).

        Raises:
            ScenarioError: the apiserver would refuse the object (a value of the wrong type, an
                explicit pod priority that disagrees with its priority class).
        """
        group = obj["apiVersion"].rpartition("/")[0]
        if (group, obj["kind"]) not in _BUILTIN_KINDS:
            return obj  # a custom resource: the apiserver only prunes and validates it
        uid = str(obj["metadata"].get("uid", ""))
        suffixes = random.Random(uid)  # noqa: S311 - names, not secrets: the same every load
        old: dict[str, Any] | None = None
        annotations = obj["metadata"].get("annotations") or {}
        if obj["kind"] == "Pod" and _MIRROR_ANNOTATION in annotations:
            # The ServiceAccount admission plugin leaves mirror pods alone (no account, no token
            # volume); an `old` object makes apply_defaults skip the create-time plugins.
            old = copy.deepcopy(obj)
        ctx = AdmissionContext(
            now=self._now,
            allocate_cluster_ip=lambda: self._cluster_ip(uid),
            allocate_node_port=self._node_port,
            random_suffix=lambda n: "".join(suffixes.choice(_SUFFIX_LETTERS) for _ in range(n)),
            old=old,
        )
        try:
            return apply_defaults(obj["kind"], obj, ctx)
        except SandboxApiError as exc:
            raise ScenarioError(
                f"{where}: the API server would refuse it: {exc.message}", source=source
            ) from exc

    def _cluster_ip(self, uid: str) -> str:
        size = _LOADER_IPS.num_addresses - 2
        start = zlib.crc32(uid.encode()) % size
        for step in range(size):
            candidate = str(_LOADER_IPS.network_address + 1 + (start + step) % size)
            if candidate not in self._ips:
                self._ips.add(candidate)
                return candidate
        raise ScenarioError("no free cluster IP is left in 10.96.128.0/17", source=uid)

    def _node_port(self) -> int:
        while self._next_port in self._ports:
            self._next_port -= 1
        if self._next_port < _LOWEST_NODE_PORT:
            raise ScenarioError("no free node port is left in 30000-32767", source="node ports")
        self._ports.add(self._next_port)
        return self._next_port

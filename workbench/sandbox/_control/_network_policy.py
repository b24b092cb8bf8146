"""NetworkPolicy verdicts: may traffic go from one pod (or address) to another on a port?

The rules of ``networking.k8s.io/v1``: a pod selected by a policy of a direction (policyTypes) is
isolated for it, and then only the union of those policies' rules lets traffic through; a rule
matches when one of its peers does (a podSelector alone means the policy's namespace, a
namespaceSelector any pod of the namespaces it selects, both together the pods of those namespaces,
an ipBlock the addresses in its CIDR but not its exceptions) and one of its ports does (a number, a
range up to ``endPort``, or the destination pod's container port of that name; TCP by default).
Traffic needs the egress side of its source and the ingress side of its destination.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._selectors import label_selector_from_spec


@dataclass
class Peer:
    """One end of a connection: a pod (namespace set) or an address outside the pod network."""

    ip: str
    namespace: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    pod: dict[str, Any] | None = None
    missing: bool = False  # a pod-network address no pod has (a deleted pod's IP)


class Policies:
    """The NetworkPolicies of a cluster, read once per question (policies and namespace labels)."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._ns_labels: dict[str, Mapping[str, str]] | None = None
        self._policies: dict[str, list[dict[str, Any]]] = {}

    def allowed(self, src: Peer, dst: Peer, port: int, protocol: str) -> bool:
        """Whether egress from `src` and ingress to `dst` both allow it (policies select pods only)."""
        if src.namespace is not None and not self._admits(src, dst, dst, port, protocol, direction="Egress"):
            return False
        return dst.namespace is None or self._admits(dst, src, dst, port, protocol, direction="Ingress")

    def _admits(
        self, subject: Peer, other: Peer, dst: Peer, port: int, protocol: str, *, direction: str
    ) -> bool:
        assert subject.namespace is not None
        isolated = False
        for policy in self._policies_in(subject.namespace):
            spec = policy.get("spec") or {}
            if direction not in (spec.get("policyTypes") or ["Ingress"]):
                continue
            if not label_selector_from_spec(spec.get("podSelector") or {}).matches(subject.labels):
                continue
            isolated = True
            rules = spec.get("ingress" if direction == "Ingress" else "egress") or []
            for rule in rules:
                peers = rule.get("from" if direction == "Ingress" else "to") or []
                if peers and not any(self._peer_matches(p, other, subject.namespace) for p in peers):
                    continue
                ports = rule.get("ports") or []
                if ports and not any(_port_matches(p, port, protocol, dst) for p in ports):
                    continue
                return True
        return not isolated

    def _peer_matches(self, rule_peer: Mapping[str, Any], other: Peer, policy_namespace: str) -> bool:
        block = rule_peer.get("ipBlock")
        if block:
            return _in_block(other.ip, block)
        if other.namespace is None:
            return False  # pod and namespace selectors name pods, never outside addresses
        namespace_selector = rule_peer.get("namespaceSelector")
        if namespace_selector is None:
            if other.namespace != policy_namespace:
                return False
        elif not label_selector_from_spec(namespace_selector).matches(
            self.namespace_labels().get(other.namespace, {})
        ):
            return False
        pod_selector = rule_peer.get("podSelector")
        return pod_selector is None or label_selector_from_spec(pod_selector).matches(other.labels)

    def _policies_in(self, namespace: str) -> list[dict[str, Any]]:
        if namespace not in self._policies:
            self._policies[namespace] = self.cluster.objects("NetworkPolicy", namespace)
        return self._policies[namespace]

    def namespace_labels(self) -> dict[str, Mapping[str, str]]:
        if self._ns_labels is None:
            self._ns_labels = {
                entry.decode()["metadata"]["name"]: entry.labels
                for entry in self.cluster.entries("Namespace")
            }
        return self._ns_labels


def _port_matches(rule_port: Mapping[str, Any], port: int, protocol: str, dst: Peer) -> bool:
    if (rule_port.get("protocol") or "TCP") != protocol:
        return False
    want = rule_port.get("port")
    if want is None:
        return True  # every port of the protocol
    if isinstance(want, str) and not want.isdigit():
        # A named port is the destination pod's container port of that name.
        for container in ((dst.pod or {}).get("spec") or {}).get("containers") or []:
            for declared in container.get("ports") or []:
                if (
                    declared.get("name") == want
                    and declared.get("containerPort") == port
                    and (declared.get("protocol") or "TCP") == protocol
                ):
                    return True
        return False
    low = int(want)
    return low <= port <= int(rule_port.get("endPort") or low)


def _in_block(ip: str, block: Mapping[str, Any]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
        if address not in ipaddress.ip_network(str(block.get("cidr", "")), strict=False):
            return False
        return not any(
            address in ipaddress.ip_network(str(e), strict=False) for e in block.get("except") or []
        )
    except ValueError:
        return False

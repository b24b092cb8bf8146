"""Which pods NetworkPolicies cut off entirely, and by which policy.

NetworkPolicies add up: a pod selected by any policy of a direction (Ingress, Egress) is isolated
in that direction, and may then only receive (send) what some selecting policy's rules allow. The
frames keep each policy's rule counts, not the rules' peers, so "cut off" means: isolated by a
policy with no rules for that direction, and no other policy selecting the pod has a rule for it
— nothing at all may connect in (or, for egress, go out, DNS included). Pods on the host network
are not subject to NetworkPolicies and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from workbench.analyzers._common import records, text
from workbench.analyzers.network._index import PodIndex
from workbench.frames import Frames
from workbench.frames.schema import NetworkPolicies, Pods
from workbench.model import ObjectRef

PodKey = tuple[str, str]
"""A pod as (namespace, name)."""


def pod_key(pod: dict[str, Any]) -> PodKey:
    """The (namespace, name) of a pods-frame row."""
    return str(pod[Pods.NAMESPACE]), str(pod[Pods.NAME])


class Isolation:
    """Every NetworkPolicy with the live pods it selects, and the pods it cuts off.

    Attributes:
        policies: the networkpolicies frame's rows.
    """

    def __init__(self, frames: Frames) -> None:
        self.policies = records(frames.networkpolicies)
        pods = frames.pods
        pods = pods[~pods[Pods.HOST_NETWORK]] if self.policies else pods.iloc[:0]
        pairs = {pair for p in self.policies for pair in (p[NetworkPolicies.POD_SELECTOR] or {}).items()}
        index = PodIndex(pods, pairs)
        self._selected = {
            self.key(p): index.select(
                str(p[NetworkPolicies.NAMESPACE]),
                p[NetworkPolicies.POD_SELECTOR] or {},
                p[NetworkPolicies.POD_SELECTOR_EXPRESSIONS] or [],
            )
            for p in self.policies
        }
        # Per direction, the pods some selecting policy has a rule for: those are not cut off.
        self._allowed: dict[str, set[PodKey]] = {"Ingress": set(), "Egress": set()}
        for policy in self.policies:
            types = policy[NetworkPolicies.POLICY_TYPES] or []
            for direction, rules in (
                ("Ingress", policy[NetworkPolicies.INGRESS_RULES]),
                ("Egress", policy[NetworkPolicies.EGRESS_RULES]),
            ):
                if direction in types and rules:
                    self._allowed[direction].update(pod_key(p) for p in self._selected[self.key(policy)])
        self._by_pod: dict[PodKey, list[ObjectRef]] | None = None

    @staticmethod
    def key(policy: dict[str, Any]) -> tuple[str, str]:
        """A policy row's (namespace, name)."""
        return str(policy[NetworkPolicies.NAMESPACE]), str(policy[NetworkPolicies.NAME])

    @staticmethod
    def ref(policy: dict[str, Any]) -> ObjectRef:
        """A policy row's ref."""
        return ObjectRef(
            "NetworkPolicy",
            str(policy[NetworkPolicies.NAMESPACE]),
            str(policy[NetworkPolicies.NAME]),
            text(policy[NetworkPolicies.UID]),
        )

    def selected(self, policy: dict[str, Any]) -> list[dict[str, Any]]:
        """The live pods ``policy`` selects."""
        return self._selected[self.key(policy)]

    def cut(self, policy: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(pods nothing may connect to, pods that may connect nowhere) because of ``policy``."""
        pods = self.selected(policy)
        cut_in = [
            p
            for p in pods
            if policy[NetworkPolicies.DENY_ALL_INGRESS] and pod_key(p) not in self._allowed["Ingress"]
        ]
        cut_out = [
            p
            for p in pods
            if policy[NetworkPolicies.DENY_ALL_EGRESS] and pod_key(p) not in self._allowed["Egress"]
        ]
        return cut_in, cut_out

    def cutting(self, pod: PodKey) -> list[ObjectRef]:
        """The policies that cut ``pod`` off (in or out), sorted."""
        if self._by_pod is None:
            by_pod: dict[PodKey, set[ObjectRef]] = defaultdict(set)
            for policy in self.policies:
                cut_in, cut_out = self.cut(policy)
                for p in (*cut_in, *cut_out):
                    by_pod[pod_key(p)].add(self.ref(policy))
            self._by_pod = {k: sorted(v) for k, v in by_pod.items()}
        return self._by_pod.get(pod, [])

"""NetworkPolicies that select no pod, and default-deny policies that cut Services (or pods) off.

What "cut off" means, from rule counts alone, is in `workbench.analyzers.network._isolation`.
The blocking finding carries no ``related`` refs: ``related`` names a finding's causes, and the
Services and workloads a policy isolates are its effects (they are in the evidence, and the
service analyzer names the isolating policy among a dead Service's causes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

from workbench.analyzers._common import readable, records, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.network._index import Owners, few, selector_text
from workbench.analyzers.network._isolation import Isolation
from workbench.frames import Frames
from workbench.frames.schema import NetworkPolicies, Pods, Services
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}concepts/services-networking/network-policies/"


class NetworkPolicyAnalyzer:
    """NetworkPolicies that apply to nothing, or isolate a Service's pods with nothing allowed in (or out)."""

    name: ClassVar[str] = "networkpolicy"
    codes: ClassVar[tuple[str, ...]] = ("networkpolicy.no-pods", "networkpolicy.blocks-traffic")

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """Findings on the NetworkPolicies of every namespace (see the module doc for the rules)."""
        if frames.networkpolicies.empty or not readable(frames, Pods.FRAME):
            return []
        isolation = Isolation(frames)
        services = _services(frames, {str(p[NetworkPolicies.NAMESPACE]) for p in isolation.policies})
        owners = Owners(frames)
        out: list[Finding] = []
        for policy in isolation.policies:
            ref = isolation.ref(policy)
            if not isolation.selected(policy):
                if not policy[NetworkPolicies.SELECTS_ALL_PODS]:
                    out.append(_no_pods(ref, policy))
                continue
            cut_in, cut_out = isolation.cut(policy)
            blocked = _blocked(
                ref,
                policy,
                cut_in=cut_in,
                cut_out=cut_out,
                services=services.get(ref.namespace, []),
                owners=owners,
            )
            if blocked is not None:
                out.append(blocked)
        return out


def _services(frames: Frames, namespaces: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Services with a selector in ``namespaces``, by namespace."""
    svc = frames.services
    rows = svc[svc[Services.NAMESPACE].isin(list(namespaces)) & svc[Services.SELECTOR].map(bool)]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in records(rows):
        out[str(row[Services.NAMESPACE])].append(row)
    return out


def _no_pods(ref: ObjectRef, policy: dict[str, Any]) -> Finding:
    selector = selector_text(
        policy[NetworkPolicies.POD_SELECTOR] or {}, policy[NetworkPolicies.POD_SELECTOR_EXPRESSIONS] or []
    )
    return Finding(
        "networkpolicy.no-pods",
        Severity.INFO,
        ref,
        f"NetworkPolicy {ref.namespace}/{ref.name} selects no pods ({selector})",
        evidence=(Evidence("spec", "spec.podSelector", selector),),
        explanation=(
            "No running pod in the namespace matches the policy's pod selector, so it restricts nothing. "
            "If it is meant to protect a workload, its selector does not match that workload's labels."
        ),
        docs_url=DOCS_URL,
    )


def _blocked(
    ref: ObjectRef,
    policy: dict[str, Any],
    *,
    cut_in: list[dict[str, Any]],
    cut_out: list[dict[str, Any]],
    services: list[dict[str, Any]],
    owners: Owners,
) -> Finding | None:
    """The finding for a rule-less policy whose pods nothing else lets traffic reach (or leave)."""
    isolated = [
        (svc, [p for p in cut_in if _selects(svc, p)])
        for svc in services
        if any(_selects(svc, p) for p in cut_in)
    ]
    if not isolated and not cut_out:
        return None
    selector = selector_text(
        policy[NetworkPolicies.POD_SELECTOR] or {}, policy[NetworkPolicies.POD_SELECTOR_EXPRESSIONS] or []
    )
    evidence = [
        Evidence("spec", "spec.podSelector", selector),
        Evidence("spec", "spec.policyTypes", ", ".join(policy[NetworkPolicies.POLICY_TYPES] or [])),
    ]
    parts: list[str] = []
    if isolated:
        evidence.append(Evidence("spec", "spec.ingress", "no rules: no connection is allowed in"))
        for svc, behind in isolated:
            svc_ref = ObjectRef("Service", ref.namespace, str(svc[Services.NAME]), text(svc[Services.UID]))
            evidence.append(
                Evidence(
                    "field",
                    "pods isolated for ingress",
                    few(sorted(str(p[Pods.NAME]) for p in behind)),
                    svc_ref,
                )
            )
        names = few([str(svc[Services.NAME]) for svc, _ in isolated])
        parts.append(f"no connection can reach Service {names}")
    if cut_out:
        evidence.append(
            Evidence("spec", "spec.egress", "no rules: no connection is allowed out, DNS included")
        )
        workloads = owners.roots(cut_out)
        evidence.append(
            Evidence("field", "pods isolated for egress", few(sorted(str(p[Pods.NAME]) for p in cut_out)))
        )
        parts.append(
            f"{len(cut_out)} pod(s) ({few([str(w) for w in workloads])}) cannot connect out, not even to DNS"
        )
    evidence.append(
        Evidence(
            "spec",
            "other policies",
            f"no NetworkPolicy in {ref.namespace} allows this traffic for these pods",
        )
    )
    return Finding(
        "networkpolicy.blocks-traffic",
        Severity.WARNING,
        ref,
        f"NetworkPolicy {ref.namespace}/{ref.name} blocks all traffic: " + "; ".join(parts),
        evidence=tuple(evidence),
        explanation=(
            "This default-deny policy isolates the pods it selects and has no rules, and no other "
            "NetworkPolicy selecting those pods allows any traffic, so every connection is dropped: "
            "callers see timeouts (not refusals), and services that depend on each other fail their "
            "readiness checks. Add a policy that allows exactly the traffic that is needed (from the "
            "calling pods, on the Service's target port; for egress, DNS to kube-dns on port 53)."
        ),
        docs_url=f"{DOCS_URL}#default-policies",
        # allow-ingress adds the one rule the callers' logs and the Service evidence (when they do).
        planners=("allow-ingress",),
    )


def _selects(service: dict[str, Any], pod: dict[str, Any]) -> bool:
    labels = pod[Pods.LABELS] or {}
    return bool(service[Services.SELECTOR].items() <= labels.items())

"""The networkpolicy analyzer: policies that select nothing, default-deny policies that cut Services off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.network.objects import frames_of, meta, pod, service, warnings_of, workload
from workbench.analyzers.network.networkpolicy import NetworkPolicyAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

API = {"app": "catalog-api"}


def policy(
    name: str,
    selector: dict[str, Any],
    types: list[str] | None = None,
    *,
    ingress: list[dict[str, Any]] | None = None,
    egress: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"podSelector": selector}
    if types is not None:
        spec["policyTypes"] = types
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(name),
        "spec": spec,
    }


DENY_IN = policy("default-deny", {}, ["Ingress"])
ALLOW_API = policy(
    "allow-frontend",
    {"matchLabels": API},
    ["Ingress"],
    ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}], "ports": [{"port": 8080}]}],
)


def shop(*policies: dict[str, Any], host_network: bool = False) -> Frames:
    return frames_of(
        networkpolicies=list(policies),
        pods=[
            pod(
                "catalog-api-a", labels=API, owner=("ReplicaSet", "catalog-api-5c"), host_network=host_network
            ),
            pod("frontend-a", labels={"app": "frontend"}, owner=("ReplicaSet", "frontend-7c")),
        ],
        services=[service("catalog-api", API), service("frontend", {"app": "frontend"})],
        replicasets=[
            workload("ReplicaSet", "catalog-api-5c", API, owner=("Deployment", "catalog-api")),
            workload("ReplicaSet", "frontend-7c", {"app": "frontend"}, owner=("Deployment", "frontend")),
        ],
    )


def analyze(frames: Frames) -> list[Finding]:
    return sorted(NetworkPolicyAnalyzer().analyze(frames), key=Finding.sort_key)


CASES: dict[str, tuple[Frames, list[tuple[str, str, Severity]]]] = {
    "default deny, nothing allowed": (
        shop(DENY_IN),
        [("networkpolicy.blocks-traffic", "default-deny", Severity.WARNING)],
    ),
    # The allow policy admits some traffic to catalog-api; frontend is still cut off.
    "default deny, catalog-api allowed": (
        shop(DENY_IN, ALLOW_API),
        [("networkpolicy.blocks-traffic", "default-deny", Severity.WARNING)],
    ),
    "allow-all ingress rule": (shop(policy("allow-all", {}, ["Ingress"], ingress=[{}])), []),
    "selector matches nothing": (
        shop(policy("old-api", {"matchLabels": {"app": "catalog"}}, ["Ingress"], ingress=[{}])),
        [("networkpolicy.no-pods", "old-api", Severity.INFO)],
    ),
    "expression selector matches": (
        shop(
            policy(
                "api-only",
                {"matchExpressions": [{"key": "app", "operator": "In", "values": ["catalog-api"]}]},
                ["Ingress"],
            )
        ),
        [("networkpolicy.blocks-traffic", "api-only", Severity.WARNING)],
    ),
    "deny egress cuts DNS": (
        shop(policy("deny-out", {"matchLabels": {"app": "frontend"}}, ["Egress"])),
        [("networkpolicy.blocks-traffic", "deny-out", Severity.WARNING)],
    ),
    "deny egress, DNS allowed": (
        shop(
            policy("deny-out", {"matchLabels": {"app": "frontend"}}, ["Egress"]),
            policy("dns", {}, ["Egress"], egress=[{"ports": [{"port": 53, "protocol": "UDP"}]}]),
        ),
        [],
    ),
    # NetworkPolicies do not apply to pods on the host network.
    "host-network pods are not isolated": (
        shop(policy("api-deny", {"matchLabels": API}, ["Ingress"]), host_network=True),
        [("networkpolicy.no-pods", "api-deny", Severity.INFO)],
    ),
}


@pytest.mark.parametrize(("frames", "expected"), CASES.values(), ids=CASES.keys())
def test_networkpolicy_findings(frames: Frames, expected: list[tuple[str, str, Severity]]) -> None:
    assert [(f.code, f.ref.name, f.severity) for f in analyze(frames)] == expected


def test_the_blocking_finding_lists_the_isolated_services_as_evidence_not_as_causes() -> None:
    [found] = analyze(shop(DENY_IN, ALLOW_API))
    assert (
        found.summary
        == "NetworkPolicy shop/default-deny blocks all traffic: no connection can reach Service frontend"
    )
    isolated = [e for e in found.evidence if e.subject == "pods isolated for ingress"]
    assert [(e.ref, e.value) for e in isolated] == [
        (ObjectRef("Service", "shop", "frontend", "uid-shop-frontend"), "frontend-a")
    ]
    # related names causes; the Services this policy isolates are its effects
    assert found.related == ()
    assert found.planners == ("allow-ingress",)


def test_a_policy_that_selects_no_pod_is_hygiene() -> None:
    [found] = analyze(shop(policy("old-api", {"matchLabels": {"app": "catalog"}}, ["Ingress"], ingress=[{}])))
    assert (found.code, found.severity) == ("networkpolicy.no-pods", Severity.INFO)
    assert found.evidence[0].value == "app=catalog"


def test_networkpolicy_deny_scenario(scenario: Callable[[str], Frames]) -> None:
    found = analyze(scenario("networkpolicy-deny"))
    assert warnings_of(found) == [("networkpolicy.blocks-traffic", "NetworkPolicy shop/default-deny-ingress")]
    services = sorted(e.ref.name for e in found[0].evidence if e.ref is not None)
    assert services == ["catalog-api", "frontend"]


def test_healthy_scenario_has_no_networkpolicy_findings(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []

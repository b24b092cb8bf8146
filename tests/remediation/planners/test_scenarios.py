"""Every scenario's root causes get the proposal its data supports: the exact plan (action, target,
parameters) where a safe fix is evidenced, an investigation with concrete checks where none is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import workbench
from tests.analyzers.conftest import ADVANCE_SECONDS
from tests.remediation.planners.conftest import Analysed
from workbench import sandbox
from workbench.model import Investigation, Plan, Severity
from workbench.remediation.planners import proposals, propose

Scenario = Callable[[str], Analysed]
Step = tuple[str, str, str, dict[str, Any]]


def steps(plan: Plan) -> list[Step]:
    """(action, target, api_version, params) of each step."""
    return [(s.action.value, str(s.target), s.target.api_version, dict(s.params)) for s in plan.steps]


def only(report_and_frames: Analysed) -> Plan | Investigation:
    report, frames = report_and_frames
    (proposal,) = proposals(report, frames)
    return proposal


PLANS: dict[str, list[Step]] = {
    "config-error": [
        (
            "set-env",
            "Deployment notifications/mailer",
            "apps/v1",
            {
                "container": "mailer",
                "env": [
                    {
                        "name": "SMTP_HOST",
                        "valueFrom": {"configMapKeyRef": {"name": "mailer-config", "key": "SMTP_HOSTNAME"}},
                    }
                ],
            },
        )
    ],
    "crashloop": [
        (
            "set-env",
            "Deployment billing/invoice-api",
            "apps/v1",
            {
                "container": "invoice-api",
                "env": [
                    {
                        "name": "DATABASE_URL",
                        "valueFrom": {"secretKeyRef": {"name": "invoice-api-db", "key": "DATABASE_URL"}},
                    }
                ],
            },
        )
    ],
    "dns-down": [("scale", "Deployment kube-system/coredns", "apps/v1", {"replicas": 2})],
    "hpa-no-metrics": [
        (
            "set-resources",
            "Deployment gateway/edge-gateway",
            "apps/v1",
            {"container": "gateway", "requests": {"cpu": "90m"}},
        )
    ],
    "ingress-backend": [
        (
            "patch",
            "Ingress marketing/marketing",
            "networking.k8s.io/v1",
            {
                "patch_type": "json",
                "patch": [
                    {
                        "op": "test",
                        "path": "/spec/rules/0/http/paths/0/backend/service/name",
                        "value": "landing",
                    },
                    {
                        "op": "replace",
                        "path": "/spec/rules/0/http/paths/0/backend/service/name",
                        "value": "landing-page",
                    },
                ],
            },
        )
    ],
    "liveness-restarts": [
        (
            "set-probe",
            "Deployment search/search-api",
            "apps/v1",
            {
                "container": "search-api",
                "probe": "startup",
                "settings": {
                    "httpGet": {"path": "/actuator/health/liveness", "port": "http", "scheme": "HTTP"},
                    "periodSeconds": 10,
                    "timeoutSeconds": 1,
                    "successThreshold": 1,
                    "failureThreshold": 14,
                },
            },
        )
    ],
    "oomkilled": [
        (
            "set-resources",
            "Deployment analytics/report-builder",
            "apps/v1",
            {"container": "report-builder", "limits": {"memory": "384Mi"}},
        )
    ],
    "node-notready": [
        (
            "patch",
            "Node kind-worker2",
            "v1",
            {
                "patch_type": "merge",
                "patch": {"metadata": {"annotations": {"sandbox.workbench.io/kubelet": None}}},
            },
        )
    ],
    # 40Gi fits no node: the most both replicas can ask is the workers' free 31.2Gi, rounded down to 256Mi.
    "pending-resources": [
        (
            "set-resources",
            "Deployment ml/recommender",
            "apps/v1",
            {"container": "recommender", "requests": {"memory": "31Gi"}, "limits": {"memory": "31Gi"}},
        )
    ],
    # The claim's class does not exist; kind's default class is standard (rancher.io/local-path).
    "pvc-pending": [
        (
            "create-storage-class",
            "StorageClass fast-ssd",
            "storage.k8s.io/v1",
            {
                "provisioner": "rancher.io/local-path",
                "reclaim_policy": "Delete",
                "volume_binding_mode": "WaitForFirstConsumer",
                "allow_volume_expansion": False,
            },
        )
    ],
    "pending-taint": [
        ("remove-taint", f"Node {node}", "v1", {"key": "node.example.io/maintenance", "effect": "NoSchedule"})
        for node in ("kind-worker", "kind-worker2")
    ],
    "readiness-probe": [
        (
            "set-probe",
            "Deployment web/shop-web",
            "apps/v1",
            {
                "container": "shop-web",
                "probe": "readiness",
                "settings": {
                    "httpGet": {"path": "/readyz", "port": "http", "scheme": "HTTP"},
                    "initialDelaySeconds": 5,
                    "timeoutSeconds": 1,
                    "periodSeconds": 10,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
            },
        )
    ],
    # The image is a value the person gives (the registry's tags are not in the cluster).
    "image-pull": [
        (
            "set-image",
            "Deployment storefront/catalog",
            "apps/v1",
            {"container": "catalog", "image": "${image}"},
        )
    ],
    "rollout-stuck": [("rollout-undo", "Deployment accounts/profile-api", "apps/v1", {"to_revision": 1})],
    "service-selector": [
        ("set-service-selector", "Service orders/orders-api", "v1", {"selector": {"app": "orders-api"}})
    ],
}


@pytest.mark.parametrize("name", sorted(PLANS))
def test_a_scenario_with_an_evidenced_fix_gets_the_exact_plan(name: str, scenario: Scenario) -> None:
    report, frames = scenario(name)
    plan = only((report, frames))
    assert isinstance(plan, Plan), f"{name}: {plan}"
    assert steps(plan) == PLANS[name]
    roots = [r.id for r in report.roots() if report.impact(r) >= Severity.WARNING]
    assert list(plan.findings) == roots  # one plan covers every root (two pods of one workload)
    assert all(s.reason == roots[0] and s.title for s in plan.steps)
    assert plan.notes
    assert plan.title


# (scenario, the root's code, words the checks must contain, a command they must list)
INVESTIGATIONS = [
    ("incident", "pod.config-error", ["POSTGRES_USER", "password, username"], "kubectl describe secret"),
    ("failed-job", "job.failed", ["immutable", "exited 1"], "kubectl logs job/ledger-export -n finance"),
    (
        "cronjob-failing",
        "cronjob.failing",
        ["job template", "create job --from=cronjob/db-backup"],
        "kubectl get jobs -n backups",
    ),
]


@pytest.mark.parametrize(
    ("name", "code", "words", "command"), INVESTIGATIONS, ids=[i[0] for i in INVESTIGATIONS]
)
def test_a_scenario_without_a_safe_fix_gets_an_investigation(
    name: str, code: str, words: list[str], command: str, scenario: Scenario
) -> None:
    report, frames = scenario(name)
    look = only((report, frames))
    assert isinstance(look, Investigation), f"{name}: {look}"
    assert [f.split(":")[0] for f in look.findings] == [code] * len(look.findings)
    checks = " ".join(look.checks)
    for word in words:
        assert word in checks, (word, look.checks)
    assert any(c.startswith(command) for c in look.commands), look.commands


ALLOW_FRONTEND: Step = (
    "allow-ingress",
    "NetworkPolicy shop/allow-frontend-to-catalog-api",
    "networking.k8s.io/v1",
    {
        "pod_selector": {"app": "catalog-api"},
        "from_selector": {"app": "frontend"},
        "ports": [{"protocol": "TCP", "port": 8080}],
    },
)


def test_networkpolicy_deny_allows_the_connection_the_readiness_findings_quote(scenario: Scenario) -> None:
    # These frames hold no log tails: the readiness findings quote the frontend's timeouts; the policy's
    # finding has no log of its own, so it still gets the investigation.
    report, frames = scenario("networkpolicy-deny")
    plan, policy = proposals(report, frames)
    assert isinstance(plan, Plan)
    assert steps(plan) == [ALLOW_FRONTEND]
    assert [f.split(":")[0] for f in plan.findings] == ["pod.readiness-failing"] * 2
    assert any("default-deny-ingress" in note and "catalog-api" in note for note in plan.notes)
    assert isinstance(policy, Investigation)
    assert policy.findings == ("networkpolicy.blocks-traffic:NetworkPolicy/shop/default-deny-ingress",)
    assert any("Keep the deny policy" in c for c in policy.checks)


def test_networkpolicy_deny_with_log_tails_is_one_plan_for_every_root() -> None:
    with sandbox.start(scenario="networkpolicy-deny", manual_clock=True) as sb:
        sb.advance(ADVANCE_SECONDS)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            (plan,) = cluster.proposals()
    assert isinstance(plan, Plan)
    assert steps(plan) == [ALLOW_FRONTEND]
    assert sorted(f.split(":")[0] for f in plan.findings) == [
        "networkpolicy.blocks-traffic",
        "pod.readiness-failing",
        "pod.readiness-failing",
    ]


def test_image_pull_asks_for_the_image_suggesting_the_tag_without_v(scenario: Scenario) -> None:
    plan = only(scenario("image-pull"))
    assert isinstance(plan, Plan)
    (needs,) = plan.inputs
    assert (needs.name, needs.suggestion) == ("image", "registry.shop.example/catalog:2.14.1")
    assert "registry.shop.example/catalog:v2.14.1 cannot be pulled" in needs.prompt
    assert any("starts with 'v'" in note for note in plan.notes)
    assert steps(plan.fill(image="registry.shop.example/catalog:2.14.1"))[0][3]["image"] == (
        "registry.shop.example/catalog:2.14.1"
    )


def test_the_healthy_cluster_gets_no_proposal(scenario: Scenario) -> None:
    assert proposals(*scenario("healthy")) == []


def test_every_scenario_is_covered() -> None:
    covered = {*PLANS, *(i[0] for i in INVESTIGATIONS), "networkpolicy-deny", "healthy"}
    assert covered == {name for name, _ in sandbox.scenarios()}


def test_a_symptom_proposed_alone_is_traced_to_its_cause(scenario: Scenario) -> None:
    report, frames = scenario("dns-down")
    dns = next(f for f in report.findings if f.code == "pod.dns-failures")
    plan = propose(dns, frames)
    assert isinstance(plan, Plan)
    assert steps(plan) == PLANS["dns-down"]
    assert plan.findings == (dns.id,)

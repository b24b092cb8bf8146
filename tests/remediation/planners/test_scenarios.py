"""Every scenario's root causes get the proposal its data supports: the exact plan (action, target,
parameters) where a safe fix is evidenced, an investigation with concrete checks where none is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
    ("image-pull", "pod.image-pull", ["v2.14.1", "starts with 'v'"], "kubectl describe pod catalog-"),
    ("incident", "pod.config-error", ["POSTGRES_USER", "password, username"], "kubectl describe secret"),
    ("node-notready", "node.not-ready", ["kubelet", "Terminating"], "kubectl describe node kind-worker2"),
    ("pending-resources", "pod.unschedulable", ["memory 40Gi", "measure it"], "kubectl describe nodes"),
    (
        "pvc-pending",
        "pvc.pending",
        ["fast-ssd", "standard (rancher.io/local-path, default)"],
        "kubectl get storageclass",
    ),
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


def test_networkpolicy_deny_gets_two_investigations_naming_the_policy_and_the_dependency(
    scenario: Scenario,
) -> None:
    report, frames = scenario("networkpolicy-deny")
    readiness, policy = proposals(report, frames)
    assert isinstance(readiness, Investigation)
    assert isinstance(policy, Investigation)
    assert [f.split(":")[0] for f in readiness.findings] == ["pod.readiness-failing"] * 2
    assert any("5xx" in c for c in readiness.checks)
    assert any("Service shop/catalog-api" in c and "NetworkPolicy" in c for c in readiness.checks)
    assert "kubectl get networkpolicies -n shop" in readiness.commands
    assert policy.findings == ("networkpolicy.blocks-traffic:NetworkPolicy/shop/default-deny-ingress",)
    assert any("Keep the deny policy" in c for c in policy.checks)


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

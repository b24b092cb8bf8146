"""The workloads family as a whole: every scenario's warning-or-worse findings, declared codes, stable
order, and the shape every finding has (docs link, summary naming the object)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from workbench.analyzers.base import Analyzer
from workbench.analyzers.workloads import FAMILY
from workbench.frames import Frames
from workbench.model import Finding, Severity

# At ADVANCE_SECONDS (600 s) into each scenario: (code, severity, object).
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "healthy": [],
    "incident": [
        ("deployment.unavailable", "critical", "Deployment shop/checkout"),
        ("deployment.unavailable", "critical", "Deployment shop/frontend"),
        ("statefulset.unavailable", "critical", "StatefulSet data/postgres"),
    ],
    "crashloop": [("deployment.unavailable", "critical", "Deployment billing/invoice-api")],
    "oomkilled": [("deployment.unavailable", "critical", "Deployment analytics/report-builder")],
    "config-error": [("deployment.unavailable", "critical", "Deployment notifications/mailer")],
    "image-pull": [("deployment.unavailable", "critical", "Deployment storefront/catalog")],
    "pending-resources": [("deployment.unavailable", "critical", "Deployment ml/recommender")],
    "pending-taint": [("deployment.unavailable", "critical", "Deployment warehouse/stock-sync")],
    "pvc-pending": [("deployment.unavailable", "critical", "Deployment inventory/inventory-db")],
    "node-notready": [
        ("daemonset.unavailable", "error", "DaemonSet kube-system/kindnet"),
        ("daemonset.unavailable", "error", "DaemonSet kube-system/kube-proxy"),
    ],
    "hpa-no-metrics": [("hpa.unable-to-scale", "error", "HorizontalPodAutoscaler gateway/edge-gateway")],
    "readiness-probe": [("deployment.unavailable", "critical", "Deployment web/shop-web")],
    "liveness-restarts": [("deployment.unavailable", "critical", "Deployment search/search-api")],
    "rollout-stuck": [("deployment.rollout-stuck", "error", "Deployment accounts/profile-api")],
    "service-selector": [],
    "ingress-backend": [],
    "networkpolicy-deny": [("deployment.unavailable", "critical", "Deployment shop/frontend")],
    "dns-down": [
        ("deployment.scaled-to-zero", "critical", "Deployment kube-system/coredns"),
        ("deployment.unavailable", "critical", "Deployment booking/booking-api"),
    ],
    "failed-job": [("job.failed", "error", "Job finance/ledger-export")],
    "cronjob-failing": [("cronjob.failing", "error", "CronJob backups/db-backup")],
}


def run(frames: Frames) -> list[Finding]:
    findings: list[Finding] = []
    for cls in FAMILY:
        analyzer: Analyzer = cls()
        emitted = list(analyzer.analyze(frames))
        assert {f.code for f in emitted} <= set(cls.codes), f"{cls.name} emitted an undeclared code"
        findings.extend(emitted)
    return sorted(findings, key=Finding.sort_key)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_scenario_findings(scenario: Callable[[str], Frames], name: str) -> None:
    findings = run(scenario(name))
    serious = sorted(
        (f.code, str(f.severity), str(f.ref)) for f in findings if f.severity >= Severity.WARNING
    )
    assert serious == sorted(EXPECTED[name])
    for finding in findings:
        assert finding.summary.startswith(str(finding.ref))
        assert finding.docs_url.startswith("https://kubernetes.io/docs/")
        assert finding.explanation
        assert finding.evidence


def test_family_declares_unique_names_and_codes() -> None:
    names = [cls.name for cls in FAMILY]
    codes = [code for cls in FAMILY for code in cls.codes]
    assert len(set(names)) == len(names)
    assert len(set(codes)) == len(codes)
    assert all(
        code.split(".")[0]
        in {"deployment", "replicaset", "statefulset", "daemonset", "job", "cronjob", "hpa", "pdb"}
        for code in codes
    )
    assert all(code == code.lower() and code.count(".") == 1 for code in codes)

"""The pods family as a whole: metadata, and the warning+ findings of every sandbox scenario."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.analyzers.pods.conftest import Pull
from workbench.analyzers.base import Analyzer
from workbench.analyzers.pods import FAMILY
from workbench.frames import Frames
from workbench.model import Finding, Severity

CODE = re.compile(r"^[a-z]+\.[a-z][a-z-]*[a-z]$")

# (code, namespace, workload name prefix of the pod, severity) -> how many: the warning and
# error findings of the pods family at 600 s, from frames without logs.
ERROR, WARNING = "error", "warning"
EXPECTED: dict[str, dict[tuple[str, str, str, str], int]] = {
    "healthy": {},
    "incident": {
        ("pod.config-error", "data", "postgres", ERROR): 1,
        ("pod.crashloop", "shop", "checkout", ERROR): 2,
        ("pod.readiness-failing", "shop", "frontend", ERROR): 2,
    },
    "crashloop": {("pod.crashloop", "billing", "invoice-api", ERROR): 2},
    "oomkilled": {("pod.oomkilled", "analytics", "report-builder", ERROR): 1},
    "config-error": {("pod.config-error", "notifications", "mailer", ERROR): 1},
    "image-pull": {("pod.image-pull", "storefront", "catalog", ERROR): 2},
    "pending-resources": {("pod.unschedulable", "ml", "recommender", ERROR): 2},
    "pending-taint": {("pod.unschedulable", "warehouse", "stock-sync", ERROR): 2},
    "pvc-pending": {("pod.unschedulable", "inventory", "inventory-db", ERROR): 1},
    "node-notready": {
        ("pod.stuck-terminating", "kube-system", "coredns", WARNING): 1,
        ("pod.stuck-terminating", "tickets", "ticket-api", WARNING): 2,
    },
    "hpa-no-metrics": {},
    "readiness-probe": {("pod.readiness-failing", "web", "shop-web", ERROR): 2},
    "liveness-restarts": {("pod.liveness-restarts", "search", "search-api", ERROR): 2},
    "rollout-stuck": {("pod.readiness-failing", "accounts", "profile-api", ERROR): 1},
    "service-selector": {},
    "ingress-backend": {},
    "networkpolicy-deny": {("pod.readiness-failing", "shop", "frontend", ERROR): 2},
    "dns-down": {("pod.crashloop", "booking", "booking-api", ERROR): 2},
    "failed-job": {},
    "cronjob-failing": {},
}
WITH_LOGS = {
    "dns-down": {("pod.dns-failures", "booking", "booking-api", ERROR): 2},
    "crashloop": EXPECTED["crashloop"],
    "incident": EXPECTED["incident"],
    "cronjob-failing": {},
}


def analyze(frames: Frames) -> list[Finding]:
    found = []
    for cls in FAMILY:
        for finding in cls().analyze(frames):
            assert finding.code in cls.codes, f"{cls.name} emitted {finding.code}, not in its codes"
            found.append(finding)
    return sorted(found, key=Finding.sort_key)


def warnings_and_errors(findings: list[Finding]) -> Counter[tuple[str, str, str, str]]:
    return Counter(
        (f.code, f.ref.namespace, f.ref.name.rsplit("-", 2)[0], str(f.severity))
        for f in findings
        if f.severity >= Severity.WARNING
    )


def test_family_metadata() -> None:
    names = [cls.name for cls in FAMILY]
    codes = [code for cls in FAMILY for code in cls.codes]
    assert len(set(names)) == len(names)
    assert len(set(codes)) == len(codes)
    assert all(CODE.match(code) for code in codes), codes
    assert all(isinstance(cls(), Analyzer) for cls in FAMILY)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_findings(scenario: Pull, name: str) -> None:
    findings = analyze(scenario(name))
    assert warnings_and_errors(findings) == Counter(EXPECTED[name])
    one_per_pod = Counter(f.ref for f in findings if f.ref.kind == "Pod")
    assert max(one_per_pod.values(), default=1) == 1  # one finding per object: the most specific code


@pytest.mark.parametrize("name", sorted(WITH_LOGS))
def test_scenario_findings_with_failing_containers_logs(scenario: Pull, name: str) -> None:
    assert warnings_and_errors(analyze(scenario(name, logs=True))) == Counter(WITH_LOGS[name])


def test_the_same_bundle_gives_the_same_findings(scenario: Pull) -> None:
    frames = scenario("incident")
    first = [f.to_dict() for f in analyze(frames)]
    assert first == [f.to_dict() for f in analyze(frames)]

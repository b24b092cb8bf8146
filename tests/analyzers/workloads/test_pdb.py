"""The pdb analyzer: budgets that refuse every eviction, budgets that select no pod — computed from the
pods when the disruption controller wrote no status, and taken from its status when it did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.analyzers.workloads.conftest import pull_with
from tests.analyzers.workloads.objects import Obj, found, frames_of, pdb, pod, replicaset
from workbench.analyzers.workloads.pdb import PdbAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef

WEB_PDB = "PodDisruptionBudget shop/web"
WEB = {"app": "web"}


def analyze(frames: Frames) -> list[Finding]:
    return sorted(PdbAnalyzer().analyze(frames), key=Finding.sort_key)


def web_pods(n: int, *, unready: int = 0, **kw: Any) -> list[Obj]:
    return [
        pod(
            f"web-aaa-{i}",
            owner=("ReplicaSet", "web-aaa"),
            labels={**WEB, "pod-template-hash": "aaa"},
            ready=i >= unready,
            waiting="CrashLoopBackOff" if i < unready else None,
            **kw,
        )
        for i in range(n)
    ]


def world(budget: Obj, pods: list[Obj]) -> Frames:
    return frames_of(pdbs=[budget], pods=pods, replicasets=[replicaset("web-aaa", deployment="web")])


REPORTED = {
    "currentHealthy": 3,
    "desiredHealthy": 3,
    "disruptionsAllowed": 0,
    "expectedPods": 3,
    "conditions": [
        {
            "type": "DisruptionAllowed",
            "status": "False",
            "reason": "InsufficientPods",
            "lastTransitionTime": "2026-11-28T11:00:00Z",
        }
    ],
}

CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "minAvailable equal to the replicas": (
        world(pdb("web", selector=WEB, min_available=2), web_pods(2)),
        [("pdb.blocking", "warning", WEB_PDB)],
    ),
    "maxUnavailable 1, all healthy": (world(pdb("web", selector=WEB, max_unavailable=1), web_pods(3)), []),
    "maxUnavailable 1, one pod already down": (
        world(pdb("web", selector=WEB, max_unavailable=1), web_pods(3, unready=1)),
        [("pdb.blocking", "warning", WEB_PDB)],
    ),
    "minAvailable 50% of two rounds up to one": (
        world(pdb("web", selector=WEB, min_available="50%"), web_pods(2)),
        [],
    ),
    "maxUnavailable 0%": (
        world(pdb("web", selector=WEB, max_unavailable="0%"), web_pods(4)),
        [("pdb.blocking", "warning", WEB_PDB)],
    ),
    "a pod being deleted is not expected": (
        world(
            pdb("web", selector=WEB, max_unavailable=1),
            [
                *web_pods(2),
                pod("web-aaa-9", owner=("ReplicaSet", "web-aaa"), labels=WEB, ready=False, deleted=True),
            ],
        ),
        [],
    ),
    "selects no pod": (
        world(pdb("web", selector={"app": "wbe"}, max_unavailable=1), web_pods(2)),
        [("pdb.no-pods", "info", WEB_PDB)],
    ),
    "an empty selector selects every pod in the namespace": (
        world(pdb("web", selector={}, min_available=2), web_pods(2)),
        [("pdb.blocking", "warning", WEB_PDB)],
    ),
    "matchExpressions": (
        world(
            pdb(
                "web",
                selector=None,
                expressions=[{"key": "app", "operator": "In", "values": ["web", "api"]}],
                min_available=2,
            ),
            web_pods(2),
        ),
        [("pdb.blocking", "warning", WEB_PDB)],
    ),
    "pods not read: nothing to compute from": (
        frames_of(pdbs=[pdb("web", selector=WEB, min_available=2)]),
        [],
    ),
    "the controller's status says blocked": (
        frames_of(pdbs=[pdb("web", selector=WEB, min_available=3, status=REPORTED)]),
        [("pdb.blocking", "warning", WEB_PDB)],
    ),
    "the controller's status allows one": (
        world(
            pdb(
                "web",
                selector=WEB,
                min_available=2,
                status={**REPORTED, "desiredHealthy": 2, "disruptionsAllowed": 1},
            ),
            web_pods(3),
        ),
        [],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_budget_that_allows_nothing_by_design() -> None:
    frames, _ = CASES["minAvailable equal to the replicas"]
    (finding,) = analyze(frames)
    assert finding.evidence[0].value == (
        "0 (computed from the pods: 2 healthy of 2 expected pods, minAvailable 2 needs 2 healthy)"
    )
    assert finding.evidence[1].value == "app=web"
    assert "The budget itself allows no disruption" in finding.explanation
    assert finding.related == (ObjectRef("Deployment", "shop", "web"),)  # the ReplicaSet's owner
    assert finding.planners == ()


def test_budget_used_up_by_unhealthy_pods() -> None:
    frames, _ = CASES["maxUnavailable 1, one pod already down"]
    (finding,) = analyze(frames)
    assert "Only 2 of the 3 pods are healthy" in finding.explanation
    assert (
        next(e.value for e in finding.evidence if e.subject == "selected pods not ready")
        == "1: CrashLoopBackOff"
    )


def test_reported_status_is_used_and_said_so() -> None:
    frames, _ = CASES["the controller's status says blocked"]
    (finding,) = analyze(frames)
    assert finding.evidence[0].value.startswith(
        "0 (status (the disruption controller): 3 healthy of 3 expected pods"
    )


def test_sandbox_budgets_computed_from_pods(tmp_path: Path) -> None:
    # The sandbox does not run the disruption controller: its PDB status is all zeros.
    budget = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}, namespace: kube-system}}
spec:
  {rule}
  selector:
    matchLabels: {{k8s-app: {app}}}
"""
    frames = pull_with(
        [
            budget.format(name="coredns", rule="minAvailable: 2", app="kube-dns"),
            budget.format(name="coredns-typo", rule="maxUnavailable: 1", app="kube-dsn"),
            budget.format(name="coredns-relaxed", rule="maxUnavailable: 1", app="kube-dns"),
        ],
        tmp_path,
    )
    findings = analyze(frames)
    assert found(findings) == [
        ("pdb.blocking", "warning", "PodDisruptionBudget kube-system/coredns"),
        ("pdb.no-pods", "info", "PodDisruptionBudget kube-system/coredns-typo"),
    ]
    assert findings[0].related == (ObjectRef("Deployment", "kube-system", "coredns"),)

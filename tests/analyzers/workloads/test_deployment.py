"""The deployment analyzer: unavailable, rollout stuck or slow, paused — and no false alarms on rollouts
within their deadline, pods just created, pods being deleted, or Deployments scaled to zero."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.workloads.objects import Obj, deployment, found, frames_of, pod, replicaset
from workbench.analyzers.workloads.deployment import DeploymentAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

WEB = "Deployment shop/web"


def analyze(frames: Frames) -> list[Finding]:
    return sorted(DeploymentAnalyzer().analyze(frames), key=Finding.sort_key)


def pods_of(rs: str, n: int, *, start: int = 0, **kw: Any) -> list[Obj]:
    return [
        pod(f"{rs}-{i}", owner=("ReplicaSet", rs), labels={"app": "web", "pod-template-hash": rs[4:]}, **kw)
        for i in range(start, start + n)
    ]


def world(dep: Obj, rss: list[Obj], pods: list[Obj]) -> Frames:
    return frames_of(deployments=[dep], replicasets=rss, pods=pods)


def crashing(rs: str, n: int, **kw: Any) -> list[Obj]:
    return pods_of(rs, n, ready=False, waiting="CrashLoopBackOff", restarts=9, **kw)


STUCK = ("False", "ProgressDeadlineExceeded")
UPDATING = ("True", "ReplicaSetUpdated")

CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "healthy": (
        world(deployment("web"), [replicaset("web-aaa", deployment="web")], pods_of("web-aaa", 2)),
        [],
    ),
    "none available: critical": (
        world(
            deployment("web", available=0, progressing=STUCK),
            [replicaset("web-aaa", deployment="web", ready=0)],
            crashing("web-aaa", 2),
        ),
        [("deployment.unavailable", "critical", WEB)],
    ),
    "under half available: error": (
        world(
            deployment("web", replicas=3, available=1),
            [replicaset("web-aaa", deployment="web", replicas=3, ready=1)],
            pods_of("web-aaa", 1) + crashing("web-aaa", 2, start=1),
        ),
        [("deployment.unavailable", "error", WEB)],
    ),
    "most available: warning": (
        world(
            deployment("web", replicas=3, available=2),
            [replicaset("web-aaa", deployment="web", replicas=3, ready=2)],
            pods_of("web-aaa", 2) + crashing("web-aaa", 1, start=2),
        ),
        [("deployment.unavailable", "warning", WEB)],
    ),
    "rolling update within maxUnavailable": (
        world(
            deployment(
                "web", replicas=4, available=3, updated=2, current=5, progressing=UPDATING, revision=2
            ),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=2, ready=1, age=120),
                replicaset("web-old", deployment="web", revision=1, replicas=3),
            ],
            pods_of("web-new", 1, age=100)
            + pods_of("web-new", 1, start=1, ready=False, age=20)
            + pods_of("web-old", 3),
        ),
        [],
    ),
    "rolling update taking down more than maxUnavailable": (
        world(
            deployment(
                "web", replicas=4, available=1, updated=2, current=4, progressing=UPDATING, revision=2
            ),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=2, ready=0),
                replicaset("web-old", deployment="web", revision=1, replicas=2, ready=1),
            ],
            crashing("web-new", 2) + pods_of("web-old", 1) + crashing("web-old", 1, start=1),
        ),
        [("deployment.unavailable", "error", WEB)],
    ),
    "pods created a moment ago are still starting": (
        world(
            deployment("web", available=0, progressing=("True", "NewReplicaSetCreated")),
            [replicaset("web-aaa", deployment="web", ready=0, age=40)],
            pods_of("web-aaa", 2, ready=False, waiting="ContainerCreating", age=30),
        ),
        [],
    ),
    "a pod being deleted is not a failure": (
        world(
            deployment("web", replicas=2, available=1, current=2),
            [replicaset("web-aaa", deployment="web", ready=1)],
            pods_of("web-aaa", 1)
            + pods_of("web-aaa", 1, start=1, ready=False, deleted=True)
            # its replacement was just created
            + pods_of("web-aaa", 1, start=2, ready=False, waiting="ContainerCreating", age=20),
        ),
        [],
    ),
    "rollout past its deadline while the old revision serves": (
        world(
            deployment("web", replicas=3, available=3, updated=1, current=4, progressing=STUCK, revision=2),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=1, ready=0),
                replicaset("web-old", deployment="web", revision=1, replicas=3),
            ],
            pods_of("web-new", 1, ready=False) + pods_of("web-old", 3),
        ),
        [("deployment.rollout-stuck", "error", WEB)],
    ),
    "rollout past its deadline with nothing available": (
        world(
            deployment("web", replicas=2, available=0, updated=1, current=2, progressing=STUCK, revision=2),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=1, ready=0),
                replicaset("web-old", deployment="web", revision=1, replicas=1, ready=0),
            ],
            crashing("web-new", 1) + crashing("web-old", 1),
        ),
        [("deployment.rollout-stuck", "critical", WEB)],
    ),
    "first revision past its deadline is unavailable, not a stuck rollout": (
        world(
            deployment("web", available=0, progressing=STUCK),
            [replicaset("web-aaa", deployment="web", ready=0)],
            pods_of("web-aaa", 2, ready=False, phase="Pending", node=None),
        ),
        [("deployment.unavailable", "critical", WEB)],
    ),
    "rollout still progressing after hours": (
        world(
            deployment(
                "web", replicas=10, available=10, updated=4, current=11, progressing=UPDATING, revision=2
            ),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=5, ready=4, age=7300),
                replicaset("web-old", deployment="web", revision=1, replicas=6),
            ],
            pods_of("web-new", 4, age=7200)
            + pods_of("web-new", 1, start=4, ready=False, age=300)
            + pods_of("web-old", 6),
        ),
        [("deployment.rollout-slow", "warning", WEB)],
    ),
    "rollout progressing for ten minutes": (
        world(
            deployment(
                "web", replicas=10, available=10, updated=4, current=11, progressing=UPDATING, revision=2
            ),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=5, ready=4, age=600),
                replicaset("web-old", deployment="web", revision=1, replicas=6),
            ],
            pods_of("web-new", 5, age=600) + pods_of("web-old", 6),
        ),
        [],
    ),
    "paused mid-rollout": (
        world(
            deployment(
                "web",
                replicas=4,
                updated=2,
                current=4,
                paused=True,
                progressing=("Unknown", "DeploymentPaused"),
            ),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=2),
                replicaset("web-old", deployment="web", revision=1, replicas=2),
            ],
            pods_of("web-new", 2) + pods_of("web-old", 2),
        ),
        [("deployment.paused", "warning", WEB)],
    ),
    "paused after its rollout": (
        world(
            deployment("web", paused=True), [replicaset("web-aaa", deployment="web")], pods_of("web-aaa", 2)
        ),
        [("deployment.paused", "info", WEB)],
    ),
    "scaled to zero is the scale analyzer's": (
        world(
            deployment("web", replicas=0, available=0),
            [replicaset("web-aaa", deployment="web", replicas=0)],
            [],
        ),
        [],
    ),
    "Recreate rollout within its deadline": (
        world(
            deployment(
                "web",
                available=0,
                updated=0,
                current=0,
                progressing=UPDATING,
                strategy="Recreate",
                revision=2,
            ),
            [
                replicaset("web-new", deployment="web", revision=2, replicas=0, current=0),
                replicaset("web-old", deployment="web", revision=1, replicas=0, current=0),
            ],
            [],
        ),
        [],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_unavailable_evidence_names_conditions_pods_and_the_new_replicaset() -> None:
    frames, _ = CASES["none available: critical"]
    (finding,) = analyze(frames)
    subjects = [e.subject for e in finding.evidence]
    assert subjects[:3] == ["status.availableReplicas", "Available", "Progressing"]
    assert finding.evidence[0].value == "0 of 2 wanted (ready 0, updated 2, existing 2)"
    assert "ProgressDeadlineExceeded" in finding.evidence[2].value
    assert (
        next(e for e in finding.evidence if e.subject == "pods not ready").value == "2: CrashLoopBackOff x2"
    )
    pods = [e.ref for e in finding.evidence if e.subject == "pod"]
    assert pods == [
        ObjectRef("Pod", "shop", "web-aaa-0", "uid-shop-web-aaa-0"),
        ObjectRef("Pod", "shop", "web-aaa-1", "uid-shop-web-aaa-1"),
    ]
    assert "previous logs" in finding.explanation
    assert finding.related == (ObjectRef("ReplicaSet", "shop", "web-aaa", "uid-shop-web-aaa"),)
    assert finding.summary == "Deployment shop/web has 0 of 2 pods available"
    assert finding.docs_url.startswith("https://kubernetes.io/docs/")


def test_missing_pods_point_at_the_replicaset() -> None:
    frames = world(
        deployment(
            "web",
            available=0,
            current=0,
            updated=0,
            replica_failure=("FailedCreate", 'pods "web-aaa-x" is forbidden: exceeded quota: compute'),
        ),
        [replicaset("web-aaa", deployment="web", current=0)],
        [],
    )
    (finding,) = analyze(frames)
    assert finding.code == "deployment.unavailable"
    assert "cannot create them" in finding.explanation
    failure = next(e for e in finding.evidence if e.subject == "ReplicaFailure")
    assert failure.value.startswith("FailedCreate: ")


def test_stuck_rollout_evidence_and_planners() -> None:
    frames, _ = CASES["rollout past its deadline while the old revision serves"]
    (finding,) = analyze(frames)
    assert finding.summary == "Deployment shop/web rollout to revision 2 is stuck: 1 of 3 pods updated"
    lines = {e.value for e in finding.evidence if e.subject == "replicaset"}
    assert lines == {
        "revision 2: 0 of 1 ready (registry.example/app:1.0)",
        "revision 1: 3 of 3 ready (registry.example/app:1.0)",
    }
    assert next(e.value for e in finding.evidence if e.subject == "spec.progressDeadlineSeconds") == "10m"
    assert finding.planners == ("rollout-undo",)
    assert [r.name for r in finding.related] == ["web-new", "web-old"]
    assert "users are not affected yet" in finding.explanation


def test_slow_rollout_estimates_the_pace() -> None:
    frames, _ = CASES["rollout still progressing after hours"]
    (finding,) = analyze(frames)
    pace = next(e.value for e in finding.evidence if e.subject == "rollout running for")
    assert pace == "2h (about 30m per pod, so about 3h to go)"


def test_empty_frames_give_nothing() -> None:
    assert analyze(frames_of()) == []


# --- against the sandbox ---------------------------------------------------------------------------


def test_rollout_stuck_scenario(scenario: Callable[[str], Frames]) -> None:
    (finding,) = analyze(scenario("rollout-stuck"))
    assert (finding.code, finding.severity, str(finding.ref)) == (
        "deployment.rollout-stuck",
        Severity.ERROR,
        "Deployment accounts/profile-api",
    )
    progressing = next(e for e in finding.evidence if e.subject == "Progressing")
    assert progressing.value.startswith("False ProgressDeadlineExceeded: ")
    assert {r.kind for r in finding.related} == {"ReplicaSet"}
    assert len(finding.related) == 2
    assert any("4.3.0" in e.value for e in finding.evidence if e.subject == "replicaset")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("healthy", []),
        ("crashloop", [("deployment.unavailable", "critical", "Deployment billing/invoice-api")]),
        ("dns-down", [("deployment.unavailable", "critical", "Deployment booking/booking-api")]),
        ("service-selector", []),
    ],
)
def test_scenarios(
    scenario: Callable[[str], Frames], name: str, expected: list[tuple[str, str, str]]
) -> None:
    assert found(analyze(scenario(name))) == expected

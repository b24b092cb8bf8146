"""The statefulset analyzer: pods not ready (and the claims they wait for), stuck rolling updates, a
missing governing Service — and no false alarms on updates in progress, OnDelete or partitions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.workloads.objects import Obj, found, frames_of, pod, pvc, service, statefulset
from workbench.analyzers.workloads.statefulset import StatefulSetAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

DB = "StatefulSet data/db"


def analyze(frames: Frames) -> list[Finding]:
    return sorted(StatefulSetAnalyzer().analyze(frames), key=Finding.sort_key)


def member(i: int, revision: str = "db-rev1", **kw: Any) -> Obj:
    labels = {
        "app": "db",
        "controller-revision-hash": revision,
        "statefulset.kubernetes.io/pod-name": f"db-{i}",
    }
    return pod(f"db-{i}", owner=("StatefulSet", "db"), labels=labels, namespace="data", **kw)


def world(sts: Obj, pods: list[Obj], **more: list[Obj]) -> Frames:
    return frames_of(statefulsets=[sts], pods=pods, **more)


CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "all ready": (world(statefulset("db", replicas=3), [member(i) for i in range(3)]), []),
    "its only pod cannot start": (
        world(
            statefulset("db", ready=0),
            [member(0, ready=False, phase="Pending", waiting="CreateContainerConfigError")],
        ),
        [("statefulset.unavailable", "critical", DB)],
    ),
    "one of three crash-loops": (
        world(
            statefulset("db", replicas=3, ready=2),
            [member(0), member(1), member(2, ready=False, waiting="CrashLoopBackOff", restarts=5)],
        ),
        [("statefulset.unavailable", "warning", DB)],
    ),
    "pods just created": (
        world(statefulset("db", replicas=2, ready=0), [member(i, ready=False, age=40) for i in range(2)]),
        [],
    ),
    "rolling update replacing one pod, within its grace": (
        world(
            statefulset(
                "db", replicas=3, ready=2, updated=1, current_revision="db-rev1", update_revision="db-rev2"
            ),
            [member(0), member(1), member(2, "db-rev2", ready=False, age=180)],
        ),
        [],
    ),
    "rolling update whose new pod never becomes ready": (
        world(
            statefulset(
                "db", replicas=3, ready=2, updated=1, current_revision="db-rev1", update_revision="db-rev2"
            ),
            [member(0), member(1), member(2, "db-rev2", ready=False, waiting="CrashLoopBackOff", age=1500)],
        ),
        [("statefulset.update-stuck", "warning", DB)],
    ),
    "OnDelete waits for people to delete pods": (
        world(
            statefulset(
                "db",
                replicas=3,
                updated=0,
                current_revision="db-rev1",
                update_revision="db-rev2",
                strategy="OnDelete",
            ),
            [member(i) for i in range(3)],
        ),
        [],
    ),
    "a partition keeps low ordinals on the old revision": (
        world(
            statefulset(
                "db",
                replicas=3,
                updated=1,
                current_revision="db-rev1",
                update_revision="db-rev2",
                partition=2,
            ),
            [member(0), member(1), member(2, "db-rev2")],
        ),
        [],
    ),
    "governing Service missing": (
        world(
            statefulset("db", service="db-hl"),
            [member(0)],
            services=[service("other", {"app": "x"}, namespace="data")],
        ),
        [("statefulset.service-missing", "warning", DB)],
    ),
    "governing Service present": (
        world(
            statefulset("db", service="db-hl"),
            [member(0)],
            services=[service("db-hl", {"app": "db"}, namespace="data")],
        ),
        [],
    ),
    "Services not pulled: cannot tell": (world(statefulset("db", service="db-hl"), [member(0)]), []),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_pods_waiting_for_claims_name_them() -> None:
    frames = world(
        statefulset("db", replicas=2, ready=0, current=1, claims=["data"]),
        [member(0, ready=False, phase="Pending", node=None, claims=["data-db-0"])],
        pvcs=[pvc("data-db-0"), pvc("data-db-1"), pvc("data-other-0", phase="Bound")],
    )
    (finding,) = analyze(frames)
    assert finding.code == "statefulset.unavailable"
    assert finding.related == (
        ObjectRef("PersistentVolumeClaim", "data", "data-db-0", "uid-data-data-db-0"),
        ObjectRef("PersistentVolumeClaim", "data", "data-db-1", "uid-data-data-db-1"),
    )
    claims = [e.value for e in finding.evidence if e.subject == "claim"]
    assert claims == ["Pending, storage class fast-ssd", "Pending, storage class fast-ssd"]
    absent = next(e.value for e in finding.evidence if e.subject == "pods not created")
    assert absent == "db-1 (OrderedReady: each pod waits for the one before it to be ready)"
    assert "PersistentVolumeClaims" in finding.explanation


def test_stuck_update_evidence() -> None:
    frames, _ = CASES["rolling update whose new pod never becomes ready"]
    (finding,) = analyze(frames)
    assert finding.summary == "StatefulSet data/db update to db-rev2 is stuck: 1 of 3 pods updated"
    assert finding.evidence[1].value == "db-rev1 -> db-rev2"
    assert finding.planners == ()


def test_incident_scenario(scenario: Callable[[str], Frames]) -> None:
    (finding,) = analyze(scenario("incident"))
    assert (finding.code, finding.severity, str(finding.ref)) == (
        "statefulset.unavailable",
        Severity.CRITICAL,
        "StatefulSet data/postgres",
    )
    pod_line = next(e for e in finding.evidence if e.subject == "pod")
    assert str(pod_line.ref) == "Pod data/postgres-0"
    assert pod_line.value.startswith("CreateContainerConfigError, ready 0/1")


def test_healthy_scenario(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []

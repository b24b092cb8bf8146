"""pod.evicted and pod.failed: pods in phase Failed, except a Job's (the Job reports those)."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import Obj, bundle, pod, run, status, summary, terminated
from workbench.analyzers.pods.failed import FailedPods

EXITED = [status(ready=False, state=terminated(1))]

CASES = [
    (
        "evicted",
        [
            pod(
                "web-1",
                phase="Failed",
                reason="Evicted",
                message="The node was low on resource: memory.",
                statuses=[status(ready=False, state=terminated(137, "ContainerStatusUnknown"))],
            )
        ],
        [("pod.evicted", "web-1", "warning")],
    ),
    (
        "a bare pod that failed",
        [pod("task", owner=None, phase="Failed", restart_policy="Never", statuses=EXITED)],
        [("pod.failed", "task", "error")],
    ),
    (
        "a replaced pod rejected at admission",
        [
            pod(
                "web-2",
                phase="Failed",
                reason="OutOfcpu",
                message="Pod Node didn't have enough resource: cpu",
                statuses=[],
            )
        ],
        [("pod.failed", "web-2", "warning")],
    ),
    (
        "a Job's failed pod",
        [pod("export-x", owner=("Job", "export"), phase="Failed", restart_policy="Never", statuses=EXITED)],
        [],
    ),
    (
        "a Job's completed pod",
        [
            pod(
                "export-y",
                owner=("Job", "export"),
                phase="Succeeded",
                restart_policy="Never",
                statuses=[status(ready=False, state=terminated(0, "Completed"))],
            )
        ],
        [],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_failed_pods(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(FailedPods, bundle(*objects))) == expected


def test_evicted_evidence_and_related_node() -> None:
    p = pod(
        "web-1",
        phase="Failed",
        reason="Evicted",
        message="The node was low on resource: memory.",
        statuses=[],
    )
    (finding,) = run(FailedPods, bundle(p))
    assert [(e.subject, e.value) for e in finding.evidence] == [
        ("status.phase", "Failed"),
        ("status.reason", "Evicted"),
        ("status.message", "The node was low on resource: memory."),
    ]
    assert [str(r) for r in finding.related] == ["Node node-1"]


def test_lab_one_off_task_and_failed_job_scenario(scenario: Pull) -> None:
    findings = [
        f for f in run(FailedPods, scenario("healthy", manifest="lab", logs=True)) if f.ref.namespace == "lab"
    ]
    assert summary(findings) == [("pod.failed", "one-off", "error")]
    assert "container task exited 2" in findings[0].summary
    assert ("log task", "fatal: cannot open /data/input.csv") in [
        (e.subject, e.value) for e in findings[0].evidence
    ]
    assert run(FailedPods, scenario("failed-job")) == []

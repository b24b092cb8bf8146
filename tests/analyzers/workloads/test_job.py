"""The job analyzer: failed Jobs with their pods' exit codes, Jobs stuck without a ready pod — and no
false alarms on completed Jobs (even with failed retries), suspended Jobs, or a live CronJob's runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.workloads.objects import Obj, cronjob, found, frames_of, job, pod
from workbench.analyzers.workloads.job import JobAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, Severity

EXPORT = "Job batch/export"


def analyze(frames: Frames) -> list[Finding]:
    return sorted(JobAnalyzer().analyze(frames), key=Finding.sort_key)


def run_pod(name: str, job_name: str = "export", **kw: Any) -> Obj:
    return pod(name, owner=("Job", job_name), labels={"job-name": job_name}, namespace="batch", **kw)


def failed_pods(n: int, code: int = 1, reason: str = "Error", job_name: str = "export") -> list[Obj]:
    return [
        run_pod(
            f"{job_name}-{i}",
            job_name,
            ready=False,
            phase="Failed",
            terminated=(reason, code),
            age=600 - i * 60,
        )
        for i in range(n)
    ]


CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "completed": (
        frames_of(jobs=[job("export")], pods=[run_pod("export-0", phase="Succeeded", ready=False)]),
        [],
    ),
    "completed after failed retries": (
        frames_of(
            jobs=[job("export", failed=2)],
            pods=[*failed_pods(2), run_pod("export-9", phase="Succeeded", ready=False)],
        ),
        [],
    ),
    "backoff limit exceeded": (
        frames_of(
            jobs=[job("export", status="Failed", reason="BackoffLimitExceeded", failed=4, backoff_limit=3)],
            pods=failed_pods(4),
        ),
        [("job.failed", "error", EXPORT)],
    ),
    "deadline exceeded": (
        frames_of(
            jobs=[job("export", status="Failed", reason="DeadlineExceeded", failed=1, deadline=300)],
            pods=failed_pods(1, 137, "Error"),
        ),
        [("job.failed", "error", EXPORT)],
    ),
    "a live CronJob's failed run is the CronJob's to report": (
        frames_of(
            jobs=[job("backup-1", status="Failed", reason="BackoffLimitExceeded", failed=2, owner="backup")],
            cronjobs=[cronjob("backup")],
        ),
        [],
    ),
    "a live CronJob's stuck run is reported": (
        frames_of(
            jobs=[job("backup-1", status="Running", active=1, ready=0, started_ago=3600, owner="backup")],
            cronjobs=[cronjob("backup")],
            pods=[run_pod("backup-1-x", "backup-1", ready=False, phase="Pending", node=None, age=3600)],
        ),
        [("job.stuck", "warning", "Job batch/backup-1")],
    ),
    "an orphaned CronJob run is reported": (
        frames_of(
            jobs=[job("backup-1", status="Failed", reason="BackoffLimitExceeded", failed=2, owner="gone")],
            cronjobs=[],
        ),
        [("job.failed", "error", "Job batch/backup-1")],
    ),
    "running for long with no ready pod": (
        frames_of(
            jobs=[job("export", status="Running", active=1, ready=0, started_ago=3600)],
            pods=[run_pod("export-0", ready=False, phase="Pending", node=None, age=3600)],
        ),
        [("job.stuck", "warning", EXPORT)],
    ),
    "running for long with a ready pod": (
        frames_of(
            jobs=[job("export", status="Running", active=1, ready=1, started_ago=36000)],
            pods=[run_pod("export-0")],
        ),
        [],
    ),
    "running for a few minutes": (
        frames_of(
            jobs=[job("export", status="Running", active=1, ready=0, started_ago=300)],
            pods=[run_pod("export-0", ready=False, phase="Pending", node=None, age=300)],
        ),
        [],
    ),
    "older cluster without status.ready: counted from the pods": (
        frames_of(
            jobs=[job("export", status="Running", active=1, started_ago=3600)],
            pods=[run_pod("export-0", ready=False, waiting="CrashLoopBackOff", age=3600)],
        ),
        [("job.stuck", "warning", EXPORT)],
    ),
    "suspended": (frames_of(jobs=[job("export", status="Running", suspend=True, started_ago=36000)]), []),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_failed_job_evidence_has_exit_codes_of_its_pods() -> None:
    frames, _ = CASES["backoff limit exceeded"]
    (finding,) = analyze(frames)
    assert [(e.subject, e.value) for e in finding.evidence] == [
        ("Failed", "BackoffLimitExceeded: Job has reached the specified backoff limit"),
        ("status.failed", "4 failed pods, 0 succeeded; backoffLimit 3"),
        ("container app", "exited 1 (Error) in 4 pods: the program reported an error"),
    ]
    assert str(finding.evidence[2].ref) == "Pod batch/export-3"  # the youngest: the latest to finish
    assert finding.summary == "Job batch/export failed: BackoffLimitExceeded (4 failed pods)"
    assert "kubectl logs job/export" in finding.explanation
    assert finding.planners == ()


def test_oom_killed_runs_suggest_more_memory() -> None:
    frames = frames_of(
        jobs=[job("export", status="Failed", reason="BackoffLimitExceeded", failed=2)],
        pods=failed_pods(2, 137, "OOMKilled"),
    )
    (finding,) = analyze(frames)
    assert finding.evidence[2].value == "exited 137 (OOMKilled) in 2 pods: out of memory"
    assert finding.planners == ("raise-memory-limit",)


def test_deadline_evidence() -> None:
    frames, _ = CASES["deadline exceeded"]
    (finding,) = analyze(frames)
    assert finding.evidence[1].subject == "spec.activeDeadlineSeconds"
    assert finding.evidence[1].value == "300.0"
    assert "activeDeadlineSeconds" in finding.explanation


def test_failed_job_scenario(scenario: Callable[[str], Frames]) -> None:
    (finding,) = analyze(scenario("failed-job"))
    assert (finding.code, finding.severity, str(finding.ref)) == (
        "job.failed",
        Severity.ERROR,
        "Job finance/ledger-export",
    )
    exits = next(e for e in finding.evidence if e.subject == "container export")
    assert exits.value == "exited 1 (Error) in 4 pods: the program reported an error"
    assert any(e.subject == "event BackoffLimitExceeded" for e in finding.evidence)


def test_cronjob_runs_are_left_to_the_cronjob_analyzer(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("cronjob-failing")) == []
    assert analyze(scenario("healthy")) == []

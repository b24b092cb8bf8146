"""The cronjob analyzer: failing runs, invalid or unsupported schedules, missed runs, suspended
CronJobs — and no false alarms on a CronJob whose latest run succeeded or whose next run is not due."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.analyzers.workloads.conftest import pull_with
from tests.analyzers.workloads.objects import cronjob, found, frames_of, job, pod
from workbench.analyzers.workloads.cronjob import CronJobAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

BACKUP = "CronJob batch/backup"


def analyze(frames: Frames) -> list[Finding]:
    return sorted(CronJobAnalyzer().analyze(frames), key=Finding.sort_key)


def run(n: int, status: str, ago: float, **kw: Any) -> dict[str, Any]:
    """Run ``n`` of CronJob backup, scheduled ``ago`` seconds before now."""
    reason = "BackoffLimitExceeded" if status == "Failed" else ""
    return job(
        f"backup-{n}", status=status, reason=reason, owner="backup", scheduled_ago=ago, started_ago=ago, **kw
    )


CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "every run fails": (
        frames_of(
            cronjobs=[cronjob("backup", last_schedule_ago=120)],
            jobs=[run(1, "Failed", 720), run(2, "Failed", 420), run(3, "Failed", 120)],
        ),
        [("cronjob.failing", "error", BACKUP)],
    ),
    "the latest run succeeded": (
        frames_of(
            cronjobs=[cronjob("backup", last_schedule_ago=120, last_successful_ago=60)],
            jobs=[run(1, "Failed", 420), run(2, "Complete", 120)],
        ),
        [],
    ),
    "a success the history no longer lists came after the failure": (
        frames_of(
            cronjobs=[cronjob("backup", last_schedule_ago=120, last_successful_ago=60)],
            jobs=[run(1, "Failed", 420)],
        ),
        [],
    ),
    "a run in progress after a failure": (
        frames_of(
            cronjobs=[cronjob("backup", last_schedule_ago=20, active=["backup-2"])],
            jobs=[run(1, "Failed", 320), run(2, "Running", 20, active=1, ready=1)],
        ),
        [("cronjob.failing", "error", BACKUP)],
    ),
    "suspended": (
        frames_of(
            cronjobs=[cronjob("backup", schedule="@hourly", suspend=True, last_schedule_ago=86400)], jobs=[]
        ),
        [("cronjob.suspended", "info", BACKUP)],
    ),
    "invalid schedule": (
        frames_of(cronjobs=[cronjob("backup", schedule="0 0 * * 7")], jobs=[]),
        [("cronjob.invalid-schedule", "error", BACKUP)],
    ),
    "a date that never exists": (
        frames_of(cronjobs=[cronjob("backup", schedule="0 0 30 2 *", last_schedule_ago=None)], jobs=[]),
        [("cronjob.invalid-schedule", "error", BACKUP)],
    ),
    "legacy TZ prefix": (
        frames_of(cronjobs=[cronjob("backup", schedule="TZ=UTC */5 * * * *")], jobs=[]),
        [("cronjob.invalid-schedule", "warning", BACKUP)],
    ),
    "hourly, last run four hours ago": (
        frames_of(cronjobs=[cronjob("backup", schedule="0 * * * *", last_schedule_ago=4 * 3600)], jobs=[]),
        [("cronjob.missed", "warning", BACKUP)],
    ),
    "every five minutes, last run two minutes ago": (
        frames_of(cronjobs=[cronjob("backup", last_schedule_ago=120)], jobs=[]),
        [],
    ),
    "a run a little late is within the grace": (
        frames_of(cronjobs=[cronjob("backup", schedule="58 * * * *", last_schedule_ago=3720)], jobs=[]),
        [],
    ),
    "never scheduled since it was created a day ago": (
        frames_of(
            cronjobs=[cronjob("backup", schedule="@hourly", last_schedule_ago=None, age=86400)], jobs=[]
        ),
        [("cronjob.missed", "warning", BACKUP)],
    ),
    "created ten minutes ago with a daily schedule": (
        frames_of(cronjobs=[cronjob("backup", schedule="@daily", last_schedule_ago=None, age=600)], jobs=[]),
        [],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_failing_evidence_lists_runs_and_exit_codes() -> None:
    frames = frames_of(
        cronjobs=[cronjob("backup", last_schedule_ago=120)],
        jobs=[run(1, "Failed", 720), run(2, "Failed", 420), run(3, "Failed", 120)],
        pods=[
            pod(
                "backup-3-x",
                owner=("Job", "backup-3"),
                namespace="batch",
                ready=False,
                phase="Failed",
                terminated=("Error", 2),
            )
        ],
    )
    (finding,) = analyze(frames)
    values = [(e.subject, e.value) for e in finding.evidence]
    assert values == [
        ("status.lastSuccessfulTime", "never"),
        (
            "recent runs, newest first",
            "backup-3 Failed (BackoffLimitExceeded), backup-2 Failed (BackoffLimitExceeded), "
            "backup-1 Failed (BackoffLimitExceeded)",
        ),
        ("container app", "exited 2 (Error) in 1 pod: the program was misused (bad arguments)"),
    ]
    assert [r.name for r in finding.related] == ["backup-3", "backup-2", "backup-1"]
    assert finding.summary == "CronJob batch/backup: the last 3 runs failed, none succeeded"
    assert "kubectl create job --from=cronjob/backup" in finding.explanation


def test_missed_counts_runs_and_blames_an_active_run_under_forbid() -> None:
    frames = frames_of(
        cronjobs=[
            cronjob(
                "backup",
                schedule="0 * * * *",
                last_schedule_ago=4 * 3600,
                concurrency="Forbid",
                active=["backup-7"],
            )
        ],
        jobs=[],
    )
    (finding,) = analyze(frames)
    assert finding.summary == "CronJob batch/backup missed 3 scheduled runs"
    assert "concurrencyPolicy is Forbid" in finding.explanation
    assert finding.related == (ObjectRef("Job", "batch", "backup-7"),)
    first = next(e.value for e in finding.evidence if e.subject == "first missed run")
    assert first == "2026-11-28 09:00 UTC (3h ago)"


@pytest.mark.skipif(not zoneinfo.available_timezones(), reason="no time zone database on this machine")
def test_unknown_time_zone_is_invalid() -> None:
    (finding,) = analyze(frames_of(cronjobs=[cronjob("backup", time_zone="Mars/Olympus")], jobs=[]))
    assert finding.code == "cronjob.invalid-schedule"
    assert (
        finding.evidence[1].value
        == "spec.timeZone 'Mars/Olympus' is not a known time zone (like Europe/Berlin)"
    )


def test_cronjob_failing_scenario(scenario: Callable[[str], Frames]) -> None:
    (finding,) = analyze(scenario("cronjob-failing"))
    assert (finding.code, finding.severity, str(finding.ref)) == (
        "cronjob.failing",
        Severity.ERROR,
        "CronJob backups/db-backup",
    )
    assert finding.evidence[0].value == "never"
    assert all(r.kind == "Job" for r in finding.related)
    assert len(finding.related) == 3
    assert any(
        e.subject == "container pg-backup" and e.value.startswith("exited 1") for e in finding.evidence
    )


def test_sandbox_suspended_and_invalid(tmp_path: Path) -> None:
    template = """apiVersion: batch/v1
kind: CronJob
metadata: {{name: {name}, namespace: default}}
spec:
  schedule: "{schedule}"
  suspend: {suspend}
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: report, image: "busybox:1.36"}}]
"""
    frames = pull_with(
        [
            template.format(name="broken", schedule="61 * * * *", suspend="false"),
            template.format(name="paused", schedule="@hourly", suspend="true"),
        ],
        tmp_path,
    )
    assert found(analyze(frames)) == [
        ("cronjob.invalid-schedule", "error", "CronJob default/broken"),
        ("cronjob.suspended", "info", "CronJob default/paused"),
    ]

"""pod.log-errors: fatal or repeated error lines of a running pod nothing else reports."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import bundle, log_text, pod, run, status, summary, terminated, waiting
from workbench.analyzers.pods.crashloop import CrashLoop
from workbench.analyzers.pods.logs import LogErrors

RESTARTED_LONG_AGO = [status(restarts=1, last=terminated(2, started=9000, finished=8000))]


@pytest.mark.parametrize(
    ("lines", "previous", "expected"),
    [
        (
            ["serving", "panic: runtime error: invalid memory address or nil pointer dereference"],
            True,
            [("pod.log-errors", "api-1", "warning")],
        ),
        (
            ["Traceback (most recent call last):", '  File "app.py", line 3'],
            True,
            [("pod.log-errors", "api-1", "warning")],
        ),
        (['{"level":"error","msg":"upstream timeout"}'] * 2, False, []),
        (
            [
                '{"level":"error","msg":"upstream timeout"}',
                '{"level":"error","msg":"upstream reset"}',
                "ERROR retry 3 failed",
            ],
            False,
            [("pod.log-errors", "api-1", "warning")],
        ),
        (["INFO ready", "INFO GET /healthz 200"], False, []),
    ],
)
def test_log_errors_of_a_pod_nothing_else_reports(
    lines: list[str], previous: bool, expected: list[tuple[str, str, str]]
) -> None:
    frames = bundle(
        pod("api-1", statuses=RESTARTED_LONG_AGO), logs=[("shop", "api-1", "app", previous, log_text(*lines))]
    )
    findings = run(LogErrors, frames)
    assert summary(findings) == expected
    if expected:
        assert findings[0].evidence
        assert all(e.kind == "log" for e in findings[0].evidence)


def test_a_failing_pod_gets_its_lines_as_evidence_not_a_second_finding() -> None:
    crashing = pod(
        "api-1",
        statuses=[status(ready=False, restarts=5, state=waiting("CrashLoopBackOff"), last=terminated(2))],
    )
    logs = [("shop", "api-1", "app", True, log_text("panic: boom"))]
    frames = bundle(crashing, logs=logs)
    assert run(LogErrors, frames) == []
    (crash,) = run(CrashLoop, frames)
    assert ("log app (previous)", "panic: boom") in [(e.subject, e.value) for e in crash.evidence]


def test_finished_job_pods_are_the_jobs_business() -> None:
    done = pod(
        "export-x",
        owner=("Job", "export"),
        phase="Failed",
        restart_policy="Never",
        statuses=[status(ready=False, state=terminated(1))],
    )
    assert (
        run(LogErrors, bundle(done, logs=[("shop", "export-x", "app", False, log_text("FATAL disk full"))]))
        == []
    )


def test_scenarios_with_logs_add_no_log_findings(scenario: Pull) -> None:
    for name in ("crashloop", "cronjob-failing", "dns-down"):
        assert run(LogErrors, scenario(name, logs=True)) == [], name

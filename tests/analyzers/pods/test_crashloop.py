"""pod.crashloop: crash-looping containers, exit-code analysis, and the cases that are not crash loops."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import (
    Obj,
    bundle,
    container,
    event,
    log_text,
    pod,
    run,
    running,
    status,
    summary,
    terminated,
    waiting,
)
from workbench.analyzers.pods.crashloop import CrashLoop

BACKOFF = waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=app")


def crashing(
    name: str = "web-7d9f8c6b5-abcde", *, exit_code: int = 1, reason: str = "Error", **kw: object
) -> Obj:
    return pod(
        name,
        statuses=[status(ready=False, restarts=6, state=BACKOFF, last=terminated(exit_code, reason))],
        ready_since=900,
        **kw,  # type: ignore[arg-type]
    )


CASES = [
    ("back-off after exit 1", [crashing()], [("pod.crashloop", "web-7d9f8c6b5-abcde", "error")]),
    (
        "exit 0 under restartPolicy Always still loops",
        [crashing(exit_code=0, reason="Completed")],
        [("pod.crashloop", "web-7d9f8c6b5-abcde", "error")],
    ),
    (
        "up now, but 5 restarts within the hour",
        [pod("web-1", statuses=[status(restarts=5, state=running(300), last=terminated(1, finished=400))])],
        [("pod.crashloop", "web-1", "warning")],
    ),
    (
        "up now, last crash 3 hours ago",
        [
            pod(
                "web-1",
                statuses=[
                    status(
                        restarts=5, state=running(10000), last=terminated(1, started=11000, finished=10800)
                    )
                ],
            )
        ],
        [],
    ),
    ("up now, only 2 recent restarts", [pod("web-1", statuses=[status(restarts=2, last=terminated(1))])], []),
    ("OOMKilled is pod.oomkilled's", [crashing(exit_code=137, reason="OOMKilled")], []),
    ("being deleted", [crashing(deleted=-20)], []),
    (
        "a completed Job pod",
        [
            pod(
                "export-x1",
                owner=("Job", "export"),
                phase="Succeeded",
                restart_policy="Never",
                statuses=[status(ready=False, state=terminated(0, "Completed"))],
            )
        ],
        [],
    ),
    (
        "a completed init container is not the crash",
        [
            pod(
                "web-2",
                init=[container("setup")],
                init_statuses=[
                    status(
                        "setup", ready=False, state=terminated(0, "Completed", started=3500, finished=3490)
                    )
                ],
                statuses=[status(ready=False, restarts=4, state=BACKOFF, last=terminated(2))],
            )
        ],
        [("pod.crashloop", "web-2", "error")],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_crash_loops_are_found_and_nothing_else(
    objects: list[Obj], expected: list[tuple[str, str, str]]
) -> None:
    assert summary(run(CrashLoop, bundle(*objects))) == expected


@pytest.mark.parametrize(
    ("exit_code", "meaning", "planner"),
    [
        (1, "application error", "rollout-undo"),
        (127, "command not found", "set-image"),
        (126, "cannot be executed", "set-image"),
        (137, "killed (SIGKILL)", "raise-memory-limit"),
        (139, "segmentation fault", "rollout-undo"),
        (143, "terminated (SIGTERM)", "rollout-undo"),
    ],
)
def test_exit_code_analysis_names_the_likely_cause(exit_code: int, meaning: str, planner: str) -> None:
    (finding,) = run(CrashLoop, bundle(crashing(exit_code=exit_code)))
    assert f"exit code {exit_code}" in finding.summary
    last = next(e for e in finding.evidence if e.subject.endswith("lastState.terminated"))
    assert meaning in last.value
    assert meaning in finding.explanation
    assert finding.planners[0] == planner
    assert [str(r) for r in finding.related] == ["Node node-1"]
    assert finding.docs_url.startswith("https://kubernetes.io/docs/")


def test_evidence_has_the_backoff_event_and_the_previous_runs_error_lines() -> None:
    p = crashing()
    logs = [
        (
            "shop",
            "web-7d9f8c6b5-abcde",
            "app",
            True,
            log_text("starting", "connected", "FATAL: config key db.url missing"),
        ),
        ("shop", "web-7d9f8c6b5-abcde", "app", False, log_text("starting")),
    ]
    frames = bundle(p, event(p, "BackOff", "Back-off restarting failed container app", count=40), logs=logs)
    (finding,) = run(CrashLoop, frames)
    subjects = [e.subject for e in finding.evidence]
    assert "event BackOff (x40)" in subjects
    log = [e for e in finding.evidence if e.kind == "log"]
    assert [(e.subject, e.value) for e in log] == [("log app (previous)", "FATAL: config key db.url missing")]


def test_a_dns_failure_in_the_log_makes_it_pod_dns_failures() -> None:
    logs = [
        (
            "shop",
            "web-7d9f8c6b5-abcde",
            "app",
            True,
            log_text("dial tcp: lookup db on 10.96.0.10:53: no such host"),
        )
    ]
    assert run(CrashLoop, bundle(crashing(), logs=logs)) == []


def test_liveness_kills_make_it_pod_liveness_restarts() -> None:
    p = crashing(exit_code=137)
    kill = event(
        p, "Killing", "Container app failed liveness probe, will be restarted", type="Normal", count=6
    )
    assert run(CrashLoop, bundle(p, kill)) == []


def test_crashloop_scenario(scenario: Pull) -> None:
    findings = run(CrashLoop, scenario("crashloop"))
    assert [(f.code, f.ref.namespace, f.ref.name.rsplit("-", 2)[0], str(f.severity)) for f in findings] == [
        ("pod.crashloop", "billing", "invoice-api", "error")
    ] * 2
    assert all("exit code 1" in f.summary for f in findings)


def test_crashloop_scenario_with_logs_quotes_the_missing_variable(scenario: Pull) -> None:
    findings = run(CrashLoop, scenario("crashloop", logs=True))
    assert len(findings) == 2
    for f in findings:
        assert any(e.kind == "log" and "DATABASE_URL is not set" in e.value for e in f.evidence)


def test_bad_command_in_the_lab_exits_127(scenario: Pull) -> None:
    findings = [f for f in run(CrashLoop, scenario("healthy", manifest="lab")) if f.ref.namespace == "lab"]
    assert summary(findings) == [("pod.crashloop", "bad-command", "error")]
    assert "exit code 127" in findings[0].summary
    assert findings[0].planners[0] == "set-image"

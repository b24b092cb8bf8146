"""pod.init-failing: init containers that keep failing; ones that completed or still run are fine."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import (
    Obj,
    bundle,
    container,
    log_text,
    pod,
    run,
    running,
    status,
    summary,
    terminated,
    waiting,
)
from workbench.analyzers.pods.init_containers import InitFailing

APP_WAITING = [status(ready=False, state=waiting("PodInitializing"))]


def initializing(init_status: Obj, *, name: str = "report-1") -> Obj:
    return pod(
        name, phase="Pending", init=[container("migrate")], init_statuses=[init_status], statuses=APP_WAITING
    )


CASES = [
    (
        "Init:CrashLoopBackOff",
        [
            initializing(
                status(
                    "migrate", ready=False, restarts=4, state=waiting("CrashLoopBackOff"), last=terminated(3)
                )
            )
        ],
        [("pod.init-failing", "report-1", "error")],
    ),
    (
        "Init:Error, about to be retried",
        [initializing(status("migrate", ready=False, restarts=1, state=terminated(1)))],
        [("pod.init-failing", "report-1", "error")],
    ),
    (
        "completed",
        [
            pod(
                "report-1",
                init=[container("migrate")],
                init_statuses=[
                    status(
                        "migrate", ready=False, state=terminated(0, "Completed", started=3500, finished=3400)
                    )
                ],
            )
        ],
        [],
    ),
    ("still running", [initializing(status("migrate", ready=False, state=running(30)))], []),
    (
        "retried once, then completed",
        [
            pod(
                "report-1",
                init=[container("migrate")],
                init_statuses=[
                    status(
                        "migrate",
                        ready=False,
                        restarts=1,
                        state=terminated(0, "Completed"),
                        last=terminated(1, started=300, finished=250),
                    )
                ],
            )
        ],
        [],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_init_containers(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(InitFailing, bundle(*objects))) == expected


def test_evidence_names_the_init_container_and_quotes_its_log() -> None:
    p = initializing(
        status("migrate", ready=False, restarts=4, state=waiting("CrashLoopBackOff"), last=terminated(3))
    )
    logs = [
        (
            "shop",
            "report-1",
            "migrate",
            True,
            log_text("running migrations", "ERROR: relation users does not exist"),
        )
    ]
    (finding,) = run(InitFailing, bundle(p, logs=logs))
    assert "init container migrate keeps failing (exit code 3, 4 restarts)" in finding.summary
    assert finding.evidence[0].subject == "status.initContainerStatuses[migrate].state.waiting.reason"
    assert finding.evidence[-1].value == "ERROR: relation users does not exist"


def test_lab_migration_fails(scenario: Pull) -> None:
    findings = [f for f in run(InitFailing, scenario("healthy", manifest="lab")) if f.ref.namespace == "lab"]
    assert [(f.code, f.ref.name.rsplit("-", 2)[0], str(f.severity)) for f in findings] == [
        ("pod.init-failing", "report", "error")
    ]
    assert "exit code 3" in findings[0].summary

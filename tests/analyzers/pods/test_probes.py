"""pod.readiness-failing and pod.liveness-restarts: probe failures read from the kubelet's events."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import (
    Obj,
    bundle,
    container,
    event,
    node,
    pod,
    run,
    running,
    status,
    summary,
    terminated,
    waiting,
)
from workbench.analyzers.pods.liveness import LivenessRestarts
from workbench.analyzers.pods.readiness import ReadinessFailing

NOT_READY = [status(ready=False, state=running(1200))]


def unready(name: str = "web-1", *, since: float = 600, node_name: str = "node-1") -> Obj:
    return pod(
        name, containers=[container(readiness=True)], statuses=NOT_READY, ready_since=since, node=node_name
    )


def readiness_event(
    p: Obj,
    message: str = "Readiness probe failed: HTTP probe failed with statuscode: 404",
    *,
    last: float = 20,
) -> Obj:
    return event(p, "Unhealthy", message, count=40, last=last)


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param(
            [p := unready(), readiness_event(p)],
            [("pod.readiness-failing", "web-1", "error")],
            id="failing for 10 minutes",
        ),
        pytest.param([p := unready(since=60), readiness_event(p)], [], id="a minute: still starting"),
        pytest.param([p := pod("web-1"), readiness_event(p, last=2000)], [], id="ready again"),
        pytest.param(
            [p := unready(node_name="node-9"), readiness_event(p), node("node-9", ready=False)],
            [],
            id="on a node that is down",
        ),
        pytest.param(
            [p := unready(), readiness_event(p, last=1500)], [], id="failures from before it turned unready"
        ),
    ],
)
def test_readiness_failing(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(ReadinessFailing, bundle(*objects))) == expected


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("HTTP probe failed with statuscode: 404", "path does not exist"),
        ("HTTP probe failed with statuscode: 503", "often because a dependency is down"),
        (
            'Get "http://10.0.0.5:8080/healthz": dial tcp 10.0.0.5:8080: connect: connection refused',
            "nothing listens",
        ),
        (
            'Get "http://10.0.0.5:8080/healthz": context deadline exceeded (Client.Timeout exceeded)',
            "timeoutSeconds",
        ),
    ],
)
def test_readiness_explanation_reads_the_failure(message: str, cause: str) -> None:
    p = unready()
    (finding,) = run(ReadinessFailing, bundle(p, readiness_event(p, f"Readiness probe failed: {message}")))
    assert cause in finding.explanation
    assert finding.summary.endswith(f"not ready for 10m, readiness probe failing ({message})")
    facts = {e.subject: e.value for e in finding.evidence}
    assert facts["Ready=False"] == "ContainersNotReady since 2026-05-01T11:50:00Z (10m)"
    assert facts["spec.containers[app].readinessProbe"].startswith("http-get http://:8080/healthz")


BACKOFF = waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=app")


def killed(p: Obj, container_name: str = "app", probe: str = "liveness", *, last: float = 60) -> Obj:
    return event(
        p,
        "Killing",
        f"Container {container_name} failed {probe} probe, will be restarted",
        type="Normal",
        count=6,
        last=last,
    )


def test_liveness_kills_are_not_a_plain_crash_loop() -> None:
    p = pod(
        "api-1",
        containers=[container(liveness=True)],
        statuses=[status(ready=False, restarts=6, state=BACKOFF, last=terminated(137))],
    )
    unhealthy = event(
        p,
        "Unhealthy",
        'Liveness probe failed: Get "http://10.0.0.5:8080/healthz": connection refused',
        count=18,
    )
    (finding,) = run(LivenessRestarts, bundle(p, killed(p), unhealthy))
    assert (finding.code, str(finding.severity)) == ("pod.liveness-restarts", "error")
    assert finding.summary.endswith("container app restarted 6 times by its failing liveness probe")
    subjects = [e.subject for e in finding.evidence]
    assert "event Killing (x6)" in subjects
    assert "event Unhealthy (x18)" in subjects
    assert "spec.containers[app].livenessProbe" in subjects
    assert finding.planners == ("fix-probe", "rollout-undo")


def test_startup_probe_kills_count_too() -> None:
    p = pod("api-1", statuses=[status(ready=False, restarts=3, state=BACKOFF, last=terminated(137))])
    (finding,) = run(LivenessRestarts, bundle(p, killed(p, probe="startup")))
    assert "failing startup probe" in finding.summary


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param(
            [
                p := pod("api-1", statuses=[status(restarts=2, last=terminated(137, finished=700))]),
                killed(p, last=700),
            ],
            [("pod.liveness-restarts", "api-1", "warning")],
            id="up again after recent kills",
        ),
        pytest.param(
            [
                p := pod(
                    "api-1", statuses=[status(ready=False, restarts=6, state=BACKOFF, last=terminated(1))]
                ),
                killed(p, "sidecar"),
            ],
            [],
            id="another container was killed",
        ),
        pytest.param(
            [
                p := pod(
                    "api-1", statuses=[status(restarts=2, last=terminated(137, started=8000, finished=7300))]
                ),
                killed(p, last=7300),
            ],
            [],
            id="kills hours ago",
        ),
    ],
)
def test_liveness_cases(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(LivenessRestarts, bundle(*objects))) == expected


def test_readiness_probe_scenario(scenario: Pull) -> None:
    findings = run(ReadinessFailing, scenario("readiness-probe"))
    assert [(f.ref.namespace, f.ref.name.rsplit("-", 2)[0], str(f.severity)) for f in findings] == [
        ("web", "shop-web", "error")
    ] * 2
    assert all("statuscode: 404" in f.summary and "path does not exist" in f.explanation for f in findings)


def test_liveness_restarts_scenario(scenario: Pull) -> None:
    findings = run(LivenessRestarts, scenario("liveness-restarts"))
    assert [(f.ref.namespace, f.ref.name.rsplit("-", 2)[0], str(f.severity)) for f in findings] == [
        ("search", "search-api", "error")
    ] * 2
    assert all("failing liveness probe" in f.summary for f in findings)

"""fix-probe: a startup probe for a container killed before it starts; the readiness path its log names."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.objects import (
    container,
    event,
    log_text,
    node,
    pod,
    running,
    status,
    terminated,
    waiting,
)
from tests.remediation.planners.objects import bundle, deployment, finding_of, replicaset
from workbench.frames import Frames
from workbench.model import Investigation, Plan
from workbench.remediation.planners import _probes, propose


@pytest.mark.parametrize(
    ("summary", "probe"),
    [
        (
            "http-get http://:http/actuator/health delay=15s timeout=1s period=10s #success=1 #failure=3",
            {"httpGet": {"path": "/actuator/health", "port": "http", "scheme": "HTTP"}},
        ),
        (
            "http-get https://10.0.0.5:8443/ delay=0s timeout=1s period=10s #success=1 #failure=3",
            {"httpGet": {"path": "/", "port": 8443, "scheme": "HTTPS", "host": "10.0.0.5"}},
        ),
        (
            "tcp-socket :5432 delay=0s timeout=1s period=10s #success=1 #failure=3",
            {"tcpSocket": {"port": 5432}},
        ),
        (
            "grpc <pod>:9090 health delay=0s timeout=1s period=10s #success=1 #failure=3",
            {"grpc": {"port": 9090, "service": "health"}},
        ),
    ],
)
def test_a_probe_summary_becomes_a_probe_object_again(summary: str, probe: dict[str, object]) -> None:
    parsed = _probes.parse(summary)
    assert parsed is not None
    assert _probes.handler(parsed) == probe
    assert (parsed["periodSeconds"], parsed["failureThreshold"]) == (10, 3)


def test_an_exec_probe_is_not_rebuilt_from_its_summary() -> None:
    assert (
        _probes.parse("exec [sh -c pg_isready -U app] delay=0s timeout=1s period=10s #success=1 #failure=3")
        is None
    )


def killed_by_liveness(*, started: float, finished: float) -> Frames:
    p = pod(
        "web-7d9f8c6b5-a1",
        containers=[container(liveness=True)],
        statuses=[
            status(
                ready=False,
                restarts=6,
                state=waiting("CrashLoopBackOff"),
                last=terminated(137, started=started, finished=finished),
            )
        ],
    )
    kills = event(
        p, "Killing", "Container app failed liveness probe, will be restarted", type="Normal", count=6
    )
    refused = event(
        p,
        "Unhealthy",
        'Liveness probe failed: Get "http://10.0.0.5:8080/healthz": connection refused',
        count=18,
    )
    return bundle(deployment("web"), replicaset("web-7d9f8c6b5", "web"), p, kills, refused, node("node-1"))


def test_a_container_killed_before_it_started_gets_a_startup_probe_covering_three_times_that() -> None:
    frames = killed_by_liveness(started=100, finished=55)  # ran 45s; the liveness probe allows 15 + 3 x 10
    plan = propose(finding_of(frames, "pod.liveness-restarts"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target)) == ("set-probe", "Deployment shop/web")
    assert dict(step.params) == {
        "container": "app",
        "probe": "startup",
        "settings": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 14,
        },
    }


def test_a_container_that_ran_long_before_its_kills_is_unhealthy_not_slow() -> None:
    frames = killed_by_liveness(started=4000, finished=55)
    look = propose(finding_of(frames, "pod.liveness-restarts"), frames)
    assert isinstance(look, Investigation)
    assert look.checks[0].startswith("Container app ran 3945s before a kill")


def unready(*log_lines: str) -> Frames:
    p = pod(
        "web-7d9f8c6b5-a1",
        containers=[container(readiness=True)],
        statuses=[status(ready=False, state=running(1200))],
        ready_since=600,
    )
    failing = event(
        p, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404", count=40, last=20
    )
    logs = [("shop", "web-7d9f8c6b5-a1", "app", False, log_text(*log_lines))]
    return bundle(
        deployment("web"), replicaset("web-7d9f8c6b5", "web"), p, failing, node("node-1"), logs=logs
    )


def test_a_readiness_path_answering_404_moves_to_the_one_close_path_the_log_names() -> None:
    frames = unready("listening on :8080 (liveness: /livez, readiness: /health)")
    plan = propose(finding_of(frames, "pod.readiness-failing"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert dict(step.params) == {
        "container": "app",
        "probe": "readiness",
        "settings": {
            "httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
            "initialDelaySeconds": 0,
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
    }


def test_two_close_paths_in_the_log_get_an_investigation() -> None:
    frames = unready("health endpoints: /health and /healthz/ready")
    look = propose(finding_of(frames, "pod.readiness-failing"), frames)
    assert isinstance(look, Investigation)
    assert any("Its log names several close paths (/health, /healthz/ready)" in c for c in look.checks)

"""pod.oomkilled: containers killed for their memory limit, with the limit and the usage."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import (
    Obj,
    bundle,
    container,
    pod,
    pod_metrics,
    run,
    running,
    status,
    summary,
    terminated,
    waiting,
)
from workbench.analyzers.pods.oomkilled import OomKilled

BACKOFF = waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=app")
OOM = terminated(137, "OOMKilled")

CASES = [
    (
        "crash-looping on OOM",
        [pod("api-1", statuses=[status(ready=False, restarts=5, state=BACKOFF, last=OOM)])],
        [("pod.oomkilled", "api-1", "error")],
    ),
    (
        "up again after an OOM kill 10 minutes ago",
        [
            pod(
                "api-1",
                statuses=[
                    status(restarts=1, state=running(590), last=terminated(137, "OOMKilled", finished=600))
                ],
            )
        ],
        [("pod.oomkilled", "api-1", "warning")],
    ),
    (
        "an OOM kill 3 hours ago is history",
        [
            pod(
                "api-1",
                statuses=[
                    status(
                        restarts=1,
                        state=running(10000),
                        last=terminated(137, "OOMKilled", started=11000, finished=10800),
                    )
                ],
            )
        ],
        [],
    ),
    (
        "exit 137 without OOMKilled is not an OOM",
        [pod("api-1", statuses=[status(ready=False, restarts=5, state=BACKOFF, last=terminated(137))])],
        [],
    ),
    (
        "an init container killed for memory",
        [
            pod(
                "api-1",
                init=[container("warm-cache")],
                init_statuses=[status("warm-cache", ready=False, restarts=3, state=BACKOFF, last=OOM)],
                statuses=[status(ready=False, state=waiting("PodInitializing"))],
            )
        ],
        [("pod.oomkilled", "api-1", "error")],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_oom_kills(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(OomKilled, bundle(*objects))) == expected


def test_evidence_has_limit_request_and_usage_when_up() -> None:
    p = pod(
        "api-1",
        containers=[container(requests={"cpu": "100m", "memory": "256Mi"}, limits={"memory": "512Mi"})],
        statuses=[status(restarts=1, state=running(590), last=terminated(137, "OOMKilled", finished=600))],
    )
    (finding,) = run(OomKilled, bundle(p, pod_metrics("shop", "api-1", {"app": ("50m", "460Mi")})))
    values = {e.subject: e.value for e in finding.evidence}
    assert values["spec.containers[app].resources.limits.memory"] == "512Mi"
    assert values["spec.containers[app].resources.requests.memory"] == "256Mi"
    assert values["memory working set of app (metrics-server)"] == "460Mi (90% of the limit)"
    assert "memory limit of 512Mi" in finding.summary
    assert finding.planners == ("raise-memory-limit", "rollout-undo")


def test_no_limit_says_so_and_no_usage_is_quoted_while_backing_off() -> None:
    p = pod(
        "api-1",
        containers=[container(limits={})],
        statuses=[status(ready=False, restarts=5, state=BACKOFF, last=OOM)],
    )
    (finding,) = run(OomKilled, bundle(p, pod_metrics("shop", "api-1", {"app": ("0", "0")})))
    values = {e.subject: e.value for e in finding.evidence}
    assert values["spec.containers[app].resources.limits.memory"].startswith("not set")
    assert not [e for e in finding.evidence if e.kind == "metric"]


def test_oomkilled_scenario(scenario: Pull) -> None:
    (finding,) = run(OomKilled, scenario("oomkilled"))
    assert (finding.code, finding.ref.namespace, str(finding.severity)) == (
        "pod.oomkilled",
        "analytics",
        "error",
    )
    assert finding.ref.name.startswith("report-builder-")
    assert "192Mi" in finding.summary

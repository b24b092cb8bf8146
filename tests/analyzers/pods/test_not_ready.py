"""pod.not-ready: the generic case, only when nothing more specific explains it."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import Obj, bundle, node, pod, run, running, status, summary, waiting
from workbench.analyzers.pods.not_ready import NotReady

CASES = [
    (
        "not ready 10 minutes, no probe failing",
        [pod("web-1", statuses=[status(ready=False, state=running(1200))], ready_since=600)],
        [("pod.not-ready", "web-1", "warning")],
    ),
    (
        "a readiness gate nobody sets",
        [pod("web-1", ready_status="False", ready_reason="ReadinessGatesNotReady", ready_since=900)],
        [("pod.not-ready", "web-1", "warning")],
    ),
    (
        "not ready 2 minutes",
        [pod("web-1", statuses=[status(ready=False, state=running(1200))], ready_since=120)],
        [],
    ),
    (
        "ContainerCreating for 10 minutes",
        [
            pod(
                "web-1",
                phase="Pending",
                created=600,
                statuses=[status(ready=False, state=waiting("ContainerCreating"))],
            )
        ],
        [("pod.not-ready", "web-1", "warning")],
    ),
    (
        "ContainerCreating for 1 minute (a rollout's new pod)",
        [
            pod(
                "web-1",
                phase="Pending",
                created=60,
                statuses=[status(ready=False, state=waiting("ContainerCreating"))],
            )
        ],
        [],
    ),
    (
        "on a node that is down",
        [
            pod("web-1", node="node-9", statuses=[status(ready=False, state=running(1200))], ready_since=600),
            node("node-9", ready=False),
        ],
        [],
    ),
    ("ready", [pod("web-1")], []),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_not_ready(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(NotReady, bundle(*objects))) == expected


def test_lab_readiness_gate(scenario: Pull) -> None:
    findings = [f for f in run(NotReady, scenario("healthy", manifest="lab")) if f.ref.namespace == "lab"]
    assert summary(findings) == [("pod.not-ready", "gated", "warning")]
    assert findings[0].evidence[0].value.startswith("ReadinessGatesNotReady since ")

"""pod.stuck-terminating: deleted pods still there well past their deadline (measured to `as_of`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import NOW, Obj, bundle, event, node, pod, run, summary
from workbench.analyzers._common import cluster_now as as_of
from workbench.analyzers.pods.terminating import StuckTerminating


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param(
            [pod("web-1", deleted=900)], [("pod.stuck-terminating", "web-1", "warning")], id="15 minutes past"
        ),
        pytest.param([pod("web-1", deleted=120)], [], id="2 minutes past: still stopping"),
        pytest.param([pod("web-1", deleted=-25)], [], id="within its grace period"),
    ],
)
def test_stuck_terminating(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(StuckTerminating, bundle(*objects))) == expected


def test_a_pod_on_a_dead_node_says_so() -> None:
    (finding,) = run(
        StuckTerminating, bundle(pod("web-1", deleted=900, node="node-2"), node("node-2", ready=False))
    )
    assert finding.summary.endswith(
        "Terminating for 15m past its deletion deadline (node node-2 is not ready)"
    )
    assert "force-delete" in finding.explanation or "--force" in finding.explanation
    assert [str(r) for r in finding.related] == ["Node node-2"]
    assert finding.evidence[0].value == "2026-05-01T11:45:00Z"


def test_age_is_measured_to_the_capture_time_or_the_newest_time_in_the_bundle() -> None:
    early = bundle(pod("web-1", deleted=900), captured_at=NOW - timedelta(minutes=30))
    assert as_of(early) == NOW - timedelta(minutes=30)  # the pod was deleted after that
    assert run(StuckTerminating, early) == []
    late = bundle(pod("web-1", deleted=900), captured_at=NOW + timedelta(minutes=10))
    assert as_of(late) == NOW + timedelta(minutes=10)
    assert "Terminating for 25m" in run(StuckTerminating, late)[0].summary
    # A sandbox's simulated clock (or a skewed client) can run ahead of the capture time: then
    # the newest timestamp in the data (here an event seen just now) is "now".
    p = pod("web-1", deleted=900)
    ahead = bundle(
        p, event(p, "FailedKillPod", "error killing pod", last=0), captured_at=NOW - timedelta(hours=1)
    )
    assert as_of(ahead) == NOW
    assert "Terminating for 15m" in run(StuckTerminating, ahead)[0].summary


def test_node_notready_scenario(scenario: Pull) -> None:
    findings = run(StuckTerminating, scenario("node-notready"))
    assert {(f.code, f.ref.namespace, str(f.severity)) for f in findings} == {
        ("pod.stuck-terminating", "tickets", "warning"),
        ("pod.stuck-terminating", "kube-system", "warning"),
    }
    assert len(findings) == 3
    assert all(f.related and f.related[0].kind == "Node" and "is not ready" in f.summary for f in findings)

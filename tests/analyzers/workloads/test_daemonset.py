"""The daemonset analyzer: daemon pods missing or not ready, pods on nodes they should not run on — and
no false alarms on tainted nodes a DaemonSet skips, rolling updates within maxUnavailable, or new pods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.workloads.objects import Obj, daemonset, found, frames_of, node, pod
from workbench.analyzers.workloads.daemonset import DaemonSetAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

AGENT = "DaemonSet kube-system/agent"
CONTROL_PLANE = node("cp", taints=["node-role.kubernetes.io/control-plane:NoSchedule"])


def analyze(frames: Frames) -> list[Finding]:
    return sorted(DaemonSetAnalyzer().analyze(frames), key=Finding.sort_key)


def agent_pod(node_name: str, **kw: Any) -> Obj:
    return pod(
        f"agent-{node_name}",
        owner=("DaemonSet", "agent"),
        labels={"app": "agent"},
        namespace="kube-system",
        node=node_name,
        **kw,
    )


def world(ds: Obj, pods: list[Obj], nodes: list[Obj] | None = None) -> Frames:
    return frames_of(daemonsets=[ds], pods=pods, nodes=nodes or [CONTROL_PLANE, node("w1"), node("w2")])


CASES: dict[str, tuple[Frames, list[tuple[str, str, str]]]] = {
    "on every node it selects; the tainted control plane is skipped": (
        world(daemonset("agent", desired=2), [agent_pod("w1"), agent_pod("w2")]),
        [],
    ),
    "its pod's node is NotReady": (
        world(
            daemonset("agent", desired=3, ready=2),
            [agent_pod("cp"), agent_pod("w1"), agent_pod("w2")],
            [CONTROL_PLANE, node("w1"), node("w2", ready=False)],
        ),
        [("daemonset.unavailable", "error", AGENT)],
    ),
    "no pod on a node that should run one": (
        world(daemonset("agent", desired=2, current=1), [agent_pod("w1")]),
        [("daemonset.unavailable", "error", AGENT)],
    ),
    "nowhere available": (
        world(
            daemonset("agent", desired=2, ready=0),
            [agent_pod(n, ready=False, waiting="CrashLoopBackOff", restarts=4) for n in ("w1", "w2")],
        ),
        [("daemonset.unavailable", "critical", AGENT)],
    ),
    "rolling update within maxUnavailable": (
        world(
            daemonset("agent", desired=2, ready=1, updated=1),
            [agent_pod("w1"), agent_pod("w2", ready=False, ready_ago=90, age=90)],
        ),
        [],
    ),
    "rolling update whose new pod stays unready": (
        world(
            daemonset("agent", desired=2, ready=1, updated=1),
            [
                agent_pod("w1"),
                agent_pod("w2", ready=False, waiting="CrashLoopBackOff", ready_ago=1800, age=1800),
            ],
        ),
        [("daemonset.unavailable", "error", AGENT)],
    ),
    "a new node's pod is starting": (
        world(
            daemonset("agent", desired=2, ready=1), [agent_pod("w1"), agent_pod("w2", ready=False, age=30)]
        ),
        [],
    ),
    "a pod on a node it no longer selects": (
        world(
            daemonset("agent", desired=1, misscheduled=1, node_selector={"pool": "gpu"}),
            [agent_pod("w1"), agent_pod("w2")],
            [node("w1", labels={"pool": "gpu"}), node("w2")],
        ),
        [("daemonset.misscheduled", "warning", AGENT)],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_findings(case: str) -> None:
    frames, expected = CASES[case]
    assert found(analyze(frames)) == expected


def test_not_ready_node_is_named_as_the_cause() -> None:
    frames, _ = CASES["its pod's node is NotReady"]
    (finding,) = analyze(frames)
    assert finding.related == (ObjectRef("Node", "", "w2", "uid--w2"),)
    assert "Its pods on w2 are not ready because the node is not Ready" in finding.explanation
    assert finding.planners == ()
    assert finding.summary == "DaemonSet kube-system/agent is unavailable on 1 of 3 nodes"


def test_missing_pod_lists_the_node_and_explains_tainted_ones() -> None:
    frames = world(
        daemonset("agent", desired=2, current=1), [agent_pod("w1")], [CONTROL_PLANE, node("w1"), node("w2")]
    )
    (finding,) = analyze(frames)
    values = {e.subject: e.value for e in finding.evidence}
    assert values["nodes without its pod"] == "w2"
    assert values["tainted nodes without its pod (skipped unless it tolerates the taint)"] == (
        "cp (node-role.kubernetes.io/control-plane:NoSchedule)"
    )
    assert "skipped, not missing" in finding.explanation
    assert ObjectRef("Node", "", "w2", "uid--w2") in finding.related


def test_misscheduled_evidence_says_why() -> None:
    frames, _ = CASES["a pod on a node it no longer selects"]
    (finding,) = analyze(frames)
    line = next(e for e in finding.evidence if e.subject == "pod on")
    assert line.value == "w2: labels no longer match the nodeSelector"
    assert str(line.ref) == "Pod kube-system/agent-w2"


def test_node_notready_scenario(scenario: Callable[[str], Frames]) -> None:
    findings = analyze(scenario("node-notready"))
    assert found(findings) == [
        ("daemonset.unavailable", "error", "DaemonSet kube-system/kindnet"),
        ("daemonset.unavailable", "error", "DaemonSet kube-system/kube-proxy"),
    ]
    for finding in findings:
        assert finding.severity == Severity.ERROR
        assert [str(r) for r in finding.related] == ["Node kind-worker2"]


def test_healthy_scenario(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []

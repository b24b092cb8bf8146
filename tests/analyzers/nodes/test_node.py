"""The node analyzer: NotReady with the pods it strands, pressure, no pod network, cordons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.network.objects import event, frames_of, pod, warnings_of
from tests.analyzers.nodes.objects import node
from workbench.analyzers.nodes.node import NodeAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

UNREACHABLE = [
    {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "2026-11-28T11:50:00Z"},
]
CONTROL_PLANE = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]


def analyze(frames: Frames) -> list[Finding]:
    return sorted(NodeAnalyzer().analyze(frames), key=Finding.sort_key)


def on(node_name: str, *names: str, **kw: Any) -> list[dict[str, Any]]:
    return [pod(n, labels={"app": n.split("-")[0]}, node=node_name, **kw) for n in names]


CASES: dict[str, tuple[dict[str, list[dict[str, Any]]], list[tuple[str, Severity]]]] = {
    "ready": ({"nodes": [node("kind-worker")], "pods": on("kind-worker", "web-a")}, []),
    # A tainted control-plane node is normal: its DaemonSet pods tolerate the taint.
    "tainted control plane": ({"nodes": [node("kind-control-plane", taints=CONTROL_PLANE)], "pods": []}, []),
    "unknown": (
        {
            "nodes": [
                node(
                    "kind-worker2",
                    ready="Unknown",
                    reason="NodeStatusUnknown",
                    since=600,
                    heartbeat=900,
                    taints=UNREACHABLE,
                )
            ],
            "pods": [],
        },
        [("node.not-ready", Severity.CRITICAL)],
    ),
    "false": (
        {
            "nodes": [
                node(
                    "kind-worker2",
                    ready="False",
                    reason="KubeletNotReady",
                    message="container runtime network not ready: NetworkReady=false",
                )
            ],
            "pods": [],
        },
        [("node.not-ready", Severity.CRITICAL)],
    ),
    # Its pressure conditions are stale while it is NotReady: one finding, the most specific.
    "not ready and under pressure": (
        {"nodes": [node("kind-worker2", ready="Unknown", pressure=["MemoryPressure"])], "pods": []},
        [("node.not-ready", Severity.CRITICAL)],
    ),
    "memory pressure": (
        {"nodes": [node("kind-worker", pressure=["MemoryPressure"])], "pods": on("kind-worker", "web-a")},
        [("node.pressure", Severity.WARNING)],
    ),
    "disk pressure with evictions": (
        {
            "nodes": [node("kind-worker", pressure=["DiskPressure"])],
            "pods": on("kind-worker", "web-a")
            + on("kind-worker", "batch-b", phase="Failed", reason="Evicted"),
        },
        [("node.pressure", Severity.ERROR)],
    ),
    "network unavailable": (
        {"nodes": [node("kind-worker", network_unavailable=True)], "pods": []},
        [("node.network-unavailable", Severity.ERROR)],
    ),
    "cordoned, nothing waits": (
        {"nodes": [node("kind-worker", unschedulable=True)], "pods": []},
        [("node.unschedulable", Severity.INFO)],
    ),
    "cordoned, pods wait": (
        {
            "nodes": [node("kind-worker", unschedulable=True)],
            "pods": [
                pod(
                    "web-b",
                    labels={"app": "web"},
                    node=None,
                    phase="Pending",
                    unschedulable="0/1 nodes are available: 1 node(s) were unschedulable.",
                )
            ],
        },
        [("node.unschedulable", Severity.WARNING)],
    ),
}


@pytest.mark.parametrize(("objects", "expected"), CASES.values(), ids=CASES.keys())
def test_node_findings(
    objects: dict[str, list[dict[str, Any]]], expected: list[tuple[str, Severity]]
) -> None:
    assert [(f.code, f.severity) for f in analyze(frames_of(**objects))] == expected


def test_not_ready_evidence_names_condition_taints_and_stranded_pods() -> None:
    frames = frames_of(
        nodes=[
            node(
                "kind-worker2",
                ready="Unknown",
                reason="NodeStatusUnknown",
                message="Kubelet stopped posting node status.",
                since=600,
                heartbeat=900,
                taints=UNREACHABLE,
            )
        ],
        pods=[
            *on("kind-worker2", "api-a", "api-b", "api-c", "api-d", "api-e", "api-f"),
            *on("kind-worker2", "db-0", deleted=True),
            *on("kind-worker", "web-a"),
            *on("kind-worker2", "report-1", phase="Succeeded"),
        ],
        events=[
            event(
                "Node",
                "kind-worker2",
                "NodeNotReady",
                "Node kind-worker2 status is now: NodeNotReady",
                namespace="",
                type_="Normal",
            )
        ],
    )
    [found] = analyze(frames)
    assert found.ref == ObjectRef("Node", "", "kind-worker2", "uid--kind-worker2")
    assert (
        found.summary == "Node kind-worker2 is NotReady (Unknown, NodeStatusUnknown) for 10m; 7 pod(s) on it"
    )
    by_subject = {e.subject: e.value for e in found.evidence}
    assert by_subject["Ready"] == "Unknown (NodeStatusUnknown): Kubelet stopped posting node status."
    assert by_subject["Ready.lastHeartbeatTime"] == "15m ago"
    assert by_subject["spec.taints"] == (
        "node.kubernetes.io/unreachable:NoSchedule, node.kubernetes.io/unreachable:NoExecute"
    )
    assert by_subject["pods on the node"] == (
        "7 (1 terminating): shop/api-a, shop/api-b, shop/api-c, shop/api-d, shop/api-e and 2 more"
    )
    assert by_subject["event NodeNotReady"] == "Node kind-worker2 status is now: NodeNotReady"
    assert found.related == ()  # the linker connects the pods by placement
    assert "kubelet" in found.explanation


def test_node_notready_scenario(scenario: Callable[[str], Frames]) -> None:
    found = analyze(scenario("node-notready"))
    assert warnings_of(found) == [("node.not-ready", "Node kind-worker2")]
    pods = next(e.value for e in found[0].evidence if e.subject == "pods on the node")
    assert pods.startswith("5 (3 terminating): ")
    assert "tickets/ticket-api-" in pods


def test_healthy_scenario_has_no_node_findings(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []

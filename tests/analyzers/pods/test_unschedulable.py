"""pod.unschedulable: the scheduler's message as structured reasons, with the objects behind them."""

from __future__ import annotations

import pytest

from tests.analyzers.pods.conftest import Pull
from tests.analyzers.pods.objects import Obj, bundle, container, event, node, pod, pvc, run, summary
from workbench.analyzers.pods._scheduler import parse
from workbench.analyzers.pods.unschedulable import Unschedulable
from workbench.model import ObjectRef

CP = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
AFFINITY = "2 node(s) didn't match Pod's node affinity/selector."
PREEMPTION = ". preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."


def pending(message: str, *, name: str = "ml-5b9754b99d-x1", **kw: object) -> Obj:
    return pod(name, phase="Pending", unschedulable=message, created=600, **kw)  # type: ignore[arg-type]


def test_parse_reads_counts_and_categories() -> None:
    total, rejections = parse(f"0/3 nodes are available: {CP}, 2 Insufficient memory{PREEMPTION}")
    assert total == 3
    assert [(r.count, r.reason, r.category) for r in rejections] == [
        (2, "Insufficient memory", "resources"),
        (1, "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }", "taint"),
    ]
    assert rejections[1].taint_key == "node-role.kubernetes.io/control-plane"
    _, bare = parse("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims" + PREEMPTION)
    assert [(r.count, r.category, str(r)) for r in bare] == [
        (None, "storage", "pod has unbound immediate PersistentVolumeClaims")
    ]
    assert parse("") == (None, [])


def test_insufficient_resources_become_evidence_and_planners() -> None:
    p = pending(
        f"0/3 nodes are available: {CP}, 2 Insufficient memory{PREEMPTION}",
        containers=[container(requests={"cpu": "500m", "memory": "12Gi"})],
    )
    (finding,) = run(Unschedulable, bundle(p, node("node-1"), node("node-2")))
    assert finding.summary.endswith(
        "cannot be scheduled (0/3 nodes available: 2 Insufficient memory, " + CP + ")"
    )
    facts = [(e.subject, e.value) for e in finding.evidence]
    assert ("rejected by 2 node(s)", "Insufficient memory") in facts
    assert ("pod resource requests", "cpu 500m, memory 12Gi") in facts
    # The control-plane taint is how every cluster keeps workloads off it: not a cause to fix.
    assert finding.planners == ("set-resources",)
    assert "add a toleration" not in finding.explanation
    assert finding.related == ()


def test_a_taint_relates_the_tainted_nodes() -> None:
    taint = {"key": "node.example.io/maintenance", "value": "true", "effect": "NoSchedule"}
    p = pending(
        f"0/3 nodes are available: {CP}, "
        f"2 node(s) had untolerated taint {{node.example.io/maintenance: true}}{PREEMPTION}"
    )
    nodes = [node("node-1", taints=[taint]), node("node-2", taints=[taint]), node("node-3")]
    (finding,) = run(Unschedulable, bundle(p, *nodes))
    assert finding.related == (ObjectRef("Node", "", "node-1"), ObjectRef("Node", "", "node-2"))
    assert finding.planners == ("remove-taint",)


def test_cordoned_nodes_are_related_and_uncordon_planned() -> None:
    p = pending("0/2 nodes are available: 2 node(s) were unschedulable.")
    (finding,) = run(
        Unschedulable, bundle(p, node("node-1", unschedulable=True), node("node-2", unschedulable=True))
    )
    assert [r.name for r in finding.related] == ["node-1", "node-2"]
    assert finding.planners == ("uncordon",)


def test_an_unbound_claim_is_related_with_its_phase() -> None:
    p = pending(
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims" + PREEMPTION,
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "db-data"}}],
    )
    (finding,) = run(Unschedulable, bundle(p, pvc("shop", "db-data")))
    claim = ObjectRef("PersistentVolumeClaim", "shop", "db-data")
    assert finding.related == (claim,)
    assert ("status.phase", "Pending (storageClassName fast-ssd)", claim) in [
        (e.subject, e.value, e.ref) for e in finding.evidence
    ]
    assert finding.planners == ()


def test_the_failedscheduling_event_stands_in_for_a_condition_without_message() -> None:
    p = pending("", scheduled_reason="Unschedulable")
    e = event(
        p,
        "FailedScheduling",
        "0/5 nodes are available: 5 Insufficient cpu.",
        count=3,
        source="default-scheduler",
    )
    (finding,) = run(Unschedulable, bundle(p, e))
    assert "5 Insufficient cpu" in finding.summary
    assert finding.evidence[-2].subject == "event FailedScheduling (x3)"


CASES = [
    (
        "young: the autoscaler may be adding a node",
        [
            pod(
                "a-1",
                phase="Pending",
                unschedulable="0/3 nodes are available: 3 Insufficient cpu.",
                created=30,
            )
        ],
        [],
    ),
    ("gated on purpose", [pending("waiting for gates", scheduled_reason="SchedulingGated")], []),
    (
        "preemption is making room",
        [pending("0/3 nodes are available: 3 Insufficient cpu.", nominated_node="node-2")],
        [],
    ),
    (
        "a DaemonSet pod kept off its tainted node",
        [
            pending(
                "0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}, " + AFFINITY,
                name="agent-x1",
                owner=("DaemonSet", "agent"),
            )
        ],
        [],
    ),
    (
        "a DaemonSet pod that does not fit its node is reported",
        [
            pending(
                "0/3 nodes are available: 1 Insufficient memory, " + AFFINITY,
                name="agent-x1",
                owner=("DaemonSet", "agent"),
            )
        ],
        [("pod.unschedulable", "agent-x1", "error")],
    ),
    (
        "no scheduler picked it up",
        [pod("a-1", phase="Pending", node=None, created=900)],
        [("pod.unschedulable", "a-1", "error")],
    ),
]


@pytest.mark.parametrize(("objects", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_what_is_and_is_not_unschedulable(objects: list[Obj], expected: list[tuple[str, str, str]]) -> None:
    assert summary(run(Unschedulable, bundle(*objects))) == expected


@pytest.mark.parametrize(
    ("name", "namespace", "reason", "related"),
    [
        ("pending-resources", "ml", "2 Insufficient memory", []),
        (
            "pending-taint",
            "warehouse",
            "2 node(s) had untolerated taint {node.example.io/maintenance: true}",
            ["Node kind-worker", "Node kind-worker2"],
        ),
        (
            "pvc-pending",
            "inventory",
            "pod has unbound immediate PersistentVolumeClaims",
            ["PersistentVolumeClaim inventory/inventory-db-data"],
        ),
    ],
)
def test_pending_scenarios(
    scenario: Pull, name: str, namespace: str, reason: str, related: list[str]
) -> None:
    findings = run(Unschedulable, scenario(name))
    assert findings
    assert {(f.code, f.ref.namespace, str(f.severity)) for f in findings} == {
        ("pod.unschedulable", namespace, "error")
    }
    for f in findings:
        assert reason in f.summary
        assert [str(r) for r in f.related] == related

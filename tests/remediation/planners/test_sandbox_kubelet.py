"""start-sandbox-kubelet: a NotReady node the sandbox stopped gets a patch; a real cluster's node does not."""

from __future__ import annotations

from tests.analyzers.pods.objects import node
from tests.remediation.planners.objects import Obj, bundle, finding_of
from workbench.model import Action, Investigation, Plan
from workbench.remediation.planners import planners, propose
from workbench.remediation.planners.investigate_nodes import InvestigateNode
from workbench.remediation.planners.sandbox_kubelet import KUBELET_ANNOTATION, StartSandboxKubelet
from workbench.sandbox._deletion import KUBELET_ANNOTATION as SANDBOX_KUBELET_ANNOTATION


def annotated(name: str, value: str | None, *, ready: bool = False) -> Obj:
    obj = node(name, ready=ready)
    if value is not None:
        obj["metadata"]["annotations"] = {KUBELET_ANNOTATION: value, "example.io/owner": "team-a"}
    return obj


def test_the_annotation_is_the_one_the_sandboxs_kubelet_reads() -> None:
    # workbench.sandbox._deletion holds the one name; the kubelet and node simulations import it.
    assert KUBELET_ANNOTATION == SANDBOX_KUBELET_ANNOTATION


def test_a_stopped_sandbox_kubelet_is_started_by_removing_the_annotation() -> None:
    frames = bundle(annotated("kind-worker2", "stopped"), node("kind-worker"))
    finding = finding_of(frames, "node.not-ready")
    plan = propose(finding, frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert step.action is Action.PATCH
    assert str(step.target) == "Node kind-worker2"
    assert step.target.api_version == "v1"
    assert dict(step.params) == {
        "patch_type": "merge",
        "patch": {"metadata": {"annotations": {KUBELET_ANNOTATION: None}}},  # only that annotation goes
    }
    assert step.title == plan.title == "Start the sandbox kubelet on kind-worker2"
    assert step.reason == finding.id
    assert plan.findings == (finding.id,)
    notes = " ".join(plan.notes)
    assert "stand-in for restarting the kubelet on the machine" in notes
    assert "On a real cluster" in notes
    assert "systemctl restart kubelet" in notes


def test_a_not_ready_sandbox_kubelet_gets_the_same_patch_and_the_real_fix_for_its_case() -> None:
    frames = bundle(annotated("kind-worker", "not-ready"))
    plan = StartSandboxKubelet().propose(finding_of(frames, "node.not-ready"), frames)
    assert isinstance(plan, Plan)
    assert plan.title == "Restart the sandbox kubelet on kind-worker"
    assert dict(plan.steps[0].params)["patch"] == {"metadata": {"annotations": {KUBELET_ANNOTATION: None}}}
    assert any("network plugin" in n for n in plan.notes)


def test_a_real_clusters_not_ready_node_still_gets_the_investigation() -> None:
    frames = bundle(annotated("worker-7", None), node("worker-8"))
    finding = finding_of(frames, "node.not-ready")
    assert StartSandboxKubelet().propose(finding, frames) is None
    look = propose(finding, frames)
    assert isinstance(look, Investigation)
    assert look == InvestigateNode().propose(finding, frames)
    assert look.title == "Find what is wrong on node worker-7"


def test_an_annotation_value_the_sandbox_does_not_know_is_not_acted_on() -> None:
    frames = bundle(annotated("worker-7", "paused"))
    assert StartSandboxKubelet().propose(finding_of(frames, "node.not-ready"), frames) is None


def test_a_ready_node_is_left_alone_even_with_the_annotation() -> None:
    # Just annotated: the node controller has not marked it yet; nothing is wrong with it so far.
    frames = bundle(annotated("kind-worker2", "stopped", ready=True))
    stale = finding_of(bundle(annotated("kind-worker2", "stopped")), "node.not-ready")
    assert StartSandboxKubelet().propose(stale, frames) is None


def test_it_is_asked_before_the_investigation() -> None:
    names = [p.name for p in planners(include_plugins=False)]
    assert names.index("start-sandbox-kubelet") < names.index("investigate-node")

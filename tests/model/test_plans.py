"""Plans are allow-listed data: steps are checked when made, and an approval binds to exact content."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from workbench.errors import ConfigError
from workbench.model import Action, Approval, ObjectRef, Plan, PlanStep

WEB = ObjectRef("Deployment", "shop", "web", api_version="apps/v1")
NODE = ObjectRef("Node", "", "kind-worker")


def raise_memory(limit: str = "512Mi") -> Plan:
    step = PlanStep(
        Action.SET_RESOURCES,
        WEB,
        {"container": "web", "limits": {"memory": limit}},
        "Raise web's memory limit",
        "pod.oomkilled:Pod/shop/web-1",
    )
    return Plan("Stop the OOM kills", (step,), findings=("pod.oomkilled:Pod/shop/web-1",))


def test_an_approval_matches_only_the_content_it_approved() -> None:
    plan = raise_memory()
    approval = plan.approve(by="sre@example.com", at=datetime(2026, 12, 7, tzinfo=UTC))
    assert approval == Approval(plan.digest, "sre@example.com", datetime(2026, 12, 7, tzinfo=UTC))
    assert approval.matches(raise_memory())  # the same content, built again
    assert not approval.matches(raise_memory("1Gi"))  # one parameter edited after approval
    retitled = dataclasses.replace(plan, title="Something else")
    assert not approval.matches(retitled)
    reordered = Plan(plan.title, (*plan.steps, PlanStep(Action.ROLLOUT_RESTART, WEB)), plan.findings)
    assert not approval.matches(reordered)


def test_the_digest_is_stable_and_canonical() -> None:
    a = PlanStep(
        Action.SET_HPA_RANGE,
        ObjectRef("HorizontalPodAutoscaler", "shop", "web"),
        {"min_replicas": 2, "max_replicas": 6},
    )
    b = PlanStep(
        Action.SET_HPA_RANGE,
        ObjectRef("HorizontalPodAutoscaler", "shop", "web"),
        {"max_replicas": 6, "min_replicas": 2},
    )
    assert Plan("p", (a,)).digest == Plan("p", (b,)).digest  # key order does not matter
    assert Plan("p", (a,)).digest.startswith("sha256:")
    assert len(Plan("p", (a,)).digest) == len("sha256:") + 64


def test_parameters_are_frozen_copies() -> None:
    params = {"container": "web", "limits": {"memory": "512Mi"}}
    step = PlanStep(Action.SET_RESOURCES, WEB, params)
    params["limits"]["memory"] = "64Gi"  # the caller's dict changes afterwards...
    assert step.params["limits"] == {"memory": "512Mi"}  # ...the step does not
    with pytest.raises(TypeError):
        step.params["container"] = "other"  # type: ignore[index]


@pytest.mark.parametrize(
    ("action", "target", "params", "message"),
    [
        ("exec", WEB, {}, "step action 'exec' is not allowed; allowed: patch, scale"),
        ("run-shell", WEB, {"command": "rm -rf /"}, "is not allowed"),
        (Action.CORDON, WEB, {}, "cordon cannot target a Deployment; it applies to: Node"),
        (Action.SCALE, WEB, {}, "missing parameter(s) replicas (it takes replicas)"),
        (Action.SCALE, WEB, {"replicas": 2, "command": "x"}, "unknown parameter(s) command"),
        (Action.DELETE_POD, ObjectRef("Pod", "shop", "web-1"), {"force": True}, "it takes no parameters"),
        (
            Action.PATCH,
            WEB,
            {"patch_type": "shell", "patch": {}},
            "patch_type 'shell' is not one of json, merge, strategic",
        ),
        (
            Action.SET_CONFIGMAP_KEY,
            ObjectRef("ConfigMap", "shop", "cfg"),
            {"key": "k", "value": object()},
            "plain JSON",
        ),
        (
            Action.SET_HPA_RANGE,
            ObjectRef("HorizontalPodAutoscaler", "a", "b"),
            {"max_replicas": float("nan")},
            "plain JSON",
        ),
    ],
)
def test_steps_outside_the_allow_list_are_refused(
    action: Action | str, target: ObjectRef, params: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        PlanStep(action, target, params)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_every_action_has_a_schema_and_a_string_value() -> None:
    step = PlanStep("uncordon", NODE)  # type: ignore[arg-type]
    assert step.action is Action.UNCORDON
    assert step.to_dict() == {
        "action": "uncordon",
        "target": {"kind": "Node", "namespace": "", "name": "kind-worker", "api_version": ""},
        "params": {},
        "title": "",
        "reason": "",
    }

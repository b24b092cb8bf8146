"""set-image and rollout-undo: back to what the workload's running pods prove works, or investigate."""

from __future__ import annotations

from tests.analyzers.pods.objects import container, node, pod, status, waiting
from tests.remediation.planners.objects import Obj, bundle, deployment, finding_of, replicaset
from workbench.frames import Frames
from workbench.model import Finding, Investigation, ObjectRef, Plan, Severity
from workbench.remediation.planners import propose
from workbench.remediation.planners.ask_image import AskForImage
from workbench.remediation.planners.rollback import RolloutUndo
from workbench.remediation.planners.set_image import SetImage

GOOD = "registry.example/shop/app:1.4.1"
BAD = "registry.example/shop/app:v1.4.2"
PULL = waiting("ImagePullBackOff", f'Back-off pulling image "{BAD}": not found')


def running_pod(name: str, rs: str, image: str) -> Obj:
    return pod(
        name, owner=("ReplicaSet", rs), containers=[container(image=image)], statuses=[status(image=image)]
    )


def failing_pod(name: str = "web-7d9f8c6b5-a1", rs: str = "web-7d9f8c6b5", state: Obj = PULL) -> Obj:
    return pod(
        name,
        owner=("ReplicaSet", rs),
        containers=[container(image=BAD)],
        statuses=[status(ready=False, state=state, image=BAD)],
    )


def rolling(*older: tuple[str, int, str], state: Obj = PULL) -> Frames:
    """web at its newest revision (failing), with ``older`` (rs, revision, image) ReplicaSets serving."""
    revision = len(older) + 1
    objects = [
        deployment("web", revision=revision),
        replicaset("web-7d9f8c6b5", "web", revision=revision, available=0, images=[BAD]),
        failing_pod(state=state),
        node("node-1"),
    ]
    for rs, rev, image in older:
        objects += [
            replicaset(rs, "web", revision=rev, available=1, images=[image]),
            running_pod(f"{rs}-z", rs, image),
        ]
    return bundle(*objects)


def test_an_image_that_cannot_be_pulled_goes_back_to_the_one_running_pods_use() -> None:
    frames = rolling(("web-6c8d9f7b4", 1, GOOD))
    plan = propose(finding_of(frames, "pod.image-pull"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), dict(step.params)) == (
        "set-image",
        "Deployment shop/web",
        {"container": "app", "image": GOOD},
    )
    assert step.title == (
        f"Point deployment shop/web at image {GOOD} for container app, the image its running pods use "
        f"(instead of {BAD})"
    )


def test_without_evidence_set_image_investigates_and_the_plan_asks_for_the_image() -> None:
    frames = rolling()
    finding = finding_of(frames, "pod.image-pull")
    look = SetImage().propose(finding, frames)
    assert isinstance(look, Investigation)
    assert "no known-good image" in look.checks[0]
    assert any("starts with 'v'" in c for c in look.checks)
    assert (
        "kubectl get deployment web -n shop -o 'jsonpath={.spec.template.spec.containers[*].image}'"
        in look.commands
    )
    plan = propose(finding, frames)  # no revision to go back to: the person names the image
    assert isinstance(plan, Plan)
    ((action, params),) = [(s.action.value, dict(s.params)) for s in plan.steps]
    assert (action, params) == ("set-image", {"container": "app", "image": "${image}"})
    (needs,) = plan.inputs
    assert needs.suggestion == "registry.example/shop/app:1.4.2"
    assert plan.notes[: len(look.checks) - 1] == look.checks[:-1]


def test_a_refused_pull_is_about_credentials_and_gets_no_plan() -> None:
    frames = rolling(state=waiting("ErrImagePull", "pull access denied: unauthorized"))
    finding = finding_of(frames, "pod.image-pull")
    assert AskForImage().propose(finding, frames) is None
    look = propose(finding, frames)
    assert isinstance(look, Investigation)
    assert any("imagePullSecrets" in c for c in look.checks)


def test_two_different_running_images_are_no_evidence_for_set_image_but_the_last_good_revision_is() -> None:
    frames = rolling(("web-5b7c8e6a3", 1, "registry.example/shop/app:1.3.9"), ("web-6c8d9f7b4", 2, GOOD))
    plan = propose(finding_of(frames, "pod.image-pull"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), dict(step.params)) == (
        "rollout-undo",
        "Deployment shop/web",
        {"to_revision": 2},
    )
    assert step.title.startswith(
        f"Roll deployment shop/web back to revision 2 ({GOOD}), whose 1 pod(s) are available"
    )


def test_a_stuck_rollout_rolls_back_to_the_last_available_revision_explicitly() -> None:
    frames = rolling(("web-6c8d9f7b4", 1, GOOD))
    stuck = Finding(
        "deployment.rollout-stuck", Severity.ERROR, ObjectRef("Deployment", "shop", "web"), "stuck"
    )
    plan = RolloutUndo().propose(stuck, frames)
    assert isinstance(plan, Plan)
    assert [(s.action.value, s.target.api_version, dict(s.params)) for s in plan.steps] == [
        ("rollout-undo", "apps/v1", {"to_revision": 1})
    ]
    assert any("rollout status deployment/web -n shop" in n for n in plan.notes)


def test_no_available_older_revision_means_no_rollback() -> None:
    frames = rolling()
    stuck = Finding(
        "deployment.rollout-stuck", Severity.ERROR, ObjectRef("Deployment", "shop", "web"), "stuck"
    )
    assert RolloutUndo().propose(stuck, frames) is None
    look = propose(stuck, frames)
    assert isinstance(look, Investigation)  # the generic one: no planner can fix it from this state
    assert look.checks[0].startswith("No planner fixes deployment.rollout-stuck safely")


def test_a_failing_pod_of_an_old_revision_is_not_undone() -> None:
    frames = bundle(
        deployment("web", revision=2),
        replicaset("web-6c8d9f7b4", "web", revision=1, available=1, images=[BAD]),
        replicaset("web-7d9f8c6b5", "web", revision=2, available=0, images=[GOOD]),
        failing_pod("web-6c8d9f7b4-a1", "web-6c8d9f7b4"),
        node("node-1"),
    )
    assert RolloutUndo().propose(finding_of(frames, "pod.image-pull"), frames) is None

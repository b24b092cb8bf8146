"""``set-image``: point a workload's container back at an image its running pods use.

Rule: a container that cannot pull its image (or, with exit code 126/127/128, whose command is not
in the image; or that cannot be created) gets the image that the same container runs, ready, in
the workload's other live pods — an older revision still serving, the pods of a StatefulSet or
DaemonSet not yet updated. Exactly one such image is evidence; none, or several different ones,
is not. The planner never invents a tag (``v2.14.1`` -> ``2.14.1``): the registry is not in the
frames.

Without evidence an image-pull finding gets an investigation (does the tag exist, do the pull
secrets work, which other tags of the repository run here), and the later planners are asked: a
rollback to the last revision that was available (`rollback`), else a plan that asks the person
for the image (`ask_image`); the other codes pass (None) to the next planner.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import present, records, text
from workbench.frames import Frames
from workbench.frames.schema import Containers, Pods
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv

PULL_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
CREATE_REASONS = frozenset({"CreateContainerError", "RunContainerError"})
IMAGE_EXIT_CODES = frozenset({126, 127, 128})
"""Exit codes that mean the image lacks the command (not executable, not found, cannot start)."""


class SetImage:
    """Set a failing container's image to the one the workload's running pods use (module docstring)."""

    name: ClassVar[str] = "set-image"
    codes: ClassVar[tuple[str, ...]] = (
        "pod.image-pull",
        "pod.crashloop",
        "pod.create-error",
        "pod.init-failing",
    )

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A set-image step per failing container with a known-good image; else see the module doc."""
        if finding.ref.kind != "Pod":
            return None
        pulling = finding.code == "pod.image-pull"
        failing = failing_containers(frames, finding)
        top = fx.workload(frames, finding.ref)
        if not failing:
            return None
        if top is None or top.kind not in fx.TEMPLATE_KINDS:
            return investigate(finding, frames, top, failing) if pulling else None
        pods = [p for p in fx.live(fx.pods_of(frames, top)) if str(p[Pods.NAME]) != finding.ref.name]
        steps = []
        for c in failing:
            good = _good_image(frames, pods, c)
            if good is None:
                return investigate(finding, frames, top, failing) if pulling else None
            name, bad = str(c[Containers.CONTAINER]), text(c[Containers.IMAGE])
            steps.append(
                PlanStep(
                    Action.SET_IMAGE,
                    top,
                    {"container": name, "image": good},
                    f"Point {fx.describe(top)} at image {good} for container {name}, the image its running "
                    f"pods use (instead of {bad})",
                    finding.id,
                )
            )
        return Plan(
            f"Set the image of {fx.describe(top)} back to the one its running pods use",
            tuple(steps),
            findings=(finding.id,),
            notes=(
                "Watch the rollout: the new pods start from the image the running pods already use, and "
                "the failing ones are replaced.",
                "Only the image changes; the rest of the pod template stays. Fix the image reference "
                "where it came from (the release pipeline, the manifest), or the next deploy breaks again.",
            ),
        )


def failing_containers(frames: Frames, finding: Finding) -> list[fx.Row]:
    """The pod's containers this finding is about."""
    pod_rows = records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
    out = []
    for c in fx.containers(frames, pod_rows):
        reason = text(c[Containers.REASON])
        code = c[Containers.EXIT_CODE] if present(c[Containers.EXIT_CODE]) else c[Containers.LAST_EXIT_CODE]
        if finding.code == "pod.image-pull":
            hit = reason in PULL_REASONS
        elif finding.code == "pod.crashloop":
            hit = present(code) and int(code) in IMAGE_EXIT_CODES and not c[Containers.READY]
        elif finding.code == "pod.create-error":
            hit = reason in CREATE_REASONS
        else:  # an init container that fails: a command missing from its image
            hit = bool(c[Containers.INIT]) and present(code) and int(code) in IMAGE_EXIT_CODES
        if hit:
            out.append(c)
    return out


def _good_image(frames: Frames, pods: list[fx.Row], failing: fx.Row) -> str | None:
    """The one image the same container runs successfully in ``pods``, other than the failing one."""
    name, init, bad = (
        str(failing[Containers.CONTAINER]),
        bool(failing[Containers.INIT]),
        failing[Containers.IMAGE],
    )
    images = set()
    for c in fx.containers(frames, pods, name):
        if bool(c[Containers.INIT]) != init or c[Containers.IMAGE] == bad or not present(c[Containers.IMAGE]):
            continue
        done = (
            init and text(c[Containers.STATE]) == "terminated" and fx.number(c[Containers.EXIT_CODE], 1) == 0
        )
        if done or (text(c[Containers.STATE]) == "running" and bool(c[Containers.READY])):
            images.add(str(c[Containers.IMAGE]))
    return images.pop() if len(images) == 1 else None


def refused(container: fx.Row) -> bool:
    """Whether the registry refused the pull (credentials), rather than not having the image."""
    message = text(container[Containers.MESSAGE]).lower()
    return any(w in message for w in ("unauthorized", "denied", "forbidden", "authentication"))


def other_images(frames: Frames, image: str) -> list[str]:
    """Other images of ``image``'s repository that containers here use (so the registry has them)."""
    repo = repository(image)
    column = frames.containers[Containers.IMAGE].dropna().astype(str)
    return sorted({str(i) for i in column if repository(i) == repo and i != image})


def repository(image: str) -> str:
    """``registry.example/shop/app`` of ``registry.example/shop/app:1.2@sha256:...``."""
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def investigate(
    finding: Finding, frames: Frames, top: ObjectRef | None, failing: list[fx.Row]
) -> Investigation:
    c = failing[0]
    name, image = str(c[Containers.CONTAINER]), text(c[Containers.IMAGE])
    owner = top or finding.ref
    checks = [
        f"The kubelet cannot pull {image} for container {name}; no pod of {fx.describe(owner)} runs "
        "another image of it, so there is no known-good image to go back to."
    ]
    if refused(c):
        secrets = records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
        names = secrets[0][Pods.IMAGE_PULL_SECRETS] if secrets else None
        listed = ", ".join(str(s) for s in names) if isinstance(names, list) and names else "none"
        checks.append(
            f"The registry refused the pull: check the pod's imagePullSecrets ({listed}) and that their "
            "credentials are valid for this registry."
        )
    else:
        checks.append(
            "Check that the repository has this tag (the registry's UI or API lists its tags): a typo, a "
            "tag never pushed, or one that was deleted."
        )
    tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
    if tag.startswith("v") and tag[1:2].isdigit():
        checks.append(
            f"The tag {tag} starts with 'v': check whether the registry's tags are written without it."
        )
    others = other_images(frames, image)
    if others:
        checks.append(
            f"Other images of {repository(image)} in this cluster (so they exist): {', '.join(others)}."
        )
    checks.append(f"Then set the image that exists in {fx.describe(owner)}'s pod template.")
    commands = [inv.describe(finding.ref), inv.events(finding.ref)]
    if top is not None:
        template = ".spec.jobTemplate.spec.template" if top.kind == "CronJob" else ".spec.template"
        commands.append(inv.get(top, "-o", f"jsonpath={{{template}.spec.containers[*].image}}"))
    return inv.investigation(
        f"Find an image for container {name} that the registry serves", finding, checks, commands
    )

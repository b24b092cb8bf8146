"""``ask-for-image``: point a workload at an image the person names, when nothing here proves one.

Rule: a container whose image the registry does not have (not found, or an invalid name — not an
authorization failure, which is about the pull secrets) and for which no known-good image runs
(`set_image`) and no earlier revision was available (`rollback`, asked before this planner) gets a
set-image plan whose image is a value the person gives (`PlanInput` ``image``): which tags exist is
the registry's knowledge, not the cluster's. The plan suggests the same tag without a leading ``v``
(``v2.14.1`` -> ``2.14.1``), else the one other image of the repository that runs here; the
suggestion is never applied unless it is given. Scenario ``image-pull``: the Deployment has one
revision and no pod ever ran another image.
"""

from __future__ import annotations

import re
from typing import ClassVar

from workbench.analyzers._common import text
from workbench.frames import Frames
from workbench.frames.schema import Containers
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanInput, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners.set_image import (
    failing_containers,
    investigate,
    other_images,
    refused,
    repository,
)


class AskForImage:
    """A set-image plan whose image the person gives (see the module docstring)."""

    name: ClassVar[str] = "ask-for-image"
    codes: ClassVar[tuple[str, ...]] = ("pod.image-pull",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """The plan, or None when the pull was refused or no workload template can be changed."""
        if finding.ref.kind != "Pod":
            return None
        failing = failing_containers(frames, finding)
        top = fx.workload(frames, finding.ref)
        if not failing or top is None or top.kind not in fx.TEMPLATE_KINDS or any(map(refused, failing)):
            return None
        return _ask_for_image(finding, frames, top, failing)


def _ask_for_image(finding: Finding, frames: Frames, top: ObjectRef, failing: list[fx.Row]) -> Plan:
    """A set-image plan whose image is a value the person gives (see the module docstring)."""
    steps, inputs = [], []
    for c in failing:
        container, bad = str(c[Containers.CONTAINER]), text(c[Containers.IMAGE])
        key = "image" if len(failing) == 1 else "image_" + re.sub(r"\W", "_", container)
        inputs.append(
            PlanInput(
                key,
                f"an image the registry has for container {container} ({bad} cannot be pulled)",
                suggestion(frames, bad),
            )
        )
        steps.append(
            PlanStep(
                Action.SET_IMAGE,
                top,
                {"container": container, "image": "${" + key + "}"},
                f"Point {fx.describe(top)}'s container {container} at ${{{key}}} (instead of {bad})",
                finding.id,
            )
        )
    checks = investigate(finding, frames, top, failing).checks
    return Plan(
        f"Point {fx.describe(top)} at an image the registry has",
        tuple(steps),
        findings=(finding.id,),
        notes=(
            *checks[:-1],
            "Which tags exist is the registry's knowledge, not the cluster's: give the image after "
            "checking (e.g. `crane ls REPOSITORY` or the registry's UI). Fix the reference where it came "
            "from too (the release pipeline, the manifest), or the next deploy breaks again.",
        ),
        inputs=tuple(inputs),
    )


def suggestion(frames: Frames, image: str) -> str:
    """The same tag without a leading ``v``, else the one other image of the repository running here."""
    repo = repository(image)
    tag = image[len(repo) + 1 :] if image.startswith(repo + ":") else ""
    if tag.startswith("v") and tag[1:2].isdigit():
        return f"{repo}:{tag[1:]}"
    others = other_images(frames, image)
    return others[0] if len(others) == 1 else ""

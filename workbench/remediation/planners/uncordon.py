"""``uncordon``: lift a cordon that keeps pods Pending.

Rule: for a pending pod, every reason the scheduler gives (the control plane's own taint aside) is a
cordon ("node(s) were unschedulable"): the plan uncordons every cordoned node. For a cordoned
node's own finding, only when pods wait because of it; a cordon nothing waits for may be an
ongoing maintenance, so it gets an investigation. A cordon mixed with a taint is the
``remove-taint`` planner's (it lifts both). No scenario exercises it (``pending-taint`` is a taint,
and there uncordoning is the wrong fix).
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import records
from workbench.frames import Frames
from workbench.frames.schema import Pods
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv
from workbench.remediation.planners import _nodes as nodes


class Uncordon:
    """Uncordon the nodes whose cordon keeps pods Pending (see the module docstring)."""

    name: ClassVar[str] = "uncordon"
    codes: ClassVar[tuple[str, ...]] = ("pod.unschedulable", "node.unschedulable")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """Uncordon steps, an investigation for a cordon nothing waits for, else None."""
        if finding.code == "node.unschedulable":
            node = fx.ref(frames, "Node", "", finding.ref.name)
            if not _waiting(frames):
                return _nothing_waits(finding, node)
            targets = [node]
        else:
            categories = {r.category for r in nodes.rejections(frames, finding)}
            if categories != {"cordoned"}:
                return None
            targets = nodes.cordoned(frames)
        if not targets:
            return None
        waiting = _waiting(frames)
        steps = [PlanStep(Action.UNCORDON, n, {}, f"Uncordon {fx.describe(n)}", finding.id) for n in targets]
        return Plan(
            f"Uncordon {', '.join(n.name for n in targets)}",
            tuple(steps),
            findings=(finding.id,),
            notes=(
                "Uncordon only if the maintenance that cordoned the node(s) is over.",
                f"{len(waiting)} pod(s) wait for room: watch them get a node (kubectl get pods -o wide).",
            ),
        )


def _waiting(frames: Frames) -> list[fx.Row]:
    """Pending pods the scheduler could not place partly because of cordoned nodes."""
    pods = frames.pods
    message = pods[Pods.UNSCHEDULABLE_MESSAGE].fillna("")
    hit = (pods[Pods.PHASE] == "Pending").fillna(False) & message.str.contains(
        "were unschedulable", regex=False
    )
    return records(pods[hit.to_numpy(dtype=bool)])


def _nothing_waits(finding: Finding, node: ObjectRef) -> Investigation:
    checks = [
        f"{fx.describe(node)} is cordoned and no pending pod waits for it: the cordon may be a maintenance "
        "that is still going on.",
        "Ask who cordoned it (kubectl drain or cordon, an upgrade tool, an autoscaler) and uncordon it when "
        "that work is done.",
    ]
    return inv.investigation(
        f"Find out why {fx.describe(node)} is cordoned", finding, checks, [inv.describe(node)]
    )

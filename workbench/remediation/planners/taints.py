"""``remove-taint``: remove a taint that keeps a workload's pods Pending and that nothing set on purpose
for a node condition.

Rule: every reason the scheduler gives for the pod (the control plane's own taint aside) is an
untolerated taint — or a cordon, which the same plan lifts (uncordon) — and no taint involved is
one the system sets for a node's condition or role (``node.kubernetes.io/*``: fix the node, not the
taint). Then the plan removes that taint key, with its effect, from every node that carries it:
one step per node and taint. Tolerations are not in the frames, so whether the taint was "left
behind" is the reviewer's call: the notes say so, and what to do instead (a toleration) when the
nodes are reserved on purpose. Scenario ``pending-taint``: node.example.io/maintenance=true on both
workers; removing it heals the scenario.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.frames import Frames
from workbench.model import Action, Finding, Investigation, Plan, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv
from workbench.remediation.planners import _nodes as nodes


class RemoveTaint:
    """Remove the untolerated taint that keeps pods Pending (see the module docstring)."""

    name: ClassVar[str] = "remove-taint"
    codes: ClassVar[tuple[str, ...]] = ("pod.unschedulable",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A remove-taint step per node and taint (plus uncordon steps for cordons), else None."""
        reasons = nodes.rejections(frames, finding)
        categories = {r.category for r in reasons}
        if "taint" not in categories or not categories <= {"taint", "cordoned"}:
            return None
        keys = sorted({r.taint_key for r in reasons if r.category == "taint" and r.taint_key})
        system = [k for k in keys if nodes.is_system(k)]
        if system:
            return _system(finding, system)
        steps = [
            PlanStep(
                Action.REMOVE_TAINT,
                node,
                {"key": key, "effect": nodes.taint_parts(taint)[2]},
                f"Remove taint {taint} from {fx.describe(node)}",
                finding.id,
            )
            for key in keys
            for node, taint in nodes.tainted(frames, key)
        ]
        if not steps:
            return None
        if "cordoned" in categories:
            steps += [
                PlanStep(Action.UNCORDON, node, {}, f"Uncordon {fx.describe(node)}", finding.id)
                for node in nodes.cordoned(frames)
            ]
        owner = fx.workload(frames, finding.ref) or finding.ref
        count = len({s.target.name for s in steps})
        return Plan(
            f"Remove the {', '.join(keys)} taint from {count} node(s) so {fx.describe(owner)}'s pods can "
            "be scheduled",
            tuple(steps),
            findings=(finding.id,),
            notes=(
                "Remove it only if it was left behind (a maintenance window that is over). If the nodes are "
                "reserved on purpose, reject this plan and give the workload a toleration in its manifest.",
                "Pods already on these nodes are not affected; other pods may now be scheduled there too.",
                "Watch the Pending pods get a node (kubectl get pods -o wide).",
            ),
        )


def _system(finding: Finding, keys: list[str]) -> Investigation:
    checks = [
        f"The pod is kept off nodes by {', '.join(keys)}, a taint the system sets for a node's condition or "
        "role: removing it would not last. Fix what it reports (a NotReady or unreachable node, memory or "
        "disk pressure, a node still initializing).",
        "If the pod must run there anyway, it needs a toleration in its manifest.",
    ]
    commands = [inv.describe(finding.ref), inv.kubectl("describe", "nodes")]
    return inv.investigation(f"Find why the nodes carry {', '.join(keys)}", finding, checks, commands)

"""``start-sandbox-kubelet``: a NotReady node whose kubelet the sandbox stopped.

On a real cluster a NotReady node's fix is on the machine (restart the kubelet, free its disk, mend
its network), which no allowed step reaches: ``investigate-node`` says what to check. The sandbox
has no machines; it stops a node's simulated kubelet with the annotation `KUBELET_ANNOTATION`
(``stopped``: it no longer posts status; ``not-ready``: it posts ``Ready=False``), and removing the
annotation is its stand-in for repairing the kubelet. So when the frames show the not-Ready node
carries that annotation, the plan is one merge patch setting it to null; the notes say what the
step stands for and what a real cluster needs instead. A node without the annotation is left to
``investigate-node`` (this planner returns None). Scenario ``node-notready``.

Example:
    >>> StartSandboxKubelet.name
    'start-sandbox-kubelet'
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import text
from workbench.frames import Frames
from workbench.frames.schema import Nodes
from workbench.model import Action, Finding, Investigation, Plan, PlanStep
from workbench.remediation.planners import _frames as fx

KUBELET_ANNOTATION = "sandbox.workbench.io/kubelet"
"""The sandbox's switch for a node's kubelet; the same name as ``workbench.sandbox._deletion``'s
(a test holds them equal: the remediation stage does not import the sandbox, which would load its
server into every planner run against a real cluster)."""

_REAL_FIX = {
    "stopped": (
        "Start",
        "the kubelet stopped posting the node's status",
        "On a real cluster, log in to the machine (or its console), read the kubelet's log "
        "(journalctl -u kubelet) and restart it (systemctl restart kubelet); if the machine is down or "
        "unreachable, reboot or replace it.",
    ),
    "not-ready": (
        "Restart",
        "the kubelet runs but reports the node not ready",
        "On a real cluster, read the Ready condition's message and the kubelet's log on the machine "
        "(journalctl -u kubelet), fix what it names (often the network plugin's pod or config on the "
        "node), then restart the kubelet (systemctl restart kubelet).",
    ),
}
"""Per annotation value: the title's verb, what the sandbox simulates, and the real cluster's fix."""


class StartSandboxKubelet:
    """Start the sandbox's kubelet on a node it stopped (see the module docstring)."""

    name: ClassVar[str] = "start-sandbox-kubelet"
    codes: ClassVar[tuple[str, ...]] = ("node.not-ready",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A merge patch removing the sandbox's kubelet annotation; None for any other node."""
        node = fx.ref(frames, "Node", "", finding.ref.name)
        row = fx.row(frames, node)
        if row is None or text(row[Nodes.READY_STATUS]) == "True":
            return None
        annotations = row[Nodes.ANNOTATIONS] if isinstance(row[Nodes.ANNOTATIONS], dict) else {}
        value = str(annotations.get(KUBELET_ANNOTATION, ""))
        if value not in _REAL_FIX:
            return None
        verb, simulated, real = _REAL_FIX[value]
        step = PlanStep(
            Action.PATCH,
            node,
            {"patch_type": "merge", "patch": {"metadata": {"annotations": {KUBELET_ANNOTATION: None}}}},
            f"{verb} the sandbox kubelet on {node.name}",
            finding.id,
        )
        return Plan(
            f"{verb} the sandbox kubelet on {node.name}",
            (step,),
            findings=(finding.id,),
            notes=(
                f"{node.name} carries the sandbox's annotation {KUBELET_ANNOTATION}={value}: in the sandbox "
                f"{simulated}. Removing the annotation is the sandbox's stand-in for restarting the kubelet "
                "on the machine.",
                real,
                "Then watch the node turn Ready (kubectl get nodes): its node.kubernetes.io taints go, and "
                "pods stuck Terminating on it are cleaned up once its kubelet confirms they stopped.",
            ),
        )

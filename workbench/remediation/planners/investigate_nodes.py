"""``investigate-node``: a node that is NotReady, under pressure or without a pod network.

No safe fix: the cause is on the machine (a stopped kubelet, a full disk, a broken network
plugin), which no allowed step reaches; cordoning or draining it moves the symptoms, not the cause,
and the node controller already keeps new pods off an unreachable node. The investigation reads the
node's conditions and heartbeat from the frames and lists the checks. Scenario ``node-notready``.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import present, records, text
from workbench.frames import Frames
from workbench.frames.schema import Nodes, Pods
from workbench.model import Finding, Investigation, Plan
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv


class InvestigateNode:
    """What to check on a node that is not well (see the module docstring)."""

    name: ClassVar[str] = "investigate-node"
    codes: ClassVar[tuple[str, ...]] = ("node.not-ready", "node.pressure", "node.network-unavailable")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """Checks and read-only commands for the node."""
        node = fx.ref(frames, "Node", "", finding.ref.name)
        row = fx.row(frames, node)
        checks = [finding.summary + "."]
        if row is not None and text(row[Nodes.READY_STATUS]) != "True":
            heartbeat = row[Nodes.LAST_HEARTBEAT]
            checks.append(
                f"Its Ready condition is {text(row[Nodes.READY_STATUS]) or 'absent'}"
                + (
                    f" ({text(row[Nodes.READY_REASON])}: {text(row[Nodes.READY_MESSAGE])})"
                    if text(row[Nodes.READY_REASON])
                    else ""
                )
                + (f"; the last heartbeat was at {heartbeat}" if present(heartbeat) else "")
                + ". Is the kubelet running on the machine? Check its service and log there, and the "
                "machine's network path to the API server."
            )
        if finding.code == "node.pressure":
            checks.append(
                "Find what uses the memory, disk or process IDs on the node (its pods' usage, images, logs)."
            )
        if finding.code == "node.network-unavailable":
            checks.append("Check the network plugin's pods on the node and the cloud's routes for it.")
        pods = records(frames.pods[(frames.pods[Pods.NODE] == node.name).fillna(False).to_numpy(dtype=bool)])
        if pods:
            checks.append(
                f"{len(pods)} pod(s) are bound to it: check their workloads have replicas on other nodes. "
                "Pods evicted from an unreachable node stay Terminating until its kubelet confirms, or the "
                "Node is deleted."
            )
        checks.append(
            "If the machine is gone for good, delete its Node object by hand after checking (not a plan "
            "step); if it comes back, its pods and taints clear on their own."
        )
        commands = [
            inv.describe(node),
            inv.kubectl("get", "pods", "-A", "--field-selector", f"spec.nodeName={node.name}", "-o", "wide"),
            inv.kubectl("get", "lease", node.name, "-n", "kube-node-lease", "-o", "yaml"),
            inv.events(node),
        ]
        return inv.investigation(f"Find what is wrong on {fx.describe(node)}", finding, checks, commands)

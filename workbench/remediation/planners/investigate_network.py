"""``investigate-networkpolicy``: a NetworkPolicy that cuts pods off from all traffic.

Asked after ``allow-ingress``, which plans a new policy allowing exactly the connection the callers'
logs show dropped; when that chain of evidence is not there (no log tail naming a timeout, a policy
with rules the frames cannot read), this says what to check: the right change is still a new policy
that allows exactly the connections needed — deleting or emptying the deny policy would open every
pod it protects. The investigation lists what the policy isolates (the finding's evidence) and how
to write the allow rule.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.frames import Frames
from workbench.model import Finding, Investigation, Plan
from workbench.remediation.planners import _investigate as inv


class InvestigateNetworkPolicy:
    """What to check for a policy that blocks traffic (see the module docstring)."""

    name: ClassVar[str] = "investigate-networkpolicy"
    codes: ClassVar[tuple[str, ...]] = ("networkpolicy.blocks-traffic",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """Checks and read-only commands for the policy."""
        ns = finding.ref.namespace
        facts = "; ".join(str(e) for e in finding.evidence)
        services = [r for r in finding.related if r.kind == "Service"] or [
            e.ref for e in finding.evidence if e.ref is not None and e.ref.kind == "Service"
        ]
        checks = [
            finding.summary + ".",
            f"What it isolates: {facts}."
            if facts
            else "Read which pods it selects and which policy types it sets.",
            "List the connections that must work: which pods call "
            + (", ".join(str(s) for s in services) if services else "the isolated pods")
            + ", on which ports (the callers' logs show timeouts).",
            "Add a NetworkPolicy that allows exactly those: podSelector = the server's pods, ingress from "
            "the callers' pod labels, on the server's port. Keep the deny policy: deleting it opens every "
            "pod.",
        ]
        commands = [
            inv.describe(finding.ref),
            inv.kubectl("get", "networkpolicies", "-n", ns),
            inv.kubectl("get", "pods", "-n", ns, "--show-labels"),
            inv.kubectl("get", "services", "-n", ns, "-o", "wide"),
        ]
        return inv.investigation(
            f"Find which traffic {finding.ref.name} must allow", finding, checks, commands
        )

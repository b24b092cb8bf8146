"""``investigate-job``: a Job that failed, a CronJob whose runs fail.

What the planners asked before this one could not fix: runs killed for memory are
``raise-memory-limit``'s (for a CronJob's runs it raises the job template's limit), a failed Job whose
log names a variable that is not set is ``recreate-job``'s, a CronJob whose runs read a file from the
wrong mount is ``fix-mount-path``'s. Anything else in a run's logs (or no log tails in the frames)
gets this investigation: a Job's pod template is immutable, so the fix is a new Job from a corrected
manifest. Scenarios ``failed-job`` and ``cronjob-failing`` without log tails.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.frames import Frames
from workbench.model import Finding, Investigation, Plan
from workbench.remediation.planners import _investigate as inv


class InvestigateJob:
    """What to check for failing Jobs (see the module docstring)."""

    name: ClassVar[str] = "investigate-job"
    codes: ClassVar[tuple[str, ...]] = ("job.failed", "cronjob.failing")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """Checks and read-only commands for the Job or CronJob."""
        ns = finding.ref.namespace
        facts = [str(e) for e in finding.evidence if e.subject.startswith("container")]
        jobs = [r for r in finding.related if r.kind == "Job"]
        checks = [finding.summary + "."]
        if facts:
            checks.append("How its pods ended: " + "; ".join(facts) + ".")
        checks.append(
            "Read the failed pods' logs: they say what the program missed (a setting, a file, a permission)."
        )
        if finding.ref.kind == "Job":
            checks.append(
                "A Job's pod template is immutable: fix the manifest, delete the failed Job and create it "
                "again."
            )
            commands = [inv.describe(finding.ref), inv.kubectl("logs", f"job/{finding.ref.name}", "-n", ns)]
        else:
            checks.append(
                "Fix the CronJob's job template (command, env, volumes), then run it once by hand "
                f"(kubectl create job --from=cronjob/{finding.ref.name}) to check before the next schedule."
            )
            commands = [inv.describe(finding.ref), inv.kubectl("get", "jobs", "-n", ns)]
            commands += [inv.kubectl("logs", f"job/{j.name}", "-n", ns) for j in jobs[:1]]
        commands.append(inv.kubectl("get", "pods", "-n", ns, "-o", "wide"))
        return inv.investigation(f"Find why {inv_name(finding)} fails", finding, checks, commands)


def inv_name(finding: Finding) -> str:
    """``job finance/ledger-export``."""
    return f"{finding.ref.kind.lower()} {finding.ref.namespace}/{finding.ref.name}"

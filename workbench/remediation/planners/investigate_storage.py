"""``investigate-pvc``: a claim that stays Pending.

Asked after ``create-storage-class``, which plans the missing class when it can copy the one default
class; when it cannot (no default class, several, a class list that was not read), or the class
exists and the claim waits for something else, this says what to check: a claim's
``storageClassName`` cannot be changed after creation (the API refuses it), and recreating the
claim is a delete. The investigation names the classes the cluster has (from the frames) and both
ways out.
"""

from __future__ import annotations

from typing import ClassVar

from workbench.analyzers._common import records, text
from workbench.frames import Frames
from workbench.frames.schema import Pvcs, StorageClasses
from workbench.model import Finding, Investigation, Plan
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv


class InvestigateClaim:
    """What to check for a Pending claim (see the module docstring)."""

    name: ClassVar[str] = "investigate-pvc"
    codes: ClassVar[tuple[str, ...]] = ("pvc.pending",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """Checks and read-only commands for the claim."""
        claim = fx.ref(frames, "PersistentVolumeClaim", finding.ref.namespace, finding.ref.name)
        row = fx.row(frames, claim)
        wanted = text(row[Pvcs.STORAGE_CLASS]) if row is not None else ""
        classes = records(frames.storageclasses)
        names = {str(c[StorageClasses.NAME]) for c in classes}
        listed = ", ".join(
            f"{c[StorageClasses.NAME]} ({text(c[StorageClasses.PROVISIONER])}"
            + (", default" if c[StorageClasses.DEFAULT] else "")
            + ")"
            for c in sorted(classes, key=lambda c: str(c[StorageClasses.NAME]))
        )
        checks = [finding.summary + "."]
        if wanted and wanted not in names:
            checks += [
                f"StorageClass {wanted} does not exist here; the cluster has: {listed or 'none'}.",
                "A claim's storageClassName cannot be changed after creation. Either create a "
                f"StorageClass named {wanted} backed by a provisioner this cluster runs, or delete the claim "
                "and create it again with an existing class (a claim that never bound holds no data). "
                "A plan creates the class only when it can copy the cluster's one default class.",
            ]
        else:
            checks.append(
                "Read the claim's events for the provisioner's error (quota, zone, a WaitForFirstConsumer "
                "class waiting for a pod to be scheduled) and check the provisioner's pods."
            )
        commands = [inv.describe(claim), inv.kubectl("get", "storageclass"), inv.events(claim)]
        return inv.investigation(
            f"Find how {fx.describe(claim)} can be provisioned", finding, checks, commands
        )

"""``create-storage-class``: a claim waits for a StorageClass this cluster does not have — create a
class of that name that provisions the way the cluster's default class does.

Rule: the claim is Pending, names a class (``storageClassName``), the StorageClasses were read and
none has that name, and exactly one class is the default. The step creates a class of the missing
name with the default class's provisioner, reclaim policy, binding mode and expansion setting: the
claim then provisions as a claim of the default class would. It is the name only — volumes of a
"fast-ssd" class made this way are whatever the default provisioner makes — and the notes say so, and
name the other way out (recreate the claim with an existing class: a claim's class is immutable).
No default class, several, a class list that could not be read, or a claim that names no class (it
already gets the default): None, and the investigation answers.

Scenario ``pvc-pending``: inventory-db-data asks for fast-ssd; kind's default class is standard
(rancher.io/local-path): the plan creates fast-ssd backed by local-path, which heals it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from workbench.analyzers._common import present, readable, records, text
from workbench.frames import Frames
from workbench.frames.schema import Pvcs, StorageClasses
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx

_API_VERSION = "storage.k8s.io/v1"
_COPIED = (
    ("reclaim_policy", StorageClasses.RECLAIM_POLICY),
    ("volume_binding_mode", StorageClasses.BINDING_MODE),
    ("allow_volume_expansion", StorageClasses.ALLOW_EXPANSION),
)
"""Step parameter ← the default class's column it is copied from."""


class CreateStorageClass:
    """Create the missing class a Pending claim names, like the default class (module docstring)."""

    name: ClassVar[str] = "create-storage-class"
    codes: ClassVar[tuple[str, ...]] = ("pvc.pending",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A create-storage-class step, or None when the evidence does not hold."""
        if finding.ref.kind != "PersistentVolumeClaim" or not readable(frames, StorageClasses.FRAME):
            return None
        claim = fx.row(frames, finding.ref)
        if claim is None or text(claim[Pvcs.PHASE]) != "Pending":
            return None
        wanted = text(claim[Pvcs.STORAGE_CLASS])
        classes = records(frames.storageclasses)
        defaults = [
            c for c in classes if present(c[StorageClasses.DEFAULT]) and bool(c[StorageClasses.DEFAULT])
        ]
        if not wanted or any(text(c[StorageClasses.NAME]) == wanted for c in classes) or len(defaults) != 1:
            return None
        (default,) = defaults
        provisioner = text(default[StorageClasses.PROVISIONER])
        if not provisioner:
            return None
        params: dict[str, Any] = {"provisioner": provisioner}
        for param, column in _COPIED:
            value = default[column]
            if present(value):
                params[param] = bool(value) if param == "allow_volume_expansion" else str(value)
        parameters = default[StorageClasses.PARAMETERS]
        if isinstance(parameters, dict) and parameters:
            params["parameters"] = {str(k): str(v) for k, v in parameters.items()}
        return _plan(finding, wanted, text(default[StorageClasses.NAME]), params)


def _plan(finding: Finding, wanted: str, default: str, params: dict[str, Any]) -> Plan:
    claim = finding.ref
    how = ", ".join(
        [params["provisioner"]]
        + [f"reclaim {params['reclaim_policy']}"] * ("reclaim_policy" in params)
        + [f"binding {params['volume_binding_mode']}"] * ("volume_binding_mode" in params)
    )
    step = PlanStep(
        Action.CREATE_STORAGE_CLASS,
        ObjectRef("StorageClass", "", wanted, api_version=_API_VERSION),
        params,
        f"Create StorageClass {wanted} provisioning like the default class {default} ({how})",
        finding.id,
    )
    where = f"-n {claim.namespace} " if claim.namespace else ""
    return Plan(
        f"Create the StorageClass {wanted} that claim {claim.namespace}/{claim.name} asks for",
        (step,),
        findings=(finding.id,),
        notes=(
            f"This creates a class named {wanted} backed by the default class {default}'s provisioner "
            f"({how}): the name only — its volumes are what {default} makes, not real {wanted} storage. "
            "Other claims that name it get the same.",
            f"The other way out: a claim's storageClassName cannot be changed, so delete {claim.name} and "
            f"create it again with an existing class ({default}); a claim that never bound holds no data.",
            "Its parameters are the default class's"
            + (
                f" ({', '.join(f'{k}={v}' for k, v in params['parameters'].items())})"
                if "parameters" in params
                else " (none)"
            )
            + ": compare with what the claim's manifest expected of a class of that name.",
            f"Watch `kubectl get pvc {claim.name} {where}-w`: it binds "
            + (
                "once its pod is scheduled (WaitForFirstConsumer)."
                if params.get("volume_binding_mode") == "WaitForFirstConsumer"
                else "as soon as the volume is provisioned."
            ),
        ),
    )

"""Storage hygiene (k8sgpt's Storage analyzer): released and failed PersistentVolumes, default classes.

A missing StorageClass is reported on the claims that need it (`pvc.pending`). Cluster-wide
findings about the default class have no single object, so their ref is the pseudo-object
``StorageClass "(default)"`` (a name no real StorageClass can have); the classes and claims
concerned are in the evidence. No finding here names ``related`` objects: those are a finding's
causes, and a released volume's claim or a class-less claim is none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from workbench.analyzers._common import readable, records, text
from workbench.analyzers.base import DOCS
from workbench.frames import Frames
from workbench.frames.schema import Pvcs, Pvs, StorageClasses
from workbench.model import Evidence, Finding, ObjectRef, Severity

PV_URL = f"{DOCS}concepts/storage/persistent-volumes/#reclaiming"
DEFAULT_URL = f"{DOCS}tasks/administer-cluster/change-default-storage-class/"
DEFAULT_CLASS = ObjectRef("StorageClass", "", "(default)")
"""The ref of findings about the cluster's default StorageClass."""
FEW = 5


class StorageAnalyzer:
    """PersistentVolumes Released or Failed; no default StorageClass, or more than one."""

    name: ClassVar[str] = "storage"
    codes: ClassVar[tuple[str, ...]] = (
        "pv.released",
        "pv.failed",
        "storage.no-default-class",
        "storage.multiple-default-classes",
    )

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """Findings on PersistentVolumes and on the cluster's default StorageClass."""
        out = _volumes(frames)
        if readable(frames, StorageClasses.FRAME):
            out.extend(_defaults(frames))
        return out


def _volumes(frames: Frames) -> list[Finding]:
    pvs = frames.pvs
    out: list[Finding] = []
    for row in records(pvs[pvs[Pvs.DELETED].isna() & pvs[Pvs.PHASE].isin(["Released", "Failed"])]):
        ref = ObjectRef("PersistentVolume", "", str(row[Pvs.NAME]), text(row[Pvs.UID]))
        claim = text(row[Pvs.CLAIM_NAME])
        claim_ref = (
            ObjectRef("PersistentVolumeClaim", text(row[Pvs.CLAIM_NAMESPACE]), claim) if claim else None
        )
        policy = text(row[Pvs.RECLAIM_POLICY]) or "Retain"
        evidence = [
            Evidence("field", "status.phase", str(row[Pvs.PHASE])),
            Evidence("spec", "spec.persistentVolumeReclaimPolicy", policy),
        ]
        if claim_ref is not None:
            evidence.append(Evidence("spec", "spec.claimRef", f"{claim_ref.namespace}/{claim}"))
        if text(row[Pvs.MESSAGE]) or text(row[Pvs.REASON]):
            evidence.append(
                Evidence("field", "status.message", text(row[Pvs.MESSAGE]) or text(row[Pvs.REASON]))
            )
        if row[Pvs.PHASE] == "Failed":
            out.append(
                Finding(
                    "pv.failed",
                    Severity.WARNING,
                    ref,
                    f"PersistentVolume {ref.name} is Failed: its automatic reclamation failed",
                    evidence=tuple(evidence),
                    explanation=(
                        "The volume's claim was deleted and reclaiming the volume (deleting or recycling "
                        "it) failed; the status message says why. The storage is still allocated: "
                        "delete it in the storage system and then the PersistentVolume."
                    ),
                    docs_url=PV_URL,
                )
            )
            continue
        # Retain keeps a released volume on purpose (its data waits for an admin); with Delete the
        # provisioner should have removed it, so lingering means deletion is stuck.
        kept = policy == "Retain"
        out.append(
            Finding(
                "pv.released",
                Severity.INFO if kept else Severity.WARNING,
                ref,
                f"PersistentVolume {ref.name} is Released"
                + (" (kept by its Retain policy)" if kept else f" but not deleted (reclaim policy {policy})"),
                evidence=tuple(evidence),
                explanation=(
                    "The claim bound to this volume was deleted. A Released volume is not offered to new "
                    "claims: with Retain, copy or delete its data, then delete the PersistentVolume (or "
                    "clear its claimRef to reuse it); with Delete, the provisioner failed to remove it: "
                    "check its logs."
                ),
                docs_url=PV_URL,
            )
        )
    return out


def _defaults(frames: Frames) -> list[Finding]:
    classes = frames.storageclasses
    defaults = classes[classes[StorageClasses.DEFAULT]].sort_values(StorageClasses.CREATED, kind="stable")
    refs = [
        ObjectRef("StorageClass", "", str(n), text(u))
        for n, u in zip(defaults[StorageClasses.NAME], defaults[StorageClasses.UID], strict=True)
    ]
    if len(refs) > 1:
        return [
            Finding(
                "storage.multiple-default-classes",
                Severity.WARNING,
                DEFAULT_CLASS,
                f"{len(refs)} StorageClasses are marked default: {', '.join(r.name for r in refs)}",
                evidence=tuple(
                    Evidence("spec", "storageclass.kubernetes.io/is-default-class", "true", r) for r in refs
                ),
                explanation=(
                    "Claims that name no class get the most recently created default class "
                    f"({refs[-1].name}), which may not be the one intended (older clusters reject them). "
                    "Keep the annotation on exactly one StorageClass."
                ),
                docs_url=DEFAULT_URL,
            )
        ]
    if refs:
        return []
    pvcs = frames.pvcs
    classless = pvcs[pvcs[Pvcs.STORAGE_CLASS].isna() & pvcs[Pvcs.DELETED].isna()]
    if classless.empty:
        return []
    claims = [
        ObjectRef("PersistentVolumeClaim", str(ns), str(n), text(u))
        for ns, n, u in zip(classless[Pvcs.NAMESPACE], classless[Pvcs.NAME], classless[Pvcs.UID], strict=True)
    ]
    listed = ", ".join(f"{c.namespace}/{c.name}" for c in claims[:FEW])
    return [
        Finding(
            "storage.no-default-class",
            Severity.INFO,
            DEFAULT_CLASS,
            f"No StorageClass is marked default, and {len(claims)} claim(s) name no class",
            evidence=(
                Evidence("field", "default StorageClass", "none"),
                Evidence("spec", "claims without spec.storageClassName", listed),
            ),
            explanation=(
                "Claims that name no StorageClass are provisioned from the default class; with none, "
                "new claims like these stay Pending unless a matching PersistentVolume exists. Mark one "
                "class default with the storageclass.kubernetes.io/is-default-class annotation."
            ),
            docs_url=DEFAULT_URL,
        )
    ]

"""PersistentVolumeClaims that are not bound: Pending for a reason, or Lost.

A Pending claim is judged by what blocks it, most specific first: a StorageClass that does not
exist, no default class for a claim that names none, provisioning or binding warnings, and
finally time (Pending over `PENDING_GRACE_SECONDS` with no warning). A claim of a
``WaitForFirstConsumer`` class waits for its first pod by design and is not a failure on its own
(a pod that cannot be scheduled is the pod analyzers' finding).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from workbench.analyzers._common import (
    EventIndex,
    cluster_now,
    event_evidence,
    present,
    readable,
    records,
    text,
)
from workbench.analyzers.base import DOCS
from workbench.analyzers.nodes._clock import age, duration
from workbench.frames import Frames
from workbench.frames.schema import Events, Pvcs, StorageClasses
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}concepts/storage/persistent-volumes/"
CLASS_URL = f"{DOCS}concepts/storage/storage-classes/"
PENDING_GRACE_SECONDS = 300.0
"""A claim Pending longer than this without any warning is reported anyway (provisioning is slow)."""
CLAIM_EVENTS = (
    "ProvisioningFailed",
    "FailedBinding",
    "ExternalProvisioning",
    "Provisioning",
    "WaitForFirstConsumer",
)


class PvcAnalyzer:
    """Claims stuck Pending (with what blocks them) or Lost."""

    name: ClassVar[str] = "pvc"
    codes: ClassVar[tuple[str, ...]] = ("pvc.pending", "pvc.lost")

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """A finding per claim that is Lost, or Pending with a cause (see the module doc)."""
        pvcs = frames.pvcs
        bad = pvcs[pvcs[Pvcs.DELETED].isna() & pvcs[Pvcs.PHASE].isin(["Pending", "Lost"])]
        if bad.empty:
            return []
        classes = _classes(frames)
        events = EventIndex(frames)
        at = cluster_now(frames)
        out: list[Finding] = []
        for row in records(bad):
            ref = ObjectRef(
                "PersistentVolumeClaim", str(row[Pvcs.NAMESPACE]), str(row[Pvcs.NAME]), text(row[Pvcs.UID])
            )
            if row[Pvcs.PHASE] == "Lost":
                out.append(_lost(ref, row))
                continue
            finding = _pending(ref, row, classes, events, age(row[Pvcs.CREATED], at))
            if finding is not None:
                out.append(finding)
        return out


def _classes(frames: Frames) -> dict[str, dict[str, Any]] | None:
    """StorageClasses by name; None when the frame was not read (then no class counts as missing)."""
    if not readable(frames, StorageClasses.FRAME):
        return None
    return {str(r[StorageClasses.NAME]): r for r in records(frames.storageclasses)}


def _pending(
    ref: ObjectRef,
    row: dict[str, Any],
    classes: dict[str, dict[str, Any]] | None,
    events: EventIndex,
    pending_for: float | None,
) -> Finding | None:
    named = text(row[Pvcs.STORAGE_CLASS])
    # storageClassName "" asks for no class at all (a pre-provisioned volume), unlike an unset one.
    explicit_none = isinstance(row[Pvcs.STORAGE_CLASS], str) and row[Pvcs.STORAGE_CLASS] == ""
    seen = events.reasons(ref, *CLAIM_EVENTS)
    warnings = [e for e in seen if e[Events.TYPE] == "Warning"]
    evidence = [Evidence("field", "status.phase", "Pending")]
    if pending_for is not None:
        evidence.append(Evidence("field", "age", duration(pending_for)))
    related: tuple[ObjectRef, ...] = ()
    class_missing = False  # the claim's StorageClass is missing, or there is no default one
    cls = classes.get(named) if classes is not None and named else None
    if named and classes is not None and cls is None:
        evidence.append(Evidence("spec", "spec.storageClassName", f"{named} (no such StorageClass)"))
        related = (ObjectRef("StorageClass", "", named),)
        class_missing = True
        cause = f"StorageClass {named} does not exist"
        why = (
            f"The claim asks for StorageClass {named}, which this cluster does not have, so no volume is "
            "provisioned and every pod that mounts the claim stays Pending. A claim's class cannot be "
            "changed: create the StorageClass (existing ones: "
            f"{', '.join(sorted(classes)) or 'none'}), or recreate the claim with an existing class."
        )
    elif not named and not explicit_none and classes is not None and not _defaults(classes):
        evidence.append(
            Evidence("spec", "spec.storageClassName", "unset, and no StorageClass is the default")
        )
        class_missing = True
        cause = "it names no StorageClass and the cluster has no default one"
        why = (
            "The claim names no StorageClass, so it would get the default class, but no class is marked "
            "default (storageclass.kubernetes.io/is-default-class). Mark one default, or recreate the "
            "claim with a class."
        )
    elif warnings:
        cause = text(warnings[-1][Events.MESSAGE]) or text(warnings[-1][Events.REASON])
        if cls is not None:
            evidence.append(
                Evidence("spec", "spec.storageClassName", named, ObjectRef("StorageClass", "", named))
            )
        why = (
            "The volume could not be provisioned or bound; the events say why (a provisioner error, a "
            "quota, no PersistentVolume that matches the claim's size, access modes or selector). Check "
            "the provisioner's pods and logs for the class."
        )
    elif cls is not None and text(cls[StorageClasses.BINDING_MODE]) == "WaitForFirstConsumer":
        return None
    elif pending_for is not None and pending_for >= PENDING_GRACE_SECONDS:
        cause = f"still Pending after {duration(pending_for)}"
        why = (
            "No volume has been provisioned or bound for the claim, and nothing reported an error: the "
            "provisioner may be missing or stuck, or a statically provisioned PersistentVolume that "
            "matches it does not exist. Check the class's provisioner pods and `kubectl describe pvc`."
        )
    else:
        return None
    evidence.append(Evidence("spec", "spec.resources.requests.storage", _size(row[Pvcs.STORAGE_REQUEST])))
    evidence.extend(event_evidence(e) for e in seen[-3:])
    return Finding(
        "pvc.pending",
        Severity.ERROR if (warnings or related or class_missing) else Severity.WARNING,
        ref,
        f"PersistentVolumeClaim {ref.namespace}/{ref.name} is Pending: {cause}",
        evidence=tuple(evidence),
        explanation=why,
        docs_url=CLASS_URL if class_missing else DOCS_URL,
        # A claim's class cannot change; a missing class can be created (after the default one).
        planners=("create-storage-class",) if class_missing else (),
        related=related,
    )


def _defaults(classes: dict[str, dict[str, Any]]) -> list[str]:
    return sorted(name for name, row in classes.items() if row[StorageClasses.DEFAULT])


def _size(value: Any) -> str:
    if not present(value):
        return "unset"
    size = int(value)
    for unit, factor in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


def _lost(ref: ObjectRef, row: dict[str, Any]) -> Finding:
    volume = text(row[Pvcs.VOLUME_NAME])
    related = (ObjectRef("PersistentVolume", "", volume),) if volume else ()
    return Finding(
        "pvc.lost",
        Severity.ERROR,
        ref,
        f"PersistentVolumeClaim {ref.namespace}/{ref.name} is Lost: its volume {volume or '?'} is gone",
        evidence=(
            Evidence("field", "status.phase", "Lost"),
            Evidence("spec", "spec.volumeName", volume or "unset"),
        ),
        explanation=(
            "The PersistentVolume the claim was bound to no longer exists, so pods that mount the claim "
            "cannot start. Data on it may be lost: restore the PersistentVolume (from a backup or the "
            "storage system) with a claimRef to this claim, or recreate the claim."
        ),
        docs_url=DOCS_URL,
        related=related,
    )

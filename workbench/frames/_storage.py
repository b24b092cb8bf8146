"""Storage: the ``pvcs``, ``pvs`` and ``storageclasses`` frames from raw list pages."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _objects as o
from workbench.frames.schema import Pvcs, Pvs, StorageClasses
from workbench.sources._kinds import Kind

PROVISIONER = "volume.kubernetes.io/storage-provisioner"
PROVISIONER_BETA = "volume.beta.kubernetes.io/storage-provisioner"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
DEFAULT_CLASS_BETA = "storageclass.beta.kubernetes.io/is-default-class"

# The volume sources a PersistentVolume spec can name; the first one present is its `volume_source`.
VOLUME_SOURCES = (
    "csi",
    "hostPath",
    "local",
    "nfs",
    "iscsi",
    "fc",
    "rbd",
    "cephfs",
    "cinder",
    "awsElasticBlockStore",
    "gcePersistentDisk",
    "azureDisk",
    "azureFile",
    "vsphereVolume",
    "portworxVolume",
    "glusterfs",
    "flexVolume",
    "flocker",
    "quobyte",
    "photonPersistentDisk",
    "scaleIO",
    "storageos",
)


class StorageResources(msgspec.Struct, gc=False):
    requests: dict[str, d.QuantityText] = {}


class PvcSpec(msgspec.Struct, rename="camel", gc=False):
    storage_class_name: str | None = None
    access_modes: list[str] = []
    resources: StorageResources | None = None
    volume_name: str | None = None
    volume_mode: str | None = None


class PvcStatus(msgspec.Struct, gc=False):
    phase: str | None = None
    capacity: dict[str, d.QuantityText] = {}


class Pvc(msgspec.Struct, gc=False):
    metadata: o.AnnotatedMeta = msgspec.field(default_factory=o.AnnotatedMeta)
    spec: PvcSpec = msgspec.field(default_factory=PvcSpec)
    status: PvcStatus = msgspec.field(default_factory=PvcStatus)


class ClaimRef(msgspec.Struct, gc=False):
    namespace: str | None = None
    name: str | None = None
    uid: str | None = None


class Csi(msgspec.Struct, gc=False):
    driver: str | None = None


class PvSpec(msgspec.Struct, rename="camel", gc=False):
    claim_ref: ClaimRef | None = None
    storage_class_name: str | None = None
    capacity: dict[str, d.QuantityText] = {}
    access_modes: list[str] = []
    volume_mode: str | None = None
    persistent_volume_reclaim_policy: str | None = None
    csi: Csi | None = None


class PvStatus(msgspec.Struct, gc=False):
    phase: str | None = None
    reason: str | None = None
    message: str | None = None


class Pv(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    # Kept raw and decoded twice: typed for its fields, and as a key set for its volume source.
    spec: msgspec.Raw = msgspec.Raw(b"{}")
    status: PvStatus = msgspec.field(default_factory=PvStatus)


class StorageClass(msgspec.Struct, rename="camel", gc=False):
    metadata: o.AnnotatedMeta = msgspec.field(default_factory=o.AnnotatedMeta)
    provisioner: str | None = None
    reclaim_policy: str | None = None
    volume_binding_mode: str | None = None
    allow_volume_expansion: bool = False
    parameters: dict[str, str] | None = None


_PVCS = d.list_decoder(Pvc)
_PVS = d.list_decoder(Pv)
_PV_SPEC = msgspec.json.Decoder(PvSpec)
_PV_SPEC_KEYS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_STORAGECLASSES = d.list_decoder(StorageClass)


def build_pvcs(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``pvcs`` frame from raw PersistentVolumeClaim List pages.

    Args:
        kind: the PersistentVolumeClaim kind (the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time.

    Returns:
        ``{"pvcs": ...}`` matching `schema.Pvcs`.
    """
    return o.build_one(Pvcs, kind.kind, _PVCS, pages, _pvc_row)


def _pvc_row(rows: o.Rows, pvc: Pvc) -> None:
    meta, spec, status = pvc.metadata, pvc.spec, pvc.status
    requests = (spec.resources or StorageResources()).requests
    rows.add(
        meta,
        (
            (Pvcs.CREATED, meta.creation_timestamp),
            (Pvcs.DELETED, meta.deletion_timestamp),
            (Pvcs.LABELS, meta.labels),
            (Pvcs.PHASE, status.phase),
            (Pvcs.STORAGE_CLASS, spec.storage_class_name),
            (Pvcs.STORAGE_REQUEST, d.byte_count(requests.get("storage"))),
            (Pvcs.STORAGE_CAPACITY, d.byte_count(status.capacity.get("storage"))),
            (Pvcs.VOLUME_NAME, spec.volume_name or None),
            (Pvcs.ACCESS_MODES, spec.access_modes),
            (Pvcs.VOLUME_MODE, spec.volume_mode),
            (Pvcs.PROVISIONER, meta.annotation(PROVISIONER) or meta.annotation(PROVISIONER_BETA)),
            (Pvcs.SELECTED_NODE, meta.annotation(SELECTED_NODE)),
        ),
    )


def build_pvs(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``pvs`` frame from raw PersistentVolume List pages (see `build_pvcs`)."""
    return o.build_one(Pvs, kind.kind, _PVS, pages, _pv_row)


def _pv_row(rows: o.Rows, pv: Pv) -> None:
    meta, status = pv.metadata, pv.status
    spec = _PV_SPEC.decode(pv.spec)
    spec_keys = _PV_SPEC_KEYS.decode(pv.spec)
    claim = spec.claim_ref or ClaimRef()
    source = next((name for name in VOLUME_SOURCES if name in spec_keys), None)
    rows.add(
        meta,
        (
            (Pvs.CREATED, meta.creation_timestamp),
            (Pvs.DELETED, meta.deletion_timestamp),
            (Pvs.LABELS, meta.labels),
            (Pvs.PHASE, status.phase),
            (Pvs.REASON, status.reason),
            (Pvs.MESSAGE, status.message),
            (Pvs.CLAIM_NAMESPACE, claim.namespace),
            (Pvs.CLAIM_NAME, claim.name),
            (Pvs.CLAIM_UID, claim.uid),
            (Pvs.STORAGE_CLASS, spec.storage_class_name or None),
            (Pvs.STORAGE_CAPACITY, d.byte_count(spec.capacity.get("storage"))),
            (Pvs.ACCESS_MODES, spec.access_modes),
            (Pvs.VOLUME_MODE, spec.volume_mode),
            (Pvs.RECLAIM_POLICY, spec.persistent_volume_reclaim_policy),
            (Pvs.VOLUME_SOURCE, source),
            (Pvs.CSI_DRIVER, spec.csi.driver if spec.csi is not None else None),
        ),
    )


def build_storageclasses(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``storageclasses`` frame from raw StorageClass List pages (see `build_pvcs`)."""
    return o.build_one(StorageClasses, kind.kind, _STORAGECLASSES, pages, _storageclass_row)


def _storageclass_row(rows: o.Rows, sc: StorageClass) -> None:
    meta = sc.metadata
    default = (meta.annotation(DEFAULT_CLASS) or meta.annotation(DEFAULT_CLASS_BETA) or "").lower() == "true"
    rows.add(
        meta,
        (
            (StorageClasses.CREATED, meta.creation_timestamp),
            (StorageClasses.LABELS, meta.labels),
            (StorageClasses.PROVISIONER, sc.provisioner),
            (StorageClasses.DEFAULT, default),
            # The API's defaults, so a class read from a raw manifest means the same.
            (StorageClasses.BINDING_MODE, sc.volume_binding_mode or "Immediate"),
            (StorageClasses.RECLAIM_POLICY, sc.reclaim_policy or "Delete"),
            (StorageClasses.ALLOW_EXPANSION, sc.allow_volume_expansion),
            (StorageClasses.PARAMETERS, sc.parameters or {}),
        ),
    )

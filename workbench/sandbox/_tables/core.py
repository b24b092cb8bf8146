"""Table rows for the core/v1 kinds other than Pod and Service: nodes, config, storage and events.

Fields the API server always fills on write (a namespace's phase, a PV's reclaim policy, a PVC's
volume mode...) are read with the same default when a sandbox object lacks them, so the row matches
what a real cluster would print for the object once stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._tables._format import (
    AGE,
    NAME,
    NONE,
    UNKNOWN,
    UNSET,
    Obj,
    Printer,
    age,
    col,
    dig,
    items,
    mapping,
    name_of,
    num,
    parse_time,
    since,
    text,
)
from workbench.sandbox._tables._quantity import quantity_or_zero

_ROLE_PREFIX = "node-role.kubernetes.io/"

NODE_COLUMNS = (
    NAME,
    col("Status", doc="The status of the node"),
    col("Roles", doc="The roles of the node"),
    AGE,
    col("Version", doc="NodeSystemInfo.kubeletVersion"),
    col("Internal-IP", doc="NodeStatus.addresses", wide=True),
    col("External-IP", doc="NodeStatus.addresses", wide=True),
    col("OS-Image", doc="NodeSystemInfo.osImage", wide=True),
    col("Kernel-Version", doc="NodeSystemInfo.kernelVersion", wide=True),
    col("Container-Runtime", doc="NodeSystemInfo.containerRuntimeVersion", wide=True),
)


def _node_roles(node: Obj) -> str:
    roles = set()
    for key, value in mapping(node, "metadata", "labels").items():
        if key.startswith(_ROLE_PREFIX) and key[len(_ROLE_PREFIX) :]:
            roles.add(key[len(_ROLE_PREFIX) :])
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) or NONE


def _node_address(node: Obj, kind: str) -> str:
    for address in items(node, "status", "addresses"):
        if dig(address, "type") == kind:
            return text(address, "address")
    return NONE


def _node_cells(node: Obj, now: datetime) -> list[Any]:
    # Only the Ready condition is shown; a later duplicate of a type wins, as in the Go map.
    ready = {dig(c, "type"): dig(c, "status") for c in items(node, "status", "conditions")}.get("Ready")
    status = ["Unknown"] if ready is None else ["Ready" if ready == "True" else "NotReady"]
    if dig(node, "spec", "unschedulable") is True:
        status.append("SchedulingDisabled")
    info = mapping(node, "status", "nodeInfo")
    return [
        name_of(node),
        ",".join(status),
        _node_roles(node),
        age(node, now),
        text(info, "kubeletVersion"),
        _node_address(node, "InternalIP"),
        _node_address(node, "ExternalIP"),
        text(info, "osImage", default=UNKNOWN),
        text(info, "kernelVersion", default=UNKNOWN),
        text(info, "containerRuntimeVersion", default=UNKNOWN),
    ]


NAMESPACE_COLUMNS = (NAME, col("Status", doc="The status of the namespace"), AGE)


def _namespace_cells(ns: Obj, now: datetime) -> list[Any]:
    return [name_of(ns), text(ns, "status", "phase", default="Active"), age(ns, now)]


CONFIGMAP_COLUMNS = (NAME, col("Data", doc="ConfigMap.data"), AGE)


def _configmap_cells(cm: Obj, now: datetime) -> list[Any]:
    return [name_of(cm), len(mapping(cm, "data")) + len(mapping(cm, "binaryData")), age(cm, now)]


SECRET_COLUMNS = (NAME, col("Type", doc="Secret.type"), col("Data", doc="Secret.data"), AGE)


def _secret_cells(secret: Obj, now: datetime) -> list[Any]:
    # The API server merges write-only stringData into data; count both in case the store did not.
    keys = set(mapping(secret, "data")) | set(mapping(secret, "stringData"))
    return [name_of(secret), text(secret, "type", default="Opaque"), len(keys), age(secret, now)]


SERVICEACCOUNT_COLUMNS = (NAME, col("Secrets", doc="ServiceAccount.secrets"), AGE)


def _serviceaccount_cells(sa: Obj, now: datetime) -> list[Any]:
    return [name_of(sa), len(items(sa, "secrets")), age(sa, now)]


def access_modes(modes: list[Any]) -> str:
    """helper.GetAccessModesAsString: ``RWO,ROX,RWX,RWOP`` in that fixed order."""
    abbreviations = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    return ",".join(short for mode, short in abbreviations.items() if mode in modes)


def _storage_class(obj: Obj) -> str:
    """GetPersistentVolume(Claim)Class: the beta annotation wins over spec.storageClassName."""
    annotations = mapping(obj, "metadata", "annotations")
    if "volume.beta.kubernetes.io/storage-class" in annotations:
        return str(annotations["volume.beta.kubernetes.io/storage-class"])
    return text(obj, "spec", "storageClassName")


PV_COLUMNS = (
    NAME,
    col("Capacity", doc="PersistentVolumeSpec.capacity"),
    col("Access Modes", doc="PersistentVolumeSpec.accessModes"),
    col("Reclaim Policy", doc="PersistentVolumeSpec.persistentVolumeReclaimPolicy"),
    col("Status", doc="PersistentVolumeStatus.phase"),
    col("Claim", doc="PersistentVolumeSpec.claimRef"),
    col("StorageClass", doc="StorageClass of the pv"),
    col("VolumeAttributesClass", doc="VolumeAttributesClass of the pv"),
    col("Reason", doc="PersistentVolumeStatus.reason"),
    AGE,
    col("VolumeMode", doc="PersistentVolumeSpec.volumeMode", wide=True),
)


def _pv_cells(pv: Obj, now: datetime) -> list[Any]:
    spec = mapping(pv, "spec")
    claim = mapping(spec, "claimRef")
    phase = text(pv, "status", "phase", default="Pending")
    if dig(pv, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    return [
        name_of(pv),
        quantity_or_zero(dig(spec, "capacity", "storage")),
        access_modes(items(spec, "accessModes")),
        text(spec, "persistentVolumeReclaimPolicy", default="Retain"),
        phase,
        f"{text(claim, 'namespace')}/{text(claim, 'name')}"
        if isinstance(spec.get("claimRef"), Mapping)
        else "",
        _storage_class(pv),
        text(spec, "volumeAttributesClassName", default=UNSET),
        text(pv, "status", "reason"),
        age(pv, now),
        text(spec, "volumeMode", default="Filesystem"),
    ]


PVC_COLUMNS = (
    NAME,
    col("Status", doc="PersistentVolumeClaimStatus.phase"),
    col("Volume", doc="PersistentVolumeClaimSpec.volumeName"),
    col("Capacity", doc="PersistentVolumeClaimStatus.capacity"),
    col("Access Modes", doc="PersistentVolumeClaimStatus.accessModes"),
    col("StorageClass", doc="StorageClass of the pvc"),
    col("VolumeAttributesClass", doc="VolumeAttributesClass of the pvc"),
    AGE,
    col("VolumeMode", doc="PersistentVolumeClaimSpec.volumeMode", wide=True),
)


def _pvc_cells(pvc: Obj, now: datetime) -> list[Any]:
    spec = mapping(pvc, "spec")
    phase = text(pvc, "status", "phase", default="Pending")
    if dig(pvc, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    volume = text(spec, "volumeName")
    # Capacity and access modes are only shown once the claim names its volume.
    capacity = quantity_or_zero(dig(pvc, "status", "capacity", "storage")) if volume else ""
    modes = access_modes(items(pvc, "status", "accessModes")) if volume else ""
    return [
        name_of(pvc),
        phase,
        volume,
        capacity,
        modes,
        _storage_class(pvc),
        text(spec, "volumeAttributesClassName", default=UNSET),
        age(pvc, now),
        text(spec, "volumeMode", default="Filesystem"),
    ]


EVENT_COLUMNS = (
    col("Last Seen", doc="Event.lastTimestamp"),
    col("Type", doc="Event.type"),
    col("Reason", doc="Event.reason"),
    col("Object", doc="Event.involvedObject"),
    col("Subobject", doc="ObjectReference.fieldPath", wide=True),
    col("Source", doc="Event.source", wide=True),
    col("Message", doc="Event.message"),
    col("First Seen", doc="Event.firstTimestamp", wide=True),
    col("Count", doc="Event.count", wide=True),
    col("Name", doc="ObjectMeta.name", wide=True, fmt="name"),
)

# events.k8s.io/v1 field -> core/v1 field, for an Event handed over in the newer shape.
_EVENTS_V1_FIELDS = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedSource": "source",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
}


def _as_core_event(event: Obj) -> Obj:
    if not text(event, "apiVersion").startswith("events.k8s.io/"):
        return event
    return {_EVENTS_V1_FIELDS.get(k, k): v for k, v in event.items()}


def _event_cells(event: Obj, now: datetime) -> list[Any]:
    event = _as_core_event(event)
    first = since(dig(event, "firstTimestamp"), now)
    if parse_time(dig(event, "firstTimestamp")) is None:
        first = since(dig(event, "eventTime"), now)
    last = since(dig(event, "lastTimestamp"), now)
    if parse_time(dig(event, "lastTimestamp")) is None:
        last = first
    count = num(event, "count")
    if isinstance(dig(event, "series"), Mapping):
        last = since(dig(event, "series", "lastObservedTime"), now)
        count = num(event, "series", "count")
    elif count == 0:
        count = 1  # singleton events of the newer API carry no count
    involved = mapping(event, "involvedObject")
    target = text(involved, "kind").lower()
    if text(involved, "name"):
        target = f"{target}/{text(involved, 'name')}"
    component = text(event, "source", "component") or text(event, "reportingController")
    host = text(event, "source", "host") or text(event, "reportingInstance")
    return [
        last,
        text(event, "type"),
        text(event, "reason"),
        target,
        text(involved, "fieldPath"),
        f"{component}, {host}" if host else component,
        text(event, "message").strip(),
        first,
        count,
        name_of(event),
    ]


RESOURCEQUOTA_COLUMNS = (
    NAME,
    col(
        "Request",
        doc="Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    col(
        "Limit",
        doc="Limits control the maximum amount of cpu/memory that a container may use independent of "
        "contention on the node.",
    ),
    AGE,
)


def _resourcequota_cells(quota: Obj, now: datetime) -> list[Any]:
    hard, used = mapping(quota, "status", "hard"), mapping(quota, "status", "used")
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        column = limits if resource.split(".")[0] == "limits" and "." in resource else requests
        column.append(
            f"{resource}: {quantity_or_zero(used.get(resource))}/{quantity_or_zero(hard[resource])}"
        )
    return [name_of(quota), ", ".join(requests), ", ".join(limits), age(quota, now)]


PRINTERS = {
    "Node": Printer(NODE_COLUMNS, _node_cells),
    "Namespace": Printer(NAMESPACE_COLUMNS, _namespace_cells),
    "ConfigMap": Printer(CONFIGMAP_COLUMNS, _configmap_cells),
    "Secret": Printer(SECRET_COLUMNS, _secret_cells),
    "ServiceAccount": Printer(SERVICEACCOUNT_COLUMNS, _serviceaccount_cells),
    "PersistentVolume": Printer(PV_COLUMNS, _pv_cells),
    "PersistentVolumeClaim": Printer(PVC_COLUMNS, _pvc_cells),
    "Event": Printer(EVENT_COLUMNS, _event_cells),
    "ResourceQuota": Printer(RESOURCEQUOTA_COLUMNS, _resourcequota_cells),
}

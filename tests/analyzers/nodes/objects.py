"""Real-shaped Nodes, claims, volumes, classes and custom objects for the nodes-family tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from tests.analyzers.network.objects import NOW, build, meta, ts
from workbench.frames import Frames, schema
from workbench.sources._kinds import Kind, builtin, custom

CERTIFICATE = custom("cert-manager.io", "v1", "certificates", "Certificate", namespaced=True)
KUSTOMIZATION = custom(
    "kustomize.toolkit.fluxcd.io", "v1", "kustomizations", "Kustomization", namespaced=True
)


def node(
    name: str,
    *,
    ready: str = "True",
    reason: str = "KubeletReady",
    message: str = "kubelet is posting ready status",
    since: float = 3600,
    heartbeat: float = 20,
    taints: Iterable[dict[str, str]] = (),
    unschedulable: bool = False,
    pressure: Iterable[str] = (),
    network_unavailable: bool = False,
) -> dict[str, Any]:
    pressed = set(pressure)
    conditions = [
        {
            "type": kind,
            "status": "True" if kind in pressed else "False",
            "lastHeartbeatTime": ts(heartbeat),
            "lastTransitionTime": ts(since),
        }
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    conditions.append(
        {
            "type": "Ready",
            "status": ready,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": ts(heartbeat),
            "lastTransitionTime": ts(since),
        }
    )
    if network_unavailable:
        conditions.append({"type": "NetworkUnavailable", "status": "True", "reason": "NoRouteCreated"})
    spec: dict[str, Any] = {"taints": list(taints)}
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, ""),
        "spec": spec,
        "status": {
            "conditions": conditions,
            "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
        },
    }


def pvc(
    name: str,
    *,
    storage_class: str | None = "standard",
    phase: str = "Pending",
    age: float = 3600,
    volume: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    if volume is not None:
        spec["volumeName"] = volume
    metadata = meta(name, "inventory")
    metadata["creationTimestamp"] = ts(age)
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata,
        "spec": spec,
        "status": {"phase": phase},
    }


def storageclass(
    name: str, *, default: bool = False, binding: str = "Immediate", age: float = 86400
) -> dict[str, Any]:
    metadata = meta(name, "")
    metadata["creationTimestamp"] = ts(age)
    if default:
        metadata["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": binding,
    }


def pv(name: str, *, phase: str, reclaim: str = "Delete", message: str | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if message:
        status["message"] = message
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": meta(name, ""),
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": reclaim,
            "storageClassName": "standard",
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": "inventory", "name": "db-data"},
            "hostPath": {"path": f"/var/local-path/{name}"},
        },
        "status": status,
    }


def custom_object(kind: Kind, name: str, *conditions: dict[str, Any], generation: int = 1) -> dict[str, Any]:
    metadata = meta(name, "apps")
    metadata["generation"] = generation
    return {
        "apiVersion": f"{kind.group}/{kind.version}",
        "kind": kind.kind,
        "metadata": metadata,
        "status": {"conditions": list(conditions)},
    }


def condition(
    type_: str,
    status: str,
    *,
    reason: str = "",
    message: str = "",
    ago: float | None = 60,
    observed: int | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_, "status": status, "reason": reason, "message": message}
    if ago is not None:
        out["lastTransitionTime"] = ts(ago)
    if observed is not None:
        out["observedGeneration"] = observed
    return out


def bundle(
    custom_objects: Iterable[tuple[Kind, list[dict[str, Any]]]] = (), **items: Iterable[dict[str, Any]]
) -> Frames:
    """Like ``frames_of``, plus custom objects stacked into the ``conditions`` frame."""
    built: dict[str, pd.DataFrame] = {}
    for frame, objects in items.items():
        built.update(build(builtin(frame), objects))
    stacked = [build(kind, objects)["conditions"] for kind, objects in custom_objects]
    if stacked:
        built["conditions"] = _stack(stacked)
    return Frames(built, source="test", captured_at=NOW)


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True)
    return out.astype(schema.dtypes("conditions"))

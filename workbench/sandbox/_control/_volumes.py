"""The PersistentVolume controller, kind's local-path provisioner, and PV/PVC protection.

A claim binds to an Available volume that fits it (class, capacity, access modes, volume mode,
selector; `_claims.find_volume`): the volume gets ``claimRef`` and phase Bound, the claim
``volumeName``, phase Bound, its capacity and access modes, and the annotations
``pv.kubernetes.io/bind-completed`` / ``pv.kubernetes.io/bound-by-controller``. Without a volume:

- a WaitForFirstConsumer class waits (``WaitForFirstConsumer`` "waiting for first consumer to be
  created before binding") until the scheduler picks a node for a pod using the claim
  (``volume.kubernetes.io/selected-node``);
- a class that exists is provisioned: ``ExternalProvisioning`` from the controller, then — for the
  provisioners the sandbox runs, kind's ``rancher.io/local-path`` — ``Provisioning`` and
  ``ProvisioningSucceeded`` from the provisioner and a volume ``pvc-<claim uid>`` pinned to the
  node; any other provisioner is "not running", and the claim stays Pending;
- a class that does not exist: ``ProvisioningFailed`` ``storageclass.storage.k8s.io "fast" not
  found`` (Warning); no class and no default class: ``FailedBinding`` "no persistent volumes
  available for this claim and no storage class is set".

Pending claims are looked at again every 15 s (the controller's resync), so their events count up
as on a real cluster. When a claim goes, its volume is Released and reclaimed by its policy: Retain
keeps it, Delete removes a provisioned one. The ``kubernetes.io/pvc-protection`` and
``kubernetes.io/pv-protection`` finalizers are removed once nothing uses the object.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from workbench.sandbox._control._claims import (
    NO_PROVISIONER,
    SELECTED_NODE,
    claim_class,
    delays_binding,
    find_volume,
    pod_claims,
)
from workbench.sandbox._control._cluster import Cluster, Source, clone
from workbench.sandbox._store import Change, Key

MANAGER = "kube-controller-manager"
PV_CONTROLLER = Source("persistentvolume-controller")
SIMULATED_PROVISIONERS = frozenset({"rancher.io/local-path"})
"""The provisioners the sandbox runs (kind ships local-path-provisioner); others never answer."""
RESYNC = 15.0
_HOST_PATH_DELETABLE = "/tmp/"  # noqa: S108  # a path on the simulated node, not a file we open
BIND_COMPLETED, BOUND_BY_CONTROLLER = (
    "pv.kubernetes.io/bind-completed",
    "pv.kubernetes.io/bound-by-controller",
)
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
STORAGE_PROVISIONER = (
    "volume.beta.kubernetes.io/storage-provisioner",
    "volume.kubernetes.io/storage-provisioner",
)
PVC_PROTECTION, PV_PROTECTION = "kubernetes.io/pvc-protection", "kubernetes.io/pv-protection"


class VolumeBinder:
    """PV controller (binding, provisioning requests, reclaim) and the local-path provisioner.

    Keys are ``("", volume)`` for PersistentVolumes and ``(namespace, claim)`` for claims.
    """

    name = "volume-binder"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._buckets = {cluster.bucket(k): k for k in ("PersistentVolumeClaim", "PersistentVolume", "Pod")}
        self._class_bucket = cluster.bucket("StorageClass")
        self._pending: set[Key] = set()
        self._protected: set[Key] = set()  # claims being deleted, held by pvc-protection
        suffix = "".join(cluster.rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        ident = uuid.UUID(int=cluster.rng.getrandbits(128), version=4)
        self._provisioner = Source(
            f"rancher.io/local-path_local-path-provisioner-7dc846544d-{suffix}_{ident}"
        )

    def keys_for(self, change: Change) -> Iterable[Key]:
        kind = self._buckets.get(change.bucket)
        if kind == "PersistentVolumeClaim":
            if change.type != "DELETED":
                return [change.key]
            volume = (change.entry.decode().get("spec") or {}).get("volumeName")
            return [("", volume)] if volume else []
        if kind == "PersistentVolume":
            ref = (change.entry.decode().get("spec") or {}).get("claimRef") or {}
            keys = [change.key]
            if ref.get("name") and ref.get("namespace"):
                keys.append((ref["namespace"], ref["name"]))
            return keys
        if kind == "Pod" and self._protected:
            return [k for k in self._protected if k[0] == change.key[0]]
        if change.bucket == self._class_bucket:
            return list(self._pending)
        return ()

    def initial_keys(self) -> Iterable[Key]:
        for entry in self.cluster.entries("PersistentVolumeClaim"):
            meta = entry.decode()["metadata"]
            yield (meta.get("namespace", ""), meta["name"])
        for entry in self.cluster.entries("PersistentVolume"):
            yield ("", entry.decode()["metadata"]["name"])

    def sync(self, key: Key) -> float | None:
        if not key[0]:
            self._sync_volume(key[1])
            return None
        self._pending.discard(key)
        pvc = self.cluster.get("PersistentVolumeClaim", *key)
        if pvc is None:
            self._protected.discard(key)
            return None
        if pvc["metadata"].get("deletionTimestamp"):
            self._release_claim(pvc, key)
            return None
        volume = (pvc.get("spec") or {}).get("volumeName")
        wait = self._sync_bound(pvc, volume) if volume else self._sync_unbound(pvc)
        if wait is not None:
            self._pending.add(key)
        return wait

    # -- claims --------------------------------------------------------------------------------------
    def _sync_unbound(self, pvc: dict[str, Any]) -> float | None:
        meta = pvc["metadata"]
        class_name = claim_class(self.cluster, pvc)
        sc = self.cluster.get("StorageClass", "", class_name) if class_name else None
        delayed = delays_binding(sc)
        pv = find_volume(pvc, self.cluster.objects("PersistentVolume"), class_name, delayed=delayed)
        if pv is not None:
            self._bind(pv, pvc)
            return None
        selected = (meta.get("annotations") or {}).get(SELECTED_NODE)
        if delayed and not selected:
            self._event(
                pvc,
                "Normal",
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding",
            )
        elif not class_name:
            message = "no persistent volumes available for this claim and no storage class is set"
            self._event(pvc, "Normal", "FailedBinding", message)
        elif sc is None:
            self._event(
                pvc, "Warning", "ProvisioningFailed", f'storageclass.storage.k8s.io "{class_name}" not found'
            )
        else:
            return self._provision(pvc, sc, selected or "")
        return RESYNC

    def _provision(self, pvc: dict[str, Any], sc: Mapping[str, Any], node: str) -> float | None:
        provisioner = str(sc.get("provisioner") or "")
        if provisioner.startswith("kubernetes.io/"):  # in-tree plugins: the sandbox has none
            message = f"no volume plugin matched name: {provisioner}"
            if provisioner == NO_PROVISIONER:
                message = "no volume plugin matched name: kubernetes.io/no-provisioner"
            self._event(pvc, "Warning", "ProvisioningFailed", message)
            return RESYNC
        annotations = pvc["metadata"].get("annotations") or {}
        if any(annotations.get(a) != provisioner for a in STORAGE_PROVISIONER):
            updated = clone(pvc)
            updated["metadata"].setdefault("annotations", {}).update(
                dict.fromkeys(STORAGE_PROVISIONER, provisioner)
            )
            pvc = self.cluster.update("PersistentVolumeClaim", updated, manager=MANAGER)
        message = (
            f"Waiting for a volume to be created either by the external provisioner '{provisioner}' "
            "or manually by the system administrator. If volume creation is delayed, please verify that the "
            "provisioner is running and correctly registered."
        )
        self._event(pvc, "Normal", "ExternalProvisioning", message)
        if provisioner not in SIMULATED_PROVISIONERS:
            return RESYNC
        meta = pvc["metadata"]
        claim = f"{meta.get('namespace', '')}/{meta['name']}"
        self._event(
            pvc,
            "Normal",
            "Provisioning",
            f'External provisioner is provisioning volume for claim "{claim}"',
            self._provisioner,
        )
        if not node:
            message = (
                f'failed to provision volume with StorageClass "{sc["metadata"]["name"]}": '
                "configuration error, no node was specified"
            )
            self._event(pvc, "Warning", "ProvisioningFailed", message, self._provisioner)
            return RESYNC
        pv = self._local_volume(pvc, sc, node)
        self.cluster.create("PersistentVolume", pv, manager="local-path-provisioner")
        self._event(
            pvc,
            "Normal",
            "ProvisioningSucceeded",
            f"Successfully provisioned volume {pv['metadata']['name']}",
            self._provisioner,
        )
        return None

    def _local_volume(self, pvc: Mapping[str, Any], sc: Mapping[str, Any], node: str) -> dict[str, Any]:
        """The volume local-path-provisioner makes: a host directory on the chosen node, pinned there."""
        meta, spec = pvc["metadata"], pvc.get("spec") or {}
        namespace, name, uid = meta.get("namespace", ""), meta["name"], meta.get("uid", "")
        node_obj = self.cluster.get("Node", "", node) or {"metadata": {}}
        hostname = (node_obj["metadata"].get("labels") or {}).get("kubernetes.io/hostname", node)
        term = {
            "matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [hostname]}]
        }
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": f"pvc-{uid}",
                "annotations": {
                    "local.path.provisioner/selected-node": node,
                    PROVISIONED_BY: sc["provisioner"],
                },
                "finalizers": [PV_PROTECTION],
            },
            "spec": {
                "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
                "capacity": {
                    "storage": ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
                },
                "claimRef": _claim_ref(pvc),
                "hostPath": {
                    "path": f"/var/local-path-provisioner/pvc-{uid}_{namespace}_{name}",
                    "type": "DirectoryOrCreate",
                },
                "nodeAffinity": {"required": {"nodeSelectorTerms": [term]}},
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": spec.get("volumeMode") or "Filesystem",
            },
        }

    def _sync_bound(self, pvc: dict[str, Any], volume: str) -> float | None:
        pv = self.cluster.get("PersistentVolume", "", volume)
        if pv is None:
            if (pvc.get("status") or {}).get("phase") == "Bound":
                self._claim_status(pvc, "Lost")
                self._event(
                    pvc,
                    "Warning",
                    "ClaimLost",
                    "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
                )
            return None
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if not ref or (
            ref.get("uid") in (None, "", pvc["metadata"].get("uid"))
            and ref.get("name") == pvc["metadata"]["name"]
        ):
            self._bind(pv, pvc)
            return None
        self._event(pvc, "Warning", "FailedBinding", f'volume "{volume}" already bound to a different claim.')
        return RESYNC

    def _bind(self, pv: dict[str, Any], pvc: dict[str, Any]) -> None:
        """Both halves of a binding, each write only when something is missing."""
        ref = (pv.get("spec") or {}).get("claimRef") or {}
        if ref.get("uid") != pvc["metadata"].get("uid"):
            updated = clone(pv)
            updated["spec"]["claimRef"] = _claim_ref(pvc)
            if not ref:
                updated["metadata"].setdefault("annotations", {})[BOUND_BY_CONTROLLER] = "yes"
            pv = self.cluster.update("PersistentVolume", updated, manager=MANAGER)
        pv = self._volume_phase(pv, "Bound")
        name = pv["metadata"]["name"]
        annotations = pvc["metadata"].get("annotations") or {}
        if (pvc.get("spec") or {}).get("volumeName") != name or annotations.get(BIND_COMPLETED) != "yes":
            updated = clone(pvc)
            marks = updated["metadata"].setdefault("annotations", {})
            if not (pvc.get("spec") or {}).get("volumeName"):
                marks[BOUND_BY_CONTROLLER] = "yes"
            marks[BIND_COMPLETED] = "yes"
            updated["spec"]["volumeName"] = name
            pvc = self.cluster.update("PersistentVolumeClaim", updated, manager=MANAGER)
        pv_spec = pv.get("spec") or {}
        self._claim_status(pvc, "Bound", modes=pv_spec.get("accessModes"), capacity=pv_spec.get("capacity"))

    def _claim_status(
        self, pvc: dict[str, Any], phase: str, *, modes: Any = None, capacity: Any = None
    ) -> None:
        updated = clone(pvc)
        status = updated.setdefault("status", {})
        status["phase"] = phase
        if modes is not None:
            status["accessModes"] = modes
        if capacity is not None:
            status["capacity"] = capacity
        self.cluster.update_status("PersistentVolumeClaim", updated, manager=MANAGER)

    def _release_claim(self, pvc: dict[str, Any], key: Key) -> None:
        """pvc-protection: let a deleted claim go once no running pod uses it."""
        finalizers = pvc["metadata"].get("finalizers") or []
        if PVC_PROTECTION not in finalizers:
            self._protected.discard(key)
            return
        users = self.cluster.objects(
            "Pod", key[0], where=lambda e: e.fields.get("status.phase") not in ("Succeeded", "Failed")
        )
        if any(key[1] in pod_claims(p) for p in users):
            self._protected.add(key)
            return
        self._protected.discard(key)
        updated = clone(pvc)
        updated["metadata"]["finalizers"] = [f for f in finalizers if f != PVC_PROTECTION]
        self.cluster.update("PersistentVolumeClaim", updated, manager=MANAGER)

    # -- volumes -------------------------------------------------------------------------------------
    def _sync_volume(self, name: str) -> None:
        pv = self.cluster.get("PersistentVolume", "", name)
        if pv is None:
            return
        meta, spec = pv["metadata"], pv.get("spec") or {}
        phase = (pv.get("status") or {}).get("phase")
        if meta.get("deletionTimestamp"):
            if PV_PROTECTION in (meta.get("finalizers") or []) and phase != "Bound":
                updated = clone(pv)
                updated["metadata"]["finalizers"] = [f for f in meta["finalizers"] if f != PV_PROTECTION]
                self.cluster.update("PersistentVolume", updated, manager=MANAGER)
            return
        ref = spec.get("claimRef") or {}
        if not ref:
            self._volume_phase(pv, "Available")
            return
        claim = self.cluster.get("PersistentVolumeClaim", ref.get("namespace", ""), ref.get("name", ""))
        if claim is not None and ref.get("uid") in (None, "", claim["metadata"].get("uid")):
            if (claim.get("spec") or {}).get("volumeName") == name:
                self._volume_phase(pv, "Bound")
            elif phase in (None, "", "Pending"):
                self._volume_phase(pv, "Available")
            return
        if claim is None and not ref.get("uid"):
            self._volume_phase(pv, "Available")  # pre-bound to a claim that does not exist yet
            return
        self._reclaim(self._volume_phase(pv, "Released") if phase not in ("Released", "Failed") else pv)

    def _reclaim(self, pv: dict[str, Any]) -> None:
        """The claim is gone: Retain keeps the volume, Delete has its provisioner remove it."""
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy")
        if policy != "Delete" or (pv.get("status") or {}).get("phase") == "Failed":
            return
        provisioner = (pv["metadata"].get("annotations") or {}).get(PROVISIONED_BY, "")
        name = pv["metadata"]["name"]
        host_path = str(((pv.get("spec") or {}).get("hostPath") or {}).get("path") or "")
        if provisioner in SIMULATED_PROVISIONERS or (
            not provisioner and host_path.startswith(_HOST_PATH_DELETABLE)
        ):
            self.cluster.delete("PersistentVolume", "", name)
        elif not provisioner:  # in-tree deleters: only hostPath's, and only under /tmp
            message = (
                f'error getting deleter volume plugin for volume "{name}": no deletable volume plugin matched'
            )
            if host_path:
                message = f"host_path deleter only supports /tmp/.+ but received provided {host_path}"
            self._volume_phase(pv, "Failed", message)
            self.cluster.event(pv, "Warning", "VolumeFailedDelete", message, PV_CONTROLLER)

    def _volume_phase(self, pv: dict[str, Any], phase: str, message: str = "") -> dict[str, Any]:
        status = pv.get("status") or {}
        if status.get("phase") == phase and (status.get("message") or "") == message:
            return pv
        updated = clone(pv)
        new = {"phase": phase, "lastPhaseTransitionTime": self.cluster.now()}
        if message:
            new["message"] = message
        updated["status"] = new
        return self.cluster.update_status("PersistentVolume", updated, manager=MANAGER)

    def _event(
        self, pvc: dict[str, Any], type_: str, reason: str, message: str, source: Source = PV_CONTROLLER
    ) -> None:
        self.cluster.event(pvc, type_, reason, message, source)


def _claim_ref(pvc: Mapping[str, Any]) -> dict[str, Any]:
    meta = pvc["metadata"]
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "apiVersion": "v1",
        "resourceVersion": meta.get("resourceVersion", ""),
    }


CONTROLLERS = [VolumeBinder]

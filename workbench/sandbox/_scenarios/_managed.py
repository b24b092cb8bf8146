"""Plausible `metadata.managedFields` for objects written without them.

A real apiserver records, per field manager, the set of fields it wrote (a `FieldsV1` trie of
``f:<field>``, ``k:{<merge keys>}`` and ``v:<value>`` entries). Nothing in the sandbox reads them
back; they are there so objects look, and weigh, like the ones a real cluster serves.
"""

from __future__ import annotations

import json
from typing import Any

from workbench.sandbox._fieldsv1 import field_trie, fields_v1

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_CONTROLLER_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"})
_SYSTEM_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
_TOP_LEVEL_SKIP = frozenset({"apiVersion", "kind", "metadata", "status"})
_RBAC_KINDS = frozenset({"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"})
# Set on the policy the apiserver itself creates and keeps up to date at every start.
_BOOTSTRAP_LABEL = ("kubernetes.io/bootstrapping", "rbac-defaults")


def _metadata_fields(metadata: dict[str, Any]) -> dict[str, Any]:
    owned = {
        k: metadata[k] for k in ("labels", "annotations", "ownerReferences", "finalizers") if metadata.get(k)
    }
    return fields_v1(owned, depth=1) if owned else {}


def _entry(
    manager: str, api_version: str, time: str, fields: dict[str, Any], subresource: str = ""
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "manager": manager,
        "operation": "Update",
        "apiVersion": api_version,
        "time": time,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }
    if subresource:
        entry["subresource"] = subresource
    return entry


def spec_manager(obj: dict[str, Any]) -> str:
    """The field manager that would have written this object's spec in a real cluster."""
    kind = obj["kind"]
    meta = obj["metadata"]
    name, namespace = meta["name"], meta.get("namespace", "")
    owners = meta.get("ownerReferences") or []
    controller = next((o for o in owners if o.get("controller")), None)
    if kind == "Event":
        source = obj.get("source") or {}
        return str(source.get("component") or obj.get("reportingComponent") or "kubelet")
    if controller is not None:
        return "kubelet" if controller.get("kind") == "Node" else "kube-controller-manager"
    if kind in ("Node",) or (kind == "Lease" and namespace == "kube-node-lease"):
        return "kubelet"
    if (kind, name) in {("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")}:
        return "kube-controller-manager"
    if kind in ("Endpoints", "EndpointSlice"):
        return "kube-apiserver" if name == "kubernetes" else "kube-controller-manager"
    if (kind == "Namespace" and name in _SYSTEM_NAMESPACES) or (kind, name, namespace) == (
        "Service",
        "kubernetes",
        "default",
    ):
        return "kube-apiserver"
    if kind == "Lease":
        return name if name in ("kube-controller-manager", "kube-scheduler") else "kube-apiserver"
    if kind in _RBAC_KINDS:
        labels = meta.get("labels") or {}
        if labels.get(_BOOTSTRAP_LABEL[0]) == _BOOTSTRAP_LABEL[1]:
            return "kube-apiserver"
        if name.startswith(("system:", "kubeadm:")) or namespace == "kube-system":
            return "kubeadm"
    if namespace in ("kube-system", "kube-public"):
        return "kubeadm"
    return "kubectl-client-side-apply"


def _status_manager(kind: str) -> str:
    return "kubelet" if kind in ("Pod", "Node") else "kube-controller-manager"


def _latest_time(value: Any, best: str) -> str:
    if isinstance(value, str):
        if len(value) >= 20 and value[4] == "-" and value[10] == "T" and value[:19] > best[:19]:
            return value[:19] + "Z"
        return best
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        best = _latest_time(child, best)
    return best


def last_applied(obj: dict[str, Any]) -> str:
    """The `last-applied-configuration` annotation `kubectl apply` would have left on `obj`."""
    meta = obj["metadata"]
    applied_meta: dict[str, Any] = {"name": meta["name"]}
    if meta.get("namespace"):
        applied_meta["namespace"] = meta["namespace"]
    if meta.get("labels"):
        applied_meta["labels"] = meta["labels"]
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    if annotations:
        applied_meta["annotations"] = annotations
    applied = {k: v for k, v in obj.items() if k not in ("metadata", "status")}
    applied["metadata"] = applied_meta
    return json.dumps(applied, sort_keys=True, separators=(",", ":")) + "\n"


def default_managed_fields(obj: dict[str, Any], *, manager: str | None = None) -> list[dict[str, Any]]:
    """ManagedFields entries for a complete object (metadata.creationTimestamp set).

    One entry for what the creating manager wrote (metadata, spec or the kind's top-level data) and,
    for objects with a status, one for the controller or kubelet that writes the status subresource.
    """
    kind, api_version = obj["kind"], obj["apiVersion"]
    meta = obj["metadata"]
    created = meta["creationTimestamp"]
    manager = manager or spec_manager(obj)
    fields: dict[str, Any] = {}
    metadata_fields = _metadata_fields(meta)
    if metadata_fields:
        fields["f:metadata"] = metadata_fields
    aggregated = kind == "ClusterRole" and bool(obj.get("aggregationRule"))
    for key, value in obj.items():
        if key in _TOP_LEVEL_SKIP or (aggregated and key == "rules"):
            continue
        # A ControllerRevision's data is a RawExtension: one opaque value, owned as a whole.
        atomic = kind == "ControllerRevision" and key == "data"
        fields[f"f:{key}"] = {} if atomic else field_trie(key, value, 1)
    entries = [_entry(manager, api_version, created, fields)]
    if aggregated:
        # The aggregation controller owns the rules it computes, through server-side apply.
        entries.append(_entry("clusterrole-aggregation-controller", api_version, created, {"f:rules": {}}))
        entries[-1]["operation"] = "Apply"
    status = obj.get("status")
    if status and kind != "Namespace":
        status_time = _latest_time(status, created)
        status_fields = {"f:status": fields_v1(status, depth=1)}
        if kind in _CONTROLLER_KINDS or kind in (
            "Pod",
            "Node",
            "HorizontalPodAutoscaler",
            "PersistentVolumeClaim",
        ):
            entries.append(_entry(_status_manager(kind), api_version, status_time, status_fields, "status"))
        else:
            entries[0]["fieldsV1"].update(status_fields)
    return entries

"""Deletion as a real API server does it: graceful pods, finalizers, propagation and namespaces.

- Pods on a node get a ``deletionTimestamp`` and go away after their grace period (the kubelet
  would stop the containers; until the control plane exists the sandbox waits a short simulated
  time). Unscheduled pods go at once.
- Objects with finalizers stay, marked, until the last finalizer is removed.
- ``propagationPolicy``: Background (delete now, the garbage collector removes dependents shortly
  after), Foreground (the owner waits, with the ``foregroundDeletion`` finalizer, until its
  dependents are gone) and Orphan (dependents lose their ownerReference).
- A namespace turns ``Terminating``, its contents are deleted, then it goes.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from workbench.errors import SandboxApiError
from workbench.sandbox import _crd
from workbench.sandbox._clock import rfc3339
from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._meta import managed_entry, record_manager
from workbench.sandbox._statuses import conflict
from workbench.sandbox._store import Key

if TYPE_CHECKING:
    from workbench.sandbox._api import Api

# Simulated seconds a terminating pod on a node lingers before it is removed (its containers
# stopping). Real containers that handle SIGTERM stop within about a second.
POD_STOP_SECONDS = 1.0
FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"
# The namespaces kube-apiserver's NamespaceLifecycle plugin never lets anyone delete.
IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
# The sandbox's switch for a node's kubelet (see `_control._nodes`): "stopped" means it is down.
KUBELET_ANNOTATION = "sandbox.workbench.io/kubelet"
KUBELET_RECHECK_SECONDS = 10.0

# Kinds (core and storage.k8s.io) whose registries set ReturnDeletedObject.
RETURNS_DELETED = frozenset(
    {"Pod", "Service", "ServiceAccount", "PersistentVolume", "PersistentVolumeClaim", "StorageClass"}
)


def delete(
    api: Api,
    rtype: ResourceType,
    namespace: str,
    name: str,
    options: dict[str, Any],
    *,
    dry_run: bool = False,
) -> tuple[int, dict[str, Any]]:
    """Delete one object. Returns (HTTP code, body): 200 with a Status or the object when it is gone,
    202 with the object when its deletion is pending (grace period, finalizers, foreground)."""
    api.check_writable()
    if rtype.kind == "Namespace" and not rtype.group and name in IMMORTAL_NAMESPACES:
        # The NamespaceLifecycle admission plugin refuses before anything is read, dry run or not.
        raise SandboxApiError(
            403,
            "Forbidden",
            f'namespaces "{name}" is forbidden: this namespace may not be deleted',
            details={"name": name, "kind": "namespaces"},
        )
    with api.store.lock:
        obj = api.get(rtype, namespace, name)
        meta = obj["metadata"]
        pre = options.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != meta.get("uid"):
            raise conflict(
                rtype,
                name,
                f"Precondition failed: UID in precondition: {pre['uid']}, "
                f"UID in object meta: {meta.get('uid')}",
            )
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
            raise conflict(
                rtype,
                name,
                "Precondition failed: ResourceVersion in precondition: "
                f"{pre['resourceVersion']}, ResourceVersion in object meta: {meta.get('resourceVersion')}",
            )
        policy = options.get("propagationPolicy") or ("Orphan" if options.get("orphanDependents") else "")
        if policy not in ("", "Background", "Foreground", "Orphan"):
            raise SandboxApiError(
                422,
                "Invalid",
                f'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: '
                f'Unsupported value: "{policy}": supported values: "Foreground", "Background", '
                f'"Orphan", "nil"',
            )
        if dry_run:
            return 200, _gone_body(rtype, obj)
        now = api.clock.now()
        finalizers = list(meta.get("finalizers") or [])
        if policy == "Foreground" and FOREGROUND not in finalizers and _dependents(api, meta.get("uid", "")):
            finalizers.append(FOREGROUND)
        if policy == "Orphan" and rtype.kind not in ("Pod",):
            orphan(api, meta.get("uid", ""))
        grace = _grace_seconds(rtype, obj, options)
        if meta.get("deletionTimestamp"):
            return 202, obj  # already terminating: nothing more to do
        if finalizers or grace > 0 or rtype.kind == "Namespace":
            meta["deletionTimestamp"] = rfc3339(now)
            meta["deletionGracePeriodSeconds"] = grace
            if finalizers:
                meta["finalizers"] = finalizers
            if rtype.kind == "Namespace":
                obj.setdefault("status", {})["phase"] = "Terminating"
            record_manager(obj, managed_entry(obj, manager="kube-apiserver", operation="Update", now=now))
            key, labels, fields = api.index(rtype, obj)
            api.store.put(api.bucket(rtype), key, obj, labels=labels, fields=fields)
            uid = meta.get("uid", "")
            if rtype.kind == "Namespace":
                api.clock.call_later(0, lambda: _empty_namespace(api, name))
            elif grace > 0:
                api.clock.call_later(
                    min(float(grace), POD_STOP_SECONDS), lambda: _finish_pod(api, rtype, key, uid)
                )
            if FOREGROUND in finalizers:
                api.clock.call_later(0, lambda: collect(api, uid, foreground=True))
            return 202, obj
        key = api.index(rtype, obj)[0]
        api.store.remove(api.bucket(rtype), key, obj)
        _release_owners(api, rtype, obj)
        if rtype.kind == "CustomResourceDefinition":
            _remove_custom_resources(api, obj)
            _crd.unregister(api.registry, obj)
        if policy != "Orphan":
            uid = meta.get("uid", "")
            api.clock.call_later(0, lambda: collect(api, uid))
        return 200, _gone_body(rtype, obj)


def _remove_custom_resources(api: Api, crd: dict[str, Any]) -> None:
    """A deleted CRD takes its custom resources with it (the apiserver's customresourcecleanup)."""
    served = _crd.resource_type(crd)
    bucket = api.bucket(served)
    for entry in api.store.iter_entries(bucket):
        resource = entry.decode()
        api.store.remove(bucket, api.index(served, resource)[0], resource)


def delete_collection(
    api: Api,
    rtype: ResourceType,
    namespace: str | None,
    options: dict[str, Any],
    *,
    label_selector: str = "",
    field_selector: str = "",
    dry_run: bool = False,
) -> list[dict[str, Any]]:
    """DELETE on a collection: delete every match; returns what was (or is being) deleted."""
    api.check_writable()
    page = api.list(rtype, namespace, label_selector=label_selector, field_selector=field_selector)
    out = []
    for entry in page.entries:
        obj = entry.decode()
        meta = obj["metadata"]
        try:
            _, body = delete(api, rtype, meta.get("namespace", ""), meta["name"], options, dry_run=dry_run)
        except SandboxApiError as exc:
            if exc.code != 404:  # deleted meanwhile by the garbage collector: fine
                raise
            continue
        out.append(body if body.get("kind") != "Status" else obj)
    return out


def collect(api: Api, owner_uid: str, *, foreground: bool = False) -> None:
    """The garbage collector: delete the dependents of a deleted owner; finish foreground deletions.

    For an owner in foreground deletion, dependents that block it (``blockOwnerDeletion``) are
    deleted in foreground too, so the owner goes only after the whole tree below it is gone.
    """
    if not owner_uid:
        return
    for rtype, obj in _dependents(api, owner_uid):
        meta = obj["metadata"]
        refs = meta.get("ownerReferences") or []
        if any(r.get("uid") != owner_uid and _owner_exists(api, r.get("uid", "")) for r in refs):
            continue  # another owner still holds it
        blocking = any(r.get("uid") == owner_uid and r.get("blockOwnerDeletion") for r in refs)
        policy = "Foreground" if foreground and blocking else "Background"
        try:
            delete(api, rtype, meta.get("namespace", ""), meta["name"], {"propagationPolicy": policy})
        except SandboxApiError as exc:
            if exc.code != 404:
                raise
    _finish_foreground(api, owner_uid)


def orphan(api: Api, owner_uid: str) -> None:
    """Remove the ownerReference to `owner_uid` from each dependent."""
    for rtype, obj in _dependents(api, owner_uid):
        obj["metadata"]["ownerReferences"] = [
            r for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid") != owner_uid
        ]
        if not obj["metadata"]["ownerReferences"]:
            del obj["metadata"]["ownerReferences"]
        key, labels, fields = api.index(rtype, obj)
        api.store.put(api.bucket(rtype), key, obj, labels=labels, fields=fields)


def _dependents(api: Api, owner_uid: str) -> list[tuple[ResourceType, dict[str, Any]]]:
    if not owner_uid:
        return []
    found = []
    for bucket, _, entry in api.store.dependents(owner_uid):
        rtype = api.registry.get(bucket)
        if rtype is not None:
            found.append((rtype, entry.decode()))
    return found


def _owner_exists(api: Api, uid: str) -> bool:
    return bool(uid) and api.store.find_uid(uid) is not None


def _finish_foreground(api: Api, owner_uid: str) -> None:
    """An owner waiting in foreground deletion goes once no dependents are left."""
    if _dependents(api, owner_uid):
        return
    found = api.store.find_uid(owner_uid)
    rtype = api.registry.get(found[0]) if found is not None else None
    if found is None or rtype is None:
        return
    obj = found[2].decode()
    finalizers = [f for f in obj["metadata"].get("finalizers") or [] if f != FOREGROUND]
    if len(finalizers) == len(obj["metadata"].get("finalizers") or []):
        return
    obj["metadata"]["finalizers"] = finalizers
    key, labels, fields = api.index(rtype, obj)
    if finalizers:
        api.store.put(api.bucket(rtype), key, obj, labels=labels, fields=fields)
    else:
        del obj["metadata"]["finalizers"]
        api.store.remove(api.bucket(rtype), key, obj)
        _release_owners(api, rtype, obj)


def removed(api: Api, rtype: ResourceType, obj: dict[str, Any]) -> None:
    """An object whose deletion waited on finalizers has just left the store (its last finalizer
    was removed): collect its dependents, and let an owner waiting in foreground deletion go."""
    _release_owners(api, rtype, obj)
    uid = obj["metadata"].get("uid", "")
    api.clock.call_later(0, lambda: collect(api, uid))


def _release_owners(api: Api, rtype: ResourceType, obj: dict[str, Any]) -> None:
    """A removed dependent may be the last one an owner in foreground deletion waits for.

    Owners are looked up by their reference (same namespace, or cluster-scoped), not by scanning,
    and only one actually waiting (with the ``foregroundDeletion`` finalizer) is re-checked.
    """
    namespace = obj["metadata"].get("namespace", "") if rtype.namespaced else ""
    for ref in obj["metadata"].get("ownerReferences") or []:
        owner_type = api.registry.by_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if owner_type is None or not ref.get("uid"):
            continue
        key = (namespace if owner_type.namespaced else "", ref.get("name", ""))
        entry = api.store.get(api.bucket(owner_type), key)
        if entry is not None and entry.uid == ref["uid"] and FOREGROUND.encode() in entry.raw:
            _finish_foreground(api, ref["uid"])


def _finish_pod(api: Api, rtype: ResourceType, key: Key, uid: str) -> None:
    with api.store.lock:
        entry = api.store.get(api.bucket(rtype), key)
        if entry is None or entry.uid != uid:
            return
        obj = entry.decode()
        if obj["metadata"].get("finalizers"):
            return  # the last finalizer's removal completes it
        if _kubelet_stopped(api, obj.get("spec", {}).get("nodeName", "")):
            # Only the pod's kubelet confirms its containers stopped: on a node whose kubelet is down
            # the pod stays Terminating until the kubelet is back (or the node object is deleted).
            api.clock.call_later(KUBELET_RECHECK_SECONDS, lambda: _finish_pod(api, rtype, key, uid))
            return
        api.store.remove(api.bucket(rtype), key, obj)
        _release_owners(api, rtype, obj)
    collect(api, uid)


def _kubelet_stopped(api: Api, node_name: str) -> bool:
    if not node_name:
        return False
    nodes = api.registry.find("", "v1", "nodes")
    assert nodes is not None
    entry = api.store.get(api.bucket(nodes), ("", node_name))
    if entry is None:
        return False  # the node is gone: the pod garbage collector force-deletes its pods
    annotations = entry.decode()["metadata"].get("annotations") or {}
    return annotations.get(KUBELET_ANNOTATION) == "stopped"


def _empty_namespace(api: Api, namespace: str) -> None:
    for rtype in api.registry.all():
        if not rtype.namespaced or api.registry.is_virtual(rtype) or "delete" not in rtype.verbs:
            continue
        if api.bucket(rtype) != rtype.key:
            continue  # an alias view (events.k8s.io) of a bucket deleted under its own name
        for entry in api.store.iter_entries(api.bucket(rtype), namespace):
            obj = entry.decode()
            try:
                delete(api, rtype, namespace, obj["metadata"]["name"], {"gracePeriodSeconds": 0})
            except SandboxApiError as exc:
                if exc.code != 404:
                    raise
    ns_type = api.registry.find("", "v1", "namespaces")
    assert ns_type is not None
    with api.store.lock:
        ns_entry = api.store.get(api.bucket(ns_type), ("", namespace))
        if ns_entry is not None:
            api.store.remove(api.bucket(ns_type), ("", namespace), copy.deepcopy(ns_entry.decode()))


def _grace_seconds(rtype: ResourceType, obj: dict[str, Any], options: dict[str, Any]) -> int:
    if rtype.kind != "Pod":
        return 0
    if not (obj.get("spec") or {}).get("nodeName"):
        return 0  # never scheduled: no kubelet to wait for
    if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    grace = options.get("gracePeriodSeconds")
    if grace is None:
        grace = (obj.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
    return max(0, int(grace))


def _gone_body(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    # Registries with ReturnDeletedObject answer with the object (the official client deserializes
    # their delete responses as that kind); the others with a Success Status.
    if rtype.group in ("", "storage.k8s.io") and rtype.kind in RETURNS_DELETED:
        return obj
    meta = obj["metadata"]
    details: dict[str, Any] = {"name": meta["name"], "kind": rtype.plural, "uid": meta.get("uid", "")}
    if rtype.group:
        details["group"] = rtype.group
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

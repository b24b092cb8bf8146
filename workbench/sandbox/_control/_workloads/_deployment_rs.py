"""The ReplicaSets of one Deployment during a sync: finding or creating the new one, resizing.

``getNewReplicaSet``, ``scaleReplicaSet`` and ``cleanupDeployment`` of ``pkg/controller/deployment``.
A `ReplicaSets` holds the Deployment as read and its ReplicaSets as they are after each write; the
Deployment's own changes (revision annotation, status) are written once, by `flush`.
"""

from __future__ import annotations

import copy
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._control._cluster import Cluster, Source
from workbench.sandbox._control._workloads import _deployment_status as st
from workbench.sandbox._control._workloads import _rollout as ro
from workbench.sandbox._control._workloads._hash import POD_TEMPLATE_HASH, equal_ignore_hash, template_hash
from workbench.sandbox._control._workloads._pods import (
    MANAGER,
    by_creation,
    condition,
    controlled,
    controller_ref,
)

SOURCE = Source("deployment-controller")
_RETRY = 5.0  # after a failed ReplicaSet creation


class ReplicaSets:
    """One Deployment and its ReplicaSets during a sync; the Deployment is written once, by `flush`."""

    def __init__(self, cluster: Cluster, d: dict[str, Any]) -> None:
        self.cluster = cluster
        self.d = d
        self.now = cluster.clock.now()
        self.stored_status = copy.deepcopy(d.get("status") or {})
        self.stored_annotations = dict(d["metadata"].get("annotations") or {})
        d.setdefault("status", {})
        self.rss = {rs["metadata"]["uid"]: rs for rs in controlled(cluster, d, "ReplicaSet")}
        self.new_uid: str | None = None
        self.retry: float | None = None  # after a failed ReplicaSet creation

    def flush(self) -> float | None:
        """Write the revision annotation, then the status, if they changed; ask to be woken for the
        progress deadline."""
        d = self.d
        if (d["metadata"].get("annotations") or {}) != self.stored_annotations:
            stored = self.cluster.update("Deployment", d, manager=MANAGER)
            d["metadata"] = stored["metadata"]
        if d["status"] != self.stored_status:
            self.cluster.update_status("Deployment", d, manager=MANAGER)
        if st.complete(d, d["status"]):
            return self.retry
        left = st.deadline_left(d, d["status"], self.now)
        if left is None:
            return self.retry
        wake = max(1.0, left + 1.0)
        return wake if self.retry is None else min(wake, self.retry)

    # -- ReplicaSets -----------------------------------------------------------------------------
    @property
    def new_rs(self) -> dict[str, Any] | None:
        return self.rss.get(self.new_uid) if self.new_uid else None

    @property
    def old_rss(self) -> list[dict[str, Any]]:
        return [rs for uid, rs in self.rss.items() if uid != self.new_uid]

    @property
    def all_rss(self) -> list[dict[str, Any]]:
        return [*self.old_rss, *([self.new_rs] if self.new_rs else [])]

    def find_new(self, *, create: bool) -> dict[str, Any] | None:
        """``getNewReplicaSet``: find (and bring up to date) or create the ReplicaSet of the template."""
        d = self.d
        template = (d.get("spec") or {}).get("template")
        self.new_uid = None
        for candidate in by_creation(self.rss.values()):
            if equal_ignore_hash((candidate.get("spec") or {}).get("template"), template):
                self.new_uid = candidate["metadata"]["uid"]
                break
        new_revision = max((ro.revision(old) for old in self.old_rss), default=0) + 1
        rs = self.new_rs
        if rs is not None:
            updated = copy.deepcopy(rs)
            changed = ro.set_new_rs_annotations(d, updated, new_revision, exists=True)
            min_ready = (d.get("spec") or {}).get("minReadySeconds") or 0
            if changed or ((updated.get("spec") or {}).get("minReadySeconds") or 0) != min_ready:
                _set_min_ready(updated, min_ready)
                rs = self.store_rs(self.cluster.update("ReplicaSet", updated, manager=MANAGER))
            self.set_revision(ro.revision(rs))
            if st.has_deadline(d) and condition(d, "Progressing") is None:
                message = f'Found new replica set "{rs["metadata"]["name"]}"'
                st.set_deployment_condition(
                    d["status"], "Progressing", "True", ro.FOUND_NEW_RS, message, now=self.now
                )
            return rs
        if not create:
            return None
        return self.create_new(new_revision)

    def create_new(self, new_revision: int) -> dict[str, Any] | None:
        d = self.d
        spec = d.get("spec") or {}
        collisions = (d.get("status") or {}).get("collisionCount")
        template = copy.deepcopy(spec.get("template") or {})
        hash_ = template_hash(template, collisions)
        meta = template.setdefault("metadata", {})
        meta["labels"] = {**(meta.get("labels") or {}), POD_TEMPLATE_HASH: hash_}
        selector = copy.deepcopy(spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), POD_TEMPLATE_HASH: hash_}
        name = f"{d['metadata']['name']}-{hash_}"
        rs: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": d["metadata"]["namespace"],
                "labels": dict(meta["labels"]),
                "ownerReferences": [controller_ref(d)],
            },
            "spec": {"replicas": 0, "selector": selector, "template": template},
        }
        _set_min_ready(rs, spec.get("minReadySeconds") or 0)
        rs["spec"]["replicas"] = ro.new_rs_replicas(d, [*self.old_rss, rs], rs)
        ro.set_new_rs_annotations(d, rs, new_revision, exists=False)
        try:
            created = self.cluster.create("ReplicaSet", rs, manager=MANAGER)
        except SandboxApiError as exc:
            if exc.reason == "AlreadyExists":
                return self.name_taken(name)
            if exc.code in (404, 409) or "being terminated" in exc.message:
                raise
            message = f'Failed to create new replica set "{name}": {exc.message}'
            if st.has_deadline(d):
                st.set_deployment_condition(
                    d["status"], "Progressing", "False", ro.FAILED_RS_CREATE, message, now=self.now
                )
            self.cluster.event(d, "Warning", ro.FAILED_RS_CREATE, message, SOURCE)
            self.retry = _RETRY
            return None
        self.store_rs(created)
        self.new_uid = created["metadata"]["uid"]
        count = ro.replicas(created)
        if count > 0:
            self.record_scaling(f"Scaled up replica set {name} from 0 to {count}")
        self.set_revision(new_revision)
        if st.has_deadline(d):
            message = f'Created new replica set "{name}"'
            st.set_deployment_condition(
                d["status"], "Progressing", "True", ro.NEW_RS_CREATED, message, now=self.now
            )
        return created

    def name_taken(self, name: str) -> dict[str, Any] | None:
        """The name is taken: ours with this template (a race), or a hash collision (count it)."""
        d = self.d
        existing = self.cluster.get("ReplicaSet", d["metadata"]["namespace"], name)
        if existing is not None:
            refs = existing["metadata"].get("ownerReferences") or ()
            ours = any(r.get("controller") and r.get("uid") == d["metadata"]["uid"] for r in refs)
            if ours and equal_ignore_hash(
                (existing.get("spec") or {}).get("template"), d["spec"].get("template")
            ):
                self.store_rs(existing)
                self.new_uid = existing["metadata"]["uid"]
                return existing
        d["status"]["collisionCount"] = int(d["status"].get("collisionCount") or 0) + 1
        return None

    def store_rs(self, rs: dict[str, Any]) -> dict[str, Any]:
        self.rss[rs["metadata"]["uid"]] = rs
        return rs

    def set_revision(self, revision: int) -> None:
        annotations = self.d["metadata"].setdefault("annotations", {})
        if annotations.get(ro.REVISION) != str(revision):
            annotations[ro.REVISION] = str(revision)

    def record_scaling(self, message: str) -> None:
        self.cluster.event(self.d, "Normal", "ScalingReplicaSet", message, SOURCE)

    def resize(self, rs: dict[str, Any], size: int, operation: str = "") -> bool:
        """``scaleReplicaSet``: resize (and refresh the replicas annotations); True if resized."""
        d = self.d
        desired, most = ro.replicas(d), ro.replicas(d) + ro.max_surge(d)
        resize = ro.replicas(rs) != size
        if not resize and not ro.replicas_annotations_stale(rs, desired, most):
            return False
        before = ro.replicas(rs)
        updated = copy.deepcopy(rs)
        updated["spec"]["replicas"] = size
        ro.set_replicas_annotations(updated, desired, most)
        stored = self.store_rs(self.cluster.update("ReplicaSet", updated, manager=MANAGER))
        if resize:
            operation = operation or ("up" if before < size else "down")
            self.record_scaling(
                f"Scaled {operation} replica set {stored['metadata']['name']} from {before} to {size}"
            )
        return resize

    def cleanup(self) -> None:
        """``cleanupDeployment``: delete the oldest empty ReplicaSets beyond ``revisionHistoryLimit``."""
        limit = (self.d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in self.old_rss if not rs["metadata"].get("deletionTimestamp")]
        surplus = len(alive) - int(limit)
        if surplus <= 0:
            return
        alive.sort(key=lambda rs: (ro.revision(rs), rs["metadata"].get("creationTimestamp") or ""))
        for rs in alive[:surplus]:
            generation = int(rs["metadata"].get("generation", 1))
            if (
                ro.counted(rs, "replicas")
                or ro.replicas(rs)
                or generation > ro.counted(rs, "observedGeneration")
            ):
                continue
            self.cluster.delete("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"])
            del self.rss[rs["metadata"]["uid"]]


def _set_min_ready(rs: dict[str, Any], seconds: int) -> None:
    if seconds:
        rs["spec"]["minReadySeconds"] = seconds
    else:
        rs["spec"].pop("minReadySeconds", None)

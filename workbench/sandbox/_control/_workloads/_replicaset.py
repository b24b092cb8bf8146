"""The ReplicaSet controller: keep ``spec.replicas`` pods, report how many are ready and available.

As ``pkg/controller/replicaset``: active pods (neither finished nor being deleted) are counted
against ``spec.replicas``; missing ones are created from the template (event ``SuccessfulCreate``
``Created pod: <name>``), surplus ones deleted, the least useful first (``SuccessfulDelete``
``Deleted pod: <name>``). A pod whose labels stop matching the selector is released (its
ownerReference removed) and replaced — how ``kubectl label pod x app-`` takes a pod out for
debugging. A failed pod stays (for its logs) and a new one takes its place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._control._cluster import Cluster, Source, clone, key_of
from workbench.sandbox._control._workloads._pods import (
    MANAGER,
    by_creation,
    controlled,
    deletion_order,
    dropped_zeros,
    is_active,
    is_ready,
    owner_keys,
    pod_from_template,
    remove_condition,
    set_condition,
    unobserved,
    until_available,
)
from workbench.sandbox._selectors import label_selector_from_spec
from workbench.sandbox._store import Change, Key

SOURCE = Source("replicaset-controller")
_BURST = 500  # --replicaset-burst-replicas: most pods created or deleted in one sync
_RETRY = 5.0  # after a failed pod creation


class ReplicaSetController:
    """Reconciles ReplicaSets with their pods."""

    name = "replicaset"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._rs_bucket = cluster.bucket("ReplicaSet")
        self._pod_bucket = cluster.bucket("Pod")

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._rs_bucket:
            if change.type != "DELETED":
                yield change.key
        elif change.bucket == self._pod_bucket:
            yield from owner_keys(self.cluster, change, self._rs_bucket)

    def initial_keys(self) -> Iterable[Key]:
        for entry in self.cluster.entries("ReplicaSet"):
            if unobserved(entry):
                yield key_of(entry.decode())

    def sync(self, key: Key) -> float | None:
        rs = self.cluster.get("ReplicaSet", *key)
        if rs is None:
            return None
        spec = rs.get("spec") or {}
        selector = label_selector_from_spec(spec.get("selector"))
        pods = []
        for pod in controlled(self.cluster, rs, "Pod"):
            if selector.matches(pod["metadata"].get("labels") or {}):
                pods.append(pod)
            elif not pod["metadata"].get("deletionTimestamp"):
                self._release(rs, pod)
        active = [p for p in pods if is_active(p)]
        failure: str | None = None
        if not rs["metadata"].get("deletionTimestamp"):
            failure = self._manage(rs, active)
            if failure is None:
                active = [p for p in controlled(self.cluster, rs, "Pod") if is_active(p)]
                active = [p for p in active if selector.matches(p["metadata"].get("labels") or {})]
        wait = self._write_status(rs, active, failure)
        if failure is not None:
            return _RETRY
        return wait

    # -- pods ----------------------------------------------------------------------------------------
    def _manage(self, rs: dict[str, Any], active: list[dict[str, Any]]) -> str | None:
        """Create or delete pods toward ``spec.replicas``; returns a creation error's message, if any."""
        want = int((rs.get("spec") or {}).get("replicas", 1) or 0)
        diff = len(active) - want
        if diff < 0:
            for _ in range(min(-diff, _BURST)):
                pod = pod_from_template(rs, (rs.get("spec") or {}).get("template"))
                try:
                    created = self.cluster.create("Pod", pod, manager=MANAGER)
                except SandboxApiError as exc:
                    if exc.code in (404, 409):
                        raise
                    self.cluster.event(
                        rs, "Warning", "FailedCreate", f"Error creating: {exc.message}", SOURCE
                    )
                    return exc.message
                self.cluster.event(
                    rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", SOURCE
                )
        elif diff > 0:
            for pod in deletion_order(active)[: min(diff, _BURST)]:
                name = pod["metadata"]["name"]
                self.cluster.delete("Pod", pod["metadata"]["namespace"], name)
                self.cluster.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", SOURCE)
        return None

    def _release(self, rs: dict[str, Any], pod: dict[str, Any]) -> None:
        """A pod that no longer matches the selector is no longer ours (``ReleasePod``)."""
        uid = rs["metadata"]["uid"]
        pod = clone(pod)
        refs = [r for r in pod["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
        if refs:
            pod["metadata"]["ownerReferences"] = refs
        else:
            pod["metadata"].pop("ownerReferences", None)
        self.cluster.update("Pod", pod, manager=MANAGER)

    # -- status --------------------------------------------------------------------------------------
    def _write_status(
        self, rs: dict[str, Any], active: list[dict[str, Any]], failure: str | None
    ) -> float | None:
        spec = rs.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        now = self.cluster.clock.now()
        ready = available = labelled = 0
        wait: float | None = None
        for pod in by_creation(active):
            labels = pod["metadata"].get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                labelled += 1
            if is_ready(pod):
                ready += 1
                left = until_available(pod, min_ready, now)
                if left == 0.0:
                    available += 1
                elif left is not None:
                    wait = left if wait is None else min(wait, left)
        old = rs.get("status") or {}
        status = dropped_zeros(
            {
                "replicas": len(active),
                "fullyLabeledReplicas": labelled,
                "readyReplicas": ready,
                "availableReplicas": available,
                "observedGeneration": rs["metadata"].get("generation", 1),
            },
            keep=("replicas",),
        )
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if failure is not None:
            set_condition(status, "ReplicaFailure", "True", "FailedCreate", failure, now=now)
        else:
            remove_condition(status, "ReplicaFailure")
        if status != old:
            rs["status"] = status
            self.cluster.update_status("ReplicaSet", rs, manager=MANAGER)
        return wait

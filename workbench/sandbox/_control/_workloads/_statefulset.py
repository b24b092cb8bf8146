"""The StatefulSet controller: pods with stable names and storage, made and replaced in order.

As ``pkg/controller/statefulset``: pod ``<set>-<ordinal>`` for each ordinal, with labels
``controller-revision-hash`` (the revision's name), ``statefulset.kubernetes.io/pod-name`` and
``apps.kubernetes.io/pod-index``, hostname and subdomain, and a volume per ``volumeClaimTemplates``
entry bound to the claim ``<template>-<set>-<ordinal>`` (created here; the volume controller binds
it). ``OrderedReady`` creates the next pod only once the previous ones are Running and Ready (and
available for ``minReadySeconds``) and deletes from the highest ordinal down, one at a time;
``Parallel`` does each at once. ``RollingUpdate`` replaces pods whose revision is not the update
revision from the highest ordinal down to ``partition``, waiting for each to be healthy again.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._control._cluster import Cluster, Source, key_of
from workbench.sandbox._control._workloads import _revisions
from workbench.sandbox._control._workloads._hash import revision_data, revision_hash
from workbench.sandbox._control._workloads._pods import (
    MANAGER,
    controlled,
    controller_ref,
    dropped_zeros,
    is_running_and_ready,
    is_terminal,
    is_terminating,
    owner_keys,
    pod_from_template,
    unobserved,
    until_available,
)
from workbench.sandbox._scenarios._controllers import REVISION_HASH_LABELS
from workbench.sandbox._store import Change, Key

SOURCE = Source("statefulset-controller")
REVISION_LABEL = "controller-revision-hash"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
HASH_LABEL = REVISION_HASH_LABELS["StatefulSet"]  # on the revisions; pods name the revision


class StatefulSetController:
    """Reconciles StatefulSets with their pods, claims and revisions."""

    name = "statefulset"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._set_bucket = cluster.bucket("StatefulSet")
        self._pod_bucket = cluster.bucket("Pod")

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._set_bucket:
            if change.type != "DELETED":
                yield change.key
        elif change.bucket == self._pod_bucket:
            yield from owner_keys(self.cluster, change, self._set_bucket)

    def initial_keys(self) -> Iterable[Key]:
        for entry in self.cluster.entries("StatefulSet"):
            if unobserved(entry):
                yield key_of(entry.decode())

    def sync(self, key: Key) -> float | None:
        sts = self.cluster.get("StatefulSet", *key)
        if sts is None:
            return None
        revisions = _revisions.history(self.cluster, sts)
        data = revision_data((sts.get("spec") or {}).get("template"))
        try:
            update = _revisions.ensure(
                self.cluster,
                sts,
                revisions,
                data,
                hash_of=lambda count: revision_hash(data, count),
                hash_label=HASH_LABEL,
            )
        except _revisions.CollisionError:
            _revisions.count_collision(self.cluster, "StatefulSet", sts)
            return None
        current_name = (sts.get("status") or {}).get("currentRevision")
        current = next((r for r in revisions if r["metadata"]["name"] == current_name), update)
        run = _Run(self.cluster, sts, current, update)
        if not sts["metadata"].get("deletionTimestamp"):
            run.apply()
        wait = run.write_status()
        live = {current["metadata"]["name"], update["metadata"]["name"]}
        live.update((p["metadata"].get("labels") or {}).get(REVISION_LABEL, "") for p in run.pods())
        limit = int((sts.get("spec") or {}).get("revisionHistoryLimit", 10))
        _revisions.prune(self.cluster, revisions, live, limit)
        return wait


class _Run:
    """One reconcile of a StatefulSet (``updateStatefulSet``)."""

    def __init__(
        self, cluster: Cluster, sts: dict[str, Any], current: dict[str, Any], update: dict[str, Any]
    ) -> None:
        self.cluster = cluster
        self.sts = sts
        self.spec: dict[str, Any] = sts.get("spec") or {}
        self.current = current
        self.update = update
        self.now = cluster.clock.now()
        self.min_ready = int(self.spec.get("minReadySeconds") or 0)
        self.monotonic = self.spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        self.start = int((self.spec.get("ordinals") or {}).get("start") or 0)

    def pods(self) -> list[dict[str, Any]]:
        return controlled(self.cluster, self.sts, "Pod")

    def _ordinal(self, pod: dict[str, Any]) -> int | None:
        prefix = f"{self.sts['metadata']['name']}-"
        name = pod["metadata"]["name"]
        tail = name[len(prefix) :] if name.startswith(prefix) else ""
        return int(tail) if tail.isdigit() else None

    def _healthy(self, pod: dict[str, Any]) -> bool:
        return (
            not is_terminating(pod)
            and is_running_and_ready(pod)
            and until_available(pod, self.min_ready, self.now) == 0.0
        )

    # -- the ordered walk ------------------------------------------------------------------------
    def apply(self) -> None:
        count = int(self.spec.get("replicas", 1))
        slots: dict[int, dict[str, Any]] = {}
        condemned: list[tuple[int, dict[str, Any]]] = []
        for pod in self.pods():
            ordinal = self._ordinal(pod)
            if ordinal is None:
                continue
            if self.start <= ordinal < self.start + count:
                slots[ordinal] = pod
            else:
                condemned.append((ordinal, pod))
        condemned.sort(key=lambda item: -item[0])
        first_unhealthy = next(
            (
                p
                for p in [*(slots[o] for o in sorted(slots)), *(p for _, p in condemned)]
                if not self._healthy(p)
            ),
            None,
        )
        for ordinal in range(self.start, self.start + count):
            slot = slots.get(ordinal)
            if slot is None:
                self._create(ordinal)
                if self.monotonic:
                    return
                continue
            if is_terminal(slot):
                if not is_terminating(slot):
                    self._delete(slot)
                if self.monotonic:
                    return
                continue
            if is_terminating(slot):
                if self.monotonic:
                    return
                continue
            self._claims(ordinal)
            if self.monotonic and not self._healthy(slot):
                return
        for _, pod in condemned:
            if is_terminating(pod):
                if self.monotonic:
                    return
                continue
            if self.monotonic and first_unhealthy is not None and pod is not first_unhealthy:
                return
            self._delete(pod)
            if self.monotonic:
                return
        self._roll(slots, count)

    def _roll(self, slots: dict[int, dict[str, Any]], count: int) -> None:
        strategy = self.spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return  # OnDelete: pods change only when someone deletes them
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        update_name = self.update["metadata"]["name"]
        for ordinal in range(self.start + count - 1, self.start + partition - 1, -1):
            pod = slots.get(ordinal)
            if pod is None:
                return
            labels = pod["metadata"].get("labels") or {}
            if labels.get(REVISION_LABEL) != update_name and not is_terminating(pod):
                self._delete(pod)
                return
            if not self._healthy(pod):
                return

    # -- pods and claims -------------------------------------------------------------------------
    def _create(self, ordinal: int) -> None:
        strategy = self.spec.get("updateStrategy") or {}
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        rolling = strategy.get("type", "RollingUpdate") == "RollingUpdate"
        revision = self.current if rolling and ordinal < self.start + partition else self.update
        name = f"{self.sts['metadata']['name']}-{ordinal}"
        template = _revisions.template_of(revision)
        pod = pod_from_template(
            self.sts,
            template,
            name=name,
            labels={
                REVISION_LABEL: revision["metadata"]["name"],
                POD_NAME_LABEL: name,
                POD_INDEX_LABEL: str(ordinal),
            },
        )
        pod["metadata"]["generateName"] = f"{self.sts['metadata']['name']}-"
        spec = pod["spec"]
        spec["hostname"] = name
        if self.spec.get("serviceName"):
            spec["subdomain"] = self.spec["serviceName"]
        claims = zip(self._templates(), self._claim_objects(ordinal), strict=True)
        volumes = [
            {
                "name": tpl["metadata"]["name"],
                "persistentVolumeClaim": {"claimName": claim["metadata"]["name"]},
            }
            for tpl, claim in claims
        ]
        taken = {v["name"] for v in volumes}
        volumes += [v for v in spec.get("volumes") or () if v.get("name") not in taken]
        if volumes:
            spec["volumes"] = volumes
        self._claims(ordinal)
        sts_name = self.sts["metadata"]["name"]
        try:
            self.cluster.create("Pod", pod, manager=MANAGER)
        except SandboxApiError as exc:
            if exc.code in (404, 409):
                raise
            message = f"create Pod {name} in StatefulSet {sts_name} failed error: {exc.message}"
            self.cluster.event(self.sts, "Warning", "FailedCreate", message, SOURCE)
            return
        self.cluster.event(
            self.sts,
            "Normal",
            "SuccessfulCreate",
            f"create Pod {name} in StatefulSet {sts_name} successful",
            SOURCE,
        )

    def _delete(self, pod: dict[str, Any]) -> None:
        name = pod["metadata"]["name"]
        self.cluster.delete("Pod", pod["metadata"]["namespace"], name)
        message = f"delete Pod {name} in StatefulSet {self.sts['metadata']['name']} successful"
        self.cluster.event(self.sts, "Normal", "SuccessfulDelete", message, SOURCE)

    def _templates(self) -> list[dict[str, Any]]:
        return [
            t for t in self.spec.get("volumeClaimTemplates") or () if (t.get("metadata") or {}).get("name")
        ]

    def _claim_objects(self, ordinal: int) -> list[dict[str, Any]]:
        """``getPersistentVolumeClaims``: the claims of one ordinal, from the templates."""
        sts = self.sts
        out = []
        for template in self._templates():
            tmeta = template.get("metadata") or {}
            labels = {
                **(tmeta.get("labels") or {}),
                **((self.spec.get("selector") or {}).get("matchLabels") or {}),
            }
            meta: dict[str, Any] = {
                "name": f"{tmeta['name']}-{sts['metadata']['name']}-{ordinal}",
                "namespace": sts["metadata"]["namespace"],
                "labels": labels,
            }
            if tmeta.get("annotations"):
                meta["annotations"] = dict(tmeta["annotations"])
            retention = self.spec.get("persistentVolumeClaimRetentionPolicy") or {}
            if retention.get("whenDeleted") == "Delete":
                meta["ownerReferences"] = [controller_ref(sts)]
            claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta}
            claim["spec"] = copy.deepcopy(template.get("spec") or {})
            out.append(claim)
        return out

    def _claims(self, ordinal: int) -> None:
        """Create the ordinal's missing claims (``createMissingPersistentVolumeClaims``)."""
        sts_name = self.sts["metadata"]["name"]
        pod_name = f"{sts_name}-{ordinal}"
        for claim in self._claim_objects(ordinal):
            meta = claim["metadata"]
            if self.cluster.entry("PersistentVolumeClaim", meta["namespace"], meta["name"]) is not None:
                continue
            try:
                self.cluster.create("PersistentVolumeClaim", claim, manager=MANAGER)
            except SandboxApiError as exc:
                if exc.code in (404, 409):
                    raise
                message = (
                    f"create Claim {meta['name']} for Pod {pod_name} in StatefulSet {sts_name} "
                    f"failed error: {exc.message}"
                )
                self.cluster.event(self.sts, "Warning", "FailedCreate", message, SOURCE)
                continue
            message = f"create Claim {meta['name']} Pod {pod_name} in StatefulSet {sts_name} success"
            self.cluster.event(self.sts, "Normal", "SuccessfulCreate", message, SOURCE)

    # -- status ----------------------------------------------------------------------------------
    def write_status(self) -> float | None:
        current, update = self.current["metadata"]["name"], self.update["metadata"]["name"]
        counts = {
            "replicas": 0,
            "readyReplicas": 0,
            "availableReplicas": 0,
            "currentReplicas": 0,
            "updatedReplicas": 0,
        }
        wait: float | None = None
        for pod in self.pods():
            counts["replicas"] += 1
            if is_running_and_ready(pod):
                counts["readyReplicas"] += 1
                left = until_available(pod, self.min_ready, self.now)
                if left == 0.0:
                    counts["availableReplicas"] += 1
                elif left is not None:
                    wait = left if wait is None else min(wait, left)
            if not is_terminating(pod):
                revision = (pod["metadata"].get("labels") or {}).get(REVISION_LABEL)
                counts["currentReplicas"] += revision == current
                counts["updatedReplicas"] += revision == update
        strategy = (self.spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
        if (
            strategy == "RollingUpdate"
            and counts["updatedReplicas"] == counts["replicas"]
            and counts["readyReplicas"] == counts["replicas"]
        ):
            counts["currentReplicas"] = counts["updatedReplicas"]
            current = update
        old = self.sts.get("status") or {}
        status = dropped_zeros(
            {
                "observedGeneration": self.sts["metadata"].get("generation", 1),
                **counts,
                "currentRevision": current,
                "updateRevision": update,
                "collisionCount": int(old.get("collisionCount") or 0),
            },
            keep=("replicas", "availableReplicas", "collisionCount"),
        )
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status != old:
            self.sts["status"] = status
            self.cluster.update_status("StatefulSet", self.sts, manager=MANAGER)
        return wait

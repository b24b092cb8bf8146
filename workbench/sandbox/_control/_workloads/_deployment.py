"""The Deployment controller: ReplicaSets per pod template, rolled out and reported like the real one.

Follows ``pkg/controller/deployment``: the ReplicaSet whose template equals the Deployment's
(ignoring ``pod-template-hash``) is the new one, else one named ``<deployment>-<hash>`` is created
with the next revision; ``RollingUpdate`` grows it within ``maxSurge`` and shrinks the old ones
within ``maxUnavailable`` as its pods become available; ``Recreate`` scales the old ones to 0 and
waits for their pods to go first. A template that matches an old ReplicaSet again (``kubectl
rollout undo``) makes that ReplicaSet the new one with the next revision. ``revisionHistoryLimit``
prunes old empty ReplicaSets. Status counts come from the ReplicaSets; ``Available`` and
``Progressing`` (with ``progressDeadlineSeconds``) carry the real reasons and messages, and
``ScalingReplicaSet`` events say ``Scaled up replica set web-5d9c7b8f6 from 0 to 3``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.sandbox._control._cluster import Cluster, key_of
from workbench.sandbox._control._workloads import _deployment_status as st
from workbench.sandbox._control._workloads import _rollout as ro
from workbench.sandbox._control._workloads._deployment_rs import SOURCE, ReplicaSets
from workbench.sandbox._control._workloads._pods import (
    by_creation,
    controlled,
    is_terminal,
    owner_keys,
    unobserved,
)
from workbench.sandbox._store import Change, Key


class DeploymentController:
    """Reconciles Deployments with their ReplicaSets."""

    name = "deployment"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._buckets = {kind: cluster.bucket(kind) for kind in ("Deployment", "ReplicaSet", "Pod")}

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._buckets["Deployment"]:
            if change.type != "DELETED":
                yield change.key
        elif change.bucket == self._buckets["ReplicaSet"]:
            yield from owner_keys(self.cluster, change, self._buckets["Deployment"])
        elif change.bucket == self._buckets["Pod"] and change.type == "DELETED":
            # Recreate waits for the old pods to be gone, which no ReplicaSet status shows.
            store = self.cluster.api.store
            for uid in change.entry.owners:
                found = store.find_uid(uid)
                if found is not None and found[0] == self._buckets["ReplicaSet"]:
                    for owner in found[2].owners:
                        top = store.find_uid(owner)
                        if top is not None and top[0] == self._buckets["Deployment"]:
                            yield top[1]

    def initial_keys(self) -> Iterable[Key]:
        for entry in self.cluster.entries("Deployment"):
            # A rollout loaded in flight needs its progress deadline watched; a settled one does not.
            settled = b"NewReplicaSetAvailable" in entry.raw or b"ProgressDeadlineExceeded" in entry.raw
            if unobserved(entry) or not settled:
                yield key_of(entry.decode())

    def sync(self, key: Key) -> float | None:
        d = self.cluster.get("Deployment", *key)
        if d is None:
            return None
        return _Sync(self.cluster, d).run()


class _Sync(ReplicaSets):
    """One reconcile of one Deployment (``syncDeployment``)."""

    # -- the flow --------------------------------------------------------------------------------
    def run(self) -> float | None:
        d = self.d
        spec = d.get("spec") or {}
        if spec.get("selector") == {}:
            self.cluster.event(
                d,
                "Warning",
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
                SOURCE,
            )
            d["status"]["observedGeneration"] = d["metadata"].get("generation", 1)
            return self.flush()
        if d["metadata"].get("deletionTimestamp"):
            self.find_new(create=False)
            self._status_only()
            return self.flush()
        st.paused_condition(self.d, self.now)
        if spec.get("paused") or self._is_scaling_event():
            self._scale_only()
        elif ((spec.get("strategy") or {}).get("type")) == "Recreate":
            self._recreate()
        else:
            self._rolling()
        return self.flush()

    # -- strategies ------------------------------------------------------------------------------
    def _is_scaling_event(self) -> bool:
        """``isScalingEvent``: an active ReplicaSet was sized for another replica count."""
        self.find_new(create=False)
        want = ro.replicas(self.d)
        for rs in self.all_rss:
            desired = ro.desired_annotation(rs)
            if ro.replicas(rs) > 0 and desired is not None and desired != want:
                return True
        return False

    def _scale_only(self) -> None:
        """``sync``: a scale (or a paused Deployment): resize, no rollout."""
        self.find_new(create=False)
        self._proportional_scale()
        if (self.d.get("spec") or {}).get("paused"):
            self.cleanup()
        self._status_only()

    def _proportional_scale(self) -> None:
        """``scale``: one active ReplicaSet takes the whole count; during a rollout the change is
        spread over the active ones in proportion to their size."""
        d = self.d
        want = ro.replicas(d)
        new_rs, old_rss = self.new_rs, by_creation(self.old_rss, newest_first=True)
        if new_rs is None and not old_rss:
            return
        active = [rs for rs in [*old_rss, *([new_rs] if new_rs else [])] if ro.replicas(rs) > 0]
        if len(active) <= 1:
            target = active[0] if active else (new_rs or old_rss[0])
            if ro.replicas(target) != want:
                self.resize(target, want)
            return
        if new_rs is not None and _saturated(new_rs, want):
            for rs in old_rss:
                if ro.replicas(rs) > 0:
                    self.resize(rs, 0)
            return
        if not ro.is_rolling(d):
            return
        allowed = want + ro.max_surge(d) if want > 0 else 0
        to_add = allowed - ro.total(active)
        operation = ""
        if to_add > 0:
            active.sort(key=lambda rs: (-ro.replicas(rs), _negated_created(rs)))
            operation = "up"
        elif to_add < 0:
            active.sort(key=lambda rs: (-ro.replicas(rs), rs["metadata"].get("creationTimestamp") or ""))
            operation = "down"
        added, sizes = 0, {}
        for rs in active:
            share = ro.proportion(rs, d, to_add, added) if to_add else 0
            sizes[rs["metadata"]["uid"]] = ro.replicas(rs) + share
            added += share
        for i, rs in enumerate(active):
            uid = rs["metadata"]["uid"]
            if i == 0 and to_add:
                sizes[uid] = max(0, sizes[uid] + to_add - added)
            self.resize(self.rss[uid], sizes[uid], operation)

    def _rolling(self) -> None:
        """``rolloutRolling``: scale the new ReplicaSet up if it may, else the old ones down."""
        d = self.d
        new_rs = self.find_new(create=True)
        if new_rs is None:
            return  # a failed creation or a hash collision: its condition is written, the sync retried
        if self._reconcile_new(new_rs) or self._reconcile_old():
            self._rollout_status()
            return
        if st.complete(d, d["status"]):
            self.cleanup()
        self._rollout_status()

    def _reconcile_new(self, new_rs: dict[str, Any]) -> bool:
        want = ro.replicas(self.d)
        if ro.replicas(new_rs) == want:
            return False
        if ro.replicas(new_rs) > want:
            return self.resize(new_rs, want)
        return self.resize(new_rs, ro.new_rs_replicas(self.d, self.all_rss, new_rs))

    def _reconcile_old(self) -> bool:
        """``reconcileOldReplicaSets``: shrink old ReplicaSets as far as ``maxUnavailable`` allows,
        their unhealthy replicas first."""
        d, new_rs = self.d, self.new_rs
        old = by_creation(rs for rs in self.old_rss if ro.replicas(rs) > 0)
        if not old or new_rs is None:
            return False
        min_available = ro.replicas(d) - ro.max_unavailable(d)
        new_unavailable = ro.replicas(new_rs) - ro.counted(new_rs, "availableReplicas")
        most = ro.total(self.all_rss) - min_available - new_unavailable
        if most <= 0:
            return False
        cleaned = 0
        for rs in old:
            if cleaned >= most:
                break
            unhealthy = ro.replicas(rs) - ro.counted(rs, "availableReplicas")
            if ro.replicas(rs) == 0 or unhealthy <= 0:
                continue
            step = min(most - cleaned, unhealthy)
            self.resize(rs, ro.replicas(rs) - step)
            cleaned += step
        scaled = 0
        available = ro.total(self.all_rss, "availableReplicas")
        if available > min_available:
            budget = available - min_available
            for rs in by_creation(self.rss[r["metadata"]["uid"]] for r in old):
                if scaled >= budget:
                    break
                if ro.replicas(rs) == 0:
                    continue
                step = min(ro.replicas(rs), budget - scaled)
                self.resize(rs, ro.replicas(rs) - step)
                scaled += step
        return cleaned + scaled > 0

    def _recreate(self) -> None:
        """``rolloutRecreate``: old ReplicaSets to 0, wait for their pods to go, then the new one up."""
        d = self.d
        self.find_new(create=False)
        scaled_down = False
        for rs in self.old_rss:
            if ro.replicas(rs) > 0:
                scaled_down = self.resize(rs, 0) or scaled_down
        if scaled_down or self._old_pods_running():
            self._rollout_status()
            return
        new_rs = self.new_rs or self.find_new(create=True)
        if new_rs is not None and ro.replicas(new_rs) != ro.replicas(d):
            self.resize(new_rs, ro.replicas(d))
        if st.complete(d, d["status"]):
            self.cleanup()
        self._rollout_status()

    def _old_pods_running(self) -> bool:
        if ro.total(self.old_rss, "replicas") > 0:
            return True
        return any(not is_terminal(pod) for rs in self.old_rss for pod in controlled(self.cluster, rs, "Pod"))

    # -- status ----------------------------------------------------------------------------------
    def _status_only(self) -> None:
        """``syncDeploymentStatus``: the counts, with no estimate of progress."""
        self.d["status"] = st.calculate_status(self.d, self.all_rss, self.new_rs, self.now)

    def _rollout_status(self) -> None:
        """``syncRolloutStatus``: the counts and the ``Progressing`` condition."""
        self.d["status"] = st.rollout_status(self.d, self.all_rss, self.new_rs, self.now)


def _saturated(rs: dict[str, Any], want: int) -> bool:
    """``IsSaturated``: the ReplicaSet was sized for, has, and has available the whole count."""
    return (
        ro.desired_annotation(rs) == want
        and ro.replicas(rs) == want
        and ro.counted(rs, "availableReplicas") == want
    )


def _negated_created(rs: dict[str, Any]) -> tuple[int, ...]:
    return tuple(-ord(c) for c in str(rs["metadata"].get("creationTimestamp") or ""))

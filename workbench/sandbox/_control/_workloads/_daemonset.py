"""The DaemonSet controller: one pod per eligible node, pinned there by node affinity.

As ``pkg/controller/daemon``: a node is eligible when the pod's node selector and required node
affinity allow it and it has no ``NoSchedule``/``NoExecute`` taint the pod does not tolerate (the
controller adds tolerations for not-ready, unreachable, pressure and unschedulable nodes to every
daemon pod). Pods are made without ``spec.nodeName``, with a required node affinity on
``metadata.name`` for the scheduler to follow, labelled ``controller-revision-hash`` and
``pod-template-generation``. Failed pods are deleted (event ``FailedDaemonPod``) and made again;
``RollingUpdate`` replaces old pods within ``maxUnavailable`` (or surges within ``maxSurge``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._control._cluster import Cluster, Source, key_of
from workbench.sandbox._control._workloads import _revisions
from workbench.sandbox._control._workloads._hash import revision_data, template_hash
from workbench.sandbox._control._workloads._placement import (
    NodeInfo,
    node_info,
    pin_to_node,
    should_run,
    target_node,
    with_daemon_tolerations,
)
from workbench.sandbox._control._workloads._pods import (
    MANAGER,
    controlled,
    dropped_zeros,
    is_ready,
    is_terminal,
    is_terminating,
    owner_keys,
    phase,
    pod_from_template,
    unobserved,
    until_available,
)
from workbench.sandbox._control._workloads._rollout import scaled_value
from workbench.sandbox._scenarios._controllers import REVISION_HASH_LABELS
from workbench.sandbox._store import Change, Key

SOURCE = Source("daemonset-controller")
HASH_LABEL = REVISION_HASH_LABELS["DaemonSet"]  # on the revisions and the pods
GENERATION_LABEL = "pod-template-generation"
_FAILED_BACKOFF = (1.0, 900.0)  # the failed-pod back-off: 1 s doubling to 15 min


class DaemonSetController:
    """Reconciles DaemonSets with the nodes and their pods."""

    name = "daemonset"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._ds_bucket = cluster.bucket("DaemonSet")
        self._pod_bucket = cluster.bucket("Pod")
        self._node_bucket = cluster.bucket("Node")
        self._backoff: dict[tuple[str, str], tuple[float, float]] = {}  # (ds uid, node) -> (delay, at)

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._ds_bucket:
            if change.type != "DELETED":
                yield change.key
        elif change.bucket == self._pod_bucket:
            yield from owner_keys(self.cluster, change, self._ds_bucket)
        elif change.bucket == self._node_bucket and _placement_changed(change):
            for entry in self.cluster.entries("DaemonSet"):
                yield (entry.fields.get("metadata.namespace", ""), entry.fields.get("metadata.name", ""))

    def initial_keys(self) -> Iterable[Key]:
        for entry in self.cluster.entries("DaemonSet"):
            if unobserved(entry):
                yield key_of(entry.decode())

    def sync(self, key: Key) -> float | None:
        ds = self.cluster.get("DaemonSet", *key)
        if ds is None:
            return None
        template = (ds.get("spec") or {}).get("template") or {}
        revisions = _revisions.history(self.cluster, ds)
        try:
            current = _revisions.ensure(
                self.cluster,
                ds,
                revisions,
                revision_data(template),
                hash_of=lambda count: template_hash(template, count),
                hash_label=HASH_LABEL,
            )
        except _revisions.CollisionError:
            _revisions.count_collision(self.cluster, "DaemonSet", ds)
            return None
        # The pods carry the revision's hash label (its name's suffix for a revision loaded without).
        hash_ = (current["metadata"].get("labels") or {}).get(HASH_LABEL)
        hash_ = hash_ or current["metadata"]["name"].rsplit("-", 1)[-1]
        nodes = [node_info(entry) for entry in self.cluster.entries("Node")]
        run = _Run(self, ds, hash_, nodes)
        waits: list[float] = []
        if not ds["metadata"].get("deletionTimestamp"):
            acted, wait = run.manage()
            if wait is not None:
                waits.append(wait)
            strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
            if not acted and strategy.get("type", "RollingUpdate") == "RollingUpdate":
                run.rolling_update()
        prefix = f"{ds['metadata']['name']}-"
        live = {current["metadata"]["name"]}
        live.update(prefix + (p["metadata"].get("labels") or {}).get(HASH_LABEL, "") for p in run.pods())
        limit = int((ds.get("spec") or {}).get("revisionHistoryLimit", 10))
        _revisions.prune(self.cluster, revisions, live, limit)
        wait = run.write_status()
        if wait is not None:
            waits.append(wait)
        return min(waits) if waits else None


def _placement_changed(change: Change) -> bool:
    """Whether a node change can change where daemon pods belong (a new or gone node, new labels
    or taints); status heartbeats cannot."""
    if change.type != "MODIFIED" or change.prev is None:
        return True
    if dict(change.entry.labels) != dict(change.prev.labels):
        return True
    if b'"taints"' not in change.entry.raw and b'"taints"' not in change.prev.raw:
        return False
    return node_info(change.entry).taints != node_info(change.prev).taints


class _Run:
    """One reconcile of a DaemonSet (``syncDaemonSet``)."""

    def __init__(
        self, controller: DaemonSetController, ds: dict[str, Any], hash_: str, nodes: list[NodeInfo]
    ) -> None:
        self.controller = controller
        self.cluster = controller.cluster
        self.ds = ds
        self.hash = hash_
        self.nodes = nodes
        self.now = self.cluster.clock.now()
        spec = ds.get("spec") or {}
        self.min_ready = int(spec.get("minReadySeconds") or 0)
        self.pod_spec = copy.deepcopy((spec.get("template") or {}).get("spec") or {})
        with_daemon_tolerations(self.pod_spec)

    def pods(self) -> list[dict[str, Any]]:
        return controlled(self.cluster, self.ds, "Pod")

    def _by_node(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for pod in self.pods():
            node = target_node(pod)
            if node is not None:
                out.setdefault(node, []).append(pod)
        return out

    def _updated(self, pod: dict[str, Any]) -> bool:
        return (pod["metadata"].get("labels") or {}).get(HASH_LABEL) == self.hash

    def _available(self, pod: dict[str, Any]) -> bool:
        return until_available(pod, self.min_ready, self.now) == 0.0

    def _fenceposts(self, desired: int) -> tuple[int, int]:
        rolling = ((self.ds.get("spec") or {}).get("updateStrategy") or {}).get("rollingUpdate") or {}
        surge = scaled_value(rolling.get("maxSurge", 0), desired, round_up=True)
        unavailable = scaled_value(rolling.get("maxUnavailable", 1), desired, round_up=True)
        if surge == 0 and unavailable == 0:
            unavailable = 1
        return surge, unavailable

    # -- pods per node ---------------------------------------------------------------------------
    def manage(self) -> tuple[bool, float | None]:
        """Create the missing daemon pods and delete failed, surplus and misplaced ones; returns
        whether anything was done, and when to look again at a failed pod in back-off."""
        by_node = self._by_node()
        surge = self._fenceposts(0)[0] > 0
        create: list[str] = []
        delete: list[dict[str, Any]] = []
        wait: float | None = None
        for node in self.nodes:
            pods = by_node.pop(node.name, [])
            run, keep = should_run(self.pod_spec, node)
            if run and not pods:
                create.append(node.name)
            elif keep:
                running = []
                for pod in pods:
                    if is_terminating(pod):
                        continue
                    if phase(pod) == "Failed":
                        left = self._failed_backoff(node.name)
                        if left > 0:
                            wait = left if wait is None else min(wait, left)
                            continue
                        name = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
                        message = f"Found failed daemon pod {name} on node {node.name}, will try to kill it"
                        self.cluster.event(self.ds, "Warning", "FailedDaemonPod", message, SOURCE)
                        delete.append(pod)
                    elif phase(pod) == "Succeeded":
                        delete.append(pod)
                    else:
                        running.append(pod)
                delete.extend(self._surplus(running, surge))
                if surge and run and not running and not any(is_terminating(p) for p in pods):
                    create.append(node.name)
            else:
                delete.extend(p for p in pods if not is_terminating(p))
        for pods in by_node.values():  # pods for nodes that are gone
            delete.extend(p for p in pods if not is_terminating(p))
        self._sync_nodes(delete, create)
        return bool(create or delete), wait

    def _surplus(self, running: list[dict[str, Any]], surge: bool) -> list[dict[str, Any]]:
        if len(running) <= 1:
            return []
        ordered = sorted(
            running, key=lambda p: (phase(p) != "Running", p["metadata"].get("creationTimestamp") or "")
        )
        if not surge:
            return ordered[1:]
        # Surging: an old pod may stay beside a new one while the new one is not ready yet.
        new = [p for p in ordered if self._updated(p)]
        old = [p for p in ordered if not self._updated(p)]
        keep = [new[0]] if new else []
        if new and old and not is_ready(new[0]) and is_ready(old[0]):
            keep.append(old[0])
        if not new:
            keep = [old[0]]
        return [p for p in ordered if all(p is not k for k in keep)]

    def _failed_backoff(self, node: str) -> float:
        """Seconds left before another failed pod on `node` may be deleted (``failedPodsBackoff``)."""
        key = (self.ds["metadata"]["uid"], node)
        now = self.cluster.clock.elapsed()
        delay, at = self.controller._backoff.get(key, (0.0, -1e18))
        if now < at + delay:
            return at + delay - now
        first, cap = _FAILED_BACKOFF
        self.controller._backoff[key] = (first if delay == 0 else min(cap, delay * 2), now)
        return 0.0

    def _sync_nodes(self, delete: list[dict[str, Any]], create: list[str]) -> None:
        for pod in delete:
            name = pod["metadata"]["name"]
            self.cluster.delete("Pod", pod["metadata"]["namespace"], name)
            self.cluster.event(self.ds, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", SOURCE)
        generation = str(self.ds["metadata"].get("generation", 1))
        for node in create:
            template = copy.deepcopy((self.ds.get("spec") or {}).get("template") or {})
            template["spec"] = copy.deepcopy(self.pod_spec)
            pin_to_node(template["spec"], node)
            pod = pod_from_template(
                self.ds, template, labels={GENERATION_LABEL: generation, HASH_LABEL: self.hash}
            )
            try:
                created = self.cluster.create("Pod", pod, manager=MANAGER)
            except SandboxApiError as exc:
                if exc.code in (404, 409):
                    raise
                self.cluster.event(
                    self.ds, "Warning", "FailedCreate", f"Error creating: {exc.message}", SOURCE
                )
                continue
            self.cluster.event(
                self.ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", SOURCE
            )

    # -- rolling update ----------------------------------------------------------------------------
    def rolling_update(self) -> None:
        by_node = self._by_node()
        desired = sum(1 for node in self.nodes if should_run(self.pod_spec, node)[0])
        surge, unavailable = self._fenceposts(desired)
        if surge == 0:
            self._roll_in_place(by_node, unavailable)
        else:
            self._roll_with_surge(by_node, surge)

    def _split(self, pods: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None, bool]:
        """``findUpdatedPodsOnNode``: (new pod, old pod, at most one of each)."""
        alive = [p for p in pods if not is_terminating(p)]
        new = [p for p in alive if self._updated(p)]
        old = [p for p in alive if not self._updated(p)]
        if len(new) > 1 or len(old) > 1:
            return None, None, False
        return (new[0] if new else None), (old[0] if old else None), True

    def _roll_in_place(self, by_node: dict[str, list[dict[str, Any]]], most: int) -> None:
        unavailable = 0
        replace: list[dict[str, Any]] = []
        candidates: list[dict[str, Any]] = []
        for node in sorted(by_node):
            new, old, ok = self._split(by_node[node])
            if not ok or (new is None) == (old is None):
                unavailable += 1
            elif new is not None:
                unavailable += not self._available(new)
            elif old is not None:
                if not self._available(old):
                    replace.append(old)
                elif unavailable < most:
                    candidates.append(old)
        room = max(0, min(most - unavailable, len(candidates)))
        self._sync_nodes([*replace, *candidates[:room]], [])

    def _roll_with_surge(self, by_node: dict[str, list[dict[str, Any]]], most: int) -> None:
        surged = 0
        delete: list[dict[str, Any]] = []
        allowed: list[str] = []
        candidates: list[str] = []
        nodes = {node.name: node for node in self.nodes}
        for name in sorted(by_node):
            new, old, ok = self._split(by_node[name])
            if not ok:
                surged += 1
            elif old is None:
                continue
            elif new is None:
                if not self._available(old):
                    node = nodes.get(name)
                    if node is None or not should_run(self.pod_spec, node)[0]:
                        delete.append(old)
                    else:
                        allowed.append(name)
                elif surged < most:
                    candidates.append(name)
            elif not self._available(new):
                surged += 1
            else:
                delete.append(old)
        room = max(0, min(most - surged, len(candidates)))
        self._sync_nodes(delete, [*allowed, *candidates[:room]])

    # -- status --------------------------------------------------------------------------------------
    def write_status(self) -> float | None:
        by_node = {
            node: [p for p in pods if not (is_terminal(p) and is_terminating(p))]
            for node, pods in self._by_node().items()
        }
        counts = dict.fromkeys(
            (
                "desiredNumberScheduled",
                "currentNumberScheduled",
                "numberMisscheduled",
                "numberReady",
                "numberAvailable",
                "updatedNumberScheduled",
            ),
            0,
        )
        wait: float | None = None
        for node in self.nodes:
            run = should_run(self.pod_spec, node)[0]
            pods = by_node.get(node.name) or []
            if not run:
                counts["numberMisscheduled"] += bool(pods)
                continue
            counts["desiredNumberScheduled"] += 1
            if not pods:
                continue
            counts["currentNumberScheduled"] += 1
            pod = sorted(
                pods,
                key=lambda p: (
                    not (p.get("spec") or {}).get("nodeName"),
                    phase(p) != "Running",
                    p["metadata"].get("creationTimestamp") or "",
                ),
            )[0]
            if is_ready(pod):
                counts["numberReady"] += 1
                left = until_available(pod, self.min_ready, self.now)
                if left == 0.0:
                    counts["numberAvailable"] += 1
                elif left is not None:
                    wait = left if wait is None else min(wait, left)
            counts["updatedNumberScheduled"] += self._updated(pod)
        old = self.ds.get("status") or {}
        status = dropped_zeros(
            {
                **counts,
                "numberUnavailable": counts["desiredNumberScheduled"] - counts["numberAvailable"],
                "observedGeneration": self.ds["metadata"].get("generation", 1),
                "collisionCount": old.get("collisionCount"),
            },
            keep=("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"),
        )
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status != old:
            self.ds["status"] = status
            self.cluster.update_status("DaemonSet", self.ds, manager=MANAGER)
        return wait

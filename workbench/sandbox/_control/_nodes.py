"""Node health: the kubelet's node status, the node lifecycle controller and NoExecute taint eviction.

Two annotations on a Node are the sandbox's switches for what a real cluster's machines do:

- ``sandbox.workbench.io/kubelet: stopped`` — the kubelet stops posting status (it crashed, the VM
  hangs, the network is cut). After the node monitor grace period (50 s in 1.32) the node lifecycle
  controller sets every condition ``Unknown`` (``NodeStatusUnknown`` / ``Kubelet stopped posting
  node status.``), records ``NodeNotReady``, taints the node ``node.kubernetes.io/unreachable``
  (NoSchedule and NoExecute) and marks its pods ``Ready=False`` (event ``NodeNotReady`` "Node is not
  ready"). Removing the annotation starts the kubelet again: ``Starting kubelet.``, the conditions
  healthy again, ``NodeReady``, and the taints go.
- ``sandbox.workbench.io/kubelet: not-ready`` — the kubelet runs but reports ``Ready=False``
  (``KubeletNotReady``: its CNI plugin is not initialized); the node is tainted
  ``node.kubernetes.io/not-ready`` and its pods are evicted after their toleration.
- ``sandbox.workbench.io/pressure: memory`` (or ``disk``, ``pid``, comma-separated) — the kubelet
  reports ``MemoryPressure`` / ``DiskPressure`` / ``PIDPressure`` True with its real reasons and
  events, and the controller taints the node ``node.kubernetes.io/memory-pressure:NoSchedule``...

A cordoned node (``spec.unschedulable``, ``kubectl cordon``) gets ``node.kubernetes.io/unschedulable:
NoSchedule`` and the kubelet's ``NodeNotSchedulable`` event. The taint eviction controller deletes the
pods on a node with NoExecute taints they do not tolerate — at once, or after the smallest
``tolerationSeconds`` of the tolerations they use (admission gives every pod 300 s for
not-ready/unreachable) — with ``TaintManagerEviction`` "Marking for deletion Pod ns/name"; their
controllers recreate them elsewhere.

Healthy kubelets refresh ``lastHeartbeatTime`` every 5 minutes (``nodeStatusReportFrequency``; the
10 s beats go to the node's Lease, which the sandbox leaves alone), and only in clusters of up to
200 nodes: a large synthetic cluster's nodes are not rewritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workbench.sandbox._clock import parse_time
from workbench.sandbox._control._cluster import Cluster, Source, clone
from workbench.sandbox._control._fit import tolerates
from workbench.sandbox._deletion import KUBELET_ANNOTATION
from workbench.sandbox._store import Change, Key

# KUBELET_ANNOTATION (one name, kept where pod deletion reads it too):
"""``stopped`` stops a node's kubelet; ``not-ready`` keeps it running but reporting NotReady (its CNI
plugin is not initialized); removing the annotation makes it healthy again."""
PRESSURE_ANNOTATION = "sandbox.workbench.io/pressure"
"""``memory``, ``disk`` and/or ``pid`` (comma-separated): the node's kubelet reports that pressure."""
GRACE_PERIOD = 50.0  # kube-controller-manager --node-monitor-grace-period (1.32 default)
HEARTBEAT = 300.0  # kubelet nodeStatusReportFrequency when nothing changes
HEARTBEAT_MAX_NODES = 200
CONTROLLER_MANAGER, KUBELET = "kube-controller-manager", "kubelet"
NODE_CONTROLLER = Source("node-controller")
TAINT_EVICTION = Source("taint-eviction-controller")
UNREACHABLE, NOT_READY = "node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
UNKNOWN_REASON, UNKNOWN_MESSAGE = "NodeStatusUnknown", "Kubelet stopped posting node status."

# annotation value → (condition, healthy (reason, message), pressured (reason, message), taint key,
# kubelet event when healthy, when pressured, the resource the eviction manager reclaims)
PRESSURES: dict[str, tuple[str, tuple[str, str], tuple[str, str], str, str, str, str]] = {
    "memory": (
        "MemoryPressure",
        ("KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
        "node.kubernetes.io/memory-pressure",
        "NodeHasSufficientMemory",
        "NodeHasInsufficientMemory",
        "memory",
    ),
    "disk": (
        "DiskPressure",
        ("KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("KubeletHasDiskPressure", "kubelet has disk pressure"),
        "node.kubernetes.io/disk-pressure",
        "NodeHasNoDiskPressure",
        "NodeHasDiskPressure",
        "ephemeral-storage",
    ),
    "pid": (
        "PIDPressure",
        ("KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
        "node.kubernetes.io/pid-pressure",
        "NodeHasSufficientPID",
        "NodeHasInsufficientPID",
        "pids",
    ),
}
_READY = ("KubeletReady", "kubelet is posting ready status")
_NOT_READY = (
    "KubeletNotReady",
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized",
)
_MANAGED_TAINTS = {UNREACHABLE, NOT_READY, UNSCHEDULABLE, *(p[3] for p in PRESSURES.values())}


def _conditions(node: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {c.get("type", ""): c for c in (node.get("status") or {}).get("conditions") or []}


def _pressures(node: Mapping[str, Any]) -> set[str]:
    raw = (node["metadata"].get("annotations") or {}).get(PRESSURE_ANNOTATION) or ""
    return {p.strip() for p in raw.split(",") if p.strip() in PRESSURES}


def _wanted_conditions(node: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """The (type, status, reason, message) a running kubelet reports, by the node's annotations."""
    pressures = _pressures(node)
    wanted = []
    for key, (ctype, healthy, pressured, *_rest) in PRESSURES.items():
        reason, message = pressured if key in pressures else healthy
        wanted.append((ctype, "True" if key in pressures else "False", reason, message))
    if (node["metadata"].get("annotations") or {}).get(KUBELET_ANNOTATION) == "not-ready":
        wanted.append(("Ready", "False", *_NOT_READY))
    else:
        wanted.append(("Ready", "True", *_READY))
    return wanted


def _stopped(node: Mapping[str, Any]) -> bool:
    return (node["metadata"].get("annotations") or {}).get(KUBELET_ANNOTATION) == "stopped"


class NodeLifecycle:
    """The kubelets' node status, the node lifecycle controller and the taint eviction controller."""

    name = "node-lifecycle"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._node_bucket, self._pod_bucket = cluster.bucket("Node"), cluster.bucket("Pod")
        self._stopped_at: dict[str, float] = {}  # node → when its kubelet stopped posting
        self._watched: set[str] = set()  # NotReady or NoExecute-tainted nodes: their pods matter
        self._evictions: dict[tuple[str, str, str], float] = {}  # (ns, pod, uid) → countdown start
        self._schedulable: dict[str, bool] = {}  # what each kubelet last saw of spec.unschedulable
        self._node_count: int | None = None

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._node_bucket:
            if change.type != "MODIFIED":
                self._node_count = None
            return [change.key] if change.type != "DELETED" else ()
        if change.bucket == self._pod_bucket:
            node = change.entry.fields.get("spec.nodeName")
            return [("", node)] if node and node in self._watched else ()
        return ()

    def initial_keys(self) -> Iterable[Key]:
        entries = list(self.cluster.entries("Node"))
        for entry in entries:
            node = entry.decode()
            spec = node.get("spec") or {}
            if (
                len(entries) <= HEARTBEAT_MAX_NODES
                or node["metadata"].get("annotations", {}).keys() & {KUBELET_ANNOTATION, PRESSURE_ANNOTATION}
                or spec.get("unschedulable")
                or any(t.get("effect") == "NoExecute" for t in spec.get("taints") or [])
            ):
                yield ("", node["metadata"]["name"])

    def sync(self, key: Key) -> float | None:
        name = key[1]
        node = self.cluster.get("Node", "", name)
        if node is None:
            self._stopped_at.pop(name, None)
            self._watched.discard(name)
            return None
        now = self.cluster.clock.elapsed()
        waits: list[float] = []
        if _stopped(node):
            stopped_at = self._stopped_at.setdefault(name, now)
            if now < stopped_at + GRACE_PERIOD:
                waits.append(stopped_at + GRACE_PERIOD - now)
            else:
                node = self._mark_unknown(node)
        else:
            self._stopped_at.pop(name, None)
            node, beat = self._post_status(node)
            if beat is not None:
                waits.append(beat)
        node = self._taint(node)
        ready = _conditions(node).get("Ready", {}).get("status")
        if ready != "True":
            self._mark_pods_not_ready(name)
        wait = self._evict(node)
        if wait is not None:
            waits.append(wait)
        tainted = any(t.get("effect") == "NoExecute" for t in (node.get("spec") or {}).get("taints") or [])
        (self._watched.add if ready != "True" or tainted else self._watched.discard)(name)
        return min(waits) if waits else None

    # -- the kubelet ---------------------------------------------------------------------------------
    def _post_status(self, node: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
        """The kubelet's node status: healthy or pressured conditions, Ready, events on transitions, a
        heartbeat every 5 minutes; returns the node and the seconds until the next heartbeat."""
        name = node["metadata"]["name"]
        current = _conditions(node)
        wanted = _wanted_conditions(node)
        changed = [
            w
            for w in wanted
            if (current.get(w[0], {}).get("status"), current.get(w[0], {}).get("reason")) != (w[1], w[2])
        ]
        unschedulable = bool((node.get("spec") or {}).get("unschedulable"))
        if self._schedulable.setdefault(name, unschedulable) != unschedulable:
            self._schedulable[name] = unschedulable
            reason = "NodeNotSchedulable" if unschedulable else "NodeSchedulable"
            self._kubelet_event(node, reason, f"Node {name} status is now: {reason}")
        last = max(
            (parse_time(c["lastHeartbeatTime"]) for c in current.values() if c.get("lastHeartbeatTime")),
            default=None,
        )
        since = (self.cluster.clock.now() - last).total_seconds() if last is not None else HEARTBEAT
        if self._node_count is None:
            self._node_count = sum(1 for _ in self.cluster.entries("Node"))
        small = self._node_count <= HEARTBEAT_MAX_NODES
        if not changed and not (small and since >= HEARTBEAT):
            return node, (HEARTBEAT - since if small else None)
        now = self.cluster.now()
        updated = clone(node)
        conditions = updated.setdefault("status", {}).setdefault("conditions", [])
        by_type = {c.get("type"): c for c in conditions}
        for ctype, status, reason, message in wanted:
            cond = by_type.get(ctype)
            if cond is None:
                cond = {"type": ctype}
                conditions.append(cond)
            if cond.get("status") != status:
                cond["lastTransitionTime"] = now
            cond.update(status=status, lastHeartbeatTime=now, reason=reason, message=message)
        node = self.cluster.update_status("Node", updated, manager=KUBELET)
        self._transition_events(node, changed, restarted=current.get("Ready", {}).get("status") == "Unknown")
        return node, (HEARTBEAT if small else None)

    def _transition_events(
        self, node: dict[str, Any], changed: list[tuple[str, str, str, str]], *, restarted: bool
    ) -> None:
        """What the kubelet records as its conditions change (after a restart: all of them)."""
        name = node["metadata"]["name"]
        if restarted:
            self._kubelet_event(node, "Starting", "Starting kubelet.")
        for ctype, status, _reason, _message in changed:
            spec = next((p for p in PRESSURES.values() if p[0] == ctype), None)
            if spec is not None:
                event = spec[5] if status == "True" else spec[4]
                self._kubelet_event(node, event, f"Node {name} status is now: {event}")
                if status == "True":
                    self._kubelet_event(
                        node, "EvictionThresholdMet", f"Attempting to reclaim {spec[6]}", "Warning"
                    )
        if restarted:
            self._kubelet_event(node, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        for ctype, status, _reason, _message in changed:
            if ctype == "Ready":
                event = "NodeReady" if status == "True" else "NodeNotReady"
                self._kubelet_event(node, event, f"Node {name} status is now: {event}")

    def _kubelet_event(self, node: dict[str, Any], reason: str, message: str, type_: str = "Normal") -> None:
        self.cluster.event(node, type_, reason, message, Source(KUBELET, host=node["metadata"]["name"]))

    # -- the node lifecycle controller ---------------------------------------------------------------
    def _mark_unknown(self, node: dict[str, Any]) -> dict[str, Any]:
        """No status for the grace period: every condition Unknown, and the event ``NodeNotReady``."""
        conditions = _conditions(node)
        if conditions.get("Ready", {}).get("status") == "Unknown":
            return node
        now = self.cluster.now()
        updated = clone(node)
        for cond in updated.setdefault("status", {}).setdefault("conditions", []):
            if cond.get("status") != "Unknown":
                cond["lastTransitionTime"] = now
            cond.update(status="Unknown", reason=UNKNOWN_REASON, message=UNKNOWN_MESSAGE)
        node = self.cluster.update_status("Node", updated, manager=CONTROLLER_MANAGER)
        name = node["metadata"]["name"]
        self.cluster.event(
            node, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady", NODE_CONTROLLER
        )
        return node

    def _taint(self, node: dict[str, Any]) -> dict[str, Any]:
        """TaintNodesByCondition and the NoExecute pass: taints follow Ready, pressure and cordon."""
        conditions = _conditions(node)
        ready = conditions.get("Ready", {}).get("status")
        wanted: list[tuple[str, str]] = []
        if (node.get("spec") or {}).get("unschedulable"):
            wanted.append((UNSCHEDULABLE, "NoSchedule"))
        for ctype, _healthy, _pressured, taint, *_rest in PRESSURES.values():
            if conditions.get(ctype, {}).get("status") == "True":
                wanted.append((taint, "NoSchedule"))
        if ready in ("False", "Unknown"):
            key = UNREACHABLE if ready == "Unknown" else NOT_READY
            wanted += [(key, "NoSchedule"), (key, "NoExecute")]
        taints = list((node.get("spec") or {}).get("taints") or [])
        kept = [
            t
            for t in taints
            if t.get("key") not in _MANAGED_TAINTS or (t.get("key"), t.get("effect")) in wanted
        ]
        have = {(t.get("key"), t.get("effect")) for t in kept}
        now = self.cluster.now()
        kept += [{"key": k, "effect": e, "timeAdded": now} for k, e in wanted if (k, e) not in have]
        if kept == taints:
            return node
        updated = clone(node)
        if kept:
            updated.setdefault("spec", {})["taints"] = kept
        else:
            updated.get("spec", {}).pop("taints", None)
        return self.cluster.update("Node", updated, manager=CONTROLLER_MANAGER)

    def _pods_on(self, node: str) -> list[dict[str, Any]]:
        return self.cluster.objects("Pod", where=lambda e: e.fields.get("spec.nodeName") == node)

    def _mark_pods_not_ready(self, node: str) -> None:
        """``MarkPodsNotReady``: each pod's Ready condition False, and the event ``NodeNotReady``."""
        for pod in self._pods_on(node):
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            ready = next(
                (c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"),
                None,
            )
            if ready is None or ready.get("status") == "False":
                continue
            ready.update(status="False", lastTransitionTime=self.cluster.now())
            self.cluster.update_status("Pod", pod, manager=CONTROLLER_MANAGER)
            self.cluster.event(pod, "Warning", "NodeNotReady", "Node is not ready", NODE_CONTROLLER)

    # -- the taint eviction controller ---------------------------------------------------------------
    def _evict(self, node: dict[str, Any]) -> float | None:
        """Delete the pods that do not tolerate the node's NoExecute taints, once their toleration ends."""
        taints = [t for t in (node.get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]
        now = self.cluster.clock.elapsed()
        wait: float | None = None
        on_node = set()
        for pod in self._pods_on(node["metadata"]["name"]):
            meta = pod["metadata"]
            ident = (meta.get("namespace", ""), meta["name"], meta.get("uid", ""))
            on_node.add(ident)
            if meta.get("deletionTimestamp"):
                self._evictions.pop(ident, None)
                continue
            seconds = _toleration_seconds(taints, (pod.get("spec") or {}).get("tolerations") or [])
            if seconds is None:
                if self._evictions.pop(ident, None) is not None:
                    self._eviction_event(ident, "Cancelling deletion of Pod")
                continue
            start = self._evictions.setdefault(ident, now)
            if now + 1e-9 >= start + seconds:
                self._evictions.pop(ident, None)
                self._delete(pod, ident)
            else:
                wait = min(wait, start + seconds - now) if wait is not None else start + seconds - now
        for ident in [
            i for i in self._evictions if i not in on_node and self._node_of(i) == node["metadata"]["name"]
        ]:
            self._evictions.pop(ident, None)
        return wait

    def _node_of(self, ident: tuple[str, str, str]) -> str:
        entry = self.cluster.entry("Pod", ident[0], ident[1])
        return entry.fields.get("spec.nodeName", "") if entry is not None and entry.uid == ident[2] else ""

    def _delete(self, pod: dict[str, Any], ident: tuple[str, str, str]) -> None:
        self._eviction_event(ident, "Marking for deletion Pod")
        conditions = pod.setdefault("status", {}).setdefault("conditions", [])
        if not any(c.get("type") == "DisruptionTarget" for c in conditions):
            conditions.append(
                {
                    "type": "DisruptionTarget",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": self.cluster.now(),
                    "reason": "DeletionByTaintManager",
                    "message": "Taint manager: deleting due to NoExecute taint",
                }
            )
            self.cluster.update_status("Pod", pod, manager=CONTROLLER_MANAGER)
        self.cluster.delete("Pod", ident[0], ident[1])

    def _eviction_event(self, ident: tuple[str, str, str], what: str) -> None:
        # The taint manager's events name the pod without its uid.
        ref = {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": ident[0], "name": ident[1]}}
        self.cluster.event(
            ref, "Normal", "TaintManagerEviction", f"{what} {ident[0]}/{ident[1]}", TAINT_EVICTION
        )


def _toleration_seconds(taints: list[dict[str, Any]], tolerations: list[dict[str, Any]]) -> float | None:
    """Seconds a pod may stay on a node with these NoExecute taints (0: none), None: forever."""
    if not taints:
        return None
    used = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return 0.0
        used.append(match)
    limits = [float(t["tolerationSeconds"]) for t in used if t.get("tolerationSeconds") is not None]
    if not limits:
        return None
    return max(0.0, min(limits))


CONTROLLERS = [NodeLifecycle]

"""The scheduler: binds pending pods to nodes as kube-scheduler 1.32 does, or says why it cannot.

A pod without ``spec.nodeName`` whose ``schedulerName`` is ``default-scheduler`` is filtered against
every node (`_filters.run_filters`), scored (`_score.best_node`) and bound through ``pods/binding``
(which sets ``spec.nodeName`` and ``PodScheduled=True``), with the event ``Scheduled``. When no
node fits, the pod gets ``PodScheduled=False`` reason ``Unschedulable`` and a ``FailedScheduling``
event with the FitError text, preemption's verdict appended; when preempting lower-priority pods
would make room, they are evicted and the pod nominated to that node.

An unschedulable pod is tried again when something that could help changes — an assigned pod goes
away or ends, a node is added or its taints, labels, allocatable or cordon change, a claim, volume
or class changes, the pod itself changes — after the back-off (1 s doubling to 10 s), and at the
latest every 5 minutes, as the real scheduling queue does. A pod with unbound WaitForFirstConsumer
claims is bound once its claims are: the scheduler marks them with the chosen node
(``volume.kubernetes.io/selected-node``) or pre-binds a matching volume, and waits (up to 10 min).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from workbench.sandbox._control._claims import SELECTED_NODE, VolumePlan, plan_pod_volumes, pod_claims
from workbench.sandbox._control._cluster import Cluster, Source, clone
from workbench.sandbox._control._filters import Context, fit_error, node_name_prefilter, run_filters
from workbench.sandbox._control._fit import NodeInfo, PodInfo, Reject
from workbench.sandbox._control._score import DefaultSelectors, best_node, default_spread_rules, preempt
from workbench.sandbox._control._snapshot import Snapshot
from workbench.sandbox._store import Change, Key

SCHEDULER_NAME = "default-scheduler"
MANAGER = "kube-scheduler"
SOURCE = Source(SCHEDULER_NAME, modern=True)
_BACKOFF, _MAX_BACKOFF = 1.0, 10.0
_FLUSH = 300.0  # podMaxInUnschedulablePodsDuration: an unschedulable pod is retried at least this often
_BIND_TIMEOUT = 600.0  # VolumeBinding's bindTimeoutSeconds
_TERMINAL = ("Succeeded", "Failed")


@dataclass
class _Waiting:
    attempts: int
    last: float
    claims: frozenset[str]
    volumes: bool  # all its claims exist: new volumes or classes may help
    affinity: bool  # pod (anti-)affinity or spread: changes of assigned pods may help


@dataclass
class _Assumed:
    node: str
    since: float
    info: PodInfo


class Scheduler:
    """kube-scheduler's default profile over the sandbox's store."""

    name = "scheduler"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.snapshot = Snapshot(cluster)
        self._default_selector = DefaultSelectors(cluster)
        self._waiting: dict[Key, _Waiting] = {}
        self._assumed: dict[Key, _Assumed] = {}
        self._nominated: dict[Key, PodInfo] = {}  # preemptors, on the node they made room on
        self._next_start = 0
        self._buckets = {cluster.bucket(k): k for k in ("Pod", "Node", "PersistentVolumeClaim")}
        self._volume_buckets = {cluster.bucket(k) for k in ("PersistentVolume", "StorageClass")}

    # -- which changes matter ----------------------------------------------------------------------
    def keys_for(self, change: Change) -> Iterable[Key]:
        kind = self._buckets.get(change.bucket)
        if kind == "Pod":
            return self._pod_change(change)
        if kind == "Node":
            relevant = self.snapshot.node_changed(change, judge=bool(self._waiting))
            return list(self._waiting) if relevant else ()
        if kind == "PersistentVolumeClaim":
            ns, name = change.key
            return [
                k
                for k in (*self._waiting, *self._assumed)
                if k[0] == ns and (k in self._assumed or name in self._waiting[k].claims)
            ]
        if change.bucket in self._volume_buckets:
            return [k for k, w in self._waiting.items() if w.volumes]
        return ()

    def _pod_change(self, change: Change) -> Iterator[Key]:
        freed, placed = self.snapshot.pod_changed(change)
        fields = change.entry.fields
        if change.type == "DELETED" or fields.get("spec.nodeName") or fields.get("status.phase") in _TERMINAL:
            if change.type == "DELETED":
                self._forget(change.key)
            self._waiting.pop(change.key, None)
            self._nominated.pop(change.key, None)
            if freed:
                yield from list(self._waiting)
            elif placed:
                yield from [k for k, w in self._waiting.items() if w.affinity]
            return
        if fields.get("spec.schedulerName") != SCHEDULER_NAME:
            return
        if change.type == "ADDED" or change.prev is None:
            yield change.key
            return
        new, old = change.entry.decode(), change.prev.decode()
        if (
            new.get("spec") != old.get("spec")
            or new["metadata"].get("labels") != old["metadata"].get("labels")
            or new["metadata"].get("deletionTimestamp")
        ):
            yield change.key

    def initial_keys(self) -> Iterable[Key]:
        """Pending pods nobody has tried to schedule yet (loaded ones marked unschedulable stay so)."""
        for entry in self.cluster.entries("Pod"):
            fields = entry.fields
            if fields.get("spec.nodeName") or fields.get("spec.schedulerName") != SCHEDULER_NAME:
                continue
            if fields.get("status.phase") not in ("", "Pending"):
                continue
            pod = entry.decode()
            if pod["metadata"].get("deletionTimestamp"):
                continue
            if not any(
                c.get("type") == "PodScheduled" for c in (pod.get("status") or {}).get("conditions") or []
            ):
                yield (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])

    # -- one pod -------------------------------------------------------------------------------------
    def sync(self, key: Key) -> float | None:
        pod = self.cluster.get("Pod", *key)
        spec = (pod or {}).get("spec") or {}
        if (
            pod is None
            or pod["metadata"].get("deletionTimestamp")
            or spec.get("nodeName")
            or spec.get("schedulerName") != SCHEDULER_NAME
        ):
            self._forget(key)
            return None
        if spec.get("schedulingGates"):
            self._forget(key)
            self._set_condition(
                pod, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates"
            )
            return None
        now = self.cluster.clock.elapsed()
        if key in self._assumed:
            return self._finish_binding(pod, self._assumed[key], now)
        waiting = self._waiting.get(key)
        if waiting is not None:
            due = waiting.last + min(_MAX_BACKOFF, _BACKOFF * 2.0 ** (waiting.attempts - 1))
            if now < due - 1e-9:
                return due - now
        return self._attempt(pod, key, now)

    def _forget(self, key: Key) -> None:
        self._waiting.pop(key, None)
        self._nominated.pop(key, None)
        if self._assumed.pop(key, None) is not None:
            self.snapshot.unassume(key)

    def _attempt(self, pod: dict[str, Any], key: Key, now: float) -> float | None:
        info = PodInfo.of(pod)
        nodes = self.snapshot.nodes()
        if not nodes:
            return self._fail(pod, key, now, "no nodes available to schedule pods")
        plan = plan_pod_volumes(self.cluster, pod)
        spec = pod.get("spec") or {}
        ctx = Context(
            nodes=nodes,
            node_selector=spec.get("nodeSelector") or {},
            spread=[
                c
                for c in spec.get("topologySpreadConstraints") or []
                if c.get("whenUnsatisfiable") != "ScheduleAnyway"
            ],
            volumes=plan.check,
            namespace_labels=self._namespace_labels,
            anti_affinity=self.snapshot.anti_affinity(),
            image_spread=self.snapshot.image_spread,
        )
        if plan.prefilter:
            rejected = {name: Reject((plan.prefilter,)) for name in nodes}
            postfilter = self._postfilter(info, ctx, rejected, pod)
            return self._fail(
                pod,
                key,
                now,
                fit_error(len(nodes), rejected, prefilter=plan.prefilter, postfilter=postfilter),
            )
        candidates, absent_reason = node_name_prefilter(info, nodes)
        nominated = self._nominated.get(key)
        if nominated is not None and nominated.node in candidates:  # where preemption made room, first
            node = self._with_nominated(info, nodes[nominated.node])
            if run_filters(info, node, ctx) is None:
                return self._assign(pod, info, node.name, plan=plan, now=now)
        feasible, statuses = self._find_feasible(info, candidates, ctx)
        if feasible:
            rules = default_spread_rules(
                info, spec.get("topologySpreadConstraints") or [], self._default_selector(pod)
            )
            return self._assign(pod, info, best_node(info, feasible, ctx, rules), plan=plan, now=now)
        absent = {name: Reject((absent_reason,)) for name in nodes if name not in candidates}
        statuses = {**absent, **statuses}
        message = fit_error(len(nodes), statuses, postfilter=self._postfilter(info, ctx, statuses, pod))
        return self._fail(pod, key, now, message)

    def _find_feasible(
        self, pod: PodInfo, candidates: list[str], ctx: Context
    ) -> tuple[list[NodeInfo], dict[str, Reject]]:
        """Filter nodes from a rotating start until enough fit (percentageOfNodesToScore's adaptive rule)."""
        total = len(candidates)
        want = total if total < 100 else max(100, total * max(5, 50 - total // 125) // 100)
        start = self._next_start % total if total else 0
        feasible: list[NodeInfo] = []
        statuses: dict[str, Reject] = {}
        for i in range(total):
            node = self._with_nominated(pod, ctx.nodes[candidates[(start + i) % total]])
            rejected = run_filters(pod, node, ctx)
            if rejected is None:
                feasible.append(node)
                if len(feasible) >= want:
                    break
            else:
                statuses[node.name] = rejected
        if total:
            self._next_start = (start + len(feasible) + len(statuses)) % total
        return sorted(feasible, key=lambda n: n.name), statuses

    def _with_nominated(self, pod: PodInfo, node: NodeInfo) -> NodeInfo:
        """The node as `pod` must see it: with the room promised to nominated pods that are at least
        as important (``RunFilterPluginsWithNominatedPods``)."""
        extra = [
            p
            for p in self._nominated.values()
            if p.node == node.name and p.uid != pod.uid and p.priority >= pod.priority
        ]
        return node.with_pods([*node.pods, *extra]) if extra else node

    def _postfilter(
        self, pod: PodInfo, ctx: Context, statuses: Mapping[str, Reject], obj: dict[str, Any]
    ) -> str:
        """DefaultPreemption: evict lower-priority pods when that makes room (nominating the pod to the
        node, and returning ""), else say why it cannot."""
        if (obj.get("spec") or {}).get("preemptionPolicy") == "Never":
            return "preemption: not eligible due to preemptionPolicy=Never."
        nominated = str((obj.get("status") or {}).get("nominatedNodeName") or "")
        if (
            nominated in ctx.nodes
            and not (statuses.get(nominated) or Reject(())).unresolvable
            and any(p.deleting and p.priority < pod.priority for p in ctx.nodes[nominated].pods)
        ):
            return "preemption: not eligible due to a terminating pod on the nominated node."
        candidate, message = preempt(pod, ctx, statuses)
        if candidate is None:
            self._nominated.pop((pod.namespace, pod.name), None)  # the nomination is cleared
            return message
        for victim in candidate.victims:
            self._evict(victim, obj, candidate.node)
        obj.setdefault("status", {})["nominatedNodeName"] = candidate.node
        self._nominated[(pod.namespace, pod.name)] = replace(pod, node=candidate.node)
        return ""

    def _evict(self, victim: PodInfo, preemptor: dict[str, Any], node: str) -> None:
        current = self.cluster.get("Pod", victim.namespace, victim.name)
        if current is None or current["metadata"].get("deletionTimestamp"):
            return
        _set(
            current,
            "DisruptionTarget",
            "True",
            reason="PreemptionByScheduler",
            message=f"{SCHEDULER_NAME}: preempting to accommodate a higher priority pod",
            now=self.cluster.now(),
        )
        self.cluster.update_status("Pod", current, manager=MANAGER)
        self.cluster.event(
            current,
            "Normal",
            "Preempted",
            f"Preempted by pod {preemptor['metadata'].get('uid', '')} on node {node}",
            SOURCE,
        )
        self.cluster.delete("Pod", victim.namespace, victim.name)

    # -- outcomes ------------------------------------------------------------------------------------
    def _assign(
        self, pod: dict[str, Any], info: PodInfo, node: str, *, plan: VolumePlan, now: float
    ) -> float | None:
        key = (info.namespace, info.name)
        self._waiting.pop(key, None)
        waits = False
        node_info = self.snapshot.nodes()[node]
        for pvc, class_name, sc in plan.delayed:
            choice = plan.choose(node_info, pvc, class_name, sc)
            waits = True
            if isinstance(choice, dict):  # pre-bind the volume; the PV controller completes the binding
                pv = clone(choice)
                meta = pvc["metadata"]
                pv["spec"]["claimRef"] = {
                    "kind": "PersistentVolumeClaim",
                    "namespace": meta.get("namespace", ""),
                    "name": meta["name"],
                    "uid": meta.get("uid", ""),
                    "apiVersion": "v1",
                    "resourceVersion": meta.get("resourceVersion", ""),
                }
                pv["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bound-by-controller"] = "yes"
                self.cluster.update("PersistentVolume", pv, manager=MANAGER)
            elif (pvc["metadata"].get("annotations") or {}).get(SELECTED_NODE) != node:
                marked = clone(pvc)
                marked["metadata"].setdefault("annotations", {})[SELECTED_NODE] = node
                self.cluster.update("PersistentVolumeClaim", marked, manager=MANAGER)
        if waits:
            assumed = _Assumed(node, now, replace(info, node=node))
            self._assumed[key] = assumed
            self.snapshot.assume(key, assumed.info)
            return self._finish_binding(pod, assumed, now)
        self._bind(pod, node)
        return None

    def _finish_binding(self, pod: dict[str, Any], assumed: _Assumed, now: float) -> float | None:
        key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
        namespace = key[0]
        claims = [self.cluster.get("PersistentVolumeClaim", namespace, name) for name in pod_claims(pod)]
        if all(c is not None and (c.get("status") or {}).get("phase") == "Bound" for c in claims):
            self._forget(key)
            self._bind(pod, assumed.node)
            return None
        if now - assumed.since < _BIND_TIMEOUT:
            return assumed.since + _BIND_TIMEOUT - now
        self._forget(key)
        message = 'running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded'
        return self._fail(pod, key, now, message, reason="SchedulerError")

    def _bind(self, pod: dict[str, Any], node: str) -> None:
        self.cluster.bind(pod, node)
        meta = pod["metadata"]
        message = f"Successfully assigned {meta.get('namespace', '')}/{meta['name']} to {node}"
        self.cluster.event(pod, "Normal", "Scheduled", message, SOURCE)

    def _fail(
        self, pod: dict[str, Any], key: Key, now: float, message: str, *, reason: str = "Unschedulable"
    ) -> float:
        previous = self._waiting.get(key)
        spec = pod.get("spec") or {}
        affinity = spec.get("affinity") or {}
        claims = frozenset(pod_claims(pod))
        self._waiting[key] = _Waiting(
            attempts=(previous.attempts if previous else 0) + 1,
            last=now,
            claims=claims,
            volumes=bool(claims)
            and all(self.cluster.entry("PersistentVolumeClaim", key[0], c) is not None for c in claims),
            affinity=bool(
                affinity.get("podAffinity")
                or affinity.get("podAntiAffinity")
                or spec.get("topologySpreadConstraints")
            ),
        )
        self._set_condition(pod, reason, message)
        self.cluster.event(pod, "Warning", "FailedScheduling", message, SOURCE)
        return _FLUSH

    def _set_condition(self, pod: dict[str, Any], reason: str, message: str) -> None:
        updated = clone(pod)
        _set(updated, "PodScheduled", "False", reason=reason, message=message, now=self.cluster.now())
        status = updated.setdefault("status", {})
        nominated = self._nominated.get((pod["metadata"].get("namespace", ""), pod["metadata"]["name"]))
        if nominated is not None:
            status["nominatedNodeName"] = nominated.node
        else:
            status.pop("nominatedNodeName", None)
        self.cluster.update_status("Pod", updated, manager=MANAGER)

    # -- what scoring and affinity need from the store ----------------------------------------------
    def _namespace_labels(self, namespace: str) -> Mapping[str, str]:
        ns = self.cluster.get("Namespace", "", namespace)
        return (ns or {}).get("metadata", {}).get("labels") or {}


def _set(pod: dict[str, Any], type_: str, status: str, *, reason: str, message: str, now: str) -> None:
    """``UpdatePodCondition``: replace the condition, keeping its transition time if the status stays."""
    conditions = pod.setdefault("status", {}).setdefault("conditions", [])
    old = next((c for c in conditions if c.get("type") == type_), None)
    new = {
        "type": type_,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": old.get("lastTransitionTime") if old and old.get("status") == status else now,
        "reason": reason,
        "message": message,
    }
    if old is None:
        conditions.append(new)
    else:
        conditions[conditions.index(old)] = new


CONTROLLERS = [Scheduler]

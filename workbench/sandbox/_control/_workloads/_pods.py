"""What the workload controllers share: owner references, pods from templates, pod states, conditions.

Pods are made as ``controller.GetPodFromTemplate`` makes them: the template's labels, annotations,
finalizers and spec, ``generateName`` from the owner's name, and a controller ownerReference; the
API server fills in the name and defaults. The pod predicates follow ``k8s.io/kubernetes/pkg/api/v1/pod``
(ready = the Ready condition is True; available = ready for ``minReadySeconds``), and the order in
which surplus pods are deleted follows ``controller.ActivePodsWithRanks``.
"""

from __future__ import annotations

import copy
import re
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._clock import parse_time, rfc3339
from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._store import Change, Entry, Key

MANAGER = "kube-controller-manager"
_EPSILON = 1e-3  # timestamps have whole seconds, the clock microseconds: a wake-up this close is on time
DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"


# -- owners --------------------------------------------------------------------------------------
def controller_ref(owner: Mapping[str, Any]) -> dict[str, Any]:
    """``metav1.NewControllerRef``: the reference a controller puts on what it makes."""
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_uid(obj: Mapping[str, Any]) -> str | None:
    """The uid of the object's controller (the ownerReference with ``controller: true``)."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref.get("uid", ""))
    return None


class _Decoded:
    """Recently decoded pods by uid, reused while their resourceVersion stays the same.

    A ReplicaSet's sync reads all its pods while usually one of them changed; decoding only that
    one keeps a sync's cost at what changed. Bounded, so a 150k-pod cluster costs little memory.
    """

    SIZE = 4096

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()

    def get(self, entry: Entry) -> dict[str, Any]:
        hit = self._items.get(entry.uid)
        if hit is not None and hit[0] == entry.rv:
            self._items.move_to_end(entry.uid)
            return hit[1]
        obj = entry.decode()
        self._items[entry.uid] = (entry.rv, obj)
        self._items.move_to_end(entry.uid)
        if len(self._items) > self.SIZE:
            self._items.popitem(last=False)
        return obj


_DECODED: weakref.WeakKeyDictionary[Cluster, _Decoded] = weakref.WeakKeyDictionary()


def controlled(cluster: Cluster, owner: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """The objects of `kind` whose controller is `owner` (from the ownerReference index: no scan).

    Pods come from a cache of decoded objects shared by the workload controllers: treat them as
    read-only, and `copy.deepcopy` one before changing it for a write.
    """
    uid = owner["metadata"]["uid"]
    bucket = cluster.bucket(kind)
    cache = _DECODED.get(cluster) if kind == "Pod" else None
    if cache is None and kind == "Pod":
        cache = _DECODED[cluster] = _Decoded()
    out = []
    for found_bucket, _, entry in cluster.api.store.dependents(uid):
        if found_bucket != bucket:
            continue
        obj = cache.get(entry) if cache is not None else entry.decode()
        if controller_uid(obj) == uid:
            out.append(obj)
    return out


def owner_keys(cluster: Cluster, change: Change, owner_bucket: str) -> Iterator[Key]:
    """Keys of the owners (stored in `owner_bucket`) of the object a change is about, before and after."""
    uids = set(change.entry.owners)
    if change.prev is not None:
        uids.update(change.prev.owners)
    store = cluster.api.store
    for uid in uids:
        found = store.find_uid(uid)
        if found is not None and found[0] == owner_bucket:
            yield found[1]


_GENERATION = re.compile(rb'"generation":(\d+)[,}]')
_OBSERVED = re.compile(rb'"observedGeneration":(\d+)[,}]')


def unobserved(entry: Entry) -> bool:
    """Whether a stored workload's status has not caught up with its spec (loaded without status,
    or its controller never saw the latest generation). Read from the stored bytes when they say
    it plainly: start-up looks at every workload of a big cluster."""
    observed = _OBSERVED.findall(entry.raw)
    if not observed:
        return True
    generation = _GENERATION.findall(entry.raw)
    if len(observed) == 1 and len(generation) == 1:
        return int(observed[0]) < int(generation[0])
    obj = entry.decode()
    seen = (obj.get("status") or {}).get("observedGeneration") or 0
    return int(seen) < int(obj["metadata"].get("generation") or 1)


def pod_from_template(
    owner: Mapping[str, Any],
    template: Mapping[str, Any] | None,
    *,
    name: str = "",
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A pod for `owner` from its pod template (``generateName`` ``<owner>-`` unless `name` is given)."""
    template = template or {}
    tmeta = template.get("metadata") or {}
    meta: dict[str, Any] = {"namespace": owner["metadata"].get("namespace", "")}
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = f"{owner['metadata']['name']}-"
    pod_labels = {**(tmeta.get("labels") or {}), **(labels or {})}
    if pod_labels:
        meta["labels"] = pod_labels
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    meta["ownerReferences"] = [controller_ref(owner)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": copy.deepcopy(template.get("spec") or {}),
    }


# -- pod states ----------------------------------------------------------------------------------
def phase(pod: Mapping[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def is_terminal(pod: Mapping[str, Any]) -> bool:
    return phase(pod) in ("Succeeded", "Failed")


def is_terminating(pod: Mapping[str, Any]) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_active(pod: Mapping[str, Any]) -> bool:
    """``controller.IsPodActive``: neither finished nor being deleted."""
    return not is_terminal(pod) and not is_terminating(pod)


def condition(obj: Mapping[str, Any], type_: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == type_:
            return dict(cond)
    return None


def is_ready(pod: Mapping[str, Any]) -> bool:
    cond = condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def is_running_and_ready(pod: Mapping[str, Any]) -> bool:
    return phase(pod) == "Running" and is_ready(pod)


def until_available(pod: Mapping[str, Any], min_ready: int, now: datetime) -> float | None:
    """0 when the pod is available, the seconds left when it is ready but not for long enough yet,
    None when it is not ready."""
    cond = condition(pod, "Ready")
    if cond is None or cond.get("status") != "True":
        return None
    if min_ready <= 0:
        return 0.0
    since = cond.get("lastTransitionTime")
    if not since:
        return 0.0
    left = (parse_time(since) - now).total_seconds() + min_ready
    return left if left > _EPSILON else 0.0


def restarts(pod: Mapping[str, Any]) -> int:
    status = pod.get("status") or {}
    statuses = list(status.get("containerStatuses") or ()) + list(status.get("initContainerStatuses") or ())
    return sum(int(s.get("restartCount") or 0) for s in statuses)


def _created(obj: Mapping[str, Any]) -> str:
    return str(obj["metadata"].get("creationTimestamp") or "")


def by_creation(objs: Iterable[dict[str, Any]], *, newest_first: bool = False) -> list[dict[str, Any]]:
    """``ByCreationTimestamp``: oldest first, ties by name."""
    ordered = sorted(objs, key=lambda o: (_created(o), o["metadata"]["name"]))
    return ordered[::-1] if newest_first else ordered


def _phase_rank(pod: Mapping[str, Any]) -> int:
    return {"Pending": 0, "Unknown": 1, "Running": 2}.get(phase(pod), 0)


def _cost(pod: Mapping[str, Any]) -> int:
    try:
        return int((pod["metadata"].get("annotations") or {}).get(DELETION_COST, "0"))
    except ValueError:
        return 0


def deletion_order(pods: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pods, the first to delete first (``ActivePodsWithRanks``): unscheduled before scheduled,
    pending before running, not ready before ready, lower deletion cost, more pods of the owner on
    the same node, ready for less time, more restarts, then newer before older."""
    pods = list(pods)
    on_node: dict[str, int] = {}
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName") or ""
        if node:
            on_node[node] = on_node.get(node, 0) + 1

    def key(pod: dict[str, Any]) -> tuple[Any, ...]:
        node = (pod.get("spec") or {}).get("nodeName") or ""
        ready = is_ready(pod)
        since = (condition(pod, "Ready") or {}).get("lastTransitionTime") or "" if ready else ""
        return (
            bool(node),
            _phase_rank(pod),
            ready,
            _cost(pod),
            -on_node.get(node, 0) if node else 0,
            _negated(since),
            -restarts(pod),
            _negated(_created(pod)),
        )

    return sorted(pods, key=key)


def _negated(stamp: str) -> tuple[int, ...]:
    # Later timestamps sort first: RFC 3339 strings of one format order as the times do.
    return tuple(-ord(c) for c in stamp)


# -- conditions ----------------------------------------------------------------------------------
def set_condition(
    status: dict[str, Any],
    type_: str,
    value: str,
    reason: str,
    message: str,
    *,
    now: datetime,
    times: tuple[str, ...] = ("lastTransitionTime",),
) -> bool:
    """Set a condition as the controllers' ``Set*Condition`` helpers do: nothing changes when status
    and reason are the same; ``lastTransitionTime`` is kept when only the reason changes; the new
    condition goes last. `times` names the timestamp fields the kind's conditions carry."""
    conditions: list[dict[str, Any]] = list(status.get("conditions") or ())
    current = next((c for c in conditions if c.get("type") == type_), None)
    if current is not None and current.get("status") == value and current.get("reason") == reason:
        return False
    stamp = rfc3339(now)
    new: dict[str, Any] = {"type": type_, "status": value}
    for field in times:
        new[field] = stamp
    if current is not None and current.get("status") == value and "lastTransitionTime" in current:
        new["lastTransitionTime"] = current["lastTransitionTime"]
    new["reason"] = reason
    new["message"] = message
    status["conditions"] = [c for c in conditions if c.get("type") != type_] + [new]
    return True


def remove_condition(status: dict[str, Any], type_: str) -> None:
    conditions = [c for c in status.get("conditions") or () if c.get("type") != type_]
    if conditions:
        status["conditions"] = conditions
    else:
        status.pop("conditions", None)


def dropped_zeros(status: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """The status as Go serializes it: ``omitempty`` fields that are 0, empty or unset left out."""
    kept = set(keep)
    return {k: v for k, v in status.items() if k in kept or v not in (0, None, "", [], {})}

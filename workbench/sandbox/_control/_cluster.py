"""What controllers see of the sandbox: typed reads, writes through the API, and an event recorder.

Controllers never touch the store's bytes: they read decoded objects by kind, write through `Api`
(so admission, validation, generation and managedFields apply exactly as for kubectl's writes), and
record events the way client-go's recorder does — a repeat of the same event on the same object
bumps ``count`` and ``lastTimestamp`` instead of adding a new one (the EventCorrelator).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from workbench.errors import SandboxApiError
from workbench.sandbox import _deletion, _subresources
from workbench.sandbox._api import Api
from workbench.sandbox._clock import Clock, rfc3339, rfc3339_micro
from workbench.sandbox._control._apps import Catalog
from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._logs import LogStore
from workbench.sandbox._selectors import LabelSelector
from workbench.sandbox._store import Entry, Key
from workbench.sandbox._subresources import UsageFn, simulated_usage

# kind → (group, version, plural) of the types the controllers work with.
KINDS: dict[str, tuple[str, str, str]] = {
    "Pod": ("", "v1", "pods"),
    "Node": ("", "v1", "nodes"),
    "Namespace": ("", "v1", "namespaces"),
    "Service": ("", "v1", "services"),
    "Endpoints": ("", "v1", "endpoints"),
    "ConfigMap": ("", "v1", "configmaps"),
    "Secret": ("", "v1", "secrets"),
    "Event": ("", "v1", "events"),
    "PersistentVolumeClaim": ("", "v1", "persistentvolumeclaims"),
    "PersistentVolume": ("", "v1", "persistentvolumes"),
    "ServiceAccount": ("", "v1", "serviceaccounts"),
    "Deployment": ("apps", "v1", "deployments"),
    "ReplicaSet": ("apps", "v1", "replicasets"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "ControllerRevision": ("apps", "v1", "controllerrevisions"),
    "Job": ("batch", "v1", "jobs"),
    "CronJob": ("batch", "v1", "cronjobs"),
    "HorizontalPodAutoscaler": ("autoscaling", "v2", "horizontalpodautoscalers"),
    "EndpointSlice": ("discovery.k8s.io", "v1", "endpointslices"),
    "StorageClass": ("storage.k8s.io", "v1", "storageclasses"),
    "Ingress": ("networking.k8s.io", "v1", "ingresses"),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies"),
    "PodDisruptionBudget": ("policy", "v1", "poddisruptionbudgets"),
}


@dataclass(frozen=True)
class Source:
    """Who records an event: ``component`` (kubelet, default-scheduler, deployment-controller...) and
    the node for the kubelet. `modern` events (the scheduler's) use the events.k8s.io recorder:
    eventTime set, no first/lastTimestamp, reportingController instead of source."""

    component: str
    host: str = ""
    modern: bool = False


class Cluster:
    """Typed access to the sandbox for the controllers.

    Args:
        api: the in-process API the controllers write through.
        logs: container logs (the kubelet writes them).
        catalog: the images and what they do when run (the kubelet's app model).
        seed: seeds every simulated random choice (jitter, IPs), so a scenario plays out the same way.
    """

    def __init__(self, api: Api, logs: LogStore, *, catalog: Catalog, seed: int = 0) -> None:
        self.api = api
        self.logs = logs
        self.catalog = catalog
        self.rng = random.Random(seed)  # noqa: S311  # simulation, not secrets: reproducible per seed
        self._types: dict[str, ResourceType] = {}
        self._event_names: dict[tuple[str, ...], tuple[str, str]] = {}
        self._event_lock = threading.Lock()
        self.usage: UsageFn = simulated_usage
        """(cores, bytes) a running container uses, as metrics.k8s.io reports it (the sandbox sets the
        control plane's app model here)."""
        self.hidden_groups: Callable[[], frozenset[str]] = frozenset
        """The API groups the sandbox hides now (`Sandbox.hide_group`, e.g. metrics.k8s.io)."""

    @property
    def clock(self) -> Clock:
        return self.api.clock

    def now(self) -> str:
        return rfc3339(self.clock.now())

    def serves(self, group: str) -> bool:
        """Whether API group `group` is being served (a hidden one answers 404, as if uninstalled)."""
        return group not in self.hidden_groups()

    # -- types and buckets ---------------------------------------------------------------------------
    def rtype(self, kind: str) -> ResourceType:
        rtype = self._types.get(kind)
        if rtype is None:
            group, version, plural = KINDS[kind]
            found = self.api.registry.find(group, version, plural)
            if found is None:
                raise KeyError(f"the sandbox does not serve {kind}")
            rtype = self._types[kind] = found
        return rtype

    def bucket(self, kind: str) -> str:
        return self.api.bucket(self.rtype(kind))

    def kind_of(self, bucket: str) -> str | None:
        """The kind stored in `bucket` (for mapping a `Change`), if the controllers know it."""
        for kind in KINDS:
            if self.bucket(kind) == bucket:
                return kind
        return None

    # -- reads ---------------------------------------------------------------------------------------
    def entry(self, kind: str, namespace: str, name: str) -> Entry | None:
        ns = namespace if self.rtype(kind).namespaced else ""
        return self.api.store.get(self.bucket(kind), (ns, name))

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        entry = self.entry(kind, namespace, name)
        return entry.decode() if entry is not None else None

    def entries(self, kind: str, namespace: str | None = None) -> Iterator[Entry]:
        return self.api.store.iter_entries(self.bucket(kind), namespace)

    def objects(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        selector: LabelSelector | None = None,
        where: Callable[[Entry], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Decoded objects of `kind`, optionally in one namespace, matching a label selector and/or a
        predicate over the stored entry (labels, field values, owner uids) — filtered before decoding."""
        out = []
        for entry in self.entries(kind, namespace):
            if selector is not None and not selector.matches(entry.labels):
                continue
            if where is not None and not where(entry):
                continue
            out.append(entry.decode())
        return out

    def owned(self, owner_uid: str, kind: str) -> list[dict[str, Any]]:
        """The objects of `kind` whose ownerReferences name `owner_uid`."""
        bucket = self.bucket(kind)
        return [e.decode() for b, _, e in self.api.store.dependents(owner_uid) if b == bucket]

    # -- writes --------------------------------------------------------------------------------------
    def create(self, kind: str, obj: dict[str, Any], *, manager: str) -> dict[str, Any]:
        namespace = obj["metadata"].get("namespace", "")
        return self.api.create(self.rtype(kind), namespace, obj, manager=manager, field_validation="Ignore")

    def update(self, kind: str, obj: dict[str, Any], *, manager: str) -> dict[str, Any]:
        """Replace the object (optimistic: a stale resourceVersion gets 409 and the key is requeued)."""
        meta = obj["metadata"]
        return self.api.update(
            self.rtype(kind),
            meta.get("namespace", ""),
            meta["name"],
            obj,
            manager=manager,
            field_validation="Ignore",
        )

    def update_status(self, kind: str, obj: dict[str, Any], *, manager: str) -> dict[str, Any]:
        """Write `obj["status"]` through the status subresource (a no-op when nothing changed)."""
        meta = obj["metadata"]
        return self.api.update(
            self.rtype(kind),
            meta.get("namespace", ""),
            meta["name"],
            obj,
            subresource="status",
            manager=manager,
            field_validation="Ignore",
        )

    def bind(self, pod: dict[str, Any], node: str) -> None:
        """Assign `pod` to `node` through the ``pods/binding`` subresource, as the scheduler does (a 409
        when it is bound already or being deleted; the pod's uid is the binding's precondition)."""
        meta = pod["metadata"]
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {
                "name": meta["name"],
                "namespace": meta.get("namespace", ""),
                "uid": meta.get("uid"),
            },
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        _subresources.bind_pod(self.api, self.rtype("Pod"), meta.get("namespace", ""), meta["name"], binding)

    def delete(
        self, kind: str, namespace: str, name: str, *, grace: int | None = None, policy: str = "Background"
    ) -> None:
        """Delete an object as a controller does; one that is already gone is not an error."""
        options: dict[str, Any] = {"propagationPolicy": policy}
        if grace is not None:
            options["gracePeriodSeconds"] = grace
        try:
            _deletion.delete(self.api, self.rtype(kind), namespace, name, options)
        except SandboxApiError as exc:
            if exc.code != 404:
                raise

    # -- events --------------------------------------------------------------------------------------
    def event(
        self,
        obj: dict[str, Any],
        type_: str,
        reason: str,
        message: str,
        source: Source,
        *,
        field_path: str = "",
    ) -> None:
        """Record an event about `obj`; a repeat of the same one is counted into the existing event."""
        meta = obj["metadata"]
        kind = obj.get("kind", "")
        namespace = meta.get("namespace") or "default"
        uid = meta.get("name", "") if kind == "Node" else meta.get("uid", "")
        ident = (
            namespace,
            kind,
            meta.get("name", ""),
            uid,
            field_path,
            type_,
            reason,
            message,
            source.component,
        )
        now = self.clock.now()
        with self._event_lock:
            known = self._event_names.get(ident)
            if known is not None:
                current = self.get("Event", *known)
                if current is not None:
                    current["count"] = int(current.get("count") or 1) + 1
                    if source.modern:
                        series = current.setdefault("series", {"count": 1})
                        series["count"] = int(series.get("count", 1)) + 1
                        series["lastObservedTime"] = rfc3339_micro(now)
                    else:
                        current["lastTimestamp"] = rfc3339(now)
                    self.update("Event", current, manager=source.component)
                    return
            name = f"{meta.get('name', '')}.{int(now.timestamp() * 1e9):x}"
            while self.entry("Event", namespace, name) is not None:
                name = f"{meta.get('name', '')}.{int(name.rsplit('.', 1)[1], 16) + 1:x}"
            involved: dict[str, Any] = {
                "kind": kind,
                "name": meta.get("name", ""),
                "uid": uid,
                "apiVersion": obj.get("apiVersion", "v1"),
                "resourceVersion": meta.get("resourceVersion", ""),
            }
            if meta.get("namespace"):
                involved["namespace"] = meta["namespace"]
            if field_path:
                involved["fieldPath"] = field_path
            event: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "type": type_,
                "count": 1,
                "reportingComponent": source.component,
                "reportingInstance": source.host,
            }
            if source.modern:
                event.update(
                    eventTime=rfc3339_micro(now),
                    action=_ACTIONS.get(reason, reason),
                    source={},
                    firstTimestamp=None,
                    lastTimestamp=None,
                    reportingInstance=f"{source.component}-{source.host or 'sandbox'}",
                )
            else:
                event.update(
                    source={"component": source.component, **({"host": source.host} if source.host else {})},
                    firstTimestamp=rfc3339(now),
                    lastTimestamp=rfc3339(now),
                    eventTime=None,
                )
            self.create("Event", event, manager=source.component)
            self._event_names[ident] = (namespace, name)


_ACTIONS = {"Scheduled": "Binding", "FailedScheduling": "Scheduling", "Preempted": "Preempting"}


def key_of(obj: dict[str, Any]) -> Key:
    meta = obj["metadata"]
    return (meta.get("namespace", ""), meta["name"])


def clone(obj: dict[str, Any]) -> dict[str, Any]:
    """A deep copy cheap enough for hot paths (objects are plain JSON)."""
    copied: dict[str, Any] = orjson.loads(orjson.dumps(obj))
    return copied

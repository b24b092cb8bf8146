"""The endpoints and endpointslice controllers: a Service's selected pods as Endpoints and EndpointSlices.

For every Service with a selector (not ExternalName), one sync writes what kube-controller-manager
v1.32 would:

- **Endpoints** (same name, the Service's labels): pods with an IP, not terminating (unless
  ``publishNotReadyAddresses``), in ``addresses`` when Ready and ``notReadyAddresses`` otherwise; each
  Service port resolved against the pod (a number as is, a name through the pod's container ports:
  a pod without that port is left out of it); subsets packed and sorted as ``RepackSubsets`` does.
  No ``subsets`` at all when nothing matches (``kubectl get endpoints`` shows ``<none>``).
- **EndpointSlices** ``<svc>-<5 chars>``, owned by the Service: one endpoint per pod (terminating
  ones too) with conditions ready/serving/terminating, grouped by resolved port set, at most 100 per
  slice; a placeholder slice without endpoints when nothing matches.

Both carry ``endpoints.kubernetes.io/last-change-trigger-time``: the earliest change this sync is the
first to see (a selected pod's Ready transition, or the Service's creation), as the controller's
trigger-time tracker computes it. Objects are written only when their content changes.

Services without a selector are left alone (their Endpoints are the user's). Objects loaded with the
scenario are taken as current: only Services lacking their Endpoints or slices are synced at start.
A pod change is mapped to the Services of its namespace whose selector matches the pod's old or new
labels, through a per-namespace index keyed on one selector label, so a pod costs O(its labels).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._endpoint_shapes import (
    MANAGED_BY,
    SERVICE_NAME,
    SLICE_CONTROLLER,
    Selector,
    keep_order,
    labels_for,
    pod_view,
    ready_since,
    selector_of,
    slice_groups,
    subsets,
)
from workbench.sandbox._selectors import selector_from_map
from workbench.sandbox._store import Change, Key

MANAGER = "kube-controller-manager"
TRIGGER = "endpoints.kubernetes.io/last-change-trigger-time"
MAX_PER_SLICE = 100


class _SelectorIndex:
    """Service selectors of one namespace, findable from a pod's labels."""

    def __init__(self) -> None:
        self.selectors: dict[str, Selector] = {}
        self.by_label: dict[tuple[str, str], set[str]] = {}

    def put(self, name: str, selector: Selector | None) -> None:
        self.remove(name)
        if selector:
            self.selectors[name] = selector
            self.by_label.setdefault(selector[0], set()).add(name)

    def remove(self, name: str) -> None:
        old = self.selectors.pop(name, None)
        if old:
            names = self.by_label.get(old[0], set())
            names.discard(name)
            if not names:
                self.by_label.pop(old[0], None)

    def selecting(self, labels: Mapping[str, str]) -> set[str]:
        found: set[str] = set()
        for pair in labels.items():
            for name in self.by_label.get(pair, ()):
                if all(labels.get(k) == v for k, v in self.selectors[name]):
                    found.add(name)
        return found


class EndpointsController:
    """Keeps each selector Service's Endpoints and EndpointSlices in step with its pods."""

    name = "endpoints"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._pods = cluster.bucket("Pod")
        self._services = cluster.bucket("Service")
        self._endpoints = cluster.bucket("Endpoints")
        self._slices = cluster.bucket("EndpointSlice")
        self._index: dict[str, _SelectorIndex] = {}
        self._written: dict[tuple[str, Key], int] = {}  # our own last writes, to ignore their echo
        self._triggers: dict[Key, tuple[str, dict[str, str]]] = {}  # service → (created, pod → time)

    # -- what to sync --------------------------------------------------------------------------------
    def initial_keys(self) -> Iterable[Key]:
        sliced = {
            (e.fields.get("metadata.namespace", ""), e.labels[SERVICE_NAME])
            for e in self.cluster.entries("EndpointSlice")
            if e.labels.get(MANAGED_BY) == SLICE_CONTROLLER and SERVICE_NAME in e.labels
        }
        for entry in self.cluster.entries("Service"):
            if b'"selector":{"' not in entry.raw:
                continue
            key = (entry.fields.get("metadata.namespace", ""), entry.fields.get("metadata.name", ""))
            if key not in sliced or self.cluster.entry("Endpoints", *key) is None:
                yield key

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._pods:
            return self._pod_keys(change)
        if change.bucket == self._services:
            namespace, name = change.key
            index = self._index.get(namespace)
            if index is not None:
                selector = None if change.type == "DELETED" else selector_of(change.entry.decode())
                index.put(name, selector)
            return [change.key]
        if change.bucket == self._endpoints:
            return [change.key] if change.type == "DELETED" else []
        if change.bucket == self._slices and change.entry.labels.get(MANAGED_BY) == SLICE_CONTROLLER:
            written = self._written.pop((change.bucket, change.key), None)
            if change.type != "DELETED" and written is not None:
                self._written[(change.bucket, change.key)] = written
            if written == change.entry.rv:
                return []
            service = change.entry.labels.get(SERVICE_NAME)
            return [(change.key[0], service)] if service else []
        return []

    def _pod_keys(self, change: Change) -> Iterable[Key]:
        namespace, prev = change.key[0], change.prev
        index = self._namespace_index(namespace)
        services = index.selecting(change.entry.labels) | (index.selecting(prev.labels) if prev else set())
        if not services:
            return []
        if (
            change.type == "MODIFIED"
            and prev is not None
            and prev.labels == change.entry.labels
            and pod_view(prev) == pod_view(change.entry)
        ):
            return []  # nothing an endpoint shows changed (a restart count, a container state...)
        return [(namespace, name) for name in sorted(services)]

    def _namespace_index(self, namespace: str) -> _SelectorIndex:
        index = self._index.get(namespace)
        if index is None:
            index = self._index[namespace] = _SelectorIndex()
            for entry in self.cluster.entries("Service", namespace):
                if b'"selector":{"' in entry.raw:
                    svc = entry.decode()
                    index.put(svc["metadata"]["name"], selector_of(svc))
        return index

    # -- reconcile -----------------------------------------------------------------------------------
    def sync(self, key: Key) -> float | None:
        namespace, name = key
        svc = self.cluster.get("Service", namespace, name)
        if svc is None:
            self._triggers.pop(key, None)
            self._written.pop((self._endpoints, key), None)
            if namespace in self._index:
                self._index[namespace].remove(name)
            self.cluster.delete("Endpoints", namespace, name)  # the slices go with their owner (GC)
            return None
        spec = svc.get("spec") or {}
        selector = selector_of(svc)
        if not selector or spec.get("type") == "ExternalName":
            return None
        pods = self.cluster.objects("Pod", namespace, selector=selector_from_map(dict(selector)))
        pods.sort(key=lambda p: p["metadata"]["name"])
        trigger = self._trigger(key, svc, pods)
        self._write_endpoints(svc, pods, trigger)
        self._write_slices(svc, pods, trigger)
        return None

    def _trigger(self, key: Key, svc: dict[str, Any], pods: list[dict[str, Any]]) -> str | None:
        """The earliest change the previous sync did not see (the trigger-time tracker's rule).

        A Service first seen here (loaded with the scenario) counts everything up to its Endpoints'
        current trigger time as seen, as if the controller had been running all along.
        """
        created = svc["metadata"].get("creationTimestamp", "")
        if key in self._triggers:
            seen_created, seen_pods = self._triggers[key]
            floor = ""
        else:
            seen_created, seen_pods = "", {}
            current = self.cluster.get("Endpoints", *key) or {"metadata": {}}
            floor = str((current["metadata"].get("annotations") or {}).get(TRIGGER, ""))
        now_pods = {p["metadata"]["name"]: t for p in pods if (t := ready_since(p))}
        changed = [t for n, t in now_pods.items() if t > max(seen_pods.get(n, ""), floor)]
        if created > max(seen_created, floor):
            changed.append(created)
        self._triggers[key] = (created, now_pods)
        return min(changed) if changed else None

    def _write_endpoints(self, svc: dict[str, Any], pods: list[dict[str, Any]], trigger: str | None) -> None:
        meta = svc["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        fresh = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}}
        current = self.cluster.get("Endpoints", namespace, name)
        body = {"subsets": subsets(svc, pods)}
        self._put(
            "Endpoints",
            current or fresh,
            new=current is None,
            labels=labels_for(svc),
            body=body,
            trigger=trigger,
        )

    def _write_slices(self, svc: dict[str, Any], pods: list[dict[str, Any]], trigger: str | None) -> None:
        meta = svc["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        unused = self.cluster.objects(
            "EndpointSlice",
            namespace,
            where=lambda e: (
                e.labels.get(SERVICE_NAME) == name and e.labels.get(MANAGED_BY) == SLICE_CONTROLLER
            ),
        )
        labels = {**labels_for(svc), SERVICE_NAME: name, MANAGED_BY: SLICE_CONTROLLER}
        owner = {"apiVersion": "v1", "kind": "Service", "name": name, "uid": meta.get("uid", "")}
        owner.update(controller=True, blockOwnerDeletion=True)
        planned: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []
        for ports, endpoints in slice_groups(svc, pods, self._zone):
            candidates = [s for s in unused if (s.get("ports") or None) == ports]
            ordered = keep_order([e for s in candidates for e in s.get("endpoints") or []], endpoints)
            chunks = [ordered[i : i + MAX_PER_SLICE] for i in range(0, len(ordered), MAX_PER_SLICE)]
            for i, chunk in enumerate(chunks or [[]]):
                current = candidates[i] if i < len(candidates) else None
                if current is not None:
                    unused.remove(current)
                planned.append((current, {"endpoints": chunk, "ports": ports}))
        owned = [
            s for s in unused if (s["metadata"].get("ownerReferences") or [{}])[0].get("uid") == owner["uid"]
        ]
        for matched, body in planned:
            # A slice that would be deleted is updated instead of creating another (the reconciler's rule).
            current = matched or (owned.pop(0) if owned else None)
            if current is not None and current in unused:
                unused.remove(current)
            fresh = {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {"generateName": f"{name}-", "namespace": namespace},
                "addressType": "IPv4",
            }
            self._put(
                "EndpointSlice",
                current or fresh,
                new=current is None,
                labels=labels,
                body=body,
                trigger=trigger,
                owner=owner,
            )
        for stale in unused:
            self.cluster.delete("EndpointSlice", namespace, stale["metadata"]["name"])

    def _put(
        self,
        kind: str,
        obj: dict[str, Any],
        *,
        new: bool,
        labels: dict[str, str],
        body: dict[str, Any],
        trigger: str | None,
        owner: dict[str, Any] | None = None,
    ) -> None:
        """Create `obj`, or update it when its labels, owner or `body` differ; empty fields are left out."""
        meta = obj["metadata"]
        owners = [owner] if owner else None
        if not new and (
            (meta.get("labels") or {}) == labels
            and (meta.get("ownerReferences") or None) == owners
            and all((obj.get(k) or None) == (v or None) for k, v in body.items())
        ):
            return
        if labels:
            meta["labels"] = labels
        else:
            meta.pop("labels", None)
        if owners:
            meta["ownerReferences"] = owners
        annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != TRIGGER}
        meta["annotations"] = {**annotations, **({TRIGGER: trigger} if trigger else {})}
        for field, value in body.items():
            if value or field == "endpoints":  # a slice's endpoints stay a list: clients refuse null
                obj[field] = value
            else:
                obj.pop(field, None)
        write = self.cluster.create if new else self.cluster.update
        written = write(kind, obj, manager=MANAGER)
        key = (written["metadata"].get("namespace", ""), written["metadata"]["name"])
        self._written[(self.cluster.bucket(kind), key)] = int(written["metadata"]["resourceVersion"])

    def _zone(self, node: str) -> str:
        entry = self.cluster.entry("Node", "", node)
        return entry.labels.get("topology.kubernetes.io/zone", "") if entry else ""


CONTROLLERS = [EndpointsController]

"""The scheduler's cache: nodes and the non-terminal pods bound to them, kept from the change feed.

Built on first use, and lazily: which pods are on which node comes from the store's field index
without decoding anything, and a node's pods are decoded only when a scheduling cycle looks at that
node (a cycle in a 5,000-node cluster stops after a few hundred feasible nodes). A loaded cluster of
150k pods that never schedules anything never pays for it. Only the nodes a change touched are
rebuilt for the next cycle. Pods the scheduler has placed but not yet bound (waiting for their
volumes) count as on their node, as kube-scheduler's "assumed" pods do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._fit import NodeInfo, PodInfo
from workbench.sandbox._store import Change, Entry, Key

_TERMINAL = ("Succeeded", "Failed")
_ANTI = b'"podAntiAffinity"'


def _live(entry: Entry | None) -> bool:
    """Bound and not finished: what occupies a node."""
    return (
        entry is not None
        and bool(entry.fields.get("spec.nodeName"))
        and entry.fields.get("status.phase") not in _TERMINAL
    )


def _same_for_scheduling(prev: Entry | None, entry: Entry) -> bool:
    """Whether a bound pod's change leaves its `PodInfo` as it was: the same labels and indexed fields
    (node, phase...), still (not) terminating. A pod's spec is immutable but for images, tolerations
    and deadlines, none of which the filters read from pods already on a node."""
    return (
        prev is not None
        and prev.labels == entry.labels
        and prev.fields == entry.fields
        and (b'"deletionTimestamp"' in prev.raw) == (b'"deletionTimestamp"' in entry.raw)
    )


def _has_anti_affinity(pod: PodInfo) -> bool:
    return bool(
        (pod.affinity.get("podAntiAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    )


class Nodes(Mapping[str, NodeInfo]):
    """The cycle's nodes by name; a node's `NodeInfo` (with its pods) is built when first looked up."""

    def __init__(self, snapshot: Snapshot, names: list[str]) -> None:
        self._snapshot = snapshot
        self._names = names

    def __getitem__(self, name: str) -> NodeInfo:
        return self._snapshot.node(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return self._snapshot.has_node(name)


class Snapshot:
    """Nodes with their pods, as `NodeInfo`s, for one scheduling cycle at a time."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._keys: dict[str, set[Key]] | None = None  # node → its live pods' keys
        self._infos: dict[Key, PodInfo] = {}  # decoded on demand
        self._anti: dict[Key, PodInfo] = {}  # live pods with required anti-affinity
        self._assumed: dict[Key, PodInfo] = {}
        self._base: dict[str, NodeInfo] | None = None  # nodes without pods
        self._stale: set[str] = set()
        self._view: dict[str, NodeInfo] = {}
        self._images: dict[str, float] = {}

    # -- the feed ------------------------------------------------------------------------------------
    def pod_changed(self, change: Change) -> tuple[bool, bool]:
        """Apply a pod change; returns (it freed room on a node, it placed or relabelled a bound pod)."""
        live = change.type != "DELETED" and _live(change.entry)
        was = _live(change.entry) if change.type == "DELETED" else _live(change.prev)
        freed = was and not live
        placed = live and (not was or change.prev is None or change.prev.labels != change.entry.labels)
        if live and change.key in self._assumed:
            self.unassume(change.key)
        if live and was and _same_for_scheduling(change.prev, change.entry):
            return (
                freed,
                placed,
            )  # a status update (the kubelet's): what the pod takes from its node is unchanged
        if self._keys is not None:
            for entry in (change.prev, change.entry):
                node = entry.fields.get("spec.nodeName", "") if entry is not None else ""
                if node:
                    self._keys.get(node, set()).discard(change.key)
                    self._view.pop(node, None)
            self._infos.pop(change.key, None)
            self._anti.pop(change.key, None)
            if live:
                self._keys.setdefault(change.entry.fields["spec.nodeName"], set()).add(change.key)
                self._track_anti(change.key, change.entry)
        return freed, placed

    def node_changed(self, change: Change, *, judge: bool = True) -> bool:
        """Apply a node change; whether it could help an unschedulable pod (a new node, or new labels,
        taints, cordon or allocatable). Without `judge` (nobody waits) the answer is just False."""
        name = change.key[1]
        self._stale.add(name)
        self._view.pop(name, None)
        if not judge:
            return False
        if change.type != "MODIFIED" or change.prev is None:
            return change.type == "ADDED"
        if change.prev.labels != change.entry.labels:
            return True
        new, old = change.entry.decode(), change.prev.decode()
        return bool(
            new.get("spec") != old.get("spec")
            or (new.get("status") or {}).get("allocatable") != (old.get("status") or {}).get("allocatable")
        )

    def assume(self, key: Key, pod: PodInfo) -> None:
        self._assumed[key] = pod
        self._view.pop(pod.node, None)

    def unassume(self, key: Key) -> None:
        pod = self._assumed.pop(key, None)
        if pod is not None:
            self._view.pop(pod.node, None)

    # -- the cycle's view ----------------------------------------------------------------------------
    def nodes(self) -> Nodes:
        """Every node, by name (sorted), each built with its pods when first looked at."""
        base = self._nodes()
        return Nodes(self, sorted(base))

    def has_node(self, name: object) -> bool:
        return isinstance(name, str) and name in self._nodes()

    def node(self, name: str) -> NodeInfo:
        view = self._view.get(name)
        if view is not None:
            return view
        base = self._nodes()[name]
        keys = self._pod_keys().get(name, set())
        pods = [info for key in sorted(keys) if (info := self._info(key)) is not None]
        pods += [p for k, p in self._assumed.items() if p.node == name and k not in keys]
        view = self._view[name] = base.with_pods(pods)
        return view

    def image_spread(self, image: str) -> float:
        """The share of nodes that have `image` (ImageLocality's spread factor)."""
        nodes = self._nodes()
        if image not in self._images:
            self._images[image] = sum(1 for n in nodes.values() if image in n.images) / max(1, len(nodes))
        return self._images[image]

    def anti_affinity(self) -> list[PodInfo]:
        """Bound (or assumed) pods with required pod anti-affinity: each may keep a new pod off nodes."""
        self._pod_keys()
        assumed = [p for k, p in self._assumed.items() if k not in self._anti and _has_anti_affinity(p)]
        return [*self._anti.values(), *assumed]

    # -- building ------------------------------------------------------------------------------------
    def _nodes(self) -> dict[str, NodeInfo]:
        if self._base is None:
            self._base = {}
            self._stale = {entry.decode()["metadata"]["name"] for entry in self.cluster.entries("Node")}
        if self._stale:
            self._images.clear()
        for name in self._stale:
            node = self.cluster.get("Node", "", name)
            if node is None:
                self._base.pop(name, None)
            else:
                self._base[name] = NodeInfo.of(node)
        self._stale.clear()
        return self._base

    def _pod_keys(self) -> dict[str, set[Key]]:
        if self._keys is None:
            self._keys = {}
            for entry in self.cluster.entries("Pod"):
                if _live(entry):
                    meta_key = (
                        entry.fields.get("metadata.namespace", ""),
                        entry.fields.get("metadata.name", ""),
                    )
                    self._keys.setdefault(entry.fields["spec.nodeName"], set()).add(meta_key)
                    self._track_anti(meta_key, entry)
        return self._keys

    def _info(self, key: Key) -> PodInfo | None:
        info = self._infos.get(key)
        if info is None:
            entry = self.cluster.entry("Pod", *key)
            if entry is None:
                return None
            info = self._infos[key] = PodInfo.of(entry.decode())
        return info

    def _track_anti(self, key: Key, entry: Entry) -> None:
        if _ANTI in entry.raw:  # a cheap byte search first: decoding every pod is what we avoid
            info = self._infos[key] = PodInfo.of(entry.decode())
            if _has_anti_affinity(info):
                self._anti[key] = info

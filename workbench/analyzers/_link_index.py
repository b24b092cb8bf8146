"""Lookups the root-cause linker needs, built once per frame and only when a rule asks.

A frame's rows are indexed by (namespace, name) on first use (one pass over its two identity
columns); the pods of a namespace are indexed by label on first use, so matching a Service's
selector is a set intersection, not a scan of every pod for every Service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from workbench.analyzers._common import present
from workbench.frames import Frames
from workbench.frames.schema import (
    DaemonSets,
    Deployments,
    Frame,
    Jobs,
    Pods,
    ReplicaSets,
    StatefulSets,
)

Key = tuple[str, str, str]
"""An object as (kind, namespace, name): refs match on these, whatever their uid."""

OWNED_FRAMES: Mapping[str, type[Frame]] = {
    "Pod": Pods,
    "ReplicaSet": ReplicaSets,
    "Deployment": Deployments,
    "StatefulSet": StatefulSets,
    "DaemonSet": DaemonSets,
    "Job": Jobs,
}
"""Kinds whose frame carries the controller ownerReference (``owner_kind``/``owner_name``)."""

MAX_CHAIN = 8  # owner chains are 2-3 long; the bound only guards against a malformed loop


class FrameIndex:
    """Rows of a bundle's frames by (namespace, name), and pods by namespace and label."""

    def __init__(self, frames: Frames) -> None:
        self.frames = frames
        self._rows: dict[str, dict[tuple[str, str], int]] = {}
        self._labels: dict[str, dict[tuple[str, Any], set[int]]] = {}
        self._pods_by_namespace: dict[str, np.ndarray[Any, Any]] | None = None
        self._pod_labels: np.ndarray[Any, Any] | None = None

    def rows(self, frame: str) -> dict[tuple[str, str], int]:
        """``{(namespace, name): row position}`` of ``frame`` (rows are unique by the two)."""
        if frame not in self._rows:
            df = self.frames[frame]
            keys = zip(df[Frame.NAMESPACE].astype(str).tolist(), df[Frame.NAME].tolist(), strict=True)
            self._rows[frame] = {key: i for i, key in enumerate(keys)}
        return self._rows[frame]

    def values(self, frame: str, keys: Iterable[Key], *columns: str) -> dict[Key, tuple[Any, ...]]:
        """``columns`` of the rows of ``frame`` named by ``keys`` (keys without a row are left out)."""
        rows = self.rows(frame)
        arrays = [self.frames[frame][c].to_numpy() for c in columns]
        found = {}
        for key in keys:
            pos = rows.get((key[1], key[2]))
            if pos is not None:
                found[key] = tuple(array[pos] for array in arrays)
        return found

    def owners(self, keys: Iterable[Key]) -> dict[Key, Key]:
        """The controller owner of each of ``keys`` and, transitively, of their owners."""
        result: dict[Key, Key] = {}
        pending = {k for k in keys if k[0] in OWNED_FRAMES}
        seen: set[Key] = set()
        for _ in range(MAX_CHAIN):
            if not pending:
                break
            seen |= pending
            found: set[Key] = set()
            by_kind: dict[str, list[Key]] = defaultdict(list)
            for key in pending:
                by_kind[key[0]].append(key)
            for kind, kind_keys in sorted(by_kind.items()):
                frame = OWNED_FRAMES[kind].FRAME
                for key, (kind_, name) in self.values(
                    frame, kind_keys, Pods.OWNER_KIND, Pods.OWNER_NAME
                ).items():
                    if present(kind_) and present(name):
                        owner = (str(kind_), key[1], str(name))
                        result[key] = owner
                        if owner[0] in OWNED_FRAMES:
                            found.add(owner)
            pending = found - seen
        return result

    def selectors(self, keys: Iterable[Key]) -> dict[Key, dict[str, str]]:
        """The ``selector`` (matchLabels) of each workload in ``keys`` that has a non-empty one."""
        by_kind: dict[str, list[Key]] = defaultdict(list)
        for key in keys:
            if key[0] in OWNED_FRAMES and key[0] != "Pod":
                by_kind[key[0]].append(key)
        result = {}
        for kind, kind_keys in sorted(by_kind.items()):
            frame = OWNED_FRAMES[kind].FRAME
            for key, (selector,) in self.values(frame, kind_keys, Deployments.SELECTOR).items():
                if isinstance(selector, Mapping) and selector:
                    result[key] = dict(selector)
        return result

    def selected_pods(self, namespace: str, selector: Mapping[str, Any]) -> list[Key]:
        """The pods of ``namespace`` whose labels include every key and value of ``selector``."""
        if not selector:
            return []
        index = self._label_index(namespace)
        sets = sorted((index.get((k, v), set()) for k, v in selector.items()), key=len)
        matched = set.intersection(*sets)
        names = self.frames.pods[Pods.NAME].to_numpy()
        return [("Pod", namespace, str(names[pos])) for pos in sorted(matched)]

    def pod_owner(self, pods: Iterable[Key]) -> dict[Key, Key]:
        """The direct controller of each of ``pods`` that has one."""
        values = self.values(Pods.FRAME, pods, Pods.OWNER_KIND, Pods.OWNER_NAME)
        return {
            pod: (str(kind), pod[1], str(name))
            for pod, (kind, name) in values.items()
            if present(kind) and present(name)
        }

    def _label_index(self, namespace: str) -> dict[tuple[str, Any], set[int]]:
        if namespace not in self._labels:
            pods = self.frames.pods
            if self._pods_by_namespace is None:
                groups = pods.groupby(Pods.NAMESPACE, observed=True, sort=False).indices
                self._pods_by_namespace = {str(ns): np.asarray(positions) for ns, positions in groups.items()}
            if self._pod_labels is None:
                self._pod_labels = pods[Pods.LABELS].to_numpy()
            labels = self._pod_labels
            index: dict[tuple[str, Any], set[int]] = defaultdict(set)
            for pos in self._pods_by_namespace.get(namespace, np.empty(0, dtype=int)).tolist():
                if isinstance(labels[pos], Mapping):
                    for item in labels[pos].items():
                        index[item].add(pos)
            self._labels[namespace] = index
        return self._labels[namespace]

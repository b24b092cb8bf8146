"""Each pod's top-level workload (Deployment, StatefulSet, DaemonSet, CronJob, Job, or the bare pod),
so hygiene findings come one per workload, never one per pod."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from workbench.analyzers._common import records
from workbench.frames import Frames
from workbench.frames.schema import Containers, Pods, ReplicaSets
from workbench.model import ObjectRef

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
"""The platform's own namespaces: hygiene and security findings skip them (their pods are the
distribution's, which users neither write nor fix)."""

ROOT_KIND = "root_kind"
ROOT_NAME = "root_name"
ROOT_UID = "root_uid"
# Columns of the frame `roots` returns (internal to this family: not a schema frame).

Row = dict[str, Any]
_CACHE: weakref.WeakKeyDictionary[Frames, pd.DataFrame] = weakref.WeakKeyDictionary()


def roots(frames: Frames) -> pd.DataFrame:
    """One row per pod: ``namespace, name`` (the pod's) and ``root_kind, root_name, root_uid``.

    ReplicaSets resolve to their Deployment and Jobs to their CronJob through the bundle's frames
    (vectorized merges); a pod with no controller, or a static pod (owned by its Node), is its own
    root. Computed once per bundle.
    """
    cached = _CACHE.get(frames)
    if cached is None:
        cached = _CACHE[frames] = _roots(frames)
    return cached


def _roots(frames: Frames) -> pd.DataFrame:
    pods = frames.pods
    namespaces = pods[Pods.NAMESPACE].astype(str).to_numpy(dtype=object)
    names = pods[Pods.NAME].astype(str).to_numpy(dtype=object)
    # Plain object arrays, updated in place: None marks "no owner".
    root = {
        ROOT_KIND: _objects(pods[Pods.OWNER_KIND]),
        ROOT_NAME: _objects(pods[Pods.OWNER_NAME]),
        ROOT_UID: _objects(pods[Pods.OWNER_UID]),
    }
    for child, frame in (("ReplicaSet", frames.replicasets), ("Job", frames.jobs)):
        parents = _parents(frame)
        if not len(parents):
            continue
        keys = pd.MultiIndex.from_arrays([namespaces, _filled(root[ROOT_KIND]), _filled(root[ROOT_NAME])])
        index = pd.MultiIndex.from_arrays(
            [parents[Pods.NAMESPACE], np.full(len(parents), child, dtype=object), parents["_child"]]
        )
        pos = index.get_indexer(keys)
        hit = pos >= 0
        for col, values in root.items():
            values[hit] = parents[col].to_numpy(dtype=object)[pos[hit]]
    kinds = root[ROOT_KIND]
    own = np.fromiter((k is None or k == "Node" for k in kinds), dtype=bool, count=len(kinds))
    kinds[own] = "Pod"
    root[ROOT_NAME][own] = names[own]
    root[ROOT_UID][own] = _objects(pods[Pods.UID])[own]
    return pd.DataFrame({Pods.NAMESPACE: namespaces, Pods.NAME: names, **root}, dtype=object)


def _objects(series: pd.Series) -> np.ndarray[Any, np.dtype[Any]]:
    """A writable object array of ``series``'s values, None where missing."""
    values = series.astype(object).to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def _filled(values: np.ndarray[Any, np.dtype[Any]]) -> np.ndarray[Any, np.dtype[Any]]:
    return np.where(pd.isna(values), "", values)


def _parents(frame: pd.DataFrame) -> pd.DataFrame:
    """``namespace, _child, root_kind, root_name, root_uid`` of the ReplicaSets or Jobs with a controller."""
    owned = frame[frame[ReplicaSets.OWNER_KIND].notna().to_numpy()]
    owned = owned.drop_duplicates([ReplicaSets.NAMESPACE, ReplicaSets.NAME])
    return pd.DataFrame(
        {
            Pods.NAMESPACE: owned[ReplicaSets.NAMESPACE].astype(str).to_numpy(dtype=object),
            "_child": owned[ReplicaSets.NAME].astype(str).to_numpy(dtype=object),
            ROOT_KIND: _objects(owned[ReplicaSets.OWNER_KIND]),
            ROOT_NAME: _objects(owned[ReplicaSets.OWNER_NAME]),
            ROOT_UID: _objects(owned[ReplicaSets.OWNER_UID]),
        },
        dtype=object,
    )


def with_roots(frames: Frames, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (rows about pods: containers, metrics...) with its pods' root columns, rows of pods
    missing from the pods frame dropped."""
    r = roots(frames)
    keys = pd.MultiIndex.from_arrays([df[Containers.NAMESPACE].astype(str), df[Containers.NAME].astype(str)])
    index = pd.MultiIndex.from_arrays([r[Pods.NAMESPACE], r[Pods.NAME]])
    pos = index.get_indexer(keys)
    hit = pos >= 0
    out = df[hit].copy()
    out[Containers.NAMESPACE] = out[Containers.NAMESPACE].astype(str)
    out[Containers.NAME] = out[Containers.NAME].astype(str)
    for col in (ROOT_KIND, ROOT_NAME, ROOT_UID):
        out[col] = r[col].to_numpy(dtype=object)[pos[hit]]
    return out


def by_workload(
    df: pd.DataFrame, per: str = Containers.CONTAINER
) -> Iterator[tuple[ObjectRef, list[Row], int]]:
    """Rows of ``df`` (from `with_roots`) by workload, in (namespace, kind, name) order:
    (the workload's ref, one row per distinct ``per`` value, how many of its pods are in ``df``)."""
    keys = [Containers.NAMESPACE, ROOT_KIND, ROOT_NAME]
    df = df.sort_values([*keys, per], kind="stable")
    pods = df.groupby(keys, sort=False)[Containers.NAME].nunique().to_dict()
    distinct = records(df.drop_duplicates([*keys, per]))
    for key, rows in itertools.groupby(
        distinct, key=lambda r: (r[Containers.NAMESPACE], r[ROOT_KIND], r[ROOT_NAME])
    ):
        group = list(rows)
        yield root_ref(key[0], key[1], key[2], group[0][ROOT_UID]), group, int(pods[key])


def root_ref(namespace: str, kind: str, name: str, uid: object) -> ObjectRef:
    """The workload's ref."""
    return ObjectRef(kind, namespace, name, uid if isinstance(uid, str) else "")


def not_system(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without rows in `SYSTEM_NAMESPACES`."""
    return df[~df[Containers.NAMESPACE].astype(str).isin(SYSTEM_NAMESPACES).to_numpy()]

"""The explorer's table as data: which kinds can be explored, the columns shown for each (like
``kubectl get``), and filtering by namespace, health and text. Pure pandas; no widgets.

A table is a DataFrame indexed by the source frame's index labels (so ``frame.k8s.ref(label)`` finds
the object), with one text column per header (`HEALTH` holds a health level) and a helper column
`SEARCH` (the row's text, lower-cased, for the text filter). Rows come worst health first, then in
the frame's order (namespace, name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from workbench.frames import Frames
from workbench.frames.schema import (
    ConfigMaps,
    CronJobs,
    DaemonSets,
    Deployments,
    Events,
    Frame,
    Hpas,
    Jobs,
    Namespaces,
    Nodes,
    Pods,
    Pvcs,
    Pvs,
    ReplicaSets,
    Services,
    StatefulSets,
)
from workbench.sources import BUILTIN
from workbench.views import theme
from workbench.views.widgets._health import FindingIndex, levels, rank

NAME = "NAME"
"""The header of the name column (a button in the live table)."""
HEALTH = "HEALTH"
"""The header of the health column: the row's health level (``healthy``... ``critical``)."""
SEARCH = "_search"
"""Helper column: the row's text, lower-cased, searched by the text filter (never shown)."""

ANY = "any"
PROBLEMS = "problems"
HEALTH_FILTERS: tuple[str, ...] = (ANY, PROBLEMS, *theme.HEALTH_ORDER)
"""Choices of the health filter: everything, anything at warning or worse, or one level."""
ALL_NAMESPACES = ""

_NOT_OBJECTS = frozenset({"pod_metrics", "node_metrics"})  # samples of objects, not objects
_FIRST = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Service", "Node", "Event")

KIND_FRAMES: dict[str, str] = {
    kind.kind: kind.frame
    for kind in sorted(
        (k for k in BUILTIN if k.frame not in _NOT_OBJECTS),
        key=lambda k: (_FIRST.index(k.kind) if k.kind in _FIRST else len(_FIRST), k.kind),
    )
}
"""Every kind the explorer lists, in menu order, and the frame holding its objects."""

Render = Callable[[pd.DataFrame, datetime], list[str]]


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the table: its header and how to render it from the frame's rows."""

    header: str
    render: Render


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def col(header: str, name: str) -> Column:
    """A column showing the frame column ``name`` as text (lists joined with commas)."""
    return Column(header, lambda df, _now: [_text(v) for v in df[name].tolist()])


def ratio(header: str, have: str, want: str) -> Column:
    """``have/want`` (``1/3``), like kubectl's READY."""

    def render(df: pd.DataFrame, _now: datetime) -> list[str]:
        a = df[have].astype("Int64").fillna(0).tolist()
        b = df[want].astype("Int64").fillna(0).tolist()
        return [f"{x}/{y}" for x, y in zip(a, b, strict=True)]

    return Column(header, render)


def age(header: str, name: str) -> Column:
    """The time since the timestamp column ``name`` (``45s``, ``12m``, ``3h``, ``2d``)."""

    def render(df: pd.DataFrame, now: datetime) -> list[str]:
        return [_age(now, t) for t in df[name].tolist()]

    return Column(header, render)


def _age(now: datetime, then: Any) -> str:
    if then is None or pd.isna(then):
        return ""
    seconds = max(0, int((pd.Timestamp(now) - pd.Timestamp(then)).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "m" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _node_status(df: pd.DataFrame, _now: datetime) -> list[str]:
    ready = df[Nodes.READY_STATUS].astype("string").fillna("Unknown").tolist()
    cordoned = df[Nodes.UNSCHEDULABLE].astype(bool).tolist()
    words = ["Ready" if r == "True" else "NotReady" if r == "False" else "Unknown" for r in ready]
    return [w + (",SchedulingDisabled" if c else "") for w, c in zip(words, cordoned, strict=True)]


def _event_object(df: pd.DataFrame, _now: datetime) -> list[str]:
    return [
        f"{k}/{n}"
        for k, n in zip(
            df[Events.OBJECT_KIND].astype("string").fillna("?").tolist(),
            df[Events.OBJECT_NAME].astype("string").fillna("?").tolist(),
            strict=True,
        )
    ]


# Per kind: the columns after namespace, name and health (kubectl get's, where the frame has them).
_COLUMNS: dict[str, tuple[Column, ...]] = {
    "Pod": (
        col("STATUS", Pods.STATUS),
        ratio("READY", Pods.READY_CONTAINERS, Pods.CONTAINERS),
        col("RESTARTS", Pods.RESTARTS),
        col("NODE", Pods.NODE),
        age("AGE", Pods.CREATED),
    ),
    "Deployment": (
        ratio("READY", Deployments.READY_REPLICAS, Deployments.REPLICAS),
        col("UP-TO-DATE", Deployments.UPDATED_REPLICAS),
        col("AVAILABLE", Deployments.AVAILABLE_REPLICAS),
        col("IMAGES", Deployments.IMAGES),
        age("AGE", Deployments.CREATED),
    ),
    "StatefulSet": (
        ratio("READY", StatefulSets.READY_REPLICAS, StatefulSets.REPLICAS),
        col("IMAGES", StatefulSets.IMAGES),
        age("AGE", StatefulSets.CREATED),
    ),
    "ReplicaSet": (
        col("DESIRED", ReplicaSets.REPLICAS),
        col("CURRENT", ReplicaSets.CURRENT_REPLICAS),
        col("READY", ReplicaSets.READY_REPLICAS),
        col("OWNER", ReplicaSets.OWNER_NAME),
        age("AGE", ReplicaSets.CREATED),
    ),
    "DaemonSet": (
        col("DESIRED", DaemonSets.DESIRED_PODS),
        col("READY", DaemonSets.READY_PODS),
        col("UP-TO-DATE", DaemonSets.UPDATED_PODS),
        age("AGE", DaemonSets.CREATED),
    ),
    "Job": (
        col("STATUS", Jobs.STATUS),
        col("SUCCEEDED", Jobs.SUCCEEDED),
        col("FAILED", Jobs.FAILED),
        col("REASON", Jobs.REASON),
        age("AGE", Jobs.CREATED),
    ),
    "CronJob": (
        col("SCHEDULE", CronJobs.SCHEDULE),
        col("SUSPEND", CronJobs.SUSPEND),
        col("ACTIVE", CronJobs.ACTIVE),
        age("LAST SCHEDULE", CronJobs.LAST_SCHEDULE),
    ),
    "Service": (
        col("TYPE", Services.TYPE),
        col("CLUSTER-IP", Services.CLUSTER_IP),
        col("PORTS", Services.PORTS),
        age("AGE", Services.CREATED),
    ),
    "Node": (
        Column("STATUS", _node_status),
        col("ROLES", Nodes.ROLES),
        col("VERSION", Nodes.KUBELET_VERSION),
        age("AGE", Nodes.CREATED),
    ),
    "Event": (
        col("TYPE", Events.TYPE),
        col("REASON", Events.REASON),
        Column("OBJECT", _event_object),
        col("COUNT", Events.COUNT),
        age("LAST SEEN", Events.LAST_SEEN),
        col("MESSAGE", Events.MESSAGE),
    ),
    "Namespace": (col("STATUS", Namespaces.PHASE), age("AGE", Namespaces.CREATED)),
    "PersistentVolumeClaim": (
        col("STATUS", Pvcs.PHASE),
        col("VOLUME", Pvcs.VOLUME_NAME),
        col("STORAGECLASS", Pvcs.STORAGE_CLASS),
        age("AGE", Pvcs.CREATED),
    ),
    "PersistentVolume": (
        col("STATUS", Pvs.PHASE),
        col("CLAIM", Pvs.CLAIM_NAME),
        col("STORAGECLASS", Pvs.STORAGE_CLASS),
        age("AGE", Pvs.CREATED),
    ),
    "ConfigMap": (col("DATA", ConfigMaps.KEY_COUNT), age("AGE", ConfigMaps.CREATED)),
    "HorizontalPodAutoscaler": (
        col("REFERENCE", Hpas.TARGET_NAME),
        col("MINPODS", Hpas.MIN_REPLICAS),
        col("MAXPODS", Hpas.MAX_REPLICAS),
        col("REPLICAS", Hpas.CURRENT_REPLICAS),
    ),
}


def columns(kind: str, frame: pd.DataFrame) -> tuple[Column, ...]:
    """The columns rendered for ``kind``: NAMESPACE (for namespaced kinds), NAME, then the kind's
    own (or the age of ``created`` for kinds without a listing of their own); `build` adds HEALTH
    after NAME."""
    lead = (col("NAMESPACE", Frame.NAMESPACE),) if _namespaced(kind) else ()
    own = _COLUMNS.get(kind)
    if own is None:
        own = (age("AGE", "created"),) if "created" in frame.columns else ()
    return (*lead, col(NAME, Frame.NAME), *own)


def _namespaced(kind: str) -> bool:
    return next((k.namespaced for k in BUILTIN if k.kind == kind), True)


def kinds(frames: Frames) -> list[tuple[str, int]]:
    """Every explorable kind with its number of objects, in menu order."""
    return [(kind, len(frames[frame])) for kind, frame in KIND_FRAMES.items() if frame in frames]


def build(frames: Frames, kind: str, index: FindingIndex) -> pd.DataFrame:
    """The table of every object of ``kind``: one text column per header, then `SEARCH`.

    Raises:
        KeyError: ``kind`` is not one the explorer lists (the message names them).
    """
    if kind not in KIND_FRAMES:
        raise KeyError(f"no kind {kind!r} to explore; kinds: {', '.join(KIND_FRAMES)}")
    frame = frames[KIND_FRAMES[kind]]
    data: dict[str, list[str]] = {}
    for column in columns(kind, frame):
        data[column.header] = column.render(frame, frames.captured_at)
        if column.header == NAME:
            data[HEALTH] = list(levels(frame, kind, index))
    table = pd.DataFrame(data, index=frame.index, dtype="object")
    table[SEARCH] = [" ".join(parts).lower() for parts in zip(*data.values(), strict=True)]
    worst_first = sorted(range(len(table)), key=lambda i: -rank(data[HEALTH][i]))
    return table.iloc[worst_first]


def filtered(
    table: pd.DataFrame, *, namespace: str = ALL_NAMESPACES, health: str = ANY, text: str = ""
) -> pd.DataFrame:
    """The rows of ``table`` in ``namespace`` (all when empty), of ``health`` (see `HEALTH_FILTERS`)
    and containing every word of ``text`` (case-insensitive), in table order.

    Raises:
        ValueError: ``health`` is not one of `HEALTH_FILTERS`.
    """
    if health not in HEALTH_FILTERS:
        raise ValueError(f"health filter {health!r} is not one of {', '.join(HEALTH_FILTERS)}")
    keep = pd.Series(True, index=table.index)
    if namespace and "NAMESPACE" in table.columns:
        keep &= table["NAMESPACE"] == namespace
    if health == PROBLEMS:
        keep &= table[HEALTH].map(rank) >= rank("warning")
    elif health != ANY:
        keep &= table[HEALTH] == health
    for word in text.lower().split():
        keep &= table[SEARCH].str.contains(word, regex=False)
    return table[keep.to_numpy(dtype=bool)]


def namespaces(table: pd.DataFrame) -> list[str]:
    """The namespaces in ``table``, sorted (empty for cluster-scoped kinds)."""
    if "NAMESPACE" not in table.columns:
        return []
    return sorted({str(ns) for ns in table["NAMESPACE"].tolist() if ns})


def visible(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without its helper column (what a person sees)."""
    return table.drop(columns=[SEARCH])


def page_of(table: pd.DataFrame, page: int, size: int) -> pd.DataFrame:
    """Rows ``page * size`` up to the next page (``page`` counts from 0)."""
    return table.iloc[page * size : (page + 1) * size]


def pages(rows: int, size: int) -> int:
    """How many pages ``rows`` rows fill (at least one, so an empty table still has a page)."""
    return max(1, -(-rows // size))


def headers(table: pd.DataFrame) -> Sequence[str]:
    """The visible headers of ``table``, in order."""
    return [str(c) for c in table.columns if c != SEARCH]

"""Small helpers every analyzer family uses: refs from rows, events by object, evidence from events."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

import pandas as pd

from workbench.frames import Frames
from workbench.frames.schema import Conditions, Containers, Events, Frame, Nodes, Pods, frame_schema
from workbench.model import Evidence, ObjectRef


def present(value: Any) -> bool:
    """Not None/NA/NaN/NaT and not an empty string."""
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value != "")


def text(value: Any) -> str:
    """``value`` as text, ``""`` when absent."""
    return str(value) if present(value) else ""


def ref_of(row: Mapping[str, Any], kind: str | None = None) -> ObjectRef:
    """The object a frame row is about (its identity columns)."""
    return ObjectRef(
        kind or str(row[Frame.KIND]), text(row[Frame.NAMESPACE]), str(row[Frame.NAME]), text(row[Frame.UID])
    )


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as dicts (column name → value)."""
    return cast("list[dict[str, Any]]", df.to_dict("records"))  # column names are strings


FUTURE_LIMIT = timedelta(days=7)
"""A time further than this past the capture is corrupt, not a clock that runs ahead: ignored."""


def cluster_now(frames: Frames) -> pd.Timestamp:
    """The moment the bundle shows, for every "how long ago" an analyzer judges.

    ``frames.captured_at`` is the reading machine's clock; the cluster's may run ahead of it (clock
    skew, a sandbox whose simulated clock was advanced) and a snapshot is read long after it was
    taken. Times the cluster wrote itself — events, node heartbeats, pod and container starts and
    ends, custom resources' conditions — say when the state was; the latest of them and the capture
    time is the best estimate. Times more than `FUTURE_LIMIT` ahead are ignored as corrupt.
    """
    captured = latest = pd.Timestamp(frames.captured_at)
    for series in (
        frames.events[Events.LAST_SEEN],
        frames.nodes[Nodes.LAST_HEARTBEAT],
        frames.pods[Pods.CREATED],
        frames.containers[Containers.STARTED_AT],
        frames.containers[Containers.LAST_FINISHED_AT],
        frames.conditions[Conditions.CHANGED],
    ):
        seen = series.max()
        if isinstance(seen, pd.Timestamp) and not pd.isna(seen) and latest < seen <= captured + FUTURE_LIMIT:
            latest = seen
    return latest


def readable(frames: Frames, name: str) -> bool:
    """Whether frame ``name`` was pulled and read, so a row's absence means the object does not exist.

    An analyzer that reports something *missing* (a Service, a Secret, a StorageClass) checks this
    first: an empty frame can also mean the kind was forbidden or not asked for. ``frames.missing``
    names the kind's list (``pods``), which may feed several frames (``containers``).
    """
    fed_by = frame_schema(name).FED_BY
    return name in frames.pulled and (fed_by is None or frames.missing_for(fed_by) is None)


class EventIndex:
    """The events frame indexed by the object each event is about (kind, namespace, name)."""

    def __init__(self, frames: Frames) -> None:
        self._by_object: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        events = frames.events
        for row in records(events.sort_values(Events.LAST_SEEN, kind="stable")):
            key = (
                text(row[Events.OBJECT_KIND]),
                text(row[Events.OBJECT_NAMESPACE]),
                text(row[Events.OBJECT_NAME]),
            )
            self._by_object[key].append(row)

    def about(self, ref: ObjectRef, *, warnings_only: bool = False) -> list[dict[str, Any]]:
        """Events about ``ref``, oldest last-seen first."""
        rows = self._by_object.get((ref.kind, ref.namespace, ref.name), [])
        return [r for r in rows if r[Events.TYPE] == "Warning"] if warnings_only else list(rows)

    def reasons(self, ref: ObjectRef, *reasons: str) -> list[dict[str, Any]]:
        """Events about ``ref`` with one of ``reasons``."""
        wanted = set(reasons)
        return [r for r in self.about(ref) if text(r[Events.REASON]) in wanted]


def event_evidence(row: Mapping[str, Any], ref: ObjectRef | None = None) -> Evidence:
    """An event row as evidence: ``event <Reason> (xN)``: message."""
    count = row[Events.COUNT]
    times = f" (x{count})" if present(count) and int(count) > 1 else ""
    return Evidence("event", f"event {text(row[Events.REASON])}{times}", text(row[Events.MESSAGE]), ref)

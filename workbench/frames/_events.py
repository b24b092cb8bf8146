"""Events: the ``events`` frame, one row per distinct happening, from raw core/v1 Event list pages.

A kubelet that backs off a container writes one Event and bumps its ``count``; a newer client
writes a ``series``; a controller that restarts writes a fresh Event with the same text. The frame
merges all of these: Events about the same object with the same type, reason and message become
one row whose ``count`` is the total number of occurrences.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames.schema import Events
from workbench.sources._kinds import Kind

_NAT = np.iinfo(np.int64).min  # datetime64's NaT as an integer


class InvolvedObject(msgspec.Struct, gc=False):
    kind: str = ""
    namespace: str = ""
    name: str = ""
    uid: str = ""


class Series(msgspec.Struct, rename="camel", gc=False):
    count: int = 0
    last_observed_time: str | None = None


class Source(msgspec.Struct, gc=False):
    component: str | None = None
    host: str | None = None


class Event(msgspec.Struct, rename="camel", gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    involved_object: InvolvedObject = msgspec.field(default_factory=InvolvedObject)
    type: str | None = None
    reason: str | None = None
    message: str | None = None
    count: int | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    event_time: str | None = None
    series: Series | None = None
    source: Source = msgspec.field(default_factory=Source)
    reporting_component: str | None = None
    reporting_instance: str | None = None


_DECODER = d.list_decoder(Event)


def build_events(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``events`` frame from raw core/v1 Event List pages, duplicates merged.

    Args:
        kind: the Event kind (unused beyond the registry's uniform signature).
        pages: raw JSON List documents.

    Returns:
        ``{"events": ...}`` matching its schema, rows in order of each happening's first Event.
    """
    del kind
    events: list[Event] = []
    for page in pages:
        with d.gc_paused():
            events.extend(d.decode_items(_DECODER, page))
    first, last = _times(events)
    groups: dict[tuple[Any, ...], list[int]] = {}  # key -> [representative, count, first, last, merged]
    for i, (ev, lo, hi) in enumerate(zip(events, first, last, strict=True)):
        obj = ev.involved_object
        key = (obj.kind, obj.namespace, obj.name, obj.uid, ev.type, ev.reason, ev.message)
        occurrences = ev.series.count if ev.series is not None and ev.series.count else (ev.count or 1)
        group = groups.get(key)
        if group is None:
            groups[key] = [i, occurrences, lo, hi, 1]
            continue
        if hi >= last[group[0]]:
            group[0] = i  # the latest Event names the row
        group[1] += occurrences
        group[2] = lo if group[2] == _NAT or (lo != _NAT and lo < group[2]) else group[2]
        group[3] = max(group[3], hi)
        group[4] += 1
    rows = list(groups.values())
    reps = [events[g[0]] for g in rows]
    columns: dict[str, Any] = {
        Events.NAMESPACE: [e.metadata.namespace for e in reps],
        Events.NAME: [e.metadata.name for e in reps],
        Events.UID: [e.metadata.uid for e in reps],
        Events.OBJECT_KIND: [e.involved_object.kind or None for e in reps],
        Events.OBJECT_NAMESPACE: [e.involved_object.namespace for e in reps],
        Events.OBJECT_NAME: [e.involved_object.name for e in reps],
        Events.OBJECT_UID: [e.involved_object.uid for e in reps],
        Events.TYPE: [e.type for e in reps],
        Events.REASON: [e.reason for e in reps],
        Events.MESSAGE: [e.message for e in reps],
        Events.COUNT: [g[1] for g in rows],
        Events.FIRST_SEEN: _utc([g[2] for g in rows]),
        Events.LAST_SEEN: _utc([g[3] for g in rows]),
        Events.SOURCE: [e.reporting_component or e.source.component for e in reps],
        Events.HOST: [e.reporting_instance or e.source.host for e in reps],
        Events.MERGED: [g[4] for g in rows],
        Events.KIND: d.Const("Event"),
    }
    return {Events.FRAME: d.build(Events.FRAME, columns, len(rows))}


def _times(events: list[Event]) -> tuple[list[int], list[int]]:
    """Per Event (first, last) occurrence as nanoseconds since the epoch (``_NAT`` when unknown)."""

    def ns(values: list[str | None]) -> np.ndarray[Any, np.dtype[np.int64]]:
        return d.times(values).asi8

    first_ts = ns([e.first_timestamp for e in events])
    last_ts = ns([e.last_timestamp for e in events])
    event_time = ns([e.event_time for e in events])
    series = ns([e.series.last_observed_time if e.series else None for e in events])
    created = ns([e.metadata.creation_timestamp for e in events])
    big = np.iinfo(np.int64).max
    first = np.minimum(
        np.where(first_ts == _NAT, big, first_ts), np.where(event_time == _NAT, big, event_time)
    )
    first = np.where(first == big, created, first)
    last = np.maximum.reduce([last_ts, series, event_time])
    last = np.where(last == _NAT, first, last)
    return first.tolist(), last.tolist()


def _utc(nanoseconds: list[int]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(nanoseconds, dtype=np.int64).view("datetime64[ns]"), tz="UTC")

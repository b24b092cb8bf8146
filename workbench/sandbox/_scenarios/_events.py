"""Completing core/v1 Events: the name a recorder gives them, the fields it always sets.

client-go's event recorders (``tools/record`` and ``tools/events``) name an event
``<involvedObject.name>.<hex of the creation time in Unix nanoseconds>``, so the names of one
object's events sort in the order they happened, and ``kubectl get events`` (which lists in name
order) shows each object's history chronologically. A scenario event written without a name gets
such a name from its own timestamps.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

_NANOS = 1_000_000_000
# A recorder stamps the name a moment after the eventTime it was handed; at most this many ns.
_AFTER_EVENT_TIME = 1_000_000


class EventNamer:
    """Names events from their timestamps, keeping one object's events distinct and in load order.

    Scenario times have second precision while real names carry nanoseconds, so the nanoseconds
    within the second are derived from the event's identity (`salt`) and, for several events of
    one object in the same second, chosen increasing in load order (Pulled, Created, Started).
    """

    def __init__(self) -> None:
        self._last: dict[tuple[str, str, int], int] = {}

    def name(self, namespace: str, involved: str, moment: datetime, *, precise: bool, salt: str) -> str:
        """``<involved>.<hex ns>`` for an event created at `moment`.

        Args:
            namespace: the event's namespace.
            involved: ``involvedObject.name``.
            moment: when the event was created (an eventTime is `precise`; a first/lastTimestamp
                is truncated to the second).
            precise: `moment` carries real sub-second digits.
            salt: identifies the event, so loads repeat.
        """
        noise = zlib.crc32(salt.encode())
        whole = int(moment.timestamp()) * _NANOS
        if precise:
            nanos = whole + moment.microsecond * 1000 + noise % _AFTER_EVENT_TIME
        else:
            nanos = whole + noise % _NANOS
        second = nanos // _NANOS
        key = (namespace, involved, second)
        last = self._last.get(key)
        if last is not None and nanos <= last:
            # Later in the file, later in time: pick a point in the rest of the second.
            room = max((second + 1) * _NANOS - last - 1, 1)
            nanos = last + 1 + noise % max(room // 2, 1)
        self._last[key] = nanos
        return f"{involved}.{nanos:x}"


def _parse(stamp: object) -> datetime | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def complete_event(obj: dict[str, Any], *, created: datetime, namer: EventNamer, salt: str) -> None:
    """Fill what the recorder and the apiserver would have set on a core/v1 Event, in place.

    The name (when absent) comes from the event's eventTime, else its firstTimestamp, else
    `created`; creationTimestamp (when absent) is the event's first timestamp.
    """
    meta = obj["metadata"]
    involved = obj.setdefault("involvedObject", {})
    source = obj.setdefault("source", {})
    obj.setdefault("type", "Normal")
    obj.setdefault("count", 1)
    first, last = obj.get("firstTimestamp"), obj.get("lastTimestamp")
    obj["firstTimestamp"], obj["lastTimestamp"] = first or last, last or first
    obj.setdefault("eventTime", None)
    stamp = obj["firstTimestamp"] or obj["eventTime"]
    if stamp and "creationTimestamp" not in meta:
        meta["creationTimestamp"] = stamp[:19] + "Z"
    if not meta.get("name"):
        event_time = _parse(obj["eventTime"])
        moment = event_time or _parse(obj["firstTimestamp"]) or _parse(meta.get("creationTimestamp"))
        meta["name"] = namer.name(
            meta["namespace"],
            str(involved["name"]),
            moment or created,
            precise=event_time is not None,
            salt=salt,
        )
    obj.setdefault("reportingComponent", source.get("component", ""))
    obj.setdefault("reportingInstance", source.get("host", ""))
    if not source and obj["reportingComponent"]:
        source["component"] = obj["reportingComponent"]

"""Event: core/v1 (stored) <-> events.k8s.io/v1 (pkg/apis/events/v1/conversion.go).

The field mapping is the apiserver's: regarding = involvedObject, note = message,
reportingController = reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count =
source/firstTimestamp/lastTimestamp/count. Both directions write the fields the apiserver's JSON
always carries (core: eventTime, firstTimestamp and lastTimestamp as null when unset,
reportingComponent and reportingInstance as ""; events.k8s.io: regarding, deprecatedSource and the
deprecated timestamps), so an event looks the same whichever API wrote it.

Unlike the apiserver, the events.k8s.io view fills empty fields from the legacy ones: eventTime from
firstTimestamp (else creationTimestamp), series from count when it is above 1, and
reportingController/Instance from source. The python client rejects an events.k8s.io Event without
eventTime, and events written the old way have none. Writing such a view back recognises the
synthesized eventTime and series and drops them, so a legacy event stays legacy.
"""

from __future__ import annotations

from typing import Any, Final

from workbench.sandbox._admission._decode import check_types
from workbench.sandbox._admission._errors import invalid_error, required
from workbench.sandbox._clock import parse_time, rfc3339_micro

Obj = dict[str, Any]

_EPOCH_MICRO: Final = "1970-01-01T00:00:00.000000Z"
_V1: Final = "events.k8s.io/v1"


def core_to_v1(core: Obj) -> Obj:
    """A core/v1 Event as events.k8s.io/v1."""
    source = _dict(core.get("source"))
    count = core.get("count")
    out: Obj = {"apiVersion": _V1, "kind": "Event"}
    if "metadata" in core:
        out["metadata"] = core["metadata"]
    out["eventTime"] = _event_time(core)
    series = core.get("series")
    if isinstance(series, dict):
        # events.k8s.io requires both fields, core's EventSeries does not.
        series = dict(series)
        if series.get("count") is None:
            series["count"] = count or 1
        if series.get("lastObservedTime") is None:
            series["lastObservedTime"] = _last_observed(core)
        out["series"] = series
    elif _int(count) > 1:
        out["series"] = {"count": count, "lastObservedTime": _last_observed(core)}
    for key, value in (
        ("reportingController", core.get("reportingComponent") or source.get("component")),
        ("reportingInstance", core.get("reportingInstance") or source.get("host")),
        ("action", core.get("action")),
        ("reason", core.get("reason")),
    ):
        if value:
            out[key] = value
    out["regarding"] = core.get("involvedObject") or {}
    if core.get("related") is not None:
        out["related"] = core["related"]
    if core.get("message"):
        out["note"] = core["message"]
    if core.get("type"):
        out["type"] = core["type"]
    out["deprecatedSource"] = source
    out["deprecatedFirstTimestamp"] = core.get("firstTimestamp")
    out["deprecatedLastTimestamp"] = core.get("lastTimestamp")
    if count:
        out["deprecatedCount"] = count
    return out


def v1_to_core(event: Obj) -> Obj:
    """An events.k8s.io/v1 Event (a create or update body) as core/v1.

    The body is checked as the apiserver reads it, before it is converted: decoded into the
    events.k8s.io struct, so a type error names that struct's fields (``Event.regarding``), then
    refused without an eventTime, which events.k8s.io writes must have.

    Raises:
        SandboxApiError: 400 when the body does not decode into an events.k8s.io/v1 Event; 422
            ``eventTime: Required value`` when it has no eventTime.
    """
    check_types("Event", event, api_version=_V1)
    if not event.get("eventTime"):
        # The apiserver asks for it on create only (an update must leave it as it was); the
        # sandbox cannot tell the two apart here, and a view read back always carries one.
        name = _dict(event.get("metadata")).get("name")
        raise invalid_error(
            "Event", "events.k8s.io", name if isinstance(name, str) else "", [required("eventTime")]
        )
    out: Obj = {"apiVersion": "v1", "kind": "Event"}
    if "metadata" in event:
        out["metadata"] = event["metadata"]
    out["involvedObject"] = event.get("regarding") or {}
    for key, value in (
        ("reason", event.get("reason")),
        ("message", event.get("note")),
        ("type", event.get("type")),
    ):
        if value:
            out[key] = value
    out["source"] = event.get("deprecatedSource") or {}
    out["firstTimestamp"] = event.get("deprecatedFirstTimestamp")
    out["lastTimestamp"] = event.get("deprecatedLastTimestamp")
    count = event.get("deprecatedCount")
    if count:
        out["count"] = count

    event_time = event.get("eventTime")
    if out["firstTimestamp"] is not None and _micro(event_time) == _micro(out["firstTimestamp"]):
        event_time = None  # the view made it up from firstTimestamp
    out["eventTime"] = event_time
    series = event.get("series")
    synthesized = (
        isinstance(series, dict)
        and _int(count) > 1
        and set(series) == {"count", "lastObservedTime"}
        and series["count"] == count
        and _micro(series["lastObservedTime"]) == _last_observed(out)
    )
    if series is not None and not synthesized:
        out["series"] = series
    if event.get("action"):
        out["action"] = event["action"]
    if event.get("related") is not None:
        out["related"] = event["related"]
    out["reportingComponent"] = event.get("reportingController") or ""
    out["reportingInstance"] = event.get("reportingInstance") or ""
    return out


def _event_time(core: Obj) -> str:
    """The events.k8s.io eventTime of a core event: its own, else made up from older fields."""
    if core.get("eventTime"):
        return str(core["eventTime"])
    meta = _dict(core.get("metadata"))
    return _micro(core.get("firstTimestamp")) or _micro(meta.get("creationTimestamp")) or _EPOCH_MICRO


def _last_observed(core: Obj) -> str:
    return _micro(core.get("lastTimestamp")) or _event_time(core)


def _micro(value: Any) -> str | None:
    """A timestamp as MicroTime text, or None when it is absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return rfc3339_micro(parse_time(value))
    except ValueError:
        return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}

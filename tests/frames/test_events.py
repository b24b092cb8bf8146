"""The events frame: Events about one happening merged, with counts and first/last times."""

from __future__ import annotations

import copy
import json
from typing import Any

import pandas as pd
import pytest

from tests.frames.conftest import Pulled
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._events import build_events
from workbench.frames.schema import Events
from workbench.sources._kinds import builtin

EVENTS = builtin("events")


@pytest.fixture(scope="module")
def raw_events() -> list[dict[str, Any]]:
    """The config-error scenario's Event objects, as the API serves them."""
    with sandbox_pkg.start(scenario="config-error", manual_clock=True) as sb:
        sb.advance(120)
        pages = fetch_pages(sb, EVENTS)
    return [item for page in pages for item in json.loads(page)["items"]]


def page_of(items: list[dict[str, Any]]) -> bytes:
    return json.dumps({"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": items}).encode()


def test_events_match_the_schema(pulled: Pulled) -> None:
    events = pulled("config-error").events
    schema.validate("events", events)
    assert set(events[Events.KIND]) == {"Event"}
    assert set(events[Events.TYPE]) <= {"Normal", "Warning"}
    for col in (Events.TYPE, Events.REASON, Events.OBJECT_KIND, Events.SOURCE):
        assert isinstance(events[col].dtype, pd.CategoricalDtype), col
    assert events[Events.FIRST_SEEN].dtype == "datetime64[ns, UTC]"
    assert (events[Events.FIRST_SEEN] <= events[Events.LAST_SEEN]).all()
    assert events[Events.LAST_SEEN].notna().all()


def test_repeated_failure_is_one_row_with_its_count(pulled: Pulled) -> None:
    events = pulled("config-error").events
    failed = events[(events[Events.OBJECT_KIND] == "Pod") & (events[Events.REASON] == "Failed")]
    assert len(failed) == 1
    row = failed.iloc[0]
    assert row[Events.TYPE] == "Warning"
    assert (
        row[Events.MESSAGE] == "Error: couldn't find key SMTP_HOST in ConfigMap notifications/mailer-config"
    )
    assert row[Events.COUNT] >= 10
    assert row[Events.SOURCE] == "kubelet"
    assert row[Events.OBJECT_NAMESPACE] == "notifications"
    assert row[Events.OBJECT_NAME].startswith("mailer-")
    assert row[Events.LAST_SEEN] - row[Events.FIRST_SEEN] > pd.Timedelta(minutes=1)
    scheduled = events[events[Events.REASON] == "Scheduled"]
    assert set(scheduled[Events.SOURCE]) == {"default-scheduler"}


def test_duplicates_merge_counts_and_widen_the_time_span(raw_events: list[dict[str, Any]]) -> None:
    failed = next(e for e in raw_events if e["reason"] == "Failed" and e["involvedObject"]["kind"] == "Pod")
    again = copy.deepcopy(failed)  # a restarted kubelet writes a fresh Event with the same text
    again["metadata"]["name"] += "-again"
    again["metadata"]["uid"] = "0000-again"
    again["count"] = 5
    again["firstTimestamp"] = "2020-01-01T00:00:00Z"
    again["lastTimestamp"] = "2099-01-01T00:00:00Z"
    series = copy.deepcopy(failed)  # the events.k8s.io style: eventTime and a series
    series["metadata"]["name"] += "-series"
    series.update(
        count=None, firstTimestamp=None, lastTimestamp=None, eventTime="2021-06-01T00:00:00.500000Z"
    )
    series["series"] = {"count": 7, "lastObservedTime": "2098-01-01T00:00:00.000000Z"}
    events = build_events(EVENTS, [page_of([failed, again]), page_of([series])])["events"]
    merged = events[events[Events.REASON] == "Failed"]
    assert len(merged) == 1
    row = merged.iloc[0]
    assert row[Events.COUNT] == failed["count"] + 5 + 7
    assert row[Events.MERGED] == 3
    assert row[Events.FIRST_SEEN] == pd.Timestamp("2020-01-01T00:00:00Z")
    assert row[Events.LAST_SEEN] == pd.Timestamp("2099-01-01T00:00:00Z")
    assert row[Events.NAME] == again["metadata"]["name"]  # the latest Event names the row
    assert row[Events.UID] == "0000-again"


def test_different_messages_or_objects_stay_apart(raw_events: list[dict[str, Any]]) -> None:
    failed = next(e for e in raw_events if e["reason"] == "Failed" and e["involvedObject"]["kind"] == "Pod")
    other = copy.deepcopy(failed)
    other["message"] = "Error: ImagePullBackOff"
    elsewhere = copy.deepcopy(failed)
    elsewhere["involvedObject"]["uid"] = "another-incarnation"
    events = build_events(EVENTS, [page_of([failed, other, elsewhere])])["events"]
    assert len(events) == 3
    assert list(events[Events.MERGED]) == [1, 1, 1]


def test_an_event_with_only_event_time_uses_it_for_both_ends() -> None:
    item = {
        "metadata": {"name": "e1", "namespace": "default", "uid": "u"},
        "involvedObject": {"kind": "Node", "name": "n1"},
        "reason": "Rebooted",
        "type": "Warning",
        "message": "Node n1 has been rebooted",
        "eventTime": "2026-03-01T10:00:00.250000Z",
        "reportingComponent": "kubelet",
        "reportingInstance": "n1",
    }
    row = build_events(EVENTS, [page_of([item])])["events"].iloc[0]
    assert row[Events.FIRST_SEEN] == row[Events.LAST_SEEN] == pd.Timestamp("2026-03-01T10:00:00.25Z")
    assert row[Events.COUNT] == 1
    assert row[Events.OBJECT_NAMESPACE] == ""
    assert row[Events.HOST] == "n1"

"""Watch semantics over raw HTTP, event by event, as kube-apiserver streams them.

Initial ADDED events for resourceVersion "0" or unset, every later change in order from a given
version, DELETED for objects that stop matching a selector, one-row Tables with the column
definitions only on the first event, bookmarks, timeoutSeconds, and a 410 ERROR event for a
version the server's history no longer reaches.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from workbench import sandbox as sandbox_pkg
from workbench.sandbox import Sandbox

NS = "default"
CMS = f"/api/v1/namespaces/{NS}/configmaps"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox_pkg.start("healthy", manual_clock=True) as running:
        yield running


def call(sb: Sandbox, method: str, path: str, body: Any = None, ctype: str = "application/json") -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=10)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": ctype})
        resp = conn.getresponse()
        doc = json.loads(resp.read())
        assert resp.status < 300, doc
        return doc
    finally:
        conn.close()


def stream(
    sb: Sandbox, path: str, *, accept: str = "application/json", limit: int | None = None
) -> list[Any]:
    """The events of one watch, read until the server ends the stream (or `limit` events came)."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=15)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        assert resp.getheader("Content-Type") == "application/json"
        assert resp.getheader("Transfer-Encoding") == "chunked"
        events: list[Any] = []
        while limit is None or len(events) < limit:
            line = resp.readline()
            if not line:
                break
            assert line.endswith(b"\n")  # clients split the stream on newlines
            events.append(json.loads(line))
        return events
    finally:
        conn.close()


def rv_now(sb: Sandbox, path: str = CMS) -> str:
    version: str = call(sb, "GET", path)["metadata"]["resourceVersion"]
    return version


def names(events: list[Any]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"]["name"]) for e in events]


def configmap(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels}, "data": {"v": "1"}}


def relabel(sb: Sandbox, name: str, **labels: str) -> None:
    call(sb, "PATCH", f"{CMS}/{name}", {"metadata": {"labels": labels}}, "application/merge-patch+json")


# -- initial state -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "version", ["resourceVersion=0&", "resourceVersion=&", ""], ids=["0", "empty", "unset"]
)
def test_initial_events_are_the_current_list(sb: Sandbox, version: str) -> None:
    listed = call(sb, "GET", "/api/v1/namespaces/kube-system/configmaps")["items"]
    events = stream(sb, f"/api/v1/namespaces/kube-system/configmaps?{version}watch=true&timeoutSeconds=1")
    assert names(events) == [("ADDED", c["metadata"]["name"]) for c in listed]
    assert [e["object"] for e in events] == listed


def test_initial_events_honour_selectors(sb: Sandbox) -> None:
    path = "/api/v1/pods?watch=true&timeoutSeconds=1&resourceVersion=0"
    on_worker = stream(sb, f"{path}&fieldSelector=spec.nodeName%3Dkind-worker")
    assert on_worker
    assert {e["object"]["spec"]["nodeName"] for e in on_worker} == {"kind-worker"}
    proxies = stream(sb, f"{path}&labelSelector=k8s-app%3Dkube-proxy")
    assert sorted(n for _, n in names(proxies)) == sorted(
        p["metadata"]["name"]
        for p in call(sb, "GET", "/api/v1/pods?labelSelector=k8s-app%3Dkube-proxy")["items"]
    )
    assert len(proxies) == 3


# -- changes after a version ---------------------------------------------------------------------------------
def test_changes_after_a_version_arrive_in_order(sb: Sandbox) -> None:
    start = rv_now(sb)
    call(sb, "POST", CMS, configmap("ord-a"))
    relabel(sb, "ord-a", step="2")
    call(sb, "POST", CMS, configmap("ord-b"))
    call(sb, "POST", "/api/v1/namespaces/kube-system/configmaps", configmap("ord-elsewhere"))
    call(sb, "POST", "/api/v1/namespaces/default/secrets", {"metadata": {"name": "ord-secret"}})
    call(sb, "DELETE", f"{CMS}/ord-a")
    events = stream(sb, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=1")
    assert names(events) == [
        ("ADDED", "ord-a"),
        ("MODIFIED", "ord-a"),
        ("ADDED", "ord-b"),
        ("DELETED", "ord-a"),
    ]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(set(versions))
    assert versions[0] > int(start)
    assert events[1]["object"]["metadata"]["labels"] == {"step": "2"}
    assert events[3]["object"]["metadata"]["labels"] == {"step": "2"}  # the final state, newly versioned
    everywhere = stream(sb, f"/api/v1/configmaps?watch=true&resourceVersion={start}&timeoutSeconds=1")
    assert ("ADDED", "ord-elsewhere") in names(everywhere)
    later = stream(sb, f"{CMS}?watch=true&resourceVersion={versions[1]}&timeoutSeconds=1")
    assert names(later) == [("ADDED", "ord-b"), ("DELETED", "ord-a")]


def test_watching_one_object(sb: Sandbox) -> None:
    start = rv_now(sb)
    call(sb, "POST", CMS, configmap("solo"))
    call(sb, "POST", CMS, configmap("solo-not"))
    relabel(sb, "solo", seen="yes")
    by_field = stream(
        sb, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=1&fieldSelector=metadata.name%3Dsolo"
    )
    assert names(by_field) == [("ADDED", "solo"), ("MODIFIED", "solo")]
    legacy = stream(
        sb, f"/api/v1/watch/namespaces/{NS}/configmaps/solo?resourceVersion={start}&timeoutSeconds=1"
    )
    assert names(legacy) == names(by_field)


def test_objects_leaving_a_selector_are_deleted(sb: Sandbox) -> None:
    start = rv_now(sb)
    call(sb, "POST", CMS, configmap("sel-x", tier="web"))
    relabel(sb, "sel-x", tier="db")  # stops matching
    relabel(sb, "sel-x", tier="web")  # matches again
    call(sb, "POST", CMS, configmap("sel-y", tier="db"))  # never matches
    relabel(sb, "sel-y", other="1")
    call(sb, "DELETE", f"{CMS}/sel-x")
    events = stream(sb, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=1&labelSelector=tier%3Dweb")
    assert names(events) == [
        ("ADDED", "sel-x"),
        ("DELETED", "sel-x"),
        ("ADDED", "sel-x"),
        ("DELETED", "sel-x"),
    ]
    assert events[1]["object"]["metadata"]["labels"] == {"tier": "db"}  # the state that no longer matches


def test_objects_leaving_a_field_selector_are_deleted(sb: Sandbox) -> None:
    start = rv_now(sb, "/api/v1/pods")
    pod = {"metadata": {"name": "phased"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    call(sb, "POST", f"/api/v1/namespaces/{NS}/pods", pod)
    call(
        sb,
        "PATCH",
        f"/api/v1/namespaces/{NS}/pods/phased/status",
        {"status": {"phase": "Running"}},
        "application/merge-patch+json",
    )
    selector = quote("status.phase!=Running")
    events = stream(
        sb, f"/api/v1/pods?watch=true&resourceVersion={start}&timeoutSeconds=1&fieldSelector={selector}"
    )
    assert names(events) == [("ADDED", "phased"), ("DELETED", "phased")]
    call(sb, "DELETE", f"/api/v1/namespaces/{NS}/pods/phased?gracePeriodSeconds=0")


def test_other_served_versions_are_converted(sb: Sandbox) -> None:
    start = rv_now(sb)
    event = {
        "metadata": {"name": "seen.1"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": NS},
        "reason": "Seen",
        "message": "hello",
        "type": "Normal",
    }
    call(sb, "POST", f"/api/v1/namespaces/{NS}/events", event)
    [added] = stream(
        sb,
        f"/apis/events.k8s.io/v1/namespaces/{NS}/events?watch=true&resourceVersion={start}&timeoutSeconds=1",
    )
    assert added["type"] == "ADDED"
    assert added["object"]["apiVersion"] == "events.k8s.io/v1"
    assert (added["object"]["regarding"]["name"], added["object"]["note"]) == ("p", "hello")


# -- tables --------------------------------------------------------------------------------------------------
def test_table_watch_sends_column_definitions_once(sb: Sandbox) -> None:
    start = rv_now(sb)
    call(sb, "POST", CMS, configmap("tab-a"))
    relabel(sb, "tab-a", x="1")
    call(sb, "POST", CMS, configmap("tab-b"))
    events = stream(sb, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=1", accept=TABLE)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "ADDED"]
    tables = [e["object"] for e in events]
    assert all((t["kind"], t["apiVersion"]) == ("Table", "meta.k8s.io/v1") for t in tables)
    assert [c["name"] for c in tables[0]["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert [t["columnDefinitions"] for t in tables[1:]] == [[], []]
    rows = [t["rows"] for t in tables]
    assert [len(r) for r in rows] == [1, 1, 1]
    assert [r[0]["cells"][:2] for r in rows] == [["tab-a", 1], ["tab-a", 1], ["tab-b", 1]]
    partial = rows[1][0]["object"]
    assert (partial["kind"], partial["metadata"]["labels"]) == ("PartialObjectMetadata", {"x": "1"})
    assert tables[1]["metadata"]["resourceVersion"] == partial["metadata"]["resourceVersion"]


def test_table_watch_from_zero_starts_with_the_columns(sb: Sandbox) -> None:
    events = stream(sb, "/api/v1/nodes?watch=true&resourceVersion=0&timeoutSeconds=1", accept=TABLE)
    assert len(events) == 3
    first, *rest = (e["object"] for e in events)
    assert [c["name"] for c in first["columnDefinitions"]][:5] == [
        "Name",
        "Status",
        "Roles",
        "Age",
        "Version",
    ]
    assert all(t["columnDefinitions"] == [] for t in rest)
    assert [t["rows"][0]["cells"][0] for t in (first, *rest)] == [
        "kind-control-plane",
        "kind-worker",
        "kind-worker2",
    ]


# -- how streams end -----------------------------------------------------------------------------------------
def test_timeout_seconds_ends_the_stream_and_keeps_the_connection(sb: Sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=15)
    try:
        began = time.monotonic()
        conn.request("GET", f"{CMS}?watch=true&resourceVersion={rv_now(sb)}&timeoutSeconds=2")
        resp = conn.getresponse()
        assert resp.read() == b""  # nothing happened; the chunked body ends cleanly
        assert 1.5 <= time.monotonic() - began < 5
        conn.request("GET", "/version")  # the same keep-alive connection serves the next request
        assert json.loads(conn.getresponse().read())["major"] == "1"
    finally:
        conn.close()


def test_bookmarks_only_when_asked(sb: Sandbox) -> None:
    start = rv_now(sb)
    call(sb, "POST", CMS, configmap("mark-me"))
    current = rv_now(sb)
    events = stream(sb, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=3&allowWatchBookmarks=true")
    assert names(events[:1]) == [("ADDED", "mark-me")]
    marks = [e for e in events if e["type"] == "BOOKMARK"]
    assert marks
    assert marks[-1]["object"] == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": current},
    }
    plain = stream(sb, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=3")
    assert [e["type"] for e in plain] == ["ADDED"]


def test_an_invalid_version_is_an_error_event(sb: Sandbox) -> None:
    [event] = stream(sb, f"{CMS}?watch=true&resourceVersion=yesterday&timeoutSeconds=5")
    assert event["type"] == "ERROR"
    assert (event["object"]["code"], event["object"]["reason"]) == (400, "BadRequest")


def test_a_version_from_before_the_history_is_expired(sb: Sandbox) -> None:
    events = stream(sb, f"{CMS}?watch=true&resourceVersion=1&timeoutSeconds=5")
    assert [e["type"] for e in events] == ["ERROR"]  # one event, then the stream ends
    status = events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith("too old resource version: 1 (")


@pytest.fixture(scope="module")
def short_memory() -> Iterator[Sandbox]:
    """A sandbox that keeps only a few changes, so a test can outrun its history."""
    with sandbox_pkg.start("healthy", manual_clock=True, history=5) as running:
        yield running


def test_outrun_history_gives_410(short_memory: Sandbox) -> None:
    start = rv_now(short_memory)
    events = stream(short_memory, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=1")
    assert events == []  # the load itself is not history: watching from its version works
    before = int(start) - 1  # but the loaded state cannot be replayed as changes
    [too_old] = stream(short_memory, f"{CMS}?watch=true&resourceVersion={before}&timeoutSeconds=5")
    assert too_old["object"]["message"] == f"too old resource version: {before} ({start})"
    for i in range(12):
        call(short_memory, "POST", CMS, configmap(f"churn-{i}"))
    [expired] = stream(short_memory, f"{CMS}?watch=true&resourceVersion={start}&timeoutSeconds=5")
    assert expired["type"] == "ERROR"
    oldest = int(expired["object"]["message"].rpartition("(")[2].rstrip(")"))
    assert expired["object"]["message"] == f"too old resource version: {start} ({oldest})"
    assert (expired["object"]["code"], expired["object"]["reason"]) == (410, "Expired")
    # From the oldest version still kept, every later change arrives.
    recent = stream(short_memory, f"{CMS}?watch=true&resourceVersion={oldest}&timeoutSeconds=1")
    assert recent
    assert names(recent)[-1] == ("ADDED", "churn-11")
    assert all(int(e["object"]["metadata"]["resourceVersion"]) > oldest for e in recent)


def test_an_outrun_continue_token_gives_410(short_memory: Sandbox) -> None:
    page = call(short_memory, "GET", "/api/v1/configmaps?limit=2")
    token = page["metadata"]["continue"]
    for i in range(12):
        call(short_memory, "POST", CMS, configmap(f"later-{i}"))
    conn = http.client.HTTPConnection("127.0.0.1", short_memory.port, timeout=10)
    try:
        conn.request("GET", f"/api/v1/configmaps?limit=2&continue={token}")
        resp = conn.getresponse()
        status = json.loads(resp.read())
    finally:
        conn.close()
    assert (resp.status, status["reason"]) == (410, "Expired")
    assert status["message"].startswith("The provided continue parameter is too old")

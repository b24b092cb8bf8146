"""Watch streams: newline-delimited JSON events over a chunked response.

Semantics follow the real apiserver: from resourceVersion "" or "0" the current matches arrive as
synthetic ADDED events first; from a given version every later change arrives in order; a version
older than the kept history gets one ERROR event with a 410 Expired Status; an object that stops
matching the selectors arrives as DELETED; bookmarks when asked; the stream ends after
``timeoutSeconds``. With a Table Accept header every event's object is a one-row Table.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import orjson

from workbench.errors import SandboxApiError
from workbench.sandbox import _render
from workbench.sandbox._http import ClientGoneError
from workbench.sandbox._store import Change, Entry

if TYPE_CHECKING:
    from workbench.sandbox._routes import Route
    from workbench.sandbox._server import Handler

BOOKMARK_SECONDS = 10.0
PRE_TIMEOUT_BOOKMARK = 2.0  # seconds before the deadline
DEFAULT_TIMEOUT = 1800.0  # the apiserver picks 30-60 min when the client sets none


def serve(h: Handler, route: Route, accept: str) -> None:
    api = h.sandbox.api
    rtype = route.rtype
    field_selector = h.query.get("fieldSelector", "")
    if route.name:
        field_selector = ",".join(s for s in (field_selector, f"metadata.name={route.name}") if s)
    match = api.selectors(rtype, h.query.get("labelSelector", ""), field_selector)
    bucket = api.bucket(rtype)
    namespace = route.namespace if rtype.namespaced else None
    timeout = h.int_param("timeoutSeconds")
    deadline = time.monotonic() + (timeout if timeout and timeout > 0 else DEFAULT_TIMEOUT)
    bookmarks = h.flag("allowWatchBookmarks")
    table = _render.wants_table(accept)
    include = h.query.get("includeObject", "Metadata")
    custom = api.registry.is_custom(rtype)
    rv_text = h.query.get("resourceVersion", "")
    first = [True]

    def send(kind: str, entry: Entry) -> None:
        if table:
            obj = _render.table(
                rtype,
                route.version,
                [entry.decode()],
                api.clock.now(),
                include=include,
                custom=custom,
                meta={"resourceVersion": str(entry.rv)},
                api_version=_render.table_api_version(accept),
                with_columns=first[0],
            )
            first[0] = False
            body = orjson.dumps(obj)
        else:
            body = _render.item_bytes(rtype, route.version, entry)
        h.write_chunk(b'{"type":"' + kind.encode() + b'","object":' + body + b"}\n")

    def matches(entry: Entry | None) -> bool:
        return entry is not None and (match is None or match(entry))

    def error(err: SandboxApiError) -> None:
        h.write_chunk(orjson.dumps({"type": "ERROR", "object": err.to_status()}) + b"\n")

    h.start_stream(200, "application/json")
    try:
        if rv_text in ("", "0"):
            with api.store.lock:
                last = api.store.resource_version
                initial = list(api.store.iter_entries(bucket, namespace))
            for entry in initial:
                if matches(entry):
                    send("ADDED", entry)
        else:
            try:
                last = int(rv_text)
            except ValueError:
                error(SandboxApiError(400, "BadRequest", f"invalid resource version: {rv_text!r}"))
                h.end_stream()  # the apiserver closes the stream after an ERROR event
                return
        next_bookmark = _next_bookmark(time.monotonic(), deadline)
        while not h.sandbox.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                changes = api.store.wait(last, timeout=min(1.0, remaining))
            except SandboxApiError as err:
                error(err)
                h.end_stream()
                return
            for change in changes:
                last = change.rv
                if change.bucket != bucket or (namespace is not None and change.key[0] != namespace):
                    continue
                kind = _event_type(change, matches)
                if kind:
                    send(kind, change.entry)
            if bookmarks and time.monotonic() >= next_bookmark:
                mark: dict[str, Any] = {
                    "kind": rtype.kind,
                    "apiVersion": rtype.api_version(route.version),
                    "metadata": {"resourceVersion": str(last)},
                }
                h.write_chunk(orjson.dumps({"type": "BOOKMARK", "object": mark}) + b"\n")
                next_bookmark = _next_bookmark(time.monotonic(), deadline)
            if h.client_closed():
                return
    except ClientGoneError:
        return
    h.end_stream()


def _next_bookmark(now: float, deadline: float) -> float:
    """When the next bookmark is due: periodically, and once ~2 s before the watch times out (as
    the apiserver's cacheWatcher does, so the client resumes from a fresh version); never after."""
    due = min(now + BOOKMARK_SECONDS, deadline - PRE_TIMEOUT_BOOKMARK)
    return due if due >= now else float("inf")


def _event_type(change: Change, matches: Any) -> str:
    if change.type == "DELETED":
        return "DELETED" if matches(change.entry) else ""
    now_matches = matches(change.entry)
    was = change.type == "MODIFIED" and matches(change.prev)
    if now_matches:
        return "MODIFIED" if was else "ADDED"
    return "DELETED" if was else ""

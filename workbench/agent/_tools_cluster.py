"""Read-only tools over one object or namespace: describe, events and logs.

Each takes a `ClusterView` and typed arguments and returns a bounded `ToolOutput`. Events come from
the view's frames (pulled once per chat); ``describe`` and ``logs`` read the object or the log now.
Objects are redacted before they are rendered; Secrets show their key names only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

import orjson
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench.agent._bounds import MAX_CHARS, ToolOutput, bounded, cut, failure
from workbench.agent._context import ClusterView
from workbench.agent._tools_list import LISTABLE, NAME_PATTERN, normalize_kind, out_of_scope
from workbench.errors import ApiStatusError
from workbench.frames.schema import Events
from workbench.redaction import redact_log, redact_object
from workbench.sources import builtin

GREP_LINES = 2000
"""Lines of a log that a grep searches (the newest)."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DescribeArgs(_Args):
    """One object's spec and status (secret-looking values masked) and its recent events."""

    kind: str = Field(description=f"one of: {', '.join(LISTABLE)}")
    name: str = Field(pattern=NAME_PATTERN)
    namespace: str | None = Field(None, pattern=NAME_PATTERN, description="omit for nodes, namespaces, pvs")

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        return normalize_kind(value)


class EventsArgs(_Args):
    """Events, newest first: of a namespace, of one object, or warnings only."""

    namespace: str | None = Field(None, pattern=NAME_PATTERN)
    kind: str | None = Field(
        None, max_length=63, description="the involved object's kind (Pod, Deployment...)"
    )
    name: str | None = Field(None, pattern=NAME_PATTERN, description="the involved object's name")
    type: Literal["Warning", "Normal"] | None = None
    reason: str | None = Field(None, max_length=100, description="BackOff, FailedScheduling, Unhealthy...")
    limit: int = Field(20, ge=1, le=50)


class LogsArgs(_Args):
    """The end of one container's log, optionally only the lines containing a word."""

    namespace: str = Field(pattern=NAME_PATTERN)
    pod: str = Field(pattern=NAME_PATTERN)
    container: str | None = Field(None, pattern=NAME_PATTERN, description="needed when the pod has several")
    previous: bool = Field(False, description="the log of the run before the last restart (a crash)")
    tail: int = Field(50, ge=1, le=500, description="lines to return, from the end")
    grep: str | None = Field(
        None, max_length=200, description="keep lines containing this text (case-insensitive; a|b for either)"
    )


# --- describe -----------------------------------------------------------------------------------

_NOISE = {
    "managedFields", "resourceVersion", "generateName", "selfLink", "terminationMessagePath",
    "terminationMessagePolicy", "dnsPolicy", "schedulerName", "enableServiceLinks", "preemptionPolicy",
    "tolerations", "revisionHistoryLimit", "progressDeadlineSeconds", "imageID", "containerID",
}  # fmt: skip


def describe(view: ClusterView, args: DescribeArgs) -> ToolOutput:
    kind = builtin(args.kind)
    namespace = (args.namespace or "") if kind.namespaced else ""
    if kind.namespaced and not namespace:
        return failure(f"{kind.kind} objects live in namespaces: pass namespace=")
    if problem := out_of_scope(view, namespace):
        return failure(problem)
    obj = _fetch(view, args.kind, namespace, args.name)
    if obj is None:
        return failure(
            f"no {kind.kind} {namespace + '/' if namespace else ''}{args.name}; "
            f"list_resources(kind='{args.kind}'{f', namespace={namespace!r}' if namespace else ''}) "
            "shows what exists"
        )
    if args.kind == "secrets":  # their data is never read; the key names are all the agent may see
        obj = {"kind": "Secret", "type": obj.get("type"), "keys": sorted({**(obj.get("data") or {})})}
    redacted, _ = redact_object(obj)
    meta = redacted.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        meta["annotations"].pop("kubectl.kubernetes.io/last-applied-configuration", None)
    lines = yaml.safe_dump(_prune(redacted), sort_keys=False, width=160, allow_unicode=True).splitlines()
    events = _events_about(view, kind.kind, namespace, args.name)
    if events:
        lines += ["events (newest first):", *events]
    head = f"{kind.kind} {namespace + '/' if namespace else ''}{args.name}"
    return bounded(head, lines, rows=400, hint="ask events(...) for all events, logs(...) for the output")


def _fetch(view: ClusterView, frame: str, namespace: str, name: str) -> dict[str, Any] | None:
    kind = builtin(frame)
    reader = getattr(view.source, "read", None)
    if callable(reader) and frame != "secrets":
        # A live source reads the one object; `read` refuses Secrets, and names carry no slash.
        try:
            found = reader(f"{kind.path(namespace or None)}/{quote(name, safe='')}")
        except ApiStatusError as err:
            if err.code == 404:
                return None
            raise
        return found if isinstance(found, dict) else None
    for page in view.source.list_pages(kind):
        for item in orjson.loads(page).get("items") or []:
            meta = item.get("metadata") or {}
            if meta.get("name") == name and (meta.get("namespace") or "") == namespace:
                return dict(item)
    return None


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items() if k not in _NOISE}
        return {k: v for k, v in out.items() if v not in ({}, [], None, "")}
    if isinstance(value, list):
        items = [_prune(v) for v in value]
        # The service-account token volume is on every pod and says nothing about this one.
        return [
            v
            for v in items
            if not (isinstance(v, dict) and str(v.get("name", "")).startswith("kube-api-access"))
        ]
    return value


def _events_about(view: ClusterView, kind: str, namespace: str, name: str, limit: int = 10) -> list[str]:
    ev = view.frames().events
    mine = ev[
        (ev[Events.OBJECT_KIND] == kind)
        & (ev[Events.OBJECT_NAMESPACE] == namespace)
        & (ev[Events.OBJECT_NAME] == name)
    ]
    mine = mine.sort_values(Events.LAST_SEEN, ascending=False, kind="stable").head(limit)
    return [f"  {_event_line(row)}" for row in mine.to_dict("records")]


def _event_line(row: Mapping[Any, Any]) -> str:
    return (
        f"{cut(row[Events.LAST_SEEN])} {row[Events.TYPE]} {row[Events.REASON]} x{row[Events.COUNT]}: "
        f"{cut(row[Events.MESSAGE])}"
    )


# --- events -------------------------------------------------------------------------------------


def events(view: ClusterView, args: EventsArgs) -> ToolOutput:
    if problem := out_of_scope(view, args.namespace):
        return failure(problem)
    ev = view.frames().events
    keep = pd.Series(True, index=ev.index)
    if view.namespaces is not None:
        keep &= ev[Events.OBJECT_NAMESPACE].isin([*view.namespaces, ""])
    if args.namespace is not None:
        keep &= ev[Events.OBJECT_NAMESPACE] == args.namespace
    if args.kind:
        keep &= ev[Events.OBJECT_KIND].astype("string").str.lower() == args.kind.lower()
    if args.name:
        keep &= ev[Events.OBJECT_NAME] == args.name
    if args.type:
        keep &= ev[Events.TYPE] == args.type
    if args.reason:
        keep &= ev[Events.REASON].astype("string").str.lower() == args.reason.lower()
    found = ev[keep.fillna(False).astype(bool)].sort_values(Events.LAST_SEEN, ascending=False, kind="stable")
    lines = [
        f"{row[Events.OBJECT_KIND]} {row[Events.OBJECT_NAMESPACE]}/{row[Events.OBJECT_NAME]}: "
        + _event_line(row)
        for row in found.head(args.limit).to_dict("records")
    ]
    head = f"{len(found)} events, newest first"
    return bounded(
        head, lines, total=len(found), hint="narrow with namespace=, name=, type='Warning' or reason="
    )


# --- logs ---------------------------------------------------------------------------------------


def logs(view: ClusterView, args: LogsArgs) -> ToolOutput:
    if problem := out_of_scope(view, args.namespace):
        return failure(problem)
    text = view.logs(
        args.namespace,
        args.pod,
        container=args.container,
        previous=args.previous,
        tail=GREP_LINES if args.grep else args.tail,
    )
    # Masked whole before it is split: a key block spans lines, and its body alone looks like nothing.
    lines = redact_log(text).text.splitlines()
    read = len(lines)
    if args.grep:
        words = [w.strip().lower() for w in args.grep.split("|") if w.strip()]
        lines = [line for line in lines if any(w in line.lower() for w in words)]
    total = len(lines)
    run = "previous run" if args.previous else "current run"
    which = f" container {args.container}" if args.container else ""
    head = f"log of {args.namespace}/{args.pod}{which} ({run}): {total} line(s)" + (
        f" matching {args.grep!r} in the last {read}" if args.grep else ""
    )
    if not lines:
        return ToolOutput(
            head + " — empty" + ("; try previous=true for the crashed run" if not args.previous else "")
        )
    # The newest lines matter most: keep the end of the log that fits.
    budget = MAX_CHARS - len(head) - 200
    kept: list[str] = []
    for line in reversed([cut(line, 500) for line in lines[-args.tail :]]):
        if budget - len(line) - 1 < 0:
            break
        kept.append(line)
        budget -= len(line) + 1
    kept.reverse()
    body = [head, *kept]
    # Exactly as many lines as asked for: the log may go further back than what was read.
    more = read >= (GREP_LINES if args.grep else args.tail)
    if len(kept) < total or more:
        body.append(
            f"[truncated: showing the last {len(kept)} lines"
            + (f" of {total}" if len(kept) < total else "; earlier lines may exist")
            + "; change tail= (500 at most), or filter with grep='error|fatal']"
        )
    return ToolOutput("\n".join(body), truncated=len(kept) < total or more)

"""The explorer's detail pane: one object's findings, owner chain, events, log tails and a
``kubectl describe``-like summary, as escaped HTML.

Logs are read through the caller's `LogReader` (the widget never talks to a cluster); a log that
cannot be read shows why, in place of its lines.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Protocol, cast

import pandas as pd

from workbench.frames import Frames
from workbench.frames.schema import Containers, Events, Logs
from workbench.model import Finding, ObjectRef
from workbench.views.widgets._common import badge, error_html, esc, pre, severity_badge, table
from workbench.views.widgets._health import FindingIndex
from workbench.views.widgets._table import KIND_FRAMES

if TYPE_CHECKING:
    from workbench.frames._accessor import K8sAccessor

MAX_EVENTS = 20
"""Events listed per object (the most recent)."""
LOG_TAIL = 50
"""Log lines read per container (and per previous container)."""


class LogReader(Protocol):
    """Reads a pod's container log as a frame of lines (`workbench.frames.schema.Logs`), like
    `workbench.session.Cluster.logs`."""

    def __call__(
        self, pod: ObjectRef, /, *, container: str | None = ..., previous: bool = ..., tail: int | None = ...
    ) -> pd.DataFrame: ...


def detail(
    frames: Frames,
    kind: str,
    label: Hashable,
    index: FindingIndex,
    logs: LogReader | None,
    *,
    tail: int = LOG_TAIL,
) -> tuple[ObjectRef, str]:
    """The object at ``label`` of ``kind``'s frame, and its detail pane's HTML."""
    frame = frames[KIND_FRAMES[kind]]
    k8s = accessor(frame)
    ref = k8s.ref(label)
    key = (ref.kind, ref.namespace, ref.name)
    parts = [f'<div class="wb-detail"><h4>{badge(index.level(key))} {esc(ref)}</h4>']
    parts.append(_findings(index.own(key), index.below(key), has_report=index.report is not None))
    chain = k8s.owner_chain(label)
    if len(chain) > 1:
        parts.append(f"<div><b>Owners:</b> {' ← '.join(esc(r) for r in chain)}</div>")
    parts.append(_events(k8s.events(label)))
    if ref.kind == "Pod":
        parts.append(_logs(frames, ref, logs, tail))
    parts.append(f"<details><summary><b>Describe</b></summary>{pre(_without_events(k8s.describe(label)))}")
    parts.append("</details></div>")
    return ref, "".join(parts)


def accessor(frame: pd.DataFrame) -> K8sAccessor:
    """``frame.k8s``, typed (pandas' stubs cannot know a registered accessor)."""
    return cast("K8sAccessor", frame.k8s)


def _findings(own: list[Finding], below: list[Finding], *, has_report: bool) -> str:
    if not has_report:
        return '<div class="wb-muted">No analysis report: health comes from the object\'s status.</div>'
    if not own and not below:
        return '<div class="wb-muted">No findings about this object.</div>'
    parts = ["<h4>Findings</h4>"] if own else []
    for f in own:
        evidence = "".join(
            f"<li>{esc(e.subject)}{esc(f' ({e.ref})') if e.ref else ''}: <code>{esc(e.value)}</code></li>"
            for e in f.evidence
        )
        parts.append(
            f"<div>{severity_badge(f.severity)} <code>{esc(f.code)}</code> {esc(f.summary)}"
            f"<ul>{evidence}</ul>"
            + (f'<div class="wb-muted">{esc(f.explanation)}</div>' if f.explanation else "")
            + "</div>"
        )
    if below:
        parts.append("<h4>Findings on objects it controls</h4><ul>")
        parts += [f"<li>{severity_badge(f.severity)} {esc(f.ref)}: {esc(f.summary)}</li>" for f in below]
        parts.append("</ul>")
    return "".join(parts)


def _events(events: pd.DataFrame) -> str:
    if not len(events):
        return '<h4>Events</h4><div class="wb-muted">No events about this object.</div>'
    recent = events.tail(MAX_EVENTS)
    rows, classes = [], []
    for ev in recent.to_dict("records"):
        last = ev[Events.LAST_SEEN]
        rows.append(
            [
                esc(ev[Events.TYPE]),
                esc(ev[Events.REASON]),
                esc(ev[Events.COUNT]),
                esc(f"{last:%Y-%m-%d %H:%M:%S}" if not pd.isna(last) else "?"),
                esc(ev[Events.MESSAGE]),
            ]
        )
        classes.append("wb-warn-row" if ev[Events.TYPE] == "Warning" else "")
    more = (
        f' <span class="wb-muted">(the last {MAX_EVENTS} of {len(events)})</span>'
        if len(events) > MAX_EVENTS
        else ""
    )
    return f"<h4>Events{more}</h4>" + table(
        ["TYPE", "REASON", "COUNT", "LAST SEEN", "MESSAGE"], rows, row_classes=classes
    )


def _logs(frames: Frames, ref: ObjectRef, logs: LogReader | None, tail: int) -> str:
    if logs is None:
        return '<h4>Logs</h4><div class="wb-muted">No log reader was given to this explorer.</div>'
    containers = frames.containers
    mine = containers[
        (containers[Containers.NAMESPACE] == ref.namespace) & (containers[Containers.NAME] == ref.name)
    ]
    parts = []
    for c in mine.to_dict("records"):
        name = str(c[Containers.CONTAINER])
        runs = [False]
        if int(_int(c[Containers.RESTARTS])) > 0 or not pd.isna(c[Containers.LAST_REASON]):
            runs.append(True)
        for previous in runs:
            title = f"{'init container' if c[Containers.INIT] else 'container'} {name}" + (
                " (previous run)" if previous else ""
            )
            parts.append(f"<h4>Log: {esc(title)}</h4>")
            try:
                lines = logs(ref, container=name, previous=previous, tail=tail)
            except Exception as exc:  # noqa: BLE001 - any reader error is shown in the pane, not raised
                parts.append(error_html(exc, f"Reading the log of {title}"))
                continue
            text = "\n".join(str(line) for line in lines[Logs.LINE].tolist()) if len(lines) else ""
            parts.append(pre(text) if text else '<div class="wb-muted">(empty log)</div>')
    if not parts:
        return '<h4>Logs</h4><div class="wb-muted">This pod has no containers in the frames.</div>'
    return "".join(parts)


def _int(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def _without_events(text: str) -> str:
    """``describe`` text without its trailing Events section (the pane shows events as a table)."""
    head, sep, tail = text.rpartition("\nEvents:\n")
    if sep and all(line.startswith("  ") for line in tail.splitlines()):
        return head
    return text

"""The offline assistant: deterministic answers from the analyzers and planners when no model is set.

It answers what on-call engineers ask most — "what's wrong (in shop)?", "why is checkout-… failing?",
"how do I fix it?", "what changed?", "show logs of <pod>" — with the root cause's evidence and the
planners' proposals, and says what it can do for anything else. It streams the same events as the
model-backed chat (what it read, the proposals, the answer line by line, the usage), so every front
end renders both alike. It only reads: the question is matched against the names in the frames and
is never run; cluster text in answers is escaped or quoted as code, as data.

This module is the turn (its reads, in order, and the answer's sections); what the question names is
in `_offline_scope`, the Markdown in `_offline_text`.

Example:
    >>> from workbench import sandbox
    >>> from workbench.sources import connect_live
    >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:  # doctest: +SKIP
    ...     sb.advance(600)
    ...     view = ClusterView(connect_live(kubeconfig=sb.kubeconfig))
    ...     answer = [e.text for e in offline_turn("Why is invoice-api failing?", view) if e.type == "final"]
    >>> "pod.crashloop" in answer[0]  # doctest: +SKIP
    True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TypeVar

import pandas as pd

from workbench.agent._context import ClusterView
from workbench.agent._events import (
    ChatEvent,
    Failed,
    Final,
    Notice,
    Proposed,
    Token,
    ToolCall,
    ToolResult,
    Usage,
)
from workbench.agent._offline_scope import (
    Scope,
    container_for,
    intent,
    owners,
    pod_for,
    resolve,
    select,
    wants_write,
)
from workbench.agent._offline_text import (
    MAX_EVIDENCE,
    brief,
    help_lines,
    inventory,
    md_code,
    md_text,
    proposal_detail,
    proposal_line,
    root_lines,
    titles,
    unread,
)
from workbench.analyzers import AnalysisReport
from workbench.errors import WorkbenchError
from workbench.frames import Frames, logs_frame
from workbench.frames.schema import Events, Logs, Pods, ReplicaSets
from workbench.model import ObjectRef, Severity
from workbench.redaction import mask_text
from workbench.remediation.planners import Proposal

__all__ = [
    "LOG_LINES",
    "MAX_EVENTS",
    "MAX_EVIDENCE",
    "MAX_RESULT",
    "MAX_ROOTS",
    "MODEL",
    "NOTICE",
    "NOT_APPLIED",
    "offline_turn",
]

NOTICE = (
    "Offline assistant: no language model is configured (set WORKBENCH_MODEL, e.g. openai:gpt-4o-mini or "
    "ollama:llama3.1, or pass --model); answers come from the analyzers and planners"
)
"""The first event of every offline turn."""
MODEL = "offline"
"""The model name an offline turn's `Usage` reports."""
MAX_ROOTS = 5
"""Root causes an answer explains in full; the rest get one line each."""
MAX_EVENTS = 15
"""Warning events a timeline lists."""
LOG_LINES = 40
"""Log lines an answer shows."""
MAX_RESULT = 4000
"""Characters of a tool result; the rest is cut and the result marked truncated."""
NOT_APPLIED = (
    "Nothing has been applied. A plan changes the cluster only after a server-side dry-run, a diff and a "
    "person's approval (`workbench fix`, or the plan's notebook cell)."
)

_T = TypeVar("_T")
_Reads = Generator[ChatEvent, None, _T]


def offline_turn(question: str, view: ClusterView) -> Iterator[ChatEvent]:
    """Answer ``question`` about the cluster in ``view`` from the analyzers and planners.

    Yields a `Notice` saying the answer is offline, a `ToolCall` and a `ToolResult` for each read,
    a `Proposed` for each plan or investigation relevant to the question, the answer as `Token`
    lines, the whole answer as `Final`, and a zero-token `Usage`. A cluster that cannot be read
    ends the turn with `Failed`, naming the cause, instead.

    Args:
        question: the user's question; matched against the cluster's names, never run.
        view: the cluster to read.
    """
    yield Notice(NOTICE)
    turn = _Turn(view)
    try:
        lines = yield from turn.answer(question)
    except WorkbenchError as exc:
        yield Failed(f"the cluster could not be read: {exc}")
        return
    yield from (Proposed(p) for p in turn.proposals)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines).strip("\n")) + "\n"
    yield from (Token(line) for line in text.splitlines(keepends=True))
    yield Final(text)
    yield Usage(MODEL, 0, 0, 0.0, 0, 0, 0.0)


class _Turn:
    """One question: its reads in order, and the proposals its answer names."""

    def __init__(self, view: ClusterView) -> None:
        self.view = view
        self.calls = 0
        self.proposals: list[Proposal] = []

    def read(
        self, name: str, args: Mapping[str, object], do: Callable[[], _T], show: Callable[[_T], str]
    ) -> _Reads[_T]:
        """Announce a read, do it, and report what it returned (a failed read is reported, then raised)."""
        self.calls += 1
        call_id = f"offline-{self.calls}"
        yield ToolCall(call_id, name, args)
        try:
            value = do()
        except WorkbenchError as exc:
            yield ToolResult(call_id, name, str(exc), error=True)
            raise
        content = show(value)
        yield ToolResult(call_id, name, content[:MAX_RESULT], truncated=len(content) > MAX_RESULT)
        return value

    def answer(self, question: str) -> _Reads[list[str]]:
        limit = {"namespaces": list(self.view.namespaces or ())}
        frames = yield from self.read("list_resources", limit, self.view.frames, inventory)
        scope = resolve(question, frames)
        asked = intent(question)
        lines = []
        if wants_write(question):
            lines += [
                "I only read the cluster and propose plans: I never apply, run or delete anything, whatever "
                "a question or the cluster's own text asks.",
                "",
            ]
        if scope.unknown and not scope.targets and not scope.namespaces:
            body = yield from self.unknown(scope, frames)
        elif asked == "logs":
            body = yield from self.logs(scope, frames)
        elif asked == "timeline":
            args = {"type": "Warning", "namespaces": list(scope.namespaces)}
            body = yield from self.read("events", args, lambda: _timeline(scope, frames), "\n".join)
        elif asked == "help":
            body = help_lines(frames)
        else:
            body = yield from self.diagnose(scope, fix=asked == "fix")
        return [*lines, *body, *unread(frames)]

    def analysis(self) -> _Reads[tuple[AnalysisReport, Frames]]:
        args = {"namespaces": list(self.view.namespaces)} if self.view.namespaces else {}
        return (yield from self.read("run_analysis", args, self.view.analysis, lambda r: r[0].to_text()))

    def diagnose(self, scope: Scope, *, fix: bool) -> _Reads[list[str]]:
        report, frames = yield from self.analysis()
        shown, also = select(report, frames, scope)
        if not shown:
            return _all_clear(report, scope, frames)
        ids = {f.id for node in (*shown, *also) for f in node.findings}
        found = yield from self.read("propose_plan", {"findings": sorted(ids)}, self.view.proposals, titles)
        self.proposals = [p for p in found if ids & set(p.findings)]
        lines = [f"**{len(shown)} root causes** {scope.where()}:", ""] if len(shown) > 1 else []
        for number, node in enumerate(shown[:MAX_ROOTS], 1):
            lines += root_lines(report, node, f" {number} of {len(shown)}" if len(shown) > 1 else "")
            mine = [p for p in self.proposals if {f.id for f in node.findings} & set(p.findings)]
            lines += [line for p in mine for line in (proposal_detail(p) if fix else [proposal_line(p)])]
            lines.append("")
        lines += [f"- also {brief(report, node)}" for node in shown[MAX_ROOTS:]]
        if also:
            lines.append(
                f"Also broken in namespace {', '.join(sorted({n.finding.ref.namespace for n in also}))}:"
            )
            lines += [f"- {brief(report, node)}" for node in also]
            shown_ids = {f.id for node in shown for f in node.findings}
            lines += [f"  {proposal_line(p)}" for p in self.proposals if not shown_ids & set(p.findings)]
            lines.append("")
        return [*lines, NOT_APPLIED] if self.proposals else lines

    def logs(self, scope: Scope, frames: Frames) -> _Reads[list[str]]:
        pod = pod_for(scope, frames)
        if pod is None:
            failing = frames.pods[~frames.pods[Pods.READY].astype(bool)].head(8)
            names = ", ".join(
                f"{ns}/{n}" for ns, n in zip(failing[Pods.NAMESPACE], failing[Pods.NAME], strict=True)
            )
            hint = f" Pods that are not ready: {names}." if names else ""
            return [f'Which pod\'s log? Name one, e.g. "show logs of <pod or deployment>".{hint}']
        container, restarts = container_for(frames, pod)
        previous = restarts > 0
        args: dict[str, object] = {
            "namespace": pod.namespace, "pod": pod.name, "container": container, "previous": previous,
            "tail": LOG_LINES,
        }  # fmt: skip
        try:
            text = yield from self.read(
                "logs",
                args,
                lambda: _log_lines(
                    self.view.logs(
                        pod.namespace, pod.name, container=container, previous=previous, tail=LOG_LINES
                    ),
                    pod,
                ),
                str,
            )
        except WorkbenchError as exc:
            return [f"The log of {md_text(str(pod))} could not be read: {md_text(str(exc))}"]
        body = text or "(the log is empty)"
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", body)), default=0))
        which = "the run before its last restart" if previous else "its current run"
        head = f"The last {LOG_LINES} lines of container {md_code(container or '?')} of {md_text(str(pod))}"
        return [f"{head} ({which}), quoted as data:", "", fence + "text", body, fence]

    def unknown(self, scope: Scope, frames: Frames) -> _Reads[list[str]]:
        names = ", ".join(md_code(n) for n in scope.unknown)
        only = f" (namespaces {', '.join(self.view.namespaces)})" if self.view.namespaces else ""
        lines = [f"I found nothing named {names} in this cluster{only}."]
        if scope.similar:
            lines.append("Did you mean " + " or ".join(md_code(s) for s in scope.similar) + "?")
        report, _ = yield from self.analysis()
        roots = [n for n in report.tree() if report.impact(n.finding) >= Severity.WARNING]
        if roots:
            lines += ["", "What is broken in the cluster right now:"]
            lines += [f"- {brief(report, node)}" for node in roots[:MAX_ROOTS]]
        return [*lines, "", *help_lines(frames)]


# --- answers that read the frames -------------------------------------------------------------------


def _all_clear(report: AnalysisReport, scope: Scope, frames: Frames) -> list[str]:
    hygiene = sum(1 for n in report.tree() if report.impact(n.finding) <= Severity.INFO)
    broken = sum(1 for n in report.tree() if report.impact(n.finding) >= Severity.WARNING)
    notes = f" ({hygiene} hygiene note{'s' if hygiene != 1 else ''} at info level)" if hygiene else ""
    verdict = "Nothing is wrong" if not unread(frames) else "I found no problem in what I could read"
    lines = [f"{verdict} {scope.where()}: the analyzers found no problem at warning or above{notes}."]
    if (scope.targets or scope.namespaces) and broken:
        lines.append(f'Elsewhere {broken} root cause{"s" if broken > 1 else ""} — ask "what\'s wrong?".')
    return lines


def _timeline(scope: Scope, frames: Frames) -> list[str]:
    up, ev, sets = owners(frames), frames.events, frames.replicasets
    columns = (
        ev[Events.OBJECT_KIND],
        ev[Events.OBJECT_NAMESPACE],
        ev[Events.OBJECT_NAME],
        ev[Events.TYPE],
        ev[Events.LAST_SEEN],
    )
    rows = [
        (seen, ObjectRef(str(kind), str(ns), str(name)), i)
        for i, (kind, ns, name, kind_of, seen) in enumerate(zip(*columns, strict=True))
        if kind_of == "Warning" and not pd.isna(seen)
    ]
    rows = sorted((r for r in rows if scope.covers(r[1], up)), key=lambda r: r[0], reverse=True)
    lines = [f"**Recent warning events** {scope.where()}, newest first:", ""]
    if not rows:
        lines = [f"No warning events {scope.where()}: nothing has complained recently.", ""]
    for seen, ref, i in rows[:MAX_EVENTS]:
        count = ev[Events.COUNT].iloc[i]
        times = f" ×{int(count)}" if not pd.isna(count) and int(count) > 1 else ""
        quoted = md_code(mask_text(str(ev[Events.MESSAGE].iloc[i])).text)
        reason = md_code(str(ev[Events.REASON].iloc[i]))
        lines.append(f"- {seen:%Y-%m-%d %H:%M:%S} {md_text(str(ref))} {reason}{times}: {quoted}")
    made = (
        sets[ReplicaSets.CREATED],
        sets[ReplicaSets.NAMESPACE],
        sets[ReplicaSets.NAME],
        sets[ReplicaSets.OWNER_NAME],
    )
    rollouts = sorted(
        (
            (created, f"{ns}/{name}", str(owner))
            for created, ns, name, owner in zip(*made, strict=True)
            if not pd.isna(created) and scope.covers(ObjectRef("ReplicaSet", str(ns), str(name)), up)
        ),
        key=lambda r: r[0],
        reverse=True,
    )
    if rollouts:
        lines += ["", "**Newest ReplicaSets** (each is a Deployment's rollout):", ""]
        lines += [
            f"- {c:%Y-%m-%d %H:%M:%S} ReplicaSet {md_text(n)} of {md_text(o)}" for c, n, o in rollouts[:5]
        ]
    return lines


def _log_lines(text: str, pod: ObjectRef) -> str:
    """The log's lines without the kubelet's timestamps, secret-looking values masked."""
    lines = logs_frame(text, namespace=pod.namespace, pod=pod.name, max_lines=LOG_LINES)[Logs.LINE]
    return mask_text("\n".join(str(line) for line in lines)).text

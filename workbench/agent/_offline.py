"""The offline assistant: deterministic answers from the analyzers and planners when no model is set.

It answers what on-call engineers ask most — "what's wrong (in shop)?", "why is checkout-… failing?",
"how do I fix it?", "what changed?", "show logs of <pod>" — with the root cause's evidence and the
planners' proposals, and says what it can do for anything else. It streams the same events as the
model-backed chat (what it read, the proposals, the answer line by line, the usage), so every front
end renders both alike. It only reads: the question is matched against the names in the frames and
is never run; cluster text in answers is escaped or quoted as code, as data.

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

import difflib
import html
import re
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

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
from workbench.analyzers import AnalysisReport, TreeNode
from workbench.errors import WorkbenchError
from workbench.frames import Frames, logs_frame
from workbench.model import Evidence, Finding, Investigation, ObjectRef, Plan, Severity
from workbench.redaction import mask_text
from workbench.remediation.planners import Proposal

NOTICE = (
    "Offline assistant: no language model is configured (set WORKBENCH_MODEL, e.g. openai:gpt-4o-mini or "
    "ollama:llama3.1, or pass --model); answers come from the analyzers and planners"
)
"""The first event of every offline turn."""
MODEL = "offline"
"""The model name an offline turn's `Usage` reports."""
MAX_ROOTS = 5
"""Root causes an answer explains in full; the rest get one line each."""
MAX_EVIDENCE = 5
"""Evidence lines shown per root cause (the first ones, and the first log line and spec field)."""
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

Intent = Literal["diagnose", "fix", "timeline", "logs", "help"]
Key = tuple[str, str, str]
_T = TypeVar("_T")
_Reads = Generator[ChatEvent, None, _T]

_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("logs", re.compile(r"\blogs?\b")),
    ("fix", re.compile(r"\bfix|\bremediat|\bresolve|\brepair|\bheal|\bapply\b|\bsolve")),
    ("timeline", re.compile(r"\bchanged?\b|\btimeline\b|\bevents?\b|\bwhat happened\b|\bhistory\b")),
    (
        "diagnose",
        re.compile(
            r"why|wrong|fail|broke|crash|\bdown\b|\bnot\b|n't\b|cannot|restart|pending|stuck|error|issue|"
            r"problem|health|status|\bok\b|okay|anything|\b5\d\d|unavailable|slow|ready|endpoint|scal"
        ),
    ),
)
_WRITE_WORDS = re.compile(r"\b(apply|delete|run|execute|exec|kubectl|scale|patch|rm|drain|sudo)\b")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._-]*(?:\*|…|\.\.\.)?")
_SUBJECT = re.compile(  # what "why is X failing?", "logs of X" and "fix X" name
    r"\b(?:why\s+(?:is|are|does|do|did|has|isn't|aren't|doesn't|can't|won't)|logs?\s+(?:of|for|from)|fix)\s+"
    r"(?:the\s+|my\s+|our\s+|pod\s+|deployment\s+)?([a-z0-9][a-z0-9_-]*)"
)
_LAST_PLACE = re.compile(r"\b(?:in|namespace)\s+(?:namespace\s+|the\s+)?([a-z0-9][a-z0-9-]*)\W*$")
_STOP_WORDS = (
    "a about after all an and any anything app apps are as at be been broken but can cannot cluster crash "
    "crashing did do does down error errors everything fail failed failing fails fix for from get getting "
    "happened has have how i in is it its k8s keep keeps kubernetes log logs me my never no node nodes not "
    "now of on or our pending pod pods please problem ready restart restarting running service services "
    "show so something still stuck that the their there this to up us we what whats when where which who "
    "why with wrong you job jobs deployment deployments namespace namespaces why's what's isn't won't "
    "can't doesn't aren't"
)
_STOP = frozenset(_STOP_WORDS.split())
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_NAMED_FRAMES = (
    "pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs", "services",
    "ingresses", "pvcs", "hpas", "networkpolicies", "configmaps", "nodes",
)  # fmt: skip


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


# --- what the question names ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    namespaces: tuple[str, ...] = ()
    targets: tuple[ObjectRef, ...] = ()
    unknown: tuple[str, ...] = ()
    similar: tuple[str, ...] = ()

    def where(self) -> str:
        if self.targets:
            shown = ", ".join(_text(str(t)) for t in self.targets[:3])
            return f"for {shown}" + (f" (+{len(self.targets) - 3} more)" if len(self.targets) > 3 else "")
        return f"in namespace {', '.join(self.namespaces)}" if self.namespaces else "in the cluster"


def _intent(question: str) -> Intent:
    text = question.lower()
    return next((intent for intent, pattern in _INTENTS if pattern.search(text)), "help")


def _resolve(question: str, frames: Frames) -> _Scope:
    """The namespaces and objects the question names (exact names, or prefixes like ``checkout-``)."""
    index: dict[str, list[ObjectRef]] = {}
    spaces = set(frames.namespaces["name"].astype(str))
    for frame in _NAMED_FRAMES:
        df = frames[frame]
        for kind, ns, name in zip(df["kind"], df["namespace"], df["name"], strict=True):
            index.setdefault(str(name), []).append(ObjectRef(str(kind), str(ns), str(name)))
            spaces.add(str(ns))
    spaces.discard("")
    named, found = [], []
    text = question.lower()
    for raw in _TOKEN.findall(text):
        wild = raw.endswith(("*", "…", "...", "-"))
        stem = raw.rstrip("*….-_")
        if len(stem) < 2 or stem in _STOP:
            continue
        if stem in spaces:
            named.append(stem)
        if stem in index:
            found += index[stem]
        elif stem not in spaces and (wild or (len(stem) >= 4 and "-" in stem)):
            prefix = stem + ("-" if not wild or raw.rstrip("*….").endswith("-") else "")
            found += [ref for name, refs in index.items() if name.startswith(prefix) for ref in refs]
    if named:
        found = [r for r in found if not r.namespace or r.namespace in named] or found
    targets = tuple(dict.fromkeys(found))
    known = set(index) | spaces
    candidates = [m.group(1) for m in (*_SUBJECT.finditer(text), *_LAST_PLACE.finditer(text))]
    candidates += [t for t in _TOKEN.findall(text) if "-" in t.strip("-*….") and re.search("[a-z]", t)]
    unknown = tuple(
        dict.fromkeys(
            c.rstrip("*….-")
            for c in candidates
            if c.rstrip("*….-") not in known
            and c.rstrip("*….-") not in _STOP
            and not re.fullmatch(r"v?[\d.]+s?", c)
        )
    )
    similar = tuple(
        dict.fromkeys(m for u in unknown for m in difflib.get_close_matches(u, sorted(known), 3, 0.6))
    )
    return _Scope(tuple(dict.fromkeys(named)), targets, unknown, similar)


def _owners(frames: Frames) -> dict[Key, Key]:
    """Each pod, ReplicaSet and Job's controller (Pod -> ReplicaSet -> Deployment, Job -> CronJob)."""
    up: dict[Key, Key] = {}
    for frame in ("pods", "replicasets", "jobs"):
        df = frames[frame]
        columns = (df["kind"], df["namespace"], df["name"], df["owner_kind"], df["owner_name"])
        for kind, ns, name, owner_kind, owner_name in zip(*columns, strict=True):
            if isinstance(owner_kind, str) and isinstance(owner_name, str):
                up[(str(kind), str(ns), str(name))] = (owner_kind, str(ns), owner_name)
    return up


def _lineage(ref: ObjectRef, up: dict[Key, Key]) -> set[Key]:
    """The object and its controllers, up the chain."""
    key: Key = (ref.kind, ref.namespace, ref.name)
    seen = {key}
    while key in up and up[key] not in seen:
        key = up[key]
        seen.add(key)
    return seen


# --- the turn ---------------------------------------------------------------------------------------


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
        frames = yield from self.read("list_resources", limit, self.view.frames, _inventory)
        scope = _resolve(question, frames)
        intent = _intent(question)
        lines = []
        if _WRITE_WORDS.search(question.lower()):
            lines += [
                "I only read the cluster and propose plans: I never apply, run or delete anything, whatever "
                "a question or the cluster's own text asks.",
                "",
            ]
        if scope.unknown and not scope.targets and not scope.namespaces:
            body = yield from self.unknown(scope, frames)
        elif intent == "logs":
            body = yield from self.logs(scope, frames)
        elif intent == "timeline":
            args = {"type": "Warning", "namespaces": list(scope.namespaces)}
            body = yield from self.read("events", args, lambda: _timeline(scope, frames), "\n".join)
        elif intent == "help":
            body = _help(frames)
        else:
            body = yield from self.diagnose(scope, fix=intent == "fix")
        return [*lines, *body, *_unread(frames)]

    def analysis(self) -> _Reads[tuple[AnalysisReport, Frames]]:
        args = {"namespaces": list(self.view.namespaces)} if self.view.namespaces else {}
        return (yield from self.read("run_analysis", args, self.view.analysis, lambda r: r[0].to_text()))

    def diagnose(self, scope: _Scope, *, fix: bool) -> _Reads[list[str]]:
        report, frames = yield from self.analysis()
        shown, also = _select(report, frames, scope)
        if not shown:
            return _all_clear(report, scope, frames)
        ids = {f.id for node in (*shown, *also) for f in node.findings}
        found = yield from self.read("propose_plan", {"findings": sorted(ids)}, self.view.proposals, _titles)
        self.proposals = [p for p in found if ids & set(p.findings)]
        lines = [f"**{len(shown)} root causes** {scope.where()}:", ""] if len(shown) > 1 else []
        for number, node in enumerate(shown[:MAX_ROOTS], 1):
            lines += _root(report, node, f" {number} of {len(shown)}" if len(shown) > 1 else "")
            mine = [p for p in self.proposals if {f.id for f in node.findings} & set(p.findings)]
            lines += [line for p in mine for line in (_detail(p) if fix else [_line(p)])]
            lines.append("")
        lines += [f"- also {_brief(report, node)}" for node in shown[MAX_ROOTS:]]
        if also:
            lines.append(
                f"Also broken in namespace {', '.join(sorted({n.finding.ref.namespace for n in also}))}:"
            )
            lines += [f"- {_brief(report, node)}" for node in also]
            shown_ids = {f.id for node in shown for f in node.findings}
            lines += [f"  {_line(p)}" for p in self.proposals if not shown_ids & set(p.findings)]
            lines.append("")
        return [*lines, NOT_APPLIED] if self.proposals else lines

    def logs(self, scope: _Scope, frames: Frames) -> _Reads[list[str]]:
        pod = _pod_for(scope, frames)
        if pod is None:
            failing = frames.pods[~frames.pods["ready"].astype(bool)].head(8)
            names = ", ".join(
                f"{ns}/{n}" for ns, n in zip(failing["namespace"], failing["name"], strict=True)
            )
            hint = f" Pods that are not ready: {names}." if names else ""
            return [f'Which pod\'s log? Name one, e.g. "show logs of <pod or deployment>".{hint}']
        container, restarts = _container_for(frames, pod)
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
            return [f"The log of {_text(str(pod))} could not be read: {_text(str(exc))}"]
        body = text or "(the log is empty)"
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", body)), default=0))
        which = "the run before its last restart" if previous else "its current run"
        head = f"The last {LOG_LINES} lines of container {_code(container or '?')} of {_text(str(pod))}"
        return [f"{head} ({which}), quoted as data:", "", fence + "text", body, fence]

    def unknown(self, scope: _Scope, frames: Frames) -> _Reads[list[str]]:
        names = ", ".join(_code(n) for n in scope.unknown)
        only = f" (namespaces {', '.join(self.view.namespaces)})" if self.view.namespaces else ""
        lines = [f"I found nothing named {names} in this cluster{only}."]
        if scope.similar:
            lines.append("Did you mean " + " or ".join(_code(s) for s in scope.similar) + "?")
        report, _ = yield from self.analysis()
        roots = [n for n in report.tree() if report.impact(n.finding) >= Severity.WARNING]
        if roots:
            lines += ["", "What is broken in the cluster right now:"]
            lines += [f"- {_brief(report, node)}" for node in roots[:MAX_ROOTS]]
        return [*lines, "", *_help(frames)]


# --- choosing what to show ------------------------------------------------------------------------------


def _select(report: AnalysisReport, frames: Frames, scope: _Scope) -> tuple[list[TreeNode], list[TreeNode]]:
    """The root causes the question is about, and the other broken roots in their namespaces."""
    nodes = [n for n in report.tree() if report.impact(n.finding) >= Severity.WARNING]
    if not scope.targets and not scope.namespaces:
        return nodes, []
    if scope.targets:
        up, wanted = _owners(frames), {(t.kind, t.namespace, t.name) for t in scope.targets}
        about = [f for f in report.findings if _about(f, wanted, up)]
    else:
        about = [f for f in report.findings if f.ref.namespace in scope.namespaces]
    seen, stack = {f.id for f in about}, list(about)
    roots: set[str] = set()
    while stack:  # from what the question names up the cause links to the root causes
        finding = stack.pop()
        causes = report.causes(finding)
        roots.update(() if causes else (finding.id,))
        stack += [c for c in causes if c.id not in seen]
        seen.update(c.id for c in causes)
    shown = [n for n in nodes if roots & {f.id for f in n.findings}]
    spaces = {f.ref.namespace for n in shown for f in n.findings if f.ref.namespace}
    also = [n for n in nodes if n not in shown and n.finding.ref.namespace in spaces] if scope.targets else []
    return shown, also


def _about(finding: Finding, wanted: set[Key], up: dict[Key, Key]) -> bool:
    if wanted & _lineage(finding.ref, up):
        return True
    refs = (*finding.related, *(e.ref for e in finding.evidence if e.ref is not None))
    return any((r.kind, r.namespace, r.name) in wanted for r in refs)


def _in_scope(scope: _Scope, up: dict[Key, Key], ref: ObjectRef) -> bool:
    if scope.targets:
        return bool({(t.kind, t.namespace, t.name) for t in scope.targets} & _lineage(ref, up))
    return not scope.namespaces or ref.namespace in scope.namespaces


def _pod_for(scope: _Scope, frames: Frames) -> ObjectRef | None:
    """The named pod, or the most troubled pod of a named workload."""
    up = _owners(frames)
    pods = frames.pods
    best: tuple[int, int, ObjectRef] | None = None
    for ns, name, restarts, ready in zip(
        pods["namespace"], pods["name"], pods["restarts"], pods["ready"], strict=True
    ):
        ref = ObjectRef("Pod", str(ns), str(name))
        if scope.targets and _in_scope(scope, up, ref):
            rank = (int(restarts) if not pd.isna(restarts) else 0, 0 if ready else 1, ref)
            best = rank if best is None or rank[:2] > best[:2] else best
    return best[2] if best else None


def _container_for(frames: Frames, pod: ObjectRef) -> tuple[str | None, int]:
    """The pod's app container that restarted most (the first one when none did), and its restarts."""
    df = frames.containers
    rows = df[(df["namespace"] == pod.namespace) & (df["name"] == pod.name) & ~df["init"].astype(bool)]
    if rows.empty:
        return None, 0
    restarts = rows["restarts"].fillna(0).astype(int)
    top = int(restarts.to_numpy().argmax())
    return str(rows["container"].iloc[top]), int(restarts.iloc[top])


# --- answers ------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    """Cluster text as inert Markdown: one line, HTML as entities, Markdown punctuation escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(value.split()), quote=False))


def _code(value: str) -> str:
    """Any text as a one-line code span (a fence longer than any run of backticks inside)."""
    value = " ".join(value.split())
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", value)), default=0))
    pad = " " if value.startswith("`") or value.endswith("`") or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _objects(node: TreeNode) -> str:
    refs = [_text(str(f.ref)) for f in node.findings]
    return ", ".join(refs[:5]) + (f" (+{len(refs) - 5} more)" if len(refs) > 5 else "")


def _root(report: AnalysisReport, node: TreeNode, numbered: str) -> list[str]:
    f = report.masked(node.finding)
    lines = [
        f"**Root cause{numbered}:** {_code(f.code)} ({f.severity}) on {_objects(node)}",
        "",
        _text(f.summary),
    ]
    if f.evidence:
        lines += ["", "Evidence:"]
        lines += [f"- {_code(e.subject)}{_of(e.ref)}: {_code(e.value)}" for e in _key_evidence(f.evidence)]
    if f.explanation:
        lines += ["", f"Why: {_text(f.explanation)}"]
    effects = {e.id: e for member in node.findings for e in report.downstream(member)}
    if effects:
        shown = [f"{e.severity} {_code(e.code)} on {_text(str(e.ref))}" for e in list(effects.values())[:4]]
        more = f" (+{len(effects) - 4} more)" if len(effects) > 4 else ""
        lines += ["", f"It causes: {'; '.join(shown)}{more}"]
    return [*lines, ""]


def _log_lines(text: str, pod: ObjectRef) -> str:
    """The log's lines without the kubelet's timestamps, secret-looking values masked."""
    lines = logs_frame(text, namespace=pod.namespace, pod=pod.name, max_lines=LOG_LINES)["line"]
    return mask_text("\n".join(str(line) for line in lines)).text


def _key_evidence(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The first facts, then the first log line and spec field if they came later (they say why)."""
    picked = list(evidence[: MAX_EVIDENCE - 2])
    for kind in ("log", "spec"):
        picked += [e for e in evidence if e.kind == kind and e not in picked][:1]
    picked += [e for e in evidence if e not in picked][: MAX_EVIDENCE - len(picked)]
    return [e for e in evidence if e in picked]


def _of(ref: ObjectRef | None) -> str:
    return f" ({_text(str(ref))})" if ref is not None else ""


def _brief(report: AnalysisReport, node: TreeNode) -> str:
    f = report.masked(node.finding)
    return f"{_code(f.code)} ({f.severity}) on {_objects(node)}: {_text(f.summary)}"


def _line(proposal: Proposal) -> str:
    if isinstance(proposal, Plan):
        count = len(proposal.steps)
        steps = f"{count} step{'s' if count > 1 else ''}"
        return f"**Plan:** {_text(proposal.title)} ({steps}, proposed for review)."
    return f"**Investigate:** {_text(proposal.title)} (no safe change can be planned from what is known)."


def _detail(proposal: Proposal) -> list[str]:
    if isinstance(proposal, Investigation):
        lines = [f"**Investigate:** {_text(proposal.title)}", ""]
        lines += [f"{n}. {_text(check)}" for n, check in enumerate(proposal.checks, 1)]
        return lines + [f"- {_code(command)}" for command in proposal.commands] + [""]
    lines = [f"**Plan:** {_text(proposal.title)}", ""]
    lines += [f"{n}. {_text(step.title or step.action.value)}" for n, step in enumerate(proposal.steps, 1)]
    lines += ["", "The same change with kubectl (for reading; nothing runs it):"]
    lines += [f"- {_code(command)}" for command in proposal.kubectl()]
    notes = ["", "Notes:", *(f"- {_text(note)}" for note in proposal.notes)] if proposal.notes else []
    return [*lines, *notes, ""]


def _all_clear(report: AnalysisReport, scope: _Scope, frames: Frames) -> list[str]:
    hygiene = sum(1 for n in report.tree() if report.impact(n.finding) <= Severity.INFO)
    broken = sum(1 for n in report.tree() if report.impact(n.finding) >= Severity.WARNING)
    notes = f" ({hygiene} hygiene note{'s' if hygiene != 1 else ''} at info level)" if hygiene else ""
    verdict = "Nothing is wrong" if not _unread(frames) else "I found no problem in what I could read"
    lines = [f"{verdict} {scope.where()}: the analyzers found no problem at warning or above{notes}."]
    if (scope.targets or scope.namespaces) and broken:
        lines.append(f'Elsewhere {broken} root cause{"s" if broken > 1 else ""} — ask "what\'s wrong?".')
    return lines


def _timeline(scope: _Scope, frames: Frames) -> list[str]:
    up, ev, sets = _owners(frames), frames.events, frames.replicasets
    columns = (ev["object_kind"], ev["object_namespace"], ev["object_name"], ev["type"], ev["last_seen"])
    rows = [
        (seen, ObjectRef(str(kind), str(ns), str(name)), i)
        for i, (kind, ns, name, kind_of, seen) in enumerate(zip(*columns, strict=True))
        if kind_of == "Warning" and not pd.isna(seen)
    ]
    rows = sorted((r for r in rows if _in_scope(scope, up, r[1])), key=lambda r: r[0], reverse=True)
    lines = [f"**Recent warning events** {scope.where()}, newest first:", ""]
    if not rows:
        lines = [f"No warning events {scope.where()}: nothing has complained recently.", ""]
    for seen, ref, i in rows[:MAX_EVENTS]:
        count = ev["count"].iloc[i]
        times = f" ×{int(count)}" if not pd.isna(count) and int(count) > 1 else ""
        quoted = _code(mask_text(str(ev["message"].iloc[i])).text)
        reason = _code(str(ev["reason"].iloc[i]))
        lines.append(f"- {seen:%Y-%m-%d %H:%M:%S} {_text(str(ref))} {reason}{times}: {quoted}")
    made = (sets["created"], sets["namespace"], sets["name"], sets["owner_name"])
    rollouts = sorted(
        (
            (created, f"{ns}/{name}", str(owner))
            for created, ns, name, owner in zip(*made, strict=True)
            if not pd.isna(created) and _in_scope(scope, up, ObjectRef("ReplicaSet", str(ns), str(name)))
        ),
        key=lambda r: r[0],
        reverse=True,
    )
    if rollouts:
        lines += ["", "**Newest ReplicaSets** (each is a Deployment's rollout):", ""]
        lines += [f"- {c:%Y-%m-%d %H:%M:%S} ReplicaSet {_text(n)} of {_text(o)}" for c, n, o in rollouts[:5]]
    return lines


def _help(frames: Frames) -> list[str]:
    spaces = sorted(set(frames.namespaces["name"].astype(str)) | set(frames.pods["namespace"].astype(str)))
    return [
        "I am the offline assistant: I answer from the analyzers and the remediation planners; I only read.",
        "Ask me:",
        '- "What\'s wrong?" or "What\'s wrong in <namespace>?": the root causes, their evidence and a plan',
        '- "Why is <pod or deployment> failing?": the chain from that object to its root cause',
        '- "How do I fix it?" or "Fix <name>": the plan\'s steps and kubectl equivalents (never applied)',
        '- "What changed?" or "Timeline": recent warning events and rollouts',
        '- "Show logs of <pod or deployment>": the last lines of its container\'s log',
        f"Namespaces here: {', '.join(_text(s) for s in spaces if s) or '(none)'}.",
        "For free-form questions, configure a model: WORKBENCH_MODEL=openai:gpt-4o-mini (or anthropic:..., "
        "ollama:..., or an OpenAI-compatible endpoint).",
    ]


def _unread(frames: Frames) -> list[str]:
    """A caution naming the kinds that could not be read (a kind the cluster does not serve is fine)."""
    missing = [m for m in frames.missing if m.reason != "absent"]
    if not missing:
        return []
    kinds = ", ".join(f"{m.frame} ({m.reason})" for m in missing)
    return [
        "",
        f"Caution: I could not read {kinds}, so this answer may miss problems there. "
        "Read access to them (e.g. the view ClusterRole) gives a complete answer.",
    ]


def _inventory(frames: Frames) -> str:
    pods = frames.pods
    not_ready = int((~pods["ready"].astype(bool)).sum())
    spaces = sorted(set(pods["namespace"].astype(str)) | set(frames.namespaces["name"].astype(str)))
    counts = ", ".join(f"{len(frames[f])} {f}" for f in ("deployments", "services", "nodes", "events"))
    unread = [f"{m.frame} ({m.reason})" for m in frames.missing if m.reason != "absent"]
    return (
        f"{len(spaces)} namespaces ({', '.join(spaces)}); {len(pods)} pods ({not_ready} not ready); {counts}"
        + (f"; could not read {', '.join(unread)}" if unread else "")
    )


def _titles(proposals: Sequence[Proposal]) -> str:
    if not proposals:
        return "no proposals: nothing at warning or above to fix"
    return "\n".join(f"{'plan' if isinstance(p, Plan) else 'investigation'}: {p.title}" for p in proposals)

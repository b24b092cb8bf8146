"""How a `DryRun` and an `ApplyResult` show in a notebook: text, HTML, and the audit record.

Everything shown comes from a plan (possibly written by an LLM) or from the cluster (server messages,
diffs of objects), so it is treated as data: in HTML every piece passes through `html.escape`, and in
text every character that is not printable (a carriage return, an ANSI escape, a bidi control) is
shown as its backslash escape so a message cannot redraw a terminal. The HTML carries class names
only (``wb-diff-add``, ``wb-denied``...): colours belong to views, not to the model.

Long lists are capped (pods that restart, diff lines, field changes), each with "… and N more".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from workbench.model._cell import short_digest
from workbench.model._results import (
    AUDIT_MIME,
    UNRESTORABLE,
    ApplyResult,
    AuditRecord,
    DryRun,
    StepOutcome,
    StepPreview,
    StepStatus,
)

MAX_PODS = 10
"""Pods listed per step before the rest are counted."""
MAX_DIFF_LINES = 200
"""Diff lines shown per step before the rest are counted."""
MAX_ITEMS = 20
"""Field changes, warnings and rollback commands listed before the rest are counted."""

_T = TypeVar("_T")

# First match wins: a file header starts with "+++"/"---", which would otherwise read as a change.
_DIFF_CLASSES = (
    ("+++", "wb-diff-file"),
    ("---", "wb-diff-file"),
    ("@@", "wb-diff-hunk"),
    ("+", "wb-diff-add"),
    ("-", "wb-diff-del"),
)

_STATUS = {
    StepStatus.APPLIED: "applied",
    StepStatus.FAILED: "FAILED",
    StepStatus.NOT_RUN: "not run",
    StepStatus.UNDONE: "undone (restored after a later step failed)",
}


def dry_run_bundle(dry_run: DryRun) -> dict[str, Any]:
    """The MIME bundle of a dry run: text/plain, text/html and, when it has one, its audit record."""
    return _bundle(dry_run_text(dry_run), _dry_run_html(dry_run), dry_run.audit)


def apply_bundle(result: ApplyResult) -> dict[str, Any]:
    """The MIME bundle of an apply: text/plain, text/html and, when it has one, its audit record."""
    return _bundle(apply_text(result), _apply_html(result), result.audit)


def _bundle(text: str, markup: str, audit: AuditRecord | None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"text/plain": text, "text/html": markup}
    if audit is not None:
        bundle[AUDIT_MIME] = audit.to_dict()
    return bundle


# ---- text ---------------------------------------------------------------------------------------


def dry_run_text(dry_run: DryRun) -> str:
    """A dry run as a plain-text report: per step its RBAC checks, the server's answer, the changes,
    the diff and the pods that restart; then whether the plan can be approved."""
    lines = [
        f"Dry run: {_line(dry_run.plan.title)}",
        "  " + _where(dry_run.digest, dry_run.context, dry_run.user, dry_run.at),
    ]
    lines += _verdict_text(dry_run)
    pods = len(dry_run.blast_radius)
    lines.append(f"Blast radius: {_count(pods, 'pod')} restarted, replaced or evicted")
    for preview in dry_run.steps:
        lines.append("")
        lines += _preview_text(preview, len(dry_run.steps))
    return "\n".join(lines)


def _verdict_text(dry_run: DryRun) -> list[str]:
    if dry_run.ok:
        return ["Verdict: ready to approve"]
    return ["Verdict: cannot be applied:", *(f"  - {_line(problem)}" for problem in dry_run.problems())]


def _preview_text(preview: StepPreview, total: int) -> list[str]:
    lines = [_step_head(preview.index, total, preview) + ("" if preview.ok else "  [blocked]")]
    lines += [f"  RBAC: {_line(str(check))}" for check in preview.access]
    if preview.accepted:
        lines.append("  Server: accepted the dry run")
    else:
        lines += _block("  Server refused: ", preview.message or "(no message)")
    changes, more = _cap(preview.changes, MAX_ITEMS)
    if changes:
        lines.append("  Changes:")
        lines += [f"    {_line(str(change))}" for change in changes] + _more(more, "    ")
    if preview.diff:
        diff, more = _cap(_diff_lines(preview.diff), MAX_DIFF_LINES)
        lines += ["  Diff:", *(f"    {_line(line)}" for line in diff), *_more(more, "    ", "line")]
    pods, more = _cap(preview.restarts, MAX_PODS)
    if pods:
        lines.append(f"  Restarts {_count(len(preview.restarts), 'pod')}:")
        lines += [f"    {_line(str(pod))}" for pod in pods] + _more(more, "    ")
    warnings, more = _cap(preview.warnings, MAX_ITEMS)
    lines += [f"  Warning: {_line(warning)}" for warning in warnings] + _more(more, "  ", "warning")
    return lines


def apply_text(result: ApplyResult) -> str:
    """An apply as a plain-text report: per step its status, the server's message and the
    verification; then how to roll it back."""
    lines = [
        f"Apply: {_line(result.plan.title)}",
        "  " + _where(result.plan.digest, result.context, result.user, result.started),
    ]
    approval = result.approval
    lines.append(
        f"  approved by {_line(approval.approved_by or '(no name)')} at {_time(approval.approved_at)}"
    )
    took = (result.finished - result.started).total_seconds()
    lines.append(f"  finished {_time(result.finished)} ({took:.1f} s)")
    lines.append(f"Result: {_outcome(result)}")
    for outcome in result.steps:
        lines.append("")
        lines += _outcome_text(outcome, len(result.steps))
    lines.append("")
    if result.rollback is None:
        lines.append(f"Roll back: nothing a plan can restore ({UNRESTORABLE}).")
    else:
        lines.append(
            "Roll back: result.rollback_plan().to_cell() gives the cell that undoes this apply "
            f"({_count(len(result.rollback.steps), 'step')}); with kubectl:"
        )
        commands, more = _cap(result.rollback.kubectl(context=result.context or None), MAX_ITEMS)
        lines += [f"  {_line(command)}" for command in commands] + _more(more, "  ", "command")
    return "\n".join(lines)


def _outcome_text(outcome: StepOutcome, total: int) -> list[str]:
    lines = [f"{_step_head(outcome.index, total, outcome)}: {_STATUS[outcome.status]}"]
    if outcome.message:
        lines += _block("  Server: ", outcome.message)
    if outcome.verified is not None or outcome.verification:
        label = {True: "Verified: ", False: "NOT verified: ", None: "Verification: "}[outcome.verified]
        lines += _block("  " + label, outcome.verification or "(no detail)")
    return lines


def _outcome(result: ApplyResult) -> str:
    total = len(result.steps)
    every = ("all " if total > 1 else "") + _count(total, "step")
    if result.verified:
        return f"{every} applied and verified"
    if result.ok:
        failed = [str(o.index + 1) for o in result.steps if o.verified is False]
        if failed:
            return f"applied, but verification failed for step {', '.join(failed)}"
        return f"{every} applied (not all verified)"
    counts = {status: sum(o.status is status for o in result.steps) for status in StepStatus}
    parts = [f"{counts[StepStatus.FAILED]} of {total} failed"]
    parts += [
        f"{counts[s]} {_STATUS[s].split(' (')[0]}"
        for s in (StepStatus.UNDONE, StepStatus.NOT_RUN)
        if counts[s]
    ]
    return "not applied: " + ", ".join(parts)


# ---- HTML ---------------------------------------------------------------------------------------


def _dry_run_html(dry_run: DryRun) -> str:
    state = "wb-ok" if dry_run.ok else "wb-blocked"
    parts = [f'<div class="wb-result wb-dry-run {state}">']
    parts.append(
        _head_html(
            "Dry run", dry_run.plan.title, _where(dry_run.digest, dry_run.context, dry_run.user, dry_run.at)
        )
    )
    if dry_run.ok:
        parts.append('<div class="wb-verdict wb-ok">Ready to approve</div>')
    else:
        problems = "".join(f"<li>{_e(problem)}</li>" for problem in dry_run.problems())
        parts.append(f'<div class="wb-verdict wb-blocked">Cannot be applied:<ul>{problems}</ul></div>')
    pods = len(dry_run.blast_radius)
    parts.append(
        f'<div class="wb-blast">Blast radius: {_count(pods, "pod")} restarted, replaced or evicted</div>'
    )
    parts.append('<ol class="wb-steps">')
    parts += [_preview_html(preview) for preview in dry_run.steps]
    parts.append("</ol></div>")
    return "".join(parts)


def _preview_html(preview: StepPreview) -> str:
    state = "wb-ok" if preview.ok else "wb-blocked"
    parts = [f'<li class="wb-step {state}">', _step_html(preview)]
    if preview.access:
        checks = "".join(
            f'<li class="{"wb-allowed" if check.allowed else "wb-denied"}">{_e(str(check))}</li>'
            for check in preview.access
        )
        parts.append(f'<ul class="wb-access">{checks}</ul>')
    if preview.accepted:
        parts.append('<div class="wb-server wb-ok">Server: accepted the dry run</div>')
    else:
        parts.append(
            f'<div class="wb-server wb-blocked">Server refused: {_e(preview.message or "(no message)")}</div>'
        )
    changes, more = _cap(preview.changes, MAX_ITEMS)
    if changes:
        items = "".join(f"<li>{_e(str(change))}</li>" for change in changes)
        parts.append(f'<ul class="wb-changes">{items}{_more_html(more)}</ul>')
    if preview.diff:
        parts.append(_diff_html(preview.diff))
    pods, more = _cap(preview.restarts, MAX_PODS)
    if pods:
        names = ", ".join(_e(str(pod)) for pod in pods) + (f", … and {more} more" if more else "")
        parts.append(
            f'<div class="wb-restarts">Restarts {_count(len(preview.restarts), "pod")}: {names}</div>'
        )
    warnings, more = _cap(preview.warnings, MAX_ITEMS)
    parts += [f'<div class="wb-warning">Warning: {_e(warning)}</div>' for warning in warnings]
    if more:
        parts.append(f'<div class="wb-warning">… and {more} more</div>')
    parts.append("</li>")
    return "".join(parts)


def _diff_html(diff: str) -> str:
    lines, more = _cap(_diff_lines(diff), MAX_DIFF_LINES)
    rendered = []
    for line in lines:
        kind = next((name for prefix, name in _DIFF_CLASSES if line.startswith(prefix)), "")
        rendered.append(f'<span class="{kind}">{_e(line)}</span>' if kind else _e(line))
    if more:
        rendered.append(f'<span class="wb-more">… and {more} more lines</span>')
    return '<pre class="wb-diff">' + "\n".join(rendered) + "</pre>"


def _apply_html(result: ApplyResult) -> str:
    state = "wb-ok" if result.verified else "wb-partial" if result.ok else "wb-failed"
    parts = [f'<div class="wb-result wb-apply {state}">']
    parts.append(
        _head_html(
            "Apply",
            result.plan.title,
            _where(result.plan.digest, result.context, result.user, result.started),
        )
    )
    took = (result.finished - result.started).total_seconds()
    parts.append(
        f'<div class="wb-approval">Approved by {_e(result.approval.approved_by or "(no name)")} at '
        f"{_e(_time(result.approval.approved_at))}; finished {_e(_time(result.finished))} "
        f"({took:.1f} s)</div>"
    )
    parts.append(f'<div class="wb-verdict {state}">{_e(_sentence(_outcome(result)))}</div>')
    parts.append('<ol class="wb-steps">')
    for outcome in result.steps:
        parts.append(
            f'<li class="wb-step wb-{outcome.status.value}">{_step_html(outcome)} '
            f'<span class="wb-status">{_e(_STATUS[outcome.status])}</span>'
        )
        if outcome.message:
            parts.append(f'<div class="wb-server">Server: {_e(outcome.message)}</div>')
        if outcome.verified is not None or outcome.verification:
            kind = {True: "wb-ok", False: "wb-failed", None: ""}[outcome.verified]
            label = {True: "Verified", False: "NOT verified", None: "Verification"}[outcome.verified]
            parts.append(
                f'<div class="wb-verification {kind}">{label}: '
                f"{_e(outcome.verification or '(no detail)')}</div>"
            )
        parts.append("</li>")
    parts.append("</ol>")
    if result.rollback is None:
        parts.append(
            f'<div class="wb-rollback">Roll back: nothing a plan can restore ({_e(UNRESTORABLE)}).</div>'
        )
    else:
        commands, more = _cap(result.rollback.kubectl(context=result.context or None), MAX_ITEMS)
        listing = "\n".join(_e(command) for command in commands) + (f"\n… and {more} more" if more else "")
        parts.append(
            '<div class="wb-rollback">Roll back: <code>result.rollback_plan().to_cell()</code> gives '
            f'the cell that undoes this apply; with kubectl:<pre class="wb-kubectl">{listing}</pre>'
            "</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def _head_html(event: str, title: str, where: str) -> str:
    return (
        f'<div class="wb-head"><b>{event}:</b> <span class="wb-title">{_e(title)}</span> '
        f'<span class="wb-meta">{_e(where)}</span></div>'
    )


def _step_html(item: StepPreview | StepOutcome) -> str:
    step = item.step
    title = f"<b>{_e(step.title)}</b> " if step.title else ""
    return (
        f'<div class="wb-step-head">{title}<span class="wb-action">{_e(step.action.value)}</span> '
        f"<code>{_e(str(step.target))}</code></div>"
    )


# ---- shared -------------------------------------------------------------------------------------


def _step_head(index: int, total: int, item: StepPreview | StepOutcome) -> str:
    step = item.step
    what = f"{step.action.value} {step.target}"
    title = f"{step.title} ({what})" if step.title else what
    return f"Step {index + 1} of {total}: {_line(title)}"


def _where(digest: str, context: str, user: str, at: datetime) -> str:
    parts = [f"plan {short_digest(digest)}"]
    parts += [f"context {_line(context)}"] if context else []
    parts += [f"user {_line(user)}"] if user else []
    return " · ".join([*parts, _time(at)])


def _time(at: datetime) -> str:
    return at.isoformat(sep=" ", timespec="seconds")


def _line(text: str) -> str:
    """One line of text with every unprintable character (\\r, ESC, \\u2028...) shown escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _block(label: str, text: str) -> list[str]:
    """Multi-line text under a label, its later lines indented to match."""
    first, *rest = text.splitlines() or [""]
    pad = " " * len(label)
    return [label + _line(first), *(pad + _line(line) for line in rest)]


def _diff_lines(diff: str) -> list[str]:
    # Split on "\n" only: str.splitlines would also break at a \u2028 inside a changed value and
    # leave its second half looking like a context line.
    return diff.rstrip("\n").split("\n")


def _cap(items: Sequence[_T], limit: int) -> tuple[Sequence[_T], int]:
    return items[:limit], max(0, len(items) - limit)


def _more(more: int, indent: str, noun: str = "") -> list[str]:
    """The "… and N more" line after a capped list (empty when nothing was left out)."""
    if not more:
        return []
    what = f" {noun}" + ("s" if more != 1 else "") if noun else ""
    return [f"{indent}… and {more} more{what}"]


def _more_html(more: int) -> str:
    return f'<li class="wb-more">… and {more} more</li>' if more else ""


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _e(text: str) -> str:
    return html.escape(text, quote=True)

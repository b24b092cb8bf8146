"""The offline assistant's Markdown: cluster text made inert, root causes, proposals and notes.

Cluster text (names, summaries, messages, commands) is data: it is escaped (`md_text`) or quoted as a
code span (`md_code`) so that nothing in it renders as markup, links or HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from workbench.analyzers import AnalysisReport, TreeNode
from workbench.frames import Frames
from workbench.frames.schema import Namespaces, Pods
from workbench.model import Evidence, Investigation, ObjectRef, Plan
from workbench.remediation.planners import Proposal

MAX_EVIDENCE = 5
"""Evidence lines shown per root cause (the first ones, and the first log line and spec field)."""

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md_text(value: str) -> str:
    """Cluster text as inert Markdown: one line, HTML as entities, Markdown punctuation escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(value.split()), quote=False))


def md_code(value: str) -> str:
    """Any text as a one-line code span (a fence longer than any run of backticks inside)."""
    value = " ".join(value.split())
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", value)), default=0))
    pad = " " if value.startswith("`") or value.endswith("`") or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def md_command(command: str) -> list[str]:
    """A kubectl command as markdown: a code span, or a fenced block for a multi-line one (a heredoc),
    so that it stays pasteable. The fence is longer than any run of backticks inside."""
    if "\n" not in command:
        return [f"- {md_code(command)}"]
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", command)), default=0))
    return [f"{fence}sh", *command.splitlines(), fence]


def root_lines(report: AnalysisReport, node: TreeNode, numbered: str) -> list[str]:
    """A root cause in full: its code, summary, key evidence, explanation and what it causes."""
    f = report.masked(node.finding)
    lines = [
        f"**Root cause{numbered}:** {md_code(f.code)} ({f.severity}) on {_objects(node)}",
        "",
        md_text(f.summary),
    ]
    if f.evidence:
        lines += ["", "Evidence:"]
        lines += [
            f"- {md_code(e.subject)}{_of(e.ref)}: {md_code(e.value)}" for e in _key_evidence(f.evidence)
        ]
    if f.explanation:
        lines += ["", f"Why: {md_text(f.explanation)}"]
    effects = {e.id: e for member in node.findings for e in report.downstream(member)}
    if effects:
        shown = [
            f"{e.severity} {md_code(e.code)} on {md_text(str(e.ref))}" for e in list(effects.values())[:4]
        ]
        more = f" (+{len(effects) - 4} more)" if len(effects) > 4 else ""
        lines += ["", f"It causes: {'; '.join(shown)}{more}"]
    return [*lines, ""]


def brief(report: AnalysisReport, node: TreeNode) -> str:
    """A root cause on one line."""
    f = report.masked(node.finding)
    return f"{md_code(f.code)} ({f.severity}) on {_objects(node)}: {md_text(f.summary)}"


def proposal_line(proposal: Proposal) -> str:
    """A plan or investigation on one line."""
    if isinstance(proposal, Plan):
        count = len(proposal.steps)
        steps = f"{count} step{'s' if count > 1 else ''}"
        needs = (
            f"; it needs from you: {', '.join(i.name for i in proposal.inputs)}" if proposal.inputs else ""
        )
        return f"**Plan:** {md_text(proposal.title)} ({steps}, proposed for review{needs})."
    return f"**Investigate:** {md_text(proposal.title)} (no safe change can be planned from what is known)."


def proposal_detail(proposal: Proposal) -> list[str]:
    """A plan's steps and kubectl equivalents, or an investigation's checks and commands."""
    if isinstance(proposal, Investigation):
        lines = [f"**Investigate:** {md_text(proposal.title)}", ""]
        lines += [f"{n}. {md_text(check)}" for n, check in enumerate(proposal.checks, 1)]
        return lines + [f"- {md_code(command)}" for command in proposal.commands] + [""]
    lines = [f"**Plan:** {md_text(proposal.title)}", ""]
    lines += [f"{n}. {md_text(step.title or step.action.value)}" for n, step in enumerate(proposal.steps, 1)]
    lines += ["", "The same change with kubectl (for reading; nothing runs it):"]
    lines += [line for command in proposal.kubectl() for line in md_command(command)]
    notes = ["", "Notes:", *(f"- {md_text(note)}" for note in proposal.notes)] if proposal.notes else []
    needs = [f"- {md_text(str(item))}" for item in proposal.inputs]
    if needs:
        needs = [
            "",
            "It needs values only you can give (nothing here is guessed); fill them in its cell:",
            *needs,
        ]
    return [*lines, *notes, *needs, ""]


def help_lines(frames: Frames) -> list[str]:
    """What the offline assistant answers, and the namespaces it can be asked about."""
    spaces = sorted(
        set(frames.namespaces[Namespaces.NAME].astype(str)) | set(frames.pods[Pods.NAMESPACE].astype(str))
    )
    return [
        "I am the offline assistant: I answer from the analyzers and the remediation planners; I only read.",
        "Ask me:",
        '- "What\'s wrong?" or "What\'s wrong in <namespace>?": the root causes, their evidence and a plan',
        '- "Why is <pod or deployment> failing?": the chain from that object to its root cause',
        '- "How do I fix it?" or "Fix <name>": the plan\'s steps and kubectl equivalents (never applied)',
        '- "What changed?" or "Timeline": recent warning events and rollouts',
        '- "Show logs of <pod or deployment>": the last lines of its container\'s log',
        f"Namespaces here: {', '.join(md_text(s) for s in spaces if s) or '(none)'}.",
        "For free-form questions, configure a model: WORKBENCH_MODEL=openai:gpt-4o-mini (or anthropic:..., "
        "ollama:..., or an OpenAI-compatible endpoint).",
    ]


def unread(frames: Frames) -> list[str]:
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


def inventory(frames: Frames) -> str:
    """What the first read returned: namespaces, pods (and how many are not ready), other counts."""
    pods = frames.pods
    not_ready = int((~pods[Pods.READY].astype(bool)).sum())
    spaces = sorted(
        set(pods[Pods.NAMESPACE].astype(str)) | set(frames.namespaces[Namespaces.NAME].astype(str))
    )
    counts = ", ".join(f"{len(frames[f])} {f}" for f in ("deployments", "services", "nodes", "events"))
    missing = [f"{m.frame} ({m.reason})" for m in frames.missing if m.reason != "absent"]
    return (
        f"{len(spaces)} namespaces ({', '.join(spaces)}); {len(pods)} pods ({not_ready} not ready); {counts}"
        + (f"; could not read {', '.join(missing)}" if missing else "")
    )


def titles(proposals: Sequence[Proposal]) -> str:
    """What the planners proposed, one title a line."""
    if not proposals:
        return "no proposals: nothing at warning or above to fix"
    return "\n".join(f"{'plan' if isinstance(p, Plan) else 'investigation'}: {p.title}" for p in proposals)


def _objects(node: TreeNode) -> str:
    refs = [md_text(str(f.ref)) for f in node.findings]
    return ", ".join(refs[:5]) + (f" (+{len(refs) - 5} more)" if len(refs) > 5 else "")


def _key_evidence(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The first facts, then the first log line and spec field if they came later (they say why)."""
    picked = list(evidence[: MAX_EVIDENCE - 2])
    for kind in ("log", "spec"):
        picked += [e for e in evidence if e.kind == kind and e not in picked][:1]
    picked += [e for e in evidence if e not in picked][: MAX_EVIDENCE - len(picked)]
    return [e for e in evidence if e in picked]


def _of(ref: ObjectRef | None) -> str:
    return f" ({md_text(str(ref))})" if ref is not None else ""

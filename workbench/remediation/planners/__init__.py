"""Planners: from a finding and the frames to a `Plan` of allow-listed steps, or an `Investigation`.

`propose(finding, frames)` asks the registered planners that handle the finding's code, in
registry order (specific evidence first, generic fallbacks last): the first `Plan` wins; when none
plans, the first `Investigation` says what to look at; a code no planner handles gets a generic
investigation built from the finding's explanation and evidence. Planners are pure: frames in,
data out; nothing here writes to a cluster (`workbench.remediation` applies a plan, after a
dry-run, a diff and an approval).

`proposals(report, frames)` does it for the report's root causes — the symptoms are covered by
their roots — and folds the roots that lead to the same change (two crash-looping pods of one
Deployment: one plan, both finding ids).

Pass the frames the report was computed from; log tails (the bundle's ``logs`` frame) help the
planners that read logs, which also read the log lines the finding quotes as evidence.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> from workbench.analyzers import analyze
    >>> with sandbox.start(scenario="dns-down", manual_clock=True) as sb:  # doctest: +SKIP
    ...     sb.advance(600)
    ...     frames = workbench.connect(kubeconfig=sb.kubeconfig).frames()
    >>> [p.title for p in proposals(analyze(frames), frames)]  # doctest: +SKIP
    ['Scale deployment kube-system/coredns back up']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.model import Finding, Investigation, Plan, Severity
from workbench.remediation.planners._investigate import generic
from workbench.remediation.planners.base import Planner
from workbench.remediation.planners.registry import ENTRY_POINT_GROUP, codes, planners, plugins

Proposal = Plan | Investigation
"""What a planner proposes: a plan to review and apply, or what to investigate instead."""

__all__ = [
    "ENTRY_POINT_GROUP",
    "Investigation",
    "Planner",
    "Proposal",
    "codes",
    "planners",
    "plugins",
    "proposals",
    "propose",
]


def propose(finding: Finding, frames: Frames, *, using: Sequence[Planner] | None = None) -> Proposal:
    """The remediation of ``finding``: a plan from the evidence in ``frames``, else what to check.

    Args:
        finding: a finding of an analysis of ``frames``.
        frames: the bundle the finding was computed from.
        using: the planners to ask, in order; default every registered one (plugins included).

    Returns:
        The first plan a planner for the finding's code builds; else the first investigation one
        returns; else a generic investigation from the finding's explanation and evidence.

    Raises:
        ConfigError: a planner returned something that is neither a Plan, an Investigation nor None
            (the message names the planner).
    """
    found: Investigation | None = None
    for planner in planners() if using is None else using:
        if finding.code not in planner.codes:
            continue
        result = planner.propose(finding, frames)
        if isinstance(result, Plan):
            return result
        if isinstance(result, Investigation):
            found = found or result
        elif result is not None:
            raise ConfigError(
                f"planner {planner.name!r} returned a {type(result).__name__}; a planner returns a Plan, "
                "an Investigation or None"
            )
    return found or generic(finding, frames)


def proposals(
    report: AnalysisReport,
    frames: Frames,
    *,
    at_least: Severity = Severity.WARNING,
    using: Sequence[Planner] | None = None,
) -> list[Proposal]:
    """One proposal for each root cause in ``report`` whose impact is at least ``at_least``.

    Roots come in the report's order (worst impact first, then report order), so the list is the
    same run to run. Roots whose proposals make the same change (the same steps; for
    investigations, the same title and checks) are folded into one proposal naming every root.

    Args:
        report: the analysis of ``frames``.
        frames: the bundle the report was computed from.
        at_least: skip roots whose impact (their own severity and their consequences') is lower;
            hygiene findings (INFO) get no proposal by default.
        using: the planners to ask; default every registered one.

    Returns:
        Plans and investigations, in root order.
    """
    chosen = planners() if using is None else list(using)
    out: list[Proposal] = []
    index: dict[str, int] = {}
    for root in report.roots():
        if report.impact(root) < at_least:
            continue
        proposal = propose(root, frames, using=chosen)
        key = _fold_key(proposal)
        if key in index:
            out[index[key]] = _fold(out[index[key]], proposal)
        else:
            index[key] = len(out)
            out.append(proposal)
    return out


def _fold_key(proposal: Proposal) -> str:
    if isinstance(proposal, Plan):
        steps = [
            (s.action.value, str(s.target), s.target.api_version, dict(s.params)) for s in proposal.steps
        ]
        return "plan:" + json.dumps(steps, sort_keys=True)
    return "investigation:" + json.dumps([proposal.title, list(proposal.checks)])


def _fold(kept: Proposal, other: Proposal) -> Proposal:
    """``kept`` also covering ``other``'s findings (and, for investigations, its commands)."""
    findings = tuple(dict.fromkeys([*kept.findings, *other.findings]))
    if isinstance(kept, Plan):
        return replace(kept, findings=findings)
    assert isinstance(other, Investigation)  # fold keys keep plans and investigations apart
    return replace(kept, findings=findings, commands=tuple(dict.fromkeys([*kept.commands, *other.commands])))

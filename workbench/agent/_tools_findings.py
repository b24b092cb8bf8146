"""Read-only tools over the analysis: root causes, one finding with its chain, and a proposed plan.

Findings are rendered with their sensitive values masked (`AnalysisReport.masked`). ``propose_plan``
returns the planners' `Plan` or `Investigation` as data beside its text; the loop shows it to the user
as a proposal. Nothing here can apply a plan: applying needs the remediation writer, a dry-run and a
person's approval, none of which the agent has.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workbench.agent._bounds import ToolOutput, bounded, cut, failure
from workbench.agent._context import ClusterView
from workbench.analyzers import AnalysisReport
from workbench.model import Finding, Investigation, Plan, Severity
from workbench.remediation.planners import propose

SeverityName = Literal["info", "warning", "error", "critical"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AnalysisArgs(_Args):
    """Run every analyzer: the root causes, worst first, with codes, ids and one-line summaries."""

    namespace: str | None = Field(None, max_length=253, description="only root causes in this namespace")
    min_severity: SeverityName = Field("warning", description="leave out root causes whose impact is lower")


class FindingArgs(_Args):
    """One finding: its evidence, explanation, what causes it (up to the root) and what it causes."""

    finding_id: str = Field(max_length=600, description="a finding id from run_analysis (code:Kind/ns/name)")


class ProposeArgs(_Args):
    """Propose a remediation plan for a finding (for the user to review and approve; never applied)."""

    finding_id: str = Field(max_length=600, description="a finding id from run_analysis")


def find(report: AnalysisReport, finding_id: str) -> Finding | str:
    """The finding with this id, or one whose id ends with or contains it; else why not (a message)."""
    wanted = finding_id.strip()
    try:
        return report[wanted]
    except KeyError:
        pass
    close = [f for f in report.findings if f.id.endswith(wanted) or wanted in f.id]
    if len(close) == 1:
        return close[0]
    ids = [f.id for f in (close or report.roots())][:10]
    if not ids:
        return f"no finding {wanted!r}: the analysis found nothing"
    return f"no finding {wanted!r}; ids look like: {', '.join(ids)}"


def run_analysis(view: ClusterView, args: AnalysisArgs) -> ToolOutput:
    report, _ = view.analysis()
    floor = Severity[args.min_severity.upper()]
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n) or "none"
    head = f"analysis of {report.source}: {len(report)} findings ({counts}); root causes, worst first:"
    lines: list[str] = []
    shown = 0
    for node in report.tree():
        root = report.masked(node.finding)
        if args.namespace and root.ref.namespace != args.namespace:
            continue
        if report.impact(node.finding) < floor:
            continue
        shown += 1
        lines.append(f"{shown}. [{str(root.severity).upper()}] {root.code} {root.ref}: {cut(root.summary)}")
        lines.append(f"   id: {root.id}")
        if len(node.findings) > 1:
            alike = ", ".join(f.ref.name for f in node.findings[1:4])
            more = len(node.findings) - 4
            lines.append(f"   alike: {alike}" + (f" and {more} more" if more > 0 else ""))
        effects = report.downstream(node.finding)
        if effects:
            named = ", ".join(f"{f.code} {f.ref} ({f.severity})" for f in effects[:3])
            lines.append(f"   causes {len(effects)}: {named}" + (" ..." if len(effects) > 3 else ""))
    if not lines:
        lines.append(
            "no root cause at or above "
            + args.min_severity
            + (f" in {args.namespace}" if args.namespace else "")
        )
    lines += [f"analyzer failed: {failure_.analyzer}: {cut(failure_.error)}" for failure_ in report.failures]
    return bounded(head, lines, rows=150, hint="filter with namespace= or min_severity='error'")


def get_finding(view: ClusterView, args: FindingArgs) -> ToolOutput:
    report, _ = view.analysis()
    found = find(report, args.finding_id)
    if isinstance(found, str):
        return failure(found)
    f = report.masked(found)
    lines = [f"severity: {f.severity}; code: {f.code}; object: {f.ref}", f"summary: {cut(f.summary, 500)}"]
    if f.explanation:
        lines.append(f"explanation: {cut(f.explanation, 800)}")
    lines.append("evidence:")
    lines += [f"  - {cut(str(e), 400)}" for e in f.evidence[:15]]
    chain: list[Finding] = []
    cause = report.causes(found)
    while cause and len(chain) < 10 and cause[0] not in chain:
        chain.append(cause[0])
        cause = report.causes(cause[0])
    if chain:
        lines.append("caused by (up to the root): " + " <- ".join(c.id for c in chain))
    else:
        lines.append("root cause: nothing in the analysis causes it")
    effects = report.downstream(found)
    if effects:
        lines.append(
            "causes: " + ", ".join(e.id for e in effects[:10]) + (" ..." if len(effects) > 10 else "")
        )
    if f.planners:
        lines.append(f"planners that can address it: {', '.join(f.planners)} (use propose_plan)")
    if f.docs_url:
        lines.append(f"docs: {f.docs_url}")
    return bounded(
        f"finding {f.id}", lines, rows=80, hint="the evidence was cut; read logs(...) or events(...)"
    )


def propose_plan(view: ClusterView, args: ProposeArgs) -> ToolOutput:
    report, frames = view.analysis()
    found = find(report, args.finding_id)
    if isinstance(found, str):
        return failure(found)
    note = ""
    root = found
    seen = {found.id}
    while (causes := report.causes(root)) and causes[0].id not in seen:
        root = causes[0]
        seen.add(root.id)
    if root is not found:
        note = f"{found.id} is a consequence of {root.id}; this proposal addresses that root cause.\n"
    proposal = next((p for p in view.proposals() if root.id in p.findings), None) or propose(root, frames)
    text = note + render_proposal(proposal)
    return ToolOutput(text, proposals=(proposal,))


def render_proposal(proposal: Plan | Investigation) -> str:
    """A plan or investigation as text for the model (and a person)."""
    if isinstance(proposal, Investigation):
        return str(proposal) + "\n(no safe automatic fix: these checks are for the user to run)"
    lines = [f"Plan: {proposal.title}", f"addresses: {', '.join(proposal.findings) or '-'}", "steps:"]
    for n, step in enumerate(proposal.steps, 1):
        params = json.dumps(dict(step.params), sort_keys=True, ensure_ascii=False)
        lines.append(
            f"  {n}. {step.title or step.action.value}: {step.action.value} {step.target} {cut(params, 400)}"
        )
    lines += [f"note: {cut(n, 400)}" for n in proposal.notes]
    lines += [f"needs from the user: {cut(str(item), 400)}" for item in proposal.inputs]
    commands = proposal.kubectl()
    if commands:
        lines.append("equivalent kubectl (for review; never run by the assistant):")
        lines += [f"  $ {cut(c, 400)}" for c in commands[:10]]
    lines.append(
        "This is only a proposal: the user reviews it, runs a server-side dry-run and approves it in the "
        "notebook. You cannot apply it, and nothing you write can approve it."
    )
    return "\n".join(lines)

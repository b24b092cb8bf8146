"""Domain values to wire messages: findings, plans, dry-runs, an analysis' health, the agent's events."""

from __future__ import annotations

import os
from collections.abc import Iterator

from workbench.agent import ChatEvent, Failed, Final, Notice, Proposed, Token, ToolCall, ToolResult, Usage
from workbench.analyzers import AnalysisReport
from workbench.model import AccessCheck, DryRun, Finding, Investigation, Plan, Severity
from workbench.server._wire import (
    AccessWire,
    EvidenceWire,
    FailedMessage,
    FieldChangeWire,
    FinalMessage,
    FindingMessage,
    FindingWire,
    HealthWire,
    InvestigationMessage,
    NoticeMessage,
    PlanMessage,
    PlanWire,
    SeverityCounts,
    SeverityName,
    StepPreviewWire,
    TokenMessage,
    ToolCallMessage,
    ToolResultMessage,
    UsageMessage,
    Wire,
)
from workbench.server._wire import DryRunMessage as DryRunWire
from workbench.sources import LiveSource

MAX_ROOTS = 5
"""Root causes the status lists (the panel's health badge shows them)."""

_SEVERITY: dict[Severity, SeverityName] = {
    Severity.INFO: "info",
    Severity.WARNING: "warning",
    Severity.ERROR: "error",
    Severity.CRITICAL: "critical",
}


def finding_wire(report: AnalysisReport, finding: Finding) -> FindingWire:
    """A finding for a card, its sensitive values masked."""
    shown = report.masked(finding)
    return FindingWire(
        id=finding.id,
        code=shown.code,
        severity=_SEVERITY[shown.severity],
        ref=str(shown.ref),
        summary=shown.summary,
        explanation=shown.explanation,
        docs_url=shown.docs_url,
        evidence=[EvidenceWire(kind=e.kind, subject=e.subject, value=e.value) for e in shown.evidence],
    )


def health_wire(report: AnalysisReport) -> HealthWire:
    """Counts by severity, the worst, and the first root causes."""
    counts = {_SEVERITY[s]: n for s, n in report.counts().items()}
    return HealthWire(
        counts=SeverityCounts(
            critical=counts.get("critical", 0),
            error=counts.get("error", 0),
            warning=counts.get("warning", 0),
            info=counts.get("info", 0),
        ),
        worst=_SEVERITY[report.worst] if report.worst is not None else None,
        findings=len(report),
        roots=[finding_wire(report, f) for f in report.roots()[:MAX_ROOTS]],
        captured_at=report.captured_at.isoformat() if report.captured_at else "",
        failures=[str(f) for f in report.failures],
    )


def access_wire(check: AccessCheck, purpose: str = "") -> AccessWire:
    """One RBAC answer."""
    return AccessWire(
        verb=check.verb,
        resource=check.resource,
        namespace=check.namespace,
        name=check.name,
        allowed=check.allowed,
        reason=check.reason,
        purpose=purpose,
    )


def plan_message(turn: str, plan: Plan, source: LiveSource) -> PlanMessage:
    """A plan card: the plan, its digest, its notebook cell and kubectl equivalent (never run here)."""
    origin = source.connection.origin
    # The cell names one kubeconfig file; in-cluster config or a $KUBECONFIG list is found by default.
    kubeconfig = origin if origin != "in-cluster" and os.pathsep not in origin else None
    return PlanMessage(
        id=turn,
        plan=PlanWire.model_validate({"inputs": [], **plan.to_dict()}),
        digest=plan.digest,
        cell=plan.to_cell(context=source.name, kubeconfig=kubeconfig),
        kubectl=plan.kubectl(context=source.name),
    )


def dry_run_wire(dry: DryRun) -> DryRunWire:
    """A dry run's diffs, RBAC answers, problems and blast radius."""
    return DryRunWire(
        digest=dry.digest,
        context=dry.context,
        user=dry.user,
        at=dry.at.isoformat(),
        ok=dry.ok,
        problems=dry.problems(),
        blast_radius=[str(ref) for ref in dry.blast_radius],
        steps=[
            StepPreviewWire(
                index=s.index,
                title=s.step.title or s.step.action.value,
                action=s.step.action,
                target=str(s.step.target),
                ok=s.ok,
                accepted=s.accepted,
                message=s.message,
                diff=s.diff,
                changes=[FieldChangeWire(path=c.path, before=c.before, after=c.after) for c in s.changes],
                access=[access_wire(check) for check in s.access],
                restarts=[str(ref) for ref in s.restarts],
                warnings=list(s.warnings),
                problems=s.problems(),
            )
            for s in dry.steps
        ],
    )


def event_messages(
    turn: str, event: ChatEvent, *, source: LiveSource, report: AnalysisReport | None
) -> Iterator[Wire]:
    """The wire messages of one agent event (a proposal brings the cards of the findings it is about)."""
    if isinstance(event, Token):
        yield TokenMessage(id=turn, text=event.text)
    elif isinstance(event, ToolCall):
        yield ToolCallMessage(id=turn, call_id=event.call_id, name=event.name, args=dict(event.args))
    elif isinstance(event, ToolResult):
        yield ToolResultMessage(
            id=turn,
            call_id=event.call_id,
            name=event.name,
            content=event.content,
            truncated=event.truncated,
            error=event.error,
        )
    elif isinstance(event, Proposed):
        proposal = event.proposal
        if report is not None:
            for finding_id in proposal.findings:
                try:
                    finding = report[finding_id]
                except KeyError:
                    continue  # a finding the agent named that this analysis does not have
                yield FindingMessage(
                    id=turn, finding=finding_wire(report, finding), root=report.is_root(finding)
                )
        if isinstance(proposal, Investigation):
            yield InvestigationMessage(
                id=turn,
                title=proposal.title,
                findings=list(proposal.findings),
                checks=list(proposal.checks),
                commands=list(proposal.commands),
            )
        else:
            yield plan_message(turn, proposal, source)
    elif isinstance(event, Notice):
        yield NoticeMessage(id=turn, text=event.text)
    elif isinstance(event, Usage):
        yield UsageMessage(
            id=turn,
            model=event.model,
            input_tokens=event.input_tokens,
            output_tokens=event.output_tokens,
            cost_usd=event.cost_usd,
            session_input_tokens=event.session_input_tokens,
            session_output_tokens=event.session_output_tokens,
            session_cost_usd=event.session_cost_usd,
        )
    elif isinstance(event, Final):
        yield FinalMessage(id=turn, text=event.text)
    elif isinstance(event, Failed):
        yield FailedMessage(id=turn, message=event.message)

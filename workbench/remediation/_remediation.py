"""`Remediation`: a plan bound to a live cluster — dry-run, approve, apply, verify, with an audit trail.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> from workbench.model import Action, ObjectRef, Plan, PlanStep
    >>> web = ObjectRef("Deployment", "storefront", "catalog", api_version="apps/v1")
    >>> step = PlanStep(Action.SCALE, web, {"replicas": 3}, "Run three catalog pods")
    >>> with sandbox.start(scenario="image-pull", manual_clock=True) as sb:
    ...     with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
    ...         fix = cluster.remediation(Plan("Scale catalog", (step,)))
    ...         fix.dry_run().ok
    True
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from workbench.errors import ApplyFailedError, ApprovalError, PlanNotReadyError
from workbench.model import ApplyResult, Approval, AuditRecord, DryRun, Plan, StepStatus
from workbench.model._results import AuditEvent
from workbench.remediation._apply import apply_plan, check_preconditions
from workbench.remediation._audit import AuditLog, local_user
from workbench.remediation._client import Writer
from workbench.remediation._preview import preview, whoami
from workbench.remediation._steps import key
from workbench.remediation._verify import check, settle
from workbench.sources import LiveSource

if TYPE_CHECKING:
    from workbench.views.widgets import PlanReview

DEFAULT_VERIFY_TIMEOUT = 300.0
"""Seconds `apply` waits for rollouts and readiness before reporting what it saw."""


class Remediation:
    """A plan bound to one cluster: the only object whose `apply` writes to it.

    Args:
        plan: the plan.
        source: the live cluster (its kubeconfig context is used for the writes too).
        audit: where records go; default `AuditLog()` (``$WORKBENCH_AUDIT_LOG`` or the XDG state dir).
        sleep: how verification waits between checks (tests pass a recorder).

    Raises:
        PlanNotReadyError: the plan still needs values from a person (`Plan.inputs`: fill them first).
    """

    def __init__(
        self,
        plan: Plan,
        source: LiveSource,
        *,
        audit: AuditLog | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if plan.inputs:
            raise PlanNotReadyError(
                f"plan {plan.title!r} needs values before it can run: "
                + "; ".join(str(item) for item in plan.inputs)
                + ". Give them with plan = plan.fill("
                + ", ".join(f'{item.name}="..."' for item in plan.inputs)
                + ")"
            )
        self.plan = plan
        self._source = source
        self._writer = Writer(source)
        self._audit = audit or AuditLog()
        self._sleep = sleep
        self._dry: DryRun | None = None
        self._baselines: dict[str, dict[str, Any]] = {}
        self._user: str | None = None

    @property
    def digest(self) -> str:
        """The plan's digest (what an approval binds to)."""
        return self.plan.digest

    @property
    def last_dry_run(self) -> DryRun | None:
        """The latest dry-run of this plan, if any."""
        return self._dry

    def to_cell(self) -> str:
        """The notebook cell that rebuilds, dry-runs and (once approved) applies this plan."""
        origin = self._source.connection.origin
        # One kubeconfig file is named in the cell; in-cluster config or a $KUBECONFIG list is not.
        kubeconfig = origin if origin != "in-cluster" and os.pathsep not in origin else None
        return self.plan.to_cell(context=self._writer.context, kubeconfig=kubeconfig)

    def kubectl(self) -> list[str]:
        """The equivalent kubectl commands, for reading (nothing runs them)."""
        return self.plan.kubectl(context=self._writer.context)

    def review(
        self, approver: str = "", *, verify: bool = True, timeout: float = DEFAULT_VERIFY_TIMEOUT
    ) -> PlanReview:
        """A widget to review this plan: its steps and kubectl, then Dry-run → Approve → Apply buttons.

        The widget's buttons call this object's `dry_run`, `approve` and `apply`; its rollback cell
        connects to this same cluster.

        Args:
            approver: the name prefilled in the widget's "Approver" box (empty: the local user).
            verify: whether Apply waits for the change to take effect (see `apply`).
            timeout: seconds Apply waits when verifying.
        """
        from workbench.views.widgets import PlanReview  # noqa: PLC0415 - ipywidgets loads only for the widget

        def rollback_cell(plan: Plan) -> str:
            bound = Remediation(plan, self._source, audit=self._audit)
            try:
                return bound.to_cell()
            finally:
                bound.close()

        return PlanReview(
            self.plan,
            dry_run=self.dry_run,
            apply=lambda approval: self.apply(approval, verify=verify, timeout=timeout),
            approve=lambda name: self.approve(by=name),
            approver=approver,
            kubectl=self.kubectl(),
            cell_for=rollback_cell,
        )

    def dry_run(self) -> DryRun:
        """RBAC checks, a server-side dry run of every step, the diff and the blast radius.

        Nothing changes on the cluster. The result (and its audit record) is kept: `apply` needs it.

        Raises:
            AuditError: the audit log cannot be written.
        """
        dry, baselines = preview(self.plan, self._writer, now=datetime.now(UTC), user=self._whoami())
        steps = [
            {
                "index": s.index,
                "action": s.step.action.value,
                "target": str(s.step.target),
                "ok": s.ok,
                "problems": s.problems(),
                "restarts": len(s.restarts),
            }
            for s in dry.steps
        ]
        record = self._record("dry-run", dry.at, ok=dry.ok, steps=steps)
        self._audit.write(record)
        self._dry, self._baselines = dataclasses.replace(dry, audit=record), baselines
        return self._dry

    def approve(self, *, by: str = "") -> Approval:
        """An approval of exactly this plan's content (default approver: the local user)."""
        return self.plan.approve(by=by or local_user())

    def apply(
        self,
        approval: Approval | None = None,
        *,
        verify: bool = True,
        timeout: float = DEFAULT_VERIFY_TIMEOUT,
    ) -> ApplyResult:
        """Apply the plan, step by step, then verify; refuses without a matching approval.

        Args:
            approval: from `approve` (or the review widget's Approve button), for this exact content.
            verify: wait for rollouts, endpoints and nodes to reflect the change.
            timeout: seconds to wait when verifying.

        Raises:
            ApprovalError: no approval, or one for other content.
            PlanNotReadyError: no dry-run of this plan, or it found problems.
            ConflictError: an object changed since the dry-run; nothing was written.
            AuditError: the audit log cannot be written; nothing was written.
            ApplyFailedError: a step failed; the ones before it were restored (``.result``).
        """
        self._check_approval(approval)
        assert approval is not None  # checked above; for the type checker
        fresh = check_preconditions(self.plan, self._dry, self._baselines, self._writer)
        self._audit.check()
        try:
            result = apply_plan(self.plan, approval, fresh, self._writer, user=self._whoami())
        except ApplyFailedError as exc:
            exc.result = self._audited("apply", exc.result)
            raise
        if verify:
            result = self._verified(result, timeout)
        return self._audited("apply", result)

    def verify(self, result: ApplyResult, *, timeout: float = 0.0) -> ApplyResult:
        """Check (again) that each applied step took effect; a new result with what was seen.

        Args:
            result: what `apply` returned.
            timeout: seconds to keep checking; 0 checks once.
        """
        return self._audited("verify", self._verified(result, timeout))

    def _verified(self, result: ApplyResult, timeout: float) -> ApplyResult:
        deleted = {
            o.index: str(self._baselines.get(key(o.step.target), {}).get("metadata", {}).get("uid", ""))
            for o in result.steps
        }
        checks = {
            o.index: (lambda o=o: check(o.step, self._writer, deleted_uid=deleted[o.index]))
            for o in result.steps
            if o.status is StepStatus.APPLIED
        }
        answers = settle(checks, timeout=timeout, sleep=self._sleep or time.sleep)
        steps = tuple(
            dataclasses.replace(o, verified=answers[o.index][0], verification=answers[o.index][1])
            if o.index in answers
            else o
            for o in result.steps
        )
        return dataclasses.replace(result, steps=steps, finished=datetime.now(UTC))

    def _check_approval(self, approval: Approval | None) -> None:
        if approval is None:
            raise ApprovalError(
                f"apply needs an approval of plan {self.digest[:19]}…: read the dry-run, then "
                "fix.apply(fix.approve(by='your name')) — nothing was applied"
            )
        if not isinstance(approval, Approval):
            raise ApprovalError(f"apply needs an Approval from .approve(), not {type(approval).__name__}")
        if not approval.matches(self.plan):
            raise ApprovalError(
                f"the approval is for plan {approval.digest[:19]}…, but this plan is {self.digest[:19]}…: "
                "the plan changed after it was approved. Dry-run the plan as it is now, read the diff, and "
                "approve that — nothing was applied"
            )

    def _audited(self, event: AuditEvent, result: ApplyResult) -> ApplyResult:
        steps = [
            {
                "index": o.index,
                "action": o.step.action.value,
                "target": str(o.step.target),
                "status": o.status.value,
                "message": o.message,
                "verified": o.verified,
                "verification": o.verification,
            }
            for o in result.steps
        ]
        record = self._record(
            event, result.finished, ok=result.ok, steps=steps, by=result.approval.approved_by
        )
        self._audit.write(record)
        return dataclasses.replace(result, audit=record)

    def _record(
        self, event: AuditEvent, at: datetime, *, ok: bool, steps: list[dict[str, Any]], by: str = ""
    ) -> AuditRecord:
        return AuditRecord(
            event=event,
            at=at,
            context=self._writer.context,
            server=self._writer.server,
            kube_user=self._whoami(),
            local_user=local_user(),
            digest=self.digest,
            plan=self.plan.to_dict(),
            ok=ok,
            steps=tuple(steps),
            approved_by=by,
        )

    def _whoami(self) -> str:
        if self._user is None:
            self._user = whoami(self._writer)
        return self._user

    def __repr__(self) -> str:
        state = (
            "dry-run ok"
            if self._dry and self._dry.ok
            else "dry-run found problems"
            if self._dry
            else "not dry-run"
        )
        return f"<Remediation {self.plan.title!r} {self.digest[:19]}… on {self._writer.context} ({state})>"

    def close(self) -> None:
        """Close the writer's connections."""
        self._writer.close()

"""`PlanReview`: read a plan, dry-run it, approve exactly what was previewed, apply, and get the
rollback cell — each button enabled only when the step before it succeeded.

The widget holds no cluster: ``dry_run`` and ``apply`` are callbacks (`Remediation.review` wires
them to a live cluster). Approve is enabled only after a dry-run that found no problem, and its
`Approval` is bound to the plan's digest; Apply only after that approval. Any callback error is
shown in the widget and kept in ``error``; the buttons then fall back to a safe state (a failed
apply needs a new dry-run and a new approval).

Example:
    >>> fix = cluster.remediation(plan)  # doctest: +SKIP
    >>> review = fix.review(approver="sre@example.com")  # doctest: +SKIP
    >>> review  # shows the steps; click Dry-run, read the diff, Approve, Apply  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import ipywidgets as widgets
import traitlets

from workbench.errors import ApplyFailedError, ApprovalError, ConfigError
from workbench.model import ApplyResult, Approval, DryRun, Plan
from workbench.views.widgets._common import error_html, esc, pre, static_page, style_tag, table, with_fallback

DryRunCallback = Callable[[], DryRun]
"""Previews the plan on the server (``Remediation.dry_run``)."""
ApplyCallback = Callable[[Approval], ApplyResult]
"""Applies the plan under an approval (``Remediation.apply``)."""
ApproveCallback = Callable[[str], Approval]
"""Makes the approval for an approver's name (default: ``plan.approve(by=name)``)."""
CellFor = Callable[[Plan], str]
"""Renders a plan as a notebook cell (default `Plan.to_cell`); used for the rollback cell."""

State = Literal["new", "dry-run-ok", "dry-run-blocked", "approved", "applied"]
"""Where the review is: nothing previewed yet, previewed (fine / with problems), approved, applied."""
STATES: tuple[State, ...] = ("new", "dry-run-ok", "dry-run-blocked", "approved", "applied")


class PlanReview(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """A plan's steps and kubectl equivalents, with Dry-run → Approve → Apply buttons.

    Args:
        plan: the plan to review.
        dry_run: previews the plan on the server and returns the `DryRun`.
        apply: applies the plan under the approval and returns the `ApplyResult`.
        approve: makes the `Approval` for an approver's name (default ``plan.approve(by=name)``).
        approver: the name or e-mail prefilled in the "Approver" box.
        kubectl: the equivalent kubectl commands to show (default ``plan.kubectl()``).
        cell_for: renders the rollback plan's cell (default `Plan.to_cell`).

    Attributes:
        approval: the `Approval` once approved (a traitlet: observe it to react), else None.
        state: ``new``, ``dry-run-ok``, ``dry-run-blocked``, ``approved`` or ``applied`` (a traitlet).
        preview: the last `DryRun`, or None.
        result: the `ApplyResult`, or None.
        rollback_cell: the cell that undoes the apply, or None.
        error: the exception of the last failed action, or None.
        dry_run_button, approve_button, apply_button: the buttons.
    """

    approval = traitlets.Instance(Approval, allow_none=True)
    state = traitlets.Enum(STATES, default_value="new")

    def __init__(
        self,
        plan: Plan,
        *,
        dry_run: DryRunCallback,
        apply: ApplyCallback,
        approve: ApproveCallback | None = None,
        approver: str = "",
        kubectl: Sequence[str] | None = None,
        cell_for: CellFor | None = None,
    ) -> None:
        if not isinstance(plan, Plan):
            raise ConfigError(f"PlanReview needs a Plan, not {type(plan).__name__}")
        if not callable(dry_run) or not callable(apply):
            raise ConfigError("PlanReview needs dry_run and apply callbacks (e.g. fix.dry_run and fix.apply)")
        self.plan = plan
        self._dry_run = dry_run
        self._apply = apply
        self._approve = approve
        self._cell_for = cell_for
        self._kubectl = list(kubectl) if kubectl is not None else plan.kubectl()
        self.preview: DryRun | None = None
        self.result: ApplyResult | None = None
        self.rollback_cell: str | None = None
        self.error: Exception | None = None
        self._busy = False

        self.plan_view = widgets.HTML(self._plan_html())
        self.approver = widgets.Text(
            value=approver, description="Approver", placeholder="your name or e-mail"
        )
        self.dry_run_button = widgets.Button(
            description="Dry-run", icon="search", tooltip="Preview on the server"
        )
        self.approve_button = widgets.Button(
            description="Approve", icon="check", button_style="warning", tooltip="Approve exactly this plan"
        )
        self.apply_button = widgets.Button(
            description="Apply", icon="play", button_style="danger", tooltip="Apply the approved plan"
        )
        for button, name in (
            (self.dry_run_button, "dry-run"),
            (self.approve_button, "approve"),
            (self.apply_button, "apply"),
        ):
            button.add_class(f"wb-{name}-button")
        self.message = widgets.HTML()
        self.preview_view = widgets.HTML()
        self.result_view = widgets.HTML()
        buttons = widgets.HBox([self.dry_run_button, self.approver, self.approve_button, self.apply_button])
        super().__init__(
            children=[
                widgets.HTML(style_tag()),
                self.plan_view,
                buttons,
                self.message,
                self.preview_view,
                self.result_view,
            ]
        )
        self.add_class("wb-widget")
        self.add_class("wb-review")
        self.dry_run_button.on_click(lambda _: self.run_dry_run())
        self.approve_button.on_click(lambda _: self.approve_plan())
        self.apply_button.on_click(lambda _: self.apply_plan())
        self._sync()

    # --- actions (what the buttons do) ---------------------------------------------------------------

    def run_dry_run(self) -> DryRun | None:
        """Preview the plan through ``dry_run``; a new preview withdraws any earlier approval.

        Returns:
            The `DryRun`, or None when the callback failed (the error is shown).
        """
        if self.state == "applied":
            self._fail(ConfigError("this plan is applied; review a new plan to change more"), "Dry-run")
            return None
        self.preview, self.approval, self.error = None, None, None
        self.preview_view.value = ""
        with self._running("Dry-run on the server…"):
            try:
                preview = self._dry_run()
                if not isinstance(preview, DryRun) or preview.digest != self.plan.digest:
                    raise ConfigError("the dry_run callback returned a preview of another plan, not this one")
            except Exception as exc:  # noqa: BLE001 - shown in the widget; nothing is approved
                self.state = "new"
                self._fail(exc, "Dry-run")
                return None
            self.preview = preview
            self.state = "dry-run-ok" if preview.ok else "dry-run-blocked"
        self.preview_view.value = str(preview._repr_mimebundle_()["text/html"])
        self._say(
            "Dry-run OK: read the diff and the blast radius, then approve."
            if preview.ok
            else "The dry-run found problems (below): this plan cannot be approved as it is.",
            ok=preview.ok,
        )
        return preview

    def approve_plan(self) -> Approval | None:
        """Approve exactly this plan (its digest) in the approver's name; needs an OK dry-run.

        Returns:
            The `Approval` (also in ``approval``), or None when it could not be made.
        """
        if self.state != "dry-run-ok" or self.preview is None or not self.preview.ok:
            self._fail(
                ApprovalError("dry-run the plan first; only a dry-run without problems can be approved"),
                "Approve",
            )
            return None
        name = str(self.approver.value).strip()
        with self._running("Approving…"):
            try:
                approval = self._approve(name) if self._approve else self.plan.approve(by=name)
                if not isinstance(approval, Approval) or not approval.matches(self.plan):
                    raise ApprovalError("the approval is not for this plan's digest; nothing was approved")
            except Exception as exc:  # noqa: BLE001 - shown in the widget; nothing is approved
                self._fail(exc, "Approve")
                return None
            self.approval = approval
            self.state = "approved"
        who = approval.approved_by or "(no name)"
        self._say(
            f"Approved by {who} at {approval.approved_at:%Y-%m-%d %H:%M:%S} UTC for digest {approval.digest}."
        )
        return approval

    def apply_plan(self) -> ApplyResult | None:
        """Apply the plan under the approval; show per-step results and the rollback cell.

        A failed apply (nothing written, or steps undone) withdraws the approval: dry-run again.

        Returns:
            The `ApplyResult`, or None when the apply failed (the error is shown).
        """
        approval = self.approval
        if self.state != "approved" or approval is None or not approval.matches(self.plan):
            self._fail(ApprovalError("approve the dry-run plan first; nothing was applied"), "Apply")
            return None
        with self._running("Applying…"):
            try:
                result = self._apply(approval)
            except Exception as exc:  # noqa: BLE001 - shown in the widget with what was undone
                self.approval, self.state = None, "new"
                self._fail(exc, "Apply")
                partial = getattr(exc, "result", None) if isinstance(exc, ApplyFailedError) else None
                if isinstance(partial, ApplyResult):
                    self.result_view.value = str(partial._repr_mimebundle_()["text/html"])
                self._say(
                    "Nothing is applied now. Dry-run again to see the cluster as it is.", ok=False, keep=True
                )
                return None
            self.result, self.state = result, "applied"
        self.result_view.value = str(result._repr_mimebundle_()["text/html"]) + self._rollback_html(result)
        verdict = (
            "Applied and verified."
            if result.verified
            else "Applied; verification did not confirm every step."
        )
        self._say(verdict, ok=result.verified)
        return result

    # --- internals ---------------------------------------------------------------------------------

    def _rollback_html(self, result: ApplyResult) -> str:
        try:
            rollback = result.rollback_plan()
            self.rollback_cell = (self._cell_for or Plan.to_cell)(rollback)
        except Exception as exc:  # noqa: BLE001 - "nothing to restore" and renderer errors are shown
            return (
                error_html(exc, "Rollback cell")
                if not isinstance(exc, ConfigError)
                else (f'<div class="wb-muted">Rollback: {esc(exc)}</div>')
            )
        return f"<h4>Rollback cell</h4>{pre(self.rollback_cell, 'wb-rollback-cell')}"

    @contextmanager
    def _running(self, what: str) -> Iterator[None]:
        self._busy = True
        self._sync()
        self.message.value = f'<div class="wb-muted">{esc(what)}</div>'
        try:
            yield
        finally:
            self._busy = False
            self._sync()

    def _sync(self) -> None:
        """Enable exactly the buttons whose step may run now."""
        approved = self.approval is not None and self.approval.matches(self.plan)
        previewed = self.preview is not None and self.preview.ok
        self.dry_run_button.disabled = self._busy or self.state == "applied"
        self.approve_button.disabled = self._busy or not (self.state == "dry-run-ok" and previewed)
        self.apply_button.disabled = self._busy or not (self.state == "approved" and approved and previewed)
        self.approver.disabled = self._busy or self.state in ("approved", "applied")

    def _say(self, text: str, *, ok: bool = True, keep: bool = False) -> None:
        line = f'<div class="{"wb-ok" if ok else "wb-blocked"}">{esc(text)}</div>'
        self.message.value = (str(self.message.value) + line) if keep else line

    def _fail(self, exc: Exception, doing: str) -> None:
        self.error = exc
        self.message.value = error_html(exc, doing)
        self._sync()

    def _plan_html(self) -> str:
        plan = self.plan
        parts = [
            f"<h4>Plan: {esc(plan.title)}</h4>",
            f'<div class="wb-muted">digest {esc(plan.digest)}</div>',
        ]
        if plan.findings:
            parts.append(f"<div>Addresses: {esc(', '.join(plan.findings))}</div>")
        parts += [f"<div>Note: {esc(note)}</div>" for note in plan.notes]
        parts += [f"<div><b>Needs a value from you:</b> {esc(item)}</div>" for item in plan.inputs]
        rows = [
            [esc(i), esc(step.action.value), esc(step.target), esc(step.title)]
            for i, step in enumerate(plan.steps, 1)
        ]
        parts.append(table(["#", "ACTION", "TARGET", "WHAT"], rows))
        parts.append("<b>The same change with kubectl</b> (for reading; nothing runs it)")
        parts.append(pre("\n".join(self._kubectl), "wb-kubectl"))
        return "".join(parts)

    # --- static fallback ---------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        body = (
            str(self.plan_view.value)
            + f"<div><b>State:</b> {esc(self.state)}</div>"
            + str(self.message.value)
            + str(self.preview_view.value)
            + str(self.result_view.value)
        )
        return static_page("review", body)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        text = f"PlanReview: {self.plan.title} ({self.plan.digest[:19]}…), state {self.state}"
        return with_fallback(super()._repr_mimebundle_(**kwargs), self._repr_html_(), text)

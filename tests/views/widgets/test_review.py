"""`PlanReview` against a real `Remediation` on the service-selector scenario: Approve only after an
OK dry-run, Apply only after approval, errors shown, and the cluster changed only by Apply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import workbench
from tests.remediation.conftest import writes
from workbench import sandbox as sandbox_pkg
from workbench.errors import ConfigError, ConflictError
from workbench.model import Action, ApplyResult, Approval, DryRun, ObjectRef, Plan, PlanStep
from workbench.remediation import AuditLog, Remediation
from workbench.session import Cluster
from workbench.views.widgets import PlanReview
from workbench.views.widgets._common import WIDGET_VIEW_MIME

ORDERS_API = ObjectRef("Service", "orders", "orders-api")


@pytest.fixture
def broken() -> Iterator[sandbox_pkg.Sandbox]:
    """orders/orders-api selects app=order-api; its pods are app=orders-api (a fresh cluster per test)."""
    with sandbox_pkg.start(scenario="service-selector", manual_clock=True) as sb:
        sb.advance(600)
        yield sb


@pytest.fixture
def cluster(broken: sandbox_pkg.Sandbox) -> Iterator[Cluster]:
    with workbench.connect(kubeconfig=broken.kubeconfig) as c:
        yield c


@pytest.fixture
def fix(cluster: Cluster, tmp_path: Path) -> Iterator[Remediation]:
    (plan,) = cluster.proposals()
    assert isinstance(plan, Plan)
    bound = cluster.remediation(plan, audit=AuditLog(tmp_path / "audit.jsonl"))
    yield bound
    bound.close()


def enabled(review: PlanReview) -> tuple[bool, bool, bool]:
    """(Dry-run, Approve, Apply): which buttons can be clicked."""
    buttons = (review.dry_run_button, review.approve_button, review.apply_button)
    return tuple(not b.disabled for b in buttons)  # type: ignore[return-value]  # always three


def test_only_dry_run_is_enabled_at_first(fix: Remediation) -> None:
    review = fix.review(approver="alice")
    assert enabled(review) == (True, False, False)
    assert review.state == "new"
    assert "Fix the selector of service orders/orders-api" in review.plan_view.value
    # The kubectl equivalents are this cluster's (with its context).
    for command in fix.kubectl():
        assert command.replace('"', "&quot;").replace("'", "&#x27;") in review.plan_view.value
    assert "--context workbench-sandbox" in review.plan_view.value


def test_the_whole_review_dry_run_approve_apply(broken: sandbox_pkg.Sandbox, fix: Remediation) -> None:
    review = fix.review(approver="alice", timeout=0)
    approvals: list[Any] = []
    review.observe(lambda change: approvals.append(change["new"]), "approval")
    before = writes(broken)

    review.dry_run_button.click()
    assert isinstance(review.preview, DryRun)
    assert review.preview.ok
    assert enabled(review) == (True, True, False)
    assert '<span class="wb-diff-del">-    app: order-api</span>' in review.preview_view.value
    assert '<span class="wb-diff-add">+    app: orders-api</span>' in review.preview_view.value
    assert "Blast radius" in review.preview_view.value
    assert "update services orders/orders-api: allowed" in review.preview_view.value  # RBAC answers
    assert "Dry-run OK" in review.message.value

    review.approve_button.click()
    assert isinstance(review.approval, Approval)
    assert review.approval.digest == fix.plan.digest == review.plan.digest
    assert review.approval.approved_by == "alice"
    assert approvals == [review.approval]
    assert enabled(review) == (True, False, True)
    assert review.approver.disabled
    assert writes(broken) == before  # nothing written before Apply

    review.apply_button.click()
    assert isinstance(review.result, ApplyResult)
    assert review.result.ok
    assert writes(broken) > before
    assert review.state == "applied"
    assert enabled(review) == (False, False, False)  # applied once: nothing more to click
    assert "applied" in review.result_view.value
    # The rollback cell restores the old selector and connects to the same cluster.
    assert review.rollback_cell is not None
    assert review.rollback_cell == (Remediation(review.result.rollback_plan(), fix._source).to_cell())
    assert '"order-api"' in review.rollback_cell
    assert f'kubeconfig="{broken.kubeconfig}"' in review.rollback_cell
    assert "Rollback cell" in review.result_view.value
    broken.advance(60)
    assert broken.check().passed  # the scenario healed


def test_approve_stays_disabled_after_a_dry_run_with_problems(cluster: Cluster, tmp_path: Path) -> None:
    missing = ObjectRef("Service", "orders", "no-such-service")
    step = PlanStep(Action.SET_SERVICE_SELECTOR, missing, {"selector": {"app": "orders-api"}}, "point it")
    fix = cluster.remediation(
        Plan("Fix a service that is not there", (step,)), audit=AuditLog(tmp_path / "a")
    )
    review = fix.review()
    review.dry_run_button.click()
    assert review.preview is not None
    assert not review.preview.ok
    assert review.state == "dry-run-blocked"
    assert enabled(review) == (True, False, False)
    assert "cannot be approved" in review.message.value
    assert review.approve_plan() is None  # refused even when called directly
    assert review.approval is None
    assert "dry-run the plan first" in review.message.value
    fix.close()


def test_approve_and_apply_refuse_before_their_turn(broken: sandbox_pkg.Sandbox, fix: Remediation) -> None:
    review = fix.review()
    before = writes(broken)
    assert review.apply_plan() is None
    assert "Apply failed: ApprovalError: approve the dry-run plan first" in review.message.value
    assert review.approve_plan() is None
    assert review.approval is None
    assert enabled(review) == (True, False, False)
    assert writes(broken) == before


def test_a_raising_dry_run_is_shown_and_leaves_approve_disabled(fix: Remediation) -> None:
    def boom() -> DryRun:
        raise ConnectionError("the API server hung up")

    review = PlanReview(fix.plan, dry_run=boom, apply=fix.apply)
    review.dry_run_button.click()
    assert "Dry-run failed: ConnectionError: the API server hung up" in review.message.value
    assert isinstance(review.error, ConnectionError)
    assert enabled(review) == (True, False, False)
    assert review.preview is None
    assert review.state == "new"


def test_a_new_dry_run_withdraws_the_approval(fix: Remediation) -> None:
    review = fix.review()
    review.run_dry_run()
    review.approve_plan()
    assert review.approval is not None
    review.run_dry_run()
    assert review.approval is None
    assert enabled(review) == (True, True, False)


def test_a_failing_apply_is_shown_and_needs_a_new_dry_run(
    broken: sandbox_pkg.Sandbox, fix: Remediation
) -> None:
    def conflict(_approval: Approval) -> ApplyResult:
        raise ConflictError(
            "Service orders/orders-api changed since the dry-run; nothing was written",
            ref="Service orders/orders-api",
            expected="1",
            found="2",
        )

    review = PlanReview(fix.plan, dry_run=fix.dry_run, apply=conflict, approver="bob")
    review.run_dry_run()
    review.approve_plan()
    before = writes(broken)
    review.apply_button.click()
    assert "Apply failed: ConflictError: Service orders/orders-api changed since the dry-run" in (
        review.message.value
    )
    assert "Dry-run again" in review.message.value
    assert review.approval is None
    assert review.result is None
    assert review.state == "new"
    assert enabled(review) == (True, False, False)
    assert writes(broken) == before


def test_an_approval_for_another_plan_is_refused(fix: Remediation) -> None:
    other = Plan("Something else", (PlanStep(Action.DELETE_POD, ObjectRef("Pod", "orders", "x"), {}),))
    review = PlanReview(
        fix.plan, dry_run=fix.dry_run, apply=fix.apply, approve=lambda by: other.approve(by=by)
    )
    review.run_dry_run()
    assert review.approve_plan() is None
    assert "ApprovalError: the approval is not for this plan&#x27;s digest" in review.message.value
    assert review.approval is None
    assert enabled(review) == (True, True, False)


def test_a_dry_run_of_another_plan_is_refused(fix: Remediation, cluster: Cluster) -> None:
    other = Plan("Something else", (PlanStep(Action.DELETE_POD, ObjectRef("Pod", "orders", "x"), {}),))
    review = PlanReview(other, dry_run=fix.dry_run, apply=fix.apply)
    review.run_dry_run()
    assert "returned a preview of another plan" in review.message.value
    assert enabled(review) == (True, False, False)


def test_bad_arguments_say_what_to_pass(fix: Remediation) -> None:
    with pytest.raises(ConfigError, match="PlanReview needs a Plan, not str"):
        PlanReview("plan", dry_run=fix.dry_run, apply=fix.apply)  # type: ignore[arg-type]  # under test
    with pytest.raises(ConfigError, match="needs dry_run and apply callbacks"):
        PlanReview(fix.plan, dry_run=None, apply=fix.apply)  # type: ignore[arg-type]  # under test


def test_the_static_fallback_shows_the_diff_and_state(fix: Remediation) -> None:
    review = fix.review()
    review.run_dry_run()
    bundle = review._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == review.model_id
    assert '<span class="wb-diff-add">+    app: orders-api</span>' in bundle["text/html"]
    assert "<b>State:</b> dry-run-ok" in bundle["text/html"]
    assert bundle["text/plain"].startswith(
        "PlanReview: Fix the selector of service orders/orders-api (sha256:"
    )
    assert bundle["text/plain"].endswith("state dry-run-ok")

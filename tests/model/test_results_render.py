"""How dry runs and applies show in a notebook: readable text, escaped HTML, capped lists, audit payload."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from workbench.model import Action, ObjectRef, Plan, PlanStep
from workbench.model._results import (
    AUDIT_MIME,
    AccessCheck,
    ApplyResult,
    AuditRecord,
    DryRun,
    FieldChange,
    StepOutcome,
    StepPreview,
    StepStatus,
)
from workbench.model._results_render import apply_bundle, apply_text, dry_run_bundle, dry_run_text

AT = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
WEB = ObjectRef("Deployment", "shop", "web", api_version="apps/v1")
NODE = ObjectRef("Node", "", "kind-worker")
SCRIPT = "<script>alert('x')</script>"
DIFF = """--- Deployment shop/web (before)
+++ Deployment shop/web (after)
@@ -3,1 +3,1 @@
   containers:
-  - image: nginx:1.27
+  - image: nginx:1.28
"""


def set_image(title: str = "Use nginx 1.28") -> PlanStep:
    return PlanStep(
        Action.SET_IMAGE, WEB, {"container": "web", "image": "nginx:1.28"}, title, "pod.x:Pod/shop/w"
    )


def pods(n: int) -> tuple[ObjectRef, ...]:
    return tuple(ObjectRef("Pod", "shop", f"web-{i:03}") for i in range(n))


def patch_check(allowed: bool = True, reason: str = "") -> AccessCheck:
    return AccessCheck("patch", "deployments.apps", "shop", "web", allowed, reason)


def audit(event: str = "dry-run") -> AuditRecord:
    plan = Plan("Upgrade web", (set_image(),))
    return AuditRecord(
        event="apply" if event == "apply" else "dry-run",
        at=AT,
        context="kind-shop",
        server="https://127.0.0.1:6443",
        kube_user="admin",
        local_user="me",
        digest=plan.digest,
        plan=plan.to_dict(),
        ok=True,
        steps=(
            {"action": "set-image", "target": "Deployment shop/web", "outcome": "accepted", "message": ""},
        ),
        approved_by="sre@example.com" if event == "apply" else "",
    )


def dry_run(*previews: StepPreview, title: str = "Upgrade web", with_audit: bool = False) -> DryRun:
    plan = Plan(title, tuple(p.step for p in previews))
    return DryRun(plan, "kind-shop", "admin", AT, previews, audit() if with_audit else None)


def good_preview(index: int = 0, step: PlanStep | None = None, restarts: int = 3) -> StepPreview:
    return StepPreview(
        index=index,
        step=step or set_image(),
        access=(patch_check(),),
        accepted=True,
        versions={"Deployment shop/web": "1234"},
        diff=DIFF,
        changes=(FieldChange("spec.template.spec.containers[0].image", "nginx:1.27", "nginx:1.28"),),
        restarts=pods(restarts),
        warnings=("spec.template.spec.containers[0].image: use a digest",),
    )


def test_a_dry_run_that_can_be_approved() -> None:
    preview = dry_run(good_preview(), with_audit=True)
    text = dry_run_text(preview)
    assert text.splitlines()[:4] == [
        "Dry run: Upgrade web",
        f"  plan {preview.digest[:15]}… · context kind-shop · user admin · 2026-12-07 10:00:00+00:00",
        "Verdict: ready to approve",
        "Blast radius: 3 pods restarted, replaced or evicted",
    ]
    assert "Step 1 of 1: Use nginx 1.28 (set-image Deployment shop/web)\n" in text
    assert "  RBAC: patch deployments.apps shop/web: allowed\n" in text
    assert "  Server: accepted the dry run\n" in text
    assert "    spec.template.spec.containers[0].image: nginx:1.27 → nginx:1.28\n" in text
    assert "  Diff:\n    --- Deployment shop/web (before)\n" in text
    assert "    -  - image: nginx:1.27\n    +  - image: nginx:1.28\n" in text
    assert "  Restarts 3 pods:\n    Pod shop/web-000\n    Pod shop/web-001\n    Pod shop/web-002\n" in text
    assert text.endswith("  Warning: spec.template.spec.containers[0].image: use a digest")
    assert str(preview) == text

    bundle = dry_run_bundle(preview)
    assert preview._repr_mimebundle_() == bundle
    assert set(bundle) == {"text/plain", "text/html", AUDIT_MIME}
    markup = bundle["text/html"]
    assert '<div class="wb-verdict wb-ok">Ready to approve</div>' in markup
    assert '<li class="wb-allowed">patch deployments.apps shop/web: allowed</li>' in markup
    assert '<span class="wb-diff-del">-  - image: nginx:1.27</span>' in markup
    assert '<span class="wb-diff-add">+  - image: nginx:1.28</span>' in markup
    assert '<span class="wb-diff-file">+++ Deployment shop/web (after)</span>' in markup
    assert '<span class="wb-diff-hunk">@@ -3,1 +3,1 @@</span>' in markup
    assert "\n   containers:\n" in markup  # a context line, unmarked
    assert "Restarts 3 pods: Pod shop/web-000, Pod shop/web-001, Pod shop/web-002" in markup
    assert "style" not in markup  # colours belong to views


def test_a_dry_run_that_cannot_be_applied_says_why() -> None:
    denied = StepPreview(0, set_image(), (patch_check(False, "no RBAC rule"),), accepted=True)
    refused = StepPreview(
        1,
        PlanStep(Action.CORDON, NODE),
        (AccessCheck("patch", "nodes", "", "kind-worker", True),),
        accepted=False,
        message='nodes "kind-worker" not found\nsecond line',
    )
    preview = dry_run(denied, refused)
    text = dry_run_text(preview)
    assert "Verdict: cannot be applied:\n" in text
    assert (
        "  - step 1 (Use nginx 1.28): RBAC: patch deployments.apps shop/web: DENIED (no RBAC rule)\n" in text
    )
    assert (
        '  - step 2 (cordon): the server refused the dry run: nodes "kind-worker" not found\\nsecond line'
        in text
    )
    assert "Step 2 of 2: cordon Node kind-worker  [blocked]\n" in text
    assert '  Server refused: nodes "kind-worker" not found\n                  second line' in text
    assert "Blast radius: 0 pods" in text
    markup = dry_run_bundle(preview)["text/html"]
    assert '<div class="wb-verdict wb-blocked">Cannot be applied:<ul><li>step 1' in markup
    assert '<li class="wb-denied">patch deployments.apps shop/web: DENIED (no RBAC rule)</li>' in markup
    assert "Server refused: nodes &quot;kind-worker&quot; not found" in markup
    assert AUDIT_MIME not in dry_run_bundle(preview)


def test_cluster_and_plan_text_is_escaped_in_html_and_made_printable_in_text() -> None:
    step = set_image(title=SCRIPT)
    preview = StepPreview(
        0,
        step,
        (AccessCheck("patch", SCRIPT, "shop", "web", False, SCRIPT),),
        accepted=False,
        message=f"{SCRIPT}\x1b[2J\rgone",
        diff=f"-{SCRIPT}\n+{SCRIPT}\n",
        changes=(FieldChange(SCRIPT, SCRIPT, None),),
        restarts=(ObjectRef("Pod", "shop", SCRIPT),),
        warnings=(SCRIPT,),
    )
    result = DryRun(Plan(SCRIPT, (step,)), SCRIPT, SCRIPT, AT, (preview,))
    markup = dry_run_bundle(result)["text/html"]
    assert "<script" not in markup
    assert markup.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= 10
    assert f"<code>{SCRIPT}" not in markup
    text = dry_run_text(result)
    assert "\x1b" not in text
    assert "\r" not in text
    assert "\\x1b[2J\\rgone" in text
    assert f"{SCRIPT}: {SCRIPT} → (absent)" in text  # text/plain is not HTML: shown as written


def test_long_lists_are_capped() -> None:
    changes = tuple(FieldChange(f"metadata.labels.l{i}", None, str(i)) for i in range(30))
    diff = "".join(f"+line {i}\n" for i in range(250))
    preview = StepPreview(
        0,
        set_image(),
        (patch_check(),),
        True,
        diff=diff,
        changes=changes,
        restarts=pods(25),
        warnings=("w",) * 23,
    )
    result = dry_run(preview)
    text = dry_run_text(result)
    assert "  Restarts 25 pods:\n" in text
    assert "Pod shop/web-009\n    … and 15 more\n" in text
    assert "web-010" not in text
    assert "+line 199\n    … and 50 more lines\n" in text
    assert "+line 200" not in text
    assert "metadata.labels.l19: (absent) → 19\n    … and 10 more\n" in text
    assert text.count("Warning: w") == 20
    assert text.endswith("  … and 3 more warnings")
    assert "Blast radius: 25 pods" in text  # the count is of every pod, not only those listed

    markup = dry_run_bundle(result)["text/html"]
    assert "Pod shop/web-009, … and 15 more</div>" in markup
    assert '<span class="wb-more">… and 50 more lines</span></pre>' in markup
    assert '<li class="wb-more">… and 10 more</li>' in markup
    assert markup.count('<span class="wb-diff-add">') == 200


def test_the_audit_record_travels_with_the_output_as_json() -> None:
    previewed, applied_record = audit("dry-run"), audit("apply")
    preview = dataclasses.replace(dry_run(good_preview()), audit=previewed)
    for bundle, record in (
        (dry_run_bundle(preview), previewed),
        (apply_bundle(applied(applied_record)), applied_record),
    ):
        payload = bundle[AUDIT_MIME]
        assert payload == record.to_dict()
        assert json.loads(json.dumps(payload)) == payload  # what a saved notebook keeps
        assert AuditRecord.from_dict(payload) == record


def applied(record: AuditRecord | None = None) -> ApplyResult:
    plan = Plan("Upgrade web", (set_image(), PlanStep(Action.CORDON, NODE)))
    rollback = Plan(
        "Roll back: Upgrade web",
        (
            PlanStep(Action.UNCORDON, NODE),
            PlanStep(Action.SET_IMAGE, WEB, {"container": "web", "image": "nginx:1.27"}),
        ),
    )
    return ApplyResult(
        plan=plan,
        approval=plan.approve(by="sre@example.com", at=AT),
        context="kind-shop",
        user="admin",
        started=AT,
        finished=AT + timedelta(seconds=42.5),
        steps=(
            StepOutcome(
                0,
                plan.steps[0],
                StepStatus.APPLIED,
                verified=True,
                verification="rollout complete, 3/3 ready",
            ),
            StepOutcome(
                1, plan.steps[1], StepStatus.APPLIED, verified=True, verification="node unschedulable"
            ),
        ),
        rollback=rollback,
        audit=record,
    )


def test_an_apply_that_went_well() -> None:
    result = applied()
    text = apply_text(result)
    assert str(result) == text
    assert text.splitlines()[:5] == [
        "Apply: Upgrade web",
        f"  plan {result.plan.digest[:15]}… · context kind-shop · user admin · 2026-12-07 10:00:00+00:00",
        "  approved by sre@example.com at 2026-12-07 10:00:00+00:00",
        "  finished 2026-12-07 10:00:42+00:00 (42.5 s)",
        "Result: all 2 steps applied and verified",
    ]
    assert "Step 1 of 2: Use nginx 1.28 (set-image Deployment shop/web): applied\n" in text
    assert "  Verified: rollout complete, 3/3 ready\n" in text
    assert text.endswith(
        "Roll back: result.rollback_plan().to_cell() gives the cell that undoes this apply (2 steps); "
        "with kubectl:\n"
        "  kubectl --context kind-shop uncordon kind-worker\n"
        "  kubectl --context kind-shop -n shop set image deployment/web web=nginx:1.27"
    )
    bundle = apply_bundle(result)
    assert set(bundle) == {"text/plain", "text/html"}
    markup = bundle["text/html"]
    assert '<div class="wb-verdict wb-ok">All 2 steps applied and verified</div>' in markup
    assert '<div class="wb-verification wb-ok">Verified: rollout complete, 3/3 ready</div>' in markup
    assert "<code>result.rollback_plan().to_cell()</code>" in markup
    assert '<pre class="wb-kubectl">kubectl --context kind-shop uncordon kind-worker\n' in markup


def test_an_apply_that_failed_part_way() -> None:
    plan = Plan("Three steps", (set_image(), PlanStep(Action.CORDON, NODE), PlanStep(Action.UNCORDON, NODE)))
    result = ApplyResult(
        plan=plan,
        approval=plan.approve(by="", at=AT),
        context="",
        user="",
        started=AT,
        finished=AT,
        steps=(
            StepOutcome(0, plan.steps[0], StepStatus.UNDONE, "restored image nginx:1.27"),
            StepOutcome(1, plan.steps[1], StepStatus.FAILED, f"conflict: {SCRIPT}", verified=False),
            StepOutcome(2, plan.steps[2], StepStatus.NOT_RUN),
        ),
    )
    text = apply_text(result)
    assert "Result: not applied: 1 of 3 failed, 1 undone, 1 not run\n" in text
    assert "  approved by (no name) at" in text
    assert f"plan {plan.digest[:15]}… · 2026-12-07" in text  # no context, no user
    assert (
        "shop/web): undone (restored after a later step failed)\n  Server: restored image nginx:1.27\n"
        in text
    )
    assert f"Step 2 of 3: cordon Node kind-worker: FAILED\n  Server: conflict: {SCRIPT}\n" in text
    assert "  NOT verified: (no detail)\n" in text
    assert "Step 3 of 3: uncordon Node kind-worker: not run\n" in text
    assert text.endswith(
        "Roll back: nothing a plan can restore (deleted or evicted pods come back through their controllers; "
        "a recreated Job cannot be put back (its old manifest is in the step's result and the audit record))."
    )
    markup = apply_bundle(result)["text/html"]
    assert "<script" not in markup
    assert '<li class="wb-step wb-failed">' in markup
    assert '<div class="wb-verdict wb-failed">Not applied: 1 of 3 failed, 1 undone, 1 not run</div>' in markup


@pytest.mark.parametrize(
    ("verified", "expected"),
    [
        ((True, None), "all 2 steps applied (not all verified)"),
        ((True, False), "applied, but verification failed for step 2"),
    ],
)
def test_an_apply_without_full_verification_says_so(verified: tuple[bool | None, ...], expected: str) -> None:
    result = applied()
    steps = tuple(
        StepOutcome(o.index, o.step, o.status, verified=v)
        for o, v in zip(result.steps, verified, strict=True)
    )
    partial = ApplyResult(
        result.plan, result.approval, result.context, result.user, result.started, result.finished, steps
    )
    assert f"Result: {expected}\n" in apply_text(partial)
    assert re.search(r'<div class="wb-verdict wb-partial">[^<]+</div>', apply_bundle(partial)["text/html"])

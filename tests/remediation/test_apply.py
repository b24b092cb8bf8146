"""Apply writes only an approved, dry-run plan; refuses everything else; undoes a half-done apply."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import workbench
from tests.conftest import Kubectl
from tests.remediation.conftest import BAD_IMAGE, CATALOG, GOOD_IMAGE, image_plan, set_image, writes
from workbench import sandbox as sandbox_pkg
from workbench.errors import (
    ApplyFailedError,
    ApprovalError,
    AuditError,
    ConflictError,
    PlanNotReadyError,
    StepRejectedError,
)
from workbench.model import AUDIT_MIME, Action, Approval, Plan, PlanStep, StepStatus
from workbench.remediation import AuditLog, Remediation
from workbench.remediation._client import Writer
from workbench.session import Cluster


def template(kubectl: Kubectl) -> dict[str, object]:
    doc = json.loads(kubectl("-n", "storefront", "get", "deployment", "catalog", "-o", "json").stdout)
    return doc["spec"]["template"]  # type: ignore[no-any-return]


def test_an_approved_plan_heals_and_its_rollback_restores_the_spec(
    image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation], kubectl: Kubectl, audit: AuditLog
) -> None:
    original = template(kubectl)
    fix = bind(image_plan())
    assert fix.dry_run().ok
    result = fix.apply(fix.approve(by="sre@example.com"), verify=False)
    assert result.ok
    assert [o.status for o in result.steps] == [StepStatus.APPLIED]
    assert template(kubectl)["spec"]["containers"][0]["image"] == GOOD_IMAGE  # type: ignore[index]

    image_pull.advance(300)
    verified = fix.verify(result)
    assert verified.verified, [o.verification for o in verified.steps]
    assert verified.steps[0].verification == "2 of 2 updated, 2 available, 2 in all"
    assert image_pull.check().passed, str(image_pull.check())

    records = audit.records()
    assert [r.event for r in records] == ["dry-run", "apply", "verify"]
    assert records[1].approved_by == "sre@example.com"
    assert result._repr_mimebundle_()[AUDIT_MIME]["event"] == "apply"

    undo = bind(result.rollback_plan())
    assert undo.dry_run().ok
    undo.apply(undo.approve(by="sre@example.com"), verify=False)
    assert template(kubectl) == original


def test_no_approval_no_write(image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation]) -> None:
    fix = bind(image_plan())
    fix.dry_run()
    before = writes(image_pull)
    with pytest.raises(ApprovalError, match="apply needs an approval"):
        fix.apply()
    with pytest.raises(ApprovalError, match="not str"):
        fix.apply("yes")  # type: ignore[arg-type]
    assert writes(image_pull) == before


def test_an_approval_of_other_content_is_refused(
    image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation]
) -> None:
    approved = bind(image_plan())
    approval = approved.approve(by="sre")
    # The plan is edited after approval (another image); its dry-run is fine, the approval is not.
    edited = bind(image_plan("registry.shop.example/catalog:2.14.0"))
    edited.dry_run()
    before = writes(image_pull)
    with pytest.raises(ApprovalError, match="the plan changed after it was approved"):
        edited.apply(approval)
    with pytest.raises(ApprovalError):
        edited.apply(Approval("sha256:" + "0" * 64, "sre", approval.approved_at))
    assert writes(image_pull) == before


def test_apply_needs_a_dry_run_that_passed(
    image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation]
) -> None:
    fix = bind(image_plan())
    before = writes(image_pull)
    with pytest.raises(PlanNotReadyError, match=r"has not been dry-run.*run \.dry_run\(\)"):
        fix.apply(fix.approve())
    broken = bind(Plan("wrong container", (set_image(container="web"),)))
    broken.dry_run()
    with pytest.raises(PlanNotReadyError, match=r"the dry-run found problems.*has no container 'web'"):
        broken.apply(broken.approve())
    assert writes(image_pull) == before


def test_a_change_between_dry_run_and_apply_stops_everything(
    image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation], kubectl: Kubectl
) -> None:
    fix = bind(image_plan())
    fix.dry_run()
    kubectl("-n", "storefront", "scale", "deployment", "catalog", "--replicas=3")  # someone else acts
    before = writes(image_pull)
    with pytest.raises(
        ConflictError, match=r"Deployment storefront/catalog changed since the dry-run"
    ) as err:
        fix.apply(fix.approve())
    assert err.value.expected != err.value.found
    assert writes(image_pull) == before
    assert template(kubectl)["spec"]["containers"][0]["image"] == BAD_IMAGE  # type: ignore[index]


def test_a_status_only_change_is_not_a_conflict(
    bind: Callable[[Plan], Remediation], kubectl: Kubectl
) -> None:
    fix = bind(image_plan())
    fix.dry_run()
    kubectl(
        "-n",
        "storefront",
        "patch",
        "deployment",
        "catalog",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"observedGeneration":1}}',
    )
    assert fix.apply(fix.approve(), verify=False).ok


def test_the_same_approval_cannot_apply_twice(bind: Callable[[Plan], Remediation]) -> None:
    fix = bind(image_plan())
    fix.dry_run()
    approval = fix.approve()
    assert fix.apply(approval, verify=False).ok
    with pytest.raises(ConflictError, match="changed since the dry-run"):
        fix.apply(approval, verify=False)


def test_no_apply_without_its_audit_record(
    image_pull: sandbox_pkg.Sandbox, cluster: Cluster, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    fix = cluster.remediation(image_plan(), audit=AuditLog(blocker / "audit.jsonl"))
    with pytest.raises(AuditError, match="cannot be written"):
        fix.dry_run()
    before = writes(image_pull)
    with pytest.raises((AuditError, PlanNotReadyError)):
        fix.apply(fix.approve())
    assert writes(image_pull) == before


def test_a_failing_step_undoes_the_steps_before_it(
    bind: Callable[[Plan], Remediation], kubectl: Kubectl, monkeypatch: pytest.MonkeyPatch, audit: AuditLog
) -> None:
    original = template(kubectl)
    scale = PlanStep(Action.SCALE, CATALOG, {"replicas": 1}, "one replica")
    fix = bind(Plan("image, then scale", (set_image(), scale)))
    assert fix.dry_run().ok
    real_send = Writer.send
    sent: list[str] = []

    def second_write_fails(self: Writer, method: str, path: str, body: object, **kw: object) -> object:
        if not kw.get("dry_run") and method == "PUT":
            sent.append(path)
            if len(sent) == 2:  # the scale: the server refuses it (injected; everything else is real)
                raise StepRejectedError(f"PUT {path}: 500 InternalError: etcd is down", code=500, path=path)
        return real_send(self, method, path, body, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Writer, "send", second_write_fails)
    with pytest.raises(ApplyFailedError, match=r"step 2 .*failed.*restored") as err:
        fix.apply(fix.approve(), verify=False)
    assert [o.status for o in err.value.result.steps] == [StepStatus.UNDONE, StepStatus.FAILED]
    assert template(kubectl) == original  # the image change was restored
    assert audit.records()[-1].event == "apply"
    assert not audit.records()[-1].ok


def test_apply_waits_for_the_rollout_on_a_running_clock(tmp_path: Path) -> None:
    with (
        sandbox_pkg.start(scenario="image-pull", speed=60) as sb,
        workbench.connect(kubeconfig=sb.kubeconfig) as cluster,
    ):
        fix = cluster.remediation(image_plan(), audit=AuditLog(tmp_path / "audit.jsonl"))
        assert fix.dry_run().ok
        result = fix.apply(fix.approve(by="sre"), timeout=120)
    assert result.verified, [o.verification for o in result.steps]
    assert result.steps[0].verification == "2 of 2 updated, 2 available, 2 in all"


def test_verification_that_times_out_says_what_it_saw(bind: Callable[[Plan], Remediation]) -> None:
    fix = bind(image_plan())
    fix.dry_run()
    result = fix.apply(fix.approve(), timeout=0.5)  # the manual clock does not move: nothing rolls out
    assert result.ok
    assert not result.verified
    assert result.steps[0].verified is False
    assert result.steps[0].verification == "waiting for the controller to see the new spec"

"""Property: no sequence of calls writes to the cluster unless it applies an approved, dry-run plan.

Hypothesis draws plans from every action that fits the scenario's objects and sequences of calls on
them (dry-runs, approvals of this or another plan, applies without or with a wrong approval, cell and
kubectl rendering, verification); the sandbox store's resourceVersion, which moves with every stored
write, must not move.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench
from workbench import sandbox as sandbox_pkg
from workbench.errors import WorkbenchError
from workbench.model import Action, ApplyResult, Approval, ObjectRef, Plan, PlanStep, StepOutcome, StepStatus
from workbench.remediation import AuditLog
from workbench.session import Cluster

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
DEPLOY = ObjectRef("Deployment", "storefront", "catalog", api_version="apps/v1")
SERVICE = ObjectRef("Service", "storefront", "catalog", api_version="v1")
NODE = ObjectRef("Node", "", "kind-worker", api_version="v1")

STEPS = st.sampled_from(
    [
        PlanStep(
            Action.SET_IMAGE,
            DEPLOY,
            {"container": "catalog", "image": "registry.shop.example/catalog:2.14.1"},
        ),
        PlanStep(Action.SCALE, DEPLOY, {"replicas": 3}),
        PlanStep(Action.SCALE, DEPLOY, {"replicas": 0}),
        PlanStep(Action.ROLLOUT_RESTART, DEPLOY),
        PlanStep(Action.SET_RESOURCES, DEPLOY, {"container": "catalog", "limits": {"memory": "1Gi"}}),
        PlanStep(
            Action.SET_ENV, DEPLOY, {"container": "catalog", "env": [{"name": "MODE", "value": "safe"}]}
        ),
        PlanStep(Action.SET_SERVICE_SELECTOR, SERVICE, {"selector": {"app": "nothing"}}),
        PlanStep(Action.PATCH, DEPLOY, {"patch_type": "merge", "patch": {"spec": {"paused": True}}}),
        PlanStep(Action.CORDON, NODE),
        PlanStep(Action.DRAIN, NODE),
    ]
)
PLANS = st.builds(lambda steps: Plan("generated", tuple(steps)), st.lists(STEPS, min_size=1, max_size=3))
CALLS = st.lists(
    st.sampled_from(
        ["dry_run", "apply_none", "apply_other", "apply_forged", "cell", "kubectl", "verify", "approve"]
    ),
    max_size=6,
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sandbox_pkg.Sandbox, Cluster, AuditLog]]:
    with sandbox_pkg.start(scenario="image-pull", manual_clock=True) as sb:
        sb.advance(120)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            yield sb, cluster, AuditLog(Path(tmp_path_factory.mktemp("audit")) / "audit.jsonl")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=PLANS, other=PLANS, calls=CALLS)
def test_nothing_is_written_without_an_approved_dry_run_plan(
    live: tuple[sandbox_pkg.Sandbox, Cluster, AuditLog], plan: Plan, other: Plan, calls: list[str]
) -> None:
    sb, cluster, audit = live
    before = sb.api.store.resource_version
    fix = cluster.remediation(plan, audit=audit)
    foreign = other.approve(by="someone") if other.digest != plan.digest else None
    fake = ApplyResult(
        plan,
        plan.approve(),
        cluster.name,
        "",
        EPOCH,
        EPOCH,
        tuple(StepOutcome(i, s, StepStatus.APPLIED) for i, s in enumerate(plan.steps)),
    )
    for call in calls:
        try:
            if call == "dry_run":
                fix.dry_run()
            elif call == "apply_none":
                fix.apply(None)
            elif call == "apply_other" and foreign is not None:
                fix.apply(foreign)
            elif call == "apply_forged":
                fix.apply(Approval("sha256:" + "f" * 64, "mallory", EPOCH))
            elif call == "cell":
                fix.to_cell()
            elif call == "kubectl":
                fix.kubectl()
            elif call == "verify":
                fix.verify(fake)
            elif call == "approve":
                fix.approve(by="sre")  # approving is not applying
        except WorkbenchError:
            pass  # refusals are the point; what matters is that nothing was written
    assert sb.api.store.resource_version == before


def test_the_write_counter_sees_an_approved_apply(tmp_path: Path) -> None:
    """The control for the property: an approved, dry-run plan does move the store."""
    with (
        sandbox_pkg.start(scenario="image-pull", manual_clock=True) as sb,
        workbench.connect(kubeconfig=sb.kubeconfig) as cluster,
    ):
        fix = cluster.remediation(
            Plan("scale", (PlanStep(Action.SCALE, DEPLOY, {"replicas": 3}),)),
            audit=AuditLog(tmp_path / "audit.jsonl"),
        )
        before = sb.api.store.resource_version
        fix.dry_run()
        assert sb.api.store.resource_version == before
        fix.apply(fix.approve(), verify=False)
        assert sb.api.store.resource_version > before

"""End to end on every scenario with a safe fix: finding → plan → dry-run → approve → apply → heals →
the rollback plan restores the previous spec (and deletes what the plan created).

The plans come from the planners over the analysis of the live sandbox (nothing here names a step);
the cluster heals in virtual time, judged by the scenario's own success checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import workbench
from workbench import sandbox as sandbox_pkg
from workbench.errors import ApiStatusError
from workbench.model import Action, Plan
from workbench.remediation import AuditLog
from workbench.remediation._diff import RESTORED_SECTIONS
from workbench.remediation._steps import path_of
from workbench.session import Cluster

HEALED_BY_PLANS = {
    # scenario: how many rounds of analysis → plan → apply it takes (the OOM planner doubles the limit
    # it saw, and the app needs more than twice its old limit: the second analysis asks for more).
    "config-error": 1,
    "crashloop": 1,
    "dns-down": 1,
    "hpa-no-metrics": 1,
    "ingress-backend": 1,
    "liveness-restarts": 1,
    "readiness-probe": 1,
    "rollout-stuck": 1,
    "service-selector": 1,
    "pending-taint": 1,
    "cronjob-failing": 1,
    "node-notready": 1,
    "pending-resources": 1,
    # A new NetworkPolicy / StorageClass: its rollback deletes it again.
    "networkpolicy-deny": 1,
    "pvc-pending": 1,
    "oomkilled": 2,
    # The plan asks for the image (the registry's tags are not in the cluster): the scenario's
    # fix.inputs give what the person fixing it knows.
    "image-pull": 1,
    # The Job is deleted and created again with the variable a person gives (fix.inputs); a Job cannot
    # be put back, so its step has no rollback and the new Job stays.
    "failed-job": 1,
}
INVESTIGATE_ONLY = [
    "incident",
]  # fmt: skip


def desired(cluster: Cluster, plan: Plan) -> dict[str, Any]:
    """Each target's desired state (spec, data, labels, annotations) as the API serves it now."""
    out = {}
    for step in plan.steps:
        try:
            obj = cluster.source.read(path_of(step.target))  # type: ignore[attr-defined]
        except ApiStatusError as exc:
            if exc.code != 404:
                raise
            out[str(step.target)] = None  # not there: a step creates it (and its rollback deletes it)
            continue
        meta = obj["metadata"]
        if step.target.kind == "Node" and obj.get("spec", {}).get("taints"):
            # node.kubernetes.io/* taints follow the node's conditions (the node lifecycle controller's),
            # not a plan: a rollback restores their cause, and they come back on the controller's clock.
            spec = {k: v for k, v in obj["spec"].items() if k != "taints"}
            taints = [t for t in obj["spec"]["taints"] if not t["key"].startswith("node.kubernetes.io/")]
            obj["spec"] = spec | ({"taints": taints} if taints else {})
        out[str(step.target)] = (
            {s: obj.get(s) for s in RESTORED_SECTIONS},
            meta.get("labels"),
            {
                k: v
                for k, v in (meta.get("annotations") or {}).items()
                if not k.startswith("deployment.kubernetes")
            },
        )
    return out


def _recreated(plan: Plan) -> set[str]:
    """The targets of ``plan``'s steps that cannot be rolled back (a Job deleted and created again)."""
    return {str(s.target) for s in plan.steps if s.action is Action.RECREATE_JOB}


@pytest.mark.parametrize("name", sorted(HEALED_BY_PLANS))
def test_the_planned_fix_heals_and_rolls_back(name: str, tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    with sandbox_pkg.start(scenario=name, manual_clock=True) as sb:
        sb.advance(600)
        assert not sb.check().passed  # broken to begin with
        applied = []
        recreated: dict[str, Any] = {}  # the Jobs a plan made again, as it made them
        for _ in range(HEALED_BY_PLANS[name]):
            with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
                plans = [p for p in cluster.proposals() if isinstance(p, Plan)]
                assert plans, f"{name}: no plan proposed"
                knows = sb.teaching["fix"].get("inputs", {})
                for plan in (p.fill({i.name: knows[i.name] for i in p.inputs}) for p in plans):
                    before = desired(cluster, plan)
                    fix = cluster.remediation(plan, audit=audit)
                    stored = sb.api.store.resource_version
                    dry = fix.dry_run()
                    assert sb.api.store.resource_version == stored  # the dry-run wrote nothing
                    assert dry.ok, dry.problems()
                    result = fix.apply(fix.approve(by="on-call"), verify=False)
                    assert result.ok
                    applied.append((plan, result, before))
                    recreated.update(
                        {t: s for t, s in desired(cluster, plan).items() if t in _recreated(plan)}
                    )
            sb.advance(600)
        assert sb.check().passed, f"{name} did not heal:\n{sb.check()}"

        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            last_plan, last_result, _ = applied[-1]
            verified = cluster.remediation(last_plan, audit=audit).verify(last_result)
            assert verified.verified, [o.verification for o in verified.steps]
            # Roll back every apply, newest first: the targets are as they were before the first one.
            for _, result, _ in reversed(applied):
                if result.rollback is None:
                    continue  # e.g. a deleted pod: its controller recreated it
                undo = cluster.remediation(result.rollback_plan(), audit=audit)
                assert undo.dry_run().ok
                assert undo.apply(undo.approve(by="on-call"), verify=False).ok
            first_seen: dict[str, Any] = {}
            for _, _, before in applied:
                for target, state in before.items():
                    first_seen.setdefault(target, state)
            now = {t: s for plan, _, _ in applied for t, s in desired(cluster, plan).items()}
            # A recreated Job stays as the apply made it; every other target is as it was.
            assert now == {t: recreated.get(t, s) for t, s in first_seen.items()}
    records = audit.records()
    assert [r.event for r in records].count("dry-run") >= 2 * len(applied) - 1
    assert all(r.kube_user == "sandbox-admin" for r in records)


@pytest.mark.parametrize("name", INVESTIGATE_ONLY)
def test_scenarios_without_a_safe_fix_get_investigations(name: str) -> None:
    with sandbox_pkg.start(scenario=name, manual_clock=True) as sb:
        sb.advance(600)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            proposals = cluster.proposals()
    assert proposals
    assert not [p for p in proposals if isinstance(p, Plan)]
    assert all(p.checks and p.commands for p in proposals)  # type: ignore[union-attr]

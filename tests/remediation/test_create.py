"""Creating steps against a real sandbox over HTTP: the dry-run previews the new object against nothing
and writes nothing, a name that is taken is refused (at the dry-run and at the apply), the apply is
verified and audited, and its rollback deletes exactly the object it created — never a replacement,
and never an object no plan made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import workbench
from tests.conftest import Kubectl
from tests.remediation.conftest import read
from workbench import sandbox as sandbox_pkg
from workbench.errors import ApplyFailedError
from workbench.model import AccessCheck, Action, FieldChange, ObjectRef, Plan, PlanStep, StepStatus
from workbench.model._manifests import CREATED_BY
from workbench.remediation import AuditLog, Remediation
from workbench.session import Cluster

POLICY = ObjectRef(
    "NetworkPolicy", "shop", "allow-frontend-to-catalog-api", api_version="networking.k8s.io/v1"
)
DENY = ObjectRef("NetworkPolicy", "shop", "default-deny-ingress", api_version="networking.k8s.io/v1")
FAST = ObjectRef("StorageClass", "", "fast-ssd", api_version="storage.k8s.io/v1")
ALLOW = {
    "pod_selector": {"app": "catalog-api"},
    "from_selector": {"app": "frontend"},
    "ports": [{"protocol": "TCP", "port": 8080}],
}


def allow(target: ObjectRef = POLICY) -> PlanStep:
    return PlanStep(Action.ALLOW_INGRESS, target, ALLOW, "Allow frontend to catalog-api")


def allow_plan(*steps: PlanStep) -> Plan:
    return Plan("Allow the frontend's calls", steps or (allow(),))


@pytest.fixture
def scenario_name() -> str:
    return "networkpolicy-deny"


@pytest.fixture
def shop(broken: sandbox_pkg.Sandbox) -> sandbox_pkg.Sandbox:
    return broken


def by_hand(kubectl: Kubectl, ref: ObjectRef, spec: dict[str, Any]) -> dict[str, Any]:
    """Create a NetworkPolicy with kubectl, as someone else would."""
    doc = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": ref.name, "namespace": ref.namespace},
        "spec": spec,
    }
    kubectl("create", "-f", "-", stdin=yaml.safe_dump(doc))
    made: dict[str, Any] = yaml.safe_load(
        kubectl("-n", ref.namespace, "get", "networkpolicy", ref.name, "-o", "yaml").stdout
    )
    return made


def test_the_dry_run_shows_the_new_policy_against_nothing_and_writes_nothing(
    shop: sandbox_pkg.Sandbox, cluster: Cluster, audit: AuditLog
) -> None:
    plan = allow_plan()
    fix = cluster.remediation(plan, audit=audit)
    stored = shop.api.store.resource_version
    dry = fix.dry_run()
    assert shop.api.store.resource_version == stored
    assert read(cluster, POLICY) is None
    assert dry.ok, dry.problems()
    (step,) = dry.steps
    assert [(a.verb, a.resource, a.namespace, a.name, a.allowed) for a in step.access] == [
        ("create", "networkpolicies.networking.k8s.io", "shop", "", True)
    ]
    assert step.changes == (
        FieldChange("NetworkPolicy shop/allow-frontend-to-catalog-api (created)", None, "created"),
    )
    assert step.restarts == ()
    lines = step.diff.splitlines()
    assert lines[:3] == [
        "--- NetworkPolicy shop/allow-frontend-to-catalog-api (does not exist)",
        "+++ NetworkPolicy shop/allow-frontend-to-catalog-api (created)",
        "@@ -0,0 +1,21 @@",
    ]
    assert all(line.startswith("+") for line in lines[3:])
    assert f"+    {CREATED_BY}: {plan.digest}" in lines
    assert "+  - Ingress" in lines
    assert "+          app: frontend" in lines


def test_the_dry_run_of_a_storage_class_is_cluster_scoped(tmp_path: Path) -> None:
    step = PlanStep(
        Action.CREATE_STORAGE_CLASS,
        FAST,
        {"provisioner": "rancher.io/local-path", "volume_binding_mode": "WaitForFirstConsumer"},
    )
    with sandbox_pkg.start(scenario="pvc-pending", manual_clock=True) as sb:
        sb.advance(600)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            stored = sb.api.store.resource_version
            dry = cluster.remediation(
                Plan("Create fast-ssd", (step,)), audit=AuditLog(tmp_path / "a")
            ).dry_run()
            assert sb.api.store.resource_version == stored
            assert read(cluster, FAST) is None
    assert dry.ok, dry.problems()
    (preview,) = dry.steps
    assert preview.access == (
        AccessCheck(
            "create", "storageclasses.storage.k8s.io", "", "", True, "the sandbox grants every request"
        ),
    )
    assert "+provisioner: rancher.io/local-path" in preview.diff.splitlines()
    assert "+volumeBindingMode: WaitForFirstConsumer" in preview.diff.splitlines()


def test_a_name_that_is_taken_is_refused_at_the_dry_run(
    shop: sandbox_pkg.Sandbox, cluster: Cluster, audit: AuditLog
) -> None:
    before = read(cluster, DENY)
    stored = shop.api.store.resource_version
    dry = cluster.remediation(allow_plan(allow(DENY)), audit=audit).dry_run()
    assert shop.api.store.resource_version == stored
    assert not dry.ok
    (problem,) = dry.problems()
    assert "NetworkPolicy shop/default-deny-ingress already exists, and this step only creates" in problem
    assert "kubectl get networkpolicy default-deny-ingress -n shop -o yaml" in problem
    assert "409 AlreadyExists" in problem
    assert read(cluster, DENY) == before


def test_the_same_object_twice_in_one_plan_is_refused(cluster: Cluster, audit: AuditLog) -> None:
    dry = cluster.remediation(allow_plan(allow(), allow()), audit=audit).dry_run()
    assert [s.ok for s in dry.steps] == [True, False]
    assert "an earlier step of this plan reads or creates NetworkPolicy" in dry.problems()[0]


def test_an_object_made_between_the_dry_run_and_the_apply_is_not_replaced(
    cluster: Cluster, audit: AuditLog, kubectl: Kubectl
) -> None:
    fix = cluster.remediation(allow_plan(), audit=audit)
    assert fix.dry_run().ok
    theirs = by_hand(kubectl, POLICY, {"podSelector": {}, "policyTypes": ["Ingress"]})
    with pytest.raises(ApplyFailedError, match=r"already exists, and this step only creates") as caught:
        fix.apply(fix.approve(by="on-call"))
    assert [o.status for o in caught.value.result.steps] == [StepStatus.FAILED]
    assert caught.value.result.rollback is None
    now = read(cluster, POLICY)
    assert now is not None
    assert now["metadata"]["uid"] == theirs["metadata"]["uid"]
    assert now["spec"] == theirs["spec"]
    assert CREATED_BY not in (now["metadata"].get("annotations") or {})


def test_apply_creates_verifies_audits_and_the_rollback_deletes_exactly_it(
    shop: sandbox_pkg.Sandbox, cluster: Cluster, audit: AuditLog
) -> None:
    plan = allow_plan()
    fix = cluster.remediation(plan, audit=audit)
    fix.dry_run()
    result = fix.apply(fix.approve(by="on-call"), verify=False)
    made = read(cluster, POLICY)
    assert made is not None
    assert made["spec"]["ingress"][0]["from"] == [{"podSelector": {"matchLabels": {"app": "frontend"}}}]
    assert made["metadata"]["annotations"][CREATED_BY] == plan.digest
    shop.advance(600)
    assert shop.check().passed  # the frontend reaches catalog-api again
    verified = fix.verify(result)
    assert [(o.verified, o.verification) for o in verified.steps] == [
        (True, "NetworkPolicy shop/allow-frontend-to-catalog-api exists as created")
    ]
    applied = [r for r in audit.records() if r.event == "apply"]
    assert applied[0].plan["steps"][0]["action"] == "allow-ingress"
    assert applied[0].steps[0]["status"] == "applied"

    rollback = result.rollback_plan()
    (undo,) = rollback.steps
    assert (undo.action, undo.target, dict(undo.params)) == (
        Action.DELETE_CREATED,
        POLICY,
        {"uid": made["metadata"]["uid"], "created_by": plan.digest},
    )
    assert rollback.kubectl() == ["kubectl -n shop delete networkpolicy allow-frontend-to-catalog-api"]
    assert any("only if it is still that object" in note for note in rollback.notes)
    deny = read(cluster, DENY)
    back = cluster.remediation(rollback, audit=audit)
    dry = back.dry_run()
    assert dry.ok, dry.problems()
    assert [a.verb for a in dry.steps[0].access] == ["get", "delete"]
    assert dry.steps[0].changes == (
        FieldChange("NetworkPolicy shop/allow-frontend-to-catalog-api (deleted)", "exists", None),
    )
    undone = back.apply(back.approve(by="on-call"))
    assert [(o.verified, o.verification) for o in undone.steps] == [
        (True, "NetworkPolicy shop/allow-frontend-to-catalog-api is deleted")
    ]
    assert read(cluster, POLICY) is None
    assert read(cluster, DENY) == deny  # nothing else went


def test_a_rollback_never_deletes_a_replacement(cluster: Cluster, audit: AuditLog, kubectl: Kubectl) -> None:
    fix = cluster.remediation(allow_plan(), audit=audit)
    fix.dry_run()
    rollback = fix.apply(fix.approve(by="on-call"), verify=False).rollback_plan()
    kubectl("-n", "shop", "delete", "networkpolicy", POLICY.name)
    theirs = by_hand(kubectl, POLICY, {"podSelector": {}, "policyTypes": ["Ingress"]})
    dry = cluster.remediation(rollback, audit=audit).dry_run()
    assert not dry.ok
    (problem,) = dry.problems()
    assert "is not the object the plan created" in problem
    assert f"found uid {theirs['metadata']['uid']}, no plan made it" in problem
    now = read(cluster, POLICY)
    assert now is not None
    assert now["metadata"]["uid"] == theirs["metadata"]["uid"]


@pytest.mark.parametrize("created_by", ["mine", "another plan's"])
def test_delete_created_cannot_delete_what_no_plan_created(
    created_by: str, cluster: Cluster, audit: AuditLog, kubectl: Kubectl
) -> None:
    deny = read(cluster, DENY)
    assert deny is not None
    digest = "sha256:" + ("1" if created_by == "mine" else "2") * 64
    if created_by != "mine":
        # Even carrying a plan's annotation, the digest must be the one the step names.
        kubectl("-n", "shop", "annotate", "networkpolicy", DENY.name, f"{CREATED_BY}=sha256:{'3' * 64}")
    step = PlanStep(Action.DELETE_CREATED, DENY, {"uid": deny["metadata"]["uid"], "created_by": digest})
    dry = cluster.remediation(Plan("Delete the deny policy", (step,)), audit=audit).dry_run()
    assert not dry.ok
    assert "is not the object the plan created" in dry.problems()[0]
    assert "nothing is deleted" in dry.problems()[0]
    assert read(cluster, DENY) is not None


def test_a_failed_apply_deletes_what_it_created_and_leaves_the_rest(
    cluster: Cluster, audit: AuditLog, kubectl: Kubectl
) -> None:
    second = ObjectRef("NetworkPolicy", "shop", "allow-frontend-to-catalog-api-2")
    fix = cluster.remediation(allow_plan(allow(), allow(second)), audit=audit)
    assert fix.dry_run().ok
    theirs = by_hand(kubectl, second, {"podSelector": {}, "policyTypes": ["Ingress"]})
    with pytest.raises(ApplyFailedError, match=r"step 2 .* failed: .* already exists") as caught:
        fix.apply(fix.approve(by="on-call"))
    assert [o.status for o in caught.value.result.steps] == [StepStatus.UNDONE, StepStatus.FAILED]
    assert read(cluster, POLICY) is None  # step 1's policy was deleted again
    kept = read(cluster, second)
    assert kept is not None
    assert kept["metadata"]["uid"] == theirs["metadata"]["uid"]


def test_verification_says_when_the_created_object_changed(
    cluster: Cluster, audit: AuditLog, kubectl: Kubectl
) -> None:
    fix: Remediation = cluster.remediation(allow_plan(), audit=audit)
    fix.dry_run()
    result = fix.apply(fix.approve(by="on-call"), verify=False)
    patch = '{"spec":{"ingress":[{"from":[{"podSelector":{}}]}]}}'
    kubectl("-n", "shop", "patch", "networkpolicy", POLICY.name, "--type", "merge", "-p", patch)
    (outcome,) = fix.verify(result).steps
    assert (outcome.verified, outcome.verification) == (
        False,
        f"{POLICY} exists but not as the step made it (changed since?)",
    )

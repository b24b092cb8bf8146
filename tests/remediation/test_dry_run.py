"""A dry-run asks RBAC, previews every step on the server, diffs it, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import workbench
from tests.conftest import Kubectl
from tests.remediation.conftest import BAD_IMAGE, CATALOG, GOOD_IMAGE, image_plan, set_image, writes
from workbench import sandbox as sandbox_pkg
from workbench.errors import PlanNotReadyError
from workbench.model import AUDIT_MIME, Action, ObjectRef, Plan, PlanStep
from workbench.remediation import AuditLog, Remediation


def test_a_dry_run_previews_the_change_and_writes_nothing(
    image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation], kubectl: Kubectl, audit: AuditLog
) -> None:
    deployment = json.loads(kubectl("-n", "storefront", "get", "deployment", "catalog", "-o", "json").stdout)
    pods = json.loads(kubectl("-n", "storefront", "get", "pods", "-l", "app=catalog", "-o", "json").stdout)
    before = writes(image_pull)

    dry = bind(image_plan()).dry_run()

    assert writes(image_pull) == before  # nothing stored
    assert dry.ok
    (step,) = dry.steps
    assert step.versions == {"Deployment storefront/catalog": deployment["metadata"]["resourceVersion"]}
    assert [str(c) for c in step.changes] == [
        f"spec.template.spec.containers[catalog].image: {BAD_IMAGE} → {GOOD_IMAGE}"
    ]
    assert f"-        image: {BAD_IMAGE}\n" in step.diff
    assert f"+        image: {GOOD_IMAGE}\n" in step.diff
    # The blast radius: every catalog pod is replaced by the new template.
    assert sorted(p.name for p in dry.blast_radius) == sorted(p["metadata"]["name"] for p in pods["items"])
    assert [(c.verb, c.resource, c.allowed) for c in step.access] == [
        ("get", "deployments.apps", True),
        ("update", "deployments.apps", True),
        ("list", "pods", True),
    ]
    # The server still serves the bad image: the dry-run did not change the live object.
    live = json.loads(kubectl("-n", "storefront", "get", "deployment", "catalog", "-o", "json").stdout)
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == BAD_IMAGE
    # Audited: in the log and in the notebook output.
    (record,) = audit.records()
    assert (record.event, record.digest, record.ok, record.kube_user) == (
        "dry-run",
        image_plan().digest,
        True,
        "sandbox-admin",
    )
    assert dry._repr_mimebundle_()[AUDIT_MIME]["digest"] == image_plan().digest


def test_steps_on_one_object_are_chained(bind: Callable[[Plan], Remediation]) -> None:
    limits = PlanStep(Action.SET_RESOURCES, CATALOG, {"container": "catalog", "limits": {"memory": "512Mi"}})
    dry = bind(Plan("image and memory", (set_image(), limits))).dry_run()
    assert dry.ok
    first, second = dry.steps
    assert [c.path for c in first.changes] == ["spec.template.spec.containers[catalog].image"]
    # The second step is previewed on top of the first: only its own change shows.
    assert [(c.path, c.before, c.after) for c in second.changes] == [
        ("spec.template.spec.containers[catalog].resources.limits.memory", "256Mi", "512Mi")
    ]


def test_a_step_that_does_not_fit_is_reported_not_sent(
    image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation]
) -> None:
    before = writes(image_pull)
    dry = bind(Plan("wrong container", (set_image(container="web"),))).dry_run()
    assert not dry.ok
    assert "has no container 'web' (it has catalog)" in dry.steps[0].message
    assert dry.problems() == [
        "step 1 (Run registry.shop.example/catalog:2.14.1): the server refused the dry run: "
        + dry.steps[0].message
    ]
    assert writes(image_pull) == before


def test_a_missing_target_names_it(bind: Callable[[Plan], Remediation]) -> None:
    gone = ObjectRef("Deployment", "storefront", "no-such-app", api_version="apps/v1")
    dry = bind(Plan("scale", (PlanStep(Action.SCALE, gone, {"replicas": 2}),))).dry_run()
    assert not dry.ok
    assert "no-such-app does not exist (404)" in dry.steps[0].message


def test_the_servers_validation_refuses_an_invalid_change(bind: Callable[[Plan], Remediation]) -> None:
    # A request above the limit is invalid; only the server knows (the plan itself is well formed).
    step = PlanStep(Action.SET_RESOURCES, CATALOG, {"container": "catalog", "requests": {"memory": "1Gi"}})
    dry = bind(Plan("too big", (step,))).dry_run()
    assert not dry.ok
    assert "422" in dry.steps[0].message
    assert "must be less than or equal to memory limit" in dry.steps[0].message


def test_drain_previews_the_cordon_and_every_eviction(
    image_pull: sandbox_pkg.Sandbox, bind: Callable[[Plan], Remediation], kubectl: Kubectl
) -> None:
    node = "kind-worker"
    listed = json.loads(
        kubectl("get", "pods", "-A", "--field-selector", f"spec.nodeName={node}", "-o", "json").stdout
    )
    movable = sorted(
        p["metadata"]["name"]
        for p in listed["items"]
        if not any(o["kind"] == "DaemonSet" for o in p["metadata"].get("ownerReferences", []))
    )
    assert movable  # the scenario runs workloads on that node
    before = writes(image_pull)
    dry = bind(Plan("drain", (PlanStep(Action.DRAIN, ObjectRef("Node", "", node)),))).dry_run()
    assert writes(image_pull) == before
    assert dry.ok, dry.problems()
    assert sorted(p.name for p in dry.blast_radius) == movable
    paths = [c.path for c in dry.steps[0].changes]
    assert "spec.unschedulable" in paths
    assert sum(p.endswith("(evicted)") for p in paths) == len(movable)
    assert ("create", "pods/eviction") in {(c.verb, c.resource) for c in dry.steps[0].access}


def test_a_disruption_budget_that_allows_nothing_stops_the_drain(
    bind: Callable[[Plan], Remediation], kubectl: Kubectl
) -> None:
    kubectl(
        "apply",
        "-f",
        "-",
        stdin=json.dumps(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "catalog", "namespace": "storefront"},
                "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "catalog"}}},
            }
        ),
    )
    # The sandbox has no disruption controller: set the budget's status as kube-controller-manager would.
    status = {
        "status": {
            "disruptionsAllowed": 0,
            "currentHealthy": 0,
            "desiredHealthy": 2,
            "expectedPods": 2,
            "observedGeneration": 1,
        }
    }
    kubectl(
        "-n",
        "storefront",
        "patch",
        "pdb",
        "catalog",
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps(status),
    )
    nodes = {
        p["spec"]["nodeName"]
        for p in json.loads(
            kubectl("-n", "storefront", "get", "pods", "-l", "app=catalog", "-o", "json").stdout
        )["items"]
    }
    dry = bind(Plan("drain", (PlanStep(Action.DRAIN, ObjectRef("Node", "", sorted(nodes)[0])),))).dry_run()
    assert not dry.ok
    assert "429" in dry.steps[0].message
    assert "violate the pod's disruption budget" in dry.steps[0].message


def test_a_step_rbac_forbids_is_flagged_and_cannot_be_applied(
    image_pull: sandbox_pkg.Sandbox, kubectl: Kubectl, audit: AuditLog
) -> None:
    kubectl("-n", "storefront", "create", "rolebinding", "viewer", "--clusterrole=view", "--user=viewer")
    viewer = image_pull.kubeconfig_for("viewer")
    with workbench.connect(kubeconfig=viewer) as cluster:
        fix = cluster.remediation(image_plan(), audit=audit)
        dry = fix.dry_run()
        before = writes(image_pull)
        with pytest.raises(
            PlanNotReadyError, match=r"RBAC: update deployments\.apps storefront/catalog: DENIED"
        ):
            fix.apply(fix.approve())
    assert writes(image_pull) == before
    (step,) = dry.steps
    assert [(c.verb, c.allowed) for c in step.access] == [("get", True), ("update", False), ("list", True)]
    assert not step.accepted  # the server's dry run is refused too, with the real message
    assert 'User "viewer" cannot update resource "deployments" in API group "apps"' in step.message
    assert audit.records()[-1].kube_user == "viewer"

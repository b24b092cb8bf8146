"""A broken sandbox scenario on a manual clock, a cluster connected to it, and a private audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import workbench
from tests.conftest import Kubectl, make_kubectl
from workbench import sandbox as sandbox_pkg
from workbench.errors import ApiStatusError
from workbench.model import Action, ObjectRef, Plan, PlanStep
from workbench.remediation import AuditLog, Remediation
from workbench.remediation._steps import path_of
from workbench.session import Cluster

CATALOG = ObjectRef("Deployment", "storefront", "catalog", api_version="apps/v1")
GOOD_IMAGE = "registry.shop.example/catalog:2.14.1"
BAD_IMAGE = "registry.shop.example/catalog:v2.14.1"


def set_image(image: str = GOOD_IMAGE, container: str = "catalog") -> PlanStep:
    return PlanStep(
        Action.SET_IMAGE, CATALOG, {"container": container, "image": image}, f"Run {image}", "pod.image-pull"
    )


def image_plan(image: str = GOOD_IMAGE) -> Plan:
    return Plan("Point catalog at an image that exists", (set_image(image),), ("pod.image-pull",))


@pytest.fixture
def scenario_name() -> str:
    """The scenario the module's tests break the cluster with (a module overrides this fixture)."""
    return "image-pull"


@pytest.fixture
def broken(scenario_name: str) -> Iterator[sandbox_pkg.Sandbox]:
    """``scenario_name``, ten minutes in (a fresh cluster per test: tests change it)."""
    with sandbox_pkg.start(scenario=scenario_name, manual_clock=True) as sb:
        sb.advance(600)
        yield sb


@pytest.fixture
def image_pull(broken: sandbox_pkg.Sandbox) -> sandbox_pkg.Sandbox:
    return broken


@pytest.fixture
def cluster(broken: sandbox_pkg.Sandbox) -> Iterator[Cluster]:
    with workbench.connect(kubeconfig=broken.kubeconfig) as c:
        yield c


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


@pytest.fixture
def bind(cluster: Cluster, audit: AuditLog) -> Callable[[Plan], Remediation]:
    """``bind(plan)``: the plan bound to the test's cluster, auditing to the test's log."""
    return lambda plan: cluster.remediation(plan, audit=audit)


@pytest.fixture
def kubectl(broken: sandbox_pkg.Sandbox, tmp_path: Path) -> Kubectl:
    return make_kubectl(broken, tmp_path / "kube-cache")


def writes(sb: sandbox_pkg.Sandbox) -> int:
    """The sandbox store's resourceVersion: it moves with every stored write, and only then."""
    return sb.api.store.resource_version


def read(cluster: Cluster, ref: ObjectRef) -> dict[str, Any] | None:
    """The object ``ref`` as the cluster stores it now; None when it does not exist."""
    try:
        found: dict[str, Any] = cluster.source.read(path_of(ref))  # type: ignore[attr-defined]
    except ApiStatusError as exc:
        if exc.code != 404:
            raise
        return None
    return found

"""allow-ingress and create-storage-class: each link of the evidence, and None when one is missing.

The frames are the scenarios' own (networkpolicy-deny, pvc-pending), with one fact changed per test:
a planner that cannot follow the whole chain returns None, and the investigation answers instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import workbench
from tests.analyzers.conftest import ADVANCE_SECONDS
from tests.remediation.planners.conftest import Analysed
from workbench import sandbox
from workbench.frames import Frames, with_log_tails
from workbench.frames.schema import (
    Containers,
    Deployments,
    NetworkPolicies,
    Pvcs,
    Services,
    StorageClasses,
)
from workbench.model import Evidence, Finding, Investigation, Plan
from workbench.remediation.planners import propose
from workbench.remediation.planners.allow_ingress import AllowIngress
from workbench.remediation.planners.storage_class import CreateStorageClass

Scenario = Callable[[str], Analysed]
TIMEOUT = (
    "2026-12-07T11:32:35.234Z error: readiness: catalog API unreachable: "
    'Get "http://catalog-api:8080/healthz": dial tcp 10.96.151.49:8080: i/o timeout'
)
ALLOW = {
    "pod_selector": {"app": "catalog-api"},
    "from_selector": {"app": "frontend"},
    "ports": [{"protocol": "TCP", "port": 8080}],
}


def changed(frames: Frames, name: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Frames:
    """``frames`` with frame ``name`` replaced by ``change(copy of it)``."""
    kept = {n: frames[n].copy() for n in frames.pulled}
    kept[name] = change(kept[name])
    return Frames(kept, missing=frames.missing, source=frames.source, captured_at=frames.captured_at)


def set_cell(df: pd.DataFrame, where: pd.Series, column: str, value: Any) -> pd.DataFrame:
    if isinstance(df[column].dtype, pd.CategoricalDtype) and value not in df[column].cat.categories:
        df[column] = df[column].cat.add_categories([value])
    for index in df.index[where.to_numpy(dtype=bool)]:
        df.at[index, column] = value
    return df


def readiness(report_and_frames: Analysed, *, log: str | None = None) -> Finding:
    """A frontend pod's readiness finding; with ``log``, quoting that line instead of its own."""
    report, _ = report_and_frames
    found = next(f for f in report.findings if f.code == "pod.readiness-failing")
    if log is None:
        return found
    others = tuple(e for e in found.evidence if e.kind != "log")
    return dataclasses.replace(found, evidence=(*others, Evidence("log", "log frontend", log)))


def test_the_timeout_the_readiness_finding_quotes_is_allowed_exactly(scenario: Scenario) -> None:
    analysed = scenario("networkpolicy-deny")
    finding = readiness(analysed)
    plan = AllowIngress().propose(finding, analysed[1])
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), step.target.api_version) == (
        "allow-ingress",
        "NetworkPolicy shop/allow-frontend-to-catalog-api",
        "networking.k8s.io/v1",
    )
    assert dict(step.params) == ALLOW
    assert (step.reason, plan.findings) == (finding.id, (finding.id,))
    assert "The deny policy stays" in plan.notes[1]


@pytest.mark.parametrize(
    "log",
    [
        TIMEOUT.replace("i/o timeout", "connect: connection refused"),  # refused: nothing drops packets
        TIMEOUT.replace("catalog-api:8080", "inventory:8080").replace("10.96.151.49", "10.96.0.99"),
        TIMEOUT.replace(":8080", ":9090"),  # not a port of the Service
        TIMEOUT.replace("catalog-api:8080", "catalog-api.other:8080").replace("10.96.151.49", "10.9.9.9"),
        "2026-12-07T11:32:35.234Z error: readiness: upstream timed out",  # names no host
    ],
    ids=["refused", "no-such-service", "other-port", "other-namespace", "no-host"],
)
def test_a_log_that_does_not_name_a_dropped_connection_to_a_service_is_not_enough(
    log: str, scenario: Scenario
) -> None:
    analysed = scenario("networkpolicy-deny")
    assert AllowIngress().propose(readiness(analysed, log=log), analysed[1]) is None


def test_the_cluster_ip_and_a_qualified_name_name_the_service_too(scenario: Scenario) -> None:
    analysed = scenario("networkpolicy-deny")
    for log in (
        "dial tcp 10.96.151.49:8080: i/o timeout".replace("10.96.151.49", _cluster_ip(analysed[1])),
        "GET http://catalog-api.shop.svc.cluster.local:8080/x: context deadline exceeded",
    ):
        plan = AllowIngress().propose(readiness(analysed, log=log), analysed[1])
        assert isinstance(plan, Plan), log
        assert dict(plan.steps[0].params) == ALLOW


def _cluster_ip(frames: Frames) -> str:
    svc = frames.services
    return str(svc[svc[Services.NAME] == "catalog-api"][Services.CLUSTER_IP].iloc[0])


def _policies(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Frames], Frames]:
    return lambda frames: changed(frames, NetworkPolicies.FRAME, change)


def _deny(df: pd.DataFrame) -> pd.Series:
    return df[NetworkPolicies.NAME] == "default-deny-ingress"


@pytest.mark.parametrize(
    "change",
    [
        # The policy has an ingress rule: it may admit the frontend already (the frames keep no peers).
        _policies(lambda df: set_cell(df, _deny(df), NetworkPolicies.INGRESS_RULES, 1)),
        # It also isolates the frontend for egress: an ingress rule alone would not let it through.
        _policies(lambda df: set_cell(df, _deny(df), NetworkPolicies.POLICY_TYPES, ["Ingress", "Egress"])),
        # Only for egress: nothing isolates catalog-api for ingress.
        _policies(lambda df: set_cell(df, _deny(df), NetworkPolicies.POLICY_TYPES, ["Egress"])),
        # No policy at all.
        _policies(lambda df: df.iloc[0:0]),
        # A policy of the name the step would create exists.
        _policies(lambda df: set_cell(df, _deny(df), NetworkPolicies.NAME, "allow-frontend-to-catalog-api")),
        # The frontend's selector has an expression: plain labels could not say it.
        lambda frames: changed(
            frames,
            Deployments.FRAME,
            lambda df: set_cell(
                df, df[Deployments.NAME] == "frontend", Deployments.SELECTOR_EXPRESSIONS, ["tier in (web)"]
            ),
        ),
        # The Service selects no pod.
        lambda frames: changed(
            frames,
            Services.FRAME,
            lambda df: set_cell(df, df[Services.NAME] == "catalog-api", Services.SELECTOR, {"app": "gone"}),
        ),
    ],
    ids=["ingress-rules", "egress-too", "egress-only", "no-policy", "name-taken", "expressions", "no-pods"],
)
def test_a_missing_link_gives_no_plan(change: Callable[[Frames], Frames], scenario: Scenario) -> None:
    analysed = scenario("networkpolicy-deny")
    assert AllowIngress().propose(readiness(analysed), change(analysed[1])) is None


def test_a_named_target_port_stays_named_when_the_pods_do_not_give_it_one_number(scenario: Scenario) -> None:
    analysed = scenario("networkpolicy-deny")

    def unnamed(df: pd.DataFrame) -> pd.DataFrame:
        return set_cell(df, df[Containers.CONTAINER] == "catalog-api", Containers.PORTS, ["8080/TCP"])

    plan = AllowIngress().propose(readiness(analysed), changed(analysed[1], Containers.FRAME, unnamed))
    assert isinstance(plan, Plan)
    assert plan.steps[0].params["ports"] == [{"protocol": "TCP", "port": "http"}]


def test_the_policy_finding_needs_log_tails(scenario: Scenario) -> None:
    report, frames = scenario("networkpolicy-deny")
    policy = next(f for f in report.findings if f.code == "networkpolicy.blocks-traffic")
    assert AllowIngress().propose(policy, frames) is None  # these frames hold no logs
    assert isinstance(propose(policy, frames), Investigation)


def test_the_policy_finding_opens_the_connections_it_cuts() -> None:
    with sandbox.start(scenario="networkpolicy-deny", manual_clock=True) as sb:
        sb.advance(ADVANCE_SECONDS)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            report = cluster.analyze()
            frames = with_log_tails(cluster.frames(), cluster.source)
    policy = next(f for f in report.findings if f.code == "networkpolicy.blocks-traffic")
    plan = AllowIngress().propose(policy, frames)
    assert isinstance(plan, Plan)
    assert [dict(s.params) for s in plan.steps] == [ALLOW]
    assert plan.findings == (policy.id,)


# ---- create-storage-class -------------------------------------------------------------------------


def claim(report_and_frames: Analysed) -> Finding:
    report, _ = report_and_frames
    return next(f for f in report.findings if f.code == "pvc.pending")


def test_the_missing_class_is_created_like_the_default_one(scenario: Scenario) -> None:
    analysed = scenario("pvc-pending")
    plan = CreateStorageClass().propose(claim(analysed), analysed[1])
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), step.target.namespace) == (
        "create-storage-class",
        "StorageClass fast-ssd",
        "",
    )
    assert dict(step.params) == {
        "provisioner": "rancher.io/local-path",
        "reclaim_policy": "Delete",
        "volume_binding_mode": "WaitForFirstConsumer",
        "allow_volume_expansion": False,
    }
    notes = " ".join(plan.notes)
    assert "backed by the default class standard's provisioner" in notes
    assert "not real fast-ssd storage" in notes
    assert "storageClassName cannot be changed" in notes
    assert "Its parameters are the default class's (none)" in notes


def test_the_default_class_parameters_are_copied(scenario: Scenario) -> None:
    report, frames = scenario("pvc-pending")

    def with_parameters(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df[StorageClasses.PARAMETERS] = [{"nodePath": "/data", "type": "local"} for _ in range(len(df))]
        return df

    plan = CreateStorageClass().propose(claim((report, frames)), _classes(with_parameters)(frames))
    assert isinstance(plan, Plan)
    assert plan.steps[0].params["parameters"] == {"nodePath": "/data", "type": "local"}
    assert "(nodePath=/data, type=local)" in " ".join(plan.notes)


def _classes(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Frames], Frames]:
    return lambda frames: changed(frames, StorageClasses.FRAME, change)


def _second_default(df: pd.DataFrame) -> pd.DataFrame:
    other = df.copy()
    other[StorageClasses.NAME] = "premium"
    return pd.concat([df, other], ignore_index=True).astype(df.dtypes.to_dict())


@pytest.mark.parametrize(
    "change",
    [
        _classes(lambda df: set_cell(df, df[StorageClasses.DEFAULT], StorageClasses.DEFAULT, False)),
        _classes(_second_default),
        _classes(
            lambda df: set_cell(df, df[StorageClasses.NAME] == "standard", StorageClasses.NAME, "fast-ssd")
        ),
        lambda frames: changed(
            frames, Pvcs.FRAME, lambda df: set_cell(df, df[Pvcs.PHASE] == "Pending", Pvcs.PHASE, "Bound")
        ),
        lambda frames: Frames(
            {n: frames[n] for n in frames.pulled if n != StorageClasses.FRAME},
            source=frames.source,
            captured_at=frames.captured_at,
        ),
    ],
    ids=["no-default", "two-defaults", "class-exists", "claim-bound", "classes-not-read"],
)
def test_no_plan_without_the_evidence(change: Callable[[Frames], Frames], scenario: Scenario) -> None:
    analysed = scenario("pvc-pending")
    assert CreateStorageClass().propose(claim(analysed), change(analysed[1])) is None
    assert isinstance(propose(claim(analysed), change(analysed[1])), Investigation)

"""fix-ingress-backend and fix-service-selector: the one close existing name, else investigate."""

from __future__ import annotations

from tests.analyzers.pods.objects import node, pod
from tests.remediation.planners.objects import (
    Obj,
    bundle,
    deployment,
    finding_of,
    ingress,
    replicaset,
    service,
)
from workbench.frames import Frames
from workbench.model import Investigation, Plan
from workbench.remediation.planners import propose


def port(number: int, name: str = "http") -> list[Obj]:
    return [{"name": name, "port": number, "protocol": "TCP", "targetPort": name}]


def routed(*services: Obj) -> Frames:
    rules = [
        ("a.example", [("/", "web", 80), ("/api", "api", 8080)]),
        ("b.example", [("/", "landing", 80)]),
    ]
    return bundle(
        ingress("site", rules, default=("landing", 80)),
        service("web", {"app": "web"}),
        service("api", {"app": "api"}, ports=port(8080)),
        *services,
    )


def test_every_route_to_the_missing_service_is_tested_then_replaced() -> None:
    frames = routed(service("landing-page", {"app": "landing-page"}))
    plan = propose(finding_of(frames, "ingress.backend-missing"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), step.target.api_version) == (
        "patch",
        "Ingress shop/site",
        "networking.k8s.io/v1",
    )
    default, rule = "/spec/defaultBackend/service/name", "/spec/rules/1/http/paths/0/backend/service/name"
    assert dict(step.params) == {
        "patch_type": "json",
        "patch": [
            {"op": "test", "path": default, "value": "landing"},
            {"op": "replace", "path": default, "value": "landing-page"},
            {"op": "test", "path": rule, "value": "landing"},
            {"op": "replace", "path": rule, "value": "landing-page"},
        ],
    }


def test_two_close_services_are_an_ambiguity() -> None:
    frames = routed(service("landing-page", {"app": "a"}), service("landing-v2", {"app": "b"}))
    look = propose(finding_of(frames, "ingress.backend-missing"), frames)
    assert isinstance(look, Investigation)
    assert (
        "several Services exposing port 80 have names close to landing (landing-page, landing-v2)"
        in look.checks[0]
    )


def test_a_close_name_that_does_not_expose_the_port_is_not_a_candidate() -> None:
    frames = routed(service("landing-page", {"app": "landing-page"}, ports=port(8080)))
    look = propose(finding_of(frames, "ingress.backend-missing"), frames)
    assert isinstance(look, Investigation)
    assert "no Service exposing port 80 has a name close to landing" in look.checks[0]


def orders(*objects: Obj, selector: str = "order-api") -> Frames:
    return bundle(service("orders-api", {"app": selector}, namespace="orders"), node("node-1"), *objects)


def orders_pods(deployment_name: str, rs: str, label: str = "orders-api", count: int = 2) -> list[Obj]:
    pods = [
        pod(f"{rs}-p{i}", "orders", owner=("ReplicaSet", rs), labels={"app": label}) for i in range(count)
    ]
    return [deployment(deployment_name, "orders"), replicaset(rs, deployment_name, "orders"), *pods]


def test_a_mistyped_selector_selects_the_one_workload_it_nearly_matches() -> None:
    frames = orders(*orders_pods("orders-api", "orders-api-5f6d7c8b9"))
    plan = propose(finding_of(frames, "service.no-endpoints"), frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), step.target.api_version, dict(step.params)) == (
        "set-service-selector",
        "Service orders/orders-api",
        "v1",
        {"selector": {"app": "orders-api"}},
    )
    assert step.title == (
        "Select app=orders-api instead of app=order-api in service orders/orders-api, the labels of "
        "deployment orders/orders-api's pods"
    )


def test_a_corrected_selector_spanning_two_workloads_gets_an_investigation() -> None:
    frames = orders(
        *orders_pods("orders-api", "orders-api-5f6d7c8b9"),
        *orders_pods("orders-api-canary", "orders-api-canary-7c8b9d6f5"),
    )
    look = propose(finding_of(frames, "service.no-endpoints"), frames)
    assert isinstance(look, Investigation)
    assert "pods of several workloads" in look.checks[0]


def test_two_close_label_values_get_an_investigation() -> None:
    frames = orders(
        *orders_pods("orders-api", "orders-api-5f6d7c8b9"),
        *orders_pods("order-apis", "order-apis-7c8b9d6f5", label="order-apis"),
    )
    look = propose(finding_of(frames, "service.no-endpoints"), frames)
    assert isinstance(look, Investigation)
    assert "several values of app are close to order-api (order-apis, orders-api)" in look.checks[0]

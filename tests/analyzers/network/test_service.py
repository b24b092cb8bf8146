"""The service analyzer: no pod selected, none ready, a target port nobody exposes — and no false alarms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.analyzers.network.objects import endpoints, frames_of, pod, service, warnings_of, workload
from workbench.analyzers.network.service import ServiceAnalyzer
from workbench.frames import Frames
from workbench.model import Finding, ObjectRef, Severity

RS = ("ReplicaSet", "orders-api-7d9f")
ORDERS = {"app": "orders-api"}


def orders_pods(*, ready: bool = True, waiting: str | None = None, **kw: Any) -> list[dict[str, Any]]:
    return [
        pod(
            f"orders-api-7d9f-{s}",
            labels={**ORDERS, "pod-template-hash": "7d9f"},
            owner=RS,
            ready=ready,
            waiting=waiting,
            **kw,
        )
        for s in ("a", "b")
    ]


def owned() -> dict[str, list[dict[str, Any]]]:
    """The ReplicaSet and Deployment the orders pods belong to."""
    return {
        "replicasets": [
            workload(
                "ReplicaSet",
                RS[1],
                {**ORDERS, "pod-template-hash": "7d9f"},
                owner=("Deployment", "orders-api"),
            )
        ],
        "deployments": [workload("Deployment", "orders-api", ORDERS)],
    }


def analyze(frames: Frames) -> list[Finding]:
    return sorted(ServiceAnalyzer().analyze(frames), key=Finding.sort_key)


NO_FINDINGS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "ready endpoints": {
        "services": [service("orders-api", ORDERS)],
        "endpoints": [endpoints("orders-api", ready=["orders-api-7d9f-a", "orders-api-7d9f-b"])],
        "pods": orders_pods(),
    },
    "no selector: Endpoints managed by hand": {
        "services": [service("kubernetes", None, namespace="default")],
        "endpoints": [endpoints("kubernetes", namespace="default")],
        "pods": [],
    },
    "ExternalName": {
        "services": [service("billing-db", None, type_="ExternalName")],
        "endpoints": [],
        "pods": [],
    },
    "headless with ready pods": {
        "services": [service("orders-api-hl", ORDERS, cluster_ip="None")],
        "endpoints": [endpoints("orders-api-hl", ready=["orders-api-7d9f-a"])],
        "pods": orders_pods(),
    },
    "rollout: old pods terminating, new pods ready": {
        "services": [service("orders-api", ORDERS)],
        "endpoints": [endpoints("orders-api", ready=["orders-api-8e0a-a"], not_ready=["orders-api-7d9f-a"])],
        "pods": [
            *orders_pods(ready=False, deleted=True),
            pod("orders-api-8e0a-a", labels=ORDERS, owner=("ReplicaSet", "orders-api-8e0a")),
        ],
    },
    "numeric targetPort, containers declare no ports": {
        "services": [service("orders-api", ORDERS, ports=[{"port": 80, "targetPort": 9090}])],
        "endpoints": [endpoints("orders-api", ready=["orders-api-7d9f-a"])],
        "pods": orders_pods(ports=()),
    },
    "no Endpoints frame, pods ready": {"services": [service("orders-api", ORDERS)], "pods": orders_pods()},
}


@pytest.mark.parametrize("objects", NO_FINDINGS.values(), ids=NO_FINDINGS.keys())
def test_services_that_route_somewhere_have_no_findings(objects: dict[str, list[dict[str, Any]]]) -> None:
    assert analyze(frames_of(**objects)) == []


def test_a_selector_typo_is_reported_with_the_label_the_pods_carry() -> None:
    frames = frames_of(
        services=[service("orders-api", {"app": "order-api"})],
        endpoints=[endpoints("orders-api")],
        pods=orders_pods(),
        **owned(),
    )
    [found] = analyze(frames)
    assert (found.code, found.severity, found.ref) == (
        "service.no-endpoints",
        Severity.CRITICAL,
        ObjectRef("Service", "shop", "orders-api", "uid-shop-orders-api"),
    )
    assert (
        found.summary
        == "Service shop/orders-api selects no pods (app=order-api); did you mean app=orders-api?"
    )
    assert [(e.subject, e.value) for e in found.evidence] == [
        ("spec.selector", "app=order-api"),
        ("endpoints", "0 ready, 0 not ready"),
        ("label app of pods in shop", "app=orders-api"),
    ]
    assert found.evidence[2].ref == ObjectRef("Deployment", "shop", "orders-api")
    assert found.planners == ("fix-service-selector",)
    assert found.related == (ObjectRef("Deployment", "shop", "orders-api"),)
    assert found.docs_url.startswith("https://kubernetes.io/docs/")


def test_a_service_whose_workload_is_scaled_to_zero_suggests_scaling() -> None:
    frames = frames_of(
        services=[service("kube-dns", {"k8s-app": "kube-dns"}, namespace="kube-system")],
        endpoints=[endpoints("kube-dns", namespace="kube-system")],
        pods=[],
        deployments=[
            workload("Deployment", "coredns", {"k8s-app": "kube-dns"}, namespace="kube-system", replicas=0)
        ],
    )
    [found] = analyze(frames)
    assert found.code == "service.no-endpoints"
    assert (
        found.summary
        == "Service kube-system/kube-dns has no endpoints: Deployment kube-system/coredns is scaled to 0"
    )
    assert found.planners == ("scale",)
    assert [r.name for r in found.related] == ["coredns"]
    assert ("spec.replicas", "wants 0 pods") in [(e.subject, e.value) for e in found.evidence]


def test_selected_pods_none_ready_name_their_workload() -> None:
    frames = frames_of(
        services=[service("orders-api", ORDERS)],
        endpoints=[endpoints("orders-api", not_ready=["orders-api-7d9f-a", "orders-api-7d9f-b"])],
        pods=orders_pods(ready=False, waiting="CrashLoopBackOff"),
        **owned(),
    )
    [found] = analyze(frames)
    assert (found.code, found.severity) == ("service.no-ready-endpoints", Severity.CRITICAL)
    assert found.related == (ObjectRef("Deployment", "shop", "orders-api"),)
    values = [(e.subject, e.value, e.ref.name if e.ref else None) for e in found.evidence]
    assert values[0] == ("endpoints", "0 ready, 2 not ready", "orders-api")
    assert ("status", "CrashLoopBackOff, not ready", "orders-api-7d9f-a") in values
    assert "2 pod(s) match its selector and none is ready" in found.summary


def test_without_endpoints_frame_readiness_comes_from_the_pods() -> None:
    frames = frames_of(services=[service("orders-api", ORDERS)], pods=orders_pods(ready=False))
    assert [(f.code, f.evidence[0].subject) for f in analyze(frames)] == [
        ("service.no-ready-endpoints", "spec.selector")
    ]


@pytest.mark.parametrize(
    ("target", "declared", "ready", "expected"),
    [
        # a named target no container declares keeps ready pods out of the Endpoints: the port is the cause
        ("web", "http", [], [("service.port-mismatch", Severity.CRITICAL)]),
        ("web", "http", ["orders-api-7d9f-a"], [("service.port-mismatch", Severity.ERROR)]),
        # a number need not be declared (metrics ports often are not): it proves nothing
        (9090, "http", ["orders-api-7d9f-a"], []),
        (8080, "http", ["orders-api-7d9f-a"], []),
        ("http", "http", ["orders-api-7d9f-a"], []),
    ],
)
def test_target_ports_no_selected_container_exposes(
    target: str | int, declared: str, ready: list[str], expected: list[tuple[str, Severity]]
) -> None:
    frames = frames_of(
        services=[service("orders-api", ORDERS, ports=[{"name": "http", "port": 80, "targetPort": target}])],
        endpoints=[endpoints("orders-api", ready=ready)],
        pods=orders_pods(ports=[{"name": declared, "containerPort": 8080, "protocol": "TCP"}]),
    )
    found = analyze(frames)
    assert [(f.code, f.severity) for f in found] == expected
    if found:
        assert found[0].evidence[0].value == str(target)
        assert found[0].evidence[-1].value == f"{declared}:8080/TCP"
        assert found[0].planners == ()


def test_a_networkpolicy_that_cuts_the_pods_off_is_named_as_a_cause() -> None:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": "shop", "uid": "uid-np"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }
    frames = frames_of(
        services=[service("orders-api", ORDERS)],
        endpoints=[endpoints("orders-api", not_ready=["orders-api-7d9f-a"])],
        pods=orders_pods(ready=False),
        networkpolicies=[policy],
    )
    [found] = analyze(frames)
    assert ObjectRef("NetworkPolicy", "shop", "default-deny", "uid-np") in found.related
    assert found.evidence[-1].value == "NetworkPolicy default-deny allows no traffic"


def test_service_selector_scenario(scenario: Callable[[str], Frames]) -> None:
    found = analyze(scenario("service-selector"))
    assert warnings_of(found) == [("service.no-endpoints", "Service orders/orders-api")]
    assert found[0].summary.endswith("did you mean app=orders-api?")
    assert found[0].related == (ObjectRef("Deployment", "orders", "orders-api"),)


def test_dns_down_scenario(scenario: Callable[[str], Frames]) -> None:
    found = {f.ref.name: f for f in analyze(scenario("dns-down"))}
    assert sorted((f.code, str(f.ref)) for f in found.values()) == [
        ("service.no-endpoints", "Service kube-system/kube-dns"),
        ("service.no-ready-endpoints", "Service booking/booking-api"),
    ]
    assert found["kube-dns"].planners == ("scale",)
    assert [str(r) for r in found["booking-api"].related] == ["Deployment booking/booking-api"]


def test_healthy_scenario_has_no_service_findings(scenario: Callable[[str], Frames]) -> None:
    assert analyze(scenario("healthy")) == []

"""Apps that call other services: crash, unready or degraded while one is unreachable; healed once back."""

from __future__ import annotations

from typing import Any

from tests.sandbox.control._kubelet_pods import (
    add_images,
    condition,
    container,
    create,
    get,
    logs,
    pod,
    status_of,
)
from workbench import sandbox

IMAGES = {
    "shop/checkout": {
        "ports": [8080],
        "paths": ["/healthz"],
        "startup": "2s",
        "depends": [{"host": "postgres", "port": 5432, "on_fail": "crash"}],
        "logs": {
            "start": ["checkout {tag} starting on :{port}"],
            "dependency": ["FATAL cannot connect to {dep}: {error}"],
            "steady": ["GET /cart 200 {ms}ms"],
            "every": "10s",
        },
    },
    "shop/web": {
        "ports": [8080],
        "paths": ["/healthz"],
        "depends": [{"host": "cart", "port": 8080, "on_fail": "unready"}],
    },
    "shop/cart": {"ports": [8080], "paths": ["/healthz"]},
    "shop/reporter": {
        "ports": [8080],
        "depends": [{"host": "metrics", "port": 9090, "on_fail": "degraded"}],
    },
}


def service(name: str, port: int, app: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"selector": {"app": app}, "ports": [{"port": port}]},
    }


def test_an_unreachable_dependency_crashes_the_app_until_it_is_there(sb: sandbox.Sandbox) -> None:
    add_images(sb, IMAGES)
    create(sb, "Pod", pod("checkout", container("app", "shop/checkout:1.4")))
    sb.advance(0)
    sb.advance(40)
    assert status_of(sb, "checkout")["restartCount"] >= 2
    assert status_of(sb, "checkout")["lastState"]["terminated"]["reason"] == "Error"
    assert logs(sb, "checkout", "app", previous=True) == [
        "checkout 1.4 starting on :8080",
        "FATAL cannot connect to postgres:5432: dial tcp: lookup postgres on 10.96.0.10:53: no such host",
    ]
    create(
        sb,
        "Pod",
        pod("postgres", container("db", "postgres:16", env=[{"name": "POSTGRES_PASSWORD", "value": "x"}])),
    )
    create(sb, "Service", service("postgres", 5432, "postgres"))
    sb.advance(0)
    sb.advance(200)
    assert get(sb, "checkout")["status"]["phase"] == "Running"
    assert status_of(sb, "checkout")["ready"] is True
    assert "running" in status_of(sb, "checkout")["state"]
    assert logs(sb, "checkout", "app")[-1].startswith("GET /cart 200 ")
    assert sb.control.errors == []


def test_an_unreachable_dependency_makes_the_app_unready(sb: sandbox.Sandbox) -> None:
    add_images(sb, IMAGES)
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5}
    create(sb, "Pod", pod("web", container("web", "shop/web:2", readinessProbe=probe)))
    sb.advance(0)
    sb.advance(30)
    assert status_of(sb, "web")["restartCount"] == 0
    assert condition(sb, "web", "Ready")["status"] == "False"
    unhealthy = {
        e["message"] for e in sb.control.cluster.objects("Event", "default") if e["reason"] == "Unhealthy"
    }
    assert unhealthy == {"Readiness probe failed: HTTP probe failed with statuscode: 503"}
    assert (
        logs(sb, "web", "web")[0] == "Error: cart:8080: dial tcp: lookup cart on 10.96.0.10:53: no such host"
    )
    create(sb, "Pod", pod("cart", container("app", "shop/cart:3")))
    create(sb, "Service", service("cart", 8080, "cart"))
    sb.advance(0)
    sb.advance(60)
    assert condition(sb, "web", "Ready")["status"] == "True"
    assert sb.control.errors == []


def test_a_degraded_app_only_logs(sb: sandbox.Sandbox) -> None:
    add_images(sb, IMAGES)
    create(sb, "Pod", pod("reporter", container("app", "shop/reporter:1")))
    sb.advance(0)
    sb.advance(35)
    assert status_of(sb, "reporter")["ready"] is True
    assert status_of(sb, "reporter")["restartCount"] == 0
    errors = [line for line in logs(sb, "reporter", "app") if line.startswith("Error: metrics:9090")]
    assert len(errors) >= 3  # one per check, every 10 s
    assert sb.control.errors == []

"""Probes: readiness on a path the app lacks, liveness restarts, startup, exec, named ports, no idle wakes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Kubectl
from tests.sandbox.control._kubelet_pods import (  # fixtures
    add_images,
    condition,
    container,
    create,
    get,
    pod,
    reasons,
    status_of,
)
from workbench import sandbox
from workbench.sandbox._store import Key


def http(path: str, port: int | str, **fields: Any) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": port}, "periodSeconds": 5, **fields}


def test_readiness_on_a_path_the_app_does_not_serve(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    web = container("web", "nginx:1.27", readinessProbe=http("/healthz", 80))
    create(sb, "Pod", pod("web", web))
    sb.advance(0)
    sb.advance(60)
    assert get(sb, "web")["status"]["phase"] == "Running"
    cs = status_of(sb, "web")
    assert (cs["ready"], cs["started"], cs["restartCount"]) == (False, True, 0)
    ready = condition(sb, "web", "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [web]",
    )
    unhealthy = [e for e in sb.control.cluster.objects("Event", "default") if e["reason"] == "Unhealthy"]
    assert len(unhealthy) == 1
    assert unhealthy[0]["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 404"
    assert unhealthy[0]["type"] == "Warning"
    assert unhealthy[0]["count"] >= 10
    row = kubectl("get", "pod", "web", "--no-headers").stdout.split()
    assert row[1:3] == ["0/1", "Running"]
    assert re.search(
        r"Warning\s+Unhealthy\s+.*Readiness probe failed: HTTP probe failed with statuscode: 404",
        kubectl("describe", "pod", "web").stdout,
    )
    assert sb.control.errors == []


def test_readiness_on_a_port_nothing_listens_on(sb: sandbox.Sandbox) -> None:
    web = container("web", "nginx:1.27", readinessProbe=http("/", 8081))
    create(sb, "Pod", pod("web", web))
    sb.advance(0)
    sb.advance(30)
    ip = get(sb, "web")["status"]["podIP"]
    messages = {m for r, m in reasons(sb, "web") if r == "Unhealthy"}
    assert messages == {
        f'Readiness probe failed: Get "http://{ip}:8081/": dial tcp {ip}:8081: connect: connection refused'
    }


def test_a_named_port_and_a_good_path_make_the_pod_ready(sb: sandbox.Sandbox) -> None:
    web = container(
        "web",
        "nginx:1.27",
        ports=[{"name": "http", "containerPort": 80}],
        readinessProbe=http("/index.html", "http"),
        livenessProbe={"tcpSocket": {"port": "http"}, "periodSeconds": 10},
    )
    create(sb, "Pod", pod("web", web))
    sb.advance(0)
    sb.advance(30)
    assert condition(sb, "web", "Ready")["status"] == "True"
    assert [r for r, _ in reasons(sb, "web")] == ["Pulling", "Pulled", "Created", "Started"]


def test_liveness_failures_restart_the_container(sb: sandbox.Sandbox) -> None:
    web = container("web", "nginx:1.27", livenessProbe=http("/healthz", 80, failureThreshold=3))
    create(sb, "Pod", pod("web", web))
    sb.advance(0)
    sb.advance(45)
    assert ("Killing", "Container web failed liveness probe, will be restarted") in reasons(sb, "web")
    assert ("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 404") in reasons(
        sb, "web"
    )
    cs = status_of(sb, "web")
    assert cs["restartCount"] >= 1
    last = cs["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "Error")
    assert sb.control.errors == []


def test_the_classic_exec_liveness_example(sb: sandbox.Sandbox) -> None:
    script = "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"
    healthy = "/tmp/healthy"  # noqa: S108  # inside the simulated container
    probe = {"exec": {"command": ["cat", healthy]}, "initialDelaySeconds": 5, "periodSeconds": 5}
    create(
        sb,
        "Pod",
        pod(
            "liveness-exec",
            container("liveness", "busybox:1.36", args=["/bin/sh", "-c", script], livenessProbe=probe),
        ),
    )
    sb.advance(0)
    sb.advance(31)
    assert status_of(sb, "liveness-exec")["restartCount"] == 0
    assert not [r for r, _ in reasons(sb, "liveness-exec") if r == "Unhealthy"]
    sb.advance(30)
    assert (
        "Unhealthy",
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory",
    ) in reasons(sb, "liveness-exec")
    assert ("Killing", "Container liveness failed liveness probe, will be restarted") in reasons(
        sb, "liveness-exec"
    )
    assert status_of(sb, "liveness-exec")["restartCount"] == 1


def test_startup_probe_holds_the_others_and_kills_a_slow_app(sb: sandbox.Sandbox) -> None:
    add_images(sb, {"shop/slow": {"ports": [8080], "paths": ["/healthz"], "startup": "20s"}})
    patient = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 2, "failureThreshold": 30}
    hasty = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 2, "failureThreshold": 3}
    liveness = http("/healthz", 8080)
    create(
        sb,
        "Pod",
        pod("patient", container("app", "shop/slow:1", startupProbe=patient, livenessProbe=liveness)),
    )
    create(
        sb, "Pod", pod("hasty", container("app", "shop/slow:1", startupProbe=hasty, livenessProbe=liveness))
    )
    sb.advance(0)
    sb.advance(10)
    assert status_of(sb, "patient")["started"] is False
    assert status_of(sb, "patient")["ready"] is False
    sb.advance(30)
    assert status_of(sb, "patient")["started"] is True
    assert status_of(sb, "patient")["ready"] is True
    assert status_of(sb, "patient")["restartCount"] == 0
    assert ("Killing", "Container app failed startup probe, will be restarted") in reasons(sb, "hasty")
    assert not [m for r, m in reasons(sb, "patient") if r == "Unhealthy" and m.startswith("Liveness")]
    assert sb.control.errors == []


def test_readiness_needs_success_threshold_passes(sb: sandbox.Sandbox) -> None:
    web = container("web", "nginx:1.27", readinessProbe=http("/", 80, successThreshold=3, periodSeconds=10))
    create(sb, "Pod", pod("web", web))
    sb.advance(0)
    sb.advance(15)
    assert status_of(sb, "web")["ready"] is False  # at most one passing probe so far
    sb.advance(30)
    assert status_of(sb, "web")["ready"] is True


def test_a_healthy_pod_with_probes_is_not_woken(sb: sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    kubelet = sb.control.controllers["kubelet"]
    synced: list[Key] = []
    original: Callable[[Key], float | None] = kubelet.sync

    def counting(key: Key) -> float | None:
        synced.append(key)
        return original(key)

    monkeypatch.setattr(kubelet, "sync", counting)
    web = container(
        "web",
        "nginx:1.27",
        readinessProbe=http("/", 80, periodSeconds=1),
        livenessProbe=http("/", 80, periodSeconds=1),
    )
    create(sb, "Pod", pod("web", web))
    sb.advance(0)
    sb.advance(30)
    assert condition(sb, "web", "Ready")["status"] == "True"
    before = len(synced)
    sb.advance(3600)
    assert len(synced) == before
    assert status_of(sb, "web")["restartCount"] == 0

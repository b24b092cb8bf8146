"""Helpers for the kubelet tests: pods bound to a node, their status, events and logs."""

from __future__ import annotations

from typing import Any

from tests.conftest import Kubectl
from workbench import sandbox
from workbench.sandbox._control._apps import images_from_mapping


def pod(name: str, *containers: dict[str, Any], node: str = "kind-worker", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": name}},
        "spec": {"nodeName": node, "containers": list(containers), **spec},
    }


def container(name: str, image: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": image, **fields}


def create(sb: sandbox.Sandbox, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    cluster = sb.control.cluster
    return cluster.api.create(cluster.rtype(kind), obj["metadata"].get("namespace", "default"), obj)


def get(sb: sandbox.Sandbox, name: str) -> dict[str, Any]:
    found = sb.control.cluster.get("Pod", "default", name)
    assert found is not None
    return found


def status_of(sb: sandbox.Sandbox, name: str, container_name: str = "") -> dict[str, Any]:
    statuses = get(sb, name)["status"].get("containerStatuses") or []
    statuses += get(sb, name)["status"].get("initContainerStatuses") or []
    return next(s for s in statuses if not container_name or s["name"] == container_name)


def waiting_reason(sb: sandbox.Sandbox, name: str, container_name: str = "") -> str:
    return str((status_of(sb, name, container_name)["state"].get("waiting") or {}).get("reason", ""))


def condition(sb: sandbox.Sandbox, name: str, kind: str) -> dict[str, Any]:
    return next(c for c in get(sb, name)["status"]["conditions"] if c["type"] == kind)


def events(sb: sandbox.Sandbox, name: str) -> list[dict[str, Any]]:
    """The pod's events in the order they were first recorded."""
    found = [
        e
        for e in sb.control.cluster.objects("Event", "default")
        if e["involvedObject"]["kind"] == "Pod" and e["involvedObject"]["name"] == name
    ]
    return sorted(found, key=lambda e: int(e["metadata"]["name"].rsplit(".", 1)[1], 16))


def reasons(sb: sandbox.Sandbox, name: str) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in events(sb, name)]


def logs(sb: sandbox.Sandbox, name: str, container_name: str, *, previous: bool = False) -> list[str]:
    return [line for _, line in sb.logs.lines(("default", name, container_name), previous=previous)]


def add_images(sb: sandbox.Sandbox, images: dict[str, Any]) -> None:
    """Extend the running sandbox's image catalog, as a scenario's images.yaml would."""
    cluster = sb.control.cluster
    cluster.catalog = cluster.catalog.extended(images_from_mapping(images, source="test"))


def table_status(kubectl: Kubectl, name: str) -> str:
    line = kubectl("get", "pod", name, "--no-headers").stdout.split()
    return line[2]

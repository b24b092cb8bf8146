"""Real-shaped API objects for analyzer tests, and frames built from them through the frame builders."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from workbench.frames import Frames
from workbench.frames._registry import builder_for
from workbench.model import Finding, Severity
from workbench.sources._kinds import Kind, builtin

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
"""The moment test bundles are captured at."""


def ts(ago: float = 0) -> str:
    """An RFC 3339 time ``ago`` seconds before `NOW`."""
    return (NOW - timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(
    name: str,
    namespace: str = "shop",
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "uid": f"uid-{namespace}-{name}",
        "labels": labels or {},
        "creationTimestamp": ts(3600),
        **extra,
    }
    if namespace:
        out["namespace"] = namespace
    if owner is not None:
        kind, owner_name = owner
        api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
        out["ownerReferences"] = [
            {
                "apiVersion": api,
                "kind": kind,
                "name": owner_name,
                "uid": f"uid-{owner_name}",
                "controller": True,
            }
        ]
    return out


def pod(
    name: str,
    *,
    labels: dict[str, str],
    namespace: str = "shop",
    owner: tuple[str, str] | None = None,
    ready: bool = True,
    phase: str = "Running",
    node: str | None = "kind-worker",
    ports: Sequence[dict[str, Any]] = ({"name": "http", "containerPort": 8080, "protocol": "TCP"},),
    waiting: str | None = None,
    deleted: bool = False,
    host_network: bool = False,
    config_maps: Sequence[str] = (),
    reason: str | None = None,
    unschedulable: str | None = None,
) -> dict[str, Any]:
    """A pod with one app container (and optionally an init container that completed)."""
    container: dict[str, Any] = {"name": "app", "image": "registry.example/app:1.0", "ports": list(ports)}
    if config_maps:
        container["envFrom"] = [{"configMapRef": {"name": c}} for c in config_maps]
    spec: dict[str, Any] = {"containers": [container], "hostNetwork": host_network}
    if node:
        spec["nodeName"] = node
    state: dict[str, Any] = (
        {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": ts(1800)}}
    )
    status: dict[str, Any] = {"phase": phase, "startTime": ts(1800)}
    if reason:
        status["reason"] = reason
    if phase in ("Running", "Pending") and node:
        status["conditions"] = [
            {"type": "Ready", "status": str(ready), "lastTransitionTime": ts(1700)},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(1800)},
        ]
        status["containerStatuses"] = [
            {
                "name": "app",
                "ready": ready,
                "started": True,
                "restartCount": 0,
                "image": "registry.example/app:1.0",
                "imageID": "",
                "state": state,
            }
        ]
    elif unschedulable:
        status["conditions"] = [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": unschedulable}
        ]
    extra = {"deletionTimestamp": ts(30)} if deleted else {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name, namespace, labels, owner, **extra),
        "spec": spec,
        "status": status,
    }


def workload(
    kind: str,
    name: str,
    selector: dict[str, str],
    *,
    namespace: str = "shop",
    replicas: int = 2,
    owner: tuple[str, str] | None = None,
) -> dict[str, Any]:
    api = "batch/v1" if kind == "Job" else "apps/v1"
    return {
        "apiVersion": api,
        "kind": kind,
        "metadata": meta(name, namespace, selector, owner),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": selector},
                "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0"}]},
            },
        },
        "status": {"replicas": replicas},
    }


def service(
    name: str,
    selector: dict[str, str] | None,
    *,
    namespace: str = "shop",
    ports: Sequence[dict[str, Any]] = (
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
    ),
    type_: str = "ClusterIP",
    cluster_ip: str = "10.96.0.20",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": type_, "ports": list(ports)}
    if selector is not None:
        spec["selector"] = selector
    if type_ == "ExternalName":
        spec = {"type": type_, "externalName": "db.example.com"}
    else:
        spec["clusterIP"] = cluster_ip
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, namespace), "spec": spec}


def endpoints(
    name: str, *, namespace: str = "shop", ready: Sequence[str] = (), not_ready: Sequence[str] = ()
) -> dict[str, Any]:
    """An Endpoints object; ``ready``/``not_ready`` are pod names (addresses made up from them)."""

    def address(i: int, pod_name: str) -> dict[str, Any]:
        return {
            "ip": f"10.244.1.{i + 10}",
            "targetRef": {"kind": "Pod", "name": pod_name, "namespace": namespace},
        }

    subsets = []
    if ready or not_ready:
        subset: dict[str, Any] = {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
        if ready:
            subset["addresses"] = [address(i, p) for i, p in enumerate(ready)]
        if not_ready:
            subset["notReadyAddresses"] = [address(i + 50, p) for i, p in enumerate(not_ready)]
        subsets.append(subset)
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name, namespace), "subsets": subsets}


def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    *,
    namespace: str = "shop",
    type_: str = "Warning",
    count: int = 1,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta(f"{name}.{reason.lower()}", namespace),
        "involvedObject": {"kind": kind, "namespace": namespace, "name": name},
        "reason": reason,
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": ts(600),
        "lastTimestamp": ts(60),
        "source": {"component": "test"},
    }


def build(kind: Kind, objects: Iterable[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The frames ``kind``'s builder makes from one List page of ``objects``."""
    return builder_for(kind)(kind, [json.dumps({"items": list(objects)}).encode()])


def frames_of(**items: Iterable[dict[str, Any]]) -> Frames:
    """A bundle of the frames built from ``items`` (frame name → objects), captured at `NOW`.

    Only the named frames count as pulled: the others are empty and unread, as in a partial pull.
    """
    built: dict[str, pd.DataFrame] = {}
    for frame, objects in items.items():
        built.update(build(builtin(frame), objects))
    return Frames(built, source="test", captured_at=NOW)


def warnings_of(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """(code, 'Kind namespace/name') of every warning-or-worse finding, sorted."""
    return sorted((f.code, str(f.ref)) for f in findings if f.severity >= Severity.WARNING)

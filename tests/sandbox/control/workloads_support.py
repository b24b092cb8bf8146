"""A sandbox running only the workload controllers, and the pod statuses a kubelet would write.

The workload tests must not depend on the scheduler or the kubelets (written separately), so they
run the healthy scenario without its control plane and start one with just the workload
controllers; a test plays the kubelet by writing pod statuses through the status subresource.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import Kubectl, make_kubectl
from workbench import sandbox
from workbench.sandbox._control import Cluster, ControlPlane, builtin_catalog
from workbench.sandbox._control._workloads import CONTROLLERS
from workbench.sandbox._selectors import parse_label_selector


class Workloads:
    """A healthy sandbox with the workload controllers running on a manual clock."""

    def __init__(self, sb: sandbox.Sandbox) -> None:
        self.sb = sb
        self.cluster = Cluster(sb.api, sb.logs, catalog=builtin_catalog())
        self.plane = ControlPlane(self.cluster, [factory(self.cluster) for factory in CONTROLLERS])
        self.plane.start()
        self.advance(0)

    def advance(self, seconds: float) -> None:
        self.sb.advance(seconds)

    # -- objects ---------------------------------------------------------------------------------
    def apply(self, manifest: str, namespace: str = "default") -> dict[str, Any]:
        obj: dict[str, Any] = yaml.safe_load(manifest)
        return self.cluster.create(
            obj["kind"], {**obj, "metadata": {"namespace": namespace, **obj["metadata"]}}, manager="test"
        )

    def get(self, kind: str, name: str, namespace: str = "default") -> dict[str, Any]:
        obj = self.cluster.get(kind, namespace, name)
        assert obj is not None, f"{kind} {namespace}/{name} does not exist"
        return obj

    def exists(self, kind: str, name: str, namespace: str = "default") -> bool:
        return self.cluster.entry(kind, namespace, name) is not None

    def patch_spec(self, kind: str, name: str, change: dict[str, Any], namespace: str = "default") -> None:
        raw = json.dumps({"spec": change}).encode()
        self.sb.api.patch(self.cluster.rtype(kind), namespace, name, "application/merge-patch+json", raw)

    def list(self, kind: str, selector: str = "", namespace: str = "default") -> list[dict[str, Any]]:
        parsed = parse_label_selector(selector) if selector else None
        found = self.cluster.objects(kind, namespace, selector=parsed)
        return sorted(
            found, key=lambda o: (o["metadata"].get("creationTimestamp") or "", o["metadata"]["name"])
        )

    def pods(
        self, selector: str = "", namespace: str = "default", *, alive: bool = True
    ) -> list[dict[str, Any]]:
        """Pods (by default only those neither finished nor being deleted)."""
        pods = self.list("Pod", selector, namespace)
        if alive:
            pods = [
                p
                for p in pods
                if not p["metadata"].get("deletionTimestamp")
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            ]
        return pods

    def names(self, kind: str, selector: str = "", namespace: str = "default") -> list[str]:
        return [o["metadata"]["name"] for o in self.list(kind, selector, namespace)]

    def events(self, name: str, namespace: str = "default") -> list[tuple[str, str, str, str]]:
        """(type, reason, message, source) of the events about one object, oldest first."""
        found = [e for e in self.cluster.objects("Event", namespace) if e["involvedObject"]["name"] == name]
        found.sort(key=lambda e: e["metadata"]["name"])
        return [
            (e["type"], e["reason"], e["message"], (e.get("source") or {}).get("component", ""))
            for e in found
        ]

    # -- playing the kubelet ---------------------------------------------------------------------
    def set_pod(self, pod: dict[str, Any] | str, phase: str, *, ready: bool, restarts: int = 0) -> None:
        name = pod if isinstance(pod, str) else pod["metadata"]["name"]
        namespace = "default" if isinstance(pod, str) else pod["metadata"]["namespace"]
        current = self.get("Pod", name, namespace)
        now = self.cluster.now()
        status = dict(current.get("status") or {})
        status["phase"] = phase
        status["conditions"] = [
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastProbeTime": None,
                "lastTransitionTime": now,
            }
        ]
        containers = current["spec"]["containers"]
        status["containerStatuses"] = [
            {
                "name": c["name"],
                "image": c["image"],
                "imageID": "",
                "ready": ready,
                "restartCount": restarts,
                "started": phase == "Running",
                "state": {"running": {"startedAt": now}} if phase == "Running" else {},
            }
            for c in containers
        ]
        current["status"] = status
        self.cluster.update_status("Pod", current, manager="kubelet")

    def ready(self, *pods: dict[str, Any] | str) -> None:
        for pod in pods:
            self.set_pod(pod, "Running", ready=True)

    def run_ready(self, selector: str, namespace: str = "default") -> list[dict[str, Any]]:
        """Make every live, not yet ready pod matching `selector` Running and Ready; returns them."""
        made = []
        for pod in self.pods(selector, namespace):
            conditions = (pod.get("status") or {}).get("conditions") or []
            if not any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
                self.ready(pod)
                made.append(pod)
        return made

    def stop(self) -> None:
        self.plane.stop()
        self.sb.stop()


def running_workloads() -> Iterator[Workloads]:
    """For a test module's fixture: the sandbox, and afterwards the check that no controller failed."""
    sb = sandbox.start(scenario="healthy", manual_clock=True, control_plane=False)
    running = Workloads(sb)
    try:
        yield running
        assert running.plane.errors == []
    finally:
        running.stop()


def kubectl_for(wl: Workloads, tmp_path: Path) -> Kubectl:
    return make_kubectl(wl.sb, tmp_path / "kube-cache")

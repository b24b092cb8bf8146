"""Pods for the endpoints, network and HPA tests: bound to a node, with the status a kubelet would write.

The pods use images the built-in catalog knows (nginx:1.27, listening on 80), so a simulated kubelet,
when one runs, comes to the same verdict as the status written here: a pod with a readiness probe on a
path nginx does not serve stays unready, the others become ready. Tests read IPs back from the pods
rather than assuming the ones written here.
"""

from __future__ import annotations

from typing import Any

from workbench import sandbox
from workbench.sandbox._clock import rfc3339


def pod_manifest(
    name: str,
    labels: dict[str, str],
    *,
    namespace: str = "default",
    node: str = "kind-worker",
    ready: bool = True,
    ports: list[dict[str, Any]] | None = None,
    requests: dict[str, str] | None = None,
    spec: dict[str, Any] | None = None,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "app",
        "image": "nginx:1.27",
        "ports": [{"name": "http", "containerPort": 80}] if ports is None else ports,
    }
    if requests:
        container["resources"] = {"requests": requests}
    if not ready:
        container["readinessProbe"] = {"httpGet": {"path": "/not-served", "port": 80}, "periodSeconds": 5}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"nodeName": node, "containers": [container], **(spec or {})},
    }


def run_pod(sb: sandbox.Sandbox, manifest: dict[str, Any], ip: str, *, ready: bool = True) -> None:
    """Create the pod and write a running status for it (Ready or not), as its kubelet would."""
    cluster = sb.control.cluster
    meta = manifest["metadata"]
    if cluster.get("Pod", meta["namespace"], meta["name"]) is None:
        cluster.api.create(cluster.rtype("Pod"), meta["namespace"], manifest)
    set_status(sb, meta["namespace"], meta["name"], ip, ready=ready)


def set_status(sb: sandbox.Sandbox, namespace: str, name: str, ip: str, *, ready: bool) -> None:
    cluster = sb.control.cluster
    pod = cluster.get("Pod", namespace, name)
    assert pod is not None
    now = rfc3339(sb.clock.now())
    state = "True" if ready else "False"
    old = pod.get("status") or {}
    pod["status"] = {
        "phase": "Running",
        "conditions": [
            {"type": t, "status": s, "lastProbeTime": None, "lastTransitionTime": now}
            for t, s in (
                ("Initialized", "True"),
                ("Ready", state),
                ("ContainersReady", state),
                ("PodScheduled", "True"),
            )
        ],
        "hostIP": "172.18.0.3",
        "hostIPs": [{"ip": "172.18.0.3"}],
        "podIP": old.get("podIP") or ip,
        "podIPs": [{"ip": old.get("podIP") or ip}],
        "startTime": old.get("startTime") or now,
        "qosClass": "BestEffort",
    }
    cluster.api.update(cluster.rtype("Pod"), namespace, name, pod, subresource="status")


def service(
    name: str,
    selector: dict[str, str] | None,
    ports: list[dict[str, Any]],
    *,
    namespace: str = "default",
    **spec: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"ports": ports, **spec}
    if selector is not None:
        body["selector"] = selector
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": body,
    }


def create(sb: sandbox.Sandbox, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    cluster = sb.control.cluster
    return cluster.api.create(cluster.rtype(kind), obj["metadata"].get("namespace", ""), obj)


def pod_ip(sb: sandbox.Sandbox, name: str, namespace: str = "default") -> str:
    pod = sb.control.cluster.get("Pod", namespace, name)
    assert pod is not None
    return str(pod["status"]["podIP"])

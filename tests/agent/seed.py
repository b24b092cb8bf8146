"""Put text where cluster text lives, through the official client: env values, args, annotations,
ConfigMap data, event messages, and a container's log (the sandbox's log store, as a kubelet would)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from kubernetes import client, config

from workbench import sandbox as sandbox_pkg

NAMESPACE = "billing"
IMAGE = "registry.billing.example/invoice-api:2.3.1"


@contextmanager
def core_api(sb: sandbox_pkg.Sandbox) -> Iterator[Any]:
    api = config.new_client_from_config(str(sb.kubeconfig))
    try:
        yield client.CoreV1Api(api)
    finally:
        api.close()


def deployment(
    sb: sandbox_pkg.Sandbox,
    name: str,
    *,
    env: Sequence[tuple[str, str]] = (),
    args: Sequence[str] = (),
    annotations: dict[str, str] | None = None,
) -> None:
    """A Deployment scaled to zero holding the text in its template's env and args and its annotations.

    Not a bare pod: the analysis reads log tails per owning workload and fails on a pod without an
    owner (``workbench/frames/_log_tails.py``), which would hide what this test is about.
    """
    container: dict[str, Any] = {"name": "app", "image": IMAGE}
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env]
    if args:
        container["args"] = list(args)
    labels = {"app": name}
    body = {
        "metadata": {"name": name, "annotations": annotations or {}, "labels": labels},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }
    api = config.new_client_from_config(str(sb.kubeconfig))
    try:
        client.AppsV1Api(api).create_namespaced_deployment(NAMESPACE, body)
    finally:
        api.close()


def configmap(core: Any, name: str, data: dict[str, str]) -> None:
    core.create_namespaced_config_map(NAMESPACE, {"metadata": {"name": name}, "data": data})


def event(core: Any, sb: sandbox_pkg.Sandbox, name: str, about: str, message: str, *, reason: str) -> None:
    now = sb.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "metadata": {"name": name},
        "involvedObject": {"kind": "Pod", "name": about, "namespace": NAMESPACE},
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "source": {"component": "tests"},
    }
    core.create_namespaced_event(NAMESPACE, body)


def log_lines(sb: sandbox_pkg.Sandbox, pod_name: str, container: str, lines: Sequence[str]) -> None:
    start = sb.clock.now()
    for i, line in enumerate(lines):
        sb.logs.append((NAMESPACE, pod_name, container), line, start + timedelta(milliseconds=i))


def chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]

"""Real-shaped Kubernetes objects (as the API serves them) and the Frames bundle built from them.

Objects go through the real frame builders (``builder_for(kind)(kind, [page])``), so the tests
exercise the same columns and dtypes a live pull produces. Times are seconds before `NOW`.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from workbench.analyzers.base import Analyzer
from workbench.frames import Frames, logs_frame
from workbench.frames._pull import concat
from workbench.frames._registry import builder_for
from workbench.model import Finding
from workbench.sources._kinds import BY_FRAME

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
Obj = dict[str, Any]
_SEQ = itertools.count()


def ts(ago: float) -> str:
    """The time ``ago`` seconds before `NOW`, as the API writes it."""
    return (NOW - timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def container(
    name: str = "app",
    image: str = "registry.example/shop/app:1.4.2",
    *,
    requests: Mapping[str, str] | None = None,
    limits: Mapping[str, str] | None = None,
    readiness: bool = False,
    liveness: bool = False,
    security: Obj | None = None,
    env: list[Obj] | None = None,
    env_from: list[Obj] | None = None,
    restart_policy: str | None = None,
) -> Obj:
    """A container spec (requests 100m/128Mi and a 256Mi memory limit unless given)."""
    probe = {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 10}
    spec: Obj = {
        "name": name,
        "image": image,
        "resources": {
            "requests": dict(requests if requests is not None else {"cpu": "100m", "memory": "128Mi"}),
            "limits": dict(limits if limits is not None else {"memory": "256Mi"}),
        },
    }
    if readiness:
        spec["readinessProbe"] = probe
    if liveness:
        spec["livenessProbe"] = probe | {"initialDelaySeconds": 15}
    if security is not None:
        spec["securityContext"] = security
    if env is not None:
        spec["env"] = env
    if env_from is not None:
        spec["envFrom"] = env_from
    if restart_policy is not None:
        spec["restartPolicy"] = restart_policy
    return spec


def running(ago: float = 3600) -> Obj:
    return {"running": {"startedAt": ts(ago)}}


def waiting(reason: str, message: str = "") -> Obj:
    return {"waiting": {"reason": reason} | ({"message": message} if message else {})}


def terminated(exit_code: int, reason: str = "Error", *, started: float = 120, finished: float = 60) -> Obj:
    return {
        "terminated": {
            "exitCode": exit_code,
            "reason": reason,
            "startedAt": ts(started),
            "finishedAt": ts(finished),
        }
    }


def status(
    name: str = "app",
    *,
    ready: bool = True,
    restarts: int = 0,
    state: Obj | None = None,
    last: Obj | None = None,
    image: str = "registry.example/shop/app:1.4.2",
) -> Obj:
    """A containerStatuses[] entry (running since an hour ago unless ``state`` is given)."""
    out: Obj = {
        "name": name,
        "ready": ready,
        "started": ready or bool(state and "running" in state),
        "restartCount": restarts,
        "image": image,
        "state": state if state is not None else running(),
    }
    if last is not None:
        out["lastState"] = last
    return out


def pod(
    name: str,
    namespace: str = "shop",
    *,
    owner: tuple[str, str] | None = ("ReplicaSet", "web-7d9f8c6b5"),
    node: str | None = "node-1",
    phase: str = "Running",
    containers: Sequence[Obj] | None = None,
    statuses: Sequence[Obj] | None = None,
    init: Sequence[Obj] = (),
    init_statuses: Sequence[Obj] = (),
    ready_since: float = 3000,
    ready_status: str | None = None,
    ready_reason: str | None = None,
    created: float = 3600,
    deleted: float | None = None,
    reason: str | None = None,
    message: str | None = None,
    labels: Mapping[str, str] | None = None,
    volumes: Sequence[Obj] = (),
    pod_spec: Obj | None = None,
    restart_policy: str = "Always",
    unschedulable: str | None = None,
    scheduled_reason: str = "Unschedulable",
    nominated_node: str | None = None,
) -> Obj:
    """A Pod as the API serves it; conditions follow from the statuses (Ready when all are ready).

    ``deleted`` is the deletionTimestamp, seconds before `NOW` (negative: in the future);
    ``unschedulable`` is the PodScheduled=False message (the pod then has no node).
    """
    containers = list(containers if containers is not None else [container()])
    statuses = list(statuses if statuses is not None else [status(c["name"]) for c in containers])
    meta: Obj = {
        "name": name,
        "namespace": namespace,
        "uid": _uid(namespace, name),
        "creationTimestamp": ts(created),
        "labels": dict(labels or {"app": name.rsplit("-", 2)[0]}),
        "resourceVersion": str(next(_SEQ) + 1),
    }
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1" if owner[0] != "Job" else "batch/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": _uid(namespace, owner[0], owner[1]),
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    if deleted is not None:
        meta["deletionTimestamp"] = ts(deleted)
        meta["deletionGracePeriodSeconds"] = 30
    all_ready = bool(statuses) and all(s["ready"] for s in statuses)
    conditions: list[Obj] = []
    if unschedulable is not None:
        node = None
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": scheduled_reason,
                "message": unschedulable,
                "lastTransitionTime": ts(created),
            }
        )
    elif node is not None:
        conditions += [
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(created)},
            {"type": "Initialized", "status": "True", "lastTransitionTime": ts(created)},
        ]
        ready = ready_status or ("True" if all_ready else "False")
        cond = {"type": "Ready", "status": ready, "lastTransitionTime": ts(ready_since)}
        if ready == "False":
            cond["reason"] = ready_reason or "ContainersNotReady"
        conditions.append(cond)
    spec: Obj = {
        "containers": containers,
        "restartPolicy": restart_policy,
        "serviceAccountName": "default",
    }
    if init:
        spec["initContainers"] = list(init)
    if volumes:
        spec["volumes"] = list(volumes)
    if node is not None:
        spec["nodeName"] = node
    spec.update(pod_spec or {})
    pod_status: Obj = {"phase": phase, "conditions": conditions, "qosClass": "Burstable"}
    if node is not None and unschedulable is None:
        pod_status["startTime"] = ts(created - 1)
        pod_status["containerStatuses"] = statuses
        if init_statuses:
            pod_status["initContainerStatuses"] = list(init_statuses)
    if reason:
        pod_status["reason"] = reason
    if message:
        pod_status["message"] = message
    if nominated_node:
        pod_status["nominatedNodeName"] = nominated_node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": pod_status}


def event(
    about: Obj,
    reason: str,
    message: str,
    *,
    type: str = "Warning",
    count: int = 1,
    first: float = 600,
    last: float = 30,
    source: str = "kubelet",
) -> Obj:
    """A core/v1 Event about ``about`` (any object from this module)."""
    meta = about["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{meta['name']}.{next(_SEQ):x}",
            "namespace": meta.get("namespace", "default"),
            "uid": _uid("event", str(next(_SEQ))),
            "creationTimestamp": ts(first),
        },
        "involvedObject": {
            "kind": about["kind"],
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "uid": meta.get("uid", ""),
        },
        "type": type,
        "reason": reason,
        "message": message,
        "count": count,
        "firstTimestamp": ts(first),
        "lastTimestamp": ts(last),
        "source": {"component": source},
    }


def node(name: str, *, ready: bool = True, taints: Sequence[Obj] = (), unschedulable: bool = False) -> Obj:
    """A Node (Ready unless ``ready`` is false, heartbeat a minute ago)."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "uid": _uid("node", name), "creationTimestamp": ts(86400)},
        "spec": {"taints": list(taints), "unschedulable": unschedulable},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "Unknown",
                    "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                    "lastHeartbeatTime": ts(60 if ready else 900),
                    "lastTransitionTime": ts(86000 if ready else 800),
                }
            ],
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "allocatable": {"cpu": "3800m", "memory": "15Gi", "pods": "110"},
        },
    }


def _named(kind: str, namespace: str, name: str, **rest: Any) -> Obj:
    meta = {
        "name": name,
        "namespace": namespace,
        "uid": _uid(namespace, kind, name),
        "creationTimestamp": ts(86400),
    }
    return {"apiVersion": "v1", "kind": kind, "metadata": meta | rest.pop("metadata", {}), **rest}


def configmap(namespace: str, name: str, keys: Iterable[str]) -> Obj:
    return _named("ConfigMap", namespace, name, data=dict.fromkeys(keys, "x"))


def secret(namespace: str, name: str, keys: Iterable[str]) -> Obj:
    return _named("Secret", namespace, name, type="Opaque", data=dict.fromkeys(keys, "eA=="))


def pvc(namespace: str, name: str, *, phase: str = "Pending", storage_class: str = "fast-ssd") -> Obj:
    return _named(
        "PersistentVolumeClaim",
        namespace,
        name,
        spec={
            "storageClassName": storage_class,
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "10Gi"}},
        },
        status={"phase": phase},
    )


def service(namespace: str, name: str, cluster_ip: str, selector: Mapping[str, str]) -> Obj:
    return _named(
        "Service",
        namespace,
        name,
        spec={
            "type": "ClusterIP",
            "clusterIP": cluster_ip,
            "selector": dict(selector),
            "ports": [
                {"port": 53 if name == "kube-dns" else 80, "protocol": "UDP" if name == "kube-dns" else "TCP"}
            ],
        },
    )


def endpoints(namespace: str, name: str, ready_ips: Sequence[str]) -> Obj:
    subsets = [{"addresses": [{"ip": ip} for ip in ready_ips], "ports": [{"port": 53}]}] if ready_ips else []
    return _named("Endpoints", namespace, name, subsets=subsets)


def owned(kind: str, namespace: str, name: str, owner: tuple[str, str] | None) -> Obj:
    """A ReplicaSet or Job (``kind``) with ``owner`` as its controller (a Deployment, a CronJob)."""
    meta: Obj = {}
    if owner is not None:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1" if kind == "ReplicaSet" else "batch/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": _uid(namespace, owner[0], owner[1]),
                "controller": True,
            }
        ]
    obj = _named(kind, namespace, name, metadata=meta, spec={"replicas": 1, "selector": {"matchLabels": {}}})
    obj["apiVersion"] = "apps/v1" if kind == "ReplicaSet" else "batch/v1"
    return obj


def pod_metrics(namespace: str, name: str, usage: Mapping[str, tuple[str, str]]) -> Obj:
    """A PodMetrics: ``usage`` maps container -> (cpu, memory) quantities."""
    return {
        "apiVersion": "metrics.k8s.io/v1beta1",
        "kind": "PodMetrics",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": ts(0)},
        "timestamp": ts(30),
        "window": "30s",
        "containers": [{"name": c, "usage": {"cpu": cpu, "memory": mem}} for c, (cpu, mem) in usage.items()],
    }


_FRAME_OF = {
    "Pod": "pods",
    "Event": "events",
    "Node": "nodes",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "PersistentVolumeClaim": "pvcs",
    "Service": "services",
    "Endpoints": "endpoints",
    "ReplicaSet": "replicasets",
    "Job": "jobs",
    "PodMetrics": "pod_metrics",
}


def bundle(
    *objects: Obj,
    logs: Sequence[tuple[str, str, str, bool, str]] = (),
    captured_at: datetime = NOW,
    pulled: Iterable[str] = (),
) -> Frames:
    """A `Frames` bundle of ``objects`` built by the real builders (every listed kind counts as
    pulled, plus ``pulled``), with ``logs`` as (namespace, pod, container, previous, text) tails."""
    by_frame: dict[str, list[Obj]] = {name: [] for name in pulled}
    for obj in objects:
        by_frame.setdefault(_FRAME_OF[obj["kind"]], []).append(obj)
    frames = {}
    for name, items in by_frame.items():
        kind = BY_FRAME[name]
        page = json.dumps(
            {"kind": f"{kind.kind}List", "apiVersion": kind.api_version, "metadata": {}, "items": items}
        )
        frames.update(builder_for(kind)(kind, [page.encode()]))
    if logs:
        parts = [
            logs_frame(text, namespace=ns, pod=name, container=c, previous=prev)
            for ns, name, c, prev, text in logs
        ]
        frames["logs"] = concat("logs", parts)
    return Frames(frames, source="test", captured_at=captured_at)


def log_text(*lines: str, ago: float = 90) -> str:
    """Lines as the kubelet serves them with timestamps=true, one second apart."""
    start = NOW - timedelta(seconds=ago)
    return "".join(
        f"{(start + timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')} {line}\n"
        for i, line in enumerate(lines)
    )


def run(analyzer: type[Analyzer], frames: Frames) -> list[Finding]:
    """The analyzer's findings, sorted."""
    return sorted(analyzer().analyze(frames), key=Finding.sort_key)


def summary(findings: Iterable[Finding]) -> list[tuple[str, str, str]]:
    """(code, pod or workload name, severity) of each finding."""
    return [(f.code, f.ref.name, str(f.severity)) for f in findings]

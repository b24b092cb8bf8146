"""Real-shaped API objects for the workload analyzers' tests, and frames built from them through the
frame builders (the same decode path a live pull takes)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from workbench.frames import Frames
from workbench.frames._registry import builder_for
from workbench.model import Finding, Severity
from workbench.sources._kinds import builtin

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
"""The moment test bundles are captured at."""

Obj = dict[str, Any]


def ts(ago: float = 0) -> str:
    """An RFC 3339 time ``ago`` seconds before `NOW`."""
    return (NOW - timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(
    name: str,
    namespace: str = "shop",
    *,
    labels: dict[str, str] | None = None,
    owner: tuple[str, str] | None = None,
    age: float = 3600,
    **extra: Any,
) -> Obj:
    out: Obj = {
        "name": name,
        "uid": f"uid-{namespace}-{name}",
        "labels": labels or {},
        "creationTimestamp": ts(age),
    }
    out.update(extra)
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


def condition(kind: str, status: str, reason: str = "", message: str = "", ago: float = 600) -> Obj:
    out = {"type": kind, "status": status, "lastTransitionTime": ts(ago), "lastUpdateTime": ts(ago)}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def template(labels: dict[str, str], *, image: str = "registry.example/app:1.0", **resources: Any) -> Obj:
    container: Obj = {"name": "app", "image": image}
    if resources:
        container["resources"] = resources
    return {"metadata": {"labels": labels}, "spec": {"containers": [container]}}


def pod(
    name: str,
    *,
    owner: tuple[str, str] | None,
    labels: dict[str, str] | None = None,
    namespace: str = "shop",
    ready: bool = True,
    phase: str = "Running",
    node: str | None = "kind-worker",
    waiting: str | None = None,
    terminated: tuple[str, int] | None = None,
    last_terminated: tuple[str, int] | None = None,
    deleted: bool = False,
    age: float = 3600,
    ready_ago: float | None = None,
    restarts: int = 0,
    requests: dict[str, str] | None = None,
    claims: Sequence[str] = (),
) -> Obj:
    """A pod with one app container named ``app`` in the state the arguments describe."""
    container: Obj = {"name": "app", "image": "registry.example/app:1.0"}
    if requests is not None:
        container["resources"] = {"requests": requests}
    spec: Obj = {
        "containers": [container],
        "restartPolicy": "Always" if owner is None or owner[0] != "Job" else "Never",
    }
    if node:
        spec["nodeName"] = node
    if claims:
        spec["volumes"] = [
            {"name": f"v{i}", "persistentVolumeClaim": {"claimName": c}} for i, c in enumerate(claims)
        ]
    state: Obj = {"running": {"startedAt": ts(age)}}
    if waiting:
        state = {"waiting": {"reason": waiting, "message": f"{waiting} message"}}
    elif terminated:
        reason, code = terminated
        state = {
            "terminated": {
                "reason": reason,
                "exitCode": code,
                "startedAt": ts(age),
                "finishedAt": ts(age - 5),
            }
        }
    status: Obj = {
        "phase": phase,
        "conditions": [
            condition("PodScheduled", "True" if node else "False", "" if node else "Unschedulable"),
            condition(
                "Ready",
                "True" if ready else "False",
                "" if ready else "ContainersNotReady",
                ago=ready_ago or age,
            ),
        ],
        "containerStatuses": [
            {
                "name": "app",
                "image": "registry.example/app:1.0",
                "ready": ready,
                "restartCount": restarts,
                "state": state,
                **(
                    {
                        "lastState": {
                            "terminated": {"reason": last_terminated[0], "exitCode": last_terminated[1]}
                        }
                    }
                    if last_terminated
                    else {}
                ),
            }
        ],
    }
    extra: Obj = {"deletionTimestamp": ts(30)} if deleted else {}
    return {
        "metadata": meta(name, namespace, labels=labels or {}, owner=owner, age=age, **extra),
        "spec": spec,
        "status": status,
    }


def deployment(
    name: str,
    *,
    replicas: int = 2,
    available: int | None = None,
    updated: int | None = None,
    current: int | None = None,
    progressing: tuple[str, str] = ("True", "NewReplicaSetAvailable"),
    progressing_message: str = "",
    revision: int = 1,
    paused: bool = False,
    strategy: str = "RollingUpdate",
    max_unavailable: str = "25%",
    deadline: int = 600,
    namespace: str = "shop",
    replica_failure: tuple[str, str] | None = None,
) -> Obj:
    available = replicas if available is None else available
    labels = {"app": name}
    spec: Obj = {
        "replicas": replicas,
        "selector": {"matchLabels": labels},
        "template": template(labels),
        "strategy": {"type": strategy}
        | (
            {"rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": "25%"}}
            if strategy == "RollingUpdate"
            else {}
        ),
        "progressDeadlineSeconds": deadline,
        "paused": paused,
    }
    conditions = [
        condition("Available", "True" if available >= replicas else "False", "MinimumReplicas"),
        condition("Progressing", *progressing, progressing_message),
    ]
    if replica_failure:
        conditions.append(condition("ReplicaFailure", "True", *replica_failure))
    return {
        "metadata": meta(
            name, namespace, labels=labels, annotations={"deployment.kubernetes.io/revision": str(revision)}
        ),
        "spec": spec,
        "status": {
            "observedGeneration": 1,
            "replicas": replicas if current is None else current,
            "updatedReplicas": replicas if updated is None else updated,
            "readyReplicas": available,
            "availableReplicas": available,
            "conditions": conditions,
        },
    }


def replicaset(
    name: str,
    *,
    deployment: str | None,
    revision: int = 1,
    replicas: int = 2,
    current: int | None = None,
    ready: int | None = None,
    namespace: str = "shop",
    failure: tuple[str, str] | None = None,
    labels: dict[str, str] | None = None,
    age: float = 3600,
) -> Obj:
    current = replicas if current is None else current
    ready = current if ready is None else ready
    rs_labels = (
        labels
        if labels is not None
        else {"app": deployment or name, "pod-template-hash": name.rsplit("-", 1)[-1]}
    )
    status: Obj = {"replicas": current, "readyReplicas": ready, "availableReplicas": ready}
    if failure:
        status["conditions"] = [condition("ReplicaFailure", "True", *failure)]
    return {
        "metadata": meta(
            name,
            namespace,
            labels=rs_labels,
            owner=("Deployment", deployment) if deployment else None,
            age=age,
            annotations={"deployment.kubernetes.io/revision": str(revision)},
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": rs_labels},
            "template": template(rs_labels),
        },
        "status": status,
    }


def statefulset(
    name: str,
    *,
    replicas: int = 1,
    ready: int | None = None,
    current: int | None = None,
    updated: int | None = None,
    current_revision: str = "",
    update_revision: str = "",
    strategy: str = "RollingUpdate",
    partition: int = 0,
    service: str = "",
    claims: Sequence[str] = (),
    namespace: str = "data",
) -> Obj:
    ready = replicas if ready is None else ready
    revision = current_revision or f"{name}-rev1"
    spec: Obj = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": template({"app": name}),
        "serviceName": service,
        "updateStrategy": {"type": strategy}
        | ({"rollingUpdate": {"partition": partition}} if strategy == "RollingUpdate" else {}),
        "volumeClaimTemplates": [{"metadata": {"name": c}} for c in claims],
    }
    return {
        "metadata": meta(name, namespace, labels={"app": name}),
        "spec": spec,
        "status": {
            "replicas": replicas if current is None else current,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "updatedReplicas": replicas if updated is None else updated,
            "currentRevision": revision,
            "updateRevision": update_revision or revision,
        },
    }


def daemonset(
    name: str,
    *,
    desired: int = 3,
    current: int | None = None,
    ready: int | None = None,
    updated: int | None = None,
    misscheduled: int = 0,
    node_selector: dict[str, str] | None = None,
    namespace: str = "kube-system",
) -> Obj:
    current = desired if current is None else current
    ready = current if ready is None else ready
    tmpl = template({"app": name})
    tmpl["spec"]["nodeSelector"] = node_selector or {"kubernetes.io/os": "linux"}
    return {
        "metadata": meta(name, namespace, labels={"app": name}),
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": tmpl,
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
        },
        "status": {
            "desiredNumberScheduled": desired,
            "currentNumberScheduled": current,
            "numberReady": ready,
            "numberAvailable": ready,
            "numberUnavailable": desired - ready,
            "updatedNumberScheduled": current if updated is None else updated,
            "numberMisscheduled": misscheduled,
        },
    }


def node(
    name: str, *, ready: bool = True, taints: Sequence[str] = (), labels: dict[str, str] | None = None
) -> Obj:
    parsed = []
    for taint in taints:
        key_value, effect = taint.rsplit(":", 1)
        key, _, value = key_value.partition("=")
        parsed.append({"key": key, "effect": effect} | ({"value": value} if value else {}))
    return {
        "metadata": meta(
            name, "", labels={"kubernetes.io/os": "linux", "kubernetes.io/hostname": name, **(labels or {})}
        ),
        "spec": {"taints": parsed},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "Unknown",
                    "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                    "lastHeartbeatTime": ts(30 if ready else 900),
                    "lastTransitionTime": ts(3600 if ready else 800),
                }
            ]
        },
    }


def job(
    name: str,
    *,
    status: str = "Complete",
    reason: str = "",
    failed: int = 0,
    succeeded: int | None = None,
    active: int = 0,
    ready: int | None = None,
    backoff_limit: int = 6,
    deadline: int | None = None,
    started_ago: float = 3600,
    owner: str | None = None,
    scheduled_ago: float | None = None,
    namespace: str = "batch",
    suspend: bool = False,
) -> Obj:
    conditions = []
    status_obj: Obj = {"startTime": ts(started_ago), "failed": failed, "active": active}
    if status == "Complete":
        conditions.append(condition("Complete", "True", reason, ago=started_ago - 60))
        status_obj["succeeded"] = 1 if succeeded is None else succeeded
        status_obj["completionTime"] = ts(started_ago - 60)
    elif status == "Failed":
        message = {"BackoffLimitExceeded": "Job has reached the specified backoff limit"}.get(
            reason, "Job failed"
        )
        conditions.append(condition("Failed", "True", reason, message, ago=started_ago - 60))
    if ready is not None:
        status_obj["ready"] = ready
    status_obj["conditions"] = conditions
    annotations = (
        {"batch.kubernetes.io/cronjob-scheduled-timestamp": ts(scheduled_ago)}
        if scheduled_ago is not None
        else {}
    )
    spec: Obj = {"backoffLimit": backoff_limit, "completions": 1, "parallelism": 1, "suspend": suspend}
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    spec["template"] = template({"job-name": name}) | {
        "spec": {"containers": [{"name": "app", "image": "x:1"}], "restartPolicy": "Never"}
    }
    return {
        "metadata": meta(
            name,
            namespace,
            labels={"job-name": name},
            owner=("CronJob", owner) if owner else None,
            age=started_ago,
            annotations=annotations,
        ),
        "spec": spec,
        "status": status_obj,
    }


def cronjob(
    name: str,
    *,
    schedule: str = "*/5 * * * *",
    suspend: bool = False,
    last_schedule_ago: float | None = 60,
    last_successful_ago: float | None = None,
    age: float = 86400,
    time_zone: str | None = None,
    concurrency: str = "Allow",
    active: Sequence[str] = (),
    starting_deadline: int | None = None,
    namespace: str = "batch",
) -> Obj:
    spec: Obj = {
        "schedule": schedule,
        "suspend": suspend,
        "concurrencyPolicy": concurrency,
        "jobTemplate": {"spec": {"template": template({"app": name})}},
    }
    if time_zone:
        spec["timeZone"] = time_zone
    if starting_deadline is not None:
        spec["startingDeadlineSeconds"] = starting_deadline
    status: Obj = {"active": [{"kind": "Job", "name": a, "namespace": namespace} for a in active]}
    if last_schedule_ago is not None:
        status["lastScheduleTime"] = ts(last_schedule_ago)
    if last_successful_ago is not None:
        status["lastSuccessfulTime"] = ts(last_successful_ago)
    return {"metadata": meta(name, namespace, age=age), "spec": spec, "status": status}


def hpa(
    name: str,
    *,
    target: tuple[str, str] = ("Deployment", "web"),
    metrics: Sequence[Obj] = (
        {
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
        },
    ),
    current_metrics: Sequence[Obj] = (),
    conditions: Sequence[Obj] = (),
    current: int = 2,
    desired: int = 2,
    min_replicas: int = 2,
    max_replicas: int = 6,
    namespace: str = "shop",
) -> Obj:
    return {
        "metadata": meta(name, namespace),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": target[0], "name": target[1]},
            "minReplicas": min_replicas,
            "maxReplicas": max_replicas,
            "metrics": list(metrics),
        },
        "status": {
            "currentReplicas": current,
            "desiredReplicas": desired,
            "currentMetrics": list(current_metrics),
            "conditions": list(conditions),
        },
    }


def cpu_now(percent: int) -> Obj:
    """A status.currentMetrics entry: CPU at ``percent`` of requests."""
    return {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": percent}}}


def pdb(
    name: str,
    *,
    selector: dict[str, str] | None,
    expressions: Sequence[Obj] = (),
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    status: Obj | None = None,
    namespace: str = "shop",
) -> Obj:
    spec: Obj = {}
    if selector is not None or expressions:
        spec["selector"] = {"matchLabels": selector or {}} | (
            {"matchExpressions": list(expressions)} if expressions else {}
        )
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {"metadata": meta(name, namespace), "spec": spec, "status": status or {}}


def service(name: str, selector: dict[str, str], *, namespace: str = "shop") -> Obj:
    return {
        "metadata": meta(name, namespace),
        "spec": {"selector": selector, "clusterIP": "10.96.0.20", "ports": [{"port": 80, "protocol": "TCP"}]},
    }


def pvc(
    name: str, *, phase: str = "Pending", storage_class: str = "fast-ssd", namespace: str = "data"
) -> Obj:
    return {
        "metadata": meta(name, namespace),
        "spec": {
            "storageClassName": storage_class,
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
        },
        "status": {"phase": phase},
    }


def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    *,
    namespace: str = "shop",
    warning: bool = True,
    count: int = 1,
    ago: float = 60,
) -> Obj:
    return {
        "metadata": meta(f"{name}.{reason.lower()}", namespace),
        "involvedObject": {
            "kind": kind,
            "namespace": namespace,
            "name": name,
            "uid": f"uid-{namespace}-{name}",
        },
        "type": "Warning" if warning else "Normal",
        "reason": reason,
        "message": message,
        "count": count,
        "firstTimestamp": ts(ago + 60),
        "lastTimestamp": ts(ago),
        "source": {"component": "controller"},
    }


def build(frame: str, objects: Iterable[Obj]) -> dict[str, pd.DataFrame]:
    """The frames one kind's List page builds (pods give pods and containers)."""
    kind = builtin(frame)
    return builder_for(kind)(kind, [json.dumps({"items": list(objects)}).encode()])


def frames_of(**items: Iterable[Obj]) -> Frames:
    """A bundle of the frames built from ``items`` (frame name -> objects), captured at `NOW`.

    Only the named frames count as pulled: the others are empty and unread, as in a partial pull.
    """
    built: dict[str, pd.DataFrame] = {}
    for frame, objects in items.items():
        built.update(build(frame, objects))
    return Frames(built, source="test", captured_at=NOW)


def found(findings: Iterable[Finding]) -> list[tuple[str, str, str]]:
    """(code, severity, 'Kind namespace/name') of every finding, sorted."""
    return sorted((f.code, str(f.severity), str(f.ref)) for f in findings)


def warnings_of(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    """(code, 'Kind namespace/name') of every warning-or-worse finding, sorted."""
    return sorted((f.code, str(f.ref)) for f in findings if f.severity >= Severity.WARNING)

"""Small hand-built clusters for the planners' edge cases, decoded by the real frame builders.

Pods, containers, events, nodes, ConfigMaps, Secrets and metrics come from the pod analyzers'
helpers (tests/analyzers/pods/objects.py); this module adds the workloads and network objects
planners look up (Deployments with revisions, ReplicaSets, StatefulSets, Services, Ingresses,
HPAs) and a bundle builder for any built-in kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tests.analyzers.pods.objects import NOW, ts
from workbench.analyzers import analyze
from workbench.frames import Frames, logs_frame
from workbench.frames._decode import concat
from workbench.frames._registry import builder_for
from workbench.model import Finding
from workbench.sources._kinds import BUILTIN

Obj = dict[str, Any]
_KINDS = {k.kind: k for k in BUILTIN}


def _meta(kind: str, name: str, namespace: str, **extra: Any) -> Obj:
    return {
        "name": name,
        "namespace": namespace,
        "uid": f"uid-{kind}-{namespace}-{name}",
        "creationTimestamp": ts(86400),
        **extra,
    }


def _owner(kind: str, name: str, namespace: str) -> list[Obj]:
    api = _KINDS[kind].api_version
    return [
        {
            "apiVersion": api,
            "kind": kind,
            "name": name,
            "uid": f"uid-{kind}-{namespace}-{name}",
            "controller": True,
        }
    ]


def deployment(
    name: str, namespace: str = "shop", *, replicas: int = 2, revision: int = 1, available: int = 0
) -> Obj:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(
            "Deployment",
            name,
            namespace,
            labels=labels,
            annotations={"deployment.kubernetes.io/revision": str(revision)},
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "x"}]},
            },
        },
        "status": {"replicas": replicas, "availableReplicas": available, "readyReplicas": available},
    }


def replicaset(
    name: str,
    deployment_name: str,
    namespace: str = "shop",
    *,
    revision: int = 1,
    replicas: int = 2,
    available: int = 0,
    images: Sequence[str] = ("registry.example/shop/app:1.4.2",),
) -> Obj:
    labels = {"app": deployment_name, "pod-template-hash": name.rsplit("-", 1)[-1]}
    containers = [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": _meta(
            "ReplicaSet",
            name,
            namespace,
            labels=labels,
            ownerReferences=_owner("Deployment", deployment_name, namespace),
            annotations={"deployment.kubernetes.io/revision": str(revision)},
        ),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
        },
        "status": {"replicas": replicas, "readyReplicas": available, "availableReplicas": available},
    }


def owned(
    kind: str, name: str, namespace: str = "shop", *, owner: tuple[str, str] | None = None, **spec: Any
) -> Obj:
    """A StatefulSet, DaemonSet, Job or CronJob (``owner``: its controller, e.g. a Job's CronJob)."""
    extra = {"ownerReferences": _owner(owner[0], owner[1], namespace)} if owner else {}
    return {
        "apiVersion": _KINDS[kind].api_version,
        "kind": kind,
        "metadata": _meta(kind, name, namespace, labels={"app": name}, **extra),
        "spec": {"selector": {"matchLabels": {"app": name}}, **spec},
        "status": {},
    }


def service(
    name: str, selector: Mapping[str, str], namespace: str = "shop", *, ports: Sequence[Obj] = ()
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta("Service", name, namespace),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.0.20",
            "selector": dict(selector),
            "ports": list(ports) or [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
        },
    }


def ingress(
    name: str,
    rules: Sequence[tuple[str, Sequence[tuple[str, str, int]]]],
    namespace: str = "shop",
    *,
    default: tuple[str, int] | None = None,
) -> Obj:
    """An Ingress: ``rules`` are (host, [(path, service, port)])."""
    spec: Obj = {
        "rules": [
            {
                "host": host,
                "http": {
                    "paths": [
                        {
                            "path": path,
                            "pathType": "Prefix",
                            "backend": {"service": {"name": svc, "port": {"number": port}}},
                        }
                        for path, svc, port in paths
                    ]
                },
            }
            for host, paths in rules
        ]
    }
    if default is not None:
        spec["defaultBackend"] = {"service": {"name": default[0], "port": {"number": default[1]}}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta("Ingress", name, namespace),
        "spec": spec,
    }


def hpa(name: str, target: str, namespace: str = "shop", *, utilization: int = 70, minimum: int = 2) -> Obj:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta("HorizontalPodAutoscaler", name, namespace),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": minimum,
            "maxReplicas": 6,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": utilization},
                    },
                }
            ],
        },
        "status": {
            "currentReplicas": minimum,
            "desiredReplicas": minimum,
            "conditions": [
                {
                    "type": "ScalingActive",
                    "status": "False",
                    "reason": "FailedGetResourceMetric",
                    "message": f"missing request for cpu in container app of Pod {target}-0",
                    "lastTransitionTime": ts(600),
                }
            ],
        },
    }


def bundle(
    *objects: Obj, logs: Iterable[tuple[str, str, str, bool, str]] = (), pulled: Iterable[str] = ()
) -> Frames:
    """A `Frames` bundle of ``objects`` (any built-in kinds; each listed kind and ``pulled`` count as
    read), with ``logs`` as (namespace, pod, container, previous, text) tails."""
    by_frame: dict[str, list[Obj]] = {name: [] for name in pulled}
    for obj in objects:
        by_frame.setdefault(_KINDS[obj["kind"]].frame, []).append(obj)
    frames: dict[str, Any] = {}
    for name, items in by_frame.items():
        kind = next(k for k in BUILTIN if k.frame == name)
        page = json.dumps(
            {"kind": f"{kind.kind}List", "apiVersion": kind.api_version, "metadata": {}, "items": items}
        )
        frames.update(builder_for(kind)(kind, [page.encode()]))
    parts = [
        logs_frame(text, namespace=ns, pod=pod, container=c, previous=prev) for ns, pod, c, prev, text in logs
    ]
    if parts:
        frames["logs"] = concat("logs", parts)
    return Frames(frames, source="test", captured_at=NOW)


def finding_of(frames: Frames, code: str, name_prefix: str = "") -> Finding:
    """The one finding with ``code`` (about an object whose name starts with ``name_prefix``)."""
    (found,) = [f for f in analyze(frames).findings if f.code == code and f.ref.name.startswith(name_prefix)]
    return found

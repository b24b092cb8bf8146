"""Lookups every planner shares: a pod's owning workload, a workload's pods and revisions, usage.

Refs come from the frames' ``df.k8s`` accessor, so they carry ``api_version`` (``apps/v1`` for a
Deployment, ``v1`` for a Service) exactly as the sources declare it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from workbench.analyzers._common import present, records, text
from workbench.frames import Frames
from workbench.frames.schema import (
    Containers,
    Events,
    Jobs,
    Nodes,
    PodMetrics,
    Pods,
    ReplicaSets,
)
from workbench.model import Finding, ObjectRef

Row = dict[str, Any]

FRAME_OF = {
    "Pod": "pods",
    "Node": "nodes",
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Job": "jobs",
    "CronJob": "cronjobs",
    "Service": "services",
    "Ingress": "ingresses",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
    "HorizontalPodAutoscaler": "hpas",
    "PersistentVolumeClaim": "pvcs",
    "NetworkPolicy": "networkpolicies",
}
"""The frame that holds each kind a planner looks up."""

TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")
"""Workloads whose pod template a step can change (a Job's template is immutable)."""
_TOP_KINDS = frozenset({*TEMPLATE_KINDS, "ReplicaSet", "Job"})


def rows_of(df: pd.DataFrame, namespace: str, name: str) -> pd.DataFrame:
    """The rows of ``df`` about the object ``namespace/name``."""
    return df[((df[Pods.NAMESPACE] == namespace) & (df[Pods.NAME] == name)).to_numpy(dtype=bool)]


def row(frames: Frames, ref: ObjectRef) -> Row | None:
    """The row of ``ref`` in its kind's frame, None when it is not there."""
    frame = FRAME_OF.get(ref.kind)
    if frame is None:
        return None
    found = records(rows_of(frames[frame], ref.namespace, ref.name))
    return found[0] if found else None


def ref(frames: Frames, kind: str, namespace: str, name: str) -> ObjectRef:
    """``kind namespace/name`` with its uid and api_version when the frames hold it."""
    frame = FRAME_OF.get(kind)
    if frame is not None:
        df = rows_of(frames[frame], namespace, name)
        if len(df):
            refs: list[ObjectRef] = df.k8s.refs()
            return refs[0]
    return ObjectRef(kind, namespace, name)


def describe(target: ObjectRef) -> str:
    """``deployment shop/web``, ``node kind-worker``: how a title names an object."""
    where = f"{target.namespace}/{target.name}" if target.namespace else target.name
    return f"{target.kind.lower()} {where}"


def owner_chain(frames: Frames, pod: ObjectRef) -> list[ObjectRef]:
    """The pod and its controllers, nearest first (Pod -> ReplicaSet -> Deployment); [] when absent."""
    df = rows_of(frames.pods, pod.namespace, pod.name)
    if not len(df):
        return []
    chain: list[ObjectRef] = df.k8s.owner_chain(df.index[0])
    return chain


def workload(frames: Frames, pod: ObjectRef) -> ObjectRef | None:
    """The top-level controller of ``pod`` (Deployment, StatefulSet, DaemonSet, CronJob, or a bare
    ReplicaSet or Job); None for a pod nothing controls (or a static pod, owned by its Node)."""
    chain = owner_chain(frames, pod)
    top = chain[-1] if len(chain) > 1 else None
    return top if top is not None and top.kind in _TOP_KINDS else None


def _owned(df: pd.DataFrame, kind: str, namespace: str, names: Iterable[str]) -> pd.DataFrame:
    wanted = list(names)
    mask = (
        (df[Pods.NAMESPACE] == namespace)
        & (df[Pods.OWNER_KIND] == kind).fillna(False)
        & df[Pods.OWNER_NAME].isin(wanted).fillna(False)
    )
    return df[mask.to_numpy(dtype=bool)]


def replicasets(frames: Frames, deployment: ObjectRef) -> list[Row]:
    """The Deployment's ReplicaSets, oldest revision first."""
    owned = records(_owned(frames.replicasets, "Deployment", deployment.namespace, [deployment.name]))
    return sorted(owned, key=lambda r: number(r[ReplicaSets.REVISION], -1))


def pods_of(frames: Frames, top: ObjectRef) -> list[Row]:
    """The pods ``top`` controls, through its ReplicaSets (a Deployment) or Jobs (a CronJob)."""
    ns = top.namespace
    if top.kind == "Deployment":
        names = [str(r[ReplicaSets.NAME]) for r in replicasets(frames, top)]
        return records(_owned(frames.pods, "ReplicaSet", ns, names))
    if top.kind == "CronJob":
        jobs = _owned(frames.jobs, "CronJob", ns, [top.name])
        return records(_owned(frames.pods, "Job", ns, jobs[Jobs.NAME].astype(str)))
    return records(_owned(frames.pods, top.kind, ns, [top.name]))


def live(pods: list[Row]) -> list[Row]:
    """``pods`` that are not being deleted and have not finished."""
    return [
        p for p in pods if not present(p[Pods.DELETED]) and text(p[Pods.PHASE]) not in ("Succeeded", "Failed")
    ]


def containers(frames: Frames, pods: list[Row], name: str | None = None) -> list[Row]:
    """The containers of ``pods`` (only those called ``name`` when given), in frame order."""
    keys = {(str(p[Pods.NAMESPACE]), str(p[Pods.NAME])) for p in pods}
    c = frames.containers
    if not keys or not len(c):
        return []
    mask = pd.MultiIndex.from_arrays(
        [c[Containers.NAMESPACE].astype(str), c[Containers.NAME].astype(str)]
    ).isin(list(keys))
    if name is not None:
        mask &= (c[Containers.CONTAINER] == name).fillna(False).to_numpy(dtype=bool)
    return records(c[mask])


def pod_refs(pods: list[Row]) -> set[tuple[str, str]]:
    """(namespace, name) of ``pods``."""
    return {(str(p[Pods.NAMESPACE]), str(p[Pods.NAME])) for p in pods}


def usage(frames: Frames, pods: list[Row], container: str) -> tuple[float | None, int | None]:
    """The highest CPU (cores) and memory working set (bytes) metrics-server reports for
    ``container`` in ``pods``; None where it reports nothing (a zero is a container not running)."""
    m = frames.pod_metrics
    if not len(m):
        return None, None
    keys = pod_refs(pods)
    mine = [
        r
        for r in records(m[(m[PodMetrics.CONTAINER] == container).fillna(False).to_numpy(dtype=bool)])
        if (str(r[PodMetrics.NAMESPACE]), str(r[PodMetrics.NAME])) in keys
    ]
    cpus = [
        float(r[PodMetrics.CPU]) for r in mine if present(r[PodMetrics.CPU]) and float(r[PodMetrics.CPU]) > 0
    ]
    mems = [
        int(r[PodMetrics.MEMORY])
        for r in mine
        if present(r[PodMetrics.MEMORY]) and int(r[PodMetrics.MEMORY]) > 0
    ]
    return (max(cpus) if cpus else None), (max(mems) if mems else None)


def largest_allocatable(frames: Frames) -> tuple[float | None, int | None]:
    """The most CPU (cores) and memory (bytes) one schedulable node can give a pod; None unknown."""
    nodes = frames.nodes
    if not len(nodes):
        return None, None
    usable = nodes[~nodes[Nodes.UNSCHEDULABLE].astype(bool)]
    cpu = usable[Nodes.CPU_ALLOCATABLE].max()
    mem = usable[Nodes.MEMORY_ALLOCATABLE].max()
    return (float(cpu) if present(cpu) else None), (int(mem) if present(mem) else None)


def events(frames: Frames, about: ObjectRef, *reasons: str) -> list[Row]:
    """Events about ``about`` (with one of ``reasons`` when given), oldest last-seen first."""
    e = frames.events
    mask = (
        (e[Events.OBJECT_KIND] == about.kind)
        & (e[Events.OBJECT_NAMESPACE] == about.namespace)
        & (e[Events.OBJECT_NAME] == about.name)
    ).fillna(False)
    found = records(e[mask.to_numpy(dtype=bool)].sort_values(Events.LAST_SEEN, kind="stable"))
    return [r for r in found if not reasons or text(r[Events.REASON]) in reasons]


def number(value: Any, default: int = 0) -> int:
    """An Int64 cell as an int (``default`` when missing)."""
    return int(value) if present(value) else default


def evidence_values(finding: Finding, kind: str) -> list[tuple[str, str]]:
    """(subject, value) of the finding's evidence of ``kind`` (``log``, ``event``...), in order."""
    return [(e.subject, e.value) for e in finding.evidence if e.kind == kind]

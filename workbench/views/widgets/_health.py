"""Each object's health for the explorer: its own findings and those of the objects it controls, or,
without a report, what its status says (a pod not ready, a node NotReady, a Deployment short of
ready replicas).

The rules without a report are deliberately few and only where the status is unambiguous; every
other object is ``unknown`` rather than falsely ``healthy``.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from workbench.analyzers import AnalysisReport
from workbench.frames import Frames
from workbench.frames.schema import (
    DaemonSets,
    Deployments,
    Events,
    Frame,
    Jobs,
    Nodes,
    Pods,
    ReplicaSets,
    StatefulSets,
)
from workbench.model import Finding
from workbench.views import theme
from workbench.views.theme import HealthLevel

Key = tuple[str, str, str]
"""(kind, namespace, name) of an object: how findings and rows meet (uids differ across pulls)."""

_FAILING_STATUS = r"BackOff|Err|Error|OOMKilled|Crash|Invalid|Failed|Evicted|DeadlineExceeded"
"""kubectl STATUS words of a pod that is broken now (CrashLoopBackOff, ErrImagePull, Init:Error...)."""

_RANK: dict[str, int] = {level: rank for rank, level in enumerate(theme.HEALTH_ORDER)}


def rank(level: str) -> int:
    """Position of the health level ``level`` in `theme.HEALTH_ORDER` (higher is worse).

    Raises:
        KeyError: ``level`` is not a health level.
    """
    return _RANK[level]


class FindingIndex:
    """The report's findings by the object they are about, and by the objects that control it.

    A finding on a pod also counts for its ReplicaSet and Deployment (or Job and CronJob, or
    StatefulSet, DaemonSet), found through the frames' owner columns, so a Deployment whose pods
    crash-loop is not shown as healthy.

    Args:
        report: the analysis of ``frames`` (None: no findings known).
        frames: the bundle the rows come from.
    """

    def __init__(self, report: AnalysisReport | None, frames: Frames) -> None:
        self.report = report
        self._own: dict[Key, list[Finding]] = defaultdict(list)
        self._below: dict[Key, list[Finding]] = defaultdict(list)
        if report is None:
            return
        owners = _owners(frames)
        for finding in report.findings:
            shown = report.masked(finding)
            key = (finding.ref.kind, finding.ref.namespace, finding.ref.name)
            self._own[key].append(shown)
            seen = {key}
            while (up := owners.get(key)) is not None and up not in seen:
                seen.add(up)
                self._below[up].append(shown)
                key = up

    def own(self, key: Key) -> list[Finding]:
        """The findings about the object itself (sensitive values masked), most severe first."""
        return list(self._own.get(key, ()))

    def below(self, key: Key) -> list[Finding]:
        """The findings about objects it controls, directly or not (its pods...), most severe first."""
        return list(self._below.get(key, ()))

    def level(self, key: Key) -> HealthLevel:
        """The worst severity of `own` and `below` as a health level; ``healthy`` when none."""
        found = [f.severity for f in (*self._own.get(key, ()), *self._below.get(key, ()))]
        return theme.health_level(max(found) if found else None)


def levels(df: pd.DataFrame, kind: str, index: FindingIndex) -> list[HealthLevel]:
    """The health level of every row of ``df`` (a frame of objects of ``kind``), in row order."""
    if index.report is not None:
        keys = zip(
            df[Frame.NAMESPACE].astype("string").fillna(""), df[Frame.NAME].astype("string"), strict=True
        )
        return [index.level((kind, str(ns), str(name))) for ns, name in keys]
    return _status_levels(df, kind)


def _status_levels(df: pd.DataFrame, kind: str) -> list[HealthLevel]:
    n = len(df)
    if kind == "Pod":
        phase = df[Pods.PHASE].astype("string")
        status = df[Pods.STATUS].astype("string").fillna("")
        fine = (df[Pods.READY].astype(bool) | (phase == "Succeeded").fillna(False)).tolist()
        failing = ((phase == "Failed").fillna(False) | status.str.contains(_FAILING_STATUS)).tolist()
        unknown = (phase.isna() | (phase == "Unknown")).fillna(True).tolist()
        return [
            "unknown" if u else "error" if bad else "healthy" if ok else "warning"
            for ok, bad, u in zip(fine, failing, unknown, strict=True)
        ]
    if kind == "Node":
        ready = df[Nodes.READY_STATUS].astype("string").fillna("Unknown").tolist()
        return ["healthy" if r == "True" else "error" if r == "False" else "unknown" for r in ready]
    if kind == "Deployment":
        return _short(df[Deployments.READY_REPLICAS], df[Deployments.REPLICAS])
    if kind == "StatefulSet":
        return _short(df[StatefulSets.READY_REPLICAS], df[StatefulSets.REPLICAS])
    if kind == "ReplicaSet":
        return _short(df[ReplicaSets.READY_REPLICAS], df[ReplicaSets.REPLICAS])
    if kind == "DaemonSet":
        return _short(df[DaemonSets.READY_PODS], df[DaemonSets.DESIRED_PODS])
    if kind == "Job":
        job_status = df[Jobs.STATUS].astype("string").fillna("").tolist()
        return ["error" if s == "Failed" else "healthy" for s in job_status]
    if kind == "Event":
        types = df[Events.TYPE].astype("string").fillna("").tolist()
        return ["warning" if t == "Warning" else "healthy" for t in types]
    return ["unknown"] * n


def _short(ready: pd.Series, wanted: pd.Series) -> list[HealthLevel]:
    have = ready.fillna(0).astype("int64").tolist()
    want = wanted.fillna(0).astype("int64").tolist()
    return ["warning" if h < w else "healthy" for h, w in zip(have, want, strict=True)]


def _owners(frames: Frames) -> dict[Key, Key]:
    """Each controlled object's controller, for the frames that name one (pods, ReplicaSets, Jobs...)."""
    owners: dict[Key, Key] = {}
    for kind, df, cols in (
        ("Pod", frames.pods, Pods),
        ("ReplicaSet", frames.replicasets, ReplicaSets),
        ("Job", frames.jobs, Jobs),
    ):
        owned = df[df[cols.OWNER_KIND].notna()]
        for ns, name, owner_kind, owner_name in zip(
            owned[cols.NAMESPACE].astype("string").fillna(""),
            owned[cols.NAME].astype("string"),
            owned[cols.OWNER_KIND].astype("string"),
            owned[cols.OWNER_NAME].astype("string"),
            strict=True,
        ):
            owners[(kind, str(ns), str(name))] = (str(owner_kind), str(ns), str(owner_name))
    return owners

"""Cluster objects as figures group them: each pod's workload, each object's worst finding, pod health.

Every helper is vectorised: they run over every pod of a 150k-pod cluster. The derived columns
below are the views' own (like the report frame's in `workbench.analyzers.report`); every cluster
column comes from `workbench.frames.schema`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.analyzers import AnalysisReport
from workbench.frames import Frames
from workbench.frames.schema import Jobs, Pods, ReplicaSets
from workbench.model import Severity
from workbench.views.plots._common import HEALTHY, UNKNOWN

# Derived columns (not cluster frames).
KIND = "kind"
NAMESPACE = "namespace"
NAME = "name"
RANK = "rank"
SUMMARY = "summary"
FINDINGS = "findings"

STANDALONE = "(standalone pods)"
"""The workload of pods without a controller."""

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"})

_FAILING_STATUS = r"BackOff|Err|Error|OOMKilled|Crash|Invalid|Failed|Evicted|DeadlineExceeded"
"""kubectl STATUS words of a pod that is broken now (CrashLoopBackOff, ErrImagePull, Init:Error...)."""


def workloads(frames: Frames, pods: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each pod's workload as (kind, name), aligned with ``pods``: its controller, followed up one
    level from a ReplicaSet to its Deployment and from a Job to its CronJob; pods without a
    controller belong to `STANDALONE` (kind ``""``)."""
    kind, name = lift(
        frames,
        pods[Pods.NAMESPACE].astype("string"),
        pods[Pods.OWNER_KIND].astype("string"),
        pods[Pods.OWNER_NAME].astype("string"),
    )
    none = kind.isna()
    return kind.mask(none, ""), name.mask(none, STANDALONE)


def lift(
    frames: Frames, namespace: pd.Series, kind: pd.Series, name: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Objects (ReplicaSets, Jobs...) named by ``kind``/``name`` in ``namespace``, replaced by their
    controller when a Deployment owns the ReplicaSet or a CronJob the Job; others are kept."""
    kind, name = kind.astype("string").copy(), name.astype("string").copy()
    for owned_kind, frame, cols in (
        ("ReplicaSet", frames.replicasets, ReplicaSets),
        ("Job", frames.jobs, Jobs),
    ):
        mine = (kind == owned_kind).fillna(False).to_numpy(dtype=bool)
        owned = frame[frame[cols.OWNER_KIND].notna()]
        if not mine.any() or owned.empty:
            continue
        key = pd.MultiIndex.from_arrays(
            [owned[cols.NAMESPACE].astype("string"), owned[cols.NAME].astype("string")]
        )
        owners = pd.DataFrame(
            {
                KIND: owned[cols.OWNER_KIND].astype("string").to_numpy(),
                NAME: owned[cols.OWNER_NAME].astype("string").to_numpy(),
            },
            index=key,
        )
        owners = owners[~owners.index.duplicated()]
        found = owners.reindex(pd.MultiIndex.from_arrays([namespace[mine], name[mine]]))
        has = found[KIND].notna().to_numpy(dtype=bool)
        rows = np.flatnonzero(mine)[has]
        kind.iloc[rows] = pd.Index(found[KIND].to_numpy()[has], dtype="string")
        name.iloc[rows] = pd.Index(found[NAME].to_numpy()[has], dtype="string")
    return kind, name


def findings_frame(report: AnalysisReport) -> pd.DataFrame:
    """One row per finding: the object (kind, namespace, name), its severity as a rank, its summary."""
    found = [report.masked(f) for f in report.findings]
    return pd.DataFrame(
        {
            KIND: pd.Series([f.ref.kind for f in found], dtype="string"),
            NAMESPACE: pd.Series([f.ref.namespace for f in found], dtype="string"),
            NAME: pd.Series([f.ref.name for f in found], dtype="string"),
            RANK: pd.Series([int(f.severity) for f in found], dtype="int64"),
            SUMMARY: pd.Series([f"{f.severity}: {f.summary}" for f in found], dtype="string"),
        }
    )


def worst_by(findings: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per ``keys``: the worst rank, how many findings, and the worst one's summary."""
    if findings.empty:
        return pd.DataFrame(
            {RANK: pd.Series([], dtype="int64"), FINDINGS: pd.Series([], dtype="int64"), SUMMARY: []},
            index=pd.MultiIndex.from_arrays([[] for _ in keys], names=keys) if len(keys) > 1 else None,
        )
    # Report order is most severe first, so the first summary of each group is its worst.
    grouped = findings.groupby(keys, sort=False, observed=True)
    return pd.DataFrame(
        {RANK: grouped[RANK].max(), FINDINGS: grouped[RANK].size(), SUMMARY: grouped[SUMMARY].first()}
    )


def lookup(table: pd.DataFrame, keys: list[pd.Series]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``table`` (from `worst_by`) read at ``keys``: ranks (HEALTHY where absent), counts, summaries."""
    index = pd.MultiIndex.from_arrays(keys) if len(keys) > 1 else pd.Index(keys[0])
    found = table.reindex(index)
    ranks = found[RANK].fillna(HEALTHY).to_numpy(dtype="int64")
    counts = found[FINDINGS].fillna(0).to_numpy(dtype="int64")
    summaries = found[SUMMARY].astype("object").where(found[SUMMARY].notna(), "").to_numpy()
    return ranks, counts, summaries


def pod_health(pods: pd.DataFrame) -> np.ndarray:
    """Each pod's health rank without a report: healthy when Ready (or Succeeded), a warning when
    not ready, an error when failed or failing (CrashLoopBackOff, ErrImagePull...), unknown when the
    kubelet cannot tell (phase Unknown, or no phase)."""
    phase = pods[Pods.PHASE].astype("string")
    status = pods[Pods.STATUS].astype("string").fillna("")
    ready = pods[Pods.READY].to_numpy(dtype=bool)
    succeeded = (phase == "Succeeded").fillna(False).to_numpy(dtype=bool)
    failed = ((phase == "Failed") | status.str.contains(_FAILING_STATUS, regex=True)).fillna(False)
    unknown = (phase.isna() | (phase == "Unknown")).fillna(True).to_numpy(dtype=bool)
    ranks = np.full(len(pods), HEALTHY, dtype="int64")
    ranks[~(ready | succeeded)] = int(Severity.WARNING)
    ranks[failed.to_numpy(dtype=bool)] = int(Severity.ERROR)
    ranks[unknown] = UNKNOWN
    return ranks

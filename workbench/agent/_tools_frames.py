"""Aggregating tools over the frames: resource usage (top) and counts by group (frame summary).

Both aggregate before anything is sent: the model gets a top-N, never a raw listing of a frame.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from workbench.agent._bounds import ToolOutput, bounded, cut, failure
from workbench.agent._context import ClusterView
from workbench.agent._tools_list import NAME_PATTERN
from workbench.frames import schema
from workbench.frames.schema import Frame, NodeMetrics, Nodes, PodMetrics, Pods

_MIB = 1024 * 1024
_COUNT = "count"
"""The summary's own column: rows per group."""
_GROUPABLE = frozenset({schema.CATEGORY, schema.STRING, schema.BOOL})
_NUMERIC = frozenset({schema.INT, schema.FLOAT})


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TopArgs(_Args):
    """CPU and memory use from the metrics API, highest first, against requests, limits or capacity."""

    target: Literal["pods", "nodes"] = "pods"
    by: Literal["cpu", "memory"] = "cpu"
    namespace: str | None = Field(None, pattern=NAME_PATTERN, description="pods of this namespace only")
    limit: int = Field(10, ge=1, le=30)


class SummaryArgs(_Args):
    """Count the rows of a frame by up to three columns (top groups first), optionally summing a number."""

    frame: str = Field(description="a frame: pods, containers, events, deployments, nodes, services, ...")
    group_by: list[str] = Field(default_factory=list, max_length=3, description="columns to group by")
    namespace: str | None = Field(None, pattern=NAME_PATTERN)
    sum: str | None = Field(
        None, max_length=63, description="a numeric column to total per group (restarts...)"
    )
    top: int = Field(15, ge=1, le=50)


def top(view: ClusterView, args: TopArgs) -> ToolOutput:
    frames = view.frames()
    metrics = frames.pod_metrics if args.target == "pods" else frames.node_metrics
    if not len(metrics):
        missing = frames.missing_for("pod_metrics" if args.target == "pods" else "node_metrics")
        why = missing.message if missing is not None else "no samples were returned"
        return failure(f"no {args.target} metrics: {cut(why)} (the metrics API needs metrics-server)")
    if args.target == "pods":
        return _top_pods(view, metrics, args)
    return _top_nodes(frames.nodes, metrics, args)


def _top_pods(view: ClusterView, metrics: pd.DataFrame, args: TopArgs) -> ToolOutput:
    if view.namespaces is not None:
        metrics = metrics[metrics[PodMetrics.NAMESPACE].isin(view.namespaces)]
    if args.namespace:
        metrics = metrics[metrics[PodMetrics.NAMESPACE] == args.namespace]
    keys = [PodMetrics.NAMESPACE, PodMetrics.NAME]
    used = metrics.groupby(keys, observed=True)[[PodMetrics.CPU, PodMetrics.MEMORY]].sum().reset_index()
    pods = view.frames().pods[
        [Pods.NAMESPACE, Pods.NAME, Pods.CPU_REQUEST, Pods.CPU_LIMIT, Pods.MEMORY_REQUEST, Pods.MEMORY_LIMIT]
    ]
    merged = used.merge(pods, on=keys, how="left")
    by = {"cpu": PodMetrics.CPU, "memory": PodMetrics.MEMORY}[args.by]
    merged = merged.sort_values(by, ascending=False, kind="stable")
    lines = []
    for row in merged.head(args.limit).to_dict("records"):
        cpu, memory = row[PodMetrics.CPU], row[PodMetrics.MEMORY]
        lines.append(
            f"{row[PodMetrics.NAMESPACE]}/{row[PodMetrics.NAME]} | {cpu:.3f} | "
            f"{_pct(cpu, row[Pods.CPU_REQUEST])} | {_pct(cpu, row[Pods.CPU_LIMIT])} | {memory / _MIB:.0f} | "
            f"{_pct(memory, row[Pods.MEMORY_REQUEST])} | {_pct(memory, row[Pods.MEMORY_LIMIT])}"
        )
    head = f"top pods by {args.by}: {len(merged)} measured" + (
        f" in {args.namespace}" if args.namespace else ""
    )
    head += "\npod | cpu (cores) | of request | of limit | memory (MiB) | of request | of limit"
    return bounded(head, lines, total=len(merged), hint="raise limit= (30 at most) or filter with namespace=")


def _top_nodes(nodes: pd.DataFrame, metrics: pd.DataFrame, args: TopArgs) -> ToolOutput:
    merged = metrics[[NodeMetrics.NAME, NodeMetrics.CPU, NodeMetrics.MEMORY]].merge(
        nodes[[Nodes.NAME, Nodes.CPU_ALLOCATABLE, Nodes.MEMORY_ALLOCATABLE, Nodes.READY]],
        on=Nodes.NAME,
        how="left",
    )
    by = {"cpu": NodeMetrics.CPU, "memory": NodeMetrics.MEMORY}[args.by]
    merged = merged.sort_values(by, ascending=False, kind="stable")
    lines = []
    for row in merged.head(args.limit).to_dict("records"):
        cpu, memory = row[NodeMetrics.CPU], row[NodeMetrics.MEMORY]
        lines.append(
            f"{row[Nodes.NAME]} | {cpu:.3f} | {_pct(cpu, row[Nodes.CPU_ALLOCATABLE])} | "
            f"{memory / _MIB:.0f} | {_pct(memory, row[Nodes.MEMORY_ALLOCATABLE])} | {row[Nodes.READY]}"
        )
    head = (
        f"top nodes by {args.by}\nnode | cpu (cores) | of allocatable | memory (MiB) | of allocatable | ready"
    )
    return bounded(head, lines, total=len(merged), hint="raise limit=")


def _pct(used: Any, of: Any) -> str:
    if of is None or pd.isna(of) or not of:
        return "-"
    return f"{100 * float(used) / float(of):.0f}%"


def frame_summary(view: ClusterView, args: SummaryArgs) -> ToolOutput:
    frames = view.frames()
    if args.frame not in frames or args.frame == schema.Logs.FRAME:
        names = [n for n in frames.names() if n != schema.Logs.FRAME]
        return failure(f"no frame {args.frame!r}; frames: {', '.join(names)}")
    df = frames[args.frame]
    dtypes = schema.dtypes(args.frame)
    groupable = [c for c, d in dtypes.items() if d in _GROUPABLE and c != Frame.UID]
    bad = [c for c in args.group_by if c not in groupable]
    if bad:
        return failure(
            f"cannot group {args.frame} by {', '.join(bad)}; group by one of: {', '.join(groupable)}"
        )
    if args.sum is not None and dtypes.get(args.sum) not in _NUMERIC:
        numeric = [c for c, d in dtypes.items() if d in _NUMERIC]
        return failure(f"{args.frame}.{args.sum} is not a number; sum one of: {', '.join(numeric) or 'none'}")
    if view.namespaces is not None and Frame.NAMESPACE in df.columns:
        df = df[df[Frame.NAMESPACE].isin([*view.namespaces, ""])]
    if args.namespace is not None:
        df = df[df[Frame.NAMESPACE] == args.namespace]
    head = f"{args.frame}: {len(df)} rows" + (f" in {args.namespace}" if args.namespace else "")
    if not args.group_by:
        total = f"; {args.sum} total {df[args.sum].sum()}" if args.sum else ""
        return ToolOutput(head + total + "; pass group_by=[...] for counts by group")
    keys = [df[c].astype("string").fillna("<none>") for c in args.group_by]
    grouped = df.groupby(keys, dropna=False, observed=True)
    counts = grouped.size().rename(_COUNT).to_frame()
    if args.sum:
        counts[f"sum of {args.sum}"] = grouped[args.sum].sum()
    counts = counts.sort_values(_COUNT, ascending=False, kind="stable")
    header = " | ".join([*args.group_by, *counts.columns])
    lines = []
    for key, row in counts.head(args.top).iterrows():
        parts = list(key) if isinstance(key, tuple) else [key]
        lines.append(" | ".join([*(cut(p, 80) for p in parts), *(cut(v) for v in row.tolist())]))
    return bounded(
        f"{head}; {len(counts)} groups by {', '.join(args.group_by)}\n{header}",
        lines,
        total=len(counts),
        hint="raise top= (50 at most) or filter with namespace=",
    )

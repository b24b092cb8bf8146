"""`health_map`: the cluster as a treemap (or sunburst) of namespaces, workloads and pods, coloured
by health."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Namespaces, Pods
from workbench.views import theme
from workbench.views.plots import _objects as obj
from workbench.views.plots._common import RANK_COLOR, RANK_LEVEL, choice, empty_figure, note, positive
from workbench.views.plots._common import severity_key as colour_key

SizeBy = Literal["pods", "requests"]
SIZE_BY: tuple[SizeBy, ...] = ("pods", "requests")
Chart = Literal["treemap", "sunburst"]
CHARTS: tuple[Chart, ...] = ("treemap", "sunburst")

ROOT = "(cluster)"
"""The id of the root tile (its label is the bundle's source); no namespace can be called that."""

# Columns of the node table the figure is drawn from (the views' own, not a cluster frame).
_ID, _PARENT, _LABEL, _VALUE, _RANK, _HOVER, _REF = "id", "parent", "label", "value", "rank", "hover", "ref"
_ALL_LEVELS_UP_TO = 300  # tiles drawn down to the pods at once; above it, down to workloads
_NS, _WK, _WN, _POD = "ns", "workload_kind", "workload_name", "pod"
_FOLDED = "count"  # the "others" table's own column: how many workloads a tile folds together


def health_map(
    frames: Frames,
    report: AnalysisReport | None = None,
    *,
    size_by: SizeBy = "pods",
    chart: Chart = "treemap",
    namespaces: Sequence[str] | None = None,
    max_leaves: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """The cluster as namespace → workload → pod tiles, coloured by health.

    With a report, each tile has the colour of the worst finding on its object, its workload's
    tile the worst of its own findings and its pods', a namespace the worst finding in it (Services
    and Ingresses included) and the root the report's worst. Without one, pods are healthy when
    Ready (or Succeeded), a warning when not ready, an error when failed or failing, unknown when
    the kubelet cannot tell; parents take the worst of their children.

    Above ``max_leaves`` pods, pods are folded into their workload's tile (its hover counts the
    unhealthy ones); above ``max_leaves`` workloads, each namespace's healthiest workloads are
    folded into one "others" tile. Namespaces are never folded. So a 150k-pod cluster stays a few
    MB of JSON (see ``bench/figures.py``).

    Args:
        frames: the cluster's frames (pods; replicasets and jobs to find Deployments and CronJobs).
        report: the analysis of the same frames; None colours by pod health.
        size_by: ``"pods"`` (one unit per pod) or ``"requests"`` (CPU requests in millicores; a
            pod without a request counts 1m so that it still shows).
        chart: ``"treemap"`` or ``"sunburst"``.
        namespaces: only these namespaces (default: all).
        max_leaves: most tiles without children (default `theme.AGGREGATE_THRESHOLD`).
        title: the figure's title (default: what is shown, with counts).

    Returns:
        A figure with one ``Treemap`` (or ``Sunburst``) trace; each tile's ``customdata`` is its
        object as ``ObjectRef`` prints it (``Pod shop/web-0``), ``""`` for "others" tiles.

    Raises:
        ConfigError: an unknown ``size_by`` or ``chart``, ``namespaces`` given as one string or
            naming a namespace the cluster does not have, or a ``max_leaves`` that is not positive.

    Example:
        >>> from workbench.frames import Frames
        >>> health_map(Frames({})).layout.annotations[0].text
        'Nothing to show: no pods'
    """
    choice("size_by", size_by, SIZE_BY)
    choice("chart", chart, CHARTS)
    leaves = positive("max_leaves", max_leaves, theme.AGGREGATE_THRESHOLD)
    pods = _select(frames, namespaces)
    if pods.empty:
        where = "" if namespaces is None else f" in {', '.join(namespaces)}"
        missing = frames.missing_for(Pods.FRAME)
        reason = (
            f"pods could not be read ({missing.reason}: {missing.message})" if missing else f"no pods{where}"
        )
        return empty_figure(title or "Cluster health", f"Nothing to show: {reason}")
    found = obj.findings_frame(report) if report is not None else None
    table = _pod_table(frames, pods, found, size_by)
    workloads = _workload_nodes(table, found, frames)
    nodes: list[pd.DataFrame] = []
    notes: list[str] = []
    if len(table) <= leaves:
        nodes.append(_pod_nodes(table))
    else:
        notes.append(
            f"{len(table):,} pods are shown as their {len(workloads):,} workloads (max_leaves={leaves:,})"
        )
        if len(workloads) > leaves:
            workloads, folded = _fold(workloads, leaves, table[_NS].nunique())
            notes.append(
                f"the {folded:,} healthiest workloads are folded into one 'others' tile per namespace"
            )
    nodes.append(workloads)
    spaces = _namespace_nodes(workloads, found)
    nodes.append(spaces)
    worst = int(spaces[_RANK].max())
    if report is not None and report.worst is not None:
        worst = max(worst, int(report.worst))
    unit = "pods" if size_by == "pods" else "millicores requested"
    root = pd.DataFrame(
        {
            _ID: [ROOT],
            _PARENT: [""],
            _LABEL: [frames.source or ROOT],
            _VALUE: [int(spaces[_VALUE].sum())],
            _RANK: [worst],
            _HOVER: [f"{len(table):,} pods · {unit}: {int(spaces[_VALUE].sum()):,}"],
            _REF: [""],
        }
    )
    nodes.append(root)
    every = pd.concat(nodes[::-1], ignore_index=True)
    return _figure(every, chart, size_by, title or _title(table, report), notes)


def _select(frames: Frames, namespaces: Sequence[str] | None) -> pd.DataFrame:
    pods = frames.pods
    if namespaces is None:
        return pods
    if isinstance(namespaces, str):
        raise ConfigError(f"namespaces must be a list of names, e.g. [{namespaces!r}], not a string")
    known = set(pods[Pods.NAMESPACE].astype("string").dropna()) | set(
        frames.namespaces[Namespaces.NAME].astype("string").dropna()
    )
    unknown = [ns for ns in namespaces if ns not in known]
    if unknown:
        raise ConfigError(
            f"no namespace {', '.join(map(repr, unknown))} in this cluster; namespaces: "
            f"{', '.join(sorted(known)[:20])}{' ...' if len(known) > 20 else ''}"
        )
    return pods[pods[Pods.NAMESPACE].isin(list(namespaces))]


def _pod_table(
    frames: Frames, pods: pd.DataFrame, found: pd.DataFrame | None, size_by: SizeBy
) -> pd.DataFrame:
    kind, name = obj.workloads(frames, pods)
    ns = pods[Pods.NAMESPACE].astype("string").fillna("")
    pod_names = pods[Pods.NAME].astype("string")
    if size_by == "pods":
        value = np.ones(len(pods), dtype="int64")
    else:
        # Millicores as whole numbers: parents must add up exactly (branchvalues="total").
        cpu = pods[Pods.CPU_REQUEST].fillna(0).to_numpy(dtype="float64")
        value = np.maximum(np.ceil(cpu * 1000 - 1e-9), 1).astype("int64")
    if found is not None:
        per_pod = obj.worst_by(_pods_only(found), [obj.NAMESPACE, obj.NAME])
        rank, count, summary = obj.lookup(per_pod, [ns, pod_names])
    else:
        rank = obj.pod_health(pods)
        count = np.zeros(len(pods), dtype="int64")
        summary = np.full(len(pods), "", dtype=object)
    status = pods[Pods.STATUS].astype("string").fillna("?")
    ready = pods[Pods.READY_CONTAINERS].astype("Int64").astype("string").fillna("?")
    total = pods[Pods.CONTAINERS].astype("Int64").astype("string").fillna("?")
    restarts = pods[Pods.RESTARTS].astype("Int64").astype("string").fillna("0")
    node = pods[Pods.NODE].astype("string").fillna("(unscheduled)")
    hover = status + " · ready " + ready + "/" + total + " · restarts " + restarts + " · " + node
    worst = pd.Series(summary, index=pods.index, dtype="string")
    hover = hover.where(worst == "", hover + "<br>" + worst)
    return pd.DataFrame(
        {
            _NS: ns.to_numpy(),
            _WK: kind.to_numpy(),
            _WN: name.to_numpy(),
            _POD: pod_names.to_numpy(),
            _VALUE: value,
            _RANK: rank,
            "findings": count,
            _HOVER: hover.to_numpy(),
        }
    )


def _pods_only(found: pd.DataFrame) -> pd.DataFrame:
    return found[(found[obj.KIND] == "Pod").to_numpy(dtype=bool)]


def _workload_id(ns: pd.Series, kind: pd.Series, name: pd.Series) -> pd.Series:
    return ns + "/" + kind.where(kind == "", kind + "/") + name


def _pod_nodes(table: pd.DataFrame) -> pd.DataFrame:
    parent = _workload_id(table[_NS], table[_WK], table[_WN])
    return pd.DataFrame(
        {
            _ID: parent + "/" + table[_POD],
            _PARENT: parent,
            _LABEL: table[_POD],
            _VALUE: table[_VALUE],
            _RANK: table[_RANK],
            _HOVER: table[_HOVER],
            _REF: "Pod " + table[_NS] + "/" + table[_POD],
        }
    )


def _workload_nodes(table: pd.DataFrame, found: pd.DataFrame | None, frames: Frames) -> pd.DataFrame:
    grouped = table.assign(bad=table[_RANK] > 0).groupby([_NS, _WK, _WN], sort=True)
    out = grouped.agg(value=(_VALUE, "sum"), rank=(_RANK, "max"), pods=(_VALUE, "size"), bad=("bad", "sum"))
    out = out.reset_index()
    kind = out[_WK].astype("string")
    hover = (
        kind.where(kind != "", "no controller")
        + " · pods: "
        + out["pods"].astype("string")
        + ", not healthy: "
        + out["bad"].astype("string")
    )
    if found is not None:
        mine = found[found[obj.KIND].isin(list(obj.WORKLOAD_KINDS))]
        kind, name = obj.lift(frames, mine[obj.NAMESPACE], mine[obj.KIND], mine[obj.NAME])
        lifted = mine.assign(**{obj.KIND: kind.to_numpy(), obj.NAME: name.to_numpy()})
        table_w = obj.worst_by(lifted, [obj.NAMESPACE, obj.KIND, obj.NAME])
        rank, _, summary = obj.lookup(
            table_w, [out[_NS].astype("string"), out[_WK].astype("string"), out[_WN].astype("string")]
        )
        out[_RANK] = np.maximum(out[_RANK].to_numpy(), rank)
        extra = pd.Series(summary, dtype="string")
        hover = hover.where(extra == "", hover + "<br>" + extra)
    ident = _workload_id(out[_NS].astype("string"), out[_WK].astype("string"), out[_WN].astype("string"))
    ref = out[_WK].astype("string") + " " + out[_NS].astype("string") + "/" + out[_WN].astype("string")
    return pd.DataFrame(
        {
            _ID: ident,
            _PARENT: out[_NS].astype("string"),
            _LABEL: out[_WN].astype("string"),
            _VALUE: out[_VALUE].astype("int64"),
            _RANK: out[_RANK].astype("int64"),
            _HOVER: hover,
            _REF: ref.where(out[_WK] != "", ""),
        }
    )


def _fold(workloads: pd.DataFrame, leaves: int, namespaces: int) -> tuple[pd.DataFrame, int]:
    """Keep the worst (then largest) workloads; fold the rest into one "others" tile per namespace."""
    keep_count = max(leaves - namespaces, 0)
    order = workloads.sort_values([_RANK, _VALUE], ascending=[False, False], kind="stable")
    kept, rest = order.iloc[:keep_count], order.iloc[keep_count:]
    grouped = rest.groupby(_PARENT, sort=True)
    folded_by = {_VALUE: (_VALUE, "sum"), _RANK: (_RANK, "max"), _FOLDED: (_VALUE, "size")}
    others = grouped.agg(**folded_by).reset_index()
    parent = others[_PARENT].astype("string")
    folded = pd.DataFrame(
        {
            _ID: parent + "/(others)",
            _PARENT: parent,
            _LABEL: "(" + others[_FOLDED].astype("string") + " others)",
            _VALUE: others[_VALUE].astype("int64"),
            _RANK: others[_RANK].astype("int64"),
            _HOVER: others[_FOLDED].astype("string") + " workloads folded together (the healthiest)",
            _REF: "",
        }
    )
    return pd.concat([kept.sort_values(_ID), folded], ignore_index=True), len(rest)


def _namespace_nodes(workloads: pd.DataFrame, found: pd.DataFrame | None) -> pd.DataFrame:
    grouped = workloads.groupby(_PARENT, sort=True)
    out = grouped.agg(value=(_VALUE, "sum"), rank=(_RANK, "max"), count=(_VALUE, "size")).reset_index()
    ns = out[_PARENT].astype("string")
    hover = "workloads: " + out["count"].astype("string")
    if found is not None:
        rank, count, summary = obj.lookup(obj.worst_by(found, [obj.NAMESPACE]), [ns])
        out[_RANK] = np.maximum(out[_RANK].to_numpy(), rank)
        extra = (
            pd.Series(count, dtype="Int64").astype("string")
            + " findings, worst "
            + pd.Series(summary, dtype="string")
        )
        hover = hover.where(pd.Series(count) == 0, hover + "<br>" + extra)
    return pd.DataFrame(
        {
            _ID: ns,
            _PARENT: ROOT,
            _LABEL: ns.where(ns != "", "(cluster-scoped)"),
            _VALUE: out[_VALUE].astype("int64"),
            _RANK: out[_RANK].astype("int64"),
            _HOVER: hover,
            _REF: "Namespace " + ns,
        }
    )


def _title(table: pd.DataFrame, report: AnalysisReport | None) -> str:
    by = "worst finding" if report is not None else "pod readiness"
    return f"Cluster health: {len(table):,} pods in {table[_NS].nunique():,} namespaces, by {by}"


def _figure(nodes: pd.DataFrame, chart: Chart, size_by: SizeBy, title: str, notes: list[str]) -> go.Figure:
    ranks = nodes[_RANK].to_numpy()
    levels = [RANK_LEVEL[int(r)] for r in ranks]
    trace_type = go.Treemap if chart == "treemap" else go.Sunburst
    unit = "pods" if size_by == "pods" else "m CPU requested"
    trace = trace_type(
        ids=nodes[_ID].to_numpy(dtype=object),
        parents=nodes[_PARENT].to_numpy(dtype=object),
        labels=nodes[_LABEL].to_numpy(dtype=object),
        values=nodes[_VALUE].to_numpy(dtype="int64"),
        branchvalues="total",
        marker={"colors": [RANK_COLOR[int(r)] for r in ranks]},
        hovertext=[f"{level} · {h}" for level, h in zip(levels, nodes[_HOVER].fillna(""), strict=True)],
        customdata=nodes[_REF].fillna("").to_numpy(dtype=object),
        hovertemplate=f"<b>%{{label}}</b><br>%{{value:,}} {unit}<br>%{{hovertext}}<extra></extra>",
        textinfo="label",
        # Small clusters show every pod at once; large ones open at workloads (click to drill in).
        maxdepth=-1 if len(nodes) <= _ALL_LEVELS_UP_TO else 3,
    )
    fig = go.Figure(trace)
    fig.update_layout(template=theme.TEMPLATE, title=title, margin={"t": 88})
    fig.add_annotation(
        text=colour_key(),
        xref="paper",
        yref="paper",
        x=0.0,
        y=1.0,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        name="colour key",
    )
    for text in notes:
        note(fig, text, below=6)
    return fig

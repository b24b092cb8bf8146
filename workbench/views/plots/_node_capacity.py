"""`node_capacity`: per node, CPU or memory requested, limited and used against what it can allocate."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.frames import Frames
from workbench.frames.schema import NodeMetrics, Nodes, Pods
from workbench.model import Severity
from workbench.views import theme
from workbench.views.plots._common import choice, empty_figure, note, positive, why_empty

Resource = Literal["cpu", "memory"]
RESOURCES: tuple[Resource, ...] = ("cpu", "memory")

DEFAULT_TOP = 40
"""Nodes drawn one bar each by default; the rest are summed into one "others" row."""

_GIB = 2**30
_TERMINAL = ("Succeeded", "Failed")  # the scheduler no longer counts these pods' requests

# Node states marked beside the bars, with the severity whose colour they take.
STATES: dict[str, tuple[Severity, str]] = {
    "NotReady": (Severity.CRITICAL, "x"),
    "pressure": (Severity.WARNING, "triangle-up"),
    "cordoned": (Severity.INFO, "circle-open"),
}
"""State name → (severity colour, marker symbol)."""

# Columns of the per-node table (the views' own).
_ALLOC, _REQ, _LIM, _USE, _LABEL, _STATE = "allocatable", "requests", "limits", "usage", "label", "state"


def node_capacity(
    frames: Frames,
    *,
    resource: Resource = "cpu",
    top: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Per node: the ``resource`` its pods request, their limits and (with metrics) its usage, as
    percentages of allocatable, busiest first.

    Requests and limits are summed over the node's pods that are not finished (as the scheduler
    counts them); limits only over pods that set one. Usage comes from the ``node_metrics`` frame;
    without it (no metrics-server) the figure says so. NotReady, pressure (memory, disk, PID) and
    cordoned nodes are marked and sorted first; then nodes by their highest percentage. Beyond
    ``top`` nodes the rest are one "others" row (their totals against their summed allocatable).

    Args:
        frames: the cluster's frames (nodes, pods, node_metrics).
        resource: ``"cpu"`` (cores) or ``"memory"`` (GiB).
        top: nodes drawn one bar each (default 40).
        title: the figure's title.

    Returns:
        A figure with horizontal ``Bar`` traces named ``requests``, ``limits``, ``usage`` (y: node,
        x: % of allocatable) and a ``Scatter`` trace per node state present.

    Raises:
        ConfigError: an unknown ``resource`` or a ``top`` that is not positive.
    """
    choice("resource", resource, RESOURCES)
    shown = positive("top", top, DEFAULT_TOP)
    heading = title or f"Node {'CPU' if resource == 'cpu' else 'memory'} capacity"
    if frames.nodes.empty:
        return empty_figure(heading, why_empty(frames, Nodes.FRAME, "nodes"))
    table = _table(frames, resource)
    order = table.assign(
        flagged=table[_STATE] != "",
        busiest=table[[_REQ, _LIM, _USE]].div(table[_ALLOC].replace(0, np.nan), axis=0).max(axis=1).fillna(0),
    ).sort_values(["flagged", "busiest", _LABEL], ascending=[False, False, True], kind="stable")
    rows = order.iloc[:shown]
    rest = order.iloc[shown:]
    if len(rest):
        summed = rest[[_ALLOC, _REQ, _LIM, _USE]].sum(min_count=1).to_frame().T
        summed[_LABEL] = f"others ({len(rest):,} nodes)"
        summed[_STATE] = ""
        rows = pd.concat([rows, summed], ignore_index=True)
    fig = _figure(rows, resource, heading)
    has_usage = not frames.node_metrics.empty
    if not has_usage:
        missing = frames.missing_for(NodeMetrics.FRAME)
        why = (
            f"{missing.reason}: {missing.message}"
            if missing
            else "no node metrics (is metrics-server running?)"
        )
        note(fig, f"usage not shown: {why}")
    if len(rest):
        note(fig, f"{len(table):,} nodes: the {shown} busiest drawn, the rest summed as 'others'")
    return fig


def _table(frames: Frames, resource: Resource) -> pd.DataFrame:
    nodes = frames.nodes
    cpu = resource == "cpu"
    alloc = nodes[Nodes.CPU_ALLOCATABLE if cpu else Nodes.MEMORY_ALLOCATABLE].astype("float64")
    pods = frames.pods
    running = pods[pods[Pods.NODE].notna() & ~pods[Pods.PHASE].isin(_TERMINAL)]
    request, limit = (Pods.CPU_REQUEST, Pods.CPU_LIMIT) if cpu else (Pods.MEMORY_REQUEST, Pods.MEMORY_LIMIT)
    by_node = (
        running.assign(**{_REQ: running[request].astype("float64"), _LIM: running[limit].astype("float64")})
        .groupby(running[Pods.NODE].astype("string"), sort=False)[[_REQ, _LIM]]
        .sum(min_count=1)
    )
    names = nodes[Nodes.NAME].astype("string")
    summed = by_node.reindex(pd.Index(names))
    metrics = frames.node_metrics
    used = pd.Series(
        metrics[NodeMetrics.CPU if cpu else NodeMetrics.MEMORY].astype("float64").to_numpy(),
        index=pd.Index(metrics[NodeMetrics.NAME].astype("string")),
    )
    used = used[~used.index.duplicated()].reindex(pd.Index(names))
    pressure = nodes[Nodes.MEMORY_PRESSURE] | nodes[Nodes.DISK_PRESSURE] | nodes[Nodes.PID_PRESSURE]
    states = [
        ", ".join(s for s, on in (("NotReady", not r), ("pressure", p), ("cordoned", c)) if on)
        for r, p, c in zip(
            nodes[Nodes.READY].to_numpy(dtype=bool),
            pressure.to_numpy(dtype=bool),
            nodes[Nodes.UNSCHEDULABLE].to_numpy(dtype=bool),
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            _LABEL: names.to_numpy(),
            _ALLOC: alloc.to_numpy(),
            _REQ: summed[_REQ].fillna(0).to_numpy(),
            _LIM: summed[_LIM].fillna(0).to_numpy(),
            _USE: used.to_numpy(),
            _STATE: states,
        }
    )


def _figure(rows: pd.DataFrame, resource: Resource, heading: str) -> go.Figure:
    cpu = resource == "cpu"
    scale, unit = (1.0, "cores") if cpu else (float(_GIB), "GiB")
    alloc = rows[_ALLOC].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = {
            col: np.where(alloc > 0, rows[col].to_numpy(dtype="float64") / alloc * 100, np.nan)
            for col in (_REQ, _LIM, _USE)
        }
    labels = [
        f"{label}  ⚠ {state}" if state else label
        for label, state in zip(rows[_LABEL], rows[_STATE], strict=True)
    ]
    fig = go.Figure()
    styles = {
        _REQ: {"color": theme.QUALITATIVE[0]},
        _LIM: {
            "color": "white",
            "line": {"color": theme.QUALITATIVE[0], "width": 1},
            "pattern": {"shape": "/", "fgcolor": theme.QUALITATIVE[0]},
        },
        _USE: {"color": theme.QUALITATIVE[4]},
    }
    for col in (_REQ, _LIM, _USE):
        values = rows[col].to_numpy(dtype="float64")
        if col == _USE and np.isnan(values).all():
            continue
        hover = [
            f"{col}: {v / scale:,.2f} of {a / scale:,.2f} {unit} ({p:.0f}%)"
            if not np.isnan(v)
            else f"{col}: unknown"
            for v, a, p in zip(values, alloc, pct[col], strict=True)
        ]
        fig.add_trace(
            go.Bar(
                name=col,
                y=labels,
                x=pct[col],
                orientation="h",
                marker=styles[col],
                hovertext=hover,
                hovertemplate="<b>%{y}</b><br>%{hovertext}<extra></extra>",
            )
        )
    ends = np.nan_to_num(np.nanmax(np.vstack(list(pct.values())), axis=0), nan=0.0)
    for state, (severity, symbol) in STATES.items():
        marked = [i for i, s in enumerate(rows[_STATE]) if state in s.split(", ")]
        if not marked:
            continue
        fig.add_trace(
            go.Scatter(
                name=state,
                y=[labels[i] for i in marked],
                x=[ends[i] + 4 for i in marked],
                mode="markers",
                marker={
                    "color": theme.severity_color(severity),
                    "symbol": symbol,
                    "size": 11,
                    "line": {"width": 2},
                },
                hovertemplate=f"<b>%{{y}}</b><br>{state}<extra></extra>",
            )
        )
    fig.add_vline(x=100, line={"color": "#52606D", "dash": "dash", "width": 1})
    fig.update_layout(
        template=theme.TEMPLATE,
        title=heading,
        barmode="group",
        height=max(320, 90 + 26 * len(rows)),
        xaxis={"title": {"text": f"{'CPU' if cpu else 'memory'}, % of allocatable"}, "ticksuffix": "%"},
        yaxis={"title": {"text": "node"}, "autorange": "reversed", "type": "category"},
    )
    return fig

"""`cause_graph`: a finding's root-cause chain (its causes up to the roots, and what it causes)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import plotly.graph_objects as go

from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.model import Finding
from workbench.views import theme
from workbench.views.plots._common import empty_figure, positive

DEFAULT_MAX_NODES = 40
"""Findings drawn by default; consequences beyond it are folded into one "+N more" node."""
_ARROWS_UP_TO = 80  # edges drawn with arrowheads (annotations); above that, plain lines


def cause_graph(
    report: AnalysisReport,
    finding: str | Finding,
    *,
    max_nodes: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """The root-cause chain of ``finding`` as a graph, causes on the left, consequences on the right.

    Nodes are findings coloured by severity (the chosen one outlined); edges run from a cause to
    what it causes (``caused_by``). Every cause up to the roots is drawn; consequences (direct and
    indirect) are drawn nearest first up to ``max_nodes`` and the rest folded into one node.

    Args:
        report: the analysis report holding the finding.
        finding: the finding or its id (``pod.crashloop:Pod/shop/web-0``).
        max_nodes: most findings drawn (default 40).
        title: the figure's title.

    Returns:
        A figure with a ``Scatter`` trace ``caused_by`` (the edges, as lines) and a ``Scatter``
        trace ``findings`` (the nodes; ``customdata`` holds their ids, ``marker.color`` their
        severity colours).

    Raises:
        ConfigError: the finding is not in the report (the message shows ids that are), or
            ``max_nodes`` is not positive.
    """
    limit = positive("max_nodes", max_nodes, DEFAULT_MAX_NODES)
    if not report.findings:
        return empty_figure(title or "Root-cause chain", "Nothing to show: the analysis found nothing")
    chosen = _resolve(report, finding)
    heading = title or f"Root-cause chain of {chosen.id}"
    causes = _walk(chosen, report.causes)
    budget = max(limit - len(causes) - 1, 0)
    effects_all = _walk(chosen, report.consequences)
    effects, folded = effects_all[:budget], effects_all[budget:]
    nodes = [*causes, chosen, *effects]
    ids = {f.id for f in nodes}
    edges = [(c.id, f.id) for f in nodes for c in report.causes(f) if c.id in ids]
    depth = _depths(nodes, edges)
    if folded:
        last = max(depth.values()) + 1
        depth["…"] = last
    positions = _layout(depth)
    fig = go.Figure()
    xs: list[float | None] = []
    ys: list[float | None] = []
    for cause, effect in edges:
        (x0, y0), (x1, y1) = positions[cause], positions[effect]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    fig.add_trace(
        go.Scatter(
            name="caused_by",
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#9AA5B1", "width": 1.5},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            name="findings",
            x=[positions[f.id][0] for f in nodes],
            y=[positions[f.id][1] for f in nodes],
            mode="markers+text",
            text=[f"{f.code}<br>{f.ref.kind} {f.ref.name}" for f in nodes],
            textposition="bottom center",
            customdata=[f.id for f in nodes],
            hovertext=[_hover(report, f) for f in nodes],
            hovertemplate="%{hovertext}<extra></extra>",
            marker={
                "size": [34 if f.id == chosen.id else 26 for f in nodes],
                "opacity": 1,  # plotly draws markers of varying size at 0.7 unless told otherwise
                "color": [theme.severity_color(f.severity) for f in nodes],
                "line": {"color": ["#1F2933" if f.id == chosen.id else "white" for f in nodes], "width": 3},
            },
            showlegend=False,
        )
    )
    if folded:
        x, y = positions["…"]
        fig.add_trace(
            go.Scatter(
                name="more",
                x=[x],
                y=[y],
                mode="markers+text",
                text=[f"+{len(folded)} more consequences"],
                textposition="bottom center",
                marker={"size": 22, "color": theme.UNKNOWN_COLOR},
                hovertext=[escape(", ".join(f.id for f in folded[:10]), quote=False)],
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
            )
        )
    if len(edges) <= _ARROWS_UP_TO:
        for cause, effect in edges:
            (x0, y0), (x1, y1) = positions[cause], positions[effect]
            fig.add_annotation(
                x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                text="", showarrow=True, arrowhead=2, arrowsize=1.2, standoff=18, arrowcolor="#9AA5B1",
            )  # fmt: skip
    fig.update_layout(
        template=theme.TEMPLATE,
        title=heading,
        xaxis={"visible": False, "range": [-0.5, max(depth.values()) + 0.5]},
        yaxis={
            "visible": False,
            "range": [
                min(y for _, y in positions.values()) - 0.8,
                max(y for _, y in positions.values()) + 0.5,
            ],
        },
        height=max(320, 120 + 90 * max(_widths(depth).values())),
    )
    return fig


def _resolve(report: AnalysisReport, finding: str | Finding) -> Finding:
    wanted = finding.id if isinstance(finding, Finding) else finding
    try:
        return report[wanted]
    except KeyError:
        shown = ", ".join(f.id for f in report.findings[:5])
        raise ConfigError(
            f"no finding {wanted!r} in this report; pass one of its ids (report.findings[i].id), e.g. {shown}"
        ) from None


def _walk(start: Finding, step: Callable[[Finding], list[Finding]]) -> list[Finding]:
    """Findings reachable from ``start`` through ``step`` (causes or consequences), nearest first."""
    seen = {start.id}
    found: list[Finding] = []
    frontier = [start]
    while frontier:
        nxt: list[Finding] = []
        for f in frontier:
            for g in step(f):
                if g.id not in seen:
                    seen.add(g.id)
                    found.append(g)
                    nxt.append(g)
        frontier = nxt
    return found


def _depths(nodes: list[Finding], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: the longest chain of causes above it within the graph (cycles cut)."""
    causes: dict[str, list[str]] = {f.id: [] for f in nodes}
    for cause, effect in edges:
        causes[effect].append(cause)
    depth: dict[str, int] = {}

    def visit(node: str, path: frozenset[str]) -> int:
        if node not in depth:
            above = [visit(c, path | {node}) for c in causes[node] if c not in path]
            depth[node] = 1 + max(above) if above else 0
        return depth[node]

    for f in nodes:
        visit(f.id, frozenset())
    return depth


def _widths(depth: dict[str, int]) -> dict[int, int]:
    widths: dict[int, int] = {}
    for column in depth.values():
        widths[column] = widths.get(column, 0) + 1
    return widths


def _layout(depth: dict[str, int]) -> dict[str, tuple[float, float]]:
    """x: the column; y: spread evenly within the column, centred on 0, in the nodes' order."""
    widths = _widths(depth)
    placed: dict[int, int] = {}
    positions: dict[str, tuple[float, float]] = {}
    for node, column in depth.items():
        index = placed.get(column, 0)
        placed[column] = index + 1
        positions[node] = (float(column), (widths[column] - 1) / 2 - index)
    return positions


def _hover(report: AnalysisReport, finding: Finding) -> str:
    shown = report.masked(finding)
    lines = [f"<b>{escape(shown.id, quote=False)}</b> ({shown.severity})", escape(shown.summary, quote=False)]
    lines += [escape(str(e), quote=False)[:160] for e in shown.evidence[:3]]
    return "<br>".join(lines)

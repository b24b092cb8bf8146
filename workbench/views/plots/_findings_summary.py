"""`findings_summary`: how many findings of each severity, per namespace (or code, or kind)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from workbench.analyzers import AnalysisReport
from workbench.model import Severity
from workbench.views import theme
from workbench.views.plots._common import choice, empty_figure, note, positive

By = Literal["namespace", "code", "kind"]
BY: tuple[By, ...] = ("namespace", "code", "kind")

DEFAULT_MAX_GROUPS = 30
"""Bars drawn by default, worst first; the rest are one "others" bar."""

CLUSTER_SCOPED = "(cluster-scoped)"
"""The bar of findings on objects without a namespace (nodes, storage classes...)."""


def findings_summary(
    report: AnalysisReport,
    *,
    by: By = "namespace",
    max_groups: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Findings counted by severity per namespace (or code, or kind), as stacked bars.

    Bars are ordered worst first (by their worst severity, then their total); one trace per
    severity present, in its `theme.SEVERITY_COLORS` colour, critical at the bottom of the stack.

    Args:
        report: an analysis report.
        by: ``"namespace"``, ``"code"`` or ``"kind"``.
        max_groups: bars drawn (default 30); the rest are summed into one "others" bar.
        title: the figure's title.

    Returns:
        A figure with one ``Bar`` trace per severity present, named by the severity (``error``).

    Raises:
        ConfigError: an unknown ``by`` or a ``max_groups`` that is not positive.
    """
    choice("by", by, BY)
    groups = positive("max_groups", max_groups, DEFAULT_MAX_GROUPS)
    heading = title or f"Findings by severity and {by}"
    if not report.findings:
        return empty_figure(heading, "Nothing to show: the analysis found nothing")
    keys = {
        "namespace": [f.ref.namespace or CLUSTER_SCOPED for f in report.findings],
        "code": [f.code for f in report.findings],
        "kind": [f.ref.kind for f in report.findings],
    }[by]
    counts = pd.crosstab(
        pd.Series(keys, name=by), pd.Series([int(f.severity) for f in report.findings], name="severity")
    )
    counts = counts.reindex(columns=[int(s) for s in sorted(Severity, reverse=True)], fill_value=0)
    worst = counts.gt(0).to_numpy().argmax(axis=1)  # columns go from critical down
    order = pd.DataFrame({"worst": -worst, "total": counts.sum(axis=1).to_numpy(), "name": counts.index})
    order = order.sort_values(["worst", "total", "name"], ascending=[False, False, True], kind="stable")
    counts = counts.loc[order["name"].to_list()]
    if len(counts) > groups:
        rest = counts.iloc[groups:]
        counts = pd.concat([counts.iloc[:groups], rest.sum().to_frame(f"others ({len(rest):,})").T])
    fig = go.Figure()
    for severity in sorted(Severity, reverse=True):
        column = counts[int(severity)]
        if not column.any():
            continue
        fig.add_trace(
            go.Bar(
                name=str(severity),
                x=[str(k) for k in counts.index],
                y=column.to_numpy(dtype="int64"),
                marker={"color": theme.severity_color(severity)},
                hovertemplate=f"<b>%{{x}}</b><br>%{{y}} {severity}<extra></extra>",
            )
        )
    fig.update_layout(
        template=theme.TEMPLATE,
        title=heading,
        barmode="stack",
        xaxis={"title": {"text": by}, "type": "category"},
        yaxis={"title": {"text": "findings"}},
        legend={"traceorder": "normal"},
    )
    if len(order) > groups:
        note(fig, f"{len(order):,} {by}s: the {groups} worst drawn, the rest summed as 'others'", below=110)
    return fig

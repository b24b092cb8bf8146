"""`timeline`: warning events and container terminations over time, one row per object."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.analyzers import AnalysisReport
from workbench.frames import Frames
from workbench.frames.schema import Containers, Events
from workbench.views import theme
from workbench.views.plots import _objects as obj
from workbench.views.plots._common import (
    RENDER_MODES,
    RenderMode,
    Since,
    choice,
    empty_figure,
    labels,
    latest_time,
    note,
    positive,
    webgl,
    window_start,
)

DEFAULT_MAX_OBJECTS = 50
"""Objects (rows) drawn by default: the worst (by finding, then by occurrences) first."""

EVENTS_GROUP = "warning events"
TERMINATIONS_GROUP = "container terminations"

# Columns of the occurrence table (the views' own): one row per event or termination.
_OBJ, _REASON, _FIRST, _LAST, _COUNT, _TEXT, _GROUP = (
    "object",
    "reason",
    "first",
    "last",
    "count",
    "text",
    "group",
)
# Columns of the table `_rank` orders objects by (the views' own): one row per object.
_ORDER_RANK, _ORDER_TOTAL, _ORDER_NAME = "rank", "total", "name"


def timeline(
    frames: Frames,
    report: AnalysisReport | None = None,
    *,
    since: Since = None,
    max_objects: int | None = None,
    render_mode: RenderMode = "auto",
    title: str | None = None,
) -> go.Figure:
    """Warning events and container terminations over time: one row per object, one colour per reason.

    A warning event (merged by the events frame: same object, reason and message) is a line from
    when it was first seen to when it was last seen, its marker sized by how often it happened. A
    container termination (the last one of each restarted container, and the current one of a
    container that exited non-zero: Kubernetes keeps no older ones) is an ``x`` at the moment it
    finished, named by its reason (OOMKilled, Error...). Hover shows the object, counts, times,
    message or exit code, and with a report the object's worst finding.

    Rows are ranked by the worst finding on the object (with a report), then by occurrences; beyond
    ``max_objects`` the rest are dropped and the figure says how many.

    Args:
        frames: the cluster's frames (events, containers).
        report: the analysis of the same frames, to rank rows and name findings in the hover.
        since: show only what happened from this moment, or within this duration (``"30min"``,
            ``"2h"``, a ``timedelta``) before the latest time in the data.
        max_objects: most rows (default 50).
        render_mode: ``"auto"`` draws with WebGL (``Scattergl``) above `theme.WEBGL_THRESHOLD`
            points, ``"svg"`` / ``"webgl"`` force one (as in plotly express).
        title: the figure's title.

    Returns:
        A figure with one ``Scatter`` (or ``Scattergl``) trace per reason and kind of occurrence
        (``legendgroup`` ``"warning events"`` or ``"container terminations"``); x: time (UTC),
        y: the object as ``ObjectRef`` prints it.

    Raises:
        ConfigError: ``since`` is not a time or duration, ``max_objects`` is not positive, or
            ``render_mode`` is unknown.
    """
    rows = positive("max_objects", max_objects, DEFAULT_MAX_OBJECTS)
    choice("render_mode", render_mode, RENDER_MODES)
    heading = title or "Timeline: warning events and container terminations"
    table = pd.concat([_events(frames), _terminations(frames)], ignore_index=True)
    start = window_start(since, latest_time(frames, table[_LAST]))
    if start is not None:
        table = table[table[_LAST] >= start]
    if table.empty:
        when = f" since {start:%Y-%m-%d %H:%M} UTC" if start is not None else ""
        return empty_figure(heading, f"Nothing to show: no warning events or container terminations{when}")
    ranked, worst = _rank(table, report)
    kept = ranked[:rows]
    table = table[table[_OBJ].isin(kept)]
    if worst:
        finding = table[_OBJ].map(worst).astype("string").fillna("")
        table = table.assign(**{_TEXT: table[_TEXT].where(finding == "", table[_TEXT] + "<br>" + finding)})
    points = int((table[_GROUP] == EVENTS_GROUP).sum() * 3 + (table[_GROUP] == TERMINATIONS_GROUP).sum())
    gl = webgl(points, render_mode)
    fig = go.Figure()
    for (group, reason), part in table.groupby([_GROUP, _REASON], sort=True, observed=True):
        fig.add_trace(_trace(str(group), str(reason), part, gl))
    fig.update_layout(
        template=theme.TEMPLATE,
        title=heading,
        height=max(360, 140 + 24 * len(kept)),
        xaxis={"title": {"text": "time (UTC)"}, "type": "date"},
        yaxis={
            "title": {"text": "object"},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": kept,
            "autorange": "reversed",
        },
        # Two titled legend groups read better as a column beside the rows than as a header.
        legend={
            "groupclick": "toggleitem",
            "orientation": "v",
            "x": 1.02,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "top",
        },
    )
    if start is not None:
        fig.update_xaxes(range=[start.tz_convert(None), latest_time(frames, table[_LAST]).tz_convert(None)])
    if len(ranked) > rows:
        note(fig, f"{len(ranked):,} objects: the {rows} worst drawn (max_objects={rows})", below=80)
    return fig


def _events(frames: Frames) -> pd.DataFrame:
    ev = frames.events
    ev = ev[(ev[Events.TYPE] == "Warning").fillna(False).to_numpy(dtype=bool)]
    count = ev[Events.COUNT].fillna(1).astype("int64")
    first = ev[Events.FIRST_SEEN].fillna(ev[Events.LAST_SEEN])
    text = (
        "<b>"
        + ev[Events.REASON].astype("string").fillna("?")
        + "</b> × "
        + count.astype("string")
        + " · "
        + ev[Events.SOURCE].astype("string").fillna("?")
        + "<br>"
        + ev[Events.MESSAGE].astype("string").fillna("").map(_short)
    )
    return pd.DataFrame(
        {
            _OBJ: labels(
                ev[Events.OBJECT_KIND], ev[Events.OBJECT_NAMESPACE], ev[Events.OBJECT_NAME]
            ).to_numpy(),
            _REASON: ev[Events.REASON].astype("string").fillna("(no reason)").to_numpy(),
            _FIRST: first.array,
            _LAST: ev[Events.LAST_SEEN].array,
            _COUNT: count.to_numpy(),
            _TEXT: text.to_numpy(),
            _GROUP: EVENTS_GROUP,
        }
    ).dropna(subset=[_LAST])


def _terminations(frames: Frames) -> pd.DataFrame:
    c = frames.containers
    last = c[c[Containers.LAST_FINISHED_AT].notna()]
    now = c[
        (c[Containers.STATE] == "terminated").fillna(False).to_numpy(dtype=bool)
        & (c[Containers.EXIT_CODE].fillna(0) != 0).to_numpy(dtype=bool)
        & c[Containers.FINISHED_AT].notna().to_numpy(dtype=bool)
    ]
    parts = []
    for rows, at, reason, code, which in (
        (
            last,
            Containers.LAST_FINISHED_AT,
            Containers.LAST_REASON,
            Containers.LAST_EXIT_CODE,
            "before restart",
        ),
        (now, Containers.FINISHED_AT, Containers.REASON, Containers.EXIT_CODE, "current state"),
    ):
        text = (
            "<b>"
            + rows[reason].astype("string").fillna("terminated")
            + "</b> · container "
            + rows[Containers.CONTAINER].astype("string")
            + f" ({which})<br>exit code "
            + rows[code].astype("Int64").astype("string").fillna("?")
            + " · restarts "
            + rows[Containers.RESTARTS].astype("Int64").astype("string").fillna("0")
        )
        parts.append(
            pd.DataFrame(
                {
                    _OBJ: labels(
                        rows[Containers.KIND], rows[Containers.NAMESPACE], rows[Containers.NAME]
                    ).to_numpy(),
                    _REASON: rows[reason].astype("string").fillna("terminated").to_numpy(),
                    _FIRST: rows[at].array,
                    _LAST: rows[at].array,
                    _COUNT: 1,
                    _TEXT: text.to_numpy(),
                    _GROUP: TERMINATIONS_GROUP,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _rank(table: pd.DataFrame, report: AnalysisReport | None) -> tuple[list[str], dict[str, str]]:
    """Objects, worst first (by their worst finding with a report, then by occurrences, then name),
    and each object's worst finding as "finding: <severity>: <summary>"."""
    totals = table.groupby(_OBJ, sort=False)[_COUNT].sum()
    ranks = np.zeros(len(totals), dtype="int64")
    worst: dict[str, str] = {}
    if report is not None:
        found = obj.findings_frame(report)
        per = found.assign(**{_OBJ: labels(found[obj.KIND], found[obj.NAMESPACE], found[obj.NAME])})
        names = pd.Series(totals.index, dtype="string")
        ranks, _, summaries = obj.lookup(obj.worst_by(per, [_OBJ]), [names])
        worst = {str(n): f"finding: {_short(str(s))}" for n, s in zip(names, summaries, strict=True) if s}
    order = pd.DataFrame({_ORDER_RANK: ranks, _ORDER_TOTAL: totals.to_numpy(), _ORDER_NAME: totals.index})
    order = order.sort_values(
        [_ORDER_RANK, _ORDER_TOTAL, _ORDER_NAME], ascending=[False, False, True], kind="stable"
    )
    return [str(name) for name in order[_ORDER_NAME]], worst


def _short(message: str, limit: int = 160) -> str:
    text = escape(message, quote=False).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _trace(group: str, reason: str, part: pd.DataFrame, gl: bool) -> go.Scatter:
    scatter = go.Scattergl if gl else go.Scatter
    first = part[_FIRST].dt.tz_convert(None).to_numpy()
    last = part[_LAST].dt.tz_convert(None).to_numpy()
    common = {"name": reason, "legendgroup": group, "legendgrouptitle": {"text": group}}
    objects = part[_OBJ].to_numpy(dtype=object)
    texts = (part[_OBJ] + "<br>" + part[_TEXT]).to_numpy(dtype=object)
    if group == TERMINATIONS_GROUP:
        return scatter(
            x=last,
            y=objects,
            mode="markers",
            marker={"symbol": "x", "size": 10},
            hovertext=[
                f"{t}<br>{pd.Timestamp(at):%Y-%m-%d %H:%M:%S}" for t, at in zip(texts, last, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            **common,
        )
    # One line per event from first to last seen: x and y interleaved with gaps (None) between.
    n = len(part)
    xs = np.empty(3 * n, dtype="datetime64[ns]")
    xs[0::3], xs[1::3], xs[2::3] = first, last, np.datetime64("NaT")
    ys = np.empty(3 * n, dtype=object)
    ys[0::3], ys[1::3], ys[2::3] = objects, objects, None
    sizes = np.zeros(3 * n)
    sizes[0::3] = 5
    sizes[1::3] = 6 + 3 * np.log2(part[_COUNT].to_numpy(dtype="float64").clip(min=1))
    span = [
        f"{t}<br>{pd.Timestamp(a):%Y-%m-%d %H:%M:%S} → {pd.Timestamp(b):%H:%M:%S}"
        for t, a, b in zip(texts, first, last, strict=True)
    ]
    hover = np.empty(3 * n, dtype=object)
    hover[0::3], hover[1::3], hover[2::3] = span, span, None
    return scatter(
        x=xs,
        y=ys,
        mode="lines+markers",
        marker={"size": sizes},
        line={"width": 3},
        connectgaps=False,
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        **common,
    )

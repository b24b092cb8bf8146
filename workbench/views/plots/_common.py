"""What every figure shares: the empty figure, argument checks, labels, WebGL choice, time windows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Literal, TypeVar

import pandas as pd
import plotly.graph_objects as go

from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.model import Severity
from workbench.views import theme

RenderMode = Literal["auto", "svg", "webgl"]
"""How scatter traces are drawn: ``auto`` switches to WebGL above `theme.WEBGL_THRESHOLD` points."""

RENDER_MODES: tuple[RenderMode, ...] = ("auto", "svg", "webgl")

Since = datetime | timedelta | str | None
"""A time window's start: a moment, a duration before the latest data (``"1h"``), or None (all)."""

# Health as numbers so that "worst of" is a max: the ranks follow theme.HEALTH_ORDER.
HEALTHY, UNKNOWN = 0, 5
RANK_LEVEL: dict[int, theme.HealthLevel] = {
    HEALTHY: "healthy",
    UNKNOWN: "unknown",
    **{int(sev): theme.health_level(sev) for sev in Severity},
}
RANK_COLOR: dict[int, str] = {rank: theme.HEALTH_COLORS[level] for rank, level in RANK_LEVEL.items()}


T = TypeVar("T", bound=str)


def choice(name: str, value: T, valid: Sequence[T]) -> T:
    """``value`` when it is one of ``valid``; otherwise a ConfigError naming the valid values."""
    if value not in valid:
        raise ConfigError(f"{name}={value!r} is not valid; use one of {', '.join(map(repr, valid))}")
    return value


def positive(name: str, value: int | None, default: int) -> int:
    """``value`` (or ``default`` when None), which must be a positive int."""
    chosen = default if value is None else value
    if isinstance(chosen, bool) or not isinstance(chosen, int) or chosen < 1:
        raise ConfigError(f"{name}={value!r} is not valid; use a positive whole number, e.g. {default}")
    return chosen


def empty_figure(title: str, message: str) -> go.Figure:
    """A themed figure with no data and ``message`` in the middle ("nothing to show" and why)."""
    fig = go.Figure()
    fig.update_layout(
        template=theme.TEMPLATE,
        title=title,
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": escape(message, quote=False),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 15, "color": theme.UNKNOWN_COLOR},
                "name": "nothing to show",
            }
        ],
    )
    return fig


def why_empty(frames: Frames, frame: str, what: str) -> str:
    """ "Nothing to show: no <what>", with the reason when the frame could not be read."""
    missing = frames.missing_for(frame)
    if missing is not None:
        return f"Nothing to show: {frame} could not be read ({missing.reason}: {missing.message})"
    return f"Nothing to show: no {what}"


NOTE_LINE_PX = 16
"""Height of one note line under a figure."""


def note(fig: go.Figure, text: str, *, below: int = 64) -> None:
    """Add a small note under the plot (what was folded away, which data were missing).

    Notes stack downwards ``below`` pixels under the plot area (clear of the x axis's ticks and
    title; 0 for figures without axes) and the bottom margin grows to hold them.
    """
    index = sum(1 for a in fig.layout.annotations if a.name == "note")
    fig.add_annotation(
        text=escape(text, quote=False),
        xref="paper",
        yref="paper",
        x=0.0,
        y=0.0,
        yshift=-(below + NOTE_LINE_PX * index),
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font={"size": 11, "color": "#52606D"},
        name="note",
    )
    fig.update_layout(margin={"b": below + NOTE_LINE_PX * (index + 1) + 8})


def severity_key(levels: Iterable[theme.HealthLevel] = theme.HEALTH_ORDER) -> str:
    """A one-line colour key (``■ healthy ■ warning ...``) for figures without a legend (treemaps)."""
    return "  ".join(f'<span style="color:{theme.HEALTH_COLORS[level]}">■</span> {level}' for level in levels)


def webgl(points: int, render_mode: RenderMode) -> bool:
    """Whether scatter traces of ``points`` points are drawn with WebGL."""
    choice("render_mode", render_mode, RENDER_MODES)
    if render_mode == "auto":
        return points > theme.WEBGL_THRESHOLD
    return render_mode == "webgl"


def ref_label(kind: object, namespace: object, name: object) -> str:
    """``Pod shop/web-0`` (``Node kind-worker`` when cluster-scoped), as `ObjectRef` prints."""
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def labels(kinds: pd.Series, namespaces: pd.Series, names: pd.Series) -> pd.Series:
    """`ref_label` over columns (vectorised: it runs over every pod of a large cluster)."""
    ns = namespaces.astype("string").fillna("")
    scoped = kinds.astype("string") + " " + ns + "/" + names.astype("string")
    plain = kinds.astype("string") + " " + names.astype("string")
    return scoped.where(ns != "", plain)


def window_start(since: Since, latest: datetime) -> pd.Timestamp | None:
    """The first moment a figure shows: ``since`` itself, or ``latest`` minus the duration.

    Raises:
        ConfigError: ``since`` is neither a moment, a duration nor text pandas reads as one.
    """
    if since is None:
        return None
    if isinstance(since, datetime):
        stamp = pd.Timestamp(since)
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    try:
        duration = pd.Timedelta(since)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"since={since!r} is not a time; pass a datetime, a timedelta or a duration like '30min' or '2h'"
        ) from exc
    if pd.isna(duration) or duration <= pd.Timedelta(0):
        raise ConfigError(f"since={since!r} is not a positive duration; use e.g. '30min' or '2h'")
    return pd.Timestamp(latest) - duration


def latest_time(frames: Frames, *stamps: pd.Series) -> pd.Timestamp:
    """The latest of the given timestamps and the bundle's capture time ("now" for relative windows).

    The sandbox's manual clock and a snapshot replayed later both make the capture time alone wrong.
    """
    found = [s.max() for s in stamps if len(s) and s.notna().any()]
    captured = pd.Timestamp(frames.captured_at)
    captured = captured.tz_localize("UTC") if captured.tzinfo is None else captured
    return pd.Timestamp(max([captured, *found]))

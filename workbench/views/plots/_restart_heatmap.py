"""`restart_heatmap`: container restarts per workload and time bucket."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Containers, Pods
from workbench.views import theme
from workbench.views.plots import _objects as obj
from workbench.views.plots._common import (
    Since,
    empty_figure,
    labels,
    latest_time,
    note,
    positive,
    window_start,
)

DEFAULT_MAX_WORKLOADS = 30
"""Workloads (rows) drawn by default, most restarts first; the rest are one "others" row."""
DEFAULT_MAX_BUCKETS = 288
"""Time buckets (columns) drawn by default: a day of 5-minute buckets, ending at the latest restart."""

# The kubelet's crash-loop back-off (client-go flowcontrol.Backoff): the first restart is immediate,
# later ones wait 10 s, doubling, at most 5 min; forgotten after 10 min without a crash.
BACKOFF_START_S = 10.0
BACKOFF_MAX_S = 300.0
BACKOFF_RESET_S = 600.0

# Columns of the restart table (the views' own): one row per estimated restart.
_WORKLOAD, _AT = "workload", "at"


def restart_heatmap(
    frames: Frames,
    *,
    bucket: str | timedelta = "5min",
    since: Since = None,
    max_workloads: int | None = None,
    max_buckets: int | None = None,
    title: str | None = None,
) -> go.Figure:
    """Container restarts per workload (rows) and time bucket (columns).

    Kubernetes records a container's restart count and only the start of its latest run, so only
    the latest restart's time is known; the earlier ones are estimated: the kubelet restarts a
    failing container at once the first time, then as soon as its back-off expires (10 s, doubling
    to 5 min, forgotten after 10 min of running), so each container's restarts are placed back to
    back before its latest, each run lasting as long as its last run did, and never before the pod
    started. The hover says so. Containers that restarted without a recorded start are left out
    and counted in a note.

    Args:
        frames: the cluster's frames (containers; pods, replicasets and jobs for the workloads).
        bucket: the width of a column, as pandas reads durations (``"5min"``, ``"1h"``) or a
            ``timedelta``.
        since: only restarts from this moment, or within this duration (``"6h"``) before the
            latest restart.
        max_workloads: rows drawn (default 30); the rest are summed into one "others" row.
        max_buckets: columns drawn at most (default 288), ending at the latest restart.
        title: the figure's title.

    Returns:
        A figure with one ``Heatmap`` trace: x the buckets' starts (UTC), y the workloads as
        ``Deployment shop/web``, z the restarts (``None`` where there were none).

    Raises:
        ConfigError: ``bucket`` or ``since`` is not a duration, or a maximum is not positive.
    """
    width = _bucket(bucket)
    rows = positive("max_workloads", max_workloads, DEFAULT_MAX_WORKLOADS)
    columns = positive("max_buckets", max_buckets, DEFAULT_MAX_BUCKETS)
    heading = title or f"Container restarts per workload ({_human(width)} buckets, estimated times)"
    restarts, untimed = _restarts(frames)
    start = window_start(since, latest_time(frames, restarts[_AT]))
    if start is not None:
        restarts = restarts[restarts[_AT] >= start]
    if restarts.empty:
        return empty_figure(
            heading, "Nothing to show: no container restarts" + (" in this window" if since else "")
        )
    slot = restarts[_AT].dt.tz_convert(None).dt.floor(width)
    last_slot = slot.max()
    first_slot = max(slot.min(), last_slot - width * (columns - 1))
    early = int((slot < first_slot).sum())
    restarts, slot = restarts[slot >= first_slot], slot[slot >= first_slot]
    totals = restarts.groupby(_WORKLOAD, sort=True).size().sort_values(ascending=False, kind="stable")
    kept = list(totals.index[:rows])
    row = restarts[_WORKLOAD].where(
        restarts[_WORKLOAD].isin(kept), f"others ({len(totals) - len(kept):,} workloads)"
    )
    order = kept + sorted(set(row) - set(kept))
    every = pd.date_range(first_slot, last_slot, freq=width)
    # float32 halves the payload (counts are exact in it); no restart: NaN, drawn as no colour, so
    # the few busy cells stand out.
    z = np.zeros((len(order), len(every)), dtype="float32")
    rows_at = pd.Index(order).get_indexer(row)
    columns_at = ((slot - first_slot) // width).to_numpy(dtype="int64")
    np.add.at(z, (rows_at, columns_at), 1)
    z[z == 0] = np.nan
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=every.to_numpy(),
            y=order,
            colorscale=theme.SEQUENTIAL,
            zmin=1,
            colorbar={"title": {"text": "restarts"}},
            xgap=1,
            ygap=1,
            hovertemplate="<b>%{y}</b><br>%{x}: %{z} restarts (times estimated)<extra></extra>",
            name="restarts",
        )
    )
    fig.update_layout(
        template=theme.TEMPLATE,
        title=heading,
        height=max(320, 140 + 22 * len(order)),
        xaxis={"title": {"text": f"time (UTC), {_human(width)} buckets"}, "type": "date"},
        yaxis={"title": {"text": "workload"}, "type": "category", "autorange": "reversed"},
    )
    notes = []
    if early:
        notes.append(
            f"{early:,} earlier restarts are outside the {columns} buckets drawn (pass since= or bucket=)"
        )
    if untimed:
        notes.append(f"{untimed:,} restarts have no recorded start time and are not drawn")
    for text in notes:
        note(fig, text, below=80)
    return fig


def _bucket(bucket: str | timedelta) -> pd.Timedelta:
    try:
        width = pd.Timedelta(bucket)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"bucket={bucket!r} is not a duration; use e.g. '1min', '5min', '1h' or a timedelta"
        ) from exc
    if pd.isna(width) or width <= pd.Timedelta(0):
        raise ConfigError(f"bucket={bucket!r} is not a positive duration; use e.g. '5min'")
    return width


def _human(width: pd.Timedelta) -> str:
    seconds = int(width.total_seconds())
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _naive(stamps: pd.Series) -> np.ndarray:
    """UTC timestamps as plain datetime64[ns] (tz-aware ones convert to objects otherwise)."""
    return pd.to_datetime(stamps, utc=True).dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def _backoff_sum(n: np.ndarray, reset: np.ndarray) -> np.ndarray:
    """Seconds the kubelet waited before the first ``n`` restarts: nothing before the first, then
    10 s doubling to 5 min; nothing at all when runs last long enough for it to forget the back-off."""
    waits = np.maximum(n - 1, 0)
    doubling = BACKOFF_START_S * (2.0 ** np.minimum(waits, 5) - 1)  # 10+20+40+80+160 = 310 s for 5
    capped = doubling + BACKOFF_MAX_S * np.maximum(waits - 5, 0)
    return np.where(reset, 0.0, capped)


def _restarts(frames: Frames) -> tuple[pd.DataFrame, int]:
    """One row per estimated restart (its workload and time), and how many had no time at all."""
    c = frames.containers
    restarted = c[(c[Containers.RESTARTS].fillna(0) > 0).to_numpy(dtype=bool)]
    # The latest restart started the current run (a running container) or the last one (a container
    # waiting in back-off): either start is recorded exactly.
    running = (restarted[Containers.STATE] == "running").fillna(False).to_numpy(dtype=bool)
    latest = restarted[Containers.STARTED_AT].where(running, restarted[Containers.LAST_STARTED_AT])
    timed = restarted[latest.notna().to_numpy(dtype=bool)]
    latest = latest[latest.notna()]
    untimed = int(restarted[Containers.RESTARTS].sum() - timed[Containers.RESTARTS].sum())
    if timed.empty:
        empty = {_WORKLOAD: pd.Series([], dtype="string"), _AT: pd.Series([], dtype=Pods.CREATED.dtype)}
        return pd.DataFrame(empty), untimed
    pods = frames.pods
    # Only the pods that restarted: the workload lookup and labels then cost nothing on big clusters.
    restarted_pods = pd.MultiIndex.from_arrays(
        [timed[Containers.NAMESPACE].astype("string"), timed[Containers.NAME].astype("string")]
    )
    all_pods = pd.MultiIndex.from_arrays(
        [pods[Pods.NAMESPACE].astype("string"), pods[Pods.NAME].astype("string")]
    )
    pods = pods[all_pods.isin(restarted_pods)]
    kind, name = obj.workloads(frames, pods)
    workload = labels(kind.mask(kind == "", "Pods"), pods[Pods.NAMESPACE], name)
    key = pd.MultiIndex.from_arrays([pods[Pods.NAMESPACE].astype("string"), pods[Pods.NAME].astype("string")])
    by_pod = pd.DataFrame(
        {_WORKLOAD: workload.array, Pods.START_TIME: pods[Pods.START_TIME].array}, index=key
    )
    by_pod = by_pod[~by_pod.index.duplicated()]
    mine = by_pod.reindex(
        pd.MultiIndex.from_arrays(
            [timed[Containers.NAMESPACE].astype("string"), timed[Containers.NAME].astype("string")]
        )
    )
    fallback = labels(
        pd.Series("Pod", index=timed.index), timed[Containers.NAMESPACE], timed[Containers.NAME]
    )
    workloads = mine[_WORKLOAD].astype("string").fillna(pd.Series(fallback.to_numpy(), index=mine.index))
    last_run = timed[Containers.LAST_FINISHED_AT] - timed[Containers.LAST_STARTED_AT]
    run = last_run.dt.total_seconds().fillna(0).clip(lower=0).to_numpy()
    count = timed[Containers.RESTARTS].to_numpy(dtype="int64")
    # Restart i of r (1 = first) comes r-i runs and the back-offs of restarts i+1..r before the latest.
    owner = np.repeat(np.arange(len(timed)), count)
    starts = np.cumsum(count) - count
    index = np.arange(count.sum()) - np.repeat(starts, count) + 1
    r = count[owner]
    reset = run[owner] >= BACKOFF_RESET_S
    before = _backoff_sum(r, reset) - _backoff_sum(index, reset) + (r - index) * run[owner]
    at = _naive(latest)[owner] - (before * 1e9).astype("timedelta64[ns]")
    floor = _naive(mine[Pods.START_TIME])[owner]
    at = np.where(pd.isna(floor) | (at >= floor), at, floor)
    return (
        pd.DataFrame(
            {
                _WORKLOAD: workloads.to_numpy()[owner],
                _AT: pd.to_datetime(at, utc=True),
            }
        ),
        untimed,
    )

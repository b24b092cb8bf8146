"""The restart heatmap: every restart counted once in its workload's row, times estimated from the
kubelet's back-off before the last termination, a bounded grid for large clusters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tests.views.conftest import analysed, annotation_texts, values
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Containers, Pods
from workbench.views import restart_heatmap, theme

Scenario = tuple[Frames, AnalysisReport]


def grid(fig: Any) -> pd.DataFrame:
    trace = fig.data[0]
    z = np.nan_to_num(np.asarray(trace.z, dtype="float64"))
    return pd.DataFrame(z, index=values(trace.y), columns=[pd.Timestamp(x) for x in values(trace.x)])


def backoff_offsets(restarts: int, run_s: float) -> list[float]:
    """Seconds before the latest restart of every restart (the documented model)."""
    # The kubelet's wait before restart 1, 2, ...: none, then 10 s doubling to 5 min.
    waits = [0] + [min(10 * 2**i, 300) for i in range(restarts - 1)]
    offsets, total = [0.0], 0.0
    for wait in reversed(waits[1:]):  # going back from the latest restart
        total += wait + run_s
        offsets.append(total)
    return offsets


def test_every_restart_lands_in_its_workloads_row() -> None:
    frames, _ = analysed("oomkilled")
    fig = restart_heatmap(frames)
    assert fig.data[0].type == "heatmap"
    cells = grid(fig)
    restarted = frames.containers[frames.containers[Containers.RESTARTS] > 0]
    assert list(cells.index) == ["Deployment analytics/report-builder"]
    assert cells.to_numpy().sum() == restarted[Containers.RESTARTS].sum()
    assert fig.data[0].colorscale == go.Heatmap(colorscale=theme.SEQUENTIAL).colorscale
    assert fig.layout.yaxis.title.text == "workload"
    assert fig.layout.xaxis.title.text == "time (UTC), 5min buckets"


def test_restart_times_follow_the_kubelet_back_off_before_the_last_termination() -> None:
    frames, _ = analysed("oomkilled")
    row = frames.containers[frames.containers[Containers.RESTARTS] > 0].iloc[0]
    pod = frames.pods[frames.pods[Pods.NAME] == row[Containers.NAME]].iloc[0]
    assert row[Containers.STATE] == "waiting"  # in back-off: its latest restart began the last run
    latest = row[Containers.LAST_STARTED_AT].tz_convert(None)
    run = (row[Containers.LAST_FINISHED_AT] - row[Containers.LAST_STARTED_AT]).total_seconds()
    start = pod[Pods.START_TIME].tz_convert(None)
    offsets = backoff_offsets(int(row[Containers.RESTARTS]), run)
    expected = [max(latest - pd.Timedelta(seconds=s), start).floor("1s") for s in offsets]
    cells = grid(restart_heatmap(frames, bucket="1s", max_buckets=100_000)).iloc[0]
    drawn = [t for t, n in cells.items() for _ in range(int(n))]
    assert drawn == sorted(expected)
    assert drawn[-1] == latest.floor("1s")  # the one recorded restart is exact
    assert drawn[0] >= start  # never before the pod started


def test_two_crash_looping_pods_of_one_deployment_share_a_row(incident: Scenario) -> None:
    frames, _ = incident
    cells = grid(restart_heatmap(frames, bucket="1h"))
    assert list(cells.index) == ["Deployment shop/checkout"]
    assert cells.to_numpy().sum() == frames.containers[Containers.RESTARTS].sum()


def test_a_cluster_without_restarts_gives_a_figure_that_says_so() -> None:
    frames, _ = analysed("healthy")
    fig = restart_heatmap(frames)
    assert fig.data == ()
    assert annotation_texts(fig, "nothing to show") == ["Nothing to show: no container restarts"]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"bucket": "often"}, ["bucket='often'", "'5min'"]),
        ({"bucket": "0s"}, ["positive duration"]),
        ({"since": "soon"}, ["since='soon'"]),
        ({"max_workloads": 0}, ["max_workloads=0"]),
    ],
)
def test_bad_arguments_name_the_valid_values(
    incident: Scenario, kwargs: dict[str, Any], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as err:
        restart_heatmap(incident[0], **kwargs)
    for word in words:
        assert word in str(err.value)


@pytest.mark.slow
def test_a_large_cluster_is_a_bounded_grid_that_loses_no_restart(big: Scenario) -> None:
    frames, _ = big
    fig = restart_heatmap(frames, max_workloads=20, max_buckets=100)
    cells = grid(fig)
    assert cells.shape[0] == 21
    assert cells.shape[1] <= 100
    assert cells.index[-1].startswith("others (")
    total = int(frames.containers[Containers.RESTARTS].sum())
    notes = annotation_texts(fig, "note")
    early = next(int(n.split()[0].replace(",", "")) for n in notes if "earlier restarts" in n)
    assert cells.to_numpy().sum() + early == total
    # The drawn rows are the workloads with the most restarts, most first.
    drawn = cells.sum(axis=1).iloc[:-1].to_list()
    assert drawn == sorted(drawn, reverse=True)
    assert len(fig.to_json()) < 200_000

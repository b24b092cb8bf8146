"""The timeline: warning events as spans and container terminations as marks, one row per object,
worst objects first, a time window, and WebGL above the threshold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import pytest

from tests.views.conftest import analysed, annotation_texts, values
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Containers, Events
from workbench.views import theme, timeline
from workbench.views.plots._timeline import EVENTS_GROUP, TERMINATIONS_GROUP

Scenario = tuple[Frames, AnalysisReport]


def traces(fig: Any, group: str) -> dict[str, Any]:
    return {t.name: t for t in fig.data if t.legendgroup == group}


def objects(trace: Any) -> set[str]:
    return {y for y in values(trace.y) if y is not None}


def test_every_warning_reason_is_a_trace_with_its_objects(incident: Scenario) -> None:
    frames, report = incident
    fig = timeline(frames, report)
    warnings = frames.events[frames.events[Events.TYPE] == "Warning"]
    drawn = traces(fig, EVENTS_GROUP)
    assert set(drawn) == set(warnings[Events.REASON].astype(str))
    for reason, trace in drawn.items():
        rows = warnings[warnings[Events.REASON] == reason]
        assert objects(trace) == {
            f"{k} {ns}/{n}"
            for k, ns, n in zip(
                rows[Events.OBJECT_KIND], rows[Events.OBJECT_NAMESPACE], rows[Events.OBJECT_NAME], strict=True
            )
        }
        # Each event is a span: first seen, last seen, then a gap.
        assert len(trace.x) == 3 * len(rows)
        assert trace.type == "scatter"
    backoff = drawn["BackOff"]
    assert all(y.startswith("Pod shop/checkout-") for y in objects(backoff))


def test_container_terminations_are_marks_at_the_moment_they_finished(incident: Scenario) -> None:
    frames, report = incident
    fig = timeline(frames, report)
    c = frames.containers[frames.containers[Containers.LAST_FINISHED_AT].notna()]
    drawn = traces(fig, TERMINATIONS_GROUP)
    assert set(drawn) == set(c[Containers.LAST_REASON].astype(str))
    error = drawn["Error"]
    assert error.marker.symbol == "x"
    expected = sorted(c[Containers.LAST_FINISHED_AT].dt.tz_convert(None))
    assert sorted(pd.Timestamp(x) for x in values(error.x)) == expected
    assert objects(error) == {
        f"Pod {ns}/{n}" for ns, n in zip(c[Containers.NAMESPACE], c[Containers.NAME], strict=True)
    }


def test_rows_are_ranked_worst_finding_first(incident: Scenario) -> None:
    frames, report = incident
    fig = timeline(frames, report)
    order = list(fig.layout.yaxis.categoryarray)
    ranks: dict[str, int] = {}
    for f in report.findings:
        label = f"{f.ref.kind} {f.ref.namespace}/{f.ref.name}"
        ranks[label] = max(ranks.get(label, 0), int(f.severity))
    worst = [ranks.get(o, 0) for o in order]
    assert worst == sorted(worst, reverse=True)
    assert fig.layout.xaxis.title.text == "time (UTC)"
    assert fig.layout.yaxis.autorange == "reversed"


def test_with_a_report_the_hover_names_the_objects_worst_finding(incident: Scenario) -> None:
    frames, report = incident
    crash = next(f for f in report.findings if f.code == "pod.crashloop")
    label = f"Pod {crash.ref.namespace}/{crash.ref.name}"
    backoff = traces(timeline(frames, report), EVENTS_GROUP)["BackOff"]
    hovers = [h for y, h in zip(values(backoff.y), values(backoff.hovertext), strict=True) if y == label]
    assert hovers
    assert all(f"finding: {crash.severity}: {crash.summary}"[:80] in h for h in hovers)
    plain = traces(timeline(frames), EVENTS_GROUP)["BackOff"]
    assert not any("finding:" in h for h in values(plain.hovertext) if h)


def test_since_keeps_only_what_happened_in_the_window(incident: Scenario) -> None:
    frames, report = incident
    # "Now" is the latest time in the data (the sandbox's clock runs ahead of the capture time).
    latest = max(
        frames.events[Events.LAST_SEEN].max(),
        frames.containers[Containers.LAST_FINISHED_AT].max(),
        pd.Timestamp(frames.captured_at),
    )
    everything = timeline(frames, report)
    recent = timeline(frames, report, since=timedelta(seconds=30))
    count = sum(len(objects(t)) for t in recent.data)
    assert 0 < count < sum(len(objects(t)) for t in everything.data)
    assert pd.Timestamp(recent.layout.xaxis.range[0]) == (latest - timedelta(seconds=30)).tz_convert(None)
    assert timeline(frames, report, since=latest.to_pydatetime() + timedelta(hours=1)).data == ()


def test_max_objects_drops_the_least_bad_rows_and_says_so(incident: Scenario) -> None:
    frames, report = incident
    fig = timeline(frames, report, max_objects=2)
    assert len(fig.layout.yaxis.categoryarray) == 2
    assert len(set().union(*(objects(t) for t in fig.data))) == 2
    assert any("the 2 worst drawn" in n for n in annotation_texts(fig, "note"))


def test_webgl_can_be_forced_and_svg_is_the_default_for_a_few_points(incident: Scenario) -> None:
    frames, report = incident
    assert {t.type for t in timeline(frames, report).data} == {"scatter"}
    assert {t.type for t in timeline(frames, report, render_mode="webgl").data} == {"scattergl"}


def test_a_quiet_cluster_gives_a_figure_that_says_so() -> None:
    frames, report = analysed("healthy")
    fig = timeline(frames, report)
    assert fig.data == ()
    assert annotation_texts(fig, "nothing to show") == [
        "Nothing to show: no warning events or container terminations"
    ]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"since": "yesterday"}, ["since='yesterday'", "'30min'"]),
        ({"since": "-5min"}, ["positive duration"]),
        ({"render_mode": "canvas"}, ["render_mode='canvas'", "'auto'", "'svg'", "'webgl'"]),
        ({"max_objects": 0}, ["max_objects=0"]),
    ],
)
def test_bad_arguments_name_the_valid_values(
    incident: Scenario, kwargs: dict[str, Any], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as err:
        timeline(*incident, **kwargs)
    for word in words:
        assert word in str(err.value)


@pytest.mark.slow
def test_a_large_cluster_switches_to_webgl_above_the_threshold(
    big: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    frames, report = big
    terminated = int(frames.containers[Containers.LAST_FINISHED_AT].notna().sum())
    assert terminated > 100
    capped = timeline(frames, report)
    assert len(capped.layout.yaxis.categoryarray) == 50
    assert {t.type for t in capped.data} == {"scatter"}
    # The same threshold logic as at 150k pods (3,500 terminations), at a size the tests can pull.
    monkeypatch.setattr(theme, "WEBGL_THRESHOLD", 100)
    fig = timeline(frames, report, max_objects=100_000)
    assert {t.type for t in fig.data} == {"scattergl"}
    assert sum(len(t.x) for t in fig.data) == terminated
    assert len(fig.to_json()) < 1_000_000

"""Node capacity: requests, limits and usage per node as % of allocatable, states marked, busiest
first, and an "others" row beyond top."""

from __future__ import annotations

from typing import Any

import pytest

from tests.views.conftest import analysed, annotation_texts, values
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import NodeMetrics, Nodes, Pods
from workbench.model import Severity
from workbench.views import node_capacity, theme

Scenario = tuple[Frames, AnalysisReport]


def bars(fig: Any) -> dict[str, dict[str, float]]:
    """{trace name: {node: percent}} of the bar traces (node labels without their state suffix)."""
    out: dict[str, dict[str, float]] = {}
    for trace in fig.data:
        if trace.type == "bar":
            out[trace.name] = {
                str(y).split("  ⚠")[0]: x for y, x in zip(values(trace.y), values(trace.x), strict=True)
            }
    return out


def test_requests_and_usage_are_percentages_of_allocatable(incident: Scenario) -> None:
    frames, _ = incident
    fig = node_capacity(frames)
    drawn = bars(fig)
    assert set(drawn) == {"requests", "limits", "usage"}
    pods = frames.pods[~frames.pods[Pods.PHASE].isin(["Succeeded", "Failed"])]
    for node, alloc in zip(frames.nodes[Nodes.NAME], frames.nodes[Nodes.CPU_ALLOCATABLE], strict=True):
        requested = pods.loc[pods[Pods.NODE] == node, Pods.CPU_REQUEST].sum()
        assert drawn["requests"][node] == pytest.approx(requested / alloc * 100)
        used = frames.node_metrics.loc[frames.node_metrics[NodeMetrics.NAME] == node, NodeMetrics.CPU].iloc[0]
        assert drawn["usage"][node] == pytest.approx(used / alloc * 100)
    assert fig.layout.xaxis.title.text == "CPU, % of allocatable"
    assert fig.layout.yaxis.title.text == "node"
    assert [t.marker.color for t in fig.data if t.name == "requests"] == [theme.QUALITATIVE[0]]


def test_memory_uses_the_memory_columns(incident: Scenario) -> None:
    frames, _ = incident
    fig = node_capacity(frames, resource="memory")
    node, alloc = frames.nodes[Nodes.NAME].iloc[0], frames.nodes[Nodes.MEMORY_ALLOCATABLE].iloc[0]
    pods = frames.pods[frames.pods[Pods.NODE] == node]
    assert bars(fig)["requests"][node] == pytest.approx(pods[Pods.MEMORY_REQUEST].sum() / alloc * 100)
    assert fig.layout.xaxis.title.text == "memory, % of allocatable"


def test_a_notready_node_is_marked_in_the_critical_colour_and_listed_first() -> None:
    frames, _ = analysed("node-notready")
    fig = node_capacity(frames)
    down = [
        str(n)
        for n, ready in zip(frames.nodes[Nodes.NAME], frames.nodes[Nodes.READY], strict=True)
        if not ready
    ]
    assert down == ["kind-worker2"]
    marks = [t for t in fig.data if t.type == "scatter"]
    assert [t.name for t in marks] == ["NotReady"]
    assert values(marks[0].y) == ["kind-worker2  ⚠ NotReady"]
    assert marks[0].marker.color == theme.severity_color(Severity.CRITICAL)
    assert values(fig.data[0].y)[0] == "kind-worker2  ⚠ NotReady"


def test_without_node_metrics_there_is_no_usage_and_the_figure_says_why(incident: Scenario) -> None:
    frames, _ = incident
    without = Frames({n: frames[n] for n in frames.pulled if n != NodeMetrics.FRAME}, source="test")
    fig = node_capacity(without)
    assert set(bars(fig)) == {"requests", "limits"}
    assert any("usage not shown" in n for n in annotation_texts(fig, "note"))


def test_no_nodes_gives_a_figure_that_says_so() -> None:
    fig = node_capacity(Frames({}))
    assert annotation_texts(fig, "nothing to show") == ["Nothing to show: no nodes"]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"resource": "gpu"}, ["resource='gpu'", "'cpu'", "'memory'"]), ({"top": -1}, ["top=-1", "positive"])],
)
def test_bad_arguments_name_the_valid_values(
    incident: Scenario, kwargs: dict[str, Any], words: list[str]
) -> None:
    with pytest.raises(ConfigError) as err:
        node_capacity(incident[0], **kwargs)
    for word in words:
        assert word in str(err.value)


@pytest.mark.slow
def test_many_nodes_draw_the_busiest_and_sum_the_rest(big: Scenario) -> None:
    frames, _ = big
    fig = node_capacity(frames, top=25)
    requests = bars(fig)["requests"]
    assert len(requests) == 26
    others = f"others ({len(frames.nodes) - 25:,} nodes)"
    assert list(requests)[-1] == others
    # Busiest first: the highest of requests, limits and usage never rises down the list.
    drawn_bars = bars(fig)
    busiest = [max(drawn_bars[b].get(n, 0) or 0 for b in drawn_bars) for n in list(requests)[:25]]
    assert busiest == sorted(busiest, reverse=True)
    # The others row is the rest's total against their total allocatable.
    drawn = {n for n in requests if n != others}
    rest = frames.nodes[~frames.nodes[Nodes.NAME].isin(drawn)]
    pods = frames.pods[
        frames.pods[Pods.NODE].isin(rest[Nodes.NAME]) & ~frames.pods[Pods.PHASE].isin(["Succeeded", "Failed"])
    ]
    assert requests[others] == pytest.approx(
        pods[Pods.CPU_REQUEST].sum() / rest[Nodes.CPU_ALLOCATABLE].sum() * 100
    )
    assert len(fig.to_json()) < 100_000

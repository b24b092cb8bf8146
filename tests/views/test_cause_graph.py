"""Cause graph: a finding with its causes up to the roots and its consequences, nodes in severity
colours, one edge per caused_by link, consequences folded beyond max_nodes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.views.conftest import analysed, values
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.views import cause_graph, theme

Scenario = tuple[Frames, AnalysisReport]


def edges(fig: Any) -> set[tuple[str, str]]:
    """(cause id, effect id) pairs, read back from the line trace's coordinates."""
    nodes, lines = fig.data[1], fig.data[0]
    at = {
        (x, y): i for x, y, i in zip(values(nodes.x), values(nodes.y), values(nodes.customdata), strict=True)
    }
    xs, ys = values(lines.x), values(lines.y)
    return {(at[(xs[k], ys[k])], at[(xs[k + 1], ys[k + 1])]) for k in range(0, len(xs), 3)}


def test_the_chain_runs_from_the_root_causes_through_the_finding_to_its_consequences(
    incident: Scenario,
) -> None:
    _, report = incident
    fig = cause_graph(report, "service.no-ready-endpoints:Service/shop/frontend")
    lines, nodes = fig.data
    assert (lines.name, nodes.name) == ("caused_by", "findings")
    ids = values(nodes.customdata)
    assert set(ids) == {
        "pod.readiness-failing:Pod/shop/frontend-6f847b8cfb-cz4lt",
        "pod.readiness-failing:Pod/shop/frontend-6f847b8cfb-gc9d5",
        "deployment.unavailable:Deployment/shop/frontend",
        "service.no-ready-endpoints:Service/shop/frontend",
        "ingress.backend-unavailable:Ingress/shop/shop",
    }
    expected = {(c, f.id) for f in (report[i] for i in ids) for c in f.caused_by if c in ids}
    assert edges(fig) == expected
    assert values(nodes.marker.color) == [theme.severity_color(report[i].severity) for i in ids]
    # Causes stand left of what they cause.
    x = dict(zip(ids, values(nodes.x), strict=True))
    assert all(x[cause] < x[effect] for cause, effect in expected)
    # The chosen finding is drawn larger and outlined.
    chosen = ids.index("service.no-ready-endpoints:Service/shop/frontend")
    assert values(nodes.marker.size)[chosen] > min(values(nodes.marker.size))


def test_a_finding_object_works_like_its_id(incident: Scenario) -> None:
    _, report = incident
    root = report.roots()[0]
    assert values(cause_graph(report, root).data[1].customdata) == values(
        cause_graph(report, root.id).data[1].customdata
    )


def test_beyond_max_nodes_consequences_fold_into_one_node() -> None:
    _, report = analysed("node-notready")
    root = report["node.not-ready:Node//kind-worker2"]
    assert len(report.downstream(root)) == 5
    fig = cause_graph(report, root, max_nodes=3)
    assert len(values(fig.data[1].customdata)) == 3
    more = [t for t in fig.data if t.name == "more"]
    assert values(more[0].text) == ["+3 more consequences"]
    assert more[0].marker.color == theme.UNKNOWN_COLOR


def test_an_unknown_finding_is_refused_with_ids_that_exist(incident: Scenario) -> None:
    _, report = incident
    with pytest.raises(ConfigError) as err:
        cause_graph(report, "pod.crashloop:Pod/shop/nope")
    assert "no finding 'pod.crashloop:Pod/shop/nope'" in str(err.value)
    assert report.findings[0].id in str(err.value)


def test_an_empty_report_gives_a_figure_that_says_so() -> None:
    fig = cause_graph(AnalysisReport([]), "anything")
    assert [a.text for a in fig.layout.annotations] == ["Nothing to show: the analysis found nothing"]

"""Findings summary: counts per severity and namespace (or code, or kind) as stacked bars in the
severity colours, worst groups first, "others" beyond max_groups."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.views.conftest import annotation_texts, values
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.model import Severity
from workbench.views import findings_summary, theme

Scenario = tuple[Frames, AnalysisReport]


def counts(fig: Any) -> Counter[tuple[str, str]]:
    """{(group, severity): count} from the bar traces."""
    out: Counter[tuple[str, str]] = Counter()
    for trace in fig.data:
        for x, y in zip(values(trace.x), values(trace.y), strict=True):
            if y:
                out[(x, trace.name)] += y
    return out


def test_bars_count_every_finding_by_namespace_and_severity_in_its_colour(incident: Scenario) -> None:
    _, report = incident
    fig = findings_summary(report)
    expected = Counter((f.ref.namespace or "(cluster-scoped)", str(f.severity)) for f in report.findings)
    assert counts(fig) == expected
    for trace in fig.data:
        assert trace.type == "bar"
        assert trace.marker.color == theme.severity_color(Severity[trace.name.upper()])
    assert [t.name for t in fig.data] == [
        str(s) for s in sorted({f.severity for f in report.findings}, reverse=True)
    ]
    assert fig.layout.barmode == "stack"
    assert fig.layout.xaxis.title.text == "namespace"
    assert fig.layout.yaxis.title.text == "findings"
    # The worst namespace first: critical findings before a namespace with only info.
    order = values(fig.data[0].x)
    assert order.index("shop") < order.index("ingress-nginx")


def test_by_code_and_kind(incident: Scenario) -> None:
    _, report = incident
    assert counts(findings_summary(report, by="code")) == Counter(
        (f.code, str(f.severity)) for f in report.findings
    )
    assert counts(findings_summary(report, by="kind")) == Counter(
        (f.ref.kind, str(f.severity)) for f in report.findings
    )


def test_beyond_max_groups_the_rest_are_summed_as_others(incident: Scenario) -> None:
    _, report = incident
    fig = findings_summary(report, by="code", max_groups=2)
    groups = values(fig.data[0].x)
    assert len(groups) == 3
    assert groups[-1].startswith("others (")
    assert sum(counts(fig).values()) == len(report.findings)
    assert any("the 2 worst drawn" in n for n in annotation_texts(fig, "note"))


def test_an_empty_report_gives_a_figure_that_says_so() -> None:
    fig = findings_summary(AnalysisReport([]))
    assert annotation_texts(fig, "nothing to show") == ["Nothing to show: the analysis found nothing"]


def test_bad_arguments_name_the_valid_values(incident: Scenario) -> None:
    with pytest.raises(ConfigError, match=r"by='node'.*'namespace', 'code', 'kind'"):
        findings_summary(incident[1], by="node")  # type: ignore[arg-type]  # a wrong value on purpose


@pytest.mark.slow
def test_a_large_report_is_a_bounded_chart(big: Scenario) -> None:
    _, report = big
    fig = findings_summary(report)
    assert len(values(fig.data[0].x)) == 31
    assert sum(counts(fig).values()) == len(report.findings)
    assert len(fig.to_json()) < 50_000

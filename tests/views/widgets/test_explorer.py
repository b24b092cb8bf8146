"""`ClusterExplorer`: filters choose the rows, pages split them, a click fills the detail pane."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from tests.views.widgets.conftest import Live
from workbench.analyzers import AnalysisReport
from workbench.errors import ConfigError, SourceError
from workbench.frames import Frames, logs_frame
from workbench.model import ObjectRef
from workbench.views.widgets import ClusterExplorer
from workbench.views.widgets._common import WIDGET_VIEW_MIME

CRASHING = {"invoice-api-79d868d77-vgmg7", "invoice-api-79d868d77-vtq89"}


def names(explorer: ClusterExplorer) -> list[str]:
    return [str(n) for n in explorer.rows["NAME"]]


def pods_in(frames: Frames, namespace: str | None = None) -> set[str]:
    pods = frames.pods
    if namespace is not None:
        pods = pods[pods.namespace == namespace]
    return {str(n) for n in pods.name}


def test_it_lists_every_pod_worst_first(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report, page_size=100)
    assert explorer.kind == "Pod"
    assert set(names(explorer)) == pods_in(crashloop.frames)
    assert set(names(explorer)[:2]) == CRASHING
    assert list(explorer.rows["HEALTH"][:2]) == ["error", "error"]
    assert set(explorer.rows["HEALTH"][2:]) == {"healthy"}
    assert list(explorer.rows.columns) == [
        "NAMESPACE", "NAME", "HEALTH", "STATUS", "READY", "RESTARTS", "NODE", "AGE"
    ]  # fmt: skip
    first = explorer.rows.iloc[0]
    assert (first["STATUS"], first["READY"], first["RESTARTS"]) == ("CrashLoopBackOff", "0/1", "8")
    # The live table shows the same rows: one name button per row, in order.
    assert [b.description for b in explorer.row_buttons[: len(explorer.rows)]] == names(explorer)


def test_namespace_health_and_text_filters_choose_the_rows(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report, page_size=100)
    assert "billing" in [value for _, value in explorer.namespace_filter.options]

    explorer.namespace_filter.value = "kube-system"
    assert set(names(explorer)) == pods_in(crashloop.frames, "kube-system")

    explorer.namespace_filter.value = ""
    explorer.health_filter.value = "problems"
    assert set(names(explorer)) == CRASHING

    explorer.health_filter.value = "healthy"
    assert set(names(explorer)) == pods_in(crashloop.frames) - CRASHING

    explorer.health_filter.value = "any"
    explorer.text_filter.value = "CoreDNS"  # case-insensitive
    assert set(names(explorer)) == {n for n in pods_in(crashloop.frames) if n.startswith("coredns-")}

    explorer.text_filter.value = "coredns kind-worker2"  # every word must match (name and node)
    assert set(names(explorer)) == set(
        crashloop.frames.pods[
            crashloop.frames.pods.name.str.startswith("coredns-")
            & (crashloop.frames.pods.node == "kind-worker2")
        ].name
    )

    explorer.text_filter.value = "no-such-pod"
    assert explorer.rows.empty
    assert "No Pod objects match these filters" in explorer.status.value
    assert explorer.row_buttons[0] not in explorer.grid.children


def test_changing_the_kind_lists_that_frame_and_its_health(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report, page_size=100)
    explorer.namespace_filter.value = "billing"
    explorer.kind_filter.value = "Deployment"
    assert explorer.namespace_filter.value == "billing"  # kept: Deployments live there too
    assert names(explorer) == ["invoice-api"]
    # The Deployment's own finding (unavailable) is critical.
    assert list(explorer.rows["HEALTH"]) == ["critical"]
    assert list(explorer.rows.columns[:3]) == ["NAMESPACE", "NAME", "HEALTH"]

    explorer.kind_filter.value = "Node"  # cluster-scoped: no namespace column or filter
    assert "NAMESPACE" not in explorer.rows.columns
    assert explorer.namespace_filter.disabled
    assert set(names(explorer)) == set(crashloop.frames.nodes.name)


def test_pages_split_the_matching_rows(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report, page_size=4)
    total = len(crashloop.frames.pods)
    assert explorer.pages == -(-total // 4)
    assert explorer.prev_button.disabled
    assert not explorer.next_button.disabled
    seen = []
    for page in range(explorer.pages):
        assert explorer.page == page
        assert len(explorer.rows) == (4 if page < explorer.pages - 1 else total - 4 * page)
        seen += names(explorer)
        explorer.next_button.click()
    assert explorer.next_button.disabled  # the last page: Next stays put
    assert explorer.page == explorer.pages - 1
    assert sorted(seen) == sorted(pods_in(crashloop.frames))
    explorer.prev_button.click()
    assert explorer.page == explorer.pages - 2
    explorer.page = 99  # setting the page turns it, within the pages there are
    assert explorer.page == explorer.pages - 1
    assert len(explorer.rows) == total - 4 * (explorer.pages - 1)
    assert explorer.row_buttons[0].description == names(explorer)[0]
    explorer.health_filter.value = "problems"  # a new filter starts again at page 1
    assert explorer.page == 0
    assert explorer.pages == 1


def test_clicking_a_row_selects_it_and_fills_the_detail_pane(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report, logs=crashloop.cluster.logs)
    seen: list[Any] = []
    explorer.observe(lambda change: seen.append(change["new"]), "selected")
    explorer.health_filter.value = "problems"
    explorer.row_buttons[0].click()

    pod = names(explorer)[0]
    assert isinstance(explorer.selected, ObjectRef)
    assert (explorer.selected.kind, explorer.selected.namespace, explorer.selected.name) == (
        "Pod",
        "billing",
        pod,
    )
    assert seen == [explorer.selected]
    assert explorer.row_buttons[0].button_style == "info"
    pane = explorer.detail.value
    assert "pod.crashloop" in pane  # its finding, with evidence
    assert "CrashLoopBackOff" in pane
    assert "Deployment billing/invoice-api" in pane  # the owner chain
    assert "<td>BackOff</td>" in pane  # its events, as a table
    assert "Log: container invoice-api</h4>" in pane
    assert "Log: container invoice-api (previous run)</h4>" in pane
    assert "required environment variable DATABASE_URL is not set" in pane
    assert "<summary><b>Describe</b></summary>" in pane


def test_selecting_a_ref_switches_kind_and_page(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report, page_size=2)
    last = crashloop.frames.pods.k8s.ref(len(crashloop.frames.pods) - 1)
    explorer.kind_filter.value = "Service"
    assert explorer.select(last) == last
    assert explorer.kind == "Pod"
    assert last.name in names(explorer)  # moved to the page that shows it
    assert explorer.row_buttons[names(explorer).index(last.name)].button_style == "info"
    with pytest.raises(ConfigError, match="is not in these frames"):
        explorer.select(ObjectRef("Pod", "billing", "gone-0"))
    with pytest.raises(ConfigError, match="row 5 is not on this page"):
        explorer.select(5)


def test_a_log_that_cannot_be_read_says_why_and_the_rest_still_shows(crashloop: Live) -> None:
    def logs(pod: ObjectRef, /, **options: Any) -> pd.DataFrame:
        if options.get("previous"):
            raise SourceError("the previous container's log is gone")
        return logs_frame(
            "2026-05-01T10:00:00Z <script>alert(1)</script>\n", namespace=pod.namespace, pod=pod.name
        )

    explorer = ClusterExplorer(crashloop.frames, crashloop.report, logs=logs)
    explorer.health_filter.value = "problems"
    explorer.select(0)
    pane = explorer.detail.value
    assert "failed: SourceError: the previous container&#x27;s log is gone" in pane
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pane  # cluster text is escaped
    assert "<script>alert" not in pane
    assert "CrashLoopBackOff" in pane


def test_without_a_report_health_comes_from_status(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, page_size=100)
    explorer.health_filter.value = "problems"
    assert set(names(explorer)) == CRASHING
    assert set(explorer.rows["HEALTH"]) == {"error"}
    explorer.select(0)
    assert "No analysis report" in explorer.detail.value
    assert "No log reader was given" in explorer.detail.value


def test_refresh_pulls_again_and_keeps_the_selection(crashloop: Live) -> None:
    calls: list[int] = []

    def refresh() -> tuple[Frames, AnalysisReport | None]:
        calls.append(1)
        if len(calls) == 2:
            raise SourceError("the API server went away")
        frames = crashloop.cluster.frames(refresh=True)
        return frames, crashloop.cluster.analyze()

    explorer = ClusterExplorer(crashloop.frames, crashloop.report, refresh=refresh, page_size=100)
    chosen = explorer.select(0)
    explorer.refresh_button.click()
    assert calls == [1]
    assert explorer.selected is not None
    assert explorer.selected.name == chosen.name
    assert set(names(explorer)) == pods_in(crashloop.frames)
    assert not explorer.refresh_button.disabled

    explorer.refresh_button.click()  # fails: the rows stay, the error shows, the button works again
    assert "Refresh failed: SourceError: the API server went away" in explorer.status.value
    assert set(names(explorer)) == pods_in(crashloop.frames)
    assert not explorer.refresh_button.disabled


def test_the_refresh_button_is_disabled_without_a_callback(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report)
    assert explorer.refresh_button.disabled
    explorer.reload()
    assert "No refresh callback" in explorer.status.value


def test_bad_arguments_say_what_to_pass(crashloop: Live) -> None:
    with pytest.raises(ConfigError, match="page_size=0 is not valid; use a positive whole number"):
        ClusterExplorer(crashloop.frames, page_size=0)
    with pytest.raises(ConfigError, match=r"needs a Frames bundle \(cluster.frames\(\)\), not DataFrame"):
        ClusterExplorer(crashloop.frames.pods)  # type: ignore[arg-type]  # the mistake under test


def test_the_static_fallback_shows_the_rows_and_the_detail(crashloop: Live) -> None:
    explorer = ClusterExplorer(crashloop.frames, crashloop.report, logs=crashloop.cluster.logs)
    explorer.health_filter.value = "problems"
    explorer.select(0)
    bundle = explorer._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == explorer.model_id
    html = bundle["text/html"]
    for name in CRASHING:
        assert f"<td>{name}</td>" in html
    assert "required environment variable DATABASE_URL is not set" in html
    assert "health problems" in html
    assert bundle["text/plain"].startswith("ClusterExplorer: Pod objects 1–2 of 2 matching")
    assert f"selected Pod billing/{names(explorer)[0]}" in bundle["text/plain"]


def test_cluster_explore_wires_logs_refresh_and_the_analysis(crashloop: Live) -> None:
    explorer = crashloop.cluster.explore(page_size=100)
    assert not explorer.refresh_button.disabled
    explorer.health_filter.value = "problems"
    assert set(names(explorer)) == CRASHING
    explorer.select(0)
    assert "required environment variable DATABASE_URL is not set" in explorer.detail.value
    assert "pod.crashloop" in explorer.detail.value  # coloured and explained by the analysis
    explorer.refresh_button.click()
    assert set(names(explorer)) == CRASHING
    assert explorer.selected is not None
    assert explorer.selected.name in CRASHING

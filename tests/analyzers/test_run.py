"""`analyze` (the run: failures, namespaces, links) and `Cluster.analyze` (logs, live and snapshot)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

import workbench
from tests.analyzers.test_links import CHAIN_FRAMES, chain_findings, frames_of
from workbench import sandbox as sandbox_pkg
from workbench.analyzers import AnalysisReport, AnalyzerFailure, analyze
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.frames.schema import Logs
from workbench.model import Finding, ObjectRef, Severity


class Fixed:
    """Returns the findings it was given."""

    name: ClassVar[str] = "fixed"
    codes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings = list(findings)

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        return self.findings


class Broken:
    name: ClassVar[str] = "broken"
    codes: ClassVar[tuple[str, ...]] = ("x.never",)

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        yield Finding("x.never", Severity.ERROR, ObjectRef("Pod", "shop", "p"), "half a result")
        raise KeyError("phase")


class Stray:
    name: ClassVar[str] = "stray"
    codes: ClassVar[tuple[str, ...]] = ()

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        return ["pod.crashloop"]  # type: ignore[list-item]  # the mistake under test


def pod_finding(namespace: str, name: str, code: str = "pod.crashloop") -> Finding:
    return Finding(code, Severity.ERROR, ObjectRef("Pod", namespace, name), f"{name} fails")


def test_a_failing_analyzer_is_recorded_and_the_others_still_run() -> None:
    report = analyze(Frames({}), analyzers=[Broken(), Fixed([pod_finding("shop", "web-0")]), Stray()])
    assert [f.id for f in report.findings] == ["pod.crashloop:Pod/shop/web-0"]  # nothing of Broken's
    assert report.failures == (
        AnalyzerFailure("broken", "KeyError: 'phase'"),
        AnalyzerFailure(
            "stray", "TypeError: analyze() yielded str objects; an analyzer yields Findings only"
        ),
    )
    assert str(report.failures[0]) == "analyzer broken failed: KeyError: 'phase'"


def test_namespaces_keep_their_findings_and_cluster_scoped_ones() -> None:
    node = Finding("node.not-ready", Severity.CRITICAL, ObjectRef("Node", "", "kind-worker"), "down")
    found = Fixed([pod_finding("shop", "a"), pod_finding("billing", "b"), pod_finding("data", "c"), node])
    report = analyze(Frames({}), analyzers=[found], namespaces=["shop", "data"])
    assert sorted(f.id for f in report.findings) == [
        "node.not-ready:Node//kind-worker",
        "pod.crashloop:Pod/data/c",
        "pod.crashloop:Pod/shop/a",
    ]
    with pytest.raises(ConfigError, match=r"namespaces must be a list of names, e.g. \['shop'\]"):
        analyze(Frames({}), analyzers=[found], namespaces="shop")


def test_duplicate_ids_are_kept_once() -> None:
    first = pod_finding("shop", "a")
    again = Finding("pod.crashloop", Severity.WARNING, ObjectRef("Pod", "shop", "a"), "the same, again")
    report = analyze(Frames({}), analyzers=[Fixed([first]), Fixed([again])])
    assert report.findings == (first,)


def test_the_run_links_findings_and_reports_the_bundles_source() -> None:
    frames = frames_of(**CHAIN_FRAMES)
    report = analyze(frames, analyzers=[Fixed(chain_findings())])
    assert [f.id for f in report.roots()] == ["configmap.missing-key:ConfigMap/shop/web-config"]
    assert [depth for depth, _ in report.tree()[0].walk()] == [0, 1, 2, 3, 4]
    assert report.source == "test"
    assert report.captured_at == frames.captured_at


def test_the_registered_analyzers_find_nothing_in_an_empty_cluster() -> None:
    report = analyze(Frames({}))
    assert report.failures == ()
    assert report.findings == ()


# --- Cluster.analyze against the sandbox, live and from a snapshot -------------------------------------


class LogLines:
    """Reports every container log the run was given, one finding per pod (to observe the logs frame)."""

    name: ClassVar[str] = "log-lines"
    codes: ClassVar[tuple[str, ...]] = ("pod.logged",)
    seen: ClassVar[list[pd.DataFrame]] = []

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        LogLines.seen.append(frames.logs)
        for (namespace, name), lines in frames.logs.groupby([Logs.NAMESPACE, Logs.NAME], observed=True):
            ref = ObjectRef("Pod", str(namespace), str(name))
            yield Finding("pod.logged", Severity.WARNING, ref, f"{len(lines)} lines")


@pytest.fixture(scope="module")
def crashloop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sandbox_pkg.Sandbox, Path]]:
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(600)
        snapshot = tmp_path_factory.mktemp("snap") / "crashloop.wbsnap"
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            cluster.snapshot(snapshot)
        yield sb, snapshot


def test_cluster_analyze_reads_the_failing_containers_log_tails(
    crashloop: tuple[sandbox_pkg.Sandbox, Path],
) -> None:
    sb, _ = crashloop
    LogLines.seen.clear()
    with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
        report = cluster.analyze(["billing"], analyzers=[LogLines()])
        assert len(cluster.frames().logs) == 0  # the cached bundle is left as it was
        without = cluster.analyze(logs=False, analyzers=[LogLines()])
    logs = LogLines.seen[0]
    assert {str(n) for n in logs[Logs.NAMESPACE].unique()} == {"billing"}
    assert logs[Logs.PREVIOUS].any()  # the crashed run's last words
    assert len(logs) <= 200 * 2 * logs[Logs.NAME].nunique()
    assert logs[Logs.NAME].str.startswith("invoice-api").all()
    assert report.findings
    assert all(f.ref.namespace == "billing" for f in report.findings)
    assert without.findings == ()
    assert isinstance(report, AnalysisReport)


def test_a_snapshot_gives_the_same_report_as_the_live_cluster(
    crashloop: tuple[sandbox_pkg.Sandbox, Path],
) -> None:
    sb, snapshot = crashloop
    with workbench.connect(kubeconfig=sb.kubeconfig) as live:
        live_report = live.analyze()
    with workbench.open_snapshot(snapshot) as snap:
        snap_report = snap.analyze()
    assert live_report.failures == ()
    assert [f.to_dict() for f in snap_report.findings] == [f.to_dict() for f in live_report.findings]
    assert live_report.worst is not None
    assert live_report.worst >= Severity.ERROR

"""Every scenario's expected findings: 100% precision and recall, the right root causes, and the same
findings from a live sandbox as from a snapshot of it."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench
from workbench import sandbox
from workbench.analyzers import AnalysisReport
from workbench.analyzers.expected import AT, Entry, describe, load, score
from workbench.errors import ConfigError
from workbench.model import Finding, ObjectRef, Severity
from workbench.sandbox._scenarios import SCENARIO_DIR

SCENARIOS = [name for name, _ in sandbox.scenarios()]


def analyse(name: str, tmp_path: Path) -> tuple[AnalysisReport, AnalysisReport]:
    """The live report, and the report from a snapshot taken at the same moment."""
    with sandbox.start(scenario=name, manual_clock=True) as sb:
        sb.advance(AT)
        with workbench.connect(kubeconfig=sb.kubeconfig) as live:
            report = live.analyze()
            snap = live.snapshot(tmp_path / f"{name}.wbsnap")
    with workbench.open_snapshot(snap) as offline:
        return report, offline.analyze()


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_the_analyzers_find_exactly_what_each_scenario_breaks(name: str, tmp_path: Path) -> None:
    entries = load(SCENARIO_DIR / name / "expected-findings.yaml")
    report, from_snapshot = analyse(name, tmp_path)
    result = score(report, entries)
    assert result.perfect, (
        f"{name}: precision {result.precision:.2f} recall {result.recall:.2f}\n" + "\n".join(describe(result))
    )
    assert not report.failures
    assert [f.to_dict() for f in from_snapshot.findings] == [f.to_dict() for f in report.findings]


def test_the_healthy_cluster_expects_no_warning() -> None:
    assert load(SCENARIO_DIR / "healthy" / "expected-findings.yaml") == []


def test_every_broken_scenario_expects_a_root_cause() -> None:
    for name in SCENARIOS:
        if name == "healthy":
            continue
        entries = load(SCENARIO_DIR / name / "expected-findings.yaml")
        assert any(entry.root for entry in entries), name


def test_score_counts_misses_extras_and_root_flags() -> None:
    pod = ObjectRef("Pod", "shop", "web-5d9f-abcde")
    svc = ObjectRef("Service", "shop", "web")
    crash = Finding("pod.crashloop", Severity.ERROR, pod, "crash")
    down = Finding("service.no-ready-endpoints", Severity.CRITICAL, svc, "down", caused_by=(crash.id,))
    report = AnalysisReport([crash, down])
    perfect = [
        Entry("pod.crashloop", Severity.ERROR, "Pod", "shop", "web-*", root=True),
        Entry("service.no-ready-endpoints", Severity.CRITICAL, "Service", "shop", "web"),
    ]
    assert score(report, perfect).perfect
    wrong_root = [
        perfect[0],
        Entry("service.no-ready-endpoints", Severity.CRITICAL, "Service", "shop", "web", root=True),
    ]
    assert [str(e) for e in score(report, wrong_root).wrong_roots] == [
        "critical service.no-ready-endpoints Service shop/web"
    ]
    missing = score(report, [*perfect, Entry("node.not-ready", Severity.CRITICAL, "Node", "", "kind-worker")])
    assert missing.recall == pytest.approx(2 / 3)
    assert [str(e) for e in missing.missing] == ["critical node.not-ready Node kind-worker"]
    extra = score(report, perfect[:1])
    assert extra.precision == 0.5
    assert [f.code for f in extra.unexpected] == ["service.no-ready-endpoints"]


def test_a_malformed_expected_file_names_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "expected-findings.yaml"
    bad.write_text("findings:\n  - code: pod.crashloop\n    severity: dreadful\n    ref: Pod/shop/web\n")
    with pytest.raises(ConfigError, match="finding 1 needs code, severity"):
        load(bad)

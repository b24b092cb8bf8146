"""AnalysisReport: order, root causes and folding, the frame, JSON round trip, and safe renderings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from workbench.analyzers.report import COLUMNS, SENSITIVE, AnalysisReport, AnalyzerFailure
from workbench.errors import ConfigError
from workbench.model import Evidence, Finding, ObjectRef, Severity

CAPTURED = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def make(
    code: str,
    severity: Severity,
    kind: str,
    name: str,
    *,
    causes: tuple[str, ...] = (),
    namespace: str = "shop",
    **extra: object,
) -> Finding:
    ref = ObjectRef(kind, namespace, name)
    return Finding(code, severity, ref, f"{kind} {name} has {code}", caused_by=causes, **extra)  # type: ignore[arg-type]


POD_A = "pod.config-error:Pod/shop/web-a"
POD_B = "pod.config-error:Pod/shop/web-b"
POD_C = "pod.config-error:Pod/shop/web-c"
DEPLOY = "deployment.unavailable:Deployment/shop/web"
SERVICE = "service.no-ready-endpoints:Service/shop/web"
INGRESS = "ingress.backend-missing:Ingress/shop/shop"


def incident() -> list[Finding]:
    evidence = (
        Evidence("field", "status.containerStatuses[app].state.waiting.reason", "CreateContainerConfigError"),
    )
    return [
        make("ingress.backend-missing", Severity.ERROR, "Ingress", "shop", causes=(SERVICE,)),
        make("service.no-ready-endpoints", Severity.CRITICAL, "Service", "web", causes=(DEPLOY,)),
        make("deployment.unavailable", Severity.CRITICAL, "Deployment", "web", causes=(POD_A, POD_B, POD_C)),
        make(
            "pod.config-error", Severity.ERROR, "Pod", "web-a", evidence=evidence, explanation="key missing"
        ),
        make("pod.config-error", Severity.ERROR, "Pod", "web-b", evidence=evidence),
        make("pod.config-error", Severity.ERROR, "Pod", "web-c", evidence=evidence),
        make("pod.crashloop", Severity.ERROR, "Pod", "batch-x", namespace="jobs"),
        make("node.disk-pressure", Severity.WARNING, "Node", "kind-worker", namespace=""),
        make("deployment.no-limits", Severity.INFO, "Deployment", "web"),
    ]


@pytest.fixture
def report() -> AnalysisReport:
    return AnalysisReport(incident(), source="kind-shop", captured_at=CAPTURED)


def test_findings_are_sorted_most_severe_first_then_by_object_and_code(report: AnalysisReport) -> None:
    assert [f.id for f in report.findings] == [
        DEPLOY,
        SERVICE,
        INGRESS,
        "pod.crashloop:Pod/jobs/batch-x",
        POD_A,
        POD_B,
        POD_C,
        "node.disk-pressure:Node//kind-worker",
        "deployment.no-limits:Deployment/shop/web",
    ]
    assert report.findings == AnalysisReport(reversed(incident())).findings


def test_counts_worst_by_code_and_threshold(report: AnalysisReport) -> None:
    assert report.counts() == {Severity.CRITICAL: 2, Severity.ERROR: 5, Severity.WARNING: 1, Severity.INFO: 1}
    assert list(report.counts()) == [Severity.CRITICAL, Severity.ERROR, Severity.WARNING, Severity.INFO]
    assert report.worst is Severity.CRITICAL
    assert [len(v) for v in report.by_code().values()] == [1, 1, 1, 1, 3, 1, 1]
    assert list(report.by_code()) == sorted(report.by_code())
    assert len(report.at_or_above(Severity.WARNING)) == 8
    assert AnalysisReport([]).worst is None
    assert len(report) == 9
    assert report[DEPLOY].code == "deployment.unavailable"
    with pytest.raises(KeyError, match="no finding 'nope'"):
        report["nope"]


def test_roots_are_findings_without_causes_worst_impact_first(report: AnalysisReport) -> None:
    assert [f.id for f in report.roots()] == [
        POD_A,  # ERROR itself, but it takes a Service down: impact CRITICAL
        POD_B,
        POD_C,
        "pod.crashloop:Pod/jobs/batch-x",
        "node.disk-pressure:Node//kind-worker",
        "deployment.no-limits:Deployment/shop/web",
    ]
    assert report.impact(report[POD_A]) is Severity.CRITICAL
    assert [f.id for f in report.downstream(report[POD_A])] == [DEPLOY, SERVICE, INGRESS]
    assert report.downstream(report[INGRESS]) == []
    assert report.impact(report["pod.crashloop:Pod/jobs/batch-x"]) is Severity.ERROR
    assert [f.id for f in report.consequences(report[POD_A])] == [DEPLOY]
    assert [f.id for f in report.causes(report[DEPLOY])] == [POD_A, POD_B, POD_C]
    assert not report.is_root(report[SERVICE])


def test_tree_folds_alike_roots_and_puts_consequences_under_them(report: AnalysisReport) -> None:
    tree = report.tree()
    first = tree[0]
    assert [f.id for f in first.findings] == [POD_A, POD_B, POD_C]
    assert [(depth, node.finding.id) for depth, node in first.walk()] == [
        (0, POD_A),
        (1, DEPLOY),
        (2, SERVICE),
        (3, INGRESS),
    ]
    assert [node.finding.id for node in tree[1:]] == [
        "pod.crashloop:Pod/jobs/batch-x",
        "node.disk-pressure:Node//kind-worker",
        "deployment.no-limits:Deployment/shop/web",
    ]
    # iteration: root first, consequences after it, every finding exactly once
    assert [f.id for f in report][:6] == [POD_A, POD_B, POD_C, DEPLOY, SERVICE, INGRESS]
    assert sorted(f.id for f in report) == sorted(f.id for f in report.findings)


def test_independent_alike_roots_are_not_folded() -> None:
    report = AnalysisReport([make("pod.crashloop", Severity.ERROR, "Pod", n) for n in ("a", "b")])
    assert [len(node.findings) for node in report.tree()] == [1, 1]


def test_a_consequence_of_two_roots_is_shown_once_and_causes_outside_the_report_are_ignored() -> None:
    findings = [
        make("node.not-ready", Severity.CRITICAL, "Node", "n1", namespace=""),
        make("pvc.pending", Severity.ERROR, "PersistentVolumeClaim", "data"),
        make(
            "pod.pending",
            Severity.ERROR,
            "Pod",
            "db-0",
            causes=("node.not-ready:Node//n1", "pvc.pending:PersistentVolumeClaim/shop/data", "gone:Pod/x/y"),
        ),
    ]
    report = AnalysisReport(findings)
    shown = [f.id for f in report]
    assert shown == [
        "node.not-ready:Node//n1",
        "pod.pending:Pod/shop/db-0",
        "pvc.pending:PersistentVolumeClaim/shop/data",
    ]
    second = report.tree()[1]
    assert second.children == ()
    assert [f.id for f in second.elsewhere] == ["pod.pending:Pod/shop/db-0"]  # a pointer, not a copy
    assert report.tree()[0].elsewhere == ()
    assert "         └─ also ERROR pod.pending  Pod shop/db-0 (shown above)" in report.to_text().splitlines()
    assert "- also error `pod.pending` Pod shop/db-0 (shown above)" in report.to_markdown()
    assert "also ERROR pod.pending  Pod shop/db-0 (shown above)" in report._repr_html_()


def test_causes_that_loop_in_hand_made_findings_do_not_hang() -> None:
    a = make("x.a", Severity.ERROR, "ConfigMap", "a", causes=("x.b:ConfigMap/shop/b",))
    b = make("x.b", Severity.ERROR, "ConfigMap", "b", causes=("x.a:ConfigMap/shop/a",))
    report = AnalysisReport([a, b])
    assert report.roots() == []  # every finding has a cause: no root, nothing to walk
    assert report.impact(a) is Severity.ERROR


def test_to_frame_has_typed_columns_in_report_order(report: AnalysisReport) -> None:
    df = report.to_frame()
    assert tuple(df.columns) == COLUMNS
    assert isinstance(df["severity"].dtype, pd.CategoricalDtype)
    assert df["severity"].dtype.ordered
    assert list(df["severity"].cat.categories) == ["info", "warning", "error", "critical"]
    assert len(df[df["severity"] >= "error"]) == 7
    assert str(df["root"].dtype) == "bool"
    assert str(df["id"].dtype) == "string"
    assert str(df["summary"].dtype) == "string"
    assert df["id"].tolist() == [f.id for f in report.findings]
    row = df.set_index("id").loc[DEPLOY]
    assert row["caused_by"] == [POD_A, POD_B, POD_C]
    assert not row["root"]
    assert df.set_index("id").loc[POD_A, "evidence"] == (
        "status.containerStatuses[app].state.waiting.reason: CreateContainerConfigError"
    )
    assert AnalysisReport([]).to_frame().columns.tolist() == list(COLUMNS)


def test_json_round_trips(report: AnalysisReport) -> None:
    failure = AnalyzerFailure("pod-crashloop", "KeyError: 'phase'")
    original = AnalysisReport(incident(), failures=[failure], source="kind-shop", captured_at=CAPTURED)
    text = original.to_json()
    data = json.loads(text)
    assert data["format"] == 1
    assert data["worst"] == "critical"
    assert data["counts"]["error"] == 5
    assert data["roots"][0] == POD_A
    back = AnalysisReport.from_json(text)
    assert back.findings == original.findings
    assert back.failures == (failure,)
    assert back.captured_at == CAPTURED
    assert back.source == "kind-shop"
    assert back.to_dict() == original.to_dict()
    assert AnalysisReport.from_json(AnalysisReport([]).to_json()).to_dict()["captured_at"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "must be JSON"),
        ("[1, 2]", "is a JSON object"),
        ('{"format": 1}', "not an analysis report"),
        ('{"format": 99, "findings": []}', "newer than this workbench reads"),
        ('{"format": 1, "findings": [{"code": "x", "severity": "dire"}]}', "not an analysis report"),
    ],
)
def test_from_json_refuses_what_is_not_a_report(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        AnalysisReport.from_json(text)


def hostile() -> AnalysisReport:
    evil = "<script>alert(1)</script>"
    finding = Finding(
        "pod.crashloop",
        Severity.ERROR,
        ObjectRef("Pod", "shop", "web|x"),
        f"web crashes: {evil} password=hunter2 *bold* [link](http://evil)",
        evidence=(Evidence("log", "log app", f"`oops` {evil} token hunter2"),),
        explanation=f"see {evil}",
        docs_url="javascript:alert(1)",
        sensitive=("hunter2",),
        planners=("rollout-undo",),
    )
    return AnalysisReport([finding], failures=[AnalyzerFailure("bad", f"ValueError: {evil}")], source="s")


def test_html_escapes_every_string_and_masks_sensitive_values() -> None:
    out = hostile()._repr_html_()
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "hunter2" not in out
    assert SENSITIVE in out
    assert "javascript:" not in out  # only https docs links become links
    assert "<details open><summary>" in out
    assert 'class="wb-sev"' in out
    assert ">ERROR</span>" in out


def test_html_folds_consequences_in_details(report: AnalysisReport) -> None:
    out = report._repr_html_()
    assert out.count("<details") >= 3
    assert "3 Pods shop/web-a, shop/web-b, shop/web-c" in out
    assert "<details><summary>Hygiene (1)</summary>" in out
    assert out.index("Hygiene (1)") < out.index("deployment.no-limits")


def test_markdown_has_a_summary_then_root_causes_with_evidence_and_consequences(
    report: AnalysisReport,
) -> None:
    out = report.to_markdown()
    assert out.startswith("# Analysis of kind-shop at 2026-05-01 10:00:00 UTC: 9 findings (2 critical")
    assert "| critical | 2 |" in out
    assert "## Root causes" in out
    assert (
        "| 1 | error | `pod.config-error` | 3 Pods shop/web\\-a, shop/web\\-b, shop/web\\-c | critical | 3 |"
        not in out
    )
    assert (
        "| 1 | error | `pod.config-error` | 3 Pods shop/web-a, shop/web-b, shop/web-c | critical | 3 |" in out
    )
    assert "### 1. ERROR `pod.config-error` 3 Pods shop/web-a, shop/web-b, shop/web-c" in out
    assert "- status.containerStatuses\\[app\\].state.waiting.reason: `CreateContainerConfigError`" in out
    assert "**Explanation.** key missing" in out
    consequences = out.split("**Consequences**")[1].split("###")[0]
    assert "- critical `deployment.unavailable` Deployment shop/web" in consequences
    assert "  - critical `service.no-ready-endpoints` Service shop/web" in consequences
    assert "    - error `ingress.backend-missing` Ingress shop/shop" in consequences
    # hygiene roots are one line each at the end, not sections
    assert "### 4." not in out
    assert out.endswith(
        "## Hygiene\n\n"
        "4. `deployment.no-limits` Deployment shop/web: Deployment web has deployment.no-limits\n"
    )


def test_markdown_escapes_cluster_text_and_masks_sensitive_values() -> None:
    out = hostile().to_markdown()
    # Raw HTML only inside a code span (shown literally by CommonMark), escaped everywhere else.
    assert [line for line in out.splitlines() if "<script>" in line] == [
        "- log app: `` `oops` <script>alert(1)</script> token ‹redacted:sensitive› ``"
    ]
    assert "&lt;script&gt;" in out
    assert "hunter2" not in out
    assert "\\*bold\\*" in out
    assert "\\[link\\](http://evil)" in out
    assert "web\\|x" in out  # a pipe cannot break the table
    assert "javascript:alert(1)" in out
    assert "<javascript" not in out
    assert "## Analyzer failures" in out


def test_text_shows_roots_first_with_consequences_drawn_as_a_tree(report: AnalysisReport) -> None:
    lines = report.to_text().splitlines()
    assert lines[0] == (
        "Analysis of kind-shop at 2026-05-01 10:00:00 UTC: "
        "9 findings (2 critical, 5 error, 1 warning, 1 info), 6 root causes"
    )
    assert lines[2] == "ERROR    pod.config-error  3 Pods shop/web-a, shop/web-b, shop/web-c"
    assert (
        lines[4]
        == "         · status.containerStatuses[app].state.waiting.reason: CreateContainerConfigError"
    )
    assert lines[5].startswith("         └─ CRITICAL deployment.unavailable  Deployment shop/web: ")
    assert lines[6].startswith("            └─ CRITICAL service.no-ready-endpoints  Service shop/web: ")
    assert lines[7].startswith("               └─ ERROR ingress.backend-missing  Ingress shop/shop: ")
    assert (
        lines[-1]
        == "INFO     deployment.no-limits  Deployment shop/web: Deployment web has deployment.no-limits"
    )


def test_text_draws_branches_for_siblings_and_lists_failures() -> None:
    findings = [
        make("node.not-ready", Severity.CRITICAL, "Node", "n1", namespace=""),
        make("pod.not-ready", Severity.ERROR, "Pod", "a", causes=("node.not-ready:Node//n1",)),
        make(
            "statefulset.unavailable",
            Severity.ERROR,
            "StatefulSet",
            "db",
            causes=("node.not-ready:Node//n1",),
        ),
    ]
    out = AnalysisReport(findings, failures=[AnalyzerFailure("pvc", "KeyError: 'x'")]).to_text()
    assert "├─ ERROR pod.not-ready  Pod shop/a" in out
    assert "└─ ERROR statefulset.unavailable  StatefulSet shop/db" in out
    assert "warning: analyzer pvc failed: KeyError: 'x'; its findings are missing from this report" in out
    assert hostile().to_text().count("hunter2") == 0


def test_an_empty_report_says_so() -> None:
    report = AnalysisReport([], source="kind")
    assert report.to_text() == "Analysis of kind: no findings\n"
    assert "no findings" in report.to_markdown()
    assert "no findings" in report._repr_html_()
    assert repr(report) == "<AnalysisReport kind: 0 findings (none)>"


def test_masked_replaces_sensitive_values_only_in_the_rendering() -> None:
    report = hostile()
    finding = report.findings[0]
    masked = report.masked(finding)
    assert "hunter2" in finding.summary
    assert "hunter2" not in masked.summary
    assert masked.sensitive == ()
    assert "hunter2" not in masked.evidence[0].value
    assert "hunter2" not in report.to_json()
    assert "hunter2" not in report.to_frame().to_string()

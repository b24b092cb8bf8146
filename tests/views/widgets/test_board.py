"""`FindingsBoard`: findings grouped by root cause, evidence on selection, propose → cell."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.views.widgets.conftest import Live
from workbench.analyzers import AnalysisReport
from workbench.analyzers import report as report_module
from workbench.errors import ConfigError
from workbench.model import Finding, Investigation, Plan
from workbench.remediation.planners import propose
from workbench.views.widgets import FindingsBoard, investigation_cell
from workbench.views.widgets._common import WIDGET_VIEW_MIME

CRASH = "pod.crashloop:Pod/billing/invoice-api-79d868d77-vgmg7"
ALIKE = "pod.crashloop:Pod/billing/invoice-api-79d868d77-vtq89"
DEPLOYMENT = "deployment.unavailable:Deployment/billing/invoice-api"
SERVICE = "service.no-ready-endpoints:Service/billing/invoice-api"


def test_findings_are_grouped_by_root_cause(crashloop: Live) -> None:
    board = FindingsBoard(crashloop.report)
    assert board.groups == {CRASH: [CRASH, ALIKE, DEPLOYMENT, SERVICE]}
    labels = [label for label, _ in board.findings_list.options]
    assert labels[0] == (
        "● ERROR  pod.crashloop — Pod billing/invoice-api-79d868d77-vgmg7 (+1 alike) (leads to CRITICAL)"
    )
    assert labels[1].endswith("└ CRITICAL  deployment.unavailable — Deployment billing/invoice-api")
    assert labels[2].startswith("\u00a0" * 8 + "└ CRITICAL  service.no-ready-endpoints")
    assert "4 findings</b> (2 critical, 2 error) under 1 root cause" in board.head.value


def test_every_finding_is_on_the_board_once(crashloop: Live) -> None:
    board = FindingsBoard(crashloop.report)
    shown = [fid for ids in board.groups.values() for fid in ids]
    assert sorted(shown) == sorted(f.id for f in crashloop.report.findings)


def test_selecting_a_finding_shows_its_evidence(crashloop: Live) -> None:
    board = FindingsBoard(crashloop.report)
    assert board.selected is None
    assert board.generate_button.disabled
    board.findings_list.value = DEPLOYMENT
    assert isinstance(board.selected, Finding)
    assert board.selected.id == DEPLOYMENT
    assert "deployment.unavailable" in board.detail.value
    assert "Caused by:" in board.detail.value
    board.select(ALIKE)  # a folded finding selects its group's line
    assert board.findings_list.value == CRASH
    pane = board.detail.value
    assert "<b>2 alike:</b>" in pane
    assert "<code>CrashLoopBackOff</code>" in pane
    assert "required environment variable DATABASE_URL is not set" in pane  # the log line, as evidence
    assert "Leads to:</b> 2 finding(s)" in pane
    with pytest.raises(ConfigError, match=r"no finding 'pod\.oomkilled:Pod/x/y' on this board"):
        board.select("pod.oomkilled:Pod/x/y")


def test_generate_proposes_a_plan_and_hands_over_its_cell(crashloop: Live) -> None:
    cells: list[str] = []
    board = FindingsBoard(
        crashloop.report, propose=lambda f: propose(f, crashloop.frames), on_cell=cells.append
    )
    board.select(CRASH)
    assert not board.generate_button.disabled
    board.generate_button.click()
    assert isinstance(board.proposal, Plan)
    assert board.proposal == propose(crashloop.report[CRASH], crashloop.frames)
    assert board.cell == board.proposal.to_cell()
    assert cells == [board.cell]
    assert "fix = cluster.remediation(" in board.cell
    assert "Plan:</b> Give deployment billing/invoice-api the environment" in board.output.value
    assert board.error is None


def test_an_investigation_becomes_a_cell_of_comments(crashloop: Live) -> None:
    look = Investigation(
        "Find why\ninvoice-api crashes",
        (CRASH,),
        ("Read the previous log", "Compare the env with the last good revision"),
        ("kubectl logs -n billing deploy/invoice-api --previous",),
    )
    board = FindingsBoard(crashloop.report, propose=lambda _f: look)
    board.select(CRASH)
    assert board.generate() == look
    assert board.cell == investigation_cell(look)
    assert board.cell.splitlines() == [
        "# Investigate: Find why\\ninvoice-api crashes",  # no text can end a comment line
        f"# Findings: {CRASH}",
        "# Checks, in order:",
        "#   1. Read the previous log",
        "#   2. Compare the env with the last good revision",
        "# Read-only commands that show the facts:",
        "#   kubectl logs -n billing deploy/invoice-api --previous",
    ]
    assert "no safe fix could be planned" in board.output.value


def test_a_failing_planner_is_shown_and_the_button_works_again(crashloop: Live) -> None:
    answers: list[object] = [RuntimeError("planner exploded"), "not a plan"]

    def flaky(_finding: Finding) -> Plan:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]  # the bad answer under test

    cells: list[str] = []
    board = FindingsBoard(crashloop.report, propose=flaky, on_cell=cells.append)
    board.select(CRASH)
    assert board.generate() is None
    assert "Generating the remediation failed: RuntimeError: planner exploded" in board.output.value
    assert isinstance(board.error, RuntimeError)
    assert not board.generate_button.disabled
    assert board.generate() is None
    assert "propose returned a str; it must return a Plan or an Investigation" in board.output.value
    assert board.proposal is None
    assert board.cell == ""
    assert cells == []


def test_a_failing_on_cell_keeps_the_cell_and_says_so(crashloop: Live) -> None:
    def refuse(_cell: str) -> None:
        raise OSError("the notebook is read-only")

    board = FindingsBoard(crashloop.report, propose=lambda f: propose(f, crashloop.frames), on_cell=refuse)
    board.select(CRASH)
    assert isinstance(board.generate(), Plan)
    assert board.cell.startswith("# Give deployment")
    assert "Handing the cell over (on_cell) failed: OSError: the notebook is read-only" in board.output.value


def test_without_a_planner_the_button_is_disabled(crashloop: Live) -> None:
    board = FindingsBoard(crashloop.report)
    board.select(CRASH)
    assert board.generate_button.disabled
    assert board.generate() is None
    assert "no planner was given" in board.output.value


def test_the_static_fallback_lists_the_groups(crashloop: Live) -> None:
    board = FindingsBoard(crashloop.report, propose=lambda f: propose(f, crashloop.frames))
    board.select(CRASH)
    board.generate()
    bundle = board._repr_mimebundle_()
    assert WIDGET_VIEW_MIME in bundle
    html = bundle["text/html"]
    assert "● ERROR  pod.crashloop — Pod billing/invoice-api-79d868d77-vgmg7 (+1 alike)" in html
    assert "<code>CrashLoopBackOff</code>" in html
    assert "fix = cluster.remediation(" in html
    assert bundle["text/plain"] == f"FindingsBoard: 4 findings, 1 root causes; selected {CRASH}"


@pytest.fixture
def no_board() -> Iterator[None]:
    kept = list(report_module._BOARD)
    report_module._BOARD.clear()
    yield
    report_module._BOARD[:] = kept


@pytest.mark.usefixtures("no_board")
def test_report_board_needs_a_registered_board() -> None:
    with pytest.raises(ConfigError, match=r"no findings board is registered: import workbench\.session"):
        AnalysisReport([]).board()


def test_report_board_from_cluster_analyze_plans_over_its_frames(crashloop: Live) -> None:
    board = crashloop.report.board()  # registered by workbench.session
    assert isinstance(board, FindingsBoard)
    board.select(CRASH)
    assert isinstance(board.generate(), Plan)
    # Bound to the cluster: the cell connects to the sandbox's kubeconfig and context.
    assert f'kubeconfig="{crashloop.sandbox.kubeconfig}"' in board.cell
    assert 'context="workbench-sandbox"' in board.cell


def test_report_board_of_a_report_read_back_plans_from_the_findings_alone(crashloop: Live) -> None:
    again = AnalysisReport.from_json(crashloop.report.to_json())
    board = again.board()
    board.select(CRASH)
    assert isinstance(board.generate(), Investigation)  # no frames: no evidence to plan a change from


def test_cluster_board_wires_the_planners(crashloop: Live) -> None:
    board = crashloop.cluster.board(crashloop.report)
    board.select(CRASH)
    plan = board.generate()
    assert isinstance(plan, Plan)
    assert plan.findings == (CRASH,)

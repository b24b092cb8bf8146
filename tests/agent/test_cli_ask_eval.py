"""`workbench ask` (the streamed answer, then the plans) and `workbench eval` (scores, healed sandboxes)."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest

from tests.agent.conftest import CRASHING_POD_PREFIX
from workbench import evals
from workbench import sandbox as sandbox_pkg
from workbench.agent._cli import Printer
from workbench.agent._events import Final, Token
from workbench.analyzers.expected import Entry
from workbench.cli import main
from workbench.errors import ConfigError
from workbench.model import Action, ObjectRef, Plan, PlanStep, Severity
from workbench.sources import connect_live

QUESTION = "Why is invoice-api in billing failing?"
PLAN_TITLE = "Give deployment billing/invoice-api the environment its log says is missing"


@pytest.fixture(autouse=True)
def no_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No model configured: neither in the environment nor in a ``.env`` of the working directory."""
    monkeypatch.delenv("WORKBENCH_MODEL", raising=False)
    monkeypatch.delenv("WORKBENCH_MODEL_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)


def test_ask_streams_the_answer_then_the_plans_and_the_usage(
    crashloop: sandbox_pkg.Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    before = crashloop.api.store.resource_version
    assert main(["ask", QUESTION, "--kubeconfig", str(crashloop.kubeconfig)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"**Root cause:** `pod.crashloop` (error) on Pod billing/{CRASHING_POD_PREFIX}")
    plan = out.index(f"=== Proposed plan 1: {PLAN_TITLE}  (not applied)\n")
    assert out.index("Nothing has been applied.") < plan < out.index("usage: offline: 0 input + 0 output")
    assert (
        "    $ kubectl -n billing set env deployment/invoice-api -c invoice-api --from=secret/invoice-api-db "
        "--keys=DATABASE_URL\n" in out
    )
    assert "  To dry-run it: workbench fix --finding pod.crashloop  (then --apply --yes" in out
    assert err.startswith("note: Offline assistant: no language model is configured")
    assert "  → run_analysis()\n" in err
    assert f"  ← propose_plan: plan: {PLAN_TITLE}\n" in err
    assert crashloop.api.store.resource_version == before  # proposed, never applied


def test_the_answer_is_written_as_each_token_arrives() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(out, err)
    printer.show(Token("first line\n"))
    assert out.getvalue() == "first line\n"
    printer.show(Token("second"))
    printer.show(Final("first line\nsecond"))
    assert out.getvalue() == "first line\nsecond\n"  # the final answer is not printed twice
    assert printer.finish() == 0


def test_terminal_escapes_from_cluster_text_are_replaced() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(out, err)
    printer.show(Token("log: \x1b[2J\x1b]0;owned\x07 done\n"))
    assert out.getvalue() == "log: \ufffd[2J\ufffd]0;owned\ufffd done\n"


def test_ask_json_prints_one_event_per_line(
    crashloop: sandbox_pkg.Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ask", QUESTION, "--kubeconfig", str(crashloop.kubeconfig), "--model", "offline", "--json"]
    assert main(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]["type"] == "notice"
    assert events[-1] == {
        "model": "offline", "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0,
        "session_input_tokens": 0, "session_output_tokens": 0, "session_cost_usd": 0.0, "type": "usage",
    }  # fmt: skip
    (proposed,) = [e for e in events if e["type"] == "proposed"]
    assert (proposed["kind"], proposed["proposal"]["title"]) == ("plan", PLAN_TITLE)
    assert proposed["proposal"]["steps"][0]["action"] == "set-env"
    (answer,) = [e["text"] for e in events if e["type"] == "final"]
    assert "".join(e["text"] for e in events if e["type"] == "token") == answer
    assert [e["name"] for e in events if e["type"] == "tool_call"] == [
        "list_resources", "run_analysis", "propose_plan",
    ]  # fmt: skip


def test_ask_reads_only_the_namespaces_given(
    crashloop: sandbox_pkg.Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ask", "what's wrong?", "--kubeconfig", str(crashloop.kubeconfig), "-n", "kube-system"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nothing is wrong in the cluster")
    assert "billing" not in out


def test_anonymize_says_it_changes_nothing_offline(
    crashloop: sandbox_pkg.Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["ask", "what's wrong?", "--kubeconfig", str(crashloop.kubeconfig), "--anonymize"]
    assert main(args) == 0
    assert (
        "note: --anonymize changes nothing offline: no text leaves this machine\n" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["ask", "  "], "ask needs a question, e.g. workbench ask"),
        (["ask", QUESTION, "--kubeconfig", "/nonexistent/kubeconfig"], "/nonexistent/kubeconfig"),
        (["ask", QUESTION, "--model", "nosuchprovider:some-model"], "nosuchprovider"),
    ],
)
def test_ask_errors_exit_2_with_the_cause(
    crashloop: sandbox_pkg.Sandbox, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    if "--kubeconfig" not in args:
        args = [*args, "--kubeconfig", str(crashloop.kubeconfig)]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert err.startswith("workbench: ")
    assert said in err
    assert out == ""


def test_eval_of_two_scenarios_writes_the_scores_with_healed_sandboxes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "scores.json"
    args = ["eval", "--scenario", "crashloop", "--scenario", "service-selector", "--json", str(report)]
    assert main(args) == 0
    data = json.loads(report.read_text())
    assert data["model"] == "offline"
    assert data["at"] == 600
    rows = {s["scenario"]: s for s in data["scenarios"]}
    assert list(rows) == ["crashloop", "service-selector"]
    for row in rows.values():
        picked = {
            k: row[k] for k in ("model", "root_cause", "proposal", "healed", "rounds", "steps", "tokens")
        }
        assert picked == {
            "model": "offline", "root_cause": True, "proposal": "plan", "healed": True, "rounds": 1,
            "steps": 3, "tokens": 0,
        }  # fmt: skip
        assert row["error"] == ""
        assert row["seconds"] > 0
    assert rows["crashloop"]["question"] == QUESTION
    assert rows["crashloop"]["expected"] == ["error pod.crashloop Pod billing/invoice-api-* x2"]
    assert rows["service-selector"]["titles"] == ["Fix the selector of service orders/orders-api"]
    assert data["summary"] | {"seconds": 0} == {
        "scenarios": 2, "root_cause": 2, "plans": 2, "healed": 2, "healed_of_planned": 2, "steps": 6,
        "tokens": 0, "seconds": 0,
    }  # fmt: skip
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "scenario",
        "root",
        "cause",
        "proposal",
        "healed",
        "rounds",
        "steps",
        "tokens",
        "seconds",
    ]
    assert lines[2].split()[:7] == ["crashloop", "yes", "plan", "yes", "1", "3", "0"]
    assert lines[3].split()[:7] == ["service-selector", "yes", "plan", "yes", "1", "3", "0"]
    assert "root cause named 2/2; plans proposed 2, of which healed 2" in out
    assert f"scores written to {report}" in out


def test_a_strict_eval_fails_on_a_scenario_its_plans_do_not_heal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--scenario", "service-selector", "--strict"]) == 0
    assert "FAIL" not in capsys.readouterr().out
    # The multi-fault incident gets an investigation: named, but not healed.
    assert main(["eval", "--scenario", "incident", "--strict"]) == 1
    out = capsys.readouterr().out
    assert out.rstrip().endswith("FAIL incident: not healed (proposal: investigation)")
    assert main(["eval", "--scenario", "incident"]) == 0  # without --strict the scores are the result


def test_shortfalls_name_every_way_a_scenario_falls_short() -> None:
    base = evals.Score(
        "s", "offline", "q?", ("error pod.crashloop Pod a/b",), True, "plan", (), True, 1, 3, 0, 1.0
    )
    assert evals.shortfalls([base]) == []
    healthy = dataclasses.replace(
        base, scenario="healthy", expected=(), root_cause=False, proposal="plan", healed=None
    )
    broken = dataclasses.replace(base, root_cause=False, healed=False, proposal="none", error="boom")
    assert evals.shortfalls([healthy, broken]) == [
        "healthy: root cause not named (nothing wrong)",
        "s: root cause not named (error pod.crashloop Pod a/b)",
        "s: not healed (proposal: none)",
        "s: boom",
    ]


def test_eval_of_an_unknown_scenario_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--scenario", "nope"]) == 2
    assert "workbench: no scenario nope; known scenarios: config-error, crashloop," in capsys.readouterr().err


def test_every_scenario_has_a_question_and_a_missing_one_says_where_to_write_it() -> None:
    for name, _ in sandbox_pkg.scenarios():
        assert evals.scenario_question(name).endswith("?"), name
    with pytest.raises(ConfigError, match=r"write the question .* into .*no-such-scenario/question\.txt"):
        evals.scenario_question("no-such-scenario")


def test_the_eval_refuses_any_cluster_but_the_sandbox_it_started() -> None:
    with (
        sandbox_pkg.start(scenario="healthy", manual_clock=True) as mine,
        sandbox_pkg.start(scenario="healthy", manual_clock=True) as other,
        connect_live(kubeconfig=other.kubeconfig) as source,
    ):
        with pytest.raises(ConfigError, match=f"only inside the sandbox it started \\({mine.url}\\)"):
            evals.check_sandbox(source, mine)
        evals.check_sandbox(source, other)  # its own sandbox: allowed


CRASH = Entry("pod.crashloop", Severity.ERROR, "Pod", "billing", "invoice-api-*", count=2, root=True)
NODE = Entry("node.not-ready", Severity.CRITICAL, "Node", "", "kind-worker2", root=True)
SYMPTOM = Entry("deployment.unavailable", Severity.CRITICAL, "Deployment", "billing", "invoice-api")


def plan_for(finding: str) -> Plan:
    web = ObjectRef("Deployment", "billing", "invoice-api")
    return Plan("restart", (PlanStep(Action.ROLLOUT_RESTART, web),), (finding,))


@pytest.mark.parametrize(
    ("entries", "text", "proposed", "named"),
    [
        ([CRASH, SYMPTOM], "`pod.crashloop` (error) on Pod billing/invoice-api-79d868d77-vgmg7", [], True),
        ([CRASH], "pod.crashloop on pod `billing/invoice-api-79d868d77-vgmg7`.", [], True),
        ([CRASH], "Pod billing/invoice-api-79d868d77-vgmg7 is crash-looping", [], False),  # no code
        ([CRASH], "`pod.crashloop` somewhere in billing", [], False),  # no object
        ([CRASH], "`pod.crashloop` on Pod shop/invoice-api-79d868d77-vgmg7", [], False),  # wrong namespace
        ([CRASH], "", ["pod.crashloop:Pod/billing/invoice-api-79d868d77-vgmg7"], True),  # in a proposal
        ([CRASH, NODE], "`pod.crashloop` on Pod billing/invoice-api-7-x", [], False),  # one of two
        ([NODE], "`node.not-ready` (critical) on Node kind-worker2", [], True),
        ([SYMPTOM], "Nothing is wrong", [], True),  # no root expected, nothing proposed
        ([SYMPTOM], "Nothing is wrong", ["pod.crashloop:Pod/billing/x"], False),
    ],
)
def test_naming_the_root_cause_needs_its_code_and_its_object(
    entries: list[Entry], text: str, proposed: list[str], named: bool
) -> None:
    assert evals.names_root_causes(entries, text, [plan_for(f) for f in proposed]) is named

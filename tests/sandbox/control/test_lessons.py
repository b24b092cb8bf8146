"""Lessons around a scenario: describe, the hint ladder over kubectl, and grading a sandbox over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_kubectl
from workbench import cli, sandbox
from workbench.errors import ConfigError, ScenarioError
from workbench.sandbox import _lessons


@pytest.fixture(scope="module")
def crashloop() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(scenario="crashloop", manual_clock=True, hints=True) as sb:
        yield sb


def test_describe_shows_the_goal_and_the_hint_ladder_and_the_fix_on_request() -> None:
    text = _lessons.describe("crashloop")
    assert text.splitlines()[0].startswith("crashloop (level 1): The billing team's invoice-api")
    assert "Goal: Read a crash-looping container's previous logs" in text
    assert "  1. Which pods in the billing namespace are not Running" in text
    assert "Fix:" not in text
    solved = _lessons.describe("crashloop", solution=True)
    assert "  $ kubectl -n billing set env deployment/invoice-api --from=secret/invoice-api-db" in solved
    assert "Wrong fix: Restart the rollout" in solved
    assert "Why not: The new pods are made from the same template" in solved


def test_describe_an_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"known scenarios: .*crashloop"):
        _lessons.describe("crashlop")


def test_the_ladder_gives_a_hint_every_third_write_until_solved() -> None:
    solved = False
    ladder = _lessons.HintLadder(["vague", "specific"], lambda: solved)
    given = [ladder.after_write() for _ in range(6)]
    assert given == [None, None, "hint 1/2: vague", None, None, "hint 2/2: specific"]
    assert [ladder.after_write() for _ in range(3)] == [None, None, None]  # the ladder is used up
    fresh = _lessons.HintLadder(["vague"], lambda: solved)
    solved = True
    assert [fresh.after_write() for _ in range(3)] == [None, None, None]


def test_kubectl_prints_the_hints_as_warnings(crashloop: sandbox.Sandbox, tmp_path: Path) -> None:
    kubectl = make_kubectl(crashloop, tmp_path)
    outputs = [
        kubectl("-n", "billing", "annotate", "deploy/invoice-api", f"note{i}=looking", "--overwrite").stderr
        for i in range(3)
    ]
    assert outputs[:2] == ["", ""]
    assert outputs[2].startswith("Warning: hint 1/4: Which pods in the billing namespace are not Running")


def test_check_grades_a_sandbox_over_http_and_the_cli_says_what_is_left(
    crashloop: sandbox.Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _lessons.check_url("crashloop", crashloop.url)
    assert not report.passed
    assert report == crashloop.check()  # the same verdict as in-process
    code = cli.main(
        ["sandbox", "check", "--scenario", "crashloop", "--kubeconfig", str(crashloop.kubeconfig)]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  deployment_available billing/invoice-api" in out
    assert out.splitlines()[-1] == "Not healed yet."
    kubectl = make_kubectl(crashloop, tmp_path)
    kubectl("-n", "billing", "set", "env", "deployment/invoice-api", "--from=secret/invoice-api-db")
    crashloop.advance(180)
    assert _lessons.check_url("crashloop", crashloop.url).passed
    assert (
        cli.main(["sandbox", "check", "--scenario", "crashloop", "--kubeconfig", str(crashloop.kubeconfig)])
        == 0
    )
    assert capsys.readouterr().out.splitlines()[-1] == "All checks pass: the cluster is healed."
    assert crashloop.control.errors == []


def test_check_names_the_fix_when_the_sandbox_is_not_running() -> None:
    with pytest.raises(
        ConfigError, match="is it running\\? start it with `workbench sandbox start --scenario crashloop`"
    ):
        _lessons.check_url("crashloop", "http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="not an http"):
        _lessons.check_url("crashloop", "file:///etc/passwd")


def test_check_without_a_readable_kubeconfig_says_which_to_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.kubeconfig"
    assert cli.main(["sandbox", "check", "--scenario", "crashloop", "--kubeconfig", str(missing)]) == 2
    assert "pass the one `workbench sandbox start` printed with --kubeconfig" in capsys.readouterr().err

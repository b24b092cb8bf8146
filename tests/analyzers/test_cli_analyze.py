"""`workbench analyze`: exit codes (0 clean, 1 at the threshold, 2 could not run) and its outputs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench
from workbench import sandbox as sandbox_pkg
from workbench.analyzers import AnalysisReport
from workbench.cli import main
from workbench.sandbox import write_kubeconfig

CLI = [sys.executable, "-m", "workbench.cli"]


@pytest.fixture(scope="module")
def crashloop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sandbox_pkg.Sandbox, Path]]:
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(600)
        snapshot = tmp_path_factory.mktemp("snap") / "crashloop.wbsnap"
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            cluster.snapshot(snapshot)
        yield sb, snapshot


@pytest.fixture(scope="module")
def healthy() -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start(scenario="healthy", manual_clock=True) as sb:
        sb.advance(600)
        yield sb


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["analyze", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_crash_loop_fails_at_the_default_threshold_and_names_the_root_cause(
    crashloop: tuple[sandbox_pkg.Sandbox, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sb, _ = crashloop
    code, out, err = run(capsys, "--kubeconfig", str(sb.kubeconfig))
    assert code == 1
    assert err == ""
    with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
        assert out.startswith(f"Analysis of {cluster.name} at ")
    first_root = out.split("\n\n")[1].splitlines()[0]
    assert first_root.startswith("ERROR    pod.")
    assert "billing/invoice-api" in first_root


def test_the_threshold_decides_the_exit_code(
    crashloop: tuple[sandbox_pkg.Sandbox, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sb, _ = crashloop
    assert run(capsys, "--kubeconfig", str(sb.kubeconfig), "--fail-on", "warning")[0] == 1
    # Only another namespace: nothing of billing's crash is reported.
    code, out, _ = run(
        capsys, "--kubeconfig", str(sb.kubeconfig), "-n", "kube-system", "--fail-on", "warning"
    )
    assert code == 0
    assert "billing" not in out


def test_json_output_parses_and_round_trips(
    crashloop: tuple[sandbox_pkg.Sandbox, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sb, _ = crashloop
    code, out, _ = run(capsys, "--kubeconfig", str(sb.kubeconfig), "--output", "json", "-n", "billing")
    assert code == 1
    data = json.loads(out)
    report = AnalysisReport.from_json(out)
    assert report.to_dict() == data
    assert data["worst"] in {"error", "critical"}
    assert all(f["ref"]["namespace"] in {"billing", ""} for f in data["findings"])
    assert data["roots"]


def test_markdown_output_contains_the_root_cause(
    crashloop: tuple[sandbox_pkg.Sandbox, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sb, _ = crashloop
    code, out, _ = run(capsys, "--kubeconfig", str(sb.kubeconfig), "--output", "markdown", "-n", "billing")
    assert code == 1
    assert out.startswith("# Analysis of ")
    assert "## Root causes" in out
    root = AnalysisReport.from_json(run(capsys, "--kubeconfig", str(sb.kubeconfig), "--output", "json")[1])
    first = root.roots()[0]
    assert f"### 1. {str(first.severity).upper()} `{first.code}`" in out


def test_a_snapshot_gives_the_same_result_as_the_live_cluster(
    crashloop: tuple[sandbox_pkg.Sandbox, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sb, snapshot = crashloop
    live = run(capsys, "--kubeconfig", str(sb.kubeconfig), "--output", "json")
    snap = run(capsys, "--snapshot", str(snapshot), "--output", "json")
    assert snap[0] == live[0] == 1
    assert json.loads(snap[1])["findings"] == json.loads(live[1])["findings"]


def test_a_healthy_cluster_is_clean(healthy: sandbox_pkg.Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--kubeconfig", str(healthy.kubeconfig), "--fail-on", "warning")
    assert (code, err) == (0, "")
    assert "ERROR" not in out
    assert "CRITICAL" not in out
    assert "WARNING" not in out


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--snapshot", "/nonexistent/incident.wbsnap"], "no such snapshot file"),
        (["--kubeconfig", "/nonexistent/kubeconfig"], "does not exist"),
        (
            ["--snapshot", "x.wbsnap", "--kubeconfig", "kc"],
            "pass either --snapshot or --kubeconfig/--context",
        ),
        (["--output", "yaml"], "invalid choice: 'yaml'"),
    ],
)
def test_what_cannot_run_exits_2_with_a_one_line_error(args: list[str], message: str) -> None:
    result = subprocess.run(
        [*CLI, "analyze", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_snapshot_and_an_unreachable_cluster_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.wbsnap"
    bad.write_text("not a snapshot")
    code, out, err = run(capsys, "--snapshot", str(bad))
    assert (code, out) == (2, "")
    assert err.startswith(f"workbench: {bad}: not a Kube Workbench snapshot")
    assert err.count("\n") == 1
    kubeconfig = tmp_path / "kc.yaml"
    write_kubeconfig(kubeconfig, f"http://127.0.0.1:{closed_port()}")
    code, out, err = run(capsys, "--kubeconfig", str(kubeconfig))
    assert (code, out) == (2, "")
    assert err.startswith("workbench: ")
    assert err.count("\n") == 1

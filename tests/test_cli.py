"""The `workbench` command line: sandbox list and start, and its errors."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import KUBECTL

CLI = [sys.executable, "-m", "workbench.cli"]


def test_sandbox_list_prints_one_scenario_a_line() -> None:
    out = subprocess.run([*CLI, "sandbox", "list"], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    names = [line.split("\t")[0] for line in lines]
    assert "healthy" in names
    assert all(len(line.split("\t")) == 2 and line.split("\t")[1] for line in lines)


def test_sandbox_start_serves_writes_a_kubeconfig_and_stops_on_interrupt(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc.yaml"
    proc = subprocess.Popen(
        [*CLI, "sandbox", "start", "--scenario", "healthy", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        head = [proc.stdout.readline() for _ in range(3)]
        url = head[0].rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert head[1].strip() == f"kubeconfig: {kubeconfig}"
        config = yaml.safe_load(kubeconfig.read_text())
        assert config["clusters"][0]["cluster"]["server"] == url
        nodes = subprocess.run(
            [
                KUBECTL,
                f"--kubeconfig={kubeconfig}",
                f"--cache-dir={tmp_path / 'cache'}",
                "get",
                "nodes",
                "-o",
                "name",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split()
        assert nodes == ["node/kind-control-plane", "node/kind-worker", "node/kind-worker2"]
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "Sandbox stopped." in rest


def test_a_taken_port_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*CLI, "sandbox", "start", "--port", str(port), "--kubeconfig", str(tmp_path / "kc")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_scenario_names_the_known_ones() -> None:
    result = subprocess.run(
        [*CLI, "sandbox", "start", "--scenario", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "nope" in result.stderr
    assert "healthy" in result.stderr


def test_a_bad_synthetic_spec_says_what_a_valid_one_looks_like() -> None:
    result = subprocess.run(
        [*CLI, "sandbox", "start", "--synthetic", "pods=lots"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "pods=" in result.stderr
    assert "Traceback" not in result.stderr

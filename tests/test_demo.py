"""`workbench demo`: the incident sandbox, JupyterLab pointed at it, one demo at a time, clean shutdown.

The demo runs as a user runs it, in a subprocess (``--no-browser``), with its state, data and
Jupyter directories in the test's temporary directory; the test reads the URL and the kubeconfig
from what it prints, asks JupyterLab and the sandbox, then stops it with SIGINT (Ctrl-C).
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.notebooks.run import ROOT
from workbench.demo import Demo, has_display
from workbench.errors import ConfigError

pytestmark = pytest.mark.kubectl

START_SECONDS = 180.0
"""Real seconds the demo may take to print its URL (the scenario's warm-up, then JupyterLab)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        XDG_STATE_HOME=str(tmp / "state"),
        XDG_DATA_HOME=str(tmp / "data"),
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


@dataclass
class Running:
    process: subprocess.Popen[str]
    lines: list[str]
    url: str
    kubeconfig: Path


def _start(tmp: Path, port: int) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "demo", "--port", str(port), "--no-browser"],
        env=_env(tmp),
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return process, lines


def _read_until(lines: queue.Queue[str], marker: str, seen: list[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if marker in line:
            return line
    raise AssertionError(f"the demo did not print {marker!r}; it printed:\n" + "\n".join(seen))


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - our own http://127.0.0.1 URLs
        return answer.status, answer.read().decode()


def _kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", "--request-timeout=5s", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def running(demo_dir: Path) -> Iterator[Running]:
    # A lock left by a demo that was killed: the new demo takes it over.
    lock = demo_dir / "state" / "workbench" / "demo.json"
    lock.parent.mkdir(parents=True)
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    lock.write_text(json.dumps({"pid": int(finished.stdout), "port": 1}))
    process, lines = _start(demo_dir, _free_port())
    seen: list[str] = []
    try:
        opened = _read_until(lines, "Open the incident notebook:", seen, START_SECONDS)
        exported = next(line for line in seen if "export KUBECONFIG=" in line)
        yield Running(
            process, seen, opened.split()[-1], Path(exported.split("export KUBECONFIG=", 1)[1].strip())
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        seen.extend(_drain(lines))
        assert process.stdout is not None
        process.stdout.close()


def _drain(lines: queue.Queue[str]) -> list[str]:
    out = []
    while True:
        try:
            out.append(lines.get(timeout=1))
        except queue.Empty:
            return out


def test_jupyterlab_answers_on_the_incident_notebook(running: Running, demo_dir: Path) -> None:
    match = re.fullmatch(
        r"http://127\.0\.0\.1:(\d+)/lab/tree/01-incident-investigation\.ipynb\?token=(\w+)", running.url
    )
    assert match is not None, running.url
    port, token = match.groups()
    status, body = _get(f"http://127.0.0.1:{port}/api/status?token={token}")
    assert status == 200
    assert "started" in json.loads(body)
    # The notebook JupyterLab opens is a clean copy in the work directory, not the repository's.
    status, body = _get(f"http://127.0.0.1:{port}/api/contents/01-incident-investigation.ipynb?token={token}")
    notebook = json.loads(body)
    assert status == 200
    assert notebook["content"]["cells"][0]["source"].startswith("# Incident investigation")
    workdir = demo_dir / "data" / "workbench" / "demo"
    assert (workdir / "labs" / "01-image-pull.ipynb").is_file()
    assert (workdir / "02-postmortem.ipynb").is_file()
    # The server extension sees the sandbox through KUBECONFIG too.
    status, body = _get(f"http://127.0.0.1:{port}/api/workbench/status?token={token}")
    assert status == 200
    assert "workbench-sandbox" in body
    # Without the token, JupyterLab refuses.
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(f"http://127.0.0.1:{port}/api/contents/01-incident-investigation.ipynb")
    assert refused.value.code == 403
    refused.value.close()


def test_the_sandbox_serves_the_incident_to_kubectl(running: Running) -> None:
    assert running.kubeconfig.is_file()
    data = _kubectl(running.kubeconfig, "get", "pods", "-n", "data")
    assert data.returncode == 0, data.stderr
    assert re.search(r"postgres-0\s+0/1\s+CreateContainerConfigError", data.stdout), data.stdout
    shop = _kubectl(running.kubeconfig, "get", "deployments", "-n", "shop")
    assert "checkout" in shop.stdout
    assert "frontend" in shop.stdout


def test_a_second_demo_says_the_first_is_running(running: Running, demo_dir: Path) -> None:
    second = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "demo", "--port", str(_free_port()), "--no-browser"],
        env=_env(demo_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 2
    assert f"a previous demo is still running (pid {running.process.pid}," in second.stderr
    assert f"kill -INT {running.process.pid}" in second.stderr
    assert running.process.poll() is None  # the first one is unharmed


def test_ctrl_c_stops_jupyterlab_and_the_sandbox(running: Running, demo_dir: Path) -> None:
    match = re.search(r":(\d+)/lab/tree/.*token=(\w+)", running.url)
    assert match is not None
    port, token = match.groups()
    kubeconfig = running.kubeconfig
    server = re.search(r"server: (\S+)", kubeconfig.read_text())
    assert server is not None
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(60) == 0
    with pytest.raises(urllib.error.URLError):
        _get(f"http://127.0.0.1:{port}/api/status?token={token}")
    with pytest.raises(urllib.error.URLError):
        _get(f"{server.group(1)}/version")
    assert not kubeconfig.exists()
    assert not (demo_dir / "state" / "workbench" / "demo.json").exists()


def test_a_taken_port_gets_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "workbench.cli", "demo", "--port", str(port), "--no-browser"],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 2
    assert (
        f"workbench: port {port} is taken (another Jupyter server?): pick a free one with --port"
        in done.stderr
    )
    assert not (tmp_path / "state" / "workbench" / "demo.json").exists()  # the lock is released


def test_bad_options_and_the_display_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="--port must be a port number between 1 and 65535, not 0"):
        Demo(port=0)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert has_display()


def test_the_makefile_demo_runs_this_command() -> None:
    assert "\tworkbench demo" in (ROOT / "Makefile").read_text()

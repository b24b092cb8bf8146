"""A real JupyterLab server in a temporary directory, for browser tests, and a headless Chromium.

The server runs as a subprocess of this interpreter's environment with its own token, port, root
directory, settings, workspaces and runtime files, so it touches nothing of the user's. It fetches
no news and checks for no updates; the browser aborts every request that is not to the server, so
a test never reaches the internet (and records what it refused, so a test can assert there was none).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 90.0
"""Seconds JupyterLab may take to answer (its first start builds nothing, but 2 busy cores are slow)."""

# Lab settings for a quiet, fully rendered notebook: every cell in the DOM (no windowing, so
# off-screen outputs exist and can be checked), no news or update toasts over the outputs.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class Lab:
    """A running JupyterLab server."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    refused: list[str] = field(default_factory=list)
    """Requests the browser aborted because they were not to this server."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}?token={self.token}"

    def route(self, route: Any) -> None:
        """Playwright route handler: requests to the server go through, every other one is aborted."""
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort()


def chromium_or_skip() -> None:
    """Skip (saying how to fix it) when Debian's Chromium or the playwright package is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}: run `make install` (as root in CI)")
    pytest.importorskip(
        "playwright.sync_api", reason="browser tests need playwright: pip install -e '.[test]'"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def jupyter_lab(root: Path, *, env: dict[str, str] | None = None) -> Iterator[Lab]:
    """Start ``jupyter lab`` serving ``root``; shut it (and its kernels) down afterwards."""
    home = root.parent / f"{root.name}-jupyter"
    settings = home / "settings"
    for name, values in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    token = secrets.token_hex(16)
    port = free_port()
    process_env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        **(env or {}),
    }
    log = home / "lab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",  # ServerApp.token's current name
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=process_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = Lab(root, port, token, process, log)
    try:
        _wait_until_up(lab)
        yield lab
    finally:
        _shut_down(lab)
        shutil.rmtree(home / "runtime", ignore_errors=True)


def _wait_until_up(lab: Lab) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            raise AssertionError(f"jupyter lab exited with {lab.process.returncode}:\n{lab.log.read_text()}")
        try:
            with urllib.request.urlopen(lab.url("api/status"), timeout=5) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"jupyter lab did not answer within {START_TIMEOUT:.0f} s:\n{lab.log.read_text()}")


def _shut_down(lab: Lab) -> None:
    """Ask the server to stop (it shuts its kernels down first); then terminate, then kill, it."""
    request = urllib.request.Request(lab.url("api/shutdown"), method="POST")  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback
            pass
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        pass  # already gone, or not answering: terminate below
    try:
        lab.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(lab.process.pid, signal.SIGTERM)  # the group this test started (start_new_session)
        try:
            lab.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(lab.process.pid, signal.SIGKILL)
            lab.process.wait()


def open_and_run_all(page: Any, lab: Lab, notebook: str) -> None:
    """Open ``notebook`` in JupyterLab, wait for its kernel to be idle, and run every cell."""
    page.goto(lab.url(f"lab/tree/{notebook}"))
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            const kernel = panel && panel.sessionContext && panel.sessionContext.session
                && panel.sessionContext.session.kernel;
            return kernel && kernel.status === "idle";
        }"""
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

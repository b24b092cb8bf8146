"""The one-command demo: a broken sandbox cluster, JupyterLab pointed at it, the incident notebook open.

`Demo.start` starts the sandbox's ``incident`` scenario in this process, copies the notebooks into a
work directory (so the repository's stay clean), and launches JupyterLab on loopback with
``KUBECONFIG`` set for it, so its kernels, ``!kubectl`` cells and the workbench's server extension all
talk to the sandbox. One demo runs at a time: a lock file in the state directory names the running
one. `Demo.stop` shuts JupyterLab (and its kernels) down, then the sandbox.

It wires the sandbox and JupyterLab together and holds no Kubernetes logic; `workbench demo` is its
command line.

Example:
    >>> from workbench.demo import Demo
    >>> with Demo(port=8890, open_browser=False) as demo:  # doctest: +SKIP
    ...     print(demo.url)
    http://127.0.0.1:8890/lab/tree/01-incident-investigation.ipynb?token=...
"""

from __future__ import annotations

import contextlib
import errno
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
import webbrowser
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from workbench.errors import ConfigError, SandboxStartError

if TYPE_CHECKING:
    from workbench.sandbox import Sandbox

__all__ = ["DEFAULT_PORT", "DEFAULT_SCENARIO", "DEFAULT_SPEED", "Demo", "default_workdir", "has_display"]

DEFAULT_PORT = 8888
"""JupyterLab's port (its usual one)."""
DEFAULT_SCENARIO = "incident"
DEFAULT_SPEED = 1.0
"""Simulated seconds per real second: real time, so back-offs and rollouts move as they would."""
NOTEBOOK = "01-incident-investigation.ipynb"
"""The notebook JupyterLab opens on."""
START_TIMEOUT = 120.0
"""Seconds JupyterLab may take to answer before the demo gives up."""
STOP_TIMEOUT = 20.0
"""Seconds JupyterLab gets to shut its kernels down before it is killed."""
LOCK_NAME = "demo.json"
_NOTEBOOK_FILES = ("*.ipynb", "README.md", "labs/*.ipynb", "labs/README.md")


def state_dir() -> Path:
    """``$XDG_STATE_HOME/workbench`` (``~/.local/state/workbench``): where the lock file lives."""
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "workbench"


def default_workdir() -> Path:
    """``$XDG_DATA_HOME/workbench/demo`` (``~/.local/share/workbench/demo``): the notebooks' copies."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "workbench" / "demo"


def has_display() -> bool:
    """Whether a browser can be opened here (macOS and Windows always; elsewhere X11 or Wayland)."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def notebooks_dir() -> Path:
    """The repository's ``notebooks/`` (the demo runs from a clone: ``make demo``).

    Raises:
        ConfigError: the package is installed without the notebooks.
    """
    found = Path(__file__).resolve().parent.parent / "notebooks"
    if not (found / NOTEBOOK).is_file():
        raise ConfigError(
            f"the demo's notebooks are not next to this package (looked in {found}); run the demo from a "
            "clone of the repository: `make demo`, or `pip install -e .` there and `workbench demo`"
        )
    return found


class Demo:
    """A running demo: the sandbox, JupyterLab, and the lock that says so.

    Args:
        port: JupyterLab's port on 127.0.0.1.
        scenario: the sandbox scenario.
        speed: simulated seconds per real second.
        workdir: where the notebooks are copied (default `default_workdir`); JupyterLab's root.
        open_browser: open the notebook in a browser once JupyterLab answers.

    Attributes (once started):
        url: the incident notebook's address in JupyterLab, with its token.
        kubeconfig: the sandbox's kubeconfig (``KUBECONFIG`` for JupyterLab and its kernels).
        sandbox_url: the sandbox API server's address.
        log: JupyterLab's log file.
    """

    def __init__(
        self,
        *,
        port: int = DEFAULT_PORT,
        scenario: str = DEFAULT_SCENARIO,
        speed: float = DEFAULT_SPEED,
        workdir: str | os.PathLike[str] | None = None,
        open_browser: bool = False,
    ) -> None:
        if not 1 <= port <= 65535:
            raise ConfigError(f"--port must be a port number between 1 and 65535, not {port}")
        self.port = port
        self.scenario = scenario
        self.speed = speed
        self.workdir = Path(workdir) if workdir is not None else default_workdir()
        self.open_browser = open_browser
        self.lock = state_dir() / LOCK_NAME
        self.kubeconfig = self.workdir / "sandbox.kubeconfig"
        self.log = self.workdir / "jupyter.log"
        self.url = ""
        self.sandbox_url = ""
        self._token = secrets.token_hex(24)
        self._sandbox: Sandbox | None = None
        self._jupyter: subprocess.Popen[bytes] | None = None
        self._locked = False

    def start(self) -> Demo:
        """Lock, start the sandbox, copy the notebooks, launch JupyterLab and wait until it answers.

        Raises:
            ConfigError: a demo is already running, the port is taken, or the notebooks are missing.
            SandboxStartError: JupyterLab exited or did not answer in `START_TIMEOUT` seconds (the
                message quotes its log).
            ScenarioError: the scenario does not exist.
        """
        from workbench import sandbox  # noqa: PLC0415 - `workbench --help` reads this module's defaults

        try:
            self._lock()
            _check_port(self.port)
            source = notebooks_dir()
            self.workdir.mkdir(parents=True, exist_ok=True)
            self._sandbox = sandbox.start(self.scenario, speed=self.speed, kubeconfig=self.kubeconfig)
            self.sandbox_url = self._sandbox.url
            for pattern in _NOTEBOOK_FILES:
                for path in source.glob(pattern):
                    copy = self.workdir / path.relative_to(source)
                    copy.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, copy)
            self._launch()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        self.url = f"http://127.0.0.1:{self.port}/lab/tree/{NOTEBOOK}?token={self._token}"
        if self.open_browser:
            webbrowser.open(self.url)
        return self

    def running(self) -> bool:
        """JupyterLab is still up (it can exit by itself: a shutdown from its File menu)."""
        return self._jupyter is not None and self._jupyter.poll() is None

    def stop(self) -> None:
        """Shut JupyterLab down (its kernels first), stop the sandbox, release the lock. Idempotent."""
        if self._jupyter is not None:
            _terminate(self._jupyter)
            self._jupyter = None
        if self._sandbox is not None:
            self._sandbox.stop()
            self._sandbox = None
            self.kubeconfig.unlink(missing_ok=True)
        if self._locked:
            self.lock.unlink(missing_ok=True)
            self._locked = False

    def _lock(self) -> None:
        self.lock.parent.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"pid": os.getpid(), "port": self.port, "workdir": str(self.workdir)})
        for _ in range(2):
            try:
                fd = os.open(self.lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                held = _read_lock(self.lock)
                if held is not None and _alive(held.get("pid")):
                    raise ConfigError(
                        f"a previous demo is still running (pid {held['pid']}, JupyterLab on port "
                        f"{held.get('port')}): stop it with Ctrl-C in its terminal or "
                        f"`kill -INT {held['pid']}`, then start again (the lock is {self.lock})"
                    ) from None
                self.lock.unlink(missing_ok=True)  # left by a demo that did not stop cleanly
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(record)
            self._locked = True
            return
        raise ConfigError(f"cannot take the demo lock {self.lock}; remove it if no demo is running")

    def _launch(self) -> None:
        env = dict(os.environ)
        env["KUBECONFIG"] = str(self.kubeconfig)
        # The demo's remediation audit trail stays with the demo, not in the user's real audit log.
        env["WORKBENCH_AUDIT_LOG"] = str(self.workdir / "audit.jsonl")
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.workdir}",
            f"--IdentityProvider.token={self._token}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Containers often run as root; JupyterLab refuses that without being told it is meant.
            command.append("--ServerApp.allow_root=True")
        with self.log.open("wb") as log:
            # Its own session: Ctrl-C in the terminal reaches the demo, which shuts JupyterLab down in
            # order, instead of JupyterLab asking "Shutdown this Jupyter server (y/[n])?".
            self._jupyter = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
                command,
                env=env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_until_ready(self) -> None:
        status = f"http://127.0.0.1:{self.port}/api/status?token={self._token}"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.running():
                raise SandboxStartError(f"JupyterLab exited before it answered:\n{_tail(self.log)}")
            # OSError: not listening yet. The URL is our own, on loopback.
            with contextlib.suppress(OSError), urllib.request.urlopen(status, timeout=2) as answer:
                if answer.status == 200:
                    return
            time.sleep(0.25)
        raise SandboxStartError(f"JupyterLab did not answer in {START_TIMEOUT:.0f} s:\n{_tail(self.log)}")

    def __enter__(self) -> Demo:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"JupyterLab at {self.url}" if self.running() else "stopped"
        return f"<Demo {self.scenario}: {state}>"


def _check_port(port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise ConfigError(f"cannot use port {port} on 127.0.0.1: {exc.strerror}") from None
            with socket.socket() as free:
                free.bind(("127.0.0.1", 0))
                spare = free.getsockname()[1]
            raise ConfigError(
                f"port {port} is taken (another Jupyter server?): pick a free one with --port, e.g. "
                f"--port {spare}"
            ) from None


def _read_lock(path: Path) -> dict[str, object] | None:
    try:
        held = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return held if isinstance(held, dict) else None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (JupyterLab then shuts its kernels down), then SIGKILL to the group if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _tail(log: Path, lines: int = 15) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return f"(no log at {log})"
    return "\n".join(text.splitlines()[-lines:])

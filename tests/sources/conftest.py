"""Fixtures for the live source: a crash-looping sandbox, a fault proxy in front of it, kubeconfigs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Kubectl, make_kubectl
from tests.sources.faults import FaultProxy
from workbench import sandbox as sandbox_pkg
from workbench.sources._transport import RetryPolicy

CONTEXT = "workbench-sandbox"
EXEC_API = "client.authentication.k8s.io/v1beta1"


class Sleeps(list[float]):
    """Records the waits a `RetryPolicy` asks for instead of sleeping (tests stay fast)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox_pkg.Sandbox]:
    """The crashloop scenario plus 1200 synthetic pods (more than two 500-object pages)."""
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True, synthetic="pods=1200") as running:
        yield running


@pytest.fixture(scope="module")
def kubectl(sb: sandbox_pkg.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """The real kubectl against this module's sandbox."""
    return make_kubectl(sb, tmp_path_factory.mktemp("kube-cache"))


@pytest.fixture
def proxy(sb: sandbox_pkg.Sandbox) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of the module's sandbox, fresh for each test."""
    with FaultProxy(sb.url) as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    """Three tries with tiny back-off, waits recorded in `sleeps` rather than slept."""
    return RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.04, sleep=sleeps)


@pytest.fixture
def no_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME is an empty directory and nothing points at a kubeconfig or a pod's service account."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    return home


def kubeconfig(
    path: Path,
    server: str,
    *,
    context: str = CONTEXT,
    user: dict[str, Any] | None = None,
    current: str | None = None,
    extra_contexts: tuple[str, ...] = (),
) -> Path:
    """Write a kubeconfig for ``server`` (what `sandbox.write_kubeconfig` writes, plus a user stanza)."""
    names = (context, *extra_contexts)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": {"server": server}} for n in names],
        "users": [{"name": n, "user": user or {}} for n in names],
        "contexts": [
            {"name": n, "context": {"cluster": n, "user": n, "namespace": "default"}} for n in names
        ],
        "current-context": context if current is None else current,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll until ``condition()`` holds (the prefetch thread runs on its own schedule)."""
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def exec_user(script: Path, *args: str) -> dict[str, Any]:
    """A kubeconfig user whose credential comes from ``python script args...`` (an exec plugin)."""
    return {
        "exec": {
            "apiVersion": EXEC_API,
            "command": sys.executable,
            "args": [str(script), *args],
            "interactiveMode": "Never",
        }
    }


PLUGIN = """
import json, pathlib, sys
counter = pathlib.Path(sys.argv[1])
run = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(run))
fail_from = int(sys.argv[2])
if fail_from and run >= fail_from:
    sys.stderr.write("error: token refresh denied: run `cloud auth login` first\\n")
    sys.exit(1)
status = {"token": f"tok-{run}"}
if sys.argv[3] == "expired":
    status["expirationTimestamp"] = "2000-01-01T00:00:00Z"
print(json.dumps({"apiVersion": "EXEC_API", "kind": "ExecCredential", "status": status}))
""".replace("EXEC_API", EXEC_API)


@pytest.fixture
def plugin(tmp_path: Path) -> tuple[Path, Path]:
    """An exec credential plugin script and the file where it counts its runs.

    Arguments: ``<counter> <fail from run N, 0 never> <expired|fresh>``; it prints token ``tok-<run>``.
    """
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN)
    return script, tmp_path / "runs"

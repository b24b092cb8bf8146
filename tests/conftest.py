"""Shared fixtures: a running sandbox, the real kubectl against it, and the official client."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from workbench import sandbox as sandbox_pkg

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[sandbox_pkg.Sandbox]:
    """A healthy sandbox per test module (tests in a module may change it; modules stay independent)."""
    with sandbox_pkg.start(scenario="healthy") as sb:
        yield sb


def make_kubectl(sb: sandbox_pkg.Sandbox, cache: Path) -> Kubectl:
    def run(
        *args: str, check: bool = True, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        cmd = [KUBECTL, f"--kubeconfig={sb.kubeconfig}", f"--cache-dir={cache}", *args]
        result = subprocess.run(
            cmd, capture_output=True, text=True, input=stdin, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    return run


@pytest.fixture(scope="module")
def kubectl(sandbox: sandbox_pkg.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    """Run the system's real kubectl against the module's sandbox with its own discovery cache."""
    if not Path(KUBECTL).exists():
        pytest.fail(f"kubectl is needed for the compatibility tests; install it at {KUBECTL}")
    return make_kubectl(sandbox, tmp_path_factory.mktemp("kube-cache"))

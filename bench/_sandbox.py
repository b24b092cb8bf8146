"""The synthetic sandbox the benchmarks measure against, in its own process (its memory is its own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def start_sandbox(pods: int, kubeconfig: Path) -> subprocess.Popen[str]:
    """`workbench sandbox start --synthetic pods=N,nodes=N/30`, returned once it serves."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "sandbox",
            "start",
            f"--synthetic=pods={pods},nodes={max(3, pods // 30)}",
            "--kubeconfig",
            str(kubeconfig),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "serving at" in line:
            return proc
    raise SystemExit("the sandbox did not start")

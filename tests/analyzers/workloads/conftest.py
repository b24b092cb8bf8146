"""Frames of the healthy cluster with extra manifests, for the workload analyzers' tests.

Scenario pulls shared by every family come from tests/analyzers/conftest.py (the `scenario` fixture).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import workbench
from workbench import sandbox
from workbench.frames import Frames


def pull_with(
    manifests: Iterable[str], tmp: Path, *, scenario: str = "healthy", advance: float = 600
) -> Frames:
    """Frames of ``scenario`` with extra manifest documents loaded at start, after ``advance`` seconds."""
    path = tmp / "extra.yaml"
    path.write_text("\n---\n".join(manifests))
    with sandbox.start(scenario=scenario, manual_clock=True, manifests=[path]) as sb:
        sb.advance(advance)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            return cluster.frames()

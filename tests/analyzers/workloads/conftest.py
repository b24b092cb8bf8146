"""Frames of sandbox scenarios for the workload analyzers' tests, pulled once per test session."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

import workbench
from workbench import sandbox
from workbench.frames import Frames

ADVANCE_SECONDS = 600.0
"""How long each scenario runs before it is pulled (the expected-findings moment)."""


@functools.cache
def pull_scenario(name: str) -> Frames:
    """Start scenario ``name`` on a manual clock, let it run `ADVANCE_SECONDS`, pull its frames."""
    with sandbox.start(scenario=name, manual_clock=True) as sb:
        sb.advance(ADVANCE_SECONDS)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            return cluster.frames()


@pytest.fixture(scope="session")
def scenario() -> Callable[[str], Frames]:
    """``scenario(name)``: the scenario's frames at `ADVANCE_SECONDS`, pulled at most once a session."""
    return pull_scenario


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

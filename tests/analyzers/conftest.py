"""Frames of sandbox scenarios, pulled once per test session and shared by every analyzer family."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

import workbench
from workbench import sandbox
from workbench.frames import Frames

ADVANCE_SECONDS = 600.0
"""How long each scenario runs before it is pulled (the expected-findings moment)."""


@functools.cache
def pull_scenario(name: str) -> Frames:
    """Start scenario ``name`` on a manual clock, let it run `ADVANCE_SECONDS`, pull its frames.

    Cached for the session: every family's tests read the same pull (frames are never mutated).
    """
    with sandbox.start(scenario=name, manual_clock=True) as sb:
        sb.advance(ADVANCE_SECONDS)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            return cluster.frames()


@pytest.fixture(scope="session")
def scenario() -> Callable[[str], Frames]:
    """``scenario(name)``: the scenario's frames at `ADVANCE_SECONDS`, pulled at most once a session."""
    return pull_scenario

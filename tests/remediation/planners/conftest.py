"""Sandbox scenarios analysed the way a notebook does it, pulled once per test session.

The analyzers' fixture (tests/analyzers/conftest.py) caches bare frames; planners need the report
too, and `Cluster.analyze` reads the failing containers' log tails the way the session does (which
decides some root causes, e.g. the incident's), so this pull keeps both: the report from
``cluster.analyze()`` and the frames from ``cluster.frames()`` — what a notebook passes to
``proposals(report, frames)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

import workbench
from tests.analyzers.conftest import ADVANCE_SECONDS
from workbench import sandbox
from workbench.analyzers import AnalysisReport
from workbench.frames import Frames

Analysed = tuple[AnalysisReport, Frames]


@functools.cache
def analysed(name: str) -> Analysed:
    """Scenario ``name`` after `ADVANCE_SECONDS`: its analysis report and its frames."""
    with sandbox.start(scenario=name, manual_clock=True) as sb:
        sb.advance(ADVANCE_SECONDS)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            return cluster.analyze(), cluster.frames()


@pytest.fixture(scope="session")
def scenario() -> Callable[[str], Analysed]:
    """``scenario(name)``: (report, frames) of a scenario, pulled at most once a session."""
    return analysed

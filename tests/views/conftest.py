"""Scenario frames (pulled once per session through the analyzer tests' cache), their reports, and a
synthetic large cluster, shared by every figure's tests."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import workbench
from tests.analyzers.conftest import pull_scenario
from workbench import sandbox
from workbench.analyzers import AnalysisReport, analyze
from workbench.frames import Frames

LARGE_PODS = 20_000
"""The synthetic cluster's size: above `theme.AGGREGATE_THRESHOLD` leaves and WebGL thresholds,
like the 150k-pod cluster bench/figures.py measures, but pulled in seconds."""


@functools.cache
def analysed(name: str) -> tuple[Frames, AnalysisReport]:
    """Scenario ``name``'s frames (shared with the analyzer tests) and their analysis."""
    frames = pull_scenario(name)
    return frames, analyze(frames)


@functools.cache
def large() -> tuple[Frames, AnalysisReport]:
    """A synthetic cluster of `LARGE_PODS` pods (about 200 nodes, 2,500 Deployments) and its analysis."""
    with (
        sandbox.start(synthetic=f"pods={LARGE_PODS}", manual_clock=True) as sb,
        workbench.connect(kubeconfig=sb.kubeconfig) as cluster,
    ):
        frames = cluster.frames()
    return frames, analyze(frames)


@pytest.fixture(scope="session")
def incident() -> tuple[Frames, AnalysisReport]:
    return analysed("incident")


@pytest.fixture(scope="session")
def big() -> tuple[Frames, AnalysisReport]:
    return large()


def values(trace_field: Any) -> list[Any]:
    """A trace's array as a plain list (plotly keeps numpy arrays as given)."""
    if trace_field is None:
        return []
    return [v.item() if isinstance(v, np.generic) else v for v in list(trace_field)]


def annotation_texts(fig: Any, name: str | None = None) -> list[str]:
    """The texts of the figure's annotations (only those called ``name`` when given)."""
    return [a.text for a in fig.layout.annotations if name is None or a.name == name]

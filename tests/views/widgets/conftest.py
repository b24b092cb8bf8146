"""A live crash-looping sandbox for the explorer and board (logs need a running cluster), and the
scenario frames cached for every view test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import workbench
from workbench import sandbox
from workbench.analyzers import AnalysisReport
from workbench.frames import Frames
from workbench.session import Cluster


@dataclass(frozen=True)
class Live:
    """A running scenario: its sandbox, a cluster connected to it, its frames and their analysis."""

    sandbox: sandbox.Sandbox
    cluster: Cluster
    frames: Frames
    report: AnalysisReport


@pytest.fixture(scope="module")
def crashloop() -> Iterator[Live]:
    """The crashloop scenario ten minutes in: billing/invoice-api's two pods crash-loop because
    DATABASE_URL is not set (their logs say so, also in the previous run's)."""
    with (
        sandbox.start(scenario="crashloop", manual_clock=True) as sb,
        workbench.connect(kubeconfig=sb.kubeconfig) as cluster,
    ):
        sb.advance(600)
        frames = cluster.frames()
        yield Live(sb, cluster, frames, cluster.analyze())

"""Frames of sandbox scenarios, pulled once per test session (shared with the network tests)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.analyzers.network.conftest import pull_scenario
from workbench.frames import Frames


@pytest.fixture(scope="session")
def scenario() -> Callable[[str], Frames]:
    """``scenario(name)``: the scenario's frames after its run, pulled at most once a session."""
    return pull_scenario

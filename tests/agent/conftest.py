"""The crashloop sandbox ten minutes in, a read-only view of it, and helpers to run chats."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench import sandbox as sandbox_pkg
from workbench.agent import ClusterView
from workbench.sources import LiveSource, connect_live

CRASHING_POD_PREFIX = "invoice-api-79d868d77-"


@pytest.fixture(scope="module")
def crashloop() -> Iterator[sandbox_pkg.Sandbox]:
    """The crashloop scenario (billing/invoice-api lacks DATABASE_URL), ten minutes in, on a manual clock."""
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(600)
        yield sb


@pytest.fixture
def source(crashloop: sandbox_pkg.Sandbox) -> Iterator[LiveSource]:
    with connect_live(kubeconfig=crashloop.kubeconfig) as src:
        yield src


@pytest.fixture
def view(source: LiveSource) -> ClusterView:
    """A fresh view (its own frames and analysis) of the module's sandbox."""
    return ClusterView(source)


def crashing_pod(view: ClusterView) -> str:
    """The name of one crash-looping invoice-api pod."""
    pods = view.frames().pods
    return str(sorted(pods[pods["name"].str.startswith(CRASHING_POD_PREFIX)]["name"])[0])

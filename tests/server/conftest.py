"""A Jupyter server with the extension loaded (pytest-jupyter's fixtures), against a sandbox.

pytest-jupyter registers no plugin entry point, and ``pytest_plugins`` may only be set in the root
conftest, so its fixtures and its coroutine-test hooks are imported here, for these tests only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F403 - the fixtures (jp_fetch, jp_ws_fetch...) and hooks

from workbench import sandbox as sandbox_pkg
from workbench.server._services import Services, services_of

Fetch = Callable[..., Awaitable[Any]]


@pytest.fixture(scope="module")
def crashloop() -> Iterator[sandbox_pkg.Sandbox]:
    """billing/invoice-api crash-loops for want of DATABASE_URL, ten minutes in, on a manual clock."""
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(600)
        yield sb


@pytest.fixture
def kubeconfig(crashloop: sandbox_pkg.Sandbox) -> Path:
    """The kubeconfig the server is configured with (tests may override this fixture)."""
    return Path(crashloop.kubeconfig)


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"


@pytest.fixture
def jp_server_config(kubeconfig: Path, audit_log: Path) -> dict[str, Any]:
    """The extension enabled and pointed at the sandbox (and at a temporary audit log)."""
    return {
        "ServerApp": {"jpserver_extensions": {"workbench.server": True}},
        "KubeWorkbench": {"kubeconfig": str(kubeconfig), "audit_log": str(audit_log)},
    }


@pytest.fixture
def services(jp_serverapp: Any) -> Services:
    """The extension's services in the running server."""
    return services_of(jp_serverapp.web_app.settings)


def body(response: Any) -> Any:
    """A response's JSON body."""
    return json.loads(response.body.decode())

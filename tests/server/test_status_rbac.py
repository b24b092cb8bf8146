"""What the credentials may not do shows in the status (a read-only user of one namespace)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_kubectl
from tests.server.conftest import Fetch, body
from workbench import sandbox as sandbox_pkg


@pytest.fixture(scope="module")
def viewer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A kubeconfig for user ``intern``, bound to the ``view`` ClusterRole in namespace billing only."""
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(600)
        path = sb.kubeconfig_for("intern")
        kubectl = make_kubectl(sb, tmp_path_factory.mktemp("kube-cache"))
        kubectl(
            "create", "rolebinding", "intern-view", "--clusterrole=view", "--user=intern", "-n", "billing"
        )
        yield path


@pytest.fixture
def kubeconfig(viewer: Path) -> Path:
    return viewer


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    workbench = {**jp_server_config["KubeWorkbench"], "namespaces": ["billing"]}
    return {**jp_server_config, "KubeWorkbench": workbench}


async def test_a_read_only_user_sees_what_it_cannot_do(jp_fetch: Fetch) -> None:
    answer = body(await jp_fetch("api", "workbench", "status"))
    assert answer["connection"]["state"] == "ok"
    allowed = {(a["verb"], a["resource"], a["namespace"]): a["allowed"] for a in answer["access"]}
    assert allowed[("list", "pods", "billing")] is True
    assert allowed[("get", "pods/log", "billing")] is True
    assert allowed[("patch", "deployments.apps", "billing")] is False
    assert allowed[("delete", "pods", "billing")] is False
    assert allowed[("patch", "nodes", "")] is False
    denied = [a for a in answer["access"] if not a["allowed"]]
    assert all(a["purpose"] for a in denied)  # the panel says what the user cannot do, in words
    # Reading billing is enough for the analysis of billing.
    assert answer["health"]["counts"]["error"] == 2

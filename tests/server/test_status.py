"""Status: contexts, connection, the health summary from the cached analysis, RBAC answers, the agent;
an unreachable cluster or a missing kubeconfig is a state with its fix, not a 500."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Fetch, body


async def status(jp_fetch: Fetch, **params: str) -> Any:
    return body(await jp_fetch("api", "workbench", "status", params=params))


async def test_the_status_of_a_crash_looping_cluster(jp_fetch: Fetch) -> None:
    answer = await status(jp_fetch)
    assert answer["contexts"] == ["workbench-sandbox"]
    assert answer["current"] == "workbench-sandbox"
    assert answer["connection"]["state"] == "ok"
    assert answer["connection"]["version"].startswith("v1.")
    health = answer["health"]
    assert health["counts"] == {"critical": 2, "error": 2, "warning": 0, "info": 0}
    assert health["worst"] == "critical"
    assert health["findings"] == 4
    assert {root["code"] for root in health["roots"]} == {"pod.crashloop"}
    assert all(root["ref"].startswith("Pod billing/invoice-api-") for root in health["roots"])
    assert any("DATABASE_URL" in e["value"] for e in health["roots"][0]["evidence"])
    assert answer["agent"] == {"state": "offline", "model": "offline", "problem": ""}


async def test_the_status_says_what_the_credentials_may_do(jp_fetch: Fetch) -> None:
    access = (await status(jp_fetch))["access"]
    asked = {(a["verb"], a["resource"]) for a in access}
    assert {("list", "pods"), ("get", "pods/log"), ("patch", "deployments.apps"), ("patch", "nodes")} <= asked
    assert all(a["allowed"] for a in access)  # the sandbox's kubeconfig is an admin's
    assert all(a["purpose"] for a in access)


async def test_the_analysis_is_cached_until_a_refresh(jp_fetch: Fetch) -> None:
    first = (await status(jp_fetch))["health"]["captured_at"]
    assert (await status(jp_fetch))["health"]["captured_at"] == first
    assert (await status(jp_fetch, refresh="1"))["health"]["captured_at"] > first


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestUnreachable:
    @pytest.fixture
    def kubeconfig(self, tmp_path: Path) -> Path:
        path = tmp_path / "gone.kubeconfig"
        path.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: gone, cluster: {{server: 'http://127.0.0.1:{closed_port()}'}}}}]\n"
            "users: [{name: me, user: {token: not-a-secret}}]\n"
            "contexts: [{name: gone, context: {cluster: gone, user: me}}, "
            "{name: other, context: {cluster: gone, user: me}}]\n"
            "current-context: gone\n"
        )
        return path

    async def test_an_unreachable_cluster_is_a_state_with_its_fix(self, jp_fetch: Fetch) -> None:
        answer = await status(jp_fetch)
        assert answer["contexts"] == ["gone", "other"]
        assert answer["current"] == "gone"
        assert answer["connection"]["state"] == "unreachable"
        assert "cannot reach the API server" in answer["connection"]["message"]
        assert "kubectl --context gone get --raw /version" in answer["connection"]["message"]
        assert answer["health"] is None
        assert answer["access"] == []
        assert answer["agent"]["state"] == "offline"  # the agent's state does not depend on the cluster


class TestNoKubeconfig:
    @pytest.fixture
    def kubeconfig(self, tmp_path: Path) -> Path:
        return tmp_path / "missing.kubeconfig"

    async def test_a_missing_kubeconfig_is_a_state_with_its_fix(self, jp_fetch: Fetch) -> None:
        answer = await status(jp_fetch)
        assert answer["contexts"] == []
        assert "missing.kubeconfig" in answer["contexts_problem"]
        assert "KUBECONFIG" in answer["contexts_problem"]
        assert answer["connection"]["state"] == "no_kubeconfig"
        assert "does not exist" in answer["connection"]["message"]
        assert answer["health"] is None


class TestMisconfiguredModel:
    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any]) -> dict[str, Any]:
        return {**jp_server_config, "KubeWorkbench": {**jp_server_config["KubeWorkbench"], "model": "nope:x"}}

    async def test_a_model_that_cannot_be_used_is_reported_not_fatal(self, jp_fetch: Fetch) -> None:
        answer = await status(jp_fetch)
        assert answer["agent"]["state"] == "misconfigured"
        assert "nope" in answer["agent"]["problem"]
        assert answer["connection"]["state"] == "ok"

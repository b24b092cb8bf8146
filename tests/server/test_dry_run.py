"""POST plans/dry-run: a server-side dry run of a plan against the sandbox — the diff, RBAC answers and
blast radius come back, nothing in the cluster changes, the dry run is audited; bad plans get a 400."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from tests.server.conftest import Fetch, body
from tests.server.test_status import closed_port
from workbench import sandbox as sandbox_pkg
from workbench.model import Plan

PLAN: dict[str, Any] = {
    "title": "Give deployment billing/invoice-api the DATABASE_URL its log says is missing",
    "steps": [
        {
            "action": "set-env",
            "target": {
                "kind": "Deployment",
                "namespace": "billing",
                "name": "invoice-api",
                "api_version": "apps/v1",
            },
            "params": {
                "container": "invoice-api",
                "env": [
                    {
                        "name": "DATABASE_URL",
                        "valueFrom": {"secretKeyRef": {"key": "DATABASE_URL", "name": "invoice-api-db"}},
                    }
                ],
            },
            "title": "Set DATABASE_URL in container invoice-api from Secret billing/invoice-api-db",
            "reason": "pod.crashloop:Pod/billing/invoice-api",
        }
    ],
    "findings": [],
    "notes": [],
    "inputs": [],
}


async def dry_run(jp_fetch: Fetch, payload: Any) -> Any:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return body(await jp_fetch("api", "workbench", "plans", "dry-run", method="POST", body=text))


async def refused(jp_fetch: Fetch, payload: Any, code: int = 400) -> str:
    with pytest.raises(HTTPClientError) as caught:
        await dry_run(jp_fetch, payload)
    assert caught.value.code == code
    answer = body(caught.value.response)
    assert answer["type"] == "error"
    return str(answer["message"])


async def test_a_dry_run_shows_the_diff_and_changes_nothing(
    jp_fetch: Fetch, crashloop: sandbox_pkg.Sandbox, audit_log: Path
) -> None:
    version = crashloop.api.store.resource_version
    answer = await dry_run(jp_fetch, {"plan": PLAN})
    assert crashloop.api.store.resource_version == version  # the store did not change
    assert answer["type"] == "dry_run"
    assert answer["ok"] is True
    assert answer["problems"] == []
    assert answer["context"] == "workbench-sandbox"
    assert answer["digest"] == Plan.from_dict(PLAN).digest
    (step,) = answer["steps"]
    assert step["target"] == "Deployment billing/invoice-api"
    assert step["action"] == "set-env"
    assert "+" in step["diff"]
    assert "DATABASE_URL" in step["diff"]
    assert [c["path"] for c in step["changes"]] == [
        "spec.template.spec.containers[invoice-api].env[DATABASE_URL]"
    ]
    assert all(check["allowed"] for check in step["access"])
    assert step["restarts"]  # a pod template change rolls the deployment's pods
    assert set(answer["blast_radius"]) == set(step["restarts"])
    assert all(ref.startswith("Pod billing/invoice-api-") for ref in answer["blast_radius"])
    (record,) = [json.loads(line) for line in audit_log.read_text().splitlines()]
    assert record["event"] == "dry-run"
    assert record["digest"] == answer["digest"]


async def test_a_plan_for_an_object_that_does_not_exist_is_not_ok(jp_fetch: Fetch) -> None:
    plan = copy.deepcopy(PLAN)
    plan["steps"][0]["target"]["name"] = "no-such-api"
    answer = await dry_run(jp_fetch, {"plan": plan})
    assert answer["ok"] is False
    assert answer["problems"]
    assert "no-such-api" in " ".join(answer["problems"])


def with_step(**changes: Any) -> dict[str, Any]:
    plan = copy.deepcopy(PLAN)
    plan["steps"][0].update(changes)
    return {"plan": plan}


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ("{not json", "DryRunRequest"),
        ({}, "plan: Field required"),
        ({"plan": {**PLAN, "steps": []}}, "plan.steps"),
        (with_step(action="exec"), "plan.steps.0.action"),
        (with_step(action="scale", params={}), "missing parameter(s) replicas"),
        (
            with_step(target={"kind": "Secret", "namespace": "billing", "name": "x", "api_version": "v1"}),
            "Secret",
        ),
        ({"plan": PLAN, "apply": True}, "apply"),
        ({"plan": {k: v for k, v in PLAN.items() if k != "inputs"}}, "plan.inputs: Field required"),
        (
            {"plan": {**PLAN, "inputs": [{"name": "url", "prompt": "the URL", "suggestion": ""}]}},
            "no step uses input(s) url",
        ),
    ],
)
async def test_a_bad_plan_is_refused_naming_the_problem(jp_fetch: Fetch, payload: Any, named: str) -> None:
    assert named in await refused(jp_fetch, payload)


async def test_a_plan_that_needs_a_value_is_not_dry_run_and_says_how_to_give_it(jp_fetch: Fetch) -> None:
    payload = with_step(
        params={"container": "invoice-api", "env": [{"name": "DATABASE_URL", "value": "${url}"}]}
    )
    payload["plan"]["inputs"] = [{"name": "url", "prompt": "the database URL", "suggestion": ""}]
    message = await refused(jp_fetch, payload, 409)
    assert (
        'needs values before it can run: url: the database URL. Give them with plan = plan.fill(url="...")'
        in message
    )


class TestUnwritableAuditLog:
    @pytest.fixture
    def audit_log(self, tmp_path: Path) -> Path:
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        return blocker / "audit.jsonl"

    async def test_a_dry_run_that_cannot_be_audited_says_so(self, jp_fetch: Fetch) -> None:
        message = await refused(jp_fetch, {"plan": PLAN}, code=503)
        assert "audit log" in message
        assert "WORKBENCH_AUDIT_LOG" in message


class TestUnreachable:
    @pytest.fixture
    def kubeconfig(self, tmp_path: Path) -> Path:
        path = tmp_path / "gone.kubeconfig"
        path.write_text(
            "apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: gone, cluster: {{server: 'http://127.0.0.1:{closed_port()}'}}}}]\n"
            "users: [{name: me, user: {}}]\n"
            "contexts: [{name: gone, context: {cluster: gone, user: me}}]\ncurrent-context: gone\n"
        )
        return path

    async def test_a_dry_run_against_an_unreachable_cluster_is_a_503_with_the_fix(
        self, jp_fetch: Fetch
    ) -> None:
        message = await refused(jp_fetch, {"plan": PLAN}, code=503)
        assert "cannot reach the API server" in message

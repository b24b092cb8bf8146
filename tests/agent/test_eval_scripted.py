"""`workbench eval` with a scripted model over HTTP: the real langchain-openai client, the real tools,
and the plan the model proposes applied inside the sandbox — which heals it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agent.openai_server import OpenAIServer, Reply
from workbench.cli import main

ROOT = "service.no-endpoints:Service/orders/orders-api"


def test_eval_with_a_scripted_model_names_the_cause_and_heals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = [
        Reply(calls=[("run_analysis", {"namespace": "orders"})]),
        Reply(calls=[("propose_plan", {"finding_id": ROOT})]),
        Reply(text=f"The root cause is {ROOT}: the Service selects app=order-api. Review the plan."),
    ]
    out = tmp_path / "scores.json"
    with OpenAIServer(script) as server:
        code = main(
            ["eval", "--scenario", "service-selector", "--model", f"openai-compatible:scripted@{server.url}",
             "--json", str(out)]
        )  # fmt: skip
        bodies = server.bodies
    assert code == 0
    (score,) = json.loads(out.read_text())["scenarios"]
    assert score["scenario"] == "service-selector"
    assert score["root_cause"] is True
    assert score["proposal"] == "plan"
    assert score["healed"] is True
    assert score["steps"] == 2
    assert score["tokens"] > 0  # the scripted server reports usage; the meter counts it
    # The model saw the analysis through the tool, as untrusted data, before it proposed.
    tool_messages = [m for m in bodies[1]["messages"] if m.get("role") == "tool"]
    assert any(ROOT in str(m.get("content")) for m in tool_messages)
    assert "service-selector" in capsys.readouterr().out

"""The real langchain-openai client over HTTP against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from tests.agent.conftest import crashing_pod
from tests.agent.openai_server import OpenAIServer, Reply
from workbench.agent import (
    ALLOWED,
    Chat,
    ClusterView,
    Failed,
    Final,
    Proposed,
    Token,
    ToolCall,
    ToolResult,
    Usage,
)
from workbench.model import Plan

KEY = "sk-proj-LoopbackKey123Abc456Def789Ghi0"


def chat_for(view: ClusterView, server: OpenAIServer, **kwargs: Any) -> Chat:
    return Chat(view, model=f"openai-compatible:test-model@{server.url}", **kwargs)


def test_a_streamed_turn_with_tool_calls_over_http(view: ClusterView) -> None:
    pod = crashing_pod(view)
    root = f"pod.crashloop:Pod/billing/{pod}"
    script = [
        Reply(
            "Checking the analysis.",
            [("run_analysis", {}), ("logs", {"namespace": "billing", "pod": pod, "previous": True})],
        ),
        Reply("", [("propose_plan", {"finding_id": root})], usage=(1200, 30)),
        Reply("invoice-api in billing crashes: DATABASE_URL is not set.", usage=(1500, 60)),
    ]
    with OpenAIServer(script) as server:
        chat = chat_for(view, server)
        events = list(chat.stream("what's wrong in billing?"))
    tokens = "".join(e.text for e in events if isinstance(e, Token))
    assert tokens.startswith("Checking the analysis.")
    assert "DATABASE_URL is not set." in tokens
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.name, dict(c.args)) for c in calls] == [
        ("run_analysis", {}),
        ("logs", {"namespace": "billing", "pod": pod, "previous": True}),  # arguments arrived in pieces
        ("propose_plan", {"finding_id": root}),
    ]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert not any(r.error for r in results)
    assert "DATABASE_URL is not set" in results[1].content
    assert any(isinstance(e, Proposed) and isinstance(e.proposal, Plan) for e in events)
    final = next(e for e in events if isinstance(e, Final))
    assert final.text == "invoice-api in billing crashes: DATABASE_URL is not set."
    usage = events[-1]
    assert isinstance(usage, Usage)
    assert (usage.input_tokens, usage.output_tokens) == (700 + 1200 + 1500, 50 + 30 + 60)
    bodies = server.bodies
    assert len(bodies) == 3
    assert all(b["stream"] is True and b["model"] == "test-model" for b in bodies)
    assert all(b["stream_options"] == {"include_usage": True} for b in bodies)
    assert sorted(t["function"]["name"] for t in bodies[0]["tools"]) == sorted(ALLOWED)
    # The tool results went back as tool messages tied to the calls, wrapped as untrusted data.
    tool_messages = [m for m in bodies[1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["call_0_run_analysis", "call_1_logs"]
    assert all(m["content"].startswith("<<<cluster-data ") for m in tool_messages)


def test_a_non_streaming_model_is_driven_by_the_same_loop(view: ClusterView) -> None:
    script = [
        Reply("", [("list_resources", {"kind": "pods", "status": "failing"})]),
        Reply("Two pods crash."),
    ]
    with OpenAIServer(script) as server:
        model = ChatOpenAI(
            model="test-model",
            base_url=server.url,
            api_key=SecretStr(KEY),
            max_retries=0,
            disable_streaming=True,
        )
        answer = Chat(view, model=model).ask("which pods fail?")
    assert all("stream" not in b or b["stream"] is False for b in server.bodies)
    assert answer.text == "Two pods crash."
    assert answer.failed is None
    result = next(e for e in answer.events if isinstance(e, ToolResult))
    assert result.content.startswith("2 pods (status=failing)")
    assert answer.usage is not None
    assert answer.usage.input_tokens == 1400


def test_preview_is_exactly_what_the_first_request_sends(view: ClusterView) -> None:
    with OpenAIServer([Reply("fine")]) as server:
        chat = chat_for(view, server, anonymize=True)
        preview = chat.preview("why is billing broken? token=abcd1234efgh5678")
        chat.ask("why is billing broken? token=abcd1234efgh5678")
    sent = [{"role": m["role"], "content": m["content"]} for m in server.bodies[0]["messages"]]
    assert preview.to_dicts() == sent
    assert "abcd1234efgh5678" not in json.dumps(sent)
    assert "billing" not in json.dumps(sent)
    assert "billing" not in str(preview)
    assert preview.model.startswith("openai-compatible:test-model@")


def test_an_http_500_is_a_failed_event_with_the_fix(view: ClusterView) -> None:
    with OpenAIServer([Reply(status=500, text="upstream exploded")] * 3) as server:
        events = list(chat_for(view, server).stream("what's wrong?"))
    failed = [e for e in events if isinstance(e, Failed)]
    assert len(failed) == 1
    assert "HTTP 500" in failed[0].message
    assert "try again later" in failed[0].message
    assert isinstance(events[-1], Usage)
    assert not any(isinstance(e, Final) for e in events)
    assert len(server.bodies) == 3  # the client's two retries, then the turn fails


def test_a_malformed_body_is_a_failed_event_naming_the_endpoint(view: ClusterView) -> None:
    with OpenAIServer([Reply(garbage=True)] * 3) as server:
        answer = chat_for(view, server).ask("what's wrong?")
    assert answer.failed is not None
    assert answer.text == ""
    assert "not a valid chat response" in answer.failed
    assert "OpenAI-compatible /v1 API" in answer.failed
    assert str(answer).startswith("failed: ")


def test_a_rejected_key_is_reported_without_the_key(
    view: ClusterView, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_MODEL_API_KEY", KEY)
    with OpenAIServer([Reply(status=401, text=f"Incorrect API key provided: {KEY}")]) as server:
        chat = chat_for(view, server)
        answer = chat.ask("what's wrong?")
    assert answer.failed is not None
    assert "refused the credentials (HTTP 401)" in answer.failed
    assert "WORKBENCH_MODEL_API_KEY" in answer.failed
    everything = (
        repr(chat)
        + repr(answer)
        + json.dumps([e.__dict__ if hasattr(e, "__dict__") else str(e) for e in answer.events])
    )
    assert KEY not in everything
    assert KEY not in json.dumps(server.bodies)


def test_a_tool_call_with_broken_arguments_runs_nothing_and_says_so(view: ClusterView) -> None:
    broken = Reply("", [("logs", '{"namespace": "billing", "pod": ')])
    with OpenAIServer([broken, Reply("streamed"), broken]) as server:
        streamed = chat_for(view, server)
        first = streamed.ask("what's wrong?")
        model = ChatOpenAI(
            model="m", base_url=server.url, api_key=SecretStr(KEY), max_retries=0, disable_streaming=True
        )
        second = Chat(view, model=model).ask("what's wrong?")
    # Streamed, the client salvages what parses ({"namespace": "billing"}): the tool box refuses it.
    result = next(e for e in first.events if isinstance(e, ToolResult))
    assert result.error
    assert "pod: Field required" in result.content
    assert streamed._engine is not None
    assert streamed._engine.toolbox.ran == []
    # Whole, it is an invalid tool call: nothing runs, and the user is told.
    assert not any(isinstance(e, ToolResult | ToolCall) for e in second.events)
    assert any("(logs) whose arguments are not valid JSON; it was not run" in n for n in second.notices)
    assert second.text.startswith("(no final answer")
    assert len(server.bodies) == 3


def test_a_model_slower_than_the_timeout_is_a_failed_event(view: ClusterView) -> None:
    with OpenAIServer([Reply("late", delay=2.0)]) as server:
        model = ChatOpenAI(model="m", base_url=server.url, api_key=SecretStr(KEY), max_retries=0, timeout=0.2)
        answer = Chat(view, model=model).ask("what's wrong?")
    assert answer.failed is not None
    assert "did not answer within" in answer.failed
    assert "pick a faster model" in answer.failed


def test_an_endpoint_that_is_not_there_is_a_failed_event(view: ClusterView) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound and never listening: connections are refused
        model = ChatOpenAI(
            model="m", base_url=f"http://127.0.0.1:{port}/v1", api_key=SecretStr(KEY), max_retries=0
        )
        answer = Chat(view, model=model).ask("what's wrong?")
    assert answer.failed is not None
    assert answer.failed.startswith("cannot reach ")
    assert "is the server running" in answer.failed

"""One streamed agent loop driven by a scripted model over the crashloop sandbox."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from tests.agent.conftest import crashing_pod
from tests.agent.scripted import ScriptedChatModel, say
from workbench.agent import (
    Chat,
    ChatEvent,
    ClusterView,
    Failed,
    Final,
    Notice,
    Proposed,
    Token,
    ToolCall,
    ToolResult,
    Usage,
)
from workbench.agent._bounds import MAX_CHARS
from workbench.agent._tools import ToolBox
from workbench.errors import ConfigError
from workbench.model import Plan

ANSWER = "Pod billing/invoice-api crash-loops: DATABASE_URL is not set. I proposed a plan."


def kinds(events: Sequence[ChatEvent]) -> list[str]:
    """Event types with runs of tokens folded into one."""
    out: list[str] = []
    for event in events:
        if not (event.type == "token" and out and out[-1] == "token"):
            out.append(event.type)
    return out


def root_id(view: ClusterView) -> str:
    return f"pod.crashloop:Pod/billing/{crashing_pod(view)}"


def typical_script(view: ClusterView) -> list[Any]:
    return [
        say("Let me check.", ("run_analysis", {})),
        say("", ("logs", {"namespace": "billing", "pod": crashing_pod(view), "previous": True})),
        say("", ("propose_plan", {"finding_id": root_id(view)})),
        say(ANSWER),
    ]


def test_a_typical_turn_streams_calls_results_a_proposal_the_answer_and_usage(view: ClusterView) -> None:
    model = ScriptedChatModel(typical_script(view))
    chat = Chat(view, model=model)
    events = list(chat.stream("what's wrong in billing?"))
    assert kinds(events) == [
        "token", "tool_call", "tool_result", "tool_call", "tool_result", "tool_call", "tool_result",
        "proposed", "token", "final", "usage",
    ]  # fmt: skip
    calls = [e for e in events if isinstance(e, ToolCall)]
    results = [e for e in events if isinstance(e, ToolResult)]
    assert [c.name for c in calls] == [r.name for r in results] == ["run_analysis", "logs", "propose_plan"]
    assert [c.call_id for c in calls] == [r.call_id for r in results]
    assert "DATABASE_URL is not set" in results[1].content
    assert not any(r.error for r in results)
    proposed = [e for e in events if isinstance(e, Proposed)]
    assert isinstance(proposed[0].proposal, Plan)
    assert root_id(view) in proposed[0].proposal.findings
    assert "".join(e.text for e in events if isinstance(e, Token)).endswith(ANSWER)
    final = next(e for e in events if isinstance(e, Final))
    assert final.text == ANSWER
    usage = events[-1]
    assert isinstance(usage, Usage)
    assert (usage.input_tokens, usage.output_tokens) == (4 * 500, 4 * 40)
    assert usage.cost_usd is None
    assert usage.model == "scriptedchatmodel:scripted-model"


def test_every_tool_result_reaches_the_model_bounded_and_wrapped_as_untrusted(view: ClusterView) -> None:
    model = ScriptedChatModel(typical_script(view))
    chat = Chat(view, model=model)
    chat.ask("what's wrong in billing?")
    nonce = chat._engine.toolbox.nonce  # type: ignore[union-attr]
    tool_messages = [m for m in model.requests[-1] if isinstance(m, ToolMessage)]
    assert len(tool_messages) == 3
    for message in tool_messages:
        text = str(message.content)
        assert text.startswith(f"<<<cluster-data {nonce} tool=")
        assert text.endswith(f"<<<end cluster-data {nonce}>>>")
        assert len(text) <= MAX_CHARS + 300
    assert f"<<<cluster-data {nonce} tool=NAME>>>" in model.requests[0][0].text  # the system prompt says so


def test_ask_drains_the_same_stream(view: ClusterView) -> None:
    streamed = kinds(list(Chat(view, model=ScriptedChatModel(typical_script(view))).stream("what's wrong?")))
    answer = Chat(view, model=ScriptedChatModel(typical_script(view))).ask("what's wrong?")
    assert kinds(answer.events) == streamed
    assert answer.text == ANSWER
    assert answer.failed is None
    assert len(answer.proposals) == 1
    assert isinstance(answer.proposals[0], Plan)
    assert answer.usage is not None
    assert answer.usage.input_tokens == 2000
    assert str(answer) == ANSWER


def test_the_step_limit_takes_the_tools_away_for_a_last_answer(view: ClusterView) -> None:
    model = ScriptedChatModel(
        [
            say("", ("run_analysis", {}), ("list_resources", {"kind": "pods"}), ("top", {})),
            say("Crash loop in billing (stopped early)."),
        ]
    )
    answer = Chat(view, model=model, max_steps=2).ask("what's wrong?")
    results = [e for e in answer.events if isinstance(e, ToolResult)]
    assert [r.error for r in results] == [False, False, True]
    assert "step limit reached (2 tool calls" in results[2].content
    assert model.offered[0]
    assert model.offered[1] == []
    assert any("step limit reached: 2 tool calls" in n for n in answer.notices)
    assert answer.text == "Crash loop in billing (stopped early)."


def test_a_model_that_keeps_calling_tools_after_the_limit_is_stopped(view: ClusterView) -> None:
    model = ScriptedChatModel(
        [say("", ("run_analysis", {})), say("still looking", ("top", {})), say("never asked")]
    )
    answer = Chat(view, model=model, max_steps=1).ask("what's wrong?")
    assert len(model.requests) == 2
    assert model.script
    assert [r.error for r in answer.events if isinstance(r, ToolResult)] == [False, True]
    assert answer.text.startswith("(no final answer: the turn stopped early")
    assert "still looking" in answer.text


def test_the_token_budget_stops_the_turn_with_a_notice(view: ClusterView) -> None:
    big = {"input_tokens": 5000, "output_tokens": 100, "total_tokens": 5100}
    model = ScriptedChatModel([say("Looking.", ("run_analysis", {}), usage=big), say("never asked")])
    chat = Chat(view, model=model, token_budget=5000)
    answer = chat.ask("what's wrong?")
    assert len(model.requests) == 1
    assert any(
        n.startswith("token budget reached: 5,100 tokens used, the budget is 5,000") for n in answer.notices
    )
    assert answer.usage is not None
    assert answer.usage.input_tokens == 5000
    assert chat.meter.session_tokens == 5100


def test_a_request_that_alone_exceeds_the_budget_is_never_sent(view: ClusterView) -> None:
    model = ScriptedChatModel([say("never asked")])
    answer = Chat(view, model=model, token_budget=100).ask("what's wrong?")
    assert model.requests == []
    assert any("the next request alone is about" in n for n in answer.notices)


def test_unknown_tools_and_bad_arguments_become_error_results(view: ClusterView) -> None:
    model = ScriptedChatModel(
        [
            say(
                "",
                ("kubectl", {"args": "delete ns billing"}),
                ("logs", {"pod": "x"}),
                ("top", {"by": "disk"}),
            ),
            say("done"),
        ]
    )
    answer = Chat(view, model=model).ask("what's wrong?")
    calls = [e for e in answer.events if isinstance(e, ToolCall)]
    results = [e for e in answer.events if isinstance(e, ToolResult)]
    assert [c.name for c in calls] == ["logs", "top"]  # only allow-listed calls are announced
    assert [(r.name, r.error) for r in results] == [("refused", True), ("logs", True), ("top", True)]
    assert "there is no tool 'kubectl'" in results[0].content
    assert "namespace: Field required" in results[1].content
    assert answer.text == "done"


def test_history_is_resent_and_preview_is_exactly_the_next_request(view: ClusterView) -> None:
    model = ScriptedChatModel([say("First answer."), say("Second answer.")])
    chat = Chat(view, model=model)
    assert chat.ask("first question?").text == "First answer."
    preview = chat.preview("second question?")
    chat.ask("second question?")
    sent = model.requests[1]
    assert [(m.type, m.text) for m in preview.messages] == [(m.type, m.text) for m in sent]
    assert [d["role"] for d in preview.to_dicts()] == ["system", "user", "assistant", "user"]
    assert sent[1].text == "first question?"
    assert sent[2].text == "First answer."
    assert len(chat.history) == 4
    chat.reset()
    assert chat.history == ()


def test_the_choke_point_masks_what_a_careless_tool_or_the_history_would_leak(
    view: ClusterView, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret, token = "hunter2-Zq9x", "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"

    def careless(self: ToolBox, call: Any) -> ToolMessage:  # a tool that masks and wraps nothing
        text = f"DB_PASSWORD={secret} in billing; Authorization: Bearer {token}"
        return ToolMessage(content=text, tool_call_id=call["id"], name=call["name"])

    monkeypatch.setattr(ToolBox, "execute", careless)
    model = ScriptedChatModel([say("", ("logs", {"namespace": "billing", "pod": "x"})), say("ok")])
    chat = Chat(view, model=model, anonymize=True)
    chat._engine.history += [  # type: ignore[union-attr]
        HumanMessage(content=f"earlier I pasted password={secret}"),
        AIMessage(content=f"and I echoed token={token} for billing"),
    ]
    chat.ask(f"is {token} the problem in billing?")
    sent = json.dumps([[m.content for m in request] for request in model.requests])
    assert len(model.requests) == 2
    assert secret not in sent
    assert token not in sent
    assert "billing" not in sent


def test_a_model_failure_is_a_failed_event_not_an_exception(view: ClusterView) -> None:
    def garbage(messages: list[BaseMessage]) -> AIMessage:
        raise ValueError("Expecting value: line 1 column 1 (char 0)")

    chat = Chat(view, model=ScriptedChatModel([garbage]))
    events = list(chat.stream("what's wrong?"))
    assert kinds(events) == ["failed", "usage"]
    failed = events[0]
    assert isinstance(failed, Failed)
    assert "not a valid chat response (ValueError: Expecting value" in failed.message
    assert "OpenAI-compatible /v1 API" in failed.message
    assert chat.history == ()


def test_anonymized_turns_send_pseudonyms_and_show_real_names(view: ClusterView) -> None:
    model = ScriptedChatModel([])
    chat = Chat(view, model=model, anonymize=True)
    chat.system_prompt()  # learns the names, so the script can use their pseudonyms
    anon = chat.redactor.anonymizer
    assert anon is not None
    ns, pod = anon.namespace("billing"), anon.name(crashing_pod(view), "app")
    model.script += [
        say("", ("logs", {"namespace": ns, "pod": pod, "previous": True})),
        say(f"{pod} in {ns} lacks DATABASE_URL."),
    ]
    answer = chat.ask(f"why does {crashing_pod(view)} in billing crash?")
    sent = json.dumps([[m.text for m in request] for request in model.requests])
    for real in ("billing", crashing_pod(view), "invoice-api", "kind-worker"):
        assert real not in sent
    call = next(e for e in answer.events if isinstance(e, ToolCall))
    assert call.args == {"namespace": "billing", "pod": crashing_pod(view), "previous": True}
    result = next(e for e in answer.events if isinstance(e, ToolResult))
    assert "DATABASE_URL is not set" in result.content
    assert not result.error
    assert answer.text == f"{crashing_pod(view)} in billing lacks DATABASE_URL."
    tokens = "".join(e.text for e in answer.events if isinstance(e, Token))
    assert tokens == answer.text


def test_notices_report_masked_values(view: ClusterView) -> None:
    answer = Chat(view, model=ScriptedChatModel([say("ok")])).ask("is password=hunter2-Zq9 the problem?")
    assert any("1 secret-looking value(s) were masked" in n for n in answer.notices)
    assert [e.type for e in answer.events if isinstance(e, Notice | Final | Usage)] == [
        "notice",
        "final",
        "usage",
    ]


@pytest.mark.parametrize("bad", [0, -1, "8"])
def test_limits_below_one_are_refused(view: ClusterView, bad: Any) -> None:
    with pytest.raises(ConfigError, match="max_steps must be"):
        Chat(view, model=ScriptedChatModel([]), max_steps=bad)
    with pytest.raises(ConfigError, match="token_budget must be"):
        Chat(view, model=ScriptedChatModel([]), token_budget=bad)

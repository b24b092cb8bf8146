"""The `Chat` face: offline delegation, questions, reprs without keys, `Cluster.chat`."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

import workbench
from tests.agent.scripted import ScriptedChatModel, say
from workbench import sandbox as sandbox_pkg
from workbench.agent import Chat, ChatEvent, ClusterView, Final, Notice, to_dict
from workbench.errors import ConfigError
from workbench.sources import connect_live

KEY = "sk-proj-ChatReprKey123Abc456Def789Ghi"


def test_offline_questions_go_to_the_offline_assistant(
    view: ClusterView, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for workbench/agent/_offline.py (written apart): this tests the delegation only.
    seen: list[tuple[str, ClusterView]] = []

    def offline_turn(question: str, turn_view: ClusterView) -> Iterator[ChatEvent]:
        seen.append((question, turn_view))
        yield Notice("offline assistant")
        yield Final("billing/invoice-api lacks DATABASE_URL")

    fake = types.ModuleType("workbench.agent._offline")
    fake.offline_turn = offline_turn  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "workbench.agent._offline", fake)
    chat = Chat(view, model="offline")
    assert chat.offline
    assert chat.model.label == "offline"
    answer = chat.ask("  what's wrong in billing?  ")
    assert seen == [("what's wrong in billing?", view)]
    assert answer.text == "billing/invoice-api lacks DATABASE_URL"
    assert answer.notices == ("offline assistant",)
    assert answer.usage is None
    assert answer.failed is None
    preview = chat.preview("anything?")
    assert preview.messages == ()
    assert "nothing is sent" in str(preview)


def test_questions_must_be_words_of_a_sensible_length(view: ClusterView) -> None:
    chat = Chat(view, model=ScriptedChatModel([]))
    with pytest.raises(ConfigError, match="ask a question in words"):
        chat.ask("   ")
    with pytest.raises(ConfigError, match="keep it under 4000"):
        list(chat.stream("x" * 5000))
    with pytest.raises(ConfigError, match="ask a question in words"):
        chat.preview("")


def test_reprs_and_events_never_show_a_key(view: ClusterView, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    chat = Chat(view, model="openai:gpt-4o-mini")
    assert not chat.offline
    assert KEY not in repr(chat)
    assert KEY not in repr(chat.model)
    assert KEY not in repr(chat.meter)
    assert "openai:gpt-4o-mini" in repr(chat)
    assert KEY not in str(chat.preview(f"is my key {KEY} the problem?"))


def test_a_ready_made_models_key_is_masked_in_what_is_sent(view: ClusterView) -> None:
    model = ChatOpenAI(model="gpt-4o-mini", api_key=SecretStr(KEY), base_url="http://127.0.0.1:9/v1")
    chat = Chat(view, model=model)
    assert chat.model.provider == "openai-compatible"
    assert chat.model.name == "gpt-4o-mini"
    assert KEY not in str(chat.preview(f"the key is {KEY}"))


def test_a_cluster_that_cannot_be_read_fails_the_turn_before_anything_is_sent(
    crashloop: sandbox_pkg.Sandbox,
) -> None:
    with connect_live(kubeconfig=crashloop.kubeconfig) as source:
        pass  # closed: every read now fails
    model = ScriptedChatModel([say("never asked")])
    answer = Chat(ClusterView(source), model=model).ask("what's wrong?")
    assert answer.failed is not None
    assert answer.failed.startswith("the cluster could not be read")
    assert "closed" in answer.failed
    assert model.requests == []


def test_events_serialize_to_plain_json(view: ClusterView) -> None:
    answer = Chat(view, model=ScriptedChatModel([say("ok")])).ask("hello?")
    dicts = [to_dict(e) for e in answer.events]
    assert dicts[-2] == {"text": "ok", "type": "final"}
    assert dicts[-1]["type"] == "usage"
    assert dicts[-1]["input_tokens"] == 500


def test_cluster_chat_wires_a_chat_over_the_notebooks_frames(crashloop: sandbox_pkg.Sandbox) -> None:
    with workbench.connect(kubeconfig=crashloop.kubeconfig) as cluster:
        frames = cluster.frames()
        offline = cluster.chat(model="offline")
        assert offline.offline
        assert offline.view.frames() is frames
        chat = cluster.chat(model="openai-compatible:qwen@http://127.0.0.1:9/v1", anonymize=True)
        assert not chat.offline
        assert chat.anonymize
        assert chat.model.name == "qwen"
        assert "billing" not in str(chat.preview("what is wrong in billing?"))

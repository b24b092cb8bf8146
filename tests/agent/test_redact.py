"""The redaction choke point: every message type masked, names anonymized and restored."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage

from workbench.agent import ClusterView
from workbench.agent._redact import Redactor

SECRET = "hunter2-Zq9"
KEY = "sk-proj-Abc123Def456Ghi789Jkl012Mno345Pqr"


def test_every_message_type_is_masked_and_rebuilt_without_extras() -> None:
    redactor = Redactor(secrets=[KEY])
    messages = [
        SystemMessage(content=f"context password={SECRET}"),
        HumanMessage(content=f"why does DB_PASSWORD={SECRET} fail? my key is {KEY}"),
        AIMessage(
            content=[{"type": "text", "text": f"token={SECRET}"}],
            tool_calls=[{"name": "logs", "args": {"grep": f"password={SECRET}"}, "id": "c1"}],
            additional_kwargs={"leak": SECRET},
        ),
        ToolMessage(
            content=f"log: password={SECRET}", tool_call_id="c1", name="logs", artifact={"raw": SECRET}
        ),
        ChatMessage(role="other", content=f"secret: {SECRET}"),
    ]
    out = redactor.outgoing(messages)
    dumped = json.dumps([m.model_dump() for m in out], default=str)
    assert SECRET not in dumped
    assert KEY not in dumped
    assert [m.type for m in out] == ["system", "human", "ai", "tool", "human"]
    assert out[2].tool_calls[0]["id"] == "c1"
    assert out[3].tool_call_id == "c1"
    assert "‹redacted:" in out[1].text
    assert redactor.report.by_kind["api_key"] == 1


def test_masking_the_same_text_twice_counts_it_once() -> None:
    redactor = Redactor()
    text = f"password={SECRET}"
    assert redactor.mask(text) == redactor.mask(text)
    redactor.mask(redactor.mask(text))
    assert redactor.report.total == 1


def test_names_are_anonymized_everywhere_and_restored(view: ClusterView) -> None:
    redactor = Redactor(anonymize=True)
    redactor.learn(view.frames(), context=view.name)
    pod = str(view.frames().pods["name"].iloc[0])
    question = HumanMessage(content=f"why is {pod} in billing on kind-worker failing?")
    tool = ToolMessage(
        content="Deployment billing/invoice-api uses registry.billing.example/invoice-api:2.3.1",
        tool_call_id="c",
    )
    sent = " ".join(m.text for m in redactor.outgoing([question, tool]))
    for real in ("billing", "invoice-api", "kind-worker", "registry.billing.example", pod):
        assert real not in sent
    assert "2.3.1" in sent  # tags are not identifying
    assert redactor.restore(sent) == " ".join([question.text, tool.text])


def test_tool_arguments_come_back_with_real_names(view: ClusterView) -> None:
    redactor = Redactor(anonymize=True)
    redactor.learn(view.frames())
    assert redactor.anonymizer is not None
    ns = redactor.anonymizer.namespace("billing")
    assert ns != "billing"
    assert redactor.restore_args({"namespace": ns, "tail": 5, "group_by": [ns]}) == {
        "namespace": "billing",
        "tail": 5,
        "group_by": ["billing"],
    }


def test_streamed_tokens_are_restored_even_when_a_pseudonym_is_split(view: ClusterView) -> None:
    redactor = Redactor(anonymize=True)
    redactor.learn(view.frames())
    assert redactor.anonymizer is not None
    pseudonym = redactor.anonymizer.namespace("billing")
    answer = f"The pods in {pseudonym} crash."
    stream = redactor.token_stream()
    pieces = [answer[i : i + 3] for i in range(0, len(answer), 3)]
    shown = "".join(stream.feed(p) for p in pieces) + stream.flush()
    assert shown == "The pods in billing crash."


def test_without_anonymization_text_passes_unchanged_but_masked() -> None:
    redactor = Redactor()
    assert not redactor.anonymize
    assert redactor.restore("ns-1234") == "ns-1234"
    stream = redactor.token_stream()
    assert stream.feed("ab") == "ab"
    assert stream.flush() == ""
    assert redactor.outgoing_text("billing token=abcdef123456") == "billing token=‹redacted:token›"

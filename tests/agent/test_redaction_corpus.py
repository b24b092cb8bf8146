"""No secret of the redaction corpus, and with anonymization no real name, reaches the model's requests.

The corpus (tests/redaction/corpus.py: 81 secret-like strings) is put in the sandbox where cluster
text lives — container env values and args, annotations, ConfigMap data, event messages and a
crashing container's log — and in the user's questions. A model behind a loopback OpenAI-compatible
server reads all of it through the tools, over two turns (so the history is re-sent); every request
body the server received is searched for every secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.agent import seed
from tests.agent.openai_server import OpenAIServer, Reply
from tests.redaction.corpus import POSITIVE, Case
from workbench import sandbox as sandbox_pkg
from workbench.agent import Chat, ClusterView, ToolResult
from workbench.sources import connect_live

BY_PLACE: dict[str, list[tuple[int, Case]]] = {}
for index, case in enumerate(POSITIVE):
    BY_PLACE.setdefault(case.where, []).append((index, case))
QUESTION_SECRETS = [case for case in POSITIVE if case.where == "log"][:4]


@pytest.fixture(scope="module")
def corpus() -> Iterator[tuple[sandbox_pkg.Sandbox, dict[str, list[str]]]]:
    """The crashloop sandbox with the corpus placed; the names of what holds it, by kind."""
    with sandbox_pkg.start(scenario="crashloop", manual_clock=True) as sb:
        sb.advance(600)
        names: dict[str, list[str]] = {"deployments": [], "configmaps": []}
        with seed.core_api(sb) as core:
            crashing = sorted(p.metadata.name for p in core.list_namespaced_pod("billing").items)[0]
            for n, group in enumerate(seed.chunks(BY_PLACE["env"], 4)):
                seed.deployment(
                    sb, f"corpus-env-{n}", env=[(c.key or f"CONFIG_{i}", c.text) for i, c in group]
                )
                names["deployments"].append(f"corpus-env-{n}")
            for n, group in enumerate(seed.chunks(BY_PLACE["annotation"], 3)):
                notes = {c.key or f"example.com/note-{i}": c.text for i, c in group}
                seed.deployment(sb, f"corpus-note-{n}", annotations=notes)
                names["deployments"].append(f"corpus-note-{n}")
            args = [item for _, c in BY_PLACE["args"] for item in c.text.split(" ")]
            seed.deployment(sb, "corpus-args", args=args)
            names["deployments"].append("corpus-args")
            for n, group in enumerate(seed.chunks(BY_PLACE["configmap"], 4)):
                seed.configmap(
                    core, f"corpus-config-{n}", {c.key or f"app-{i}.conf": c.text for i, c in group}
                )
                names["configmaps"].append(f"corpus-config-{n}")
            for i, c in BY_PLACE["event"]:
                seed.event(core, sb, f"corpus-event-{i}", crashing, c.text, reason="Corpus")
        seed.log_lines(sb, crashing, "invoice-api", [c.text for _, c in BY_PLACE["log"]])
        names["crashing"] = [crashing]
        yield sb, names


def tool_script(names: dict[str, list[str]], ns: str, n: Callable[[str, str], str]) -> list[Reply]:
    """Replies whose tool calls read every place the corpus lives (names through ``n``)."""
    describe = [
        ("describe", {"kind": "deploy", "namespace": ns, "name": n(d, "app")}) for d in names["deployments"]
    ]
    describe += [
        ("describe", {"kind": "cm", "namespace": ns, "name": n(c, "cm")}) for c in names["configmaps"]
    ]
    crashing = n(names["crashing"][0], "app")
    reads = [
        ("events", {"namespace": ns, "name": crashing, "reason": "Corpus", "limit": 50}),
        ("events", {"namespace": ns, "limit": 50}),
        ("logs", {"namespace": ns, "pod": crashing, "tail": 60}),
        ("run_analysis", {}),
        ("get_finding", {"finding_id": crashing}),
        ("list_resources", {"kind": "configmaps", "namespace": ns}),
    ]
    calls = describe + reads
    return [Reply("Reading.", calls[i : i + 6]) for i in range(0, len(calls), 6)]


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def sent_text(server: OpenAIServer) -> str:
    """Every string of every request body, decoded, and the raw bodies."""
    decoded = "\n".join(s for body in server.bodies for s in strings(body))
    return decoded + "\n" + "\n".join(raw.decode("utf-8", "replace") for raw in server.raw)


def ask_twice(chat: Chat) -> list[Any]:
    question = "why does it fail? I tried " + " and ".join(c.text for c in QUESTION_SECRETS)
    first = chat.ask(question)
    second = chat.ask("and is it the same as before? " + QUESTION_SECRETS[0].text)
    assert first.failed is None, first.failed
    assert second.failed is None, second.failed
    return [first, second]


def test_no_corpus_secret_reaches_any_request(
    corpus: tuple[sandbox_pkg.Sandbox, dict[str, list[str]]],
) -> None:
    sb, names = corpus
    script = [*tool_script(names, "billing", lambda name, _: name), Reply("Found it."), Reply("Yes.")]
    with OpenAIServer(script) as server, connect_live(kubeconfig=sb.kubeconfig) as source:
        chat = Chat(ClusterView(source), model=f"openai-compatible:m@{server.url}", max_steps=40)
        first, _ = ask_twice(chat)
    results = [e for e in first.events if isinstance(e, ToolResult)]
    assert len(results) == len(names["deployments"]) + len(names["configmaps"]) + 6
    assert not any(r.error for r in results), [r.content for r in results if r.error]
    text = sent_text(server)
    leaked = [case.secret for case in POSITIVE if case.secret in text]
    assert leaked == []
    # The places were read, not cut away: the tool results the model got carry every masked value.
    last = server.bodies[len(script) - 2]["messages"]
    placeholders = sum(m["content"].count("‹redacted:") for m in last if m["role"] == "tool")
    assert placeholders >= len(POSITIVE) - len(QUESTION_SECRETS)
    assert len(POSITIVE) >= 50
    assert any("secret-looking value(s) were masked" in n for n in first.notices)


def test_anonymized_names_never_reach_a_request_and_come_back_in_the_answer(
    corpus: tuple[sandbox_pkg.Sandbox, dict[str, list[str]]],
) -> None:
    sb, names = corpus
    crashing = names["crashing"][0]
    with OpenAIServer([]) as server, connect_live(kubeconfig=sb.kubeconfig) as source:
        chat = Chat(
            ClusterView(source), model=f"openai-compatible:m@{server.url}", max_steps=40, anonymize=True
        )
        chat.system_prompt()  # learns the names; the script below speaks in their pseudonyms
        anon = chat.redactor.anonymizer
        assert anon is not None
        ns = anon.namespace("billing")
        pod = anon.name(crashing, "app")
        deploy = anon.name("invoice-api", "app")
        final = f"{pod} in {ns} crash-loops; Deployment {ns}/{deploy} has no DATABASE_URL."
        server.script += [*tool_script(names, ns, anon.name), Reply(final), Reply(f"Yes, {pod} again.")]
        first, second = ask_twice(chat)
    results = [e for e in first.events if isinstance(e, ToolResult)]
    assert not any(r.error for r in results), [r.content for r in results if r.error]
    assert any("DATABASE_URL is not set" in r.content for r in results)  # the tools read the real pod
    text = sent_text(server)
    real = ["billing", "invoice-api", crashing, "corpus-env", "corpus-config", "corpus-note", "kind-worker",
            "registry.billing.example", "workbench-sandbox"]  # fmt: skip
    assert [name for name in real if name in text] == []
    assert [case.secret for case in POSITIVE if case.secret in text] == []
    assert (
        first.text
        == f"{crashing} in billing crash-loops; Deployment billing/invoice-api has no DATABASE_URL."
    )
    assert second.text == f"Yes, {crashing} again."
    assert json.dumps([m.content for m in chat.history]).count("billing") >= 1  # kept with real names

"""`Chat`: ask the troubleshooting agent about one cluster; stream the answer as events or get it whole.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> from workbench.agent import Chat, ClusterView
    >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:  # doctest: +SKIP
    ...     sb.advance(600)
    ...     chat = Chat(ClusterView(workbench.connect(kubeconfig=sb.kubeconfig).source), model="offline")
    ...     print(chat.ask("what's wrong in billing?").text)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import SecretStr

from workbench.agent._context import ClusterView
from workbench.agent._events import ChatEvent, Failed, Final, Notice, Proposed, Usage
from workbench.agent._loop import Engine
from workbench.agent._meter import PRICES, Meter, Price
from workbench.agent._models import COMPATIBLE, ModelChoice, resolve_model
from workbench.agent._redact import Redactor
from workbench.agent._tools import TOOLS
from workbench.errors import ConfigError, WorkbenchError
from workbench.frames.schema import Nodes, Pods
from workbench.model import Investigation, Plan

DEFAULT_MAX_STEPS = 8
"""Tool calls the model may make for one question."""
DEFAULT_TOKEN_BUDGET = 60_000
"""Tokens (input and output, over every request) one question may use."""
MAX_QUESTION = 4000
"""Characters of one question."""
_ROLES = {"system": "system", "human": "user", "ai": "assistant", "tool": "tool"}


@dataclass(frozen=True)
class Answer:
    """A whole turn: the answer's text and everything the turn streamed.

    Attributes:
        text: the final answer (names restored), ``""`` when the turn failed.
        events: every event, in order.
        proposals: the plans and investigations proposed (to review and approve; never applied).
        usage: the turn's tokens and cost (``None`` when the turn reported none, as offline).
        failed: why the turn failed, with the fix; ``None`` when it did not.
        notices: what the user should know (limits reached, values masked, offline mode).
    """

    text: str
    events: tuple[ChatEvent, ...]
    proposals: tuple[Plan | Investigation, ...]
    usage: Usage | None
    failed: str | None = None
    notices: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text if self.failed is None else f"failed: {self.failed}"

    def _repr_markdown_(self) -> str:
        lines = [str(self)]
        lines += [f"\n**Proposed:** {p.title}" for p in self.proposals]
        lines += [f"\n_{n}_" for n in self.notices]
        return "\n".join(lines)


@dataclass(frozen=True)
class Preview:
    """Exactly what the next question's first model request would send (after redaction).

    Attributes:
        model: the model's label (``offline`` sends nothing).
        messages: the redacted messages, system prompt first.
        tools: the names of the tools offered with them (their schemas are fixed text).
    """

    model: str
    messages: tuple[BaseMessage, ...]
    tools: tuple[str, ...]

    def to_dicts(self) -> list[dict[str, Any]]:
        """The messages as ``{"role", "content"}`` dicts, as an OpenAI-style request carries them."""
        return [{"role": _ROLES.get(m.type, m.type), "content": m.content} for m in self.messages]

    def __str__(self) -> str:
        if not self.messages:
            return f"{self.model}: nothing is sent (the offline assistant answers on this machine)"
        parts = [f"--- {d['role']} ---\n{d['content']}" for d in self.to_dicts()]
        return f"to {self.model}, with tools {', '.join(self.tools)}:\n" + "\n".join(parts)


class Chat:
    """A conversation with the troubleshooting agent about one cluster.

    Args:
        view: the cluster it may read (read-only).
        model: ``None`` reads ``WORKBENCH_MODEL`` (offline when unset); a spec such as
            ``"openai:gpt-4o-mini"`` or ``"offline"``; or a langchain chat model.
        anonymize: replace the cluster's names with pseudonyms in everything sent; answers are
            shown with the real names.
        max_steps: tool calls per question.
        token_budget: tokens per question; the turn stops with a notice when it is used up.
        prices: USD per million tokens by model-name prefix (default `PRICES`).

    Raises:
        ConfigError: a bad model spec, a missing key or package, or limits below 1.
    """

    def __init__(
        self,
        view: ClusterView,
        *,
        model: str | BaseChatModel | ModelChoice | None = None,
        anonymize: bool = False,
        max_steps: int = DEFAULT_MAX_STEPS,
        token_budget: int = DEFAULT_TOKEN_BUDGET,
        prices: Mapping[str, Price] = PRICES,
    ) -> None:
        if not isinstance(max_steps, int) or max_steps < 1:
            raise ConfigError(
                f"max_steps must be a number of tool calls of at least 1 (8 is usual), not {max_steps!r}"
            )
        if not isinstance(token_budget, int) or token_budget < 1:
            raise ConfigError(
                f"token_budget must be a number of tokens of at least 1 (60000 is usual), "
                f"not {token_budget!r}"
            )
        if isinstance(model, BaseChatModel):
            choice = ModelChoice(
                _provider_of(model), _name_of(model), chat_model=model, secrets=_keys_of(model)
            )
        elif isinstance(model, ModelChoice):
            choice = model
        else:
            choice = resolve_model(model)
        self.view = view
        self.model = choice
        self.anonymize = anonymize
        self.max_steps = max_steps
        self.token_budget = token_budget
        self.redactor = Redactor(anonymize=anonymize, secrets=choice.secrets)
        self.meter = Meter(choice.provider, choice.name, prices=prices)
        """Tokens and cost of the last question and of the session."""
        self._prompt: str | None = None
        self._engine: Engine | None = None
        if choice.chat_model is not None:
            self._engine = Engine(
                choice.chat_model,
                view,
                self.redactor,
                self.meter,
                system_prompt=self.system_prompt,
                label=choice.label,
                max_steps=max_steps,
                token_budget=token_budget,
            )

    @property
    def offline(self) -> bool:
        """No model is configured: the deterministic offline assistant answers."""
        return self._engine is None

    @property
    def history(self) -> tuple[BaseMessage, ...]:
        """The conversation so far (questions and answers, real names), as it is re-sent each turn."""
        return tuple(self._engine.history) if self._engine is not None else ()

    def reset(self) -> None:
        """Forget the conversation (the session's token totals stay)."""
        if self._engine is not None:
            self._engine.history.clear()

    def system_prompt(self) -> str:
        """The system prompt with the cluster's context (computed once per chat, before redaction)."""
        if self._prompt is None:
            frames = self.view.frames()
            self.redactor.learn(frames, context=self.view.name)
            nonce = self._engine.toolbox.nonce if self._engine is not None else ""
            text = (
                resources.files("workbench.agent").joinpath("prompts/system.md").read_text(encoding="utf-8")
            )
            self._prompt = Template(text).safe_substitute(nonce=nonce, context=_context(self.view))
        return self._prompt

    def stream(self, question: str) -> Iterator[ChatEvent]:
        """Ask ``question``; yields tokens, tool calls and results, proposals, notices, the answer, usage.

        Raises:
            ConfigError: an empty or oversized question.
        """
        text = _check(question)
        if self._engine is None:
            from workbench.agent._offline import offline_turn  # noqa: PLC0415 - written apart; loaded when offline

            yield from offline_turn(text, self.view)
            return
        try:
            self.system_prompt()  # learns the names before anything is sent
        except WorkbenchError as err:
            yield Failed(f"the cluster could not be read, so nothing was asked: {err}")
            return
        yield from self._engine.stream(text)

    def ask(self, question: str) -> Answer:
        """Ask ``question`` and wait for the whole answer (drains `stream`)."""
        events = tuple(self.stream(question))
        final = next((e.text for e in reversed(events) if isinstance(e, Final)), "")
        failed = next((e.message for e in events if isinstance(e, Failed)), None)
        return Answer(
            text=final,
            events=events,
            proposals=tuple(e.proposal for e in events if isinstance(e, Proposed)),
            usage=next((e for e in reversed(events) if isinstance(e, Usage)), None),
            failed=failed,
            notices=tuple(e.text for e in events if isinstance(e, Notice)),
        )

    def preview(self, question: str) -> Preview:
        """Exactly the messages the first request for ``question`` would send, redacted as they would be."""
        text = _check(question)
        if self._engine is None:
            return Preview(self.model.label, (), ())
        self.system_prompt()
        messages = self._engine.request([*self._engine.history, HumanMessage(content=text)])
        return Preview(self.model.label, tuple(messages), tuple(spec.name for spec in TOOLS))

    def __repr__(self) -> str:
        flags = ", anonymized" if self.anonymize else ""
        return (
            f"<Chat {self.view.name!r} with {self.model.label}{flags}: up to {self.max_steps} tool calls and "
            f"{self.token_budget:,} tokens a question; session {self.meter.session_tokens:,} tokens>"
        )


def _check(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise ConfigError('ask a question in words, e.g. "what\'s wrong in the shop namespace?"')
    if len(question) > MAX_QUESTION:
        raise ConfigError(
            f"the question is {len(question)} characters; keep it under {MAX_QUESTION} (paste less log)"
        )
    return question.strip()


def _context(view: ClusterView) -> str:
    frames = view.frames()
    pods, nodes = frames.pods, frames.nodes
    if view.namespaces is not None:
        pods = pods[pods[Pods.NAMESPACE].isin(view.namespaces)]
    namespaces = sorted({str(n) for n in pods[Pods.NAMESPACE].dropna().unique()} | set(view.namespaces or ()))
    shown = ", ".join(namespaces[:40]) + (f" and {len(namespaces) - 40} more" if len(namespaces) > 40 else "")
    not_ready = int((~nodes[Nodes.READY]).sum()) if len(nodes) else 0
    statuses = pods[Pods.STATUS].astype("string").fillna("Unknown").value_counts().head(6)
    by_status = ", ".join(f"{n} {s}" for s, n in statuses.items())
    scope = ", ".join(view.namespaces) if view.namespaces is not None else "all namespaces"
    return "\n".join(
        [
            f"- context: {view.name}; scope: {scope}",
            f"- state pulled at {frames.captured_at:%Y-%m-%d %H:%M:%S} UTC (logs and describe read it live)",
            f"- {len(nodes)} nodes ({not_ready} not ready); {len(pods)} pods ({by_status or 'none'})",
            f"- namespaces with pods: {shown or 'none'}",
        ]
    )


def _name_of(model: BaseChatModel) -> str:
    for attr in ("model_name", "model", "deployment_name"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def _keys_of(model: BaseChatModel) -> tuple[str, ...]:
    """The keys a ready-made model holds, so that they are masked too if they ever show up in text."""
    keys = []
    for attr in ("openai_api_key", "anthropic_api_key", "api_key"):
        value = getattr(model, attr, None)
        if isinstance(value, SecretStr) and len(value.get_secret_value()) >= 8:
            keys.append(value.get_secret_value())
    return tuple(keys)


def _provider_of(model: BaseChatModel) -> str:
    kind = type(model).__name__
    if kind == "ChatOpenAI":
        return COMPATIBLE if getattr(model, "openai_api_base", None) else "openai"
    return {"AzureChatOpenAI": "azure_openai", "ChatAnthropic": "anthropic", "ChatOllama": "ollama"}.get(
        kind, kind.lower()
    )

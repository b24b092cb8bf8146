"""The agent loop: one langchain ``create_agent`` graph, streamed as typed `ChatEvent`s.

`Engine.stream` is the only loop (``Chat.ask`` drains it). A middleware (`_Guard`) sits on every model
request and every tool call of the graph:

- each model request is rebuilt from the system prompt and the conversation by `Engine.request`,
  which passes every message through `Redactor.outgoing` — the one choke point for what leaves the
  process (`Chat.preview` shows its output for the next question);
- the per-question token budget is checked before each request, and usage is counted after it;
- once the step limit is used up, the last request goes without tools so the model answers;
- every tool call, whatever its name, goes to `ToolBox.execute` (the allow-list, validation, limits).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from workbench.agent._bounds import ToolOutput
from workbench.agent._context import ClusterView
from workbench.agent._events import ChatEvent, Failed, Final, Notice, Proposed, Token, ToolCall, ToolResult
from workbench.agent._meter import Meter
from workbench.agent._models import TIMEOUT_SECONDS
from workbench.agent._redact import Redactor
from workbench.agent._tools import ALLOWED, ToolBox

CHARS_PER_TOKEN = 4
"""Estimate of characters per token, for budget checks before a request and endpoints without usage."""

_LAST_CALL = (
    "You have used every tool call allowed for this question. Answer now from what the tools returned; "
    "say what is still unknown and what to look at next."
)


@dataclass
class _Turn:
    notices: list[str] = field(default_factory=list)
    stopped: str | None = None
    last_call: bool = False
    estimated: bool = False


class Engine:
    """The agent graph over one model, with its tools, redaction, meter and conversation.

    Args:
        model: the chat model (bound to the tools by ``create_agent``).
        view: the cluster the tools read.
        redactor: the choke point for everything sent.
        meter: counts tokens and cost.
        system_prompt: the system prompt (computed once per chat by the caller).
        label: the model's name for messages.
        max_steps: tool calls per question.
        token_budget: tokens (input and output) per question.
    """

    def __init__(
        self,
        model: BaseChatModel,
        view: ClusterView,
        redactor: Redactor,
        meter: Meter,
        *,
        system_prompt: Callable[[], str],
        label: str,
        max_steps: int,
        token_budget: int,
    ) -> None:
        self.redactor = redactor
        self.meter = meter
        self.system_prompt = system_prompt
        self.label = label
        self.max_steps = max_steps
        self.token_budget = token_budget
        self.toolbox = ToolBox(view, redactor, max_steps=max_steps)
        self.history: list[BaseMessage] = []
        self._turn = _Turn()
        self.agent = create_agent(model, self.toolbox.langchain_tools(), middleware=[_Guard(self)])

    # --- the choke point ---------------------------------------------------------------------------

    def request(self, messages: Sequence[BaseMessage], note: str = "") -> list[BaseMessage]:
        """The messages of a model request, redacted: the system prompt, then ``messages``."""
        prompt = self.system_prompt() + (f"\n\n{note}" if note else "")
        return self.redactor.outgoing([SystemMessage(content=prompt), *messages])

    def model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> Any:
        turn = self._turn
        if turn.stopped:
            return AIMessage(content="")
        if self.meter.question_tokens >= self.token_budget:
            return self._stop(turn, f"{self.meter.question_tokens:,} tokens used")
        tools = request.tools
        note = ""
        if self.toolbox.steps >= self.max_steps:
            if turn.last_call:  # the model asked for tools it no longer has: stop here
                turn.stopped = "steps"
                return AIMessage(content="")
            turn.last_call = True
            turn.notices.append(
                f"step limit reached: {self.max_steps} tool calls for this question; the answer uses what "
                "was found so far (ask a follow-up, or raise max_steps)"
            )
            tools, note = [], _LAST_CALL
        outgoing = self.request(request.messages, note)
        estimate = sum(len(m.text) for m in outgoing) // CHARS_PER_TOKEN
        if self.meter.question_tokens + estimate > self.token_budget:
            return self._stop(turn, f"the next request alone is about {estimate:,} tokens")
        assert isinstance(outgoing[0], SystemMessage)
        messages: Any = outgoing[1:]
        response = handler(request.override(system_message=outgoing[0], messages=messages, tools=tools))
        for message in response.result:
            if isinstance(message, AIMessage):
                self._count(turn, message, estimate)
                self.toolbox.number(message.tool_calls)
        return response

    def _count(self, turn: _Turn, message: AIMessage, estimate: int) -> None:
        usage = message.usage_metadata
        if usage:
            self.meter.add(usage.get("input_tokens", 0), usage.get("output_tokens", 0))
            return
        if not turn.estimated:
            turn.estimated = True
            turn.notices.append(
                f"{self.label} reported no token usage: counts are estimates "
                f"({CHARS_PER_TOKEN} characters a token)"
            )
        out = len(message.text) + sum(len(str(c.get("args"))) for c in message.tool_calls)
        self.meter.add(estimate, out // CHARS_PER_TOKEN)

    def _stop(self, turn: _Turn, why: str) -> AIMessage:
        turn.stopped = "budget"
        turn.notices.append(
            f"token budget reached: {why}, the budget is {self.token_budget:,} for one question; stopped "
            "before the next request (ask a narrower question, or raise token_budget)"
        )
        return AIMessage(content="")

    # --- the loop ------------------------------------------------------------------------------------

    def stream(self, question: str) -> Iterator[ChatEvent]:
        """Run one question: tokens, tool calls and results, proposals, notices, the answer, usage."""
        self._turn = turn = _Turn()
        self.meter.begin_question()
        self.toolbox.begin_turn()
        masked_before = self.redactor.report.total
        tokens = self.redactor.token_stream()
        results = _InOrder()
        final_text = ""
        said = ""
        failed: str | None = None
        config: Any = {"recursion_limit": 4 * self.max_steps + 20}
        inputs: Any = {"messages": [*self.history, HumanMessage(content=question)]}
        try:
            parts: Iterator[Any] = self.agent.stream(inputs, config, stream_mode=["messages", "updates"])
            for mode, chunk in parts:
                if mode == "messages":
                    message, meta = chunk
                    node = meta.get("langgraph_node")
                    if (
                        isinstance(message, AIMessage)
                        and node == "model"
                        and (text := tokens.feed(message.text))
                    ):
                        yield Token(text)
                    continue
                for update in chunk.values():
                    for message in update.get("messages", []) if isinstance(update, dict) else []:
                        if isinstance(message, AIMessage):
                            yield from results.flush()
                            if rest := tokens.flush():
                                yield Token(rest)
                            tokens = self.redactor.token_stream()
                            final_text = message.text
                            said = message.text or said
                            results.expect(message)
                            yield from self._calls(message)
                        elif isinstance(message, ToolMessage):
                            yield from results.add(message)
        except Exception as err:  # noqa: BLE001 - whatever the endpoint does, the turn ends with a Failed event
            failed = describe_error(err, self.label, self.redactor)
        yield from results.flush()
        if rest := tokens.flush():
            yield Token(rest)
        for text in turn.notices:
            yield Notice(text)
        masked = self.redactor.report.total - masked_before
        if masked:
            yield Notice(
                f"{masked} secret-looking value(s) were masked before anything was sent to {self.label}"
            )
        if failed is not None:
            yield Failed(failed)
        else:
            answer = self.redactor.restore(final_text)
            if not answer:
                answer = "(no final answer: the turn stopped early; see the notices)" + (
                    f" The model last wrote: {self.redactor.restore(said)}" if said else ""
                )
            self.history += [HumanMessage(content=question), AIMessage(content=answer)]
            yield Final(answer)
        yield self.meter.usage()

    def _calls(self, message: AIMessage) -> Iterator[ChatEvent]:
        for call in message.tool_calls:
            if call["name"] in ALLOWED:  # others are refused by the tool box; their result says so
                args = self.redactor.restore_args(call.get("args") or {})
                yield ToolCall(str(call.get("id") or ""), call["name"], args)
        for bad in message.invalid_tool_calls:  # arguments that are not JSON: langchain never runs them
            name = self.redactor.mask(str(bad.get("name") or "?")[:80])
            yield Notice(
                f"{self.label} sent a tool call ({name}) whose arguments are not valid JSON; it was not run"
            )


class _InOrder:
    """Tool results in the order of the model's calls (parallel calls finish in any order)."""

    def __init__(self) -> None:
        self._order: list[str] = []
        self._done: dict[str, ToolMessage] = {}

    def expect(self, message: AIMessage) -> None:
        self._order = [str(call.get("id") or "") for call in message.tool_calls]

    def add(self, message: ToolMessage) -> Iterator[ChatEvent]:
        self._done[message.tool_call_id] = message
        while self._order and self._order[0] in self._done:
            yield from _results(self._done.pop(self._order.pop(0)))

    def flush(self) -> Iterator[ChatEvent]:
        for message in self._done.values():
            yield from _results(message)
        self._done.clear()
        self._order = []


def _results(message: ToolMessage) -> Iterator[ChatEvent]:
    output = message.artifact
    if not isinstance(output, ToolOutput):
        output = ToolOutput(str(message.content), error=message.status == "error")
    yield ToolResult(message.tool_call_id, message.name or "", output.text, output.truncated, output.error)
    for proposal in output.proposals:
        yield Proposed(proposal)


class _Guard(AgentMiddleware[Any, Any, Any]):
    """Routes every model request through `Engine.model_call` and every tool call to the tool box."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    def wrap_model_call(
        self, request: ModelRequest[Any], handler: Callable[[ModelRequest[Any]], ModelResponse[Any]]
    ) -> Any:
        return self._engine.model_call(request, handler)

    def wrap_tool_call(self, request: Any, handler: Callable[[Any], Any]) -> ToolMessage:
        # The handler (langchain's own tool execution) is never called: every call, allowed or not,
        # is validated and run by the tool box.
        return self._engine.toolbox.execute(request.tool_call)


def describe_error(err: BaseException, label: str, redactor: Redactor) -> str:
    """What went wrong with a model request, and what to do, with secrets masked."""
    status = getattr(err, "status_code", None)
    name = type(err).__name__
    detail = redactor.mask(" ".join(str(err).split()), "error")[:300]
    if isinstance(status, int):
        if status in (401, 403):
            return (
                f"{label} refused the credentials (HTTP {status}): check the API key (OPENAI_API_KEY, "
                "ANTHROPIC_API_KEY or WORKBENCH_MODEL_API_KEY in the environment or ./.env)"
            )
        if status == 404:
            return (
                f"{label} has no such model or URL (HTTP 404: {detail}): check WORKBENCH_MODEL, and that "
                "WORKBENCH_MODEL_BASE_URL ends in /v1"
            )
        if status == 429:
            return (
                f"{label} is rate-limited or out of quota (HTTP 429): wait and ask again, or check the quota"
            )
        if status < 500:
            return (
                f"{label} rejected the request (HTTP {status}: {detail}); the model may not support tool "
                "calls: choose one that does with WORKBENCH_MODEL"
            )
        return (
            f"{label} failed (HTTP {status}: {detail}): try again later, or choose another model with "
            "WORKBENCH_MODEL (unset it for the offline assistant)"
        )
    if "Timeout" in name:
        return (
            f"{label} did not answer within {TIMEOUT_SECONDS:.0f} seconds: ask again, or pick a faster model"
        )
    if "Connection" in name:
        return f"cannot reach {label} ({detail}): is the server running, and is the URL right?"
    if "Recursion" in name:
        return f"{label} kept calling tools without answering: ask a narrower question"
    return (
        f"{label} sent something that is not a valid chat response ({name}: {detail}): check that the "
        "endpoint is an OpenAI-compatible /v1 API and that the model supports tool calls"
    )

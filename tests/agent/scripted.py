"""A scripted chat model: langchain's fake chat model with tool calls, usage and recorded requests.

Each model request takes the next step of the script: an `AIMessage` (text and tool calls), or a
function of the request's messages that returns one (a model that reacts to what tools returned).
Streaming splits the text into tokens and sends the tool calls and usage in the last chunk, as real
providers do; ``bind_tools`` records the tools offered with each request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from pydantic import Field

Step = AIMessage | Callable[[list[BaseMessage]], AIMessage]

USAGE = {"input_tokens": 500, "output_tokens": 40, "total_tokens": 540}


def say(text: str, *calls: tuple[str, dict[str, Any]], usage: dict[str, int] | None = None) -> AIMessage:
    """A scripted model message: text, then tool calls ``(name, args)``."""
    tool_calls = [
        {"name": name, "args": args, "id": f"call_{name}_{i}"} for i, (name, args) in enumerate(calls)
    ]
    return AIMessage(content=text, tool_calls=tool_calls, usage_metadata=usage or dict(USAGE))  # type: ignore[arg-type]


class ScriptedChatModel(GenericFakeChatModel):
    """Plays ``script`` one step per request; ``requests`` keeps each request's messages and tools."""

    script: list[Any]
    requests: list[list[BaseMessage]] = Field(default_factory=list)
    offered: list[list[str]] = Field(default_factory=list)
    model_name: str = "scripted-model"

    def __init__(self, script: Sequence[Step], **kwargs: Any) -> None:
        super().__init__(messages=iter(()), script=list(script), requests=[], offered=[], **kwargs)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, Any]:
        names = [getattr(t, "name", None) or t.get("name", "?") for t in tools]
        return self.bind(offered_tools=names, **kwargs)

    def _next(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> AIMessage:
        self.requests.append(list(messages))
        self.offered.append(list(kwargs.get("offered_tools", [])))
        if not self.script:
            raise AssertionError(f"the script ran out at request {len(self.requests)}")
        step = self.script.pop(0)
        return step(messages) if callable(step) else step

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages, kwargs))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._next(messages, kwargs)
        text = message.content if isinstance(message.content, str) else ""
        for token in [t for t in text.replace(" ", " \0").split("\0") if t]:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk
        calls = [
            {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
            for i, c in enumerate(message.tool_calls)
        ]
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", tool_call_chunks=calls, usage_metadata=message.usage_metadata)
        )

    @property
    def _llm_type(self) -> str:
        return "scripted"

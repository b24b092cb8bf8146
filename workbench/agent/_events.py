"""The typed events a chat turn streams: what the notebook, the CLI and the side panel render.

One agent loop yields these; the non-streaming call drains the same generator. Every event is plain
data with `to_dict` (the side panel's wire format is generated from the same shapes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.model import Investigation, Plan


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of the answer as the model writes it."""

    text: str
    type: Literal["token"] = "token"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The model asked for a read-only tool (already checked against the allow-list)."""

    call_id: str
    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    type: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool returned (bounded; ``truncated`` says more exists and the content says how to ask)."""

    call_id: str
    name: str
    content: str
    truncated: bool = False
    error: bool = False
    type: Literal["tool_result"] = "tool_result"


@dataclass(frozen=True, slots=True)
class Proposed:
    """A plan (to review, dry-run and approve — never applied by the agent) or an investigation."""

    proposal: Plan | Investigation
    type: Literal["proposed"] = "proposed"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should know: offline mode, a step or token limit reached, redactions made."""

    text: str
    type: Literal["notice"] = "notice"


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens (and cost, when the model's price is known) of one question, and of the session so far."""

    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    session_input_tokens: int
    session_output_tokens: int
    session_cost_usd: float | None
    type: Literal["usage"] = "usage"


@dataclass(frozen=True, slots=True)
class Final:
    """The whole answer (de-anonymized), once the turn is done."""

    text: str
    type: Literal["final"] = "final"


@dataclass(frozen=True, slots=True)
class Failed:
    """The turn could not finish (the endpoint refused, garbage came back); says why and what to do."""

    message: str
    type: Literal["failed"] = "failed"


ChatEvent = Token | ToolCall | ToolResult | Proposed | Notice | Usage | Final | Failed
"""Every event a chat turn can stream."""


def to_dict(event: ChatEvent) -> dict[str, Any]:
    """Plain JSON of an event (plans and investigations as their own ``to_dict``)."""
    if isinstance(event, Proposed):
        kind = "plan" if isinstance(event.proposal, Plan) else "investigation"
        return {"type": event.type, "kind": kind, "proposal": event.proposal.to_dict()}
    out: dict[str, Any] = {}
    for name in event.__dataclass_fields__:
        value = getattr(event, name)
        out[name] = dict(value) if isinstance(value, Mapping) else value
    return out

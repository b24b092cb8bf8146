"""The LangChain troubleshooting agent: read-only tools, redaction, a token meter, offline mode.

`Chat` asks one cluster's questions (`ClusterView`) of a model chosen by `resolve_model`
(``WORKBENCH_MODEL``; the offline assistant when none is set). Everything sent passes one redaction
choke point (`Chat.preview` shows it); the tools only read; a proposed plan is returned as data for a
person to review, dry-run and approve — the agent can never apply one.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> from workbench.agent import Chat, ClusterView
    >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:  # doctest: +SKIP
    ...     sb.advance(600)
    ...     chat = Chat(ClusterView(workbench.connect(kubeconfig=sb.kubeconfig).source))
    ...     for event in chat.stream("what's wrong in billing?"):
    ...         print(event)
"""

from workbench.agent._chat import DEFAULT_MAX_STEPS, DEFAULT_TOKEN_BUDGET, Answer, Chat, Preview
from workbench.agent._context import ClusterView
from workbench.agent._events import (
    ChatEvent,
    Failed,
    Final,
    Notice,
    Proposed,
    Token,
    ToolCall,
    ToolResult,
    Usage,
    to_dict,
)
from workbench.agent._meter import PRICES, Meter, Price
from workbench.agent._models import ModelChoice, resolve_model
from workbench.agent._tools import ALLOWED, TOOLS

__all__ = [
    "ALLOWED",
    "DEFAULT_MAX_STEPS",
    "DEFAULT_TOKEN_BUDGET",
    "PRICES",
    "TOOLS",
    "Answer",
    "Chat",
    "ChatEvent",
    "ClusterView",
    "Failed",
    "Final",
    "Meter",
    "ModelChoice",
    "Notice",
    "Preview",
    "Price",
    "Proposed",
    "Token",
    "ToolCall",
    "ToolResult",
    "Usage",
    "resolve_model",
    "to_dict",
]

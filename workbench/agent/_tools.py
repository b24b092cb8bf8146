"""The agent's tools: a closed allow-list of read-only tools with typed arguments, and their runner.

`ToolBox.execute` is the only way a tool runs (the agent loop routes every tool call of the model to
it, whatever its name): a name outside `ALLOWED` runs nothing and gets an error result; arguments are
validated by the tool's pydantic model (after pseudonyms are mapped back to real names); the step
limit is counted here; any failure becomes an error result, never an exception. Every result is
bounded, masked for secrets, and wrapped as untrusted cluster data before the model can see it.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ValidationError

from workbench.agent import _tools_cluster as cluster
from workbench.agent import _tools_findings as findings
from workbench.agent import _tools_frames as frames
from workbench.agent import _tools_list as listing
from workbench.agent._bounds import ToolOutput, clip, failure, wrap_untrusted
from workbench.agent._context import ClusterView
from workbench.agent._redact import Redactor
from workbench.errors import WorkbenchError


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One read-only tool: its name, its argument model (whose docstring describes it) and its code."""

    name: str
    args: type[BaseModel]
    run: Callable[[ClusterView, Any], ToolOutput]

    @property
    def description(self) -> str:
        """What the model is told the tool does."""
        return " ".join((self.args.__doc__ or self.name).split())


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("run_analysis", findings.AnalysisArgs, findings.run_analysis),
    ToolSpec("get_finding", findings.FindingArgs, findings.get_finding),
    ToolSpec("list_resources", listing.ListArgs, listing.list_resources),
    ToolSpec("describe", cluster.DescribeArgs, cluster.describe),
    ToolSpec("events", cluster.EventsArgs, cluster.events),
    ToolSpec("logs", cluster.LogsArgs, cluster.logs),
    ToolSpec("top", frames.TopArgs, frames.top),
    ToolSpec("frame_summary", frames.SummaryArgs, frames.frame_summary),
    ToolSpec("propose_plan", findings.ProposeArgs, findings.propose_plan),
)
"""Every tool the agent has. Each only reads; ``propose_plan`` returns a proposal, never applies it."""

ALLOWED = frozenset(spec.name for spec in TOOLS)
"""The allow-list: the only tool names that run."""


class ToolBox:
    """Runs the allow-listed tools over one `ClusterView` for one chat.

    Args:
        view: the cluster the tools read.
        redactor: masks every result before it can be sent.
        max_steps: tool calls allowed per question; further calls get an error result.
        nonce: the delimiter nonce of untrusted blocks (random by default, secret from cluster text).

    Attributes:
        steps: tool calls requested in the current question (refused ones included).
        ran: names of the tools that actually ran, in order, over the session.
    """

    def __init__(
        self, view: ClusterView, redactor: Redactor, *, max_steps: int, nonce: str | None = None
    ) -> None:
        self.view = view
        self.redactor = redactor
        self.max_steps = max_steps
        self.nonce = nonce or secrets.token_hex(4)
        self.steps = 0
        self.ran: list[str] = []
        self._numbers: dict[str, int] = {}
        self._by_name = {spec.name: spec for spec in TOOLS}
        # Tool calls of one model message may run in parallel threads; the view's caches are not
        # thread-safe, and reading the cluster one call at a time is plenty fast.
        self._lock = threading.Lock()

    def begin_turn(self) -> None:
        """A new question: the step count starts again."""
        self.steps = 0
        self._numbers.clear()

    def number(self, calls: Sequence[Mapping[str, Any]]) -> None:
        """Count the tool calls of one model message, in the model's order.

        The calls of one message run in parallel; numbering them here, before they run, makes the
        step limit refuse the same (last) calls every time, whichever thread gets there first.
        """
        with self._lock:
            for call in calls:
                self.steps += 1
                self._numbers[str(call.get("id") or "")] = self.steps

    def execute(self, call: Mapping[str, Any]) -> ToolMessage:
        """Run a tool call from the model and return the message the model will see next.

        The message's content is the masked result wrapped as untrusted data; its ``artifact`` is
        the masked `ToolOutput` (with any proposals), for the events shown to the user.
        """
        name = str(call.get("name") or "")
        output = self.run(name, call.get("args"), step=self._numbers.pop(str(call.get("id") or ""), None))
        text = self.redactor.mask(output.text, "tool_result")
        shown = ToolOutput(text, truncated=output.truncated, error=output.error, proposals=output.proposals)
        label = name if name in ALLOWED else "refused"
        return ToolMessage(
            content=wrap_untrusted(label, text, self.nonce),
            tool_call_id=str(call.get("id") or ""),
            name=label,
            status="error" if output.error else "success",
            artifact=shown,
        )

    def run(self, name: str, raw_args: Any, *, step: int | None = None) -> ToolOutput:
        """Validate and run one tool call; every problem is an error result.

        Args:
            name: the tool.
            raw_args: its arguments as the model sent them.
            step: the call's number in this question (from `number`); a new number when None.
        """
        with self._lock:
            if step is None:
                self.steps += 1
                step = self.steps
            spec = self._by_name.get(name)
            if spec is None:
                return failure(
                    f"there is no tool {name[:80]!r}; the only tools are {', '.join(sorted(ALLOWED))}, "
                    "and all of them only read: nothing can change the cluster from this chat"
                )
            if step > self.max_steps:
                return failure(
                    f"step limit reached ({self.max_steps} tool calls for this question): "
                    "answer with what you have found"
                )
            if not isinstance(raw_args, Mapping):
                return failure(f"the arguments of {name} must be a JSON object")
            try:
                args = spec.args.model_validate(self.redactor.restore_args(raw_args))
            except ValidationError as err:
                return failure(f"bad arguments for {name}: {_explain(err, spec.args)}")
            try:
                output = spec.run(self.view, args)
            except WorkbenchError as err:
                return failure(f"{name} could not read the cluster: {err}")
            except Exception as err:  # noqa: BLE001 - a tool's failure is the model's to read, never a crash
                return failure(
                    f"{name} failed ({type(err).__name__}: {err}); try other arguments or another tool"
                )
            self.ran.append(name)
            return clip(output)

    def langchain_tools(self) -> list[BaseTool]:
        """The tools as langchain sees them: names, descriptions and argument schemas for the model.

        Their functions go through `run` too, though the agent loop routes calls to `execute`.
        """
        return [
            StructuredTool.from_function(
                func=_caller(self, spec.name),
                name=spec.name,
                description=spec.description,
                args_schema=spec.args,
                response_format="content_and_artifact",
            )
            for spec in TOOLS
        ]


def _caller(box: ToolBox, name: str) -> Callable[..., tuple[str, ToolOutput]]:
    def call(**kwargs: Any) -> tuple[str, ToolOutput]:
        message = box.execute({"name": name, "args": kwargs, "id": ""})
        return str(message.content), message.artifact

    return call


def _explain(err: ValidationError, model: type[BaseModel]) -> str:
    problems = []
    for e in err.errors()[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "arguments"
        if e["type"] == "extra_forbidden":
            problems.append(f"unknown argument {where!r}")
        else:
            problems.append(f"{where}: {e['msg']}")
    return "; ".join(problems) + f" (arguments: {', '.join(model.model_fields)})"

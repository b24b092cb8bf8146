"""`workbench ask`: one question to the agent, streamed to a terminal (or as JSON lines).

The answer streams to stdout as it is written; what the agent reads shows as short dim lines on
stderr; the proposed plans (title, steps, the equivalent kubectl commands — never run) and
investigations follow the answer, then the tokens used. Text from the cluster is printed with its
control characters replaced, so a log line cannot drive the terminal.

Example:
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:  # doctest: +SKIP
    ...     sb.advance(600)
    ...     run_ask("Why is invoice-api failing?", kubeconfig=str(sb.kubeconfig), model="offline")
    0
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from workbench.agent._chat import Chat
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
)
from workbench.agent._events import to_dict as event_dict
from workbench.errors import ConfigError
from workbench.model import Plan
from workbench.sources import connect_live

RESULT_WIDTH = 100
"""Characters of a tool result shown on its stderr line."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def answer(
    view: ClusterView, question: str, *, model: str | None = None, anonymize: bool = False
) -> Iterator[ChatEvent]:
    """The events of one question, from `Chat`: the configured model, else the offline assistant.

    Args:
        view: the cluster to read.
        question: the user's question.
        model: a model spec (``openai:gpt-4o-mini``, ``offline``...); ``None`` reads ``WORKBENCH_MODEL``
            (offline when it is unset).
        anonymize: replace names before anything is sent to the model (and restore them in answers).

    Raises:
        ConfigError: an empty question, or a bad model spec, key or package (raised at the first event).
    """
    chat = Chat(view, model=model, anonymize=anonymize)
    if anonymize and chat.offline:
        yield Notice("--anonymize changes nothing offline: no text leaves this machine")
    yield from chat.stream(question)


def run_ask(
    question: str,
    *,
    kubeconfig: str | None = None,
    context: str | None = None,
    namespaces: Sequence[str] | None = None,
    model: str | None = None,
    anonymize: bool = False,
    json_lines: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Ask one question about a live cluster and print the streamed answer (`workbench ask`).

    Args:
        question: the question.
        kubeconfig: the kubeconfig file (default ``$KUBECONFIG``, then ``~/.kube/config``).
        context: the kubeconfig context (default the current one).
        namespaces: limit what the agent may read to these namespaces.
        model: a model spec; see `answer`.
        anonymize: anonymize names sent to the model.
        json_lines: print one JSON event per line instead of text.
        out: where the answer goes (default stdout).
        err: where notices and reads go (default stderr).

    Returns:
        0 when the answer finished, 2 when the turn failed (the reason is printed).

    Raises:
        ConfigError: an empty question, or a bad model setting.
        SourceError: the cluster cannot be reached or read.
    """
    if not question.strip():
        raise ConfigError('ask needs a question, e.g. workbench ask "what\'s wrong in shop?"')
    printer = Printer(out or sys.stdout, err or sys.stderr, json_lines=json_lines, context=context)
    with connect_live(context, kubeconfig, namespaces) as source:
        view = ClusterView(source, namespaces=namespaces)
        for event in answer(view, question, model=model, anonymize=anonymize):
            printer.show(event)
    return printer.finish()


class Printer:
    """Renders chat events for a terminal (or as JSON lines) as they arrive.

    Args:
        out: the answer, the proposals and the usage.
        err: notices, reads and failures.
        json_lines: print each event as one JSON object per line on ``out`` instead.
        context: the kubeconfig context the kubectl equivalents name.
    """

    def __init__(
        self, out: TextIO, err: TextIO, *, json_lines: bool = False, context: str | None = None
    ) -> None:
        self.out, self.err, self.json_lines, self.context = out, err, json_lines, context
        self.failed = False
        self._streamed = False
        self._proposals: list[Proposed] = []
        self._usage: Usage | None = None
        self._dim = err.isatty()

    def show(self, event: ChatEvent) -> None:
        """Print one event (proposals and usage wait for `finish`)."""
        self.failed = self.failed or isinstance(event, Failed)
        if self.json_lines:
            self.out.write(json.dumps(event_dict(event), ensure_ascii=False, default=str) + "\n")
            self.out.flush()
            return
        if isinstance(event, Token):
            self._streamed = True
            self.out.write(safe(event.text))
            self.out.flush()
        elif isinstance(event, Final):
            if not self._streamed:
                self.out.write(safe(event.text))
            self.out.write("" if event.text.endswith("\n") else "\n")
        elif isinstance(event, ToolCall):
            args = ", ".join(f"{k}={v!r}" for k, v in event.args.items())
            self._note(f"→ {event.name}({args})")
        elif isinstance(event, ToolResult):
            first = event.content.strip().splitlines()[0] if event.content.strip() else "(empty)"
            cut = first[:RESULT_WIDTH] + ("…" if len(first) > RESULT_WIDTH or event.truncated else "")
            self._note(f"← {event.name}{' failed' if event.error else ''}: {cut}")
        elif isinstance(event, Notice):
            self.err.write(f"note: {safe(event.text)}\n")
        elif isinstance(event, Failed):
            self.err.write(f"workbench: the answer failed: {safe(event.message)}\n")
        elif isinstance(event, Proposed):
            self._proposals.append(event)
        else:
            self._usage = event

    def finish(self) -> int:
        """Print the proposals and the usage; 2 when the turn failed, else 0."""
        if not self.json_lines:
            for number, proposed in enumerate(self._proposals, 1):
                self.out.write("\n" + "\n".join(self._proposal(number, proposed)) + "\n")
            if self._usage is not None:
                self.out.write("\n" + usage_line(self._usage) + "\n")
        self.out.flush()
        return 2 if self.failed else 0

    def _proposal(self, number: int, proposed: Proposed) -> list[str]:
        p = proposed.proposal
        if not isinstance(p, Plan):
            lines = [f"=== Investigation {number}: {safe(p.title)}"]
            lines += [f"  {n}. {safe(check)}" for n, check in enumerate(p.checks, 1)]
            return lines + [f"  $ {safe(command)}" for command in p.commands]
        lines = [f"=== Proposed plan {number}: {safe(p.title)}  (not applied)"]
        lines += [f"  {n}. {safe(step.title or step.action.value)}" for n, step in enumerate(p.steps, 1)]
        lines.append("  kubectl equivalent (for reading; nothing ran):")
        lines += [f"    $ {safe(command)}" for command in p.kubectl(context=self.context)]
        lines += [f"  note: {safe(note)}" for note in p.notes]
        lines += [f"  needs a value from you: {safe(str(item))}" for item in p.inputs]
        codes = sorted({finding.split(":", 1)[0] for finding in p.findings})
        only = "".join(f" --finding {code}" for code in codes)
        only += "".join(f" --set {item.name}=VALUE" for item in p.inputs)
        lines.append(f"  To dry-run it: workbench fix{only}  (then --apply --yes after reading the diff)")
        return lines

    def _note(self, text: str) -> None:
        line = f"  {safe(text)}"
        self.err.write(f"\x1b[2m{line}\x1b[0m\n" if self._dim else line + "\n")


def usage_line(usage: Usage) -> str:
    """``usage: <model>: N input + M output tokens (cost), session ...`` for a terminal."""

    def cost(value: float | None) -> str:
        return "cost unknown" if value is None else f"${value:.4f}"

    return (
        f"usage: {usage.model}: {usage.input_tokens} input + {usage.output_tokens} output tokens "
        f"({cost(usage.cost_usd)}); session {usage.session_input_tokens} + {usage.session_output_tokens} "
        f"({cost(usage.session_cost_usd)})"
    )


def safe(text: str) -> str:
    """Text with control characters (terminal escapes) replaced, newlines and tabs kept."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)

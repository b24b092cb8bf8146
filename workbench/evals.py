"""Agent evals: ask each sandbox scenario's question, score the answer, apply its plans in the sandbox.

For every scenario the eval starts the sandbox on a manual clock, lets it break for `AT` simulated
seconds, and asks the scenario's ``question.txt`` (the question an on-call engineer would ask).
It scores whether the answer names each expected root cause (``root: true`` in the scenario's
``expected-findings.yaml``: its code and object appear in the answer or in a proposal), whether a
plan was proposed, and whether the plans heal the sandbox: each is dry-run, approved and applied
through `Remediation` — only ever against the sandbox the eval started — then the clock moves on
and the scenario's own success checks judge. A scenario whose first fix reveals more (the memory
planner doubles the limit it saw) gets asked again, up to ``rounds`` times. Steps (tool calls),
tokens and seconds are counted.

The agent package cannot apply plans (an import contract forbids it the writer); this module sits
outside it and wires the agent, the remediation writer and the sandbox together.

Example:
    >>> score = evaluate("crashloop", model="offline")  # doctest: +SKIP
    >>> score.root_cause, score.healed  # doctest: +SKIP
    (True, True)
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from workbench import sandbox
from workbench.agent._cli import answer
from workbench.agent._context import ClusterView
from workbench.agent._events import Failed, Final, Proposed, ToolCall, Usage
from workbench.analyzers.expected import AT, Entry, load
from workbench.errors import ConfigError, RemediationError
from workbench.model import Plan
from workbench.remediation import AuditLog, Remediation
from workbench.remediation.planners import Proposal
from workbench.sandbox._scenarios import SCENARIO_DIR
from workbench.sources import LiveSource, connect_live

QUESTION_FILE = "question.txt"
"""The file in a scenario's directory holding the question its eval asks."""
ROUNDS = 3
"""Times a scenario is asked again while its plans have not healed it yet."""
APPROVER = "workbench eval (sandbox only)"
"""Who approves the plans an eval applies, as the audit log records it."""

ProposalKind = Literal["plan", "investigation", "none"]


@dataclass(frozen=True, slots=True)
class Score:
    """How the agent did on one scenario.

    Attributes:
        scenario: the scenario's name.
        model: the model that answered, as its usage reports it (``offline``).
        question: what was asked.
        expected: the expected root causes (``error pod.crashloop Pod billing/invoice-api-* x2``).
        root_cause: every expected root cause is named (code and object) in the first answer or a
            proposal; for a scenario with nothing wrong, the answer proposed nothing.
        proposal: what the first answer proposed: a ``plan`` (at least one), else an ``investigation``,
            else ``none``.
        titles: the titles of every proposal, over all rounds.
        healed: the scenario's success checks pass after the plans were applied (``None`` when
            nothing was broken).
        rounds: how many times plans were applied.
        steps: tool calls over all rounds.
        tokens: input and output tokens over all rounds.
        seconds: wall-clock time, sandbox start included.
        error: why a turn or an apply failed (empty when none did).
        given: the names of the values a plan asked a person for (`Plan.inputs`), which the eval
            gave from the scenario's ``fix.inputs``: what the person fixing it knows and the cluster
            does not (a bucket name, a tag the registry has).
    """

    scenario: str
    model: str
    question: str
    expected: tuple[str, ...]
    root_cause: bool
    proposal: ProposalKind
    titles: tuple[str, ...]
    healed: bool | None
    rounds: int
    steps: int
    tokens: int
    seconds: float
    error: str = ""
    given: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


@dataclass
class _Turn:
    text: str = ""
    model: str = ""
    proposals: tuple[Proposal, ...] = ()
    steps: int = 0
    tokens: int = 0
    failed: str = ""


def scenario_question(name: str) -> str:
    """The question the eval asks in scenario ``name`` (its ``question.txt``).

    Raises:
        ConfigError: the scenario has no question file (names the file to write).
    """
    path = SCENARIO_DIR / name / QUESTION_FILE
    try:
        question = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"scenario {name!r} has no eval question: write the question an on-call engineer would ask "
            f"into {path} ({exc.strerror})"
        ) from exc
    if not question:
        raise ConfigError(f"{path} is empty: write the question an on-call engineer would ask")
    return question


def names_root_causes(entries: Sequence[Entry], text: str, proposals: Sequence[Proposal]) -> bool:
    """Whether every expected root cause's code and object appear in ``text`` or a proposal's findings.

    With no expected root cause (a healthy cluster), whether nothing was proposed.
    """
    roots = [e for e in entries if e.root]
    if not roots:
        return not proposals
    ids = [f for p in proposals for f in p.findings]
    return all(_named(entry, text, ids) for entry in roots)


def _named(entry: Entry, text: str, ids: Sequence[str]) -> bool:
    name = re.escape(entry.name).replace(r"\*", "[a-z0-9.-]+")
    where = f"{re.escape(entry.namespace)}/{name}" if entry.namespace else name
    mentioned = re.search(rf"\b{re.escape(entry.kind)}[ /:`]+{where}\b", text, re.IGNORECASE)
    proposed = rf"{re.escape(entry.code)}:{re.escape(entry.kind)}/{re.escape(entry.namespace)}/{name}"
    return (entry.code in text and mentioned is not None) or any(re.fullmatch(proposed, i) for i in ids)


def evaluate(name: str, *, model: str | None = None, rounds: int = ROUNDS) -> Score:
    """Run the eval of one scenario (see the module's docstring).

    Args:
        name: the scenario.
        model: the model spec (``None``: ``WORKBENCH_MODEL``, offline when unset).
        rounds: how many times to ask and apply at most.

    Raises:
        ConfigError: no question file, or a bad model setting.
        ScenarioError, SandboxStartError: the sandbox could not start.
    """
    started = time.monotonic()
    question = scenario_question(name)
    entries = load(SCENARIO_DIR / name / "expected-findings.yaml")
    first: _Turn | None = None
    steps = tokens = applied = 0
    titles: list[str] = []
    given: list[str] = []
    error = ""
    with (
        tempfile.TemporaryDirectory(prefix="workbench-eval-") as tmp,
        sandbox.start(scenario=name, manual_clock=True) as sb,
    ):
        audit = AuditLog(Path(tmp) / "audit.jsonl")
        knows = dict((sb.teaching.get("fix") or {}).get("inputs") or {})
        sb.advance(AT)
        for _ in range(rounds):
            with connect_live(kubeconfig=sb.kubeconfig) as source:
                check_sandbox(source, sb)
                turn = _ask(ClusterView(source), question, model)
                first = first or turn
                steps, tokens = steps + turn.steps, tokens + turn.tokens
                titles += [p.title for p in turn.proposals]
                plans = [p for p in turn.proposals if isinstance(p, Plan)]
                given += [item.name for p in plans for item in p.inputs]
                error = turn.failed or next(
                    filter(None, (_apply(p, source, audit, knows) for p in plans)), ""
                )
            if error or not plans:
                break
            applied += 1
            sb.advance(AT)
            if sb.check().passed:
                break
        healed = sb.check().passed if any(e.root for e in entries) else None
    assert first is not None  # rounds >= 1 asks at least once
    kinds = {"plan" if isinstance(p, Plan) else "investigation" for p in first.proposals}
    return Score(
        scenario=name,
        model=first.model or "?",
        question=question,
        expected=tuple(str(e) for e in entries if e.root),
        root_cause=names_root_causes(entries, first.text, first.proposals),
        proposal="plan" if "plan" in kinds else "investigation" if kinds else "none",
        titles=tuple(dict.fromkeys(titles)),
        healed=healed,
        rounds=applied,
        steps=steps,
        tokens=tokens,
        seconds=round(time.monotonic() - started, 1),
        error=error,
        given=tuple(dict.fromkeys(given)),
    )


def _ask(view: ClusterView, question: str, model: str | None) -> _Turn:
    turn = _Turn()
    proposals = []
    for event in answer(view, question, model=model):
        if isinstance(event, ToolCall):
            turn.steps += 1
        elif isinstance(event, Usage):
            turn.tokens += event.input_tokens + event.output_tokens
            turn.model = event.model
        elif isinstance(event, Proposed):
            proposals.append(event.proposal)
        elif isinstance(event, Final):
            turn.text = event.text
        elif isinstance(event, Failed):
            turn.failed = event.message
    turn.proposals = tuple(proposals)
    return turn


def check_sandbox(source: LiveSource, sb: sandbox.Sandbox) -> None:
    """Refuse to go on unless ``source`` talks to the sandbox this eval started (plans get applied)."""
    if source.server.rstrip("/") != sb.url.rstrip("/"):
        raise ConfigError(
            f"the eval applies plans only inside the sandbox it started ({sb.url}), not to {source.server}"
        )


def _apply(plan: Plan, source: LiveSource, audit: AuditLog, knows: dict[str, str]) -> str:
    """Fill ``plan``'s inputs from what the person ``knows``, then dry-run, approve and apply it in the
    sandbox; why it could not be applied, or ``""``."""
    unknown = [item.name for item in plan.inputs if item.name not in knows]
    if unknown:
        return f"{plan.title}: needs {', '.join(unknown)}, which the scenario's fix.inputs does not give"
    try:
        plan = plan.fill({item.name: knows[item.name] for item in plan.inputs})
        fix = Remediation(plan, source, audit=audit)
        dry = fix.dry_run()
        if not dry.ok:
            return f"{plan.title}: the dry-run found problems: {'; '.join(dry.problems())}"
        fix.apply(fix.approve(by=APPROVER), verify=False)  # the manual clock moves only when told to
    except (ConfigError, RemediationError) as exc:
        return f"{plan.title}: not applied: {exc}"
    return ""


def run(
    names: Sequence[str] | None = None,
    *,
    model: str | None = None,
    rounds: int = ROUNDS,
    each: Callable[[Score], None] | None = None,
) -> list[Score]:
    """Evaluate every scenario (or ``names``), in name order.

    Args:
        names: the scenarios; default every built-in one.
        model: the model spec (``None``: ``WORKBENCH_MODEL``, offline when unset).
        rounds: how many times to ask and apply at most per scenario.
        each: called with each score as soon as it is known (to print progress).

    Raises:
        ConfigError: an unknown scenario name (the message lists the known ones).
    """
    known = [name for name, _ in sandbox.scenarios()]
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise ConfigError(f"no scenario {', '.join(unknown)}; known scenarios: {', '.join(known)}")
    scores = []
    for name in names or known:
        scores.append(evaluate(name, model=model, rounds=rounds))
        if each is not None:
            each(scores[-1])
    return scores


_COLUMNS = ("scenario", "root cause", "proposal", "healed", "rounds", "steps", "tokens", "seconds")


def table_header(width: int = 20) -> str:
    """The eval table's header line and rule."""
    head = f"{_COLUMNS[0]:<{width}}  " + "  ".join(
        f"{c:<13}" if i < 3 else f"{c:>7}" for i, c in enumerate(_COLUMNS[1:])
    )
    return f"{head.rstrip()}\n{'-' * len(head.rstrip())}"


def table_row(score: Score, width: int = 20) -> str:
    """One scenario's line of the eval table."""
    healed = "n/a" if score.healed is None else _yes(score.healed)
    cells = [_yes(score.root_cause), score.proposal, healed]
    numbers = [str(score.rounds), str(score.steps), str(score.tokens), f"{score.seconds:.1f}"]
    row = f"{score.scenario:<{width}}  " + "  ".join(
        [*(f"{c:<13}" for c in cells), *(f"{n:>7}" for n in numbers)]
    )
    row += f"\n{'':<{width}}  values a person gave: {', '.join(score.given)}" if score.given else ""
    return row + (f"\n{'':<{width}}  error: {score.error}" if score.error else "")


def summary(scores: Sequence[Score]) -> dict[str, Any]:
    """Totals: root causes named, plans proposed, scenarios healed by them, steps, tokens, seconds."""
    broken = [s for s in scores if s.healed is not None]
    planned = [s for s in broken if s.proposal == "plan"]
    return {
        "scenarios": len(scores),
        "root_cause": sum(s.root_cause for s in scores),
        "plans": len(planned),
        "healed": sum(bool(s.healed) for s in broken),
        "healed_of_planned": sum(bool(s.healed) for s in planned),
        "steps": sum(s.steps for s in scores),
        "tokens": sum(s.tokens for s in scores),
        "seconds": round(sum(s.seconds for s in scores), 1),
    }


def run_cli(
    names: Sequence[str] | None,
    *,
    model: str | None = None,
    json_path: str | None = None,
    rounds: int = ROUNDS,
    out: TextIO | None = None,
    strict: bool = False,
) -> int:
    """`workbench eval`: print the table as scenarios finish, a summary, and write the JSON report.

    Returns:
        0: the scores are the result (a failed turn or apply is a row's ``error``). With ``strict``,
        1 when a scenario falls short (`shortfalls`), after saying which.

    Raises:
        ConfigError: an unknown scenario, a scenario without a question, or a bad model setting.
    """
    stream = out or sys.stdout
    width = max(len(n) for n, _ in sandbox.scenarios())
    stream.write(table_header(width) + "\n")
    stream.flush()

    def show(score: Score) -> None:
        stream.write(table_row(score, width) + "\n")
        stream.flush()

    scores = run(names, model=model, rounds=rounds, each=show)
    total = summary(scores)
    stream.write(
        f"\nroot cause named {total['root_cause']}/{total['scenarios']}; plans proposed {total['plans']}, "
        f"of which healed {total['healed_of_planned']}; {total['steps']} steps, {total['tokens']} tokens, "
        f"{total['seconds']} s\n"
    )
    if json_path:
        report = {
            "model": ", ".join(sorted({s.model for s in scores})) or (model or "offline"),
            "at": AT,
            "summary": total,
            "scenarios": [s.to_dict() for s in scores],
        }
        Path(json_path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        stream.write(f"scores written to {json_path}\n")
    short = shortfalls(scores) if strict else []
    for line in short:
        stream.write(f"FAIL {line}\n")
    return 1 if short else 0


def shortfalls(scores: Sequence[Score]) -> list[str]:
    """What a strict eval fails on: an expected root cause not named, a broken scenario not healed
    (by a plan, or at all), an error, or a healthy cluster that got a proposal."""
    out = []
    for s in scores:
        if not s.root_cause:
            out.append(f"{s.scenario}: root cause not named ({'; '.join(s.expected) or 'nothing wrong'})")
        if s.healed is False:
            out.append(f"{s.scenario}: not healed (proposal: {s.proposal})")
        if s.error:
            out.append(f"{s.scenario}: {s.error}")
    return out


def _yes(value: bool) -> str:
    return "yes" if value else "no"

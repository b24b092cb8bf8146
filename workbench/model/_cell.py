"""A `Plan` as the notebook cell that previews it and, once a person approves it, applies it.

Plan titles, notes and parameters may come from an LLM or from cluster text, so nothing in them is
ever formatted into code: every value becomes a Python literal built from plain data (strings are
escaped here character by character, numbers with `repr`), and text shown in comments has every
character that is not printable (newlines, carriage returns, line separators, bidi controls...)
replaced by its backslash escape, so no value can end a comment line or a string early. Dict keys
keep their canonical (sorted) order, so the same plan always renders the same cell.

Example:
    >>> from workbench.model import Action, ObjectRef, Plan, PlanStep
    >>> web = ObjectRef("Deployment", "shop", "web", api_version="apps/v1")
    >>> cell = render_cell(Plan("Scale web", (PlanStep(Action.SCALE, web, {"replicas": 3}),)))
    >>> print(cell.splitlines()[0])
    # Scale web
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workbench.errors import ConfigError
from workbench.model._inputs import PlanInput
from workbench.model._kubectl import lines_of
from workbench.model._plans import Plan, PlanStep
from workbench.model._refs import ObjectRef

_WIDTH = 100
"""Longest line a literal is kept on before it is split, one item a line."""
_INDENT = "    "


def render_cell(plan: Plan, *, context: str | None = None, kubeconfig: str | None = None) -> str:
    """The cell for ``plan``: the plan as literals, a dry run, and an apply guarded by an approval.

    Args:
        plan: the plan.
        context: the kubeconfig context the cell connects to (the default context when None).
        kubeconfig: the kubeconfig file it connects with (the default file when None).

    Returns:
        Python source that runs with the public API: ``workbench.connect``,
        ``cluster.remediation(plan)``, ``fix.dry_run()``, and ``fix.apply(fix.approve(by=...))``
        behind an ``APPROVED_BY`` line left empty. It ends with a newline.

    Raises:
        ConfigError: ``plan`` is not a `Plan`.
    """
    if not isinstance(plan, Plan):
        raise ConfigError(f"render_cell needs a Plan, not {type(plan).__name__}; build one with Plan(...)")
    lines = [_comment(plan.title or "Remediation plan")]
    if plan.findings:
        lines.append(_comment("Addresses: " + ", ".join(plan.findings)))
    for index, note in enumerate(plan.notes):
        lines.append(_comment(("Notes: " if index == 0 else "       ") + note))
    lines.append(_comment("The same change with kubectl (for reference; this cell does not run them):"))
    for command in plan.kubectl(context=context):
        # A heredoc's lines (a created object's manifest) keep their place: "# " comes off whole.
        first, *rest = lines_of(command)
        lines += [_comment("  " + first), *(_comment(line) for line in rest)]
    names = (
        "Action, ObjectRef, Plan, PlanInput, PlanStep" if plan.inputs else "Action, ObjectRef, Plan, PlanStep"
    )
    lines += ["import workbench", f"from workbench.model import {names}", ""]
    where = (("context", context), ("kubeconfig", kubeconfig))
    # str(): a pathlib.Path for the kubeconfig (what sandbox.start gives) is written as its path.
    connect = ", ".join(f"{key}={_string(str(value))}" for key, value in where if value)
    lines.append(f"cluster = workbench.connect({connect})")
    if plan.inputs:
        lines.append("plan = " + _plan(plan, 0))
        lines.append(_comment("This plan needs values only you can give (nothing in it is guessed):"))
        lines += [_comment(f"  {item}") for item in plan.inputs]
        given = ", ".join(f'{item.name}=""' for item in plan.inputs)
        lines.append(f"plan = plan.fill({given})")
        lines.append("fix = cluster.remediation(plan)")
    else:
        lines.append("fix = cluster.remediation(")
        lines.append(_INDENT + _plan(plan, 1))
        lines.append(")")
    lines.append(
        "preview = fix.dry_run()  # server-side dry run: RBAC check, diff, pods that restart; changes nothing"
    )
    lines.append("display(preview)")
    lines.append("")
    lines.append(
        _comment(
            "Read the diff above. To apply exactly this plan "
            + (
                "(with your values; its digest is in the preview), "
                if plan.inputs
                else f"(digest {short_digest(plan.digest)}), "
            )
            + "put your name here and run again."
        )
    )
    lines.append('APPROVED_BY = ""')
    lines.append("if APPROVED_BY:")
    lines.append(_INDENT + "result = fix.apply(fix.approve(by=APPROVED_BY))")
    lines.append(
        _INDENT
        + "display(result)  # per-step results and verification; result.rollback_plan().to_cell() undoes it"
    )
    return "\n".join(lines) + "\n"


def short_digest(digest: str) -> str:
    """``sha256:`` and the first 8 hex digits of a plan digest, then an ellipsis (shown to people)."""
    return digest[: len("sha256:") + 8] + "…"


def _comment(text: str) -> str:
    return ("# " + "".join(ch if ch.isprintable() else _escape(ch) for ch in text)).rstrip()


def _escape(ch: str) -> str:
    # repr escapes exactly the characters that are not printable (\n, \r, \x00, \u2028, \u202e...).
    return repr(ch)[1:-1]


def _string(text: str) -> str:
    """A double-quoted Python literal of ``text`` in which every unprintable character is escaped."""
    body = "".join(
        "\\\\" if ch == "\\" else '\\"' if ch == '"' else ch if ch.isprintable() else _escape(ch)
        for ch in text
    )
    return f'"{body}"'


def _literal(value: Any, depth: int = 0) -> str:
    """Plain JSON data as a Python literal; split one item a line when it does not fit on one."""
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool | int | float):
        # repr is the literal for each: True, None, 3, 0.5 (a plan's JSON has no NaN or infinity).
        return repr(value)
    if isinstance(value, Mapping):
        items = [f"{_string(str(key))}: {_literal(value[key], depth + 1)}" for key in sorted(value)]
        return _wrap("{", items, "}", depth)
    if isinstance(value, Sequence):
        return _wrap("[", [_literal(item, depth + 1) for item in value], "]", depth)
    raise ConfigError(f"cannot write {type(value).__name__} as a plain JSON literal in a cell")


def _wrap(open_: str, items: list[str], close: str, depth: int) -> str:
    flat = open_ + ", ".join(items) + close
    if not items or (len(flat) + len(_INDENT) * depth <= _WIDTH and "\n" not in flat):
        return flat
    inner = _INDENT * (depth + 1)
    return open_ + "\n" + "".join(f"{inner}{item},\n" for item in items) + _INDENT * depth + close


def _ref(ref: ObjectRef) -> str:
    args = [_string(ref.kind), _string(ref.namespace), _string(ref.name)]
    if ref.uid:
        args.append(f"uid={_string(ref.uid)}")
    if ref.api_version:
        args.append(f"api_version={_string(ref.api_version)}")
    return f"ObjectRef({', '.join(args)})"


def _step(step: PlanStep, depth: int) -> str:
    args = [f"Action.{step.action.name}", _ref(step.target)]
    if step.params:
        args.append(_literal(dict(step.params), depth + 1))
    if step.title:
        args.append(f"title={_string(step.title)}")
    if step.reason:
        args.append(f"reason={_string(step.reason)}")
    return _call("PlanStep", args, depth)


def _plan(plan: Plan, depth: int) -> str:
    steps = _wrap("[", [_step(step, depth + 2) for step in plan.steps], "]", depth + 1)
    args = [f"title={_string(plan.title)}", f"steps={steps}"]
    if plan.findings:
        args.append(f"findings={_literal(list(plan.findings), depth + 1)}")
    if plan.notes:
        args.append(f"notes={_literal(list(plan.notes), depth + 1)}")
    if plan.inputs:
        items = [_input(item, depth + 2) for item in plan.inputs]
        args.append(f"inputs={_wrap('[', items, ']', depth + 1)}")
    return _call("Plan", args, depth)


def _input(item: PlanInput, depth: int) -> str:
    args = [_string(item.name), _string(item.prompt)]
    if item.suggestion:
        args.append(f"suggestion={_string(item.suggestion)}")
    return _call("PlanInput", args, depth)


def _call(name: str, args: list[str], depth: int) -> str:
    inner = _INDENT * (depth + 1)
    return f"{name}(\n" + "".join(f"{inner}{arg},\n" for arg in args) + _INDENT * depth + ")"

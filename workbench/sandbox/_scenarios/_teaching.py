"""The teaching half of ``scenario.yaml``: goal, level, hints, fix, wrong fixes and success checks.

::

    goal: Read a crashing container's previous logs to find the missing setting.
    level: 1                      # 1 (first day) … 5 (an incident)
    hints:                        # a ladder, vague → specific
    - Which pods are not Running?
    - What did the container print before it exited?
    fix:
      summary: Give the container the variable from the Secret that holds it.
      commands:                   # exact, runnable against the sandbox, in order
      - kubectl -n billing set env deployment/invoice-api --from=secret/invoice-api-db
      - command: kubectl apply -f -     # a command that reads stdin
        stdin: |
          apiVersion: v1
          ...
      inputs:                     # optional: what the person fixing it knows that the cluster does not,
        EXPORT_BUCKET: s3://...   # given when a plan asks for a value by that name (`Plan.inputs`)
    wrong_fixes:
    - summary: Restart the rollout.
      commands: [kubectl -n billing rollout restart deployment/invoice-api]
      why: The new pods get the same spec, so they fail the same way.
    checks:                       # see `_checks`
    - deployment_available: {namespace: billing, name: invoice-api}

Every key is optional for a plain cluster such as ``healthy``; when present it must have this shape.
"""

from __future__ import annotations

from typing import Any

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios._checks import parse_checks

TEACHING_KEYS = ("goal", "level", "hints", "fix", "wrong_fixes", "checks")


def check_teaching(header: dict[str, Any], *, source: str) -> dict[str, Any]:
    """The teaching keys of a ``scenario.yaml`` mapping, validated.

    Raises:
        ScenarioError: a key with the wrong shape (the message names it), or a check that does not
            validate.
    """
    teaching = {k: header[k] for k in TEACHING_KEYS if k in header}
    if "goal" in teaching and not _text(teaching["goal"]):
        raise ScenarioError("goal must be a sentence of text", source=source)
    level = teaching.get("level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5):
        raise ScenarioError(f"level must be a whole number from 1 to 5, not {level!r}", source=source)
    hints = teaching.get("hints")
    if hints is not None:
        if not isinstance(hints, list) or not hints:
            raise ScenarioError("hints must be a list of texts, vague first", source=source)
        for index, hint in enumerate(hints, start=1):
            if not _text(hint):
                raise ScenarioError(
                    f"hints[{index}] is {hint!r}, not text (quote a hint that contains ': ')", source=source
                )
    if "fix" in teaching:
        _check_fix(teaching["fix"], "fix", source, why=False)
    wrong = teaching.get("wrong_fixes")
    if wrong is not None:
        if not isinstance(wrong, list) or not wrong:
            raise ScenarioError("wrong_fixes must be a list of {summary, commands, why}", source=source)
        for index, item in enumerate(wrong, start=1):
            _check_fix(item, f"wrong_fixes[{index}]", source, why=True)
    parse_checks(teaching.get("checks"), source=source)
    return teaching


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_fix(value: Any, where: str, source: str, *, why: bool) -> None:
    keys = {"summary", "commands", "why"} if why else {"summary", "commands"}
    optional = set() if why else {"inputs"}
    if not isinstance(value, dict) or not keys <= set(value) <= keys | optional:
        also = f" (and optionally {', '.join(sorted(optional))})" if optional else ""
        raise ScenarioError(f"{where} must have exactly: {', '.join(sorted(keys))}{also}", source=source)
    inputs = value.get("inputs", {})
    if not isinstance(inputs, dict) or not all(_text(k) and _text(v) for k, v in inputs.items()):
        raise ScenarioError(f"{where}.inputs must map input names to texts", source=source)
    if not _text(value["summary"]) or (why and not _text(value["why"])):
        raise ScenarioError(f"{where}: summary{' and why' if why else ''} must be text", source=source)
    commands = value["commands"]
    if not isinstance(commands, list) or not commands:
        raise ScenarioError(f"{where}.commands must be a list of kubectl commands", source=source)
    for index, command in enumerate(commands, start=1):
        text = command.get("command") if isinstance(command, dict) else command
        stdin_ok = not isinstance(command, dict) or (
            set(command) == {"command", "stdin"} and _text(command["stdin"])
        )
        if not (_text(text) and str(text).startswith("kubectl ") and stdin_ok):
            raise ScenarioError(
                f"{where}.commands[{index}]: expected 'kubectl ...' "
                "or {command: 'kubectl ...', stdin: ...}",
                source=source,
            )


def command_parts(command: str | dict[str, str]) -> tuple[str, str | None]:
    """(command line, stdin or None) of one entry of ``commands``."""
    if isinstance(command, dict):
        return command["command"], command["stdin"]
    return command, None

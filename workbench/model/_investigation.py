"""`Investigation`: what to look at when no safe fix can be planned ("investigate instead").

A planner that finds no remediation it can justify from the cluster's state says so with an
investigation: plain-language checks in the order a person should do them, and the read-only
``kubectl`` commands that show the facts. It is data, like a `Plan`: nothing runs it. Every command
is checked when the investigation is made: it must be ``kubectl`` with a verb that only reads, and
it must not print a Secret's data (``kubectl describe secret`` shows key names and sizes only).

Example:
    >>> look = Investigation(
    ...     "Find why node kind-worker2 is NotReady",
    ...     ("node.not-ready:Node//kind-worker2",),
    ...     ("Is the kubelet running on the node?",),
    ...     ("kubectl describe node kind-worker2",),
    ... )
    >>> look.commands
    ('kubectl describe node kind-worker2',)
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.errors import ConfigError

READ_VERBS = frozenset({"get", "describe", "logs", "top", "events", "explain", "api-resources", "version"})
"""The kubectl verbs an investigation may name: each only reads."""

_SECRET_WORDS = frozenset({"secret", "secrets", "secret/", "secrets/"})


@dataclass(frozen=True, slots=True)
class Investigation:
    """What to check instead of a plan, for one or more findings.

    Attributes:
        title: what to find out, in one line.
        findings: ids of the findings it is about (alike findings of one workload share one).
        checks: plain-language steps, in the order to do them.
        commands: read-only ``kubectl`` commands that show the facts the checks need.

    Raises:
        ConfigError: no title, no check, or a command that is not a read-only ``kubectl`` command
            (the message names the command and what is allowed).
    """

    title: str
    findings: tuple[str, ...]
    checks: tuple[str, ...]
    commands: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Lists are accepted for convenience; the investigation keeps tuples.
        for name in ("findings", "checks", "commands"):
            object.__setattr__(self, name, tuple(str(v) for v in getattr(self, name)))
        if not self.title:
            raise ConfigError("an investigation needs a title saying what to find out")
        if not self.checks:
            raise ConfigError(f"investigation {self.title!r} has no checks; give at least one step")
        for command in self.commands:
            if problem := _read_only_problem(command):
                raise ConfigError(f"investigation {self.title!r}: command {command!r} {problem}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "title": self.title,
            "findings": list(self.findings),
            "checks": list(self.checks),
            "commands": list(self.commands),
        }

    def __str__(self) -> str:
        lines = [f"Investigate: {self.title}"]
        if self.findings:
            lines.append(f"  about {', '.join(self.findings)}")
        lines += [f"  {n}. {check}" for n, check in enumerate(self.checks, 1)]
        lines += [f"  $ {command}" for command in self.commands]
        return "\n".join(lines)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Investigation:
        """The investigation `to_dict` wrote; validated like a new one.

        Raises:
            ConfigError: the data is not an investigation, or a command is not read-only.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("checks"), list):
            raise ConfigError("not an investigation: expected an object with a title and a list of checks")
        return cls(
            str(data.get("title", "")),
            tuple(str(f) for f in data.get("findings") or ()),
            tuple(str(c) for c in data["checks"]),
            tuple(str(c) for c in data.get("commands") or ()),
        )


def _read_only_problem(command: str) -> str | None:
    """Why ``command`` is not a read-only kubectl command, or None when it is one."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return f"cannot be split into arguments ({exc})"
    if len(argv) < 2 or argv[0] != "kubectl":
        return "is not a kubectl command; write it as 'kubectl <verb> ...'"
    verb = argv[1]
    if verb not in READ_VERBS:
        return f"uses verb {verb!r}, which may change the cluster; allowed: {', '.join(sorted(READ_VERBS))}"
    if verb == "get" and any(a.lower() in _SECRET_WORDS or a.lower().startswith("secret") for a in argv[2:]):
        return (
            "would print a Secret's data; use 'kubectl describe secret', which shows only key names and sizes"
        )
    return None

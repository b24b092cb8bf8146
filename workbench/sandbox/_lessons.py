"""Teaching around a scenario: its hint ladder (sent as ``Warning:`` headers kubectl prints), its
success checks graded over HTTP (a learner's sandbox in another process), and a readable description.

Example:
    >>> print(describe("crashloop").splitlines()[0])
    crashloop (level 1): The billing team's invoice-api crash-loops after a release that forgot one setting.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import ConfigError
from workbench.sandbox import _scenarios
from workbench.sandbox._control._cluster import KINDS
from workbench.sandbox._scenarios._checks import CheckReport, evaluate, parse_checks

HINT_EVERY = 3
"""A hint goes out with every third write the learner makes while the checks still fail."""


class HintLadder:
    """Gives a scenario's hints one at a time, vague to specific, while its checks fail.

    Args:
        hints: the ladder from ``scenario.yaml``.
        solved: whether the scenario's checks pass now (no more hints once they do).
        every: how many writes between two hints.
    """

    def __init__(self, hints: Sequence[str], solved: Callable[[], bool], *, every: int = HINT_EVERY) -> None:
        self._hints = list(hints)
        self._solved = solved
        self._every = every
        self._writes = 0
        self._given = 0
        self._lock = threading.Lock()

    def after_write(self) -> str | None:
        """Called for each write request; returns the text of the next hint when one is due."""
        with self._lock:
            self._writes += 1
            if self._writes % self._every or self._given >= len(self._hints):
                return None
        if self._solved():
            return None
        with self._lock:
            if self._given >= len(self._hints):
                return None
            self._given += 1
            return f"hint {self._given}/{len(self._hints)}: {self._hints[self._given - 1]}"


def describe(scenario: str, *, solution: bool = False) -> str:
    """A scenario's lesson as text: description, goal, hints; with `solution`, the fix and wrong fixes.

    Raises:
        ScenarioError: an unknown scenario.
    """
    header = _scenarios.scenario_header(scenario)
    teaching: dict[str, Any] = header["teaching"]
    level = f" (level {teaching['level']})" if "level" in teaching else ""
    lines = [f"{header['name']}{level}: {header['description']}"]
    if teaching.get("goal"):
        lines += ["", f"Goal: {' '.join(str(teaching['goal']).split())}"]
    hints = teaching.get("hints") or []
    if hints:
        lines += ["", "Hints:"] + [f"  {i}. {hint}" for i, hint in enumerate(hints, start=1)]
    if solution and teaching.get("fix"):
        fix = teaching["fix"]
        lines += ["", f"Fix: {' '.join(str(fix.get('summary', '')).split())}"]
        lines += [f"  $ {_command_text(c)}" for c in fix.get("commands") or []]
        for wrong in teaching.get("wrong_fixes") or []:
            lines += ["", f"Wrong fix: {' '.join(str(wrong.get('summary', '')).split())}"]
            lines += [f"  $ {_command_text(c)}" for c in wrong.get("commands") or []]
            if wrong.get("why"):
                lines.append(f"  Why not: {' '.join(str(wrong['why']).split())}")
    return "\n".join(lines)


def _command_text(command: Any) -> str:
    return str(command["command"] if isinstance(command, dict) else command)


def check_url(scenario: str, url: str, *, timeout: float = 10.0) -> CheckReport:
    """Grade a running sandbox (reachable at `url`, e.g. from its kubeconfig) on `scenario`'s checks.

    Raises:
        ScenarioError: an unknown scenario.
        ConfigError: the sandbox cannot be reached or answers with an error.
    """
    teaching = _scenarios.scenario_header(scenario)["teaching"]
    checks = parse_checks(teaching.get("checks"), source=scenario)
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"{url!r} is not an http(s) URL of an API server")

    def fetch(kind: str, namespace: str | None) -> list[dict[str, Any]]:
        group, version, plural = KINDS[kind]
        prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        path = (
            f"{prefix}/namespaces/{urllib.parse.quote(namespace)}/{plural}"
            if namespace
            else f"{prefix}/{plural}"
        )
        try:
            # The URL is the sandbox's own, from its kubeconfig: http(s) only, never a file: scheme.
            with urllib.request.urlopen(base + path, timeout=timeout) as response:  # noqa: S310
                body: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []  # a namespace or kind that does not exist holds nothing
            raise ConfigError(f"the sandbox at {base} answered {exc.code} for {path}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise ConfigError(
                f"cannot reach the sandbox at {base} ({exc}); is it running? start it with "
                f"`workbench sandbox start --scenario {scenario}`"
            ) from exc
        items: list[dict[str, Any]] = body.get("items") or []
        return items

    return evaluate(checks, fetch)


def server_of(kubeconfig: str | None) -> str:
    """The API server URL of a kubeconfig's current context (the sandbox's own kubeconfig)."""
    path = Path(kubeconfig or os.environ.get("KUBECONFIG", "") or Path.home() / ".kube" / "config")
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"cannot read the kubeconfig {path} ({exc}); pass the one `workbench sandbox start` printed "
            "with --kubeconfig"
        ) from exc
    contexts = {c["name"]: c["context"] for c in config.get("contexts") or []}
    clusters = {c["name"]: c["cluster"] for c in config.get("clusters") or []}
    context = contexts.get(config.get("current-context", ""))
    if context is None or context.get("cluster") not in clusters:
        raise ConfigError(
            f"the kubeconfig {path} has no current context; pass the sandbox's with --kubeconfig"
        )
    server: str = clusters[context["cluster"]]["server"]
    return server

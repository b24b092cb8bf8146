"""What a started container does, decided from the app model and the pod spec, in simulated time.

A `Process` is created when a container starts. It knows (or learns as time passes) when it exits
and why, what it logs and when, whether it listens on a port and serves a path, and which files it
has. The runtime asks it to `advance` to now (the new log lines), when it must be woken (`wake`),
and how its probes fare (`listening`, `http_status`, `exec`).

`AppProcess` (`_app`) runs an image's app model; `ShellProcess` (`_shellproc`) runs
``command``/``args`` as busybox's sh would. This module holds what both share, and exec probes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workbench.sandbox._control._apps import AppModel
from workbench.sandbox._control._kubelet._applog import LineFiller
from workbench.sandbox._control._kubelet._config import MASK, Files
from workbench.sandbox._control._kubelet._shcmds import run_command
from workbench.sandbox._control._kubelet._shell import Shell
from workbench.sandbox._control._kubelet._shtypes import Connect, Lookup, Out, Run, ShellExit, Sleep

MAX_LINES = 5_000
"""Lines one run writes at most: enough for any exercise, bounded for a pod that runs for days."""


@dataclass(frozen=True)
class Exit:
    at: float
    code: int
    reason: str  # Error | Completed | OOMKilled


@dataclass
class Setting:
    """What one container run starts with."""

    start: float
    model: AppModel
    container: dict[str, Any]
    env: dict[str, str | None]
    files: Files
    fill: LineFiller
    stamp: Callable[[float], datetime]
    reach: Callable[[str, int | None], tuple[bool, str]]
    lookup: Callable[[str], tuple[str, str] | str]
    memory_limit: float | None = None


class Process:
    """The common part: lines, the known exit, and the memory curve."""

    def __init__(self, s: Setting) -> None:
        self.s = s
        self.start = s.start
        self.ended: Exit | None = None
        self._planned: deque[tuple[float, str]] = deque()
        self._written = 0
        oom_after = s.model.memory.reaches(s.memory_limit) if s.memory_limit else None
        self._oom = None if oom_after is None else Exit(s.start + max(oom_after, 0.5), 137, "OOMKilled")

    def exit(self) -> Exit | None:
        if self._oom is not None and (self.ended is None or self._oom.at < self.ended.at):
            return self._oom
        return self.ended

    def plan(self, at: float, line: str, **extra: Any) -> None:
        if self._written + len(self._planned) < MAX_LINES:
            self._planned.append((at, self.s.fill.fill(line, at, **extra)))

    def release(self, now: float) -> list[tuple[float, str]]:
        end = self.exit()
        limit = now if end is None else min(now, end.at)
        out: list[tuple[float, str]] = []
        while self._planned and self._planned[0][0] <= limit + 1e-9:
            out.append(self._planned.popleft())
        self._written += len(out)
        return out

    def next_line(self) -> float | None:
        return self._planned[0][0] if self._planned else None

    def memory(self, now: float) -> float:
        return self.s.model.memory.at(now - self.start)

    # -- overridden ------------------------------------------------------------------------------
    def advance(self, now: float) -> list[tuple[float, str]]:
        return self.release(now)

    def wake(self, now: float) -> float | None:
        end = self.exit()
        times = [t for t in (self.next_line(), end.at if end else None) if t is not None and t > now]
        return min(times) if times else None

    def listening(self, port: int, at: float) -> bool:
        return False

    def http_status(self, path: str, at: float, readiness: bool) -> int:
        return 404

    def breaks(self) -> list[float]:
        return []

    def file_exists(self, path: str, at: float) -> bool:
        return self.s.files.exists(path)

    def exec(self, argv: list[str], at: float) -> tuple[bool, str]:
        """An exec probe: the command run at `at` in a shell that sees this process's files."""
        world = _ProbeWorld(self, at)
        sh = Shell(world, visible_env(self.s.env), name="sh")
        run = main(sh, argv)
        answer: Any = None
        lines: list[str] = []
        for _ in range(5_000):
            try:
                action = run.send(answer)
            except StopIteration as done:
                return int(done.value or 0) == 0, "\n".join(lines)
            answer = None
            if isinstance(action, Out):
                lines.append(action.line)
            elif isinstance(action, Sleep) and math.isinf(action.seconds):
                return False, "command timed out"
            elif isinstance(action, Lookup):
                answer = self.s.lookup(action.host)
            elif isinstance(action, Connect):
                answer = self.s.reach(action.host, action.port)
        return False, "command timed out"

    def program(self, argv: list[str], at: float) -> tuple[int, list[str]] | None:
        """A program of the image run by a probe at `at` (None: the image has no such program)."""
        return None

    def missing(self, name: str) -> bool:
        """Whether the image lacks a command the shell knows (busybox has no curl)."""
        return False


class _ProbeWorld:
    """A shell for an exec probe: the process's files as they are at the probe's moment."""

    def __init__(self, process: Process, at: float) -> None:
        self.process = process
        self.at = at

    def file_exists(self, path: str) -> bool:
        return self.process.file_exists(path, self.at)

    def file_content(self, path: str) -> list[str] | None:
        return self.process.s.files.content(path)

    def stamp(self, offset: float) -> datetime:
        return self.process.s.stamp(self.at + offset)

    def program(self, argv: list[str]) -> tuple[int, list[str]] | None:
        return self.process.program(argv, self.at)

    def missing(self, name: str) -> bool:
        return self.process.missing(name)


def main(sh: Shell, argv: list[str]) -> Run:
    try:
        return (yield from run_command(sh, argv))
    except ShellExit as done:
        return done.code
    except Exception:  # noqa: BLE001  # break/continue outside a loop end the script, as in sh
        return sh.status


def present(value: str | None) -> bool:
    return value is None or value != ""


def visible_env(env: dict[str, str | None]) -> dict[str, str]:
    """Variables as a script sees them; those from Secrets are masked, never copied."""
    return {k: MASK if v is None else v for k, v in env.items()}

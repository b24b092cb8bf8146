"""A container running a shell command (busybox, alpine, or ``sh -c`` in any image), in simulated time.

The script (`_shell`) is stepped ahead of the clock as far as it can go without asking the network;
its log lines are released as time reaches them, and a question about the network (``nslookup``,
``wget``...) is answered only when its moment comes, since a Service may appear in between. Files
it touches and removes are remembered with their times, for exec probes. `start` decides whether a
container runs its shell command or its image's app.
"""

from __future__ import annotations

import math
import posixpath
from datetime import datetime
from typing import Any

from workbench.sandbox._control._apps import AppModel
from workbench.sandbox._control._kubelet._app import AppProcess
from workbench.sandbox._control._kubelet._process import Exit, Process, Setting, main, visible_env
from workbench.sandbox._control._kubelet._shcmds import COMMANDS, RUNS_ON, SHELLS
from workbench.sandbox._control._kubelet._shell import Shell
from workbench.sandbox._control._kubelet._shtypes import Connect, Lookup, Out, Sleep, Touch

_HORIZON = 120.0
_MAX_FILE_CHANGES = 512
_MISSING = {
    "library/busybox": frozenset({"curl", "bash"}),
    "library/alpine": frozenset({"curl", "bash"}),
    "curlimages/curl": frozenset({"bash"}),
    "library/ubuntu": frozenset({"curl", "wget", "nslookup", "nc", "ping"}),
    "library/debian": frozenset({"curl", "wget", "nslookup", "nc", "ping"}),
}
"""Commands the shell knows that an image does not ship (``sh: curl: not found`` in busybox)."""


class ShellProcess(Process):
    """``command``/``args`` run by busybox's sh, one step at a time as the clock allows."""

    def __init__(self, s: Setting, argv: list[str], *, busybox: bool) -> None:
        super().__init__(s)
        self.busybox = busybox
        self.shell = Shell(_RunWorld(self), visible_env(s.env), name="sh")
        self._run = main(self.shell, argv)
        self._cursor = s.start
        self._blocked: Lookup | Connect | None = None
        self._forever = False
        self._files: list[tuple[float, str, bool]] = []  # recent changes, in time order
        self._settled: dict[str, bool] = {}  # older changes folded into their final state
        self._pump(s.start)

    def missing(self, name: str) -> bool:
        path = self.s.model.repository.split("/", 1)[-1]
        return name in _MISSING.get(path, _MISSING["library/busybox"] if self.busybox else frozenset())

    def program(self, argv: list[str], at: float) -> tuple[int, list[str]] | None:
        return None if self.busybox else (0, [])

    def _pump(self, now: float) -> None:
        answer: Any = None
        if self._blocked is not None:
            if self._cursor > now + 1e-9:
                return
            answer = self._answer(self._blocked)
            self._blocked = None
        for _ in range(2_000):
            if self.ended is not None or self._forever:
                return
            try:
                action = self._run.send(answer)
            except StopIteration as done:
                code = int(done.value or 0)
                self.ended = Exit(self._cursor + 0.01, code, "Completed" if code == 0 else "Error")
                return
            answer = None
            if isinstance(action, Sleep):
                if math.isinf(action.seconds):
                    self._forever = True
                    return
                self._cursor += action.seconds
            elif isinstance(action, Out):
                self.plan(self._cursor, action.line)
                self._cursor += 0.0005
            elif isinstance(action, Touch):
                self._record(posixpath.normpath(action.path), exists=action.exists)
            elif self._cursor <= now + 1e-9:
                answer = self._answer(action)
            else:
                self._blocked = action
                return
            if self._cursor > now + _HORIZON:
                return

    def _answer(self, action: Lookup | Connect) -> Any:
        if isinstance(action, Lookup):
            return self.s.lookup(action.host)
        return self.s.reach(action.host, action.port)

    def advance(self, now: float) -> list[tuple[float, str]]:
        self._pump(now)
        return self.release(now)

    def wake(self, now: float) -> float | None:
        times = [super().wake(now)]
        if self._blocked is not None or (self.ended is None and not self._forever):
            times.append(
                self._cursor if self._blocked is not None else max(self._cursor - _HORIZON / 2, now + 1)
            )
        nxt = self.next_line()
        if nxt is not None:
            times.append(max(nxt, now + 2.0))  # logs appear on time, batched a little
        future = [t for t in times if t is not None and t > now]
        return min(future) if future else None

    def file_exists(self, path: str, at: float) -> bool:
        path = posixpath.normpath(path)
        state: bool | None = self._settled.get(path)
        for when, name, exists in self._files:
            if when > at:
                break
            if name == path:
                state = exists
        return self.s.files.exists(path) if state is None else state

    def breaks(self) -> list[float]:
        return [t for t, _, _ in self._files]

    def _record(self, path: str, *, exists: bool) -> None:
        """Remember a file change; a script that keeps touching files keeps only the recent ones."""
        self._files.append((self._cursor, path, exists))
        if len(self._files) > _MAX_FILE_CHANGES:
            old, self._files = self._files[: _MAX_FILE_CHANGES // 2], self._files[_MAX_FILE_CHANGES // 2 :]
            self._settled.update((name, state) for _, name, state in old)


class _RunWorld:
    """What the running script of a `ShellProcess` sees (its own writes it tracks itself)."""

    def __init__(self, process: ShellProcess) -> None:
        self.process = process

    def file_exists(self, path: str) -> bool:
        return self.process.s.files.exists(path)

    def file_content(self, path: str) -> list[str] | None:
        return self.process.s.files.content(path)

    def stamp(self, offset: float) -> datetime:
        return self.process.s.stamp(self.process.start + offset)

    def program(self, argv: list[str]) -> tuple[int, list[str]] | None:
        # busybox has no such program; an app image's own program runs until the container stops.
        return None if self.process.busybox else (RUNS_ON, [])

    def missing(self, name: str) -> bool:
        return self.process.missing(name)


def shell_argv(container: dict[str, Any], model: AppModel) -> list[str] | None:
    """The command line a shell runs for this container, or None when the image's app runs."""
    command = [str(c) for c in container.get("command") or []]
    args = [str(a) for a in container.get("args") or []]
    if model.shell:
        if command:
            return command + args
        return args or ["sh"]
    first = posixpath.basename(command[0]) if command else ""
    if first in SHELLS or first in COMMANDS:
        return command + args
    return None


def start(s: Setting) -> Process:
    """The process for a container starting now: a shell script or the image's app."""
    argv = shell_argv(s.container, s.model)
    if argv is None:
        return AppProcess(s)
    return ShellProcess(s, argv, busybox=s.model.shell)

"""Running a shell script in simulated time: a generator of what it does, step by step.

`Shell.script()` is a generator of the steps in `_shtypes`: `Sleep` (time passes), `Out` (a log
line), `Touch` (a file appears or goes) and network questions (`Lookup`, `Connect`) whose answers the
caller sends back once the simulated clock has reached the moment they are asked, because a Service
may appear later. It returns the exit status. The commands themselves live in `_shcmds`/`_shnet`.

A loop that never sleeps would spin forever without time passing; after a few hundred idle rounds it
is taken to run forever (a busy loop), as its container would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from workbench.sandbox._control._kubelet._shparse import (
    AndOr,
    For,
    Group,
    If,
    Loop,
    Pipeline,
    Seq,
    ShellSyntaxError,
    Simple,
    Word,
    matching,
    parse,
)
from workbench.sandbox._control._kubelet._shtypes import (
    IDLE_ROUNDS,
    Action,
    Connect,
    Lookup,
    LoopControl,
    Out,
    Run,
    ShellExit,
    Sleep,
    Touch,
    World,
    arithmetic,
)


class Shell:
    """One shell process: variables, the files it wrote, its output sinks and its clock offset."""

    def __init__(self, world: World, env: dict[str, str], *, name: str = "sh", pid: int = 1) -> None:
        self.world = world
        self.vars = dict(env)
        self.files: dict[str, list[str] | None] = {}  # path → content; None: removed
        self.status = 0
        self.elapsed = 0.0
        self.name = name
        self.pid = pid
        self.errexit = False
        self._conditions = 0
        self._sinks: list[list[str] | None] = []  # None: discard; a list: captured
        self._err_sinks: list[list[str] | None] = []
        self.stdin: list[str] | None = None

    # -- entry points ----------------------------------------------------------------------------
    def script(self, text: str) -> Run:
        try:
            tree = parse(text)
        except ShellSyntaxError as exc:
            yield from self.err(f"{self.name}: {exc}")
            return 2
        try:
            return (yield from self.seq(tree))
        except ShellExit as done:
            return done.code
        except LoopControl:
            return self.status

    # -- output ----------------------------------------------------------------------------------
    def out(self, line: str) -> Iterator[Action]:
        yield from _emit(self._sinks, line)

    def err(self, line: str) -> Iterator[Action]:
        yield from _emit(self._err_sinks, line)

    def sleep(self, seconds: float) -> Iterator[Action]:
        self.elapsed += seconds
        yield Sleep(seconds)

    # -- files -----------------------------------------------------------------------------------
    def exists(self, path: str) -> bool:
        if path in self.files:
            return self.files[path] is not None
        if any(p.startswith(path.rstrip("/") + "/") and c is not None for p, c in self.files.items()):
            return True
        # Paths every container image has (inside the simulated container, not on this machine).
        return path in ("/", "/tmp", "/dev/null", "/etc", "/bin", "/etc/hostname", "/etc/hosts") or (  # noqa: S108
            self.world.file_exists(path)
        )

    def content(self, path: str) -> list[str] | None:
        if path in self.files:
            return self.files[path]
        if path == "/etc/hostname":
            return [self.vars.get("HOSTNAME", "")]
        return self.world.file_content(path)

    def write(self, path: str, lines: list[str] | None, *, append: bool = False) -> Iterator[Action]:
        if path in ("/dev/null", "/dev/stdout", "/dev/stderr", "/proc/1/fd/1", "/proc/1/fd/2"):
            if path != "/dev/null" and lines:
                for line in lines:
                    yield Out(line)
            return
        existed = self.exists(path)
        if lines is None:
            self.files[path] = None
        else:
            before = (self.content(path) or []) if append else []
            self.files[path] = before + lines
        if existed != (lines is not None):
            yield Touch(path, lines is not None)

    # -- structure -------------------------------------------------------------------------------
    def seq(self, node: Seq) -> Run:
        for item, background in node.items:
            if background:
                self.status = 0  # a background job: the script does not wait for it
                continue
            self.status = yield from self.and_or(item)
            if self.errexit and self.status and not self._conditions and not item.rest:
                raise ShellExit(self.status)
        return self.status

    def condition(self, node: Seq) -> Run:
        self._conditions += 1
        try:
            return (yield from self.seq(node))
        finally:
            self._conditions -= 1

    def and_or(self, node: AndOr) -> Run:
        if node.rest:
            self._conditions += 1
        try:
            status = yield from self.pipeline(node.first)
            for op, nxt in node.rest:
                if (op == "&&" and status == 0) or (op == "||" and status != 0):
                    status = yield from self.pipeline(nxt)
        finally:
            if node.rest:
                self._conditions -= 1
        return status

    def pipeline(self, node: Pipeline) -> Run:
        stdin = self.stdin
        status = 0
        for index, command in enumerate(node.commands):
            last = index == len(node.commands) - 1
            captured: list[str] = []
            if not last:
                self._sinks.append(captured)
            try:
                status = yield from self.command(command)
            finally:
                if not last:
                    self._sinks.pop()
            self.stdin = captured if not last else stdin
        self.stdin = stdin
        return int(not status) if node.negate else status

    def command(self, node: object) -> Run:
        if isinstance(node, Simple):
            return (yield from self.simple(node))
        if isinstance(node, Group):
            return (yield from self.seq(node.body))
        if isinstance(node, If):
            for cond, body in node.branches:
                if (yield from self.condition(cond)) == 0:
                    return (yield from self.seq(body))
            return (yield from self.seq(node.orelse)) if node.orelse is not None else 0
        if isinstance(node, Loop):
            return (yield from self.loop(node))
        if isinstance(node, For):
            values = self.vars.get("@", "").split() if node.words is None else self.expand_all(node.words)
            status = 0
            for value in values:
                self.vars[node.var] = value
                try:
                    status = yield from self.seq(node.body)
                except LoopControl as ctl:
                    if ctl.depth > 1:
                        raise LoopControl(ctl.kind, ctl.depth - 1) from None
                    if ctl.kind == "break":
                        break
            return status
        raise ShellSyntaxError(f"cannot run {type(node).__name__}")

    def loop(self, node: Loop) -> Run:
        status = 0
        idle = 0
        while True:
            started = self.elapsed
            cond = yield from self.condition(node.cond)
            if (cond == 0) == node.until:
                return status
            try:
                status = yield from self.seq(node.body)
            except LoopControl as ctl:
                if ctl.depth > 1:
                    raise LoopControl(ctl.kind, ctl.depth - 1) from None
                if ctl.kind == "break":
                    return 0
            idle = idle + 1 if self.elapsed == started else 0
            if idle >= IDLE_ROUNDS:
                yield from self.sleep(math.inf)  # a busy loop: it spins until the container is killed

    def simple(self, node: Simple) -> Run:
        from workbench.sandbox._control._kubelet._shcmds import run_command  # noqa: PLC0415  # it builds on this module

        for name, value in node.assigns:
            self.vars[name] = self.expand(value)
        argv = self.expand_all(node.words)
        if not argv:
            return 0
        pushed_out = pushed_err = 0
        writes: list[tuple[str, list[str], bool]] = []
        for op, target in node.redirects:
            path = self.expand(target) if target else ""
            if op in (">", ">>", "&>"):
                captured: list[str] | None = None if path == "/dev/null" else []
                self._sinks.append(captured)
                pushed_out += 1
                if op == "&>":
                    self._err_sinks.append(captured)
                    pushed_err += 1
                if captured is not None:
                    writes.append((path, captured, op == ">>"))
            elif op in ("2>", "2>>"):
                self._err_sinks.append(None if path == "/dev/null" else [])
                pushed_err += 1
            elif op == "<":
                self.stdin = self.content(path) or []
        try:
            status = yield from run_command(self, argv)
        finally:
            del self._sinks[len(self._sinks) - pushed_out :]
            del self._err_sinks[len(self._err_sinks) - pushed_err :]
        for path, lines, append in writes:
            yield from self.write(path, lines, append=append)
        return status

    # -- expansion -------------------------------------------------------------------------------
    def expand_all(self, words: list[Word]) -> list[str]:
        out: list[str] = []
        for word in words:
            out.extend(self.expand_word(word))
        return out

    def expand(self, word: Word) -> str:
        return " ".join(self.expand_word(word)) if word else ""

    def expand_word(self, word: Word) -> list[str]:
        fields: list[str] = [""]
        quoted = False
        for kind, text in word:
            if kind == "sq":
                fields[-1] += text
                quoted = True
                continue
            value = self.substitute(text)
            if kind == "dq":
                fields[-1] += value
                quoted = True
            else:
                pieces = value.split()
                if not pieces:
                    continue
                if value[:1].isspace():
                    fields.append("")
                fields[-1] += pieces[0]
                fields.extend(pieces[1:])
                if value[-1:].isspace():
                    fields.append("")
        out = [f for f in fields if f]
        return out if out or not quoted else [""]

    def substitute(self, text: str) -> str:
        if "$" not in text:
            return text
        out: list[str] = []
        i = 0
        while i < len(text):
            c = text[i]
            if c != "$" or i + 1 >= len(text):
                out.append(c)
                i += 1
                continue
            nxt = text[i + 1]
            if text.startswith("$((", i):
                end = matching(text, i + 1)
                out.append(str(arithmetic(self.substitute(text[i + 3 : end - 1]), self.vars)))
                i = end + 1
            elif nxt == "(":
                end = matching(text, i + 1)
                out.append("\n".join(self.capture(text[i + 2 : end])))
                i = end + 1
            elif nxt == "{":
                end = matching(text, i + 1)
                out.append(self.parameter(text[i + 2 : end]))
                i = end + 1
            elif nxt in "?$#!0":
                out.append(
                    {"?": str(self.status), "$": str(self.pid), "#": "0", "!": "", "0": self.name}[nxt]
                )
                i += 2
            elif nxt.isalpha() or nxt == "_":
                m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[i + 1 :])
                assert m is not None
                out.append(self.variable(m.group(0)))
                i += 1 + m.end()
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def variable(self, name: str) -> str:
        if name == "RANDOM":
            return str(int(self.elapsed * 7919 + len(self.files) * 104729) % 32768)
        if name == "SECONDS":
            return str(int(self.elapsed))
        return self.vars.get(name, "")

    def parameter(self, body: str) -> str:
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(:?[-=+?])?(.*)", body)
        if m is None:
            return ""
        name, op, rest = m.groups()
        value = self.variable(name)
        if not op:
            return str(len(value)) if body.startswith("#") else value
        empty = value == "" if op.startswith(":") else name not in self.vars
        if op.endswith(("-", "=")):
            if empty:
                value = self.substitute(rest)
                if op.endswith("="):
                    self.vars[name] = value
            return value
        if op.endswith("+"):
            return "" if empty else self.substitute(rest)
        return value

    def capture(self, script: str) -> list[str]:
        """``$(…)``: run without passing time (a substitution that sleeps is cut short)."""
        sub = Shell(self.world, self.vars, name=self.name, pid=self.pid + 1)
        sub.files = self.files
        sub.elapsed = self.elapsed
        captured: list[str] = []
        sub._sinks.append(captured)
        sub._err_sinks.append(self._err_sinks[-1] if self._err_sinks else None)
        run = sub.script(script)
        answer: Any = None
        for _ in range(1000):
            try:
                action = run.send(answer)
            except StopIteration:
                break
            answer = None
            if isinstance(action, Lookup):
                answer = "connection timed out"
            elif isinstance(action, Connect):
                answer = (False, "i/o timeout")
        return captured


def _emit(sinks: list[list[str] | None], line: str) -> Iterator[Action]:
    """To the container log when nothing redirects, else into the innermost capture (None: discard)."""
    if not sinks:
        yield Out(line)
        return
    sink = sinks[-1]
    if sink is not None:
        sink.append(line)

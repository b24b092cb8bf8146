"""What a simulated shell script does, step by step, and what it can see of its container.

A script yields `Sleep` (time passes), `Out` (a log line), `Touch` (a file appears or goes) and the
network questions `Lookup` and `Connect`, which the caller answers once the clock reaches them.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Sleep:
    seconds: float  # math.inf: forever


@dataclass(frozen=True)
class Out:
    line: str


@dataclass(frozen=True)
class Touch:
    path: str
    exists: bool


@dataclass(frozen=True)
class Lookup:
    """Resolve `host`; the answer is ``(ip, fqdn)`` or an error string."""

    host: str


@dataclass(frozen=True)
class Connect:
    """Open a TCP connection; the answer is ``(ok, error)`` as `_network.reach` gives it."""

    host: str
    port: int


Action = Sleep | Out | Touch | Lookup | Connect
Run = Generator[Action, Any, int]

IDLE_ROUNDS = 200


class World(Protocol):
    """What a script sees of its container: mounted files, the clock, the image's own programs."""

    def file_exists(self, path: str) -> bool: ...

    def file_content(self, path: str) -> list[str] | None: ...

    def stamp(self, offset: float) -> datetime: ...

    def program(self, argv: list[str]) -> tuple[int, list[str]] | None:
        """Run a program of the image that is not a shell builtin or applet (None: not found)."""
        ...

    def missing(self, name: str) -> bool:
        """Whether the image lacks a command the shell knows (busybox has no curl)."""
        ...


class ShellExit(Exception):  # noqa: N818  # control flow, as sh's `exit`
    def __init__(self, code: int) -> None:
        self.code = code


class LoopControl(Exception):  # noqa: N818
    def __init__(self, kind: str, depth: int) -> None:
        self.kind = kind
        self.depth = depth


_OPS: dict[type, Callable[..., int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Lt: operator.lt,
    ast.Gt: operator.gt,
    ast.LtE: operator.le,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def arithmetic(expression: str, variables: dict[str, str]) -> int:
    """``$((i + 1))``: integers, + - * / %, comparisons and variables (unset ones are 0)."""

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            text = variables.get(node.id, "0")
            return int(text) if text.lstrip("-").isdigit() else 0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            right = value(node.right)
            if right == 0 and isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Mod)):
                return 0
            return int(_OPS[type(node.op)](value(node.left), right))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPS:
            return int(_OPS[type(node.ops[0])](value(node.left), value(node.comparators[0])))
        raise ValueError("unsupported arithmetic")

    try:
        return value(
            ast.parse(expression.replace("/", "//").replace("////", "//").strip() or "0", mode="eval").body
        )
    except (SyntaxError, ValueError, RecursionError):
        return 0

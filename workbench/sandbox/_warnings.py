"""Warnings for the HTTP response (``Warning: 299`` headers), collected per request.

Like kube-apiserver's ``warning.AddWarning(ctx)``: code deep in a write adds a text, the handler
sends what the request collected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

_WARNINGS: ContextVar[list[str] | None] = ContextVar("sandbox_warnings", default=None)


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Collect the warnings the writes made inside the block give (each text once, in order)."""
    sink: list[str] = []
    token = _WARNINGS.set(sink)
    try:
        yield sink
    finally:
        _WARNINGS.reset(token)


def add_warnings(texts: list[str]) -> None:
    """Record warnings for the request being served, if one is collecting them."""
    sink = _WARNINGS.get()
    if sink is not None:
        sink.extend(t for t in texts if t not in sink)


def pending_warnings() -> list[str]:
    """The warnings recorded so far in the innermost `collect_warnings` block (empty outside one)."""
    return list(_WARNINGS.get() or ())

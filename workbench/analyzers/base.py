"""The analyzer protocol: one method, frames in, findings out; metadata as class attributes.

An analyzer is pure: no I/O, no plotting, no LLM. It reads a `Frames` bundle (live or from a
snapshot — the same frames give the same findings) and yields `Finding`s. Column names come from
`workbench.frames.schema`; an empty frame means "none of that kind" (or that it could not be read:
``frames.missing`` says which), so analyzers never test for presence.

Example:
    >>> class NoNodes:
    ...     name = "no-nodes"
    ...     codes = ("cluster.no-nodes",)
    ...     def analyze(self, frames):
    ...         return []
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Protocol, runtime_checkable

from workbench.frames import Frames
from workbench.model import Finding

DOCS = "https://kubernetes.io/docs/"
"""Prefix of the docs links findings carry."""


@runtime_checkable
class Analyzer(Protocol):
    """Finds one family of problems.

    Attributes:
        name: the analyzer's name in reports and the registry (``pod``, ``service``).
        codes: every finding code it can emit (registry checks they are unique across analyzers).
    """

    name: ClassVar[str]
    codes: ClassVar[tuple[str, ...]]

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """The findings in ``frames``, in any order (the report sorts them)."""
        ...

"""The planner protocol: one method, a finding and the frames in, a plan or an investigation out.

A planner is pure, like an analyzer: no I/O, no cluster, no LLM. It reads the `Frames` bundle the
finding came from (live or from a snapshot) and builds a `Plan` only from what the frames show: the
image older pods ran, the keys a ConfigMap has, the replicas a Deployment had before it was scaled
down. When it handles the finding's code but the evidence does not justify a change, it returns an
`Investigation` saying what to look at; when the finding is not its kind of case at all (a crash
loop whose log names no missing variable, for the env planner) it returns None and the next planner
is asked.

Example:
    >>> class NoOp:
    ...     name = "no-op"
    ...     codes = ("pod.crashloop",)
    ...     def propose(self, finding, frames):
    ...         return None
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

from workbench.frames import Frames
from workbench.model import Finding, Investigation, Plan


@runtime_checkable
class Planner(Protocol):
    """Plans the remediation of some finding codes.

    Attributes:
        name: the planner's name: what findings' ``planners`` hints name (``raise-memory-limit``).
        codes: the finding codes it may plan for.
    """

    name: ClassVar[str]
    codes: ClassVar[tuple[str, ...]]

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A plan for ``finding`` from the evidence in ``frames``; an investigation when no change
        is justified; None when the case is not one this planner knows."""
        ...

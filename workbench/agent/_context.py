"""`ClusterView`: the one cluster the agent may look at — read-only, pulled once, cached per session.

The agent reads through this and nothing else: frames, the analysis (with the failing containers'
log tails), one container's log, and the planners' proposals. It holds a `ClusterSource`, which only
reads; nothing here can write (the import contracts forbid the agent the remediation writer).
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.analyzers import AnalysisReport
from workbench.analyzers.run import analyze
from workbench.frames import Frames, pull, with_log_tails
from workbench.remediation.planners import Proposal, proposals
from workbench.sources import ClusterSource

LOG_TAIL = 200
"""Lines of each failing container's log read for the analysis."""


class ClusterView:
    """Read-only access to one cluster for the agent's tools.

    Args:
        source: a live cluster or a snapshot.
        namespaces: limit what the agent sees to these namespaces (``None``: all it may read).
        frames: frames already pulled (the notebook's), to avoid pulling again.
    """

    def __init__(
        self, source: ClusterSource, *, namespaces: Sequence[str] | None = None, frames: Frames | None = None
    ) -> None:
        self.source = source
        self.namespaces = tuple(namespaces) if namespaces is not None else None
        self._frames = frames
        self._analysis: tuple[AnalysisReport, Frames] | None = None

    @property
    def name(self) -> str:
        """The context name or snapshot path."""
        return self.source.name

    def frames(self) -> Frames:
        """Every frame (pulled on first use)."""
        if self._frames is None:
            self._frames = pull(self.source)
        return self._frames

    def analysis(self) -> tuple[AnalysisReport, Frames]:
        """The analysis and the frames it read (with log tails), computed once."""
        if self._analysis is None:
            frames = with_log_tails(self.frames(), self.source, self.namespaces, tail=LOG_TAIL)
            self._analysis = (analyze(frames, namespaces=self.namespaces), frames)
        return self._analysis

    def proposals(self) -> list[Proposal]:
        """A plan or an investigation for each root cause."""
        report, frames = self.analysis()
        return proposals(report, frames)

    def logs(
        self,
        namespace: str,
        pod: str,
        *,
        container: str | None = None,
        previous: bool = False,
        tail: int = 200,
    ) -> str:
        """One container's log (raises the source's errors: no such pod or container)."""
        return self.source.logs(namespace, pod, container=container, previous=previous, tail=tail)

    def refresh(self) -> None:
        """Forget the cached frames and analysis; the next read pulls again."""
        self._frames = None
        self._analysis = None

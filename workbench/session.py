"""The notebook facade: one object for a cluster, live or from a snapshot. It wires stages, no logic.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="crashloop") as sb, workbench.connect(kubeconfig=sb.kubeconfig) as c:
    ...     frames = c.frames()
    ...     "billing" in set(frames.pods.namespace)
    True
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd

from workbench.analyzers import AnalysisReport, Analyzer
from workbench.analyzers.report import register_board
from workbench.analyzers.run import analyze as run_analysis
from workbench.errors import ConfigError, SourceError
from workbench.frames import Frames, logs_frame, logs_worth_reading, pull, with_log_tails
from workbench.model import ObjectRef, Plan
from workbench.redaction import Anonymizer
from workbench.remediation import AuditLog, Remediation
from workbench.remediation.planners import Proposal, propose
from workbench.remediation.planners import proposals as propose_all
from workbench.sources import (
    BUILTIN,
    ClusterSource,
    Kind,
    LiveSource,
    Missing,
    SnapshotSource,
    SnapshotWriter,
    connect_live,
)

if TYPE_CHECKING:
    from workbench.agent import Chat
    from workbench.views.widgets import ClusterExplorer, FindingsBoard

DEFAULT_LOG_TAIL = 500
"""Lines kept per container log in a snapshot."""
DEFAULT_MAX_LOGS = 50
"""Container logs a snapshot or an analysis reads at most (the most broken first)."""
LOGS_PER_WORKLOAD = 2
"""Container logs read per workload at most, so every failing workload gets its share."""
ANALYSIS_LOG_TAIL = 200
"""Lines of each failing container's log that `Cluster.analyze` reads for the analyzers."""

# Each report `Cluster.analyze` made, with its cluster and frames, so `report.board()` plans from
# the same evidence; weak, so a report (and its frames) goes when the notebook drops it.
_ANALYSED: weakref.WeakKeyDictionary[AnalysisReport, tuple[Cluster, Frames]] = weakref.WeakKeyDictionary()


class Cluster:
    """A cluster's state for a notebook: frames, logs and snapshots over one `ClusterSource`.

    Use `connect` for a live cluster (or the sandbox) and `open_snapshot` for a ``.wbsnap`` file;
    both give this same API. Frames are pulled once and cached until ``refresh=True``.
    """

    def __init__(self, source: ClusterSource) -> None:
        self.source = source
        self._frames: Frames | None = None

    @property
    def name(self) -> str:
        """The context name or snapshot path."""
        return self.source.name

    def frames(self, *, refresh: bool = False) -> Frames:
        """Every frame of the cluster (pulled on first use, then cached).

        Args:
            refresh: pull again from the source instead of returning the cached bundle.
        """
        if self._frames is None or refresh:
            self._frames = pull(self.source)
        return self._frames

    def pull(self, frames: Iterable[str] | None = None) -> Frames:
        """A fresh pull of only ``frames`` (e.g. ``["pods", "events"]``); not cached."""
        return pull(self.source, frames)

    def logs(
        self,
        pod: ObjectRef | str,
        *,
        namespace: str | None = None,
        container: str | None = None,
        previous: bool = False,
        tail: int | None = 1000,
    ) -> pd.DataFrame:
        """A container's log as a frame of lines (time, line), oldest first.

        Args:
            pod: the pod's `ObjectRef` (e.g. from ``df.k8s.ref(i)``) or its name.
            namespace: the pod's namespace when ``pod`` is a name.
            container: the container (needed when the pod has several).
            previous: the log of the run before the last restart.
            tail: only the last this many lines (``None``: the source's byte bound applies).

        Raises:
            ConfigError: a pod name without a namespace, or a ref that is not a Pod.
            SourceError: the log cannot be read (the pod is gone, the container is unknown...).
        """
        if isinstance(pod, ObjectRef):
            if pod.kind != "Pod":
                raise ConfigError(f"logs are read from pods; {pod} is a {pod.kind}: pick one of its pods")
            namespace, name = pod.namespace, pod.name
        else:
            name = pod
        if not namespace:
            raise ConfigError(f"pass namespace= with the pod name {name!r}, or pass the pod's ObjectRef")
        text = self.source.logs(namespace, name, container=container, previous=previous, tail=tail)
        return logs_frame(text, namespace=namespace, pod=name, container=container, previous=previous)

    def analyze(
        self,
        namespaces: Sequence[str] | None = None,
        *,
        logs: bool = True,
        analyzers: Sequence[Analyzer] | None = None,
    ) -> AnalysisReport:
        """Run the analyzers over the cluster's frames: findings with evidence, linked by cause.

        Live clusters and snapshots give the same report (a snapshot holds the failing
        containers' log tails).

        Args:
            namespaces: report only findings in these namespaces (and cluster-scoped ones).
            logs: also read the last `ANALYSIS_LOG_TAIL` lines of every failing container's log
                (and of its previous run when it restarted) for the analyzers that read logs.
            analyzers: the analyzers to run; default every registered one.

        Returns:
            The `AnalysisReport`: ``print(report.to_text())``, ``report.to_frame()``, or just show it.

        Example:
            >>> report = cluster.analyze(["shop"])  # doctest: +SKIP
            >>> [f.id for f in report.roots()]  # doctest: +SKIP
        """
        frames = (
            with_log_tails(self.frames(), self.source, namespaces, tail=ANALYSIS_LOG_TAIL)
            if logs
            else self.frames()
        )
        report = run_analysis(frames, analyzers=analyzers, namespaces=namespaces)
        _ANALYSED[report] = (self, frames)
        return report

    def proposals(
        self, namespaces: Sequence[str] | None = None, *, codes: Sequence[str] | None = None
    ) -> list[Proposal]:
        """What to do about each root cause: a `Plan` to review and apply, or an `Investigation`.

        Runs the analysis (with log tails) and the remediation planners over the same frames.

        Args:
            namespaces: only root causes in these namespaces (and cluster-scoped ones).
            codes: only proposals addressing findings with these codes (``pod.oomkilled``).

        Example:
            >>> for proposal in cluster.proposals():  # doctest: +SKIP
            ...     print(proposal.title)
        """
        frames = with_log_tails(self.frames(), self.source, namespaces, tail=ANALYSIS_LOG_TAIL)
        found = propose_all(run_analysis(frames, namespaces=namespaces), frames)
        if codes:
            wanted = set(codes)
            found = [p for p in found if any(f.split(":", 1)[0] in wanted for f in p.findings)]
        return found

    def snapshot(
        self,
        path: str | os.PathLike[str],
        *,
        logs: Sequence[ObjectRef] | None = None,
        tail: int = DEFAULT_LOG_TAIL,
        anonymize: str | os.PathLike[str] | None = None,
    ) -> Path:
        """Write the cluster's state to one redacted ``.wbsnap`` file (see the README's format).

        Every kind's raw list, the log tails of failing containers, metrics and a manifest go in;
        Secret values never do, and secret-looking values anywhere are masked.

        Args:
            path: the file to write (replaced atomically; nothing is left behind on failure).
            logs: the pods whose container logs to capture; default: the failing containers
                (restarted, waiting or terminated with an error), at most `DEFAULT_MAX_LOGS`.
            tail: lines kept per log.
            anonymize: also replace names (namespaces, workloads, nodes, images, hosts) with
                pseudonyms and write the map needed to reverse them to this separate file.

        Returns:
            The snapshot's path.
        """
        anonymizer = Anonymizer() if anonymize is not None else None
        target = Path(path)
        with SnapshotWriter(target, anonymizer=anonymizer) as writer:
            missing = []
            for kind in (*BUILTIN, *self._custom_kinds()):
                try:
                    writer.add_pages(kind, self.source.list_pages(kind))
                except SourceError as exc:
                    missing.append(Missing.of(kind.frame, exc))
            writer.set_missing(missing)
            for namespace, pod, container, previous in logs_worth_reading(
                self.frames(), logs, max_logs=DEFAULT_MAX_LOGS, per_workload=LOGS_PER_WORKLOAD
            ):
                try:
                    text = self.source.logs(namespace, pod, container=container, previous=previous, tail=tail)
                except SourceError:
                    continue  # a pod that went away since the list: its log is simply not captured
                writer.add_log(namespace, pod, container, previous, text)
            written = writer.close(
                server_version=self.source.server_version(),
                source=self.source.name,
                namespaces=self.source.namespaces,
                custom_kinds=self._custom_kinds(),
            )
        if anonymizer is not None and anonymize is not None:
            anonymizer.save(Path(anonymize))
        return written

    def _custom_kinds(self) -> list[Kind]:
        try:
            return list(self.source.custom_kinds())
        except SourceError:
            return []

    def remediation(self, plan: Plan, *, audit: AuditLog | None = None) -> Remediation:
        """Bind a plan to this cluster: ``.dry_run()``, ``.approve()``, ``.apply(approval)``.

        Args:
            plan: the plan (from a planner, the agent, or written by hand).
            audit: where audit records go (default ``$WORKBENCH_AUDIT_LOG`` or the XDG state dir).

        Raises:
            ConfigError: this cluster is a snapshot, which cannot be changed.
        """
        if not isinstance(self.source, LiveSource):
            raise ConfigError(
                f"{self.name} is a snapshot: it can be read, not changed. Connect to the live cluster with "
                "workbench.connect(context=...) to dry-run and apply a plan"
            )
        return Remediation(plan, self.source, audit=audit)

    def explore(self, *, analyze: bool = True, page_size: int = 25) -> ClusterExplorer:
        """A widget to filter, page through and drill into this cluster's objects.

        Its detail pane reads logs through `logs`; its Refresh button pulls the frames again.

        Args:
            analyze: colour objects by the analysis' findings (else by their status alone).
            page_size: rows per page.
        """
        from workbench.views.widgets import ClusterExplorer  # noqa: PLC0415 - ipywidgets loads only for widgets

        def refresh() -> tuple[Frames, AnalysisReport | None]:
            frames = self.frames(refresh=True)
            return frames, self.analyze() if analyze else None

        report = self.analyze() if analyze else None
        return ClusterExplorer(self.frames(), report, logs=self.logs, page_size=page_size, refresh=refresh)

    def board(
        self, report: AnalysisReport | None = None, *, on_cell: Callable[[str], object] | None = None
    ) -> FindingsBoard:
        """A widget of the findings grouped by root cause, whose "Generate remediation cell" button
        asks the remediation planners (over this cluster's frames) for a plan or an investigation.

        Args:
            report: the report to show; default a fresh `analyze`.
            on_cell: called with each generated cell (e.g. to insert it into the notebook).
        """
        from workbench.views.widgets import FindingsBoard  # noqa: PLC0415 - ipywidgets loads only for widgets

        report = report if report is not None else self.analyze()
        known = _ANALYSED.get(report)
        frames = (
            known[1] if known else with_log_tails(self.frames(), self.source, None, tail=ANALYSIS_LOG_TAIL)
        )
        return FindingsBoard(
            report, propose=lambda finding: propose(finding, frames), on_cell=on_cell, cell_for=self._cell
        )

    def _cell(self, plan: Plan) -> str:
        """The plan's cell, connecting to this cluster (any context for a snapshot)."""
        if not isinstance(self.source, LiveSource):
            return plan.to_cell()
        fix = self.remediation(plan)
        try:
            return fix.to_cell()
        finally:
            fix.close()

    def chat(self, *, model: str | None = None, anonymize: bool = False) -> Chat:
        """A conversation with the troubleshooting agent about this cluster (read-only tools).

        Args:
            model: a model spec (``openai:gpt-4o-mini``); default ``$WORKBENCH_MODEL``, else offline.
            anonymize: send pseudonyms instead of the cluster's names; answers show the real ones.

        Raises:
            ConfigError: a bad model spec, or a missing key or provider package.
        """
        from workbench.agent import Chat, ClusterView  # noqa: PLC0415 - langchain loads only for a chat

        return Chat(ClusterView(self.source, frames=self._frames), model=model, anonymize=anonymize)

    def close(self) -> None:
        """Release the source's connections or file."""
        self.source.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Cluster({self.name!r})"


def connect(
    context: str | None = None,
    kubeconfig: str | os.PathLike[str] | None = None,
    namespaces: Sequence[str] | None = None,
) -> Cluster:
    """Connect to a live cluster (a kubeconfig context, in-cluster config, or the sandbox).

    Args:
        context: the kubeconfig context; default the current one.
        kubeconfig: the kubeconfig file; default ``$KUBECONFIG``, then ``~/.kube/config``, then
            in-cluster config.
        namespaces: limit every namespaced list to these namespaces.

    Raises:
        KubeconfigError: no kubeconfig, an unknown context (the message lists the valid ones).
        ApiUnreachableError, CredentialsError: the API server cannot be reached or refuses the login.
    """
    return Cluster(connect_live(context, kubeconfig, namespaces))


def open_snapshot(path: str | os.PathLike[str]) -> Cluster:
    """Open a ``.wbsnap`` snapshot with the same API as a live cluster (no cluster needed).

    Raises:
        SnapshotError: the file is not a snapshot, is corrupt, oversized, or from a newer format.
    """
    return Cluster(SnapshotSource(path))


def _board(report: AnalysisReport, **options: Any) -> FindingsBoard:
    """`AnalysisReport.board`: a report from `Cluster.analyze` plans over its cluster's frames; any
    other report (read back from JSON) plans from its findings alone, which gives investigations."""
    from workbench.views.widgets import FindingsBoard  # noqa: PLC0415 - ipywidgets loads only for widgets

    cluster, frames = _ANALYSED.get(report, (None, Frames({})))
    options.setdefault("propose", lambda finding: propose(finding, frames))
    if cluster is not None:
        options.setdefault("cell_for", cluster._cell)
    return FindingsBoard(report, **options)


register_board(_board)

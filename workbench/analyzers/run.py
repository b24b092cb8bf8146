"""`analyze`: run the analyzers over one `Frames` bundle, link the findings by cause, report them.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:  # doctest: +SKIP
    ...     sb.advance(600)
    ...     report = analyze(workbench.connect(kubeconfig=sb.kubeconfig).frames())
    >>> print(report.to_text())  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.analyzers.base import Analyzer
from workbench.analyzers.links import link
from workbench.analyzers.registry import analyzers as registered
from workbench.analyzers.report import AnalysisReport, AnalyzerFailure
from workbench.errors import ConfigError
from workbench.frames import Frames
from workbench.model import Finding


def analyze(
    frames: Frames,
    *,
    analyzers: Sequence[Analyzer] | None = None,
    namespaces: Sequence[str] | None = None,
) -> AnalysisReport:
    """Every analyzer's findings in ``frames``, linked into root-cause chains.

    An analyzer that raises is recorded as an `AnalyzerFailure` and the others still run: one
    broken analyzer (a plugin's, or a frame shape nobody foresaw) never hides the rest.

    Args:
        frames: the cluster's state (`Cluster.frames()`, `workbench.frames.pull`).
        analyzers: the analyzers to run; default every registered one (plugins included).
        namespaces: keep only findings in these namespaces (and cluster-scoped ones: nodes,
            storage classes...); default every namespace.

    Returns:
        The report: findings sorted, ``caused_by`` filled, failures recorded.

    Raises:
        ConfigError: ``namespaces`` is a single string instead of a list of names.
    """
    if isinstance(namespaces, str):
        raise ConfigError(f"namespaces must be a list of names, e.g. [{namespaces!r}], not a string")
    chosen = registered() if analyzers is None else list(analyzers)
    wanted = set(namespaces) if namespaces is not None else None
    findings: dict[str, Finding] = {}
    failures: list[AnalyzerFailure] = []
    for analyzer in chosen:
        name = str(getattr(analyzer, "name", type(analyzer).__name__))
        try:
            found = list(analyzer.analyze(frames))
            strays = [type(f).__name__ for f in found if not isinstance(f, Finding)]
            if strays:
                raise TypeError(f"analyze() yielded {strays[0]} objects; an analyzer yields Findings only")
        # An analyzer is third-party code as far as the run is concerned: whatever it raises is
        # recorded against it, and the run goes on.
        except Exception as exc:  # noqa: BLE001
            failures.append(AnalyzerFailure(name, f"{type(exc).__name__}: {exc}"))
            continue
        for finding in found:
            if wanted is not None and finding.ref.namespace and finding.ref.namespace not in wanted:
                continue
            # An id is one object and one code: a repeat (two analyzers, or one analyzer twice)
            # adds nothing, and ids must stay unique for caused_by to mean one finding.
            findings.setdefault(finding.id, finding)
    linked = link(list(findings.values()), frames)
    return AnalysisReport(linked, failures=failures, source=frames.source, captured_at=frames.captured_at)

"""Pure analyzers: frames in, sorted findings out; one analyzer per file.

`analyze(frames)` runs every registered analyzer (`analyzers()`; plugins come from the
``workbench.analyzers`` entry-point group), links the findings into root-cause chains and returns an
`AnalysisReport`. An analyzer that raises becomes an `AnalyzerFailure` in the report.

Example:
    >>> import workbench
    >>> from workbench import sandbox
    >>> from workbench.analyzers import analyze
    >>> with sandbox.start(scenario="config-error", manual_clock=True) as sb:  # doctest: +SKIP
    ...     sb.advance(600)
    ...     report = analyze(workbench.connect(kubeconfig=sb.kubeconfig).frames())
    >>> [f.code for f in report.roots()]  # doctest: +SKIP
"""

from workbench.analyzers.base import Analyzer
from workbench.analyzers.registry import ENTRY_POINT_GROUP, analyzers, plugins
from workbench.analyzers.report import AnalysisReport, AnalyzerFailure, TreeNode
from workbench.analyzers.run import analyze

__all__ = [
    "ENTRY_POINT_GROUP",
    "AnalysisReport",
    "Analyzer",
    "AnalyzerFailure",
    "TreeNode",
    "analyze",
    "analyzers",
    "plugins",
]

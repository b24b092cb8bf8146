"""`AnalysisReport`: every finding of one analysis, sorted, with root causes and their consequences.

The report is data first (``findings``, ``roots()``, ``tree()``, ``to_frame()``, ``to_dict()``) and
renders itself for people: ``to_text()`` for the command line, ``to_markdown()`` for postmortems and
tickets, ``_repr_html_()`` for notebooks. Every rendering (and the JSON and the frame) masks the
findings' ``sensitive`` values; the `Finding` objects themselves keep them for the planners.

Example:
    >>> from workbench.model import Finding, ObjectRef, Severity
    >>> web = ObjectRef("Pod", "shop", "web-0")
    >>> crash = Finding("pod.crashloop", Severity.ERROR, web, "web-0 crash-loops")
    >>> report = AnalysisReport([crash], source="sandbox")
    >>> report.worst, [f.id for f in report.roots()]
    (<Severity.ERROR: 30>, ['pod.crashloop:Pod/shop/web-0'])
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd

from workbench.analyzers import _render
from workbench.errors import ConfigError
from workbench.model import Evidence, Finding, ObjectRef, Severity
from workbench.redaction import placeholder

FORMAT_VERSION = 1
"""The version of `AnalysisReport.to_dict`'s layout; `from_dict` refuses newer ones."""

SENSITIVE = placeholder("sensitive")
"""What replaces a finding's sensitive values in every rendering."""

# The report frame is not a cluster frame (schema.py declares those); its columns live here.
ID = "id"
SEVERITY = "severity"
CODE = "code"
KIND = "kind"
NAMESPACE = "namespace"
NAME = "name"
SUMMARY = "summary"
ROOT = "root"
CAUSED_BY = "caused_by"
EVIDENCE = "evidence"
COLUMNS = (ID, SEVERITY, CODE, KIND, NAMESPACE, NAME, SUMMARY, ROOT, CAUSED_BY, EVIDENCE)
"""The columns of `AnalysisReport.to_frame`, in order."""

SEVERITY_DTYPE = pd.CategoricalDtype([str(s) for s in sorted(Severity)], ordered=True)
"""``info < warning < error < critical``: sorts and compares by badness."""

BoardFactory = Callable[..., Any]
"""Builds the interactive board of a report: ``factory(report, **options)`` (see `register_board`)."""

_BOARD: list[BoardFactory] = []


def register_board(factory: BoardFactory) -> None:
    """Set what `AnalysisReport.board` builds (the views' ``FindingsBoard``, wired by the session).

    Analyzers sit below views and cannot import widgets; the notebook facade registers the board
    when it is imported. A later registration replaces an earlier one.
    """
    _BOARD[:] = [factory]


@dataclass(frozen=True, slots=True)
class AnalyzerFailure:
    """An analyzer that raised instead of returning findings; the others still ran.

    Attributes:
        analyzer: the analyzer's name.
        error: the exception's type and message (``KeyError: 'phase'``).
    """

    analyzer: str
    error: str

    def __str__(self) -> str:
        return f"analyzer {self.analyzer} failed: {self.error}"


@dataclass(frozen=True, slots=True)
class TreeNode:
    """One finding in the root-cause tree, or several alike ones folded together.

    Alike findings (same code, severity and kind, and the same consequences — the pods of one
    Deployment failing the same way) are folded into one node so that a 50-replica crash is one
    line with 50 names, not 50 lines.

    Attributes:
        findings: the finding, or the alike findings, most severe first.
        children: the consequences not already shown earlier in the tree.
        elsewhere: the consequences shown earlier under another cause (a Service that both its
            crashing pods and a NetworkPolicy break), so a renderer can point to them.
    """

    findings: tuple[Finding, ...]
    children: tuple[TreeNode, ...] = ()
    elsewhere: tuple[Finding, ...] = ()

    @property
    def finding(self) -> Finding:
        """The first (representative) finding."""
        return self.findings[0]

    def walk(self, depth: int = 0) -> Iterator[tuple[int, TreeNode]]:
        """This node and everything under it, depth first, with each node's depth."""
        yield depth, self
        for child in self.children:
            yield from child.walk(depth + 1)


class AnalysisReport:
    """The findings of one analysis, sorted, linked by cause, with the analyzers that failed.

    Iterating yields the findings root-cause first: each root, then its consequences depth first.

    Attributes:
        findings: every finding, sorted by `Finding.sort_key` (most severe first, then object, code).
        failures: the analyzers that raised, by name.
        source: the cluster's context or the snapshot's path.
        captured_at: when the analysed state was read.
    """

    def __init__(
        self,
        findings: Iterable[Finding],
        *,
        failures: Iterable[AnalyzerFailure] = (),
        source: str = "",
        captured_at: datetime | None = None,
    ) -> None:
        self.findings: tuple[Finding, ...] = tuple(sorted(findings, key=Finding.sort_key))
        self.failures: tuple[AnalyzerFailure, ...] = tuple(
            sorted(failures, key=lambda f: (f.analyzer, f.error))
        )
        self.source = source
        self.captured_at = captured_at
        self._by_id: dict[str, Finding] = {}
        for finding in self.findings:
            self._by_id.setdefault(finding.id, finding)
        self._causes: dict[str, list[Finding]] = {}
        self._effects: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            causes = [self._by_id[c] for c in dict.fromkeys(finding.caused_by) if c in self._by_id]
            self._causes[finding.id] = [c for c in causes if c.id != finding.id]
            for cause in self._causes[finding.id]:
                self._effects[cause.id].append(finding)
        self._impact: dict[str, Severity] = {}
        self._roots: list[Finding] | None = None
        self._tree: list[TreeNode] | None = None

    # --- lookups -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self) -> Iterator[Finding]:
        for root in self.tree():
            for _, node in root.walk():
                yield from node.findings

    def __getitem__(self, finding_id: str) -> Finding:
        """The finding with this id; raises KeyError naming a few known ids."""
        try:
            return self._by_id[finding_id]
        except KeyError:
            known = ", ".join(list(self._by_id)[:5])
            raise KeyError(f"no finding {finding_id!r} in this report; ids look like: {known}") from None

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items() if n)
        return f"<AnalysisReport {self.source or '?'}: {len(self)} findings ({counts or 'none'})>"

    @property
    def worst(self) -> Severity | None:
        """The highest severity found, None when nothing was found."""
        return self.findings[0].severity if self.findings else None

    def counts(self) -> dict[Severity, int]:
        """How many findings of each severity, most severe first (zeros included)."""
        counts = dict.fromkeys(sorted(Severity, reverse=True), 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def by_code(self) -> dict[str, list[Finding]]:
        """The findings grouped by code (codes sorted; each group in report order)."""
        groups: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            groups[finding.code].append(finding)
        return {code: groups[code] for code in sorted(groups)}

    def at_or_above(self, severity: Severity) -> list[Finding]:
        """The findings at least as severe as ``severity``, in report order."""
        return [f for f in self.findings if f.severity >= severity]

    # --- root causes ------------------------------------------------------------------------------

    def causes(self, finding: Finding) -> list[Finding]:
        """The findings that directly cause ``finding``, in report order."""
        return list(self._causes.get(finding.id, []))

    def consequences(self, finding: Finding) -> list[Finding]:
        """The findings ``finding`` directly causes, in report order."""
        return list(self._effects.get(finding.id, []))

    def is_root(self, finding: Finding) -> bool:
        """Whether nothing in the report causes ``finding``."""
        return not self._causes.get(finding.id)

    def downstream(self, finding: Finding) -> list[Finding]:
        """Everything ``finding`` causes, directly or not, in report order."""
        seen, stack = {finding.id}, [finding]
        found = []
        while stack:
            for effect in self._effects.get(stack.pop().id, []):
                if effect.id not in seen:
                    seen.add(effect.id)
                    found.append(effect)
                    stack.append(effect)
        return sorted(found, key=Finding.sort_key)

    def impact(self, finding: Finding) -> Severity:
        """The worst severity of ``finding`` and of everything it causes, directly or not."""
        if finding.id not in self._impact:
            self._impact[finding.id] = max(
                [finding.severity, *(f.severity for f in self.downstream(finding))]
            )
        return self._impact[finding.id]

    def roots(self) -> list[Finding]:
        """The root causes: findings nothing causes, the worst impact first (then report order).

        A root whose consequences include a CRITICAL outage comes before an unrelated ERROR, even
        when the root itself is only an ERROR.
        """
        if self._roots is None:
            self._roots = sorted((f for f in self.findings if self.is_root(f)), key=self._tree_key)
        return list(self._roots)

    def tree(self) -> list[TreeNode]:
        """The root causes with their consequences folded under them (each finding shown once).

        A finding caused by several roots sits under the first of them; alike siblings are folded
        into one node (see `TreeNode`).
        """
        if self._tree is None:
            self._tree = self._nodes(self.roots(), set(), top=True)
        return list(self._tree)

    def _tree_key(self, finding: Finding) -> tuple[int, tuple[int, str, str, str, str]]:
        return (-int(self.impact(finding)), finding.sort_key())

    def _nodes(self, findings: Iterable[Finding], shown: set[str], *, top: bool) -> list[TreeNode]:
        pending = sorted({f.id: f for f in findings if f.id not in shown}.values(), key=self._tree_key)
        groups: dict[tuple[Any, ...], list[Finding]] = {}
        for finding in pending:
            effects = frozenset(e.id for e in self._effects.get(finding.id, []))
            alike: tuple[Any, ...] = (finding.code, finding.severity, finding.ref.kind, effects)
            # Roots fold only when they share consequences: independent failures stay apart.
            if top and not effects:
                alike = (finding.id,)
            groups.setdefault(alike, []).append(finding)
        nodes = []
        for group in groups.values():
            members = [f for f in group if f.id not in shown]
            if not members:
                continue  # shown under an earlier sibling's consequences
            shown.update(f.id for f in members)
            below = [e for f in members for e in self._effects.get(f.id, [])]
            before = {e.id: e for e in below if e.id in shown}
            children = tuple(self._nodes(below, shown, top=False))
            elsewhere = tuple(sorted(before.values(), key=Finding.sort_key))
            nodes.append(TreeNode(tuple(members), children, elsewhere))
        return nodes

    # --- data ----------------------------------------------------------------------------------

    def masked(self, finding: Finding) -> Finding:
        """``finding`` with its sensitive values replaced by a placeholder in every text."""
        values = sorted({v for v in finding.sensitive if v}, key=len, reverse=True)
        if not values:
            return finding

        def mask(text: str) -> str:
            for value in values:
                text = text.replace(value, SENSITIVE)
            return text

        evidence = tuple(replace(e, subject=mask(e.subject), value=mask(e.value)) for e in finding.evidence)
        return replace(
            finding,
            summary=mask(finding.summary),
            explanation=mask(finding.explanation),
            evidence=evidence,
            sensitive=(),
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per finding in report order (columns: `COLUMNS`; sensitive values masked).

        ``severity`` is an ordered categorical (``df[df.severity >= "error"]`` works), ``caused_by``
        a list of finding ids, ``evidence`` the evidence as text, one fact a line.
        """
        rows = [self.masked(f) for f in self.findings]
        data = {
            ID: pd.Series([f.id for f in rows], dtype="string"),
            SEVERITY: pd.Series([str(f.severity) for f in rows], dtype=SEVERITY_DTYPE),
            CODE: pd.Series([f.code for f in rows], dtype="category"),
            KIND: pd.Series([f.ref.kind for f in rows], dtype="category"),
            NAMESPACE: pd.Series([f.ref.namespace for f in rows], dtype="category"),
            NAME: pd.Series([f.ref.name for f in rows], dtype="string"),
            SUMMARY: pd.Series([f.summary for f in rows], dtype="string"),
            ROOT: pd.Series([self.is_root(f) for f in rows], dtype="bool"),
            CAUSED_BY: pd.Series([[c.id for c in self.causes(f)] for f in rows], dtype="object"),
            EVIDENCE: pd.Series(["\n".join(str(e) for e in f.evidence) for f in rows], dtype="string"),
        }
        return pd.DataFrame(data, columns=list(COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (sensitive values masked); `from_dict` reads it back."""
        return {
            "format": FORMAT_VERSION,
            "source": self.source,
            "captured_at": self.captured_at.isoformat() if self.captured_at else None,
            "worst": str(self.worst) if self.worst is not None else None,
            "counts": {str(s): n for s, n in self.counts().items()},
            "roots": [f.id for f in self.roots()],
            "findings": [self.masked(f).to_dict() for f in self.findings],
            "failures": [{"analyzer": f.analyzer, "error": f.error} for f in self.failures],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisReport:
        """The report `to_dict` wrote (its findings are the masked ones).

        Raises:
            ConfigError: the data is not a report, or comes from a newer format.
        """
        try:
            version = int(data.get("format", 0))
            if version > FORMAT_VERSION:
                raise ConfigError(
                    f"this report has format {version}, newer than this workbench reads "
                    f"({FORMAT_VERSION}); upgrade kube-workbench"
                )
            captured = data.get("captured_at")
            return cls(
                (_finding(f) for f in data["findings"]),
                failures=(
                    AnalyzerFailure(str(f["analyzer"]), str(f["error"])) for f in data.get("failures", [])
                ),
                source=str(data.get("source", "")),
                captured_at=datetime.fromisoformat(captured) if captured else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(
                f"not an analysis report ({type(exc).__name__}: {exc}); "
                "pass the JSON that AnalysisReport.to_json() or `workbench analyze --output json` wrote"
            ) from exc

    @classmethod
    def from_json(cls, text: str | bytes) -> AnalysisReport:
        """The report `to_json` wrote.

        Raises:
            ConfigError: the text is not JSON, or not a report.
        """
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(
                f"an analysis report must be JSON ({exc}); pass the text to_json() wrote"
            ) from exc
        if not isinstance(data, Mapping):
            raise ConfigError("an analysis report is a JSON object; pass the text to_json() wrote")
        return cls.from_dict(data)

    # --- renderings ------------------------------------------------------------------------------

    def to_text(self) -> str:
        """Plain text for a terminal: root causes first, consequences indented under them with └─."""
        return _render.to_text(self)

    def to_markdown(self) -> str:
        """Markdown for postmortems and tickets: a summary table, then each root cause with its
        evidence, explanation and consequences. Cluster text is escaped, so it renders as text."""
        return _render.to_markdown(self)

    def board(self, **options: Any) -> Any:
        """An interactive board of these findings grouped by root cause (a ``FindingsBoard``).

        Args:
            options: passed to the registered factory (``propose=``, ``on_cell=``...).

        Raises:
            ConfigError: no board is registered (import ``workbench.session``, or call ``register_board``).
        """
        if not _BOARD:
            raise ConfigError(
                "no findings board is registered: import workbench.session (workbench.connect does) or "
                "call workbench.analyzers.report.register_board(factory), e.g. with "
                "workbench.views.widgets.FindingsBoard"
            )
        return _BOARD[0](self, **options)

    def _repr_html_(self) -> str:
        return _render.to_html(self)


def _ref(data: Mapping[str, Any]) -> ObjectRef:
    return ObjectRef(
        str(data["kind"]),
        str(data.get("namespace", "")),
        str(data["name"]),
        str(data.get("uid", "")),
        str(data.get("api_version", "")),
    )


def _finding(data: Mapping[str, Any]) -> Finding:
    evidence = tuple(
        Evidence(e["kind"], str(e["subject"]), str(e["value"]), _ref(e["ref"]) if e.get("ref") else None)
        for e in data.get("evidence", [])
    )
    return Finding(
        code=str(data["code"]),
        severity=Severity[str(data["severity"]).upper()],
        ref=_ref(data["ref"]),
        summary=str(data["summary"]),
        evidence=evidence,
        explanation=str(data.get("explanation", "")),
        docs_url=str(data.get("docs_url", "")),
        planners=tuple(str(p) for p in data.get("planners", [])),
        related=tuple(_ref(r) for r in data.get("related", [])),
        caused_by=tuple(str(c) for c in data.get("caused_by", [])),
    )

"""`FindingsBoard`: an analysis report grouped by root cause; pick a finding, read its evidence, and
generate the notebook cell that remediates it.

Example:
    >>> from workbench.views.widgets import FindingsBoard
    >>> propose = lambda finding: planners.propose(finding, frames)  # doctest: +SKIP
    >>> board = FindingsBoard(cluster.analyze(), propose=propose)  # doctest: +SKIP
    >>> board.generate()  # doctest: +SKIP
    >>> print(board.cell)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import traitlets

from workbench.analyzers import AnalysisReport, TreeNode
from workbench.errors import ConfigError
from workbench.model import Finding, Investigation, Plan
from workbench.views.widgets._common import (
    error_html,
    esc,
    pre,
    severity_badge,
    static_page,
    style_tag,
    with_fallback,
)

Propose = Callable[[Finding], Plan | Investigation]
"""Turns a finding into a remediation: a `Plan`, or an `Investigation` when no safe fix exists."""
CellFor = Callable[[Plan], str]
"""Renders a plan as the notebook cell that dry-runs and applies it (default `Plan.to_cell`)."""
OnCell = Callable[[str], object]
"""Receives a generated cell (a notebook or the JupyterLab extension inserts it)."""

_INDENT = "\u00a0\u00a0\u00a0\u00a0"  # non-breaking: browsers collapse plain spaces in <option> text
_PLACEHOLDER = '<div class="wb-muted">Select a finding to see its evidence.</div>'


class FindingsBoard(widgets.VBox):  # type: ignore[misc]  # ipywidgets ships no type hints
    """The findings of a report grouped by root cause, the evidence of the one selected, and a
    "Generate remediation cell" button.

    The button asks ``propose`` for the selected finding's remediation and exposes it as
    ``proposal`` and ``cell`` (the plan's cell, or the investigation as commented text), then hands
    the cell to ``on_cell``. The board inserts nothing and writes nothing: the caller does.

    Args:
        report: the analysis report.
        propose: finding → `Plan` or `Investigation` (the remediation planners); without it the
            button is disabled.
        on_cell: called with each generated cell.
        cell_for: renders a plan's cell (e.g. bound to the cluster's context); default `Plan.to_cell`.

    Attributes:
        selected: the selected `Finding` (a traitlet), or None.
        proposal: the last proposal (a `Plan` or an `Investigation`), or None.
        cell: the last generated cell ("" before one is generated).
        error: the exception of the last failed action, or None.
        findings_list: the list widget the findings are picked from (values are finding ids).
    """

    selected = traitlets.Instance(Finding, allow_none=True)
    proposal = traitlets.Any(None, allow_none=True)
    cell = traitlets.Unicode("")

    def __init__(
        self,
        report: AnalysisReport,
        *,
        propose: Propose | None = None,
        on_cell: OnCell | None = None,
        cell_for: CellFor | None = None,
    ) -> None:
        if not isinstance(report, AnalysisReport):
            raise ConfigError(
                f"FindingsBoard needs an AnalysisReport (cluster.analyze()), not {type(report).__name__}"
            )
        self.report = report
        self._propose = propose
        self._on_cell = on_cell
        self._cell_for = cell_for
        self.error: Exception | None = None
        self._nodes: dict[str, TreeNode] = {}
        self._roots: dict[str, str] = {}
        options = self._options()
        self.findings_list = widgets.Select(
            options=options,
            value=None,
            rows=min(16, max(4, len(options))),
            layout=widgets.Layout(width="46em"),
        )
        self.findings_list.add_class("wb-findings-list")
        self.head = widgets.HTML(self._head())
        self.detail = widgets.HTML(_PLACEHOLDER)
        self.generate_button = widgets.Button(
            description="Generate remediation cell",
            icon="magic",
            disabled=True,
            tooltip="Select a finding first" if propose else "No planner was given to this board",
            layout=widgets.Layout(width="auto"),
        )
        self.output = widgets.HTML()
        super().__init__(
            children=[
                widgets.HTML(style_tag()),
                self.head,
                widgets.HBox(
                    [self.findings_list, widgets.VBox([self.detail, self.generate_button, self.output])]
                ),
            ]
        )
        self.add_class("wb-widget")
        self.add_class("wb-board")
        self.findings_list.observe(self._on_pick, "value")
        self.generate_button.on_click(lambda _: self.generate())

    # --- data --------------------------------------------------------------------------------------

    @property
    def groups(self) -> dict[str, list[str]]:
        """Finding ids by root cause: each root's id → the ids shown under it (itself first)."""
        out: dict[str, list[str]] = {}
        for node_id, root_id in self._roots.items():
            out.setdefault(root_id, []).extend(f.id for f in self._nodes[node_id].findings)
        return out

    def select(self, finding: Finding | str) -> Finding:
        """Select a finding (or its id); a folded finding selects its group's line.

        Raises:
            ConfigError: the finding is not on this board.
        """
        wanted = finding if isinstance(finding, str) else finding.id
        for node_id, node in self._nodes.items():
            if any(f.id == wanted for f in node.findings):
                self.findings_list.value = node_id
                assert self.selected is not None  # set by the list's observer
                return self.selected
        raise ConfigError(
            f"no finding {wanted!r} on this board; ids look like: {', '.join(list(self._nodes)[:3])}"
        )

    def generate(self) -> Plan | Investigation | None:
        """Ask ``propose`` for the selected finding's remediation; set ``proposal`` and ``cell`` and
        hand the cell to ``on_cell``. Failures are shown on the board (and kept in ``error``).

        Returns:
            The proposal, or None when it failed or nothing is selected.
        """
        finding = self.selected
        if finding is None or self._propose is None:
            self._fail(
                ConfigError("select a finding first" if self._propose else "no planner was given"), "Generate"
            )
            return None
        self.generate_button.disabled = True
        try:
            proposal = self._propose(self.report[finding.id])
            if not isinstance(proposal, Plan | Investigation):
                raise ConfigError(
                    f"propose returned a {type(proposal).__name__}; it must return a Plan or an Investigation"
                )
            cell = (
                (self._cell_for or Plan.to_cell)(proposal)
                if isinstance(proposal, Plan)
                else investigation_cell(proposal)
            )
        except Exception as exc:  # noqa: BLE001 - any planner error is shown on the board, never lost
            self._fail(exc, "Generating the remediation")
            return None
        finally:
            self.generate_button.disabled = False
        self.error = None
        self.proposal, self.cell = proposal, cell
        self.output.value = _proposal_html(proposal, cell)
        if self._on_cell is not None:
            try:
                self._on_cell(cell)
            except Exception as exc:  # noqa: BLE001 - the cell stays on the board; say the hand-off failed
                self._fail(exc, "Handing the cell over (on_cell)", keep=True)
        return proposal

    # --- internals ---------------------------------------------------------------------------------

    def _options(self) -> list[tuple[str, str]]:
        options: list[tuple[str, str]] = []
        for root in self.report.tree():
            for depth, node in root.walk():
                f = self.report.masked(node.finding)
                alike = f" (+{len(node.findings) - 1} alike)" if len(node.findings) > 1 else ""
                lead = "● " if depth == 0 else _INDENT * depth + "└ "
                impact = self.report.impact(node.finding)
                worse = f" (leads to {str(impact).upper()})" if depth == 0 and impact > f.severity else ""
                label = f"{lead}{str(f.severity).upper()}  {f.code} — {f.ref}{alike}{worse}"
                options.append((label, f.id))
                self._nodes[f.id] = node
                self._roots[f.id] = root.finding.id
        return options

    def _head(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.report.counts().items() if n) or "no findings"
        roots = len(self.report.tree())
        return (
            f"<b>{esc(len(self.report))} findings</b> ({esc(counts)}) under {esc(roots)} root "
            f"cause{'s' if roots != 1 else ''} · {esc(self.report.source or 'unknown source')}"
        )

    def _on_pick(self, change: dict[str, Any]) -> None:
        node = self._nodes.get(str(change["new"])) if change["new"] is not None else None
        if node is None:
            self.selected = None
            self.detail.value = _PLACEHOLDER
            self.generate_button.disabled = True
            return
        self.selected = node.finding
        self.detail.value = self._detail(node)
        self.generate_button.disabled = self._propose is None
        self.generate_button.tooltip = (
            "Ask the planners for a plan" if self._propose else "No planner was given"
        )
        self.output.value = ""

    def _detail(self, node: TreeNode) -> str:
        f = self.report.masked(node.finding)
        parts = [f"<h4>{severity_badge(f.severity)} <code>{esc(f.code)}</code> {esc(f.summary)}</h4>"]
        if len(node.findings) > 1:
            names = ", ".join(esc(o.ref) for o in node.findings)
            parts.append(f"<div><b>{len(node.findings)} alike:</b> {names}</div>")
        evidence = "".join(
            f"<li>{esc(e.subject)}{esc(f' ({e.ref})') if e.ref else ''}: <code>{esc(e.value)}</code></li>"
            for e in f.evidence
        )
        parts.append(f"<b>Evidence</b><ul>{evidence}</ul>" if evidence else "")
        if f.explanation:
            parts.append(f"<b>Explanation</b><div>{esc(f.explanation)}</div>")
        causes = self.report.causes(node.finding)
        if causes:
            parts.append("<div><b>Caused by:</b> " + "; ".join(esc(c.summary) for c in causes) + "</div>")
        effects = self.report.downstream(node.finding)
        if effects:
            parts.append(f"<div><b>Leads to:</b> {len(effects)} finding(s): ")
            parts.append("; ".join(esc(self.report.masked(e).summary) for e in effects[:5]) + "</div>")
        if f.docs_url.startswith("https://"):
            parts.append(
                f'<div><a href="{esc(f.docs_url)}" target="_blank" rel="noopener">Kubernetes docs</a></div>'
            )
        if f.planners:
            parts.append(f'<div class="wb-muted">Planners: {esc(", ".join(f.planners))}</div>')
        return "".join(parts)

    def _fail(self, exc: Exception, doing: str, *, keep: bool = False) -> None:
        self.error = exc
        shown = error_html(exc, doing)
        self.output.value = (str(self.output.value) + shown) if keep else shown

    # --- static fallback ---------------------------------------------------------------------------

    def _static_body(self) -> str:
        lines = []
        chosen = self.findings_list.value
        for label, value in self.findings_list.options:
            mark = ' style="font-weight:600"' if value == chosen else ""
            lines.append(f"<div{mark}>{esc(label)}</div>")
        return (
            f"<div>{self.head.value}</div>"
            + f"<div style='font-family:monospace;font-size:12px'>{''.join(lines)}</div>"
            + (str(self.detail.value) if chosen is not None else "")
            + str(self.output.value)
        )

    def _text(self) -> str:
        chosen = f"; selected {self.selected.id}" if self.selected is not None else ""
        return f"FindingsBoard: {len(self.report)} findings, {len(self.report.tree())} root causes{chosen}"

    def _repr_html_(self) -> str:
        return static_page("board", self._static_body())

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return with_fallback(super()._repr_mimebundle_(**kwargs), self._repr_html_(), self._text())


def investigation_cell(investigation: Investigation) -> str:
    """An investigation as a notebook cell of comments: what to find out, the checks in order, and
    the read-only kubectl commands. Running it does nothing; every unprintable character is escaped
    so no text can end a comment line."""
    lines = [f"Investigate: {investigation.title}"]
    if investigation.findings:
        lines.append("Findings: " + ", ".join(investigation.findings))
    lines.append("Checks, in order:")
    lines += [f"  {i}. {check}" for i, check in enumerate(investigation.checks, 1)]
    if investigation.commands:
        lines.append("Read-only commands that show the facts:")
        lines += [f"  {command}" for command in investigation.commands]
    return "\n".join(("# " + _printable(line)).rstrip() for line in lines) + "\n"


def _printable(text: str) -> str:
    # repr escapes exactly the characters that are not printable (\n, \r, \u2028, bidi controls...).
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _proposal_html(proposal: Plan | Investigation, cell: str) -> str:
    if isinstance(proposal, Plan):
        head = f"<b>Plan:</b> {esc(proposal.title)} ({len(proposal.steps)} step(s))"
    else:
        head = f"<b>Investigation:</b> {esc(proposal.title)} (no safe fix could be planned)"
    return f'<div class="wb-proposal">{head}{pre(cell, "wb-cell-source")}</div>'

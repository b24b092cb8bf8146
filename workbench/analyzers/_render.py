"""An `AnalysisReport` for people: plain text (terminal), Markdown (tickets) and HTML (notebooks).

Text from the cluster (names, summaries, event messages, log lines) is data: Markdown escapes it
and puts evidence in code spans, HTML escapes every string, so nothing in it can format, link or
script. Every rendering shows the masked findings (`AnalysisReport.masked`).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from workbench.model import Finding, Severity

if TYPE_CHECKING:
    from workbench.analyzers.report import AnalysisReport, TreeNode

MAX_NAMES = 5
"""Names listed for a folded node before ``(+N more)``."""
MAX_TEXT_EVIDENCE = 3
"""Evidence lines the terminal shows under a root cause (Markdown and HTML show them all)."""

# Severity colours stay here, not in views/theme.py: analyzers sit below views and cannot import
# them, and the report must render in a notebook on its own.
_BADGE = {
    Severity.CRITICAL: "#7f1d1d",
    Severity.ERROR: "#b91c1c",
    Severity.WARNING: "#b45309",
    Severity.INFO: "#1d4ed8",
}


def _head(report: AnalysisReport) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    when = f" at {report.captured_at:%Y-%m-%d %H:%M:%S %Z}".rstrip() if report.captured_at else ""
    roots = len(report.roots())
    found = f"{_plural(len(report), 'finding')} ({counts}), {_plural(roots, 'root cause')}"
    return f"Analysis of {report.source or 'the cluster'}{when}: {found if len(report) else 'no findings'}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _objects(node: TreeNode) -> str:
    """``Pod shop/web-0`` or ``3 Pods shop/web-0, shop/web-1, shop/web-2`` for a folded node."""
    if len(node.findings) == 1:
        return str(node.finding.ref)
    names = [str(f.ref).split(" ", 1)[1] for f in node.findings]
    more = f" (+{len(names) - MAX_NAMES} more)" if len(names) > MAX_NAMES else ""
    return f"{len(names)} {node.finding.ref.kind}s {', '.join(names[:MAX_NAMES])}{more}"


# --- text --------------------------------------------------------------------------------------------


def to_text(report: AnalysisReport) -> str:
    """Root causes first, each with its evidence; consequences drawn as a tree under it."""
    lines = [_head(report)]
    hygiene: list[str] = []  # INFO roots: one line each, after the outages
    for root in report.tree():
        first = report.masked(root.finding)
        if report.impact(first) <= Severity.INFO:
            hygiene.append(f"INFO     {first.code}  {_objects(root)}: {_one_line(first.summary)}")
            continue
        lines.append("")
        lines.append(f"{str(first.severity).upper():<8} {first.code}  {_objects(root)}")
        lines.append(f"         {_one_line(first.summary)}")
        for evidence in first.evidence[:MAX_TEXT_EVIDENCE]:
            lines.append(f"         · {_one_line(str(evidence))}")
        _text_children(report, root, "         ", lines)
    if hygiene:
        lines += ["", *hygiene]
    for failure in report.failures:
        lines.append("")
        lines.append(f"warning: {_one_line(str(failure))}; its findings are missing from this report")
    return "\n".join(lines) + "\n"


def _text_children(report: AnalysisReport, parent: TreeNode, indent: str, lines: list[str]) -> None:
    items: list[TreeNode | Finding] = [*parent.children, *parent.elsewhere]
    for i, item in enumerate(items):
        branch, pad = ("└─ ", "   ") if i == len(items) - 1 else ("├─ ", "│  ")
        if isinstance(item, Finding):
            lines.append(f"{indent}{branch}also {_seen(item)}")
            continue
        f = report.masked(item.finding)
        lines.append(
            f"{indent}{branch}{str(f.severity).upper()} {f.code}  {_objects(item)}: {_one_line(f.summary)}"
        )
        _text_children(report, item, indent + pad, lines)


def _seen(finding: Finding) -> str:
    """A consequence shown under another cause: ``ERROR code  Kind ns/name (shown above)``."""
    return f"{str(finding.severity).upper()} {finding.code}  {finding.ref} (shown above)"


def _one_line(value: str) -> str:
    return " ".join(value.split())


# --- markdown ----------------------------------------------------------------------------------------

# Enough to keep cluster text from formatting: emphasis, code, links (brackets), tables, headings.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def _md(value: str) -> str:
    """Plain text that Markdown shows as written: punctuation escaped, HTML turned into entities."""
    escaped = html.escape(_one_line(value), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def _md_code(value: str) -> str:
    """A code span that holds any text (a fence longer than any run of backticks inside)."""
    value = _one_line(value).replace("|", "¦")  # a pipe would end a table cell even inside code
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _md_url(url: str) -> str:
    # Only links the analyzers write (kubernetes.io pages) become links; anything else stays text.
    return f"<{url}>" if re.fullmatch(r"https://[A-Za-z0-9./#?=&_%:-]+", url) else _md(url)


def to_markdown(report: AnalysisReport) -> str:
    """A summary table, the root causes table, then one section per root cause."""
    out = [f"# {_md(_head(report))}", ""]
    out += ["| Severity | Findings |", "|---|---:|"]
    out += [f"| {s} | {n} |" for s, n in report.counts().items()]
    tree = report.tree()
    if tree:
        out += ["", "## Root causes", "", "| # | Severity | Code | Object | Impact | Consequences |"]
        out.append("|---:|---|---|---|---|---:|")
        for i, root in enumerate(tree, 1):
            f = root.finding
            below = len({e.id for member in root.findings for e in report.downstream(member)})
            cells = [str(i), str(f.severity), _md_code(f.code), _md(_objects(root)), str(report.impact(f))]
            out.append(f"| {' | '.join(cells)} | {below} |")
    for i, root in enumerate(tree, 1):
        if report.impact(root.finding) > Severity.INFO:
            out += ["", *_md_root(report, i, root)]
    hygiene = [(i, root) for i, root in enumerate(tree, 1) if report.impact(root.finding) <= Severity.INFO]
    if hygiene:
        out += ["", "## Hygiene", ""]
        for i, root in hygiene:
            f = report.masked(root.finding)
            out.append(f"{i}. {_md_code(f.code)} {_md(_objects(root))}: {_md(f.summary)}")
    if report.failures:
        out += ["", "## Analyzer failures", ""]
        out += [f"- {_md_code(f.analyzer)}: {_md(f.error)}" for f in report.failures]
    return "\n".join(out) + "\n"


def _md_root(report: AnalysisReport, number: int, root: TreeNode) -> list[str]:
    f = report.masked(root.finding)
    out = [
        f"### {number}. {str(f.severity).upper()} {_md_code(f.code)} {_md(_objects(root))}",
        "",
        _md(f.summary),
    ]
    if f.evidence:
        out += ["", "**Evidence**", ""]
        out += [f"- {_md(e.subject)}{_md_ref(e.ref)}: {_md_code(e.value)}" for e in f.evidence]
    if f.explanation:
        out += ["", f"**Explanation.** {_md(f.explanation)}"]
    if f.docs_url:
        out += ["", f"Docs: {_md_url(f.docs_url)}"]
    if f.planners:
        out += ["", "Remediation planners: " + ", ".join(_md_code(p) for p in f.planners)]
    if root.children or root.elsewhere:
        out += ["", "**Consequences**", ""]
        for depth, node in (pair for child in root.children for pair in child.walk()):
            c = report.masked(node.finding)
            out.append(
                f"{'  ' * depth}- {c.severity} {_md_code(c.code)} {_md(_objects(node))}: {_md(c.summary)}"
            )
            out += [f"{'  ' * (depth + 1)}- also {_md_seen(e)}" for e in node.elsewhere]
        out += [f"- also {_md_seen(e)}" for e in root.elsewhere]
    return out


def _md_seen(finding: Finding) -> str:
    return f"{finding.severity} {_md_code(finding.code)} {_md(str(finding.ref))} (shown above)"


def _md_ref(ref: object) -> str:
    return f" ({_md(str(ref))})" if ref is not None else ""


# --- html --------------------------------------------------------------------------------------------

_CSS = (
    ".wb-report{font-family:system-ui,sans-serif;font-size:13px;line-height:1.4}"
    ".wb-sev{display:inline-block;min-width:5.5em;text-align:center;border-radius:3px;color:#fff;"
    "font-size:11px;font-weight:600;padding:0 4px;margin-right:6px}"
    ".wb-report code{font-size:12px}.wb-report details{margin:2px 0 2px 1.2em}"
    ".wb-report summary{cursor:pointer}.wb-ev{margin:2px 0 6px 1.2em;color:#444}"
    ".wb-ev li{white-space:pre-wrap}.wb-fail{color:#b91c1c}"
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _badge(severity: Severity) -> str:
    return f'<span class="wb-sev" style="background:{_BADGE[severity]}">{_e(str(severity).upper())}</span>'


def to_html(report: AnalysisReport) -> str:
    """Severity badges; each root cause a collapsible block with its evidence and consequences."""
    parts = [f'<div class="wb-report"><style>{_CSS}</style>', f"<p><b>{_e(_head(report))}</b></p>"]
    tree = report.tree()
    parts += [
        _html_node(report, root, root=True) for root in tree if report.impact(root.finding) > Severity.INFO
    ]
    hygiene = [
        _html_node(report, root, root=False) for root in tree if report.impact(root.finding) <= Severity.INFO
    ]
    if hygiene:  # folded: a big cluster has one per workload, and they are not the incident
        parts.append(f"<details><summary>Hygiene ({len(hygiene)})</summary>{''.join(hygiene)}</details>")
    for failure in report.failures:
        parts.append(f'<p class="wb-fail">{_e(failure)}; its findings are missing from this report</p>')
    parts.append("</div>")
    return "".join(parts)


def _html_node(report: AnalysisReport, node: TreeNode, *, root: bool) -> str:
    f = report.masked(node.finding)
    line = f"{_badge(f.severity)}<code>{_e(f.code)}</code> {_e(_objects(node))}: {_e(f.summary)}"
    body = []
    if root:
        body += [_html_details(f)]
    body += [_html_node(report, child, root=False) for child in node.children]
    body += [f'<div style="margin:2px 0 2px 1.2em">also {_e(_seen(e))}</div>' for e in node.elsewhere]
    if not any(body):
        return f'<div style="margin:2px 0 2px 1.2em">{line}</div>' if not root else f"<p>{line}</p>"
    opened = " open" if root else ""
    return f"<details{opened}><summary>{line}</summary>{''.join(body)}</details>"


def _html_details(f: Finding) -> str:
    items = "".join(
        f"<li>{_e(e.subject)}{_e(f' ({e.ref})') if e.ref else ''}: <code>{_e(e.value)}</code></li>"
        for e in f.evidence
    )
    parts = [f'<ul class="wb-ev">{items}</ul>' if items else ""]
    if f.explanation:
        parts.append(f'<div class="wb-ev">{_e(f.explanation)}</div>')
    if f.docs_url.startswith("https://"):
        parts.append(
            f'<div class="wb-ev"><a href="{_e(f.docs_url)}" target="_blank" rel="noopener">docs</a></div>'
        )
    if f.planners:
        planners = ", ".join(f"<code>{_e(p)}</code>" for p in f.planners)
        parts.append(f'<div class="wb-ev">remediation: {planners}</div>')
    return "".join(parts)

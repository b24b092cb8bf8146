"""What the widgets share: their look (CSS from `workbench.views.theme`), escaping, error messages,
and the static fallback added to each widget's MIME bundle.

Every string that comes from a cluster, a plan or a callback (names, messages, log lines, diffs) is
data: it reaches HTML only through `esc`, so nothing in it can format, link or script. The CSS is
scoped under ``.wb-widget`` and carries the theme's colours, so a badge in a widget and a tile in a
figure mean the same severity.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from workbench.model import Severity
from workbench.views import theme

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
"""The MIME type under which ipywidgets put a live widget in a cell's outputs."""

_LEVEL_TEXT = {"healthy": "#fff", "unknown": "#1F2933", "info": "#1F2933", "warning": "#1F2933"}
"""Badge text colour per health level: dark on the light fills, white on the dark ones."""


def esc(value: object) -> str:
    """``value`` as HTML text: every ``<``, ``>``, ``&`` and quote escaped."""
    return html.escape(str(value), quote=True)


def css() -> str:
    """The widgets' style sheet, scoped under ``.wb-widget``."""
    font = theme.FONT
    badges = "".join(
        f".wb-widget .wb-badge.wb-{level}{{background:{colour};color:{_LEVEL_TEXT.get(level, '#fff')}}}"
        for level, colour in theme.HEALTH_COLORS.items()
    )
    ok, bad = theme.HEALTHY_COLOR, theme.SEVERITY_COLORS[Severity.ERROR]
    return (
        f".wb-widget{{font-family:{font['family']};font-size:{font['size']}px;color:{font['color']};"
        "line-height:1.4}"
        ".wb-widget pre{font-size:12px;white-space:pre-wrap;word-break:break-word;margin:2px 0;"
        "padding:4px 6px;background:#F5F7FA;border-radius:3px;max-height:28em;overflow:auto}"
        ".wb-widget h4{margin:8px 0 2px 0;font-size:13px}"
        ".wb-widget table.wb-table{border-collapse:collapse;font-size:12px}"
        ".wb-widget table.wb-table td,.wb-widget table.wb-table th{padding:1px 8px 1px 0;text-align:left;"
        "vertical-align:top}"
        ".wb-widget .wb-badge{display:inline-block;min-width:5.2em;text-align:center;border-radius:3px;"
        "font-size:11px;font-weight:600;padding:0 4px}" + badges + ".wb-widget .wb-muted{color:#6B7280}"
        f".wb-widget .wb-error{{color:{bad};white-space:pre-wrap}}"
        f".wb-widget .wb-ok{{color:{ok}}}.wb-widget .wb-blocked,.wb-widget .wb-failed{{color:{bad}}}"
        f".wb-widget .wb-diff-add{{color:{ok}}}.wb-widget .wb-diff-del{{color:{bad}}}"
        ".wb-widget .wb-diff-hunk,.wb-widget .wb-diff-file{color:#6B7280}"
        f".wb-widget .wb-denied{{color:{bad}}}.wb-widget .wb-warn-row{{background:#FFF4E0}}"
        ".wb-widget .wb-cell{padding:2px 10px 2px 0;white-space:nowrap;overflow:hidden;"
        "text-overflow:ellipsis;max-width:28em}"
        ".wb-widget .wb-head-cell{font-weight:600;border-bottom:1px solid #D0D7DE}"
        ".wb-widget button.wb-row-name{justify-content:flex-start;text-align:left;overflow:hidden;"
        "text-overflow:ellipsis;max-width:32em}"
    )


def style_tag() -> str:
    """`css` in a ``<style>`` element (the live widgets carry it in an HTML child)."""
    return f"<style>{css()}</style>"


def badge(level: str) -> str:
    """A coloured health badge (``healthy``, ``warning``, ``critical``...)."""
    return f'<span class="wb-badge wb-{esc(level)}">{esc(level.upper())}</span>'


def severity_badge(severity: Severity) -> str:
    """The badge of a finding's severity."""
    return badge(theme.health_level(severity))


def pre(text: str, cls: str = "") -> str:
    """``text`` in a ``<pre>`` block, escaped."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<pre{attr}>{esc(text)}</pre>"


def table(header: Iterable[str], rows: Iterable[Iterable[str]], *, row_classes: Iterable[str] = ()) -> str:
    """An HTML table of already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    classes = list(row_classes)
    body = "".join(
        f'<tr class="{classes[i] if i < len(classes) else ""}">'
        + "".join(f"<td>{c}</td>" for c in row)
        + "</tr>"
        for i, row in enumerate(rows)
    )
    return f'<table class="wb-table"><tr>{head}</tr>{body}</table>'


def error_text(exc: BaseException, doing: str) -> str:
    """One line saying what failed and why (the exception's type and message)."""
    message = str(exc) or "(no message)"
    return f"{doing} failed: {type(exc).__name__}: {message}"


def error_html(exc: BaseException, doing: str) -> str:
    """`error_text` as a red, escaped block."""
    return f'<div class="wb-error">{esc(error_text(exc, doing))}</div>'


def static_page(name: str, body: str) -> str:
    """A widget's static snapshot: ``body`` in a styled container saying it is a snapshot."""
    return (
        f'<div class="wb-widget wb-static wb-{esc(name)}">{style_tag()}{body}'
        '<div class="wb-muted" style="margin-top:4px;font-size:11px">Static snapshot of an interactive '
        "widget: run the notebook to use it.</div></div>"
    )


def with_fallback(live: Mapping[str, Any] | None, markup: str, text: str) -> dict[str, Any]:
    """A widget's MIME bundle: ipywidgets' view (when it has one) plus ``text/html`` and ``text/plain``
    showing what it shows now, for saved and exported notebooks where no kernel runs."""
    bundle: dict[str, Any] = dict(live or {})
    bundle["text/html"] = markup
    bundle["text/plain"] = text
    return bundle

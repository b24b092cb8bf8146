"""Share a notebook as one HTML file, with secret-looking values masked in every output and cell.

A postmortem is re-run from a redacted snapshot, but its outputs can still hold what a cell printed:
a log line with a token, a connection string in an event, a variable's value. `export_html` copies
the notebook, passes every piece of text through `workbench.redaction` — cell sources, stream and
error outputs, every text, HTML and JSON representation of every result (the audit records, plotly
figures and widget state included), and the metadata — and renders the copy with nbconvert's HTML
exporter. Nothing is dropped: each cell and output keeps its place; only the values are replaced by
``redacted:<kind>`` placeholders (in angle quotation marks). The notebook file itself is left as it was.

Plotly figures saved as JSON (how JupyterLab and the workbench's views store them) are rendered into
the HTML with plotly.js embedded once, so the file works offline.

Limits: images (PNG, JPEG, PDF) cannot be inspected and are kept as they are (`Exported.uninspected`
counts them); a secret spread over table cells in an HTML output (a key in one cell, its value in the
next) is not recognised; scripts inside HTML outputs are masked like text, which may break a script
that merely looks like it holds a secret.

Example:
    >>> from workbench.export import export_html
    >>> exported = export_html("02-postmortem.ipynb", "postmortem.html")  # doctest: +SKIP
    >>> print(exported)  # doctest: +SKIP
    postmortem.html: 42 cells, 3 values masked (password 2, jwt 1)
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from workbench.errors import ConfigError
from workbench.redaction import mask_text, mask_value, secret_env_kind, secret_key_kind

__all__ = ["Exported", "export_html", "redact_notebook"]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
_BINARY = ("image/png", "image/jpeg", "image/gif", "image/bmp", "application/pdf")
_HTML_LIKE = ("text/html", "image/svg+xml")
_TAG = re.compile(r"(<[^>]*>)")
_RAW_TEXT = re.compile(r"<(script|style)\b", re.IGNORECASE)
_CLOSE_RAW = re.compile(r"</(script|style)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Exported:
    """What `export_html` wrote.

    Attributes:
        path: the HTML file.
        cells: how many cells it shows.
        masked: how many values were masked, over the whole notebook.
        kinds: how many of each kind (``{"password": 2}``).
        uninspected: outputs kept as they are because they are images (PNG, JPEG, PDF...).
    """

    path: Path
    cells: int
    masked: int
    kinds: Mapping[str, int] = field(default_factory=dict)
    uninspected: int = 0

    def __str__(self) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.kinds.items()))
        text = f"{self.path}: {self.cells} cells, {self.masked} values masked" + (
            f" ({kinds})" if kinds else ""
        )
        if self.uninspected:
            text += f"; {self.uninspected} image outputs kept as they are (images cannot be inspected)"
        return text


class _Masker:
    """Masks text, HTML and JSON, counting what it replaced."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.uninspected = 0

    def text(self, text: str) -> str:
        masked = mask_text(text)
        self.kinds.update(masked.kinds)
        return masked.text

    def html(self, markup: str) -> str:
        """Text between tags is unescaped before masking (``&quot;`` hides a quote) and escaped again
        only where something was masked; tags' attributes and script bodies are masked as they are."""
        parts = _TAG.split(markup)
        raw = False
        for index, part in enumerate(parts):
            if index % 2:  # a tag
                parts[index] = self.text(part)
                raw = bool(_RAW_TEXT.match(part)) or (raw and not _CLOSE_RAW.match(part))
            elif raw:
                parts[index] = self.text(part)
            elif part:
                masked = mask_text(html.unescape(part))
                if masked.count:
                    self.kinds.update(masked.kinds)
                    parts[index] = html.escape(masked.text, quote=False)
        return "".join(parts)

    def json(self, value: Any, key: str = "") -> Any:
        """A JSON value with secrets masked: values under secret-looking keys whole, ``{"name":
        "DB_PASSWORD", "value": ...}`` pairs as env entries, and every other string as text."""
        if isinstance(value, str):
            kind = secret_key_kind(key) if key else None
            return self._whole(value, kind) if kind else self.text(value)
        if isinstance(value, list):
            return [self.json(item, key) for item in value]
        if isinstance(value, Mapping):
            out = {str(k): self.json(v, str(k)) for k, v in value.items()}
            name, item = value.get("name"), value.get("value")
            if isinstance(name, str) and isinstance(item, str) and (kind := secret_env_kind(name)):
                out["value"] = self._whole(item, kind)
            return out
        return value

    def _whole(self, value: str, kind: str) -> str:
        masked = mask_value(value, kind)
        if masked != value:
            self.kinds[kind] += 1
        return masked

    def bundle(self, data: dict[str, Any]) -> None:
        """Every representation of one output, in place."""
        for mime, value in data.items():
            if mime in _BINARY or (mime.startswith("image/") and mime not in _HTML_LIKE):
                self.uninspected += 1
            elif mime in _HTML_LIKE:
                data[mime] = self.html(_joined(value))
            elif mime == "application/json" or mime.endswith("+json"):
                data[mime] = self.json(value)
            elif isinstance(value, str | list):
                data[mime] = self.text(_joined(value))


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def redact_notebook(nb: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, int], int]:
    """A copy of notebook ``nb`` (its JSON) with secret-looking values masked wherever text can hide.

    Returns:
        The redacted copy, how many values of each kind were masked, and how many image outputs
        were kept uninspected.
    """
    copy: dict[str, Any] = json.loads(json.dumps(nb))
    masker = _Masker()
    copy["metadata"] = masker.json(copy.get("metadata", {}))
    for cell in copy.get("cells", []):
        cell["source"] = masker.text(_joined(cell.get("source", "")))
        cell["metadata"] = masker.json(cell.get("metadata", {}))
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                output["text"] = masker.text(_joined(output.get("text", "")))
            elif kind == "error":
                output["ename"] = masker.text(str(output.get("ename", "")))
                output["evalue"] = masker.text(str(output.get("evalue", "")))
                output["traceback"] = [masker.text(str(line)) for line in output.get("traceback", [])]
            if "data" in output:
                masker.bundle(output["data"])
            if "metadata" in output:
                output["metadata"] = masker.json(output["metadata"])
    return copy, dict(masker.kinds), masker.uninspected


def _render_figures(nb: Mapping[str, Any]) -> None:
    """Give each plotly JSON output an HTML rendering (nbconvert shows no plotly JSON), plotly.js once."""
    import plotly.io as pio  # noqa: PLC0415 - only notebooks with figures need it

    first = True
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if PLOTLY_MIME in data and "text/html" not in data:
                # validate=False: the figure came from plotly itself; a newer plotly's schema may differ.
                data["text/html"] = pio.to_html(
                    data[PLOTLY_MIME], include_plotlyjs=first, full_html=False, validate=False
                )
                first = False


def export_html(
    notebook: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *, template: str = "lab"
) -> Exported:
    """Render ``notebook`` to one HTML file with every output's secrets masked.

    Args:
        notebook: the ``.ipynb`` file (left unchanged).
        output: the HTML file to write; default the notebook's path with ``.html``.
        template: nbconvert's HTML template (``lab`` or ``classic``).

    Returns:
        Where it was written and what was masked.

    Raises:
        ConfigError: the notebook is missing or not a notebook, or the output cannot be written
            (each message names the file and the fix).
    """
    from nbconvert import HTMLExporter  # noqa: PLC0415 - nbconvert loads only when exporting

    source = Path(notebook)
    target = Path(output) if output is not None else source.with_suffix(".html")
    if target.resolve() == source.resolve():
        raise ConfigError(f"the HTML would overwrite the notebook {source}; name another file with -o")
    try:
        # nbformat's readers carry no annotations; they upgrade older formats to version 4.
        nb = nbformat.read(source, as_version=4)  # type: ignore[no-untyped-call]
    except FileNotFoundError:
        raise ConfigError(f"no notebook at {source}: check the path") from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, nbformat.ValidationError) as exc:
        raise ConfigError(f"{source} is not a readable Jupyter notebook ({exc}); export an .ipynb") from None
    redacted, kinds, uninspected = redact_notebook(nb)
    _render_figures(redacted)
    node = nbformat.from_dict(redacted)  # type: ignore[no-untyped-call] # unannotated too; wraps the dicts
    exporter = HTMLExporter(template_name=template)  # type: ignore[no-untyped-call] # nbconvert's neither
    body, _ = exporter.from_notebook_node(node)
    try:
        target.write_text(body, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}; choose another file with -o") from None
    return Exported(target, len(redacted["cells"]), sum(kinds.values()), kinds, uninspected)

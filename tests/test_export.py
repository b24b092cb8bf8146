"""`workbench export`: a notebook as one HTML file, with secret-looking values masked in every output.

The postmortem notebook is given outputs of every kind a kernel writes (streams, results with text,
HTML and JSON, errors, the workbench's audit records, a plotly figure, widget state), each carrying
secrets from the redaction corpus as they would appear in it; none may survive into the HTML, in any
encoding, while the ordinary text around them and every cell and output stay.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.notebooks.run import NOTEBOOKS
from tests.redaction.corpus import NEGATIVE, POSITIVE, Case
from workbench.cli import main
from workbench.errors import ConfigError
from workbench.export import PLOTLY_MIME, export_html, redact_notebook
from workbench.model import AUDIT_MIME

POSTMORTEM = NOTEBOOKS / "02-postmortem.ipynb"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Ordinary strings to plant beside the secrets (not those that happen to contain a secret's text, such
# as a commit hash that holds the corpus' made-up key id).
PLAIN = [text for text in NEGATIVE if not any(case.secret in text for case in POSITIVE)]
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def _keyed(case: Case) -> str:
    """The case as a line of text: with its key when the key is what makes it a secret."""
    return f"{case.key}={case.text}" if case.key else case.text


def _encodings(secret: str) -> set[str]:
    """Every way the secret could appear in the HTML: raw, HTML-escaped, JSON-escaped, both."""
    escaped = json.dumps(secret)[1:-1]
    return {secret, html.escape(secret), html.escape(secret, quote=False), escaped, html.escape(escaped)}


def _outputs(case: Case, plain: str, index: int) -> list[dict[str, Any]]:
    """Outputs of every kind, each carrying the case (and an ordinary string that must survive)."""
    text = _keyed(case)
    value = {case.key or "value": case.text, "note": plain}
    audit = {
        "event": "apply",
        "at": "2026-12-07T05:40:04+00:00",
        "context": "workbench-sandbox",
        "server": "http://127.0.0.1:6443",
        "kube_user": "sandbox-admin",
        "local_user": "oncall",
        "approved_by": "oncall",
        "digest": "sha256:" + "0" * 64,
        "ok": True,
        "plan": {
            "title": f"Set the env of shop/checkout ({plain})",
            "steps": [
                {"action": "set-env", "params": {"env": [{"name": "DB_PASSWORD", "value": case.text}]}}
            ],
        },
        "steps": [{"index": 0, "status": "applied", "message": text}],
    }
    figure = {"data": [{"type": "bar", "x": ["a"], "y": [1], "text": [text], "name": plain}], "layout": {}}
    kinds = [
        nbformat.v4.new_output("stream", name="stdout", text=f"{plain}\n{text}\n"),
        nbformat.v4.new_output(
            "execute_result",
            data={
                "text/plain": f"{plain}\n{text}",
                "text/html": f"<table><tr><td>{html.escape(plain)}</td><td>{html.escape(text)}</td></tr>",
                "application/json": value,
            },
            execution_count=index,
        ),
        nbformat.v4.new_output("display_data", data={"text/plain": plain, AUDIT_MIME: audit}),
        nbformat.v4.new_output("display_data", data={"text/plain": plain, PLOTLY_MIME: figure}),
        nbformat.v4.new_output("display_data", data={"text/markdown": f"{plain}\n\n`{text}`"}),
        nbformat.v4.new_output("error", ename="RuntimeError", evalue=text, traceback=[plain, text]),
    ]
    return [kinds[index % len(kinds)], kinds[(index + 3) % len(kinds)]]


def _planted(path: Path) -> tuple[Path, list[Case], list[str]]:
    """The postmortem with every corpus secret planted in its outputs; the cases and plain strings."""
    nb = nbformat.read(POSTMORTEM, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    plains = []
    for index, case in enumerate(POSITIVE):
        plain = PLAIN[index % len(PLAIN)]
        plains.append(plain)
        cell = code[index % len(code)]
        cell.outputs.extend(_outputs(case, plain, index))
        cell.execution_count = index + 1
    first = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    first.source += f"\n\nThe token we saw: {_keyed(POSITIVE[0])}"
    model = {"model_name": "TextModel", "state": {"value": _keyed(POSITIVE[1]), "description": "approver"}}
    nb.metadata["widgets"] = {
        WIDGET_STATE: {"state": {"model-1": model}, "version_major": 2, "version_minor": 0}
    }
    code[0].outputs.append(
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "figure"})
    )
    target = path / "postmortem-with-outputs.ipynb"
    nbformat.write(nb, target)
    return target, list(POSITIVE), plains


def test_the_export_keeps_no_secret_from_the_corpus_in_any_output(tmp_path: Path) -> None:
    notebook, cases, plains = _planted(tmp_path)
    before = notebook.read_bytes()
    exported = export_html(notebook, tmp_path / "postmortem.html")
    text = exported.path.read_text()
    leaked = [case for case in cases if any(form in text for form in _encodings(case.secret))]
    assert leaked == [], [f"{case.where}: {case.secret}" for case in leaked]
    assert "‹redacted:" in text
    assert exported.masked >= len(cases)
    assert exported.uninspected == 1  # the PNG
    assert notebook.read_bytes() == before  # the notebook itself is left as it was
    # Nothing was dropped: the ordinary text beside each secret is still there, and every cell.
    missing = [plain for plain in set(plains) if html.escape(plain, quote=False) not in text]
    assert missing == []
    assert exported.cells == len(nbformat.read(POSTMORTEM, as_version=4).cells)
    assert "Postmortem: the shop was down" in text


def test_redaction_keeps_every_cell_and_output_in_place(tmp_path: Path) -> None:
    notebook, cases, _ = _planted(tmp_path)
    nb = nbformat.read(notebook, as_version=4)
    redacted, kinds, uninspected = redact_notebook(nb)
    assert [len(c.get("outputs", [])) for c in redacted["cells"]] == [
        len(c.get("outputs", [])) for c in nb.cells
    ]
    for original, masked in zip(nb.cells, redacted["cells"], strict=True):
        for before, after in zip(original.get("outputs", []), masked.get("outputs", []), strict=True):
            assert after["output_type"] == before["output_type"]
            assert set(after.get("data", {})) == set(before.get("data", {}))
    audit = next(
        o["data"][AUDIT_MIME]
        for c in redacted["cells"]
        for o in c.get("outputs", [])
        if AUDIT_MIME in o.get("data", {})
    )
    env = audit["plan"]["steps"][0]["params"]["env"][0]
    assert env["name"] == "DB_PASSWORD"
    assert env["value"].startswith("‹redacted:")  # a name/value env entry is masked by its name
    assert sum(kinds.values()) >= len(cases)
    assert uninspected == 1


def test_a_figure_saved_as_json_is_drawn_with_plotly_embedded_once(tmp_path: Path) -> None:
    figure = {
        "data": [{"type": "bar", "x": ["shop", "data"], "y": [3, 1]}],
        "layout": {"title": {"text": "t"}},
    }
    cells = [nbformat.v4.new_code_cell("views.findings_summary(report)") for _ in range(2)]
    for cell in cells:
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={PLOTLY_MIME: figure, "text/plain": "Figure"})
        ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, tmp_path / "figures.ipynb")
    text = export_html(tmp_path / "figures.ipynb").path.read_text()  # default: figures.html beside it
    assert text.count("Plotly.newPlot(") == 2
    assert text.count("plotly.js v") == 1  # the library's banner: embedded once, offline


def test_the_command_prints_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notebook, _, _ = _planted(tmp_path)
    assert main(["export", str(notebook), "-o", str(tmp_path / "out.html")]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"{tmp_path / 'out.html'}: ")
    assert "values masked (" in printed
    assert "1 image outputs kept as they are" in printed
    assert (tmp_path / "out.html").stat().st_size > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no notebook at"),
        ("this is not json", "is not a readable Jupyter notebook"),
        ('{"cells": 3}', "is not a readable Jupyter notebook"),
    ],
)
def test_a_bad_notebook_gets_an_error_naming_it(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "broken.ipynb"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        export_html(path, tmp_path / "out.html")
    assert str(path) in str(caught.value)
    assert not (tmp_path / "out.html").exists()


def test_the_command_reports_a_bad_notebook_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(tmp_path / "missing.ipynb")]) == 2
    assert (
        f"workbench: no notebook at {tmp_path / 'missing.ipynb'}: check the path" in capsys.readouterr().err
    )


def test_the_export_refuses_to_overwrite_the_notebook(tmp_path: Path) -> None:
    notebook = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    with pytest.raises(ConfigError, match="would overwrite the notebook"):
        export_html(notebook, notebook)

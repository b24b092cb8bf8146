"""Every committed notebook is clean: no outputs, no execution counts, the python3 kernel, no secrets.

Outputs hold cluster data (names, logs, sometimes values that look like credentials) and make diffs
unreadable; notebooks are committed empty and run in CI instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode

from tests.notebooks.run import NOTEBOOKS, ROOT, read
from workbench.redaction import mask_text

ALL = sorted(NOTEBOOKS.rglob("*.ipynb"))


def problems(nb: NotebookNode, text: str) -> list[str]:
    """Everything wrong with a notebook as committed (`text` is its file's content)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.outputs:
            found.append(f"cell {index} has outputs: clear them before committing")
        if cell.cell_type == "code" and cell.execution_count is not None:
            found.append(f"cell {index} has an execution count")
        if cell.get("attachments"):
            found.append(f"cell {index} has attachments")
        kinds = mask_text(cell.source).kinds
        if kinds:
            found.append(f"cell {index} holds what looks like a secret: {sorted(kinds)}")
    spec = nb.metadata.get("kernelspec", {})
    if spec.get("name") != "python3" or spec.get("language") != "python":
        found.append(f"kernelspec is {dict(spec)!r}; CI and Binder run python3")
    if "widgets" in nb.metadata:
        found.append("saved widget state in the metadata: clear it before committing")
    if mask_text(json.dumps(nb.metadata)).kinds:
        found.append("the metadata holds what looks like a secret")
    if str(ROOT) in text:
        found.append(f"a path on the author's machine ({ROOT})")
    return found


def test_there_are_notebooks_to_check() -> None:
    assert len(ALL) >= 8


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_a_committed_notebook_is_clean(path: Path) -> None:
    nb = read(path)
    nbformat.validate(nb)
    assert problems(nb, path.read_text()) == []


def test_the_check_names_each_problem_of_a_dirty_notebook() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJlLW5vdC1yZWFs"
    run = nbformat.v4.new_code_cell("!kubectl get pods", execution_count=3)
    run.outputs = [nbformat.v4.new_output("stream", name="stdout", text="NAME READY\n")]
    leak = nbformat.v4.new_code_cell(f"!kubectl --token={token} get pods")
    nb = nbformat.v4.new_notebook(
        cells=[run, leak], metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}
    )
    found = problems(nb, nbformat.writes(nb))
    assert found[:2] == ["cell 0 has outputs: clear them before committing", "cell 0 has an execution count"]
    assert found[2].startswith("cell 1 holds what looks like a secret")
    assert found[3].startswith("kernelspec is {'name': 'ir'")
    assert len(found) == 4

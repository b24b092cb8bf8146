"""Executing the committed notebooks as CI does: nbclient, the venv's ``python3`` kernel, papermill-style
parameters injected after the cell tagged ``parameters``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbformat.notebooknode import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LABS = NOTEBOOKS / "labs"
KERNEL = "python3"
CELL_TIMEOUT = 180
"""Seconds one cell may take (a lab's check waits ~12 s at most; starting a kernel takes a few)."""


def lab_notebooks() -> list[Path]:
    return sorted(LABS.glob("*.ipynb"))


def read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def tagged(nb: NotebookNode, tag: str) -> list[NotebookNode]:
    return [cell for cell in nb.cells if tag in cell.metadata.get("tags", [])]


def execute(path: Path, parameters: str | None = None) -> NotebookNode:
    """Run a notebook top to bottom (an error in any cell fails), `parameters` injected papermill-style."""
    nb = read(path)
    if parameters is not None:
        (cell,) = tagged(nb, "parameters")
        injected = nbformat.v4.new_code_cell(parameters, id="injected-parameters")
        injected.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(nb.cells.index(cell) + 1, injected)
    client = NotebookClient(
        nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    return nb


def shown(cell: NotebookNode, mime: str = "text/plain") -> str:
    """What a code cell displayed as `mime` (results and display calls), and its printed text."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        data: dict[str, Any] = output.get("data", {})
        if mime in data:
            parts.append(data[mime])
        elif output.get("output_type") == "stream":
            parts.append(output["text"])
    return "\n".join(parts)

"""Recorded API lists: JSON arrays of List documents, directories of them, or ``kubectl get -o json``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios._complete import Document, expand_lists
from workbench.sandbox._scenarios._files import read_documents

_SUFFIXES = (".json", ".json.gz", ".yaml", ".yml", ".yaml.gz", ".yml.gz")


def snapshot_files(path: Path) -> list[Path]:
    """The recording files at `path`: the file itself, or the recording files in a directory."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(_SUFFIXES))
        if not files:
            raise ScenarioError(
                f"the directory holds no recording ({', '.join(_SUFFIXES)} files)", source=str(path)
            )
        return files
    if not path.exists():
        raise ScenarioError("no such file or directory", source=str(path))
    return [path]


def snapshot_documents(path: Path) -> Iterator[Document]:
    """Every recorded object, with kind and apiVersion filled in from its list."""
    for file in snapshot_files(path):
        source = str(file)
        for position, doc in enumerate(read_documents(file), start=1):
            lists: list[Any] = doc if isinstance(doc, list) else [doc]
            for number, item in enumerate(lists, start=position):
                if not isinstance(item, dict):
                    raise ScenarioError(
                        f"entry {number} is a {type(item).__name__}; expected a List document or an object",
                        source=source,
                    )
                yield from expand_lists(item, source=source, index=number)

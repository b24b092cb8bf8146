"""Reading manifest files: multi-document YAML or JSON, with errors that name the file and line."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import yaml

from workbench.errors import ScenarioError

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ManifestLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe loader that keeps timestamps as the strings they were written as.

    Kubernetes stores times as RFC 3339 strings; PyYAML would turn an unquoted one into a datetime,
    which neither JSON nor the API server accepts.
    """


_ManifestLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def read_text(path: Path) -> str:
    """The text of `path` (gunzipped when it ends in ``.gz``), or a ScenarioError naming it."""
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
        return raw.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read the file: {exc}", source=str(path)) from exc


def read_documents(path: Path) -> list[Any]:
    """Every non-empty document in a YAML (multi-document) or JSON file.

    Raises:
        ScenarioError: the file cannot be read or is not valid YAML/JSON.
    """
    text = read_text(path)
    if path.name.removesuffix(".gz").endswith(".json"):
        try:
            return [orjson.loads(text)]
        except orjson.JSONDecodeError as exc:
            raise ScenarioError(f"invalid JSON: {exc}; fix the syntax there", source=str(path)) from exc
    try:
        return [doc for doc in yaml.load_all(text, Loader=_ManifestLoader) if doc is not None]
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}, column {where.column + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"invalid YAML{line}: {problem}; fix the syntax there", source=str(path)) from exc


def load_yaml_mapping(path: Path) -> dict[str, Any]:
    """A file holding exactly one YAML mapping (such as ``scenario.yaml`` or ``logs.yaml``)."""
    docs = read_documents(path)
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise ScenarioError("expected a single YAML mapping (key: value lines)", source=str(path))
    return docs[0]

"""One object read from a manifest file, with where it came from (for error messages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def describe(obj: dict[str, Any]) -> str:
    """``Deployment kube-system/coredns`` or ``Node kind-worker``."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    name = meta.get("name", "<no name>")
    return f"{obj.get('kind', '<no kind>')} {namespace}/{name}" if namespace else f"{obj.get('kind')} {name}"


@dataclass
class Document:
    """One object read from a file, with where it came from (for error messages)."""

    obj: dict[str, Any]
    source: str
    index: int

    def where(self) -> str:
        """``document 3 (Deployment kube-system/coredns)``."""
        return f"document {self.index} ({describe(self.obj)})"

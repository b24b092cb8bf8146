"""Server-side Table output (``meta.k8s.io/v1`` Table): column definitions and row cells per kind.

``kubectl get`` prints only what the API server puts in Table cells, so each kind's columns and
cell values here are ported from kube-apiserver 1.32's printers (``pkg/printers/internalversion``):
the same column names, types and wide (priority 1) columns, the same ``<none>``/``<unknown>``
placeholders, ints where Go puts int64 cells. Like the real server, rows always carry the wide
cells; kubectl hides priority-1 columns unless ``-o wide``.

One registry maps a kind name to its `Printer` (columns + cell function); the per-kind code lives in
`pods`, `core`, `workloads`, `network` and `misc`, custom resources in `custom`.

Example:
    >>> from datetime import UTC, datetime
    >>> now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    >>> cm = {"metadata": {"name": "app", "creationTimestamp": "2024-05-01T11:55:00Z"}, "data": {"a": "1"}}
    >>> [c["name"] for c in column_definitions("ConfigMap")], row_cells("ConfigMap", cm, now)
    (['Name', 'Data', 'Age'], ['app', 1, '5m'])
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._tables import core, misc, network, pods, workloads
from workbench.sandbox._tables._format import Printer, human_duration
from workbench.sandbox._tables.custom import custom_column_definitions, custom_row_cells

__all__ = [
    "column_definitions",
    "custom_column_definitions",
    "custom_row_cells",
    "human_duration",
    "printed_kinds",
    "row_cells",
]

_REGISTRY: Mapping[str, Printer] = {
    **pods.PRINTERS,
    **core.PRINTERS,
    **workloads.PRINTERS,
    **network.PRINTERS,
    **misc.PRINTERS,
}


def _printer(kind: str) -> Printer:
    return _REGISTRY.get(kind, misc.DEFAULT_PRINTER)


def printed_kinds() -> frozenset[str]:
    """The kinds with a printer of their own; any other kind gets Name and Age."""
    return frozenset(_REGISTRY)


def column_definitions(kind: str) -> list[dict[str, Any]]:
    """Table columnDefinitions for a built-in kind.

    Args:
        kind: the kind name (``"Pod"``, ``"Deployment"``...). A kind without a printer (a custom
            resource kind, say) gets the Name/Age pair kube-apiserver serves for a CRD without
            printer columns.

    Returns:
        One ``{"name", "type", "format", "description", "priority"}`` dict per column, in order; a
        fresh list on every call.

    Example:
        >>> [c["name"] for c in column_definitions("Service") if c["priority"] == 0]
        ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']
    """
    return [column.as_dict() for column in _printer(kind).columns]


def row_cells(kind: str, obj: Mapping[str, Any], now: datetime) -> list[Any]:
    """The cells of one Table row for `obj`, computed the way kube-apiserver's printer does.

    Args:
        kind: the kind name, as for `column_definitions`.
        obj: the full JSON-decoded object (storage shape). An Event may be in either the core/v1
            or the events.k8s.io/v1 shape.
        now: the time ages are measured against (aware UTC).

    Returns:
        One cell per column of `column_definitions(kind)`: strings, ints and booleans.

    Example:
        >>> from datetime import UTC, datetime
        >>> svc = {"metadata": {"name": "dns"}, "spec": {"clusterIP": "10.96.0.10",
        ...        "ports": [{"port": 53, "protocol": "UDP"}]}}
        >>> row_cells("Service", svc, datetime(2024, 1, 1, tzinfo=UTC))[1:5]
        ['ClusterIP', '10.96.0.10', '<none>', '53/UDP']
    """
    return _printer(kind).cells(obj, now)

"""Resource usage from metrics.k8s.io: the ``pod_metrics`` (per container) and ``node_metrics`` frames."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames.schema import NodeMetrics, PodMetrics
from workbench.sources._kinds import Kind

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


class Usage(msgspec.Struct, gc=False):
    cpu: d.QuantityText | None = None
    memory: d.QuantityText | None = None


class ContainerMetrics(msgspec.Struct, gc=False):
    name: str = ""
    usage: Usage = msgspec.field(default_factory=Usage)


class PodMetricsItem(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    timestamp: str | None = None
    window: str | None = None
    containers: list[ContainerMetrics] = []


class NodeMetricsItem(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    timestamp: str | None = None
    window: str | None = None
    usage: Usage = msgspec.field(default_factory=Usage)


_POD_DECODER = d.list_decoder(PodMetricsItem)
_NODE_DECODER = d.list_decoder(NodeMetricsItem)


@lru_cache(maxsize=1024)
def duration_seconds(text: str | None) -> float:
    """A Go duration (``15s``, ``20.031s``, ``1m30s``) in seconds; NaN when absent or malformed."""
    if not text:
        return math.nan
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    parts = _DURATION_PART.findall(body)
    if body == "0":
        return 0.0
    if not parts or "".join(num + unit for num, unit in parts) != body:
        return math.nan
    return sign * sum(float(num) * _UNIT_SECONDS[unit] for num, unit in parts)


def build_pod_metrics(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``pod_metrics`` frame (one row per container) from raw PodMetrics List pages.

    Args:
        kind: the PodMetrics kind (unused beyond the registry's uniform signature).
        pages: raw JSON List documents.

    Returns:
        ``{"pod_metrics": ...}``; kind/namespace/name name the measured Pod.
    """
    del kind
    acc = d.Accumulator(PodMetrics.FRAME, kind="Pod", uid="")
    for page in pages:
        with d.gc_paused():
            items = d.decode_items(_POD_DECODER, page)
            rows = [(item, c) for item in items for c in item.containers]
            columns: dict[str, list[Any]] = {
                PodMetrics.NAMESPACE: [i.metadata.namespace for i, _ in rows],
                PodMetrics.NAME: [i.metadata.name for i, _ in rows],
                PodMetrics.CONTAINER: [c.name for _, c in rows],
                PodMetrics.CPU: [d.cpu_cores(c.usage.cpu) for _, c in rows],
                PodMetrics.MEMORY: [d.byte_count(c.usage.memory) for _, c in rows],
                PodMetrics.TIMESTAMP: [i.timestamp for i, _ in rows],
                PodMetrics.WINDOW_SECONDS: [duration_seconds(i.window) for i, _ in rows],
            }
            acc.extend(columns, len(rows))
    return {PodMetrics.FRAME: acc.build()}


def build_node_metrics(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``node_metrics`` frame from raw NodeMetrics List pages.

    Args:
        kind: the NodeMetrics kind (unused beyond the registry's uniform signature).
        pages: raw JSON List documents.

    Returns:
        ``{"node_metrics": ...}``; kind/name name the measured Node.
    """
    del kind
    acc = d.Accumulator(NodeMetrics.FRAME, kind="Node", namespace="", uid="")
    for page in pages:
        with d.gc_paused():
            items = d.decode_items(_NODE_DECODER, page)
            columns: dict[str, list[Any]] = {
                NodeMetrics.NAME: [i.metadata.name for i in items],
                NodeMetrics.CPU: [d.cpu_cores(i.usage.cpu) for i in items],
                NodeMetrics.MEMORY: [d.byte_count(i.usage.memory) for i in items],
                NodeMetrics.TIMESTAMP: [i.timestamp for i in items],
                NodeMetrics.WINDOW_SECONDS: [duration_seconds(i.window) for i in items],
            }
            acc.extend(columns, len(items))
    return {NodeMetrics.FRAME: acc.build()}

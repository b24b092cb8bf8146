"""What ``kubectl top`` reads for a container the kubelet runs: the app model's CPU and memory curve.

CPU is the model's steady figure, capped by the container's CPU limit (the CFS quota); memory follows
the model's curve from the container's (re)start, so a restart starts low again and a container
killed for memory never shows more than its limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.quantity import parse_quantity


def measured(model_usage: tuple[float, float], container: Mapping[str, Any]) -> tuple[float, float]:
    """`model_usage` (cores, bytes) as cgroups would report it under the container's limits."""
    cpu, memory = model_usage
    limits = (container.get("resources") or {}).get("limits") or {}
    try:
        if "cpu" in limits:
            cpu = min(cpu, float(parse_quantity(str(limits["cpu"]))))
        if "memory" in limits:
            memory = min(memory, float(parse_quantity(str(limits["memory"]))))
    except ValueError:
        pass
    return cpu, memory

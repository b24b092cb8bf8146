"""Resource amounts as a manifest writes them, rounded up to readable steps."""

from __future__ import annotations

import math

MI = 2**20
GI = 2**30


def round_up(value: float, step: float) -> float:
    """``value`` rounded up to a multiple of ``step`` (at least one step)."""
    return max(step, math.ceil(value / step) * step)


def memory(nbytes: float) -> str:
    """Bytes as ``768Mi`` or ``2Gi`` (``Ki`` or bytes only when not a whole number of Mi)."""
    value = math.ceil(nbytes)
    if value and value % GI == 0:
        return f"{value // GI}Gi"
    if value % MI == 0:
        return f"{value // MI}Mi"
    if value % 1024 == 0:
        return f"{value // 1024}Ki"
    return str(value)


def approximate(nbytes: float) -> str:
    """Bytes for a person to read: ``31.3Gi``, ``420Mi``."""
    for unit, size in (("Gi", GI), ("Mi", MI), ("Ki", 1024)):
        if nbytes >= size:
            scaled = nbytes / size
            return f"{scaled:.0f}{unit}" if scaled.is_integer() or scaled >= 100 else f"{scaled:.1f}{unit}"
    return f"{nbytes:.0f}"


def cpu(cores: float) -> str:
    """Cores as ``250m`` or ``2``."""
    milli = math.ceil(round(cores * 1000, 6))
    return str(milli // 1000) if milli % 1000 == 0 and milli else f"{milli}m"

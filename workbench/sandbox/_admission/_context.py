"""The hooks defaulting needs from the server around it (clock, allocators, the stored object)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AdmissionContext:
    """What defaulting needs from the server around it.

    Attributes:
        now: tz-aware UTC time from the sandbox clock.
        allocate_cluster_ip: returns the next free Service IP (``10.96.x.y``).
        allocate_node_port: returns the next free node port (30000-32767).
        random_suffix: returns n characters from ``bcdfghjklmnpqrstvwxz2456789``.
        old: the stored object on update, None on create. Create-only work (admission plugins,
            Job selector generation, IP allocation) is skipped or carried over from it.
    """

    now: datetime
    allocate_cluster_ip: Callable[[], str]
    allocate_node_port: Callable[[], int]
    random_suffix: Callable[[int], str]
    old: dict[str, Any] | None = None

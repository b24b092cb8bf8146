"""The moment a bundle describes, and ages relative to it.

``frames.captured_at`` is the reader's clock; a cluster's own clock can run ahead of it (clock
skew, or a sandbox replaying a scenario). The latest time the cluster itself wrote (an event, a
node heartbeat, a condition change) is a lower bound of the cluster's "now", so durations are
measured from the later of the two: never negative, and the same for a live pull and a snapshot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

FUTURE_LIMIT = timedelta(days=7)
"""A time further than this past the capture is corrupt, not a clock that runs ahead: ignored."""


def age(since: object, at: pd.Timestamp) -> float | None:
    """Seconds from ``since`` to ``at``; None when ``since`` is missing."""
    if not isinstance(since, datetime) or pd.isna(since):
        return None
    return max(0.0, (at - pd.Timestamp(since)).total_seconds())


def duration(seconds: float) -> str:
    """``seconds`` as kubectl prints ages: ``45s``, ``12m``, ``3h5m``, ``2d4h``."""
    whole = int(seconds)
    if whole < 120:
        return f"{whole}s"
    minutes, hours, days = whole // 60, whole // 3600, whole // 86400
    if hours < 3:
        return f"{minutes}m"
    if days < 2:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"

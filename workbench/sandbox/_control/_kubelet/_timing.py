"""The kubelet's clocks: back-offs, resync jitter, Go duration text and stable pseudo-random values.

Everything here is deterministic: a "random" value is a hash of what it is about (a pod uid, a
container, an attempt), so a scenario plays out the same way every time and does not depend on the
order in which pods happen to be synced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

BACKOFF_INITIAL = 10.0
BACKOFF_CAP = 300.0
RESYNC_ON_ERROR = 10.0
"""The pod worker retries a failed sync after this, plus up to half again of jitter."""


def fraction(*parts: object) -> float:
    """A stable value in [0, 1) for `parts`."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def hex64(*parts: object) -> str:
    """A stable 64-hex-digit id (container ids, image digests)."""
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def resync(*parts: object) -> float:
    """Seconds until the pod worker syncs a pod whose last sync failed (10 s with 50% jitter)."""
    return RESYNC_ON_ERROR * (1.0 + 0.5 * fraction("resync", *parts))


@dataclass
class _Entry:
    backoff: float
    last_update: float


class Backoff:
    """client-go's ``flowcontrol.Backoff`` as the kubelet uses it (no jitter): 10 s doubling to 300 s,
    forgotten once nothing has happened for twice the cap."""

    def __init__(self, initial: float = BACKOFF_INITIAL, cap: float = BACKOFF_CAP) -> None:
        self.initial = initial
        self.cap = cap
        self._items: dict[str, _Entry] = {}

    def _expired(self, event_time: float, entry: _Entry) -> bool:
        return event_time - entry.last_update > 2 * self.cap

    def get(self, key: str) -> float:
        entry = self._items.get(key)
        return entry.backoff if entry is not None else 0.0

    def in_backoff_since(self, key: str, event_time: float, now: float) -> bool:
        """Crash loops: still waiting if less than the current back-off passed since `event_time`."""
        entry = self._items.get(key)
        if entry is None or self._expired(event_time, entry):
            return False
        return now - event_time < entry.backoff

    def in_backoff_since_update(self, key: str, now: float) -> bool:
        """Image pulls: still waiting if less than the current back-off passed since the last failure."""
        entry = self._items.get(key)
        if entry is None or self._expired(now, entry):
            return False
        return now - entry.last_update < entry.backoff

    def next(self, key: str, event_time: float, now: float) -> None:
        entry = self._items.get(key)
        if entry is None or self._expired(event_time, entry):
            self._items[key] = _Entry(self.initial, now)
        else:
            entry.backoff = min(entry.backoff * 2, self.cap)
            entry.last_update = now


def go_duration(seconds: float) -> str:
    """``time.Duration.String()``: ``10s``, ``2m40s``, ``5m0s``, ``1.234s``, ``512ms``."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000:
        return f"{sign}{ns}ns"
    if ns < 1_000_000:
        return f"{sign}{_decimal(ns, 1_000)}µs"
    if ns < 1_000_000_000:
        return f"{sign}{_decimal(ns, 1_000_000)}ms"
    hours, rest = divmod(ns, 3_600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    text = f"{_decimal(rest, 10**9)}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _decimal(value: int, unit: int) -> str:
    whole, frac = divmod(value, unit)
    if not frac:
        return str(whole)
    digits = str(frac).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"

"""The sandbox's clock: real time, real time sped up, or stepped by hand in tests.

Every timestamp the sandbox writes and every delay it waits (graceful deletion now; probes and
back-offs in the control plane) goes through one `Clock`, so `--speed 10` makes a demo ten times
faster and `advance(seconds)` makes a test deterministic.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from workbench.errors import ConfigError

log = logging.getLogger(__name__)


class Clock:
    """Simulated time.

    Args:
        speed: how many simulated seconds pass per real second (ignored when `manual`).
        start: the simulated time at creation (defaults to the real time now).
        manual: if true, time only moves when `advance` is called.
    """

    def __init__(self, *, speed: float = 1.0, start: datetime | None = None, manual: bool = False) -> None:
        if not speed > 0:
            raise ConfigError(
                f"speed must be a positive number of simulated seconds per second, not {speed!r}"
            )
        self.speed = speed
        self.manual = manual
        self._start = (start or datetime.now(UTC)).astimezone(UTC)
        self._mono = time.monotonic()
        self._offset = 0.0  # seconds added by advance()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopped = False
        self._thread: threading.Thread | None = None

    def elapsed(self) -> float:
        """Simulated seconds since the clock started."""
        real = 0.0 if self.manual else (time.monotonic() - self._mono) * self.speed
        return real + self._offset

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.elapsed())

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run `fn` once `delay` simulated seconds have passed (on the timer thread, or in `advance`)."""
        with self._lock:
            heapq.heappush(self._timers, (self.elapsed() + max(0.0, delay), next(self._seq), fn))
            self._wake.notify()
        if not self.manual:
            self._ensure_thread()

    def advance(self, seconds: float) -> None:
        """Move simulated time forward and run every timer that falls due, in order."""
        if seconds < 0:
            raise ConfigError(
                "the clock only moves forward: advance() takes a non-negative number of seconds"
            )
        target = self.elapsed() + seconds
        while True:
            with self._lock:
                if not self._timers or self._timers[0][0] > target:
                    self._offset += target - self.elapsed()
                    return
                due, _, fn = heapq.heappop(self._timers)
                self._offset += max(0.0, due - self.elapsed())
            fn()

    def go_live(self) -> None:
        """Switch a manual clock to running time (after a scenario's warm-up), without a jump."""
        with self._lock:
            if not self.manual:
                return
            self._offset = self.elapsed()
            self._mono = time.monotonic()
            self.manual = False
        self._ensure_thread()

    def run_due(self) -> None:
        """Run the timers already due (real-time mode does this on its own thread)."""
        self.advance(0)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is not None or self._stopped:
                return
            self._thread = threading.Thread(target=self._loop, name="sandbox-clock", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._lock:
                if self._stopped:
                    return
                wait = 1.0 if not self._timers else (self._timers[0][0] - self.elapsed()) / self.speed
                if wait > 0:
                    self._wake.wait(timeout=min(wait, 1.0))
                    continue
                _, _, fn = heapq.heappop(self._timers)
            try:
                fn()
            except Exception:  # a failing timer must not stop the clock for every other one
                log.exception("sandbox timer %r failed", fn)


def rfc3339(t: datetime) -> str:
    """metav1.Time: second precision, UTC, Z suffix."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(t: datetime) -> str:
    """metav1.MicroTime: microsecond precision, UTC, Z suffix."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse the RFC 3339 forms the API uses (with or without fractional seconds)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)

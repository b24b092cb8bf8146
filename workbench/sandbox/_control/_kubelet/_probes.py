"""Startup, readiness and liveness probes, computed from the process instead of run on a timer.

A probe ticks every ``periodSeconds`` from a stable offset after the container starts; ticks within
``initialDelaySeconds`` are skipped, as the prober worker skips them. What a tick sees is a function
of the process (is the port open yet, is the path served, does the file exist) that only changes
at known moments (`Process.breaks`), so a stretch of passing ticks is skipped in one step and a
healthy container is never woken for its probes. Failing ticks are walked one by one: each is an
``Unhealthy`` event, and ``failureThreshold`` of them in a row flip the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from workbench.sandbox._control._kubelet._process import Process
from workbench.sandbox._control._kubelet._timing import fraction

Kind = Literal["startup", "readiness", "liveness"]
LABELS: Mapping[str, str] = {"startup": "Startup", "readiness": "Readiness", "liveness": "Liveness"}
Outcome = Callable[[float], tuple[bool, str]]
_EPS = 1e-9


@dataclass
class Probe:
    """One probe of one container run, with the prober worker's counters."""

    kind: Kind
    spec: Mapping[str, Any]
    delay: int
    period: float
    success: int
    failure: int
    phase: float
    result: bool | None  # None: not known yet (a startup probe before its verdict)
    streak: int = 0
    next_k: int = 0

    def tick(self, start: float, k: int) -> float:
        return start + self.phase + k * self.period

    def index_at(self, start: float, at: float) -> int:
        """The first tick at or after `at` (and after the initial delay)."""
        first = max(0, math.ceil((self.delay - self.phase) / self.period - _EPS))
        return max(first, math.ceil((at - start - self.phase) / self.period - _EPS))


@dataclass(frozen=True)
class Tick:
    at: float
    ok: bool
    message: str
    flipped: bool


def probes_for(container: Mapping[str, Any], seed: str) -> list[Probe]:
    out = []
    for kind, field in (
        ("startup", "startupProbe"),
        ("readiness", "readinessProbe"),
        ("liveness", "livenessProbe"),
    ):
        spec = container.get(field)
        if not isinstance(spec, Mapping):
            continue
        period = float(spec.get("periodSeconds") or 10)
        out.append(
            Probe(
                kind,  # type: ignore[arg-type]
                spec,
                int(spec.get("initialDelaySeconds") or 0),
                period,
                int(spec.get("successThreshold") or 1),
                int(spec.get("failureThreshold") or 3),
                period * (0.25 + 0.75 * fraction(seed, kind)),
                result={"startup": None, "readiness": False, "liveness": True}[kind],
            )
        )
    return out


def outcome(
    probe: Probe, process: Process, container: Mapping[str, Any], pod_ip: str, at: float
) -> tuple[bool, str]:
    """What one tick of `probe` sees at `at`: (passed, the prober's message when it did not)."""
    spec = probe.spec
    if (handler := spec.get("httpGet")) is not None:
        port, error = _port(handler.get("port"), container)
        if port is None:
            return False, error
        host = handler.get("host") or pod_ip
        path = handler.get("path") or "/"
        url = f"{str(handler.get('scheme') or 'HTTP').lower()}://{host}:{port}{path}"
        if not process.listening(port, at):
            return False, f'Get "{url}": dial tcp {host}:{port}: connect: connection refused'
        code = process.http_status(path, at, probe.kind == "readiness")
        if code >= 400:
            return False, f"HTTP probe failed with statuscode: {code}"
        return True, ""
    if (handler := spec.get("tcpSocket")) is not None:
        port, error = _port(handler.get("port"), container)
        if port is None:
            return False, error
        host = handler.get("host") or pod_ip
        if not process.listening(port, at):
            return False, f"dial tcp {host}:{port}: connect: connection refused"
        return True, ""
    if (handler := spec.get("grpc")) is not None:
        port = int(handler.get("port") or 0)
        if not process.listening(port, at):
            return False, f'timeout: failed to connect service "{pod_ip}:{port}" within 1s'
        return True, ""
    if (handler := spec.get("exec")) is not None:
        return process.exec([str(c) for c in handler.get("command") or []], at)
    return True, ""


def _port(value: Any, container: Mapping[str, Any]) -> tuple[int | None, str]:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value), ""
    for port in container.get("ports") or []:
        if port.get("name") == value:
            return int(port.get("containerPort", 0)), ""
    return None, f"unknown port: {value}"


def message(probe: Probe, text: str) -> str:
    """The Unhealthy event: ``Readiness probe failed: HTTP probe failed with statuscode: 404``."""
    verb = "errored" if text.startswith("unknown port:") else "failed"
    return f"{LABELS[probe.kind]} probe {verb}: {text}"


def step(
    probe: Probe, start: float, until: float, fn: Outcome, *, breaks: list[float], not_before: float
) -> list[Tick]:
    """Run the ticks due by `until` (none before `not_before`); stop after the first change of result."""
    out: list[Tick] = []
    k = max(probe.next_k, probe.index_at(start, not_before))
    while (at := probe.tick(start, k)) <= until + _EPS:
        ok, text = fn(at)
        if ok and probe.result:
            probe.streak = 0
            # Nothing changes before the next break: every tick until then passes too.
            later = next((b for b in sorted(breaks) if b > at + _EPS), None)
            if later is None or later > until:
                k = max(k + 1, probe.index_at(start, until + _EPS))
            else:
                k = max(k + 1, probe.index_at(start, later))
            continue
        k += 1
        if ok == probe.result:
            probe.streak = 0
            out.append(Tick(at, ok, text, False))
            continue
        probe.streak += 1
        if probe.streak >= (probe.success if ok else probe.failure):
            probe.result = ok
            probe.streak = 0
            out.append(Tick(at, ok, text, True))
            break
        out.append(Tick(at, ok, text, False))
    probe.next_k = k
    return out


def next_wake(
    probe: Probe, start: float, after: float, fn: Outcome, *, breaks: list[float], not_before: float
) -> float | None:
    """When this probe next needs the container woken: a failing tick, or the tick that flips it."""
    k = max(probe.next_k, probe.index_at(start, max(not_before, after + _EPS)))
    at = probe.tick(start, k)
    ok, _ = fn(at)
    if not ok or ok != probe.result:
        return at
    later = next((b for b in sorted(breaks) if b > at), None)
    if later is None:
        return None
    return probe.tick(start, probe.index_at(start, later))

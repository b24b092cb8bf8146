"""Container logs: what the kubelet would serve for ``pods/log``.

Lines are kept per (namespace, pod, container) for the current run and the previous one, each with
the time it was written. Scenarios seed them; the simulated control plane appends and rotates them
on restarts. Reading follows the kubelet's rules, including its 400 answers for containers that have
not started.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._clock import parse_time

LogKey = tuple[str, str, str]  # namespace, pod, container


@dataclass
class _Runs:
    current: list[tuple[datetime, str]] = field(default_factory=list)
    previous: list[tuple[datetime, str]] = field(default_factory=list)


class LogStore:
    """Thread-safe container log lines with follow support."""

    def __init__(self) -> None:
        self._runs: dict[LogKey, _Runs] = {}
        self._cond = threading.Condition()

    def seed(
        self,
        key: LogKey,
        *,
        current: Sequence[str],
        previous: Sequence[str],
        current_start: datetime,
        previous_start: datetime,
    ) -> None:
        """Set both runs of a container; lines are spread a few milliseconds apart from each start."""
        with self._cond:
            self._runs[key] = _Runs(
                [(current_start + timedelta(milliseconds=37 * i), line) for i, line in enumerate(current)],
                [(previous_start + timedelta(milliseconds=37 * i), line) for i, line in enumerate(previous)],
            )
            self._cond.notify_all()

    def append(self, key: LogKey, line: str, at: datetime) -> None:
        with self._cond:
            self._runs.setdefault(key, _Runs()).current.append((at, line))
            self._cond.notify_all()

    def restart(self, key: LogKey) -> None:
        """The container restarted: the current run becomes the previous one."""
        with self._cond:
            runs = self._runs.setdefault(key, _Runs())
            runs.previous, runs.current = runs.current, []
            self._cond.notify_all()

    def forget_pod(self, namespace: str, pod: str) -> None:
        with self._cond:
            for key in [k for k in self._runs if k[:2] == (namespace, pod)]:
                del self._runs[key]
            self._cond.notify_all()

    def lines(self, key: LogKey, *, previous: bool) -> list[tuple[datetime, str]]:
        with self._cond:
            runs = self._runs.get(key)
            if runs is None:
                return []
            return list(runs.previous if previous else runs.current)

    def wait_new(self, key: LogKey, seen: int, timeout: float) -> list[tuple[datetime, str]]:
        """Lines of the current run after the first `seen`, waiting up to `timeout` for some."""
        with self._cond:
            runs = self._runs.get(key)
            if runs is None or len(runs.current) <= seen:
                self._cond.wait(timeout)
                runs = self._runs.get(key)
            return list(runs.current[seen:]) if runs else []


@dataclass(frozen=True)
class LogRequest:
    container: str = ""
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    since_time: str = ""
    limit_bytes: int | None = None
    follow: bool = False


def choose_container(pod: Mapping[str, Any], wanted: str) -> str:
    """The container a log request is for, with the apiserver's 400s when it is ambiguous or unknown."""
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    names: list[str] = [c["name"] for c in spec.get("containers") or []]
    init: list[str] = [c["name"] for c in spec.get("initContainers") or []]
    if not wanted:
        if len(names) == 1:
            return names[0]
        raise SandboxApiError(
            400,
            "BadRequest",
            f"a container name must be specified for pod {name}, "
            f"choose one of: [{' '.join(names)}] or one of the init containers: [{' '.join(init)}]"
            if init
            else f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]",
        )
    if wanted not in names and wanted not in init:
        raise SandboxApiError(400, "BadRequest", f"container {wanted} is not valid for pod {name}")
    return wanted


def check_log_state(pod: Mapping[str, Any], container: str, previous: bool) -> None:
    """The kubelet's validateContainerLogStatus: refuse logs of containers that never ran."""
    name = pod["metadata"]["name"]
    if not (pod.get("spec") or {}).get("nodeName"):
        raise SandboxApiError(400, "BadRequest", f'pod "{name}" does not have a host assigned')
    status = pod.get("status") or {}
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    cs = next((s for s in statuses if s.get("name") == container), None)
    if cs is None:
        raise SandboxApiError(
            400,
            "BadRequest",
            f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating',
        )
    state = cs.get("state") or {}
    last = cs.get("lastState") or {}
    if previous:
        if not last.get("terminated"):
            raise SandboxApiError(
                400, "BadRequest", f'previous terminated container "{container}" in pod "{name}" not found'
            )
        return
    waiting = state.get("waiting")
    if waiting and not last.get("terminated"):
        reason = waiting.get("reason", "ContainerCreating")
        detail = {
            "ErrImagePull": "image can't be pulled",
            "ImagePullBackOff": "trying and failing to pull image",
        }.get(reason, reason)
        raise SandboxApiError(
            400, "BadRequest", f'container "{container}" in pod "{name}" is waiting to start: {detail}'
        )


def render(lines: Sequence[tuple[datetime, str]], req: LogRequest, now: datetime) -> Iterator[str]:
    """Apply sinceSeconds/sinceTime, tailLines, timestamps and limitBytes as the kubelet does."""
    selected = list(lines)
    cutoff: datetime | None = None
    if req.since_seconds is not None:
        cutoff = now - timedelta(seconds=req.since_seconds)
    elif req.since_time:
        cutoff = parse_time(req.since_time)
    if cutoff is not None:
        selected = [(t, line) for t, line in selected if t >= cutoff]
    if req.tail_lines is not None:
        selected = selected[-req.tail_lines :] if req.tail_lines > 0 else []
    budget = req.limit_bytes
    for t, line in selected:
        text = f"{format_nano(t)} {line}\n" if req.timestamps else f"{line}\n"
        if budget is not None:
            if budget <= 0:
                return
            text = text[:budget]
            budget -= len(text)
        yield text


def format_nano(t: datetime) -> str:
    """RFC3339Nano as the kubelet prints it (nanoseconds, Z)."""
    return f"{t.strftime('%Y-%m-%dT%H:%M:%S.%f')}000Z"

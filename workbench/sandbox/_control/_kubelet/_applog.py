"""Log lines from the app model: placeholders filled with what the running container knows.

A line in the catalog reads like ``"{time:nginx} [notice] 1#1: start worker processes"`` or
``"GET /api/cart 200 {ms}ms"``; `LineFiller.fill` turns it into what the app would have printed at a
given moment. Values that vary (latencies, client addresses) are stable hashes of the line's time
and position, so a replay prints the same log.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from workbench.sandbox._control._apps import AppModel
from workbench.sandbox._control._kubelet._timing import fraction

_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([a-z]+))?\}")

DEFAULT_LINES: Mapping[str, tuple[str, ...]] = {
    "missing_env": ("Error: required environment variable {var} is not set",),
    "missing_file": ("Error: open {file}: no such file or directory",),
    "dependency": ("Error: {dep}: {error}",),
}
"""What an app logs when the model names no lines of its own for a failure."""


def format_time(moment: datetime, style: str) -> str:
    """A timestamp in the style of a well-known program's log."""
    moment = moment.astimezone(UTC)
    ms = f"{moment.microsecond // 1000:03d}"
    if style == "nginx":
        return moment.strftime("%Y/%m/%d %H:%M:%S")
    if style == "clf":
        return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")
    if style == "redis":
        return moment.strftime("%d %b %Y %H:%M:%S.") + ms
    if style == "postgres":
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + ms
    if style == "klog":
        return moment.strftime("I%m%d %H:%M:%S.%f")
    if style == "date":  # busybox `date`
        return f"{moment:%a %b} {moment.day:2d} {moment:%H:%M:%S} UTC {moment.year}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + ms + "Z"


class LineFiller:
    """Fills placeholders for one container run.

    Args:
        values: the fixed placeholders (``pod``, ``pod_ip``, ``port``...).
        stamp: turns a simulated time (the clock's elapsed seconds) into a datetime.
        seed: makes the varying values (``{ms}``) particular to this run.
    """

    def __init__(self, values: Mapping[str, str], stamp: Callable[[float], datetime], seed: str) -> None:
        self.values = dict(values)
        self.stamp = stamp
        self.seed = seed
        self.count = 0

    def fill(self, line: str, at: float, **extra: Any) -> str:
        self.count += 1
        if "{" not in line:
            return line
        n = self.count

        def render(match: re.Match[str]) -> str:
            name, style = match.groups()
            if name == "time":
                return format_time(self.stamp(at), style or "iso")
            if name in extra:
                return str(extra[name])
            if name in self.values:
                return self.values[name]
            if name == "ms":
                f = fraction(self.seed, "ms", at, n)
                return str(int(2 + 40 * f + 400 * f**6))
            if name == "n":
                return str(n)
            if name == "client_ip":
                f = fraction(self.seed, "client", n // 7)
                return f"10.244.{int(f * 3)}.{2 + int(f * 1000) % 250}"
            return match.group(0)

        return _PLACEHOLDER.sub(render, line)


def run_values(
    pod: Mapping[str, Any], container: Mapping[str, Any], model: AppModel | None, pod_ip: str, host_ip: str
) -> dict[str, str]:
    """The fixed placeholders of one container in one pod."""
    meta = pod.get("metadata") or {}
    image = str(container.get("image", ""))
    ports = list(model.ports) if model is not None and model.ports else []
    if not ports:
        ports = [
            int(p.get("containerPort", 0)) for p in container.get("ports") or [] if p.get("containerPort")
        ]
    last = image.rsplit("/", 1)[-1]
    return {
        "pod": str(meta.get("name", "")),
        "namespace": str(meta.get("namespace", "")),
        "node": str((pod.get("spec") or {}).get("nodeName", "")),
        "container": str(container.get("name", "")),
        "image": image,
        "tag": last.split(":", 1)[1] if ":" in last else "latest",
        "pod_ip": pod_ip,
        "host_ip": host_ip,
        "port": str(ports[0]) if ports else "8080",
    }

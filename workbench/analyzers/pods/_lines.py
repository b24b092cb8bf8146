"""Captured log lines by container, and the patterns that pick errors and DNS failures out of them.

The ``logs`` frame is empty unless the caller added log tails (the report adds the failing
containers'); every helper here then simply finds nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from workbench.analyzers._common import present, text
from workbench.frames import Frames
from workbench.frames.schema import Logs

ERROR_LINE = re.compile(
    r"\b(?:FATAL|PANIC|CRITICAL|ERROR|SEVERE)\b|\bpanic:|Traceback \(most recent call last\)|"
    r"\b\w+(?:Exception|Error)\b:|level=(?:error|fatal|panic|crit)|"
    r"\"(?:level|severity)\"\s*:\s*\"(?:error|fatal|panic|critical|crit|emerg|alert)\"",
    re.IGNORECASE,
)
"""A line a program logs when something went wrong (level markers, panics, stack traces)."""

FATAL_LINE = re.compile(
    r"\b(?:FATAL|PANIC)\b|\bpanic:|Traceback \(most recent call last\)|level=(?:fatal|panic)|"
    r"\"(?:level|severity)\"\s*:\s*\"(?:fatal|panic|emerg|alert)\"|Uncaught|unhandled exception",
    re.IGNORECASE,
)
"""A line a program logs as it dies."""

DNS_FAILURE = re.compile(
    r"no such host|temporary failure in name resolution|name or service not known|"
    r"name does not resolve|server misbehaving|NXDOMAIN|SERVFAIL|could not resolve host|"
    r"couldn't resolve host|unable to resolve host|failed to resolve host|UnknownHostException|"
    r"getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|lookup \S+ on [\d.:\[\]a-f]+:53|no servers could be reached",
    re.IGNORECASE,
)
"""A name lookup that failed (Go, glibc, musl, busybox nslookup, curl, Java, Node.js wordings)."""

DNS_LOOKUP = re.compile(r"lookup (?P<host>[\w.-]+)(?: on (?P<server>[\d.]+):53)?", re.IGNORECASE)
"""Go's resolver error names the host it looked up and the DNS server it asked."""

DNS_TIMEOUT = re.compile(r"i/o timeout|timed out|connection refused|EAI_AGAIN|temporary failure", re.I)
"""The DNS server did not answer (as opposed to answering that the name does not exist)."""


_HOSTS = (
    re.compile(r"(?<![\w.-])(?P<host>[a-z0-9][-a-z0-9.]*[a-z0-9]):\d{1,5}\b"),  # host:port
    re.compile(r"://(?P<host>[a-z0-9][-a-z0-9.]*[a-z0-9])"),  # a URL
    re.compile(r"(?P<host>[a-z0-9][-a-z0-9]*\.[a-z0-9][-a-z0-9]*)\.svc\b"),  # name.namespace.svc...
    re.compile(r"\b(?P<host>\d{1,3}(?:\.\d{1,3}){3})\b"),  # an IP (a Service's cluster IP)
)


def hosts(line: str) -> set[str]:
    """Host names and IPs a log line names as something it talks to (``name:port``, URLs,
    ``name.ns.svc``, IPs); the caller keeps those that are Services."""
    return {m["host"] for pattern in _HOSTS for m in pattern.finditer(line)}


@dataclass(frozen=True, slots=True)
class Line:
    """One captured log line."""

    container: str
    previous: bool
    time: pd.Timestamp | None
    text: str


class LogIndex:
    """The ``logs`` frame grouped by pod (namespace, name), oldest line first."""

    def __init__(self, frames: Frames) -> None:
        self._by_pod: dict[tuple[str, str], list[Line]] = defaultdict(list)
        logs = frames.logs
        if not len(logs):
            return
        ordered = logs.sort_values([Logs.PREVIOUS, Logs.TIME], ascending=[False, True], kind="stable")
        for ns, pod, container, previous, time, line in zip(
            ordered[Logs.NAMESPACE],
            ordered[Logs.NAME],
            ordered[Logs.CONTAINER],
            ordered[Logs.PREVIOUS],
            ordered[Logs.TIME],
            ordered[Logs.LINE],
            strict=True,
        ):
            stamp = time if present(time) else None
            self._by_pod[(str(ns), str(pod))].append(Line(text(container), bool(previous), stamp, text(line)))

    def pods(self) -> list[tuple[str, str]]:
        """The pods that have captured lines, sorted."""
        return sorted(self._by_pod)

    def lines(self, pod: tuple[str, str], container: str | None = None) -> list[Line]:
        """Lines of ``pod`` (of ``container`` only, when given; a log read without a container
        name counts as any container's), the previous instance's first."""
        rows = self._by_pod.get(pod, [])
        if container is None:
            return list(rows)
        return [r for r in rows if r.container in (container, "")]

    def matching(
        self, pod: tuple[str, str], pattern: re.Pattern[str], container: str | None = None
    ) -> list[Line]:
        """Lines of ``pod`` (and ``container``) that ``pattern`` finds something in."""
        return [r for r in self.lines(pod, container) if pattern.search(r.text)]

    def telling(self, pod: tuple[str, str], container: str | None, limit: int = 3) -> list[Line]:
        """The lines that best show why a container failed, at most ``limit``: from the previous
        (crashed) run's log when there is one, else the current one's, its last error lines, else
        its last lines."""
        rows = self.lines(pod, container)
        previous = [r for r in rows if r.previous]
        run = previous or rows
        errors = [r for r in run if ERROR_LINE.search(r.text)]
        return distinct(errors or run)[-limit:]


def distinct(lines: list[Line]) -> list[Line]:
    """``lines`` with each text once, its last occurrence kept (a crash loop logs the same error
    on every run; numbers such as timestamps and ports do not make two lines differ)."""
    seen: set[str] = set()
    out = []
    for line in reversed(lines):
        key = _shape(line.text)
        if key not in seen:
            seen.add(key)
            out.append(line)
    out.reverse()
    return out


_VARIABLE = re.compile(r"\d+")


def _shape(line: str) -> str:
    """A line without its numbers (timestamps, ports, durations): repeats of one error look alike."""
    return _VARIABLE.sub("#", line)

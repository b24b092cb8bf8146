"""Probes back from the frames' summary (``http-get http://:8080/healthz delay=0s timeout=1s
period=10s #success=1 #failure=3``, as ``kubectl describe`` prints them) to Kubernetes Probe objects.

The summary keeps the handler and every number, but not ``httpHeaders`` nor an exec command's
argument boundaries: an exec probe is not rebuilt (None), and callers note that headers are lost.
"""

from __future__ import annotations

import re
from typing import Any

_SUMMARY = re.compile(
    r"^(?P<action>.+) delay=(?P<delay>\d+)s timeout=(?P<timeout>\d+)s period=(?P<period>\d+)s "
    r"#success=(?P<success>\d+) #failure=(?P<failure>\d+)$"
)
_HTTP = re.compile(r"^http-get (?P<scheme>[a-z]+)://(?P<host>[^/]*):(?P<port>[^:/]+)(?P<path>/\S*)?$")
_TCP = re.compile(r"^tcp-socket (?P<host>[^:]*):(?P<port>\S+)$")
_GRPC = re.compile(r"^grpc <pod>:(?P<port>\d+)(?: (?P<service>\S+))?$")


def _port(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def parse(summary: str) -> dict[str, Any] | None:
    """The Probe object ``summary`` describes; None for an exec probe or an unreadable summary."""
    m = _SUMMARY.match(summary.strip())
    if m is None:
        return None
    action = m["action"]
    probe: dict[str, Any]
    if h := _HTTP.match(action):
        get: dict[str, Any] = {
            "path": h["path"] or "/",
            "port": _port(h["port"]),
            "scheme": h["scheme"].upper(),
        }
        if h["host"]:
            get["host"] = h["host"]
        probe = {"httpGet": get}
    elif t := _TCP.match(action):
        probe = {"tcpSocket": {"port": _port(t["port"])} | ({"host": t["host"]} if t["host"] else {})}
    elif g := _GRPC.match(action):
        probe = {"grpc": {"port": int(g["port"])} | ({"service": g["service"]} if g["service"] else {})}
    else:
        return None
    return probe | {
        "initialDelaySeconds": int(m["delay"]),
        "timeoutSeconds": int(m["timeout"]),
        "periodSeconds": int(m["period"]),
        "successThreshold": int(m["success"]),
        "failureThreshold": int(m["failure"]),
    }


def handler_text(probe: dict[str, Any]) -> str:
    """``GET :http/healthz``, ``TCP :5432``, ``gRPC :9090``: the handler in a few words."""
    if "httpGet" in probe:
        return f"GET :{probe['httpGet']['port']}{probe['httpGet']['path']}"
    if "tcpSocket" in probe:
        return f"TCP :{probe['tcpSocket']['port']}"
    return f"gRPC :{probe['grpc']['port']}"


def handler(probe: dict[str, Any]) -> dict[str, Any]:
    """Only the handler part of ``probe`` (httpGet, tcpSocket or grpc)."""
    return {k: v for k, v in probe.items() if k in ("httpGet", "tcpSocket", "grpc")}

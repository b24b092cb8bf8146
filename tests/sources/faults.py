"""A loopback HTTP proxy in front of a real sandbox that can inject the faults a sandbox cannot make.

Requests are forwarded to the sandbox unchanged unless a fault matches: a Kubernetes ``Status`` with
any code (403 for one path, 401 for all, 429 with ``Retry-After``, 500 a few times), a dropped
connection (the API server going away mid-pull), or a stall (a server that stops answering). Every
request is logged with its method, path, answer and ``Authorization`` header, so tests can see the
retries, the paging and the credentials a client sent.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import orjson

DROPPED = 0
"""The status logged for a request whose connection was closed without an answer."""

_REASONS = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
}


@dataclass
class Fault:
    """One injected behaviour.

    Attributes:
        path: applies to request paths starting with this (query ignored); ``None`` for every path.
        status: the code to answer with, or `DROPPED` to close the connection without answering.
        times: how many more requests it applies to; ``None`` for all of them.
        message: the ``Status.message`` sent.
        retry_after: a ``Retry-After`` header value, if any.
        stall: seconds to wait before acting (forwarding, if ``status`` is 200).
    """

    path: str | None
    status: int
    times: int | None = None
    message: str = ""
    retry_after: str | None = None
    stall: float = 0.0

    def matches(self, path: str) -> bool:
        return (self.times is None or self.times > 0) and (self.path is None or path.startswith(self.path))


@dataclass(frozen=True)
class Entry:
    """A request the proxy saw: method, path with query, the status answered (0: dropped), auth header."""

    method: str
    path: str
    status: int
    authorization: str

    @property
    def route(self) -> str:
        """The path without its query."""
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        """The query parameters."""
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


class FaultProxy:
    """Forwards to ``upstream`` (a sandbox URL) and injects faults; use as a context manager."""

    def __init__(self, upstream: str) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        self._upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._drop_after: int | None = None
        self._answered = 0
        self.log: list[Entry] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- faults --------------------------------------------------------------------------------------
    def fail(
        self,
        path: str | None,
        status: int,
        *,
        times: int | None = None,
        message: str = "",
        retry_after: str | None = None,
    ) -> None:
        """Answer requests under ``path`` with a ``Status`` of ``status`` (``times`` times, or always)."""
        with self._lock:
            self._faults.append(Fault(path, status, times, message or f"injected {status}", retry_after))

    def stall(self, path: str | None, seconds: float, *, times: int | None = None) -> None:
        """Wait ``seconds`` before forwarding requests under ``path``."""
        with self._lock:
            self._faults.append(Fault(path, 200, times, stall=seconds))

    def drop_after(self, answered: int) -> None:
        """After ``answered`` more answered requests, close every connection without answering."""
        with self._lock:
            self._drop_after = self._answered + answered

    def clear(self) -> None:
        """Remove every fault and forget the log."""
        with self._lock:
            self._faults.clear()
            self._drop_after = None
            self.log.clear()

    def entries(self, route: str | None = None) -> list[Entry]:
        """The logged requests (for one route, without query, if given)."""
        with self._lock:
            return [e for e in self.log if route is None or e.route == route]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- serving (called from the handler threads) ------------------------------------------------
    def _decide(self, path: str) -> Fault | None:
        route = path.split("?", 1)[0]
        with self._lock:
            if self._drop_after is not None and self._answered >= self._drop_after:
                return Fault(None, DROPPED)
            for fault in self._faults:
                if fault.matches(route):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
            return None

    def _record(self, entry: Entry) -> None:
        with self._lock:
            self.log.append(entry)
            if entry.status != DROPPED:
                self._answered += 1

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(*self._upstream, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            keep = ("Content-Type", "Content-Encoding", "Retry-After", "Warning")
            return response.status, {h: v for h in keep if (v := response.getheader(h))}, data
        finally:
            conn.close()


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps connections open as a real API server does, so a drop hits a reused connection.
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the proxy's log is `FaultProxy.log`."""

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            auth = self.headers.get("Authorization", "")
            fault = proxy._decide(self.path)
            if fault is not None and fault.stall:
                time.sleep(fault.stall)
            if fault is not None and fault.status == DROPPED:
                proxy._record(Entry(self.command, self.path, DROPPED, auth))
                self.close_connection = True
                return
            if fault is not None and fault.status != 200:
                status, headers = fault.status, {"Content-Type": "application/json"}
                if fault.retry_after is not None:
                    headers["Retry-After"] = fault.retry_after
                data = orjson.dumps(
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "metadata": {},
                        "status": "Failure",
                        "message": fault.message,
                        "reason": _REASONS.get(fault.status, ""),
                        "code": fault.status,
                    }
                )
            else:
                forward = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                status, headers, data = proxy._forward(self.command, self.path, forward, body)
            proxy._record(Entry(self.command, self.path, status, auth))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        # http.server dispatches on these names; every method is served (and logged) the same way.
        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    return Handler

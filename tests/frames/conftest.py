"""A plain `ClusterSource` over a sandbox (urllib, no client) and pulled bundles of real scenarios.

The source is deliberately minimal so frame tests depend on neither `LiveSource` nor a snapshot:
pages come from `tests.pages.fetch_pages`, errors map to the shared exception tree.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import workbench.frames._accessor  # noqa: F401 - registers df.k8s
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.errors import (
    ApiStatusError,
    ApiUnreachableError,
    CredentialsError,
    ForbiddenError,
    KindAbsentError,
    SourceError,
)
from workbench.frames._bundle import Frames
from workbench.frames._pull import pull
from workbench.sources._kinds import Kind, custom

# How long each scenario runs before it is pulled: long enough for its failure to show
# (back-offs to grow, the scheduler to give up, a node's heartbeat to go stale).
ADVANCE = {
    "healthy": 30.0,
    "crashloop": 300.0,
    "oomkilled": 300.0,
    "config-error": 120.0,
    "image-pull": 180.0,
    "pending-resources": 60.0,
    "node-notready": 120.0,
    "readiness-probe": 120.0,
}


@dataclass(frozen=True)
class Endpoint:
    """Where a `SandboxSource` sends its requests (a sandbox, or a fault proxy in front of one)."""

    url: str


class SandboxSource:
    """Implements `ClusterSource` with urllib against a running sandbox."""

    def __init__(self, sb: sandbox_pkg.Sandbox | Endpoint, *, limit: int = 0, name: str = "sandbox") -> None:
        self._sb = sb
        self._limit = limit
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def namespaces(self) -> tuple[str, ...] | None:
        return None

    def _get(self, path: str) -> bytes:
        try:
            with urllib.request.urlopen(self._sb.url + path, timeout=30) as response:  # noqa: S310 - loopback
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            raise _status_error(exc, path) from exc
        except urllib.error.URLError as exc:
            raise ApiUnreachableError(f"{self._sb.url}: {exc.reason}", server=self._sb.url) from exc

    def server_version(self) -> dict[str, str]:
        return dict(json.loads(self._get("/version")))

    def custom_kinds(self) -> Sequence[Kind]:
        crds = json.loads(self._get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions"))
        kinds = []
        for crd in crds.get("items") or []:
            spec = crd["spec"]
            version = next(v["name"] for v in spec["versions"] if v.get("storage"))
            names = spec["names"]
            kinds.append(
                custom(
                    spec["group"],
                    version,
                    names["plural"],
                    names["kind"],
                    namespaced=spec["scope"] == "Namespaced",
                )
            )
        return kinds

    def list_pages(self, kind: Kind) -> Iterator[bytes]:
        try:
            yield from fetch_pages(self._sb, kind, limit=self._limit)  # type: ignore[arg-type]  # needs .url
        except urllib.error.HTTPError as exc:
            raise _status_error(exc, kind.path()) from exc
        except urllib.error.URLError as exc:
            raise ApiUnreachableError(f"{self._sb.url}: {exc.reason}", server=self._sb.url) from exc

    def logs(
        self,
        namespace: str,
        pod: str,
        *,
        container: str | None = None,
        previous: bool = False,
        tail: int | None = None,
        limit_bytes: int | None = None,
    ) -> str:
        query: dict[str, str] = {"timestamps": "true"}
        if container:
            query["container"] = container
        if previous:
            query["previous"] = "true"
        if tail is not None:
            query["tailLines"] = str(tail)
        if limit_bytes is not None:
            query["limitBytes"] = str(limit_bytes)
        path = f"/api/v1/namespaces/{namespace}/pods/{pod}/log?{urllib.parse.urlencode(query)}"
        return self._get(path).decode()

    def close(self) -> None:
        """Nothing to release: every request opens its own connection."""


def _status_error(exc: urllib.error.HTTPError, path: str) -> SourceError:
    try:
        message = json.loads(exc.read()).get("message", exc.reason)
    except ValueError:
        message = str(exc.reason)
    if exc.code == 401:
        return CredentialsError(message)
    if exc.code == 403:
        return ForbiddenError(message, code=403, reason="Forbidden", path=path)
    if exc.code == 404:
        return KindAbsentError(message, code=404, reason="NotFound", path=path)
    return ApiStatusError(message, code=exc.code, path=path)


class FaultProxy:
    """A loopback proxy in front of a sandbox that answers chosen paths with an error Status.

    ``faults`` maps a path (or ``*``: every path but /version) to the status to send; 200 sends a
    page of the wrong shape.

    The sandbox has no RBAC on reads and never refuses a list, so refusals are injected here,
    on the wire, exactly as an API server would send them.
    """

    def __init__(self, target: str, faults: dict[str, int]) -> None:
        self.faults = faults
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                code = proxy.faults.get(path) or proxy.faults.get("*" if path != "/version" else "")
                if code == 200:  # a malformed page: valid JSON of the wrong shape
                    body = b'{"kind":"List","items":[{"metadata":{"name":7}}]}'
                elif code:
                    reason = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}.get(
                        code, "InternalError"
                    )
                    body = json.dumps(
                        {
                            "kind": "Status",
                            "status": "Failure",
                            "code": code,
                            "reason": reason,
                            "message": f"injected {code} for {path}",
                        }
                    ).encode()
                else:
                    try:
                        with urllib.request.urlopen(target + self.path, timeout=30) as response:  # noqa: S310
                            code, body = response.status, response.read()
                    except urllib.error.HTTPError as exc:
                        code, body = exc.code, exc.read()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: tests read responses, not the access log."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


Pulled = Callable[[str], Frames]


@pytest.fixture(scope="session")
def pulled() -> Iterator[Pulled]:
    """Every frame of a scenario after ``ADVANCE[scenario]`` simulated seconds, pulled once per session.

    The sandbox is stopped right after the pull; the bundle is plain data and tests only read it.
    """
    cache: dict[str, Frames] = {}

    def get(scenario: str) -> Frames:
        if scenario not in cache:
            with sandbox_pkg.start(scenario=scenario, manual_clock=True) as sb:
                sb.advance(ADVANCE[scenario])
                cache[scenario] = pull(SandboxSource(sb, limit=7, name=f"sandbox:{scenario}"))
        return cache[scenario]

    yield get
    cache.clear()

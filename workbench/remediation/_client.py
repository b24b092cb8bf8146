"""The only code in the project that sends a write to a Kubernetes API server.

Reads go through the source (`LiveSource.read`); writes — updates, patches, deletes, evictions, and
the access reviews that ask what the user may do — go through `Writer`, on the official client's
connection pool with the same TLS settings and refreshing credential as the source. Writes are never
retried: a write that may or may not have landed is reported, not repeated.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import urllib3
from kubernetes.client.rest import RESTClientObject
from urllib3 import exceptions as u3

from workbench.errors import ApiStatusError, StepRejectedError
from workbench.sources import LiveSource, auth_headers

FIELD_MANAGER = "kube-workbench"
PATCH_CONTENT_TYPES = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """A write's answer: the object (or Status) the server returned and its warnings."""

    body: dict[str, Any]
    warnings: tuple[str, ...]


class Writer:
    """Reads and writes for one cluster, bound to a live source's connection.

    Args:
        source: the live source whose kubeconfig context (server, TLS, credential) is used.
        timeout: seconds to connect and to wait for an answer.
    """

    def __init__(self, source: LiveSource, *, timeout: float = 30.0) -> None:
        self.source = source
        loaded = source.connection
        self._configuration = loaded.configuration
        self._pool = RESTClientObject(loaded.configuration).pool_manager
        self._timeout = urllib3.Timeout(connect=min(10.0, timeout), read=timeout)
        self.context = loaded.context
        self.server = source.server

    def read(self, path: str, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET through the source (never a Secret).

        Raises:
            StepRejectedError: the server refused (404 for an object that does not exist).
        """
        try:
            return self.source.read(path, query)
        except ApiStatusError as exc:
            raise StepRejectedError(str(exc), code=exc.code, reason=exc.reason, path=path) from exc

    def send(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        dry_run: bool,
        content_type: str = "application/json",
    ) -> Answer:
        """One write. With ``dry_run`` the server runs admission and validation and changes nothing.

        Raises:
            StepRejectedError: the server refused it (the message is the server's), or it could not be
                reached (code 0: the write may or may not have landed; read the object to find out).
        """
        query = {"fieldManager": FIELD_MANAGER} if method in ("PUT", "PATCH", "POST") else {}
        if dry_run:
            query["dryRun"] = "All"
        url = self.server + path + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Accept": "application/json", **auth_headers(self._configuration)}
        headers["Content-Type"] = content_type
        try:
            response = self._pool.request(
                method,
                url,
                body=orjson.dumps(body),
                headers=headers,
                timeout=self._timeout,
                retries=False,
                redirect=False,
            )
        except u3.HTTPError as exc:
            raise StepRejectedError(
                f"{method} {path} got no answer from {self.server} ({exc}); the change may or may not have "
                "been made: read the object to see its state before trying again",
                code=0,
                path=path,
            ) from exc
        warnings = tuple(_warnings(response.headers.getlist("Warning")))
        try:
            doc = orjson.loads(response.data) if response.data else {}
        except orjson.JSONDecodeError:
            doc = {"message": response.data[:300].decode("utf-8", "replace")}
        if response.status >= 300:
            message = str(doc.get("message") or "") if isinstance(doc, dict) else ""
            reason = str(doc.get("reason") or "") if isinstance(doc, dict) else ""
            raise StepRejectedError(
                f"{method} {path}: {response.status} {reason or 'error'}: {message or 'no message'}",
                code=response.status,
                reason=reason,
                path=path,
            )
        return Answer(doc if isinstance(doc, dict) else {}, warnings)

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.clear()


def _warnings(values: list[str]) -> list[str]:
    # RFC 7234 warning header: `299 - "text"`; keep the text.
    out = []
    for value in values:
        text = value.split(" ", 2)[-1] if value[:4] == "299 " else value
        out.append(text.strip().strip('"'))
    return out

"""HTTP GET to a Kubernetes API server, with retries, and refusals turned into typed errors.

This is the fast path: response bodies come back as bytes, never through the official client's model
classes. The connection pool is the official client's own (``RESTClientObject``), so TLS files,
``insecure-skip-tls-verify``, ``tls-server-name`` and proxies behave as they do there, and the
credential is read from ``Configuration.auth_settings()`` on every request so that tokens refreshed by
``exec`` plugins or a rotating service-account token are used as soon as they change.

Only GET exists here: the data layer reads, and nothing in it can write.
"""

from __future__ import annotations

import random
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
import urllib3
from kubernetes import client as k8s_client
from kubernetes.client.rest import RESTClientObject
from urllib3 import exceptions as u3

from workbench.errors import (
    ApiStatusError,
    ApiUnreachableError,
    ConfigError,
    CredentialsError,
    ForbiddenError,
    KindAbsentError,
)

JSON = "application/json"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Timeout = float | tuple[float, float]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a GET is retried.

    Attributes:
        attempts: tries in all, for a retriable status (429, 500, 502, 503, 504) or a connection
            error (refused, reset, dropped, timed out); TLS failures are never retried.
        backoff: the first wait in seconds; it doubles each retry, with jitter (half to all of it).
        max_backoff: the longest wait between tries.
        max_retry_after: the longest ``Retry-After`` honoured; longer asks are cut to this.
        sleep: how to wait (tests record the waits instead of sleeping).
    """

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 20.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ConfigError(
                f"RetryPolicy.attempts must be at least 1 (one try, no retry), not {self.attempts}"
            )
        if self.backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ConfigError("RetryPolicy waits must be zero or more seconds")

    def delay(self, retry: int, retry_after: float | None) -> float:
        """The wait before retry number ``retry`` (1-based); the server's ``Retry-After`` wins."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        base = min(self.max_backoff, self.backoff * 2.0 ** (retry - 1))
        # Jitter spreads the retries of many clients (and of our own prefetch thread) apart.
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not a secret


class Transport:
    """GET requests to one API server.

    Args:
        configuration: the official client's configuration (from `_kubeconfig.load`).
        context: the context name, for error messages.
        timeout: seconds to connect and to wait for an answer, one number or ``(connect, read)``.
        retry: the retry policy.
    """

    def __init__(
        self,
        configuration: k8s_client.Configuration,
        *,
        context: str,
        timeout: Timeout = (10.0, 60.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        connect, read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        if connect <= 0 or read <= 0:
            raise ConfigError(
                f"timeout must be positive seconds, or a (connect, read) pair of them, not {timeout}"
            )
        self._configuration = configuration
        self._pool = RESTClientObject(configuration).pool_manager
        self._timeout = urllib3.Timeout(connect=connect, read=read)
        self._retry = retry or RetryPolicy()
        self.context = context
        self.server = str(configuration.host).rstrip("/")

    def get(
        self,
        path: str,
        query: Mapping[str, str] | None = None,
        *,
        accept: str = JSON,
        max_bytes: int | None = None,
    ) -> bytes:
        """GET ``path`` and return the body (at most ``max_bytes`` of it, if given).

        Raises:
            ApiUnreachableError: no answer after the retries (refused, reset, timed out, DNS, TLS).
            CredentialsError: 401.
            ForbiddenError: 403, with the server's message.
            KindAbsentError: 404.
            ApiStatusError: any other refusal (including 429 and 5xx once the retries are used up).
        """
        url = self.server + path + ("?" + urllib.parse.urlencode(query) if query else "")
        retry = 0
        while True:
            retry_after: float | None = None
            try:
                status, body, retry_after = self._once(url, accept, max_bytes)
            except u3.HTTPError as exc:
                if isinstance(exc, u3.SSLError) or retry + 1 >= self._retry.attempts:
                    raise self._unreachable(exc, retry + 1) from exc
            else:
                if status < 300:
                    return body
                if status not in RETRY_STATUSES or retry + 1 >= self._retry.attempts:
                    raise self._refused(status, body, path, retry + 1)
            retry += 1
            self._retry.sleep(self._retry.delay(retry, retry_after))

    def close(self) -> None:
        """Close pooled connections."""
        self._pool.clear()

    def _headers(self, accept: str) -> dict[str, str]:
        return {"Accept": accept, "Accept-Encoding": "gzip", **auth_headers(self._configuration)}

    def _once(self, url: str, accept: str, max_bytes: int | None) -> tuple[int, bytes, float | None]:
        response = self._pool.request(
            "GET",
            url,
            headers=self._headers(accept),
            timeout=self._timeout,
            retries=False,
            redirect=False,
            preload_content=False,
        )
        try:
            if max_bytes is None:
                body = response.read()
                response.release_conn()
            else:
                body = response.read(max_bytes)
                # Whatever the server sends past the limit is not read: drop the connection instead.
                response.close()
        except BaseException:
            response.close()
            raise
        return response.status, body, _retry_after(response.headers.get("Retry-After"))

    def _unreachable(self, exc: u3.HTTPError, tries: int) -> ApiUnreachableError:
        cause = _cause(exc, self._timeout)
        attempts = f" (after {tries} attempts)" if tries > 1 else ""
        fix = (
            "check the cluster's certificate-authority in the kubeconfig (or insecure-skip-tls-verify for a "
            "test cluster)"
            if isinstance(exc, u3.SSLError)
            else f"is the cluster up, and is {self.context!r} the right context? Check with "
            f"`kubectl --context {self.context} get --raw /version`, pass another context=, or start a "
            "local practice cluster with `workbench sandbox start`"
        )
        return ApiUnreachableError(
            f"cannot reach the API server {self.server} of context {self.context!r}: "
            f"{cause}{attempts}; {fix}",
            server=self.server,
        )

    def _refused(self, status: int, body: bytes, path: str, tries: int) -> ApiStatusError | CredentialsError:
        reason, message = _status(body)
        said = f": {message}" if message else ""
        if status == 401:
            return CredentialsError(
                f"the API server {self.server} rejected the credentials of context {self.context!r} "
                f"(401 Unauthorized{said}); the token or certificate expired or is wrong: log in again "
                "(for a cloud cluster, rerun its get-credentials command) or refresh the kubeconfig, then "
                "reconnect"
            )
        if status == 403:
            return ForbiddenError(
                f"{message or 'forbidden'} (403 on GET {path}); context {self.context!r} may not read this: "
                "ask for a Role or ClusterRole that grants get/list on it, or use a context that has one",
                code=403,
                reason=reason or "Forbidden",
                path=path,
            )
        if status == 404:
            return KindAbsentError(
                f"{self.server} does not serve {path} (404{said}): its API group or CRD is not installed "
                "(metrics.k8s.io needs metrics-server); install it, or leave this kind out",
                code=404,
                reason=reason or "NotFound",
                path=path,
            )
        if status in RETRY_STATUSES:
            return ApiStatusError(
                f"the API server {self.server} answered {status} {reason or 'error'} to GET {path} "
                f"{tries} times{said}; it is overloaded or failing: try again later",
                code=status,
                reason=reason,
                path=path,
            )
        return ApiStatusError(
            f"the API server {self.server} refused GET {path} ({status} {reason or 'error'}{said})",
            code=status,
            reason=reason,
            path=path,
        )


def auth_headers(configuration: k8s_client.Configuration) -> dict[str, str]:
    """The User-Agent and the current credential's header(s) for a request.

    ``auth_settings()`` runs the refresh hook, so an expired exec or service-account token is renewed
    here, on every request.
    """
    headers = {"User-Agent": "kube-workbench"}
    # The client is untyped: auth_settings() returns a plain dict of header settings.
    settings: dict[str, dict[str, Any]] = dict(configuration.auth_settings())  # type: ignore[arg-type]
    for setting in settings.values():
        if setting.get("in") == "header" and setting.get("value"):
            headers[str(setting["key"])] = str(setting["value"])
    return headers


def _status(body: bytes) -> tuple[str, str]:
    """The ``reason`` and ``message`` of a Kubernetes ``Status`` body (or the start of a text body)."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "", body[:300].decode("utf-8", "replace").strip()
    if not isinstance(doc, dict):
        return "", ""
    return str(doc.get("reason") or ""), str(doc.get("message") or "")


def _retry_after(value: str | None) -> float | None:
    # Kubernetes sends whole seconds; an HTTP date (also legal) is treated as "no hint".
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _cause(exc: u3.HTTPError, timeout: urllib3.Timeout) -> str:
    if isinstance(exc, u3.NameResolutionError):
        return "its host name does not resolve (DNS)"
    if isinstance(exc, u3.NewConnectionError):
        text = str(exc)
        return "the connection was refused" if "refused" in text.lower() else f"cannot connect ({text})"
    if isinstance(exc, u3.ConnectTimeoutError):
        return f"connecting timed out after {timeout.connect_timeout}s"
    if isinstance(exc, u3.ReadTimeoutError):
        return f"it did not answer within {timeout.read_timeout}s"
    if isinstance(exc, u3.SSLError):
        return f"the TLS handshake failed ({exc})"
    if isinstance(exc, u3.ProxyError):
        return f"the proxy failed ({exc})"
    if isinstance(exc, u3.ProtocolError):
        return "the connection was dropped"
    return str(exc)

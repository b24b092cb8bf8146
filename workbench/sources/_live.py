"""`LiveSource`: a `ClusterSource` over a Kubernetes API server (a kubeconfig context, in-cluster, or
the sandbox, which is just an API server on loopback).

Lists are paginated (``limit`` and ``continue``) and the next page is fetched on a background thread
while the caller works on the current one, never more than one page ahead, so memory stays at about
two pages however big the cluster is. Pages are passed on as the server's bytes; only the continue
token is decoded from the head of each page (and each item's name when the caller does not report
them, see `list_pages`), without the official client's model classes.
"""

from __future__ import annotations

import os
import threading
import urllib.parse
from collections.abc import Collection, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from workbench.errors import ApiStatusError, ConfigError, ForbiddenError, KindAbsentError, SourceError
from workbench.sources import _kinds, _kubeconfig, _secrets
from workbench.sources import _list_page as list_page
from workbench.sources._kinds import Kind
from workbench.sources._transport import RetryPolicy, Timeout, Transport

DEFAULT_PAGE_SIZE = 500
DEFAULT_LOG_BYTES = 1 << 20
"""Logs are cut at 1 MiB unless asked otherwise: one chatty container must not fill the notebook."""

_PREFETCH_THREADS = 4


@dataclass(frozen=True, slots=True)
class _Page:
    body: bytes
    token: str


class _Pages(Iterator[bytes]):
    """The pages of one `LiveSource.list_pages` call, as they arrive; see `seen`."""

    def __init__(self, source: LiveSource, kind: Kind) -> None:
        self.reported: Collection[str] | None = None
        self._pages = source._all_pages(kind, self)

    def __next__(self) -> bytes:
        return next(self._pages)

    def seen(self, keys: Iterable[str]) -> None:
        """Report the ``namespace/name`` of every object in the page just returned.

        Optional, for a caller that decodes each page anyway: should a later continue token expire
        (410), the list is fetched again in full and the objects already returned are left out of
        it, so the source must know them. Told, it need not decode the page a second time to find
        them (that decode is about a quarter of the work of a pods pull); not told, it does.
        """
        self.reported = keys if isinstance(keys, Collection) else list(keys)

    def close(self) -> None:
        """Stop: the page being prefetched is dropped."""
        self._pages.close()


class LiveSource:
    """Read-only access to a cluster through its API server.

    Use `connect_live` to make one. Only GET requests are ever sent.

    Example:
        >>> from workbench import sandbox
        >>> from workbench.sources._kinds import builtin
        >>> with sandbox.start(scenario="crashloop", manual_clock=True) as sb:
        ...     with connect_live(kubeconfig=sb.kubeconfig, namespaces=["billing"]) as source:
        ...         pages = list(source.list_pages(builtin("deployments")))
        >>> b"invoice-api" in pages[0]
        True
    """

    def __init__(
        self,
        loaded: _kubeconfig.Loaded,
        *,
        namespaces: Sequence[str] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        timeout: Timeout = (10.0, 60.0),
        retry: RetryPolicy | None = None,
    ) -> None:
        if page_size < 1:
            raise ConfigError(f"page_size must be at least 1 object per page, not {page_size} (500 is usual)")
        if namespaces is not None:
            if isinstance(namespaces, str):
                raise ConfigError(f"namespaces must be a list of names, e.g. [{namespaces!r}], not a string")
            namespaces = tuple(dict.fromkeys(namespaces))
            if not namespaces or not all(namespaces):
                raise ConfigError("namespaces must name at least one namespace, or be None for all of them")
        self._loaded = loaded
        self._namespaces = namespaces
        self._page_size = page_size
        self._transport = Transport(
            loaded.configuration, context=loaded.context, timeout=timeout, retry=retry
        )
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._closed = False
        self._version: dict[str, str] | None = None

    # -- ClusterSource ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The context name (``in-cluster`` for a pod's service account)."""
        return self._loaded.context

    @property
    def namespaces(self) -> tuple[str, ...] | None:
        """The namespaces lists are limited to, or ``None`` for all."""
        return self._namespaces

    @property
    def server(self) -> str:
        """The API server URL."""
        return self._transport.server

    def server_version(self) -> dict[str, str]:
        """The server's ``/version`` document (``gitVersion``, ``major``, ``minor``...)."""
        if self._version is None:
            doc = _decode(self._transport.get("/version"), "/version")
            self._version = {str(k): str(v) for k, v in doc.items()}
        return dict(self._version)

    def custom_kinds(self) -> Sequence[Kind]:
        """One `Kind` per CRD: its storage version if served, else its first served version.

        Empty when the credentials may not list CRDs (403) or the cluster has no apiextensions (404).
        """
        kinds: list[Kind] = []
        try:
            for page in self.list_pages(_kinds.builtin("crds")):
                items = _decode(page, "customresourcedefinitions").get("items") or []
                kinds.extend(kind for crd in items if (kind := _crd_kind(crd)) is not None)
        except (ForbiddenError, KindAbsentError):
            return []
        return sorted(kinds, key=lambda k: k.frame)

    def list_pages(self, kind: Kind) -> Iterator[bytes]:
        """The kind's objects as JSON List pages, in each listed namespace (cluster-scoped kinds once).

        Secrets' values are blanked. A continue token that expired mid-list (410) is handled as
        client-go's pager does: the list is fetched again in full, once; objects already yielded are
        left out of it so that no object comes twice. A caller that decodes the pages anyway may
        report each page's objects with ``pages.seen(keys)`` (see `_Pages.seen`) to spare the
        source decoding them again for that case.

        Raises:
            ForbiddenError: 403 on the kind.
            KindAbsentError: the kind is not served (404).
            ApiUnreachableError, CredentialsError, ApiStatusError: as from every request.
        """
        return _Pages(self, kind)

    def _all_pages(self, kind: Kind, pages: _Pages) -> Generator[bytes, None, None]:
        secret = kind.group == "" and kind.plural == "secrets"
        if kind.namespaced and self._namespaces is not None:
            for namespace in self._namespaces:
                yield from self._paged(kind.path(namespace), pages, secret=secret)
        else:
            yield from self._paged(kind.path(), pages, secret=secret)

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
        """A container's log, each line starting with its RFC 3339 timestamp.

        Args:
            namespace: the pod's namespace.
            pod: the pod's name.
            container: the container; may be left out when the pod has only one.
            previous: the previous run's log (the one that crashed).
            tail: only the last ``tail`` lines.
            limit_bytes: at most this many bytes (default 1 MiB), cut by the server.

        Raises:
            ApiStatusError: 404 (no such pod) or 400 (no such container, or it has not run yet); the
                message is the server's.
        """
        if tail is not None and tail < 0:
            raise ConfigError(f"tail must be a number of lines (0 or more), not {tail}")
        budget = DEFAULT_LOG_BYTES if limit_bytes is None else limit_bytes
        if budget < 1:
            raise ConfigError(f"limit_bytes must be a positive number of bytes, not {limit_bytes}")
        query = {"timestamps": "true", "limitBytes": str(budget)}
        if container:
            query["container"] = container
        if previous:
            query["previous"] = "true"
        if tail is not None:
            query["tailLines"] = str(tail)
        path = f"/api/v1/namespaces/{_seg(namespace)}/pods/{_seg(pod)}/log"
        try:
            body = self._transport.get(path, query, accept="text/plain, */*", max_bytes=budget)
        except KindAbsentError as exc:
            raise ApiStatusError(
                f"no pod {namespace}/{pod} to read logs from (404): it was deleted or never existed; "
                "list pods again to see what runs now",
                code=404,
                reason=exc.reason,
                path=path,
            ) from exc
        return body.decode("utf-8", "replace")

    @property
    def connection(self) -> _kubeconfig.Loaded:
        """The loaded kubeconfig context (server, TLS, credential hook), for the remediation writer."""
        return self._loaded

    def read(self, path: str, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        """One object or list as decoded JSON (``GET path``), for reading a single object's state.

        Secrets are refused here: their data is never read (use `list_pages`, which blanks it).

        Raises:
            ConfigError: ``path`` names Secrets.
            ApiStatusError: the server's refusal (404 for an object that does not exist).
        """
        if _resource_of(path) == "secrets":
            raise ConfigError(f"{path}: Secret objects are never read whole; their data stays in the cluster")
        try:
            body = self._transport.get(path, query)
        except KindAbsentError as exc:
            raise ApiStatusError(
                f"{path} does not exist (404): it was deleted or renamed; list the kind again",
                code=404,
                reason=exc.reason or "NotFound",
                path=path,
            ) from exc
        return _decode(body, path)

    def close(self) -> None:
        """Stop prefetching and close the connections. Idempotent."""
        with self._pool_lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._transport.close()

    def __enter__(self) -> LiveSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- paging -----------------------------------------------------------------------------------
    def _submit(self, path: str, token: str, *, secret: bool) -> Future[_Page]:
        with self._pool_lock:
            if self._closed:
                raise ConfigError(f"the source for context {self.name!r} is closed; connect again to read")
            if self._pool is None:
                self._pool = ThreadPoolExecutor(_PREFETCH_THREADS, thread_name_prefix="workbench-prefetch")
            return self._pool.submit(self._fetch, path, token, secret)

    def _fetch(self, path: str, token: str, secret: bool) -> _Page:
        query = {"limit": str(self._page_size)}
        if token:
            query["continue"] = token
        body = _secrets.blank_page(self._transport.get(path, query), all_secrets=secret)
        return _Page(body, list_page.continue_token(body, path))

    def _paged(self, path: str, pages: _Pages, *, secret: bool) -> Iterator[bytes]:
        seen: set[str] = set()
        token = ""
        pending: Future[_Page] | None = self._submit(path, token, secret=secret)
        try:
            while pending is not None:
                try:
                    page: _Page | None = pending.result()
                except ApiStatusError as exc:
                    if exc.code != 410 or not token:
                        raise
                    page = pending = None
                if page is None:
                    # client-go's pager: the continue token expired, so list everything again, once.
                    yield self._rest(self._transport.get(path), seen, secret=secret)
                    return
                token = page.token
                # Prefetch before handing the page over: the next request runs while the caller works.
                pending = self._submit(path, token, secret=secret) if token else None
                pages.reported = None
                yield page.body
                if token:  # a later page may expire: remember this one's objects (never needed for the last)
                    seen.update(
                        pages.reported if pages.reported is not None else list_page.keys(page.body, path)
                    )
        finally:
            if pending is not None:
                pending.cancel()

    @staticmethod
    def _rest(body: bytes, seen: set[str], *, secret: bool) -> bytes:
        """A full list without the objects already yielded from earlier pages, Secrets blanked."""
        doc = _decode(body, "a full relist")
        items = doc.get("items") or []
        doc["items"] = [item for item in items if list_page.key(item) not in seen]
        _secrets.blank_list(doc, all_secrets=secret)
        return orjson.dumps(doc)


def connect_live(
    context: str | None = None,
    kubeconfig: str | os.PathLike[str] | None = None,
    namespaces: Sequence[str] | None = None,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    timeout: Timeout = (10.0, 60.0),
    retry: RetryPolicy | None = None,
) -> LiveSource:
    """Connect to a cluster and check that it answers (``GET /version``).

    Args:
        context: the kubeconfig context; default its ``current-context``.
        kubeconfig: a kubeconfig file; default ``$KUBECONFIG``, then ``~/.kube/config``, then the pod's
            service account when running in a cluster.
        namespaces: limit namespaced kinds to these namespaces; ``None`` for all.
        page_size: objects per list page (the ``limit`` parameter).
        timeout: seconds to connect and to wait for an answer, one number or ``(connect, read)``.
        retry: how to retry 429, 5xx and dropped connections (default: 5 tries, exponential back-off).

    Raises:
        KubeconfigError: no usable kubeconfig or context (the message says what was tried).
        ApiUnreachableError: the server does not answer.
        CredentialsError: the server rejects the credential.

    Example:
        >>> from workbench import sandbox
        >>> with sandbox.start(manual_clock=True) as sb, connect_live(kubeconfig=sb.kubeconfig) as src:
        ...     src.server_version()["major"]
        '1'
    """
    source = LiveSource(
        _kubeconfig.load(context, kubeconfig),
        namespaces=namespaces,
        page_size=page_size,
        timeout=timeout,
        retry=retry,
    )
    try:
        source.server_version()
    except BaseException:
        source.close()
        raise
    return source


def _resource_of(path: str) -> str:
    """The resource segment of an API path (``/api/v1/namespaces/x/secrets/y`` → ``secrets``)."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    at = 2 if parts[:1] == ["api"] else 3
    if len(parts) > at + 1 and parts[at] == "namespaces":
        at += 2
    return parts[at] if len(parts) > at else ""


def _crd_kind(crd: dict[str, Any]) -> Kind | None:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    served = [v for v in spec.get("versions") or [] if v.get("served")]
    if not served or not spec.get("group") or not names.get("plural"):
        return None
    version = next((v for v in served if v.get("storage")), served[0])
    return _kinds.custom(
        spec["group"],
        version["name"],
        names["plural"],
        names.get("kind", ""),
        namespaced=spec.get("scope") == "Namespaced",
    )


def _decode(body: bytes, what: str) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise SourceError(
            f"the API server's answer for {what} is not JSON ({exc}); is it a Kubernetes API?"
        ) from exc
    if not isinstance(doc, dict):
        raise SourceError(f"the API server's answer for {what} is not a JSON object; is it a Kubernetes API?")
    return doc


def _seg(text: str) -> str:
    return urllib.parse.quote(text, safe="")

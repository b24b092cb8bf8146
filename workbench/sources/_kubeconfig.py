"""Finding and loading a kubeconfig (or the in-cluster service account) with the official client.

The official client does the loading, so everything kubectl users rely on keeps working: merged
``KUBECONFIG`` lists, client certificates, ``exec`` credential plugins and their token refresh. This
module adds what it lacks: a search order that says which paths it tried, and errors that name the
cause and the fix instead of a bare ``ConfigException`` (or, for a failing ``exec`` plugin, a line in
the log and an anonymous request).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.config.config_exception import ConfigException

from workbench.errors import CredentialsError, KubeconfigError

IN_CLUSTER = "in-cluster"
"""The context name reported for the pod's own service account."""

DEFAULT_PATH = "~/.kube/config"
_SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
_FIX_NONE = (
    "set KUBECONFIG to your kubeconfig file, pass kubeconfig=<path>, "
    "or start a local practice cluster with `workbench sandbox start`"
)


@dataclass(frozen=True, slots=True)
class Loaded:
    """A loaded connection configuration.

    Attributes:
        configuration: the official client's settings (host, TLS files, credentials and the hook that
            refreshes them); ``auth_settings()`` gives the current credential.
        context: the context used, or ``in-cluster``.
        server: the API server URL.
        origin: where it came from: the kubeconfig file(s), or ``in-cluster``.
        namespace: the context's default namespace, if it names one.
    """

    configuration: k8s_client.Configuration
    context: str
    server: str
    origin: str
    namespace: str | None


def load(context: str | None = None, kubeconfig: str | os.PathLike[str] | None = None) -> Loaded:
    """Load a context from a kubeconfig, or the in-cluster service account.

    The search order is kubectl's: ``kubeconfig`` if given, else every file listed in ``$KUBECONFIG``
    (``:``-separated; the first file that sets a context or ``current-context`` wins), else
    ``~/.kube/config``; when none exists and ``KUBERNETES_SERVICE_HOST`` is set, the pod's service
    account.

    Args:
        context: the context to use; default the kubeconfig's ``current-context``.
        kubeconfig: a kubeconfig file to use instead of the search.

    Returns:
        The configuration with the context name and server URL.

    Raises:
        KubeconfigError: no kubeconfig anywhere, a file that is missing, unreadable or not YAML, an
            unknown context, an ``exec`` credential plugin that fails, or an unusable service account.

    Example:
        >>> from workbench import sandbox
        >>> with sandbox.start(manual_clock=True) as sb:
        ...     load(kubeconfig=sb.kubeconfig).context
        'workbench-sandbox'
    """
    if kubeconfig is not None:
        path = Path(kubeconfig).expanduser()
        if not path.is_file():
            raise KubeconfigError(
                f"the kubeconfig {path} passed as kubeconfig= does not exist (or is not a file); "
                "pass the path of an existing kubeconfig, or leave kubeconfig= out to use "
                f"$KUBECONFIG or {DEFAULT_PATH}"
            )
        files, tried = [path], [path]
    else:
        env = os.environ.get("KUBECONFIG", "")
        tried = [Path(p).expanduser() for p in env.split(os.pathsep) if p] if env else []
        if not tried:
            tried = [Path(DEFAULT_PATH).expanduser()]
        files = [p for p in tried if p.is_file()]
    if not files:
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            return _in_cluster()
        where = "KUBECONFIG" if os.environ.get("KUBECONFIG") else "the default location"
        raise KubeconfigError(
            f"no kubeconfig found: tried {', '.join(str(p) for p in tried)} ({where}), and this is not "
            f"a pod (KUBERNETES_SERVICE_HOST is not set); {_FIX_NONE}"
        )
    return _from_files(files, context)


def _from_files(files: list[Path], context: str | None) -> Loaded:
    docs = [(path, _read(path)) for path in files]
    origin = os.pathsep.join(str(p) for p in files)
    contexts: dict[str, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    current = ""
    for path, doc in docs:
        for entry in _named(doc, "contexts", path):
            contexts.setdefault(str(entry["name"]), _mapping(entry.get("context")))
        for entry in _named(doc, "users", path):
            users.setdefault(str(entry["name"]), _mapping(entry.get("user")))
        current = current or str(doc.get("current-context") or "")
    chosen = context or current
    available = ", ".join(sorted(contexts)) or "none"
    if not chosen:
        raise KubeconfigError(
            f"{origin} sets no current-context; pass context= one of: {available} "
            "(or run `kubectl config use-context <name>`)"
        )
    if chosen not in contexts:
        raise KubeconfigError(
            f"context {chosen!r} is not in {origin}; available contexts: {available}. Pass one of them "
            "as context= (`kubectl config get-contexts` lists them)"
        )
    user = users.get(str(contexts[chosen].get("user") or ""), {})
    configuration = k8s_client.Configuration()
    with _captured_errors() as messages:
        try:
            # The official loader reads the files again; passing the context explicitly keeps kubectl's
            # rule (first current-context wins) where the client's merger would take the last one.
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=origin, context=chosen, client_configuration=configuration, persist_config=False
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise KubeconfigError(
                f"context {chosen!r} in {origin} cannot be used: {exc}; fix that entry "
                "(`kubectl config view` shows it) or pass another context="
            ) from exc
    exec_conf = user.get("exec")
    if isinstance(exec_conf, dict) and not _has_credential(configuration):
        # The client logs a failing plugin and carries on without a credential; say so instead.
        said = "; ".join(messages) or "it printed no token or client certificate"
        raise KubeconfigError(
            f"the exec credential plugin {exec_conf.get('command')!r} of context {chosen!r} failed: {said}. "
            "Run that command yourself to see why (often: log in to the cloud CLI again), "
            f"or fix users[].user.exec in {origin}"
        )
    _guard_refresh(configuration, chosen, is_exec=isinstance(exec_conf, dict))
    namespace = contexts[chosen].get("namespace")
    return Loaded(
        configuration,
        chosen,
        str(configuration.host),
        origin,
        str(namespace) if namespace else None,
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise KubeconfigError(
            f"cannot read the kubeconfig {path}: {reason}; check the file's permissions "
            "or point KUBECONFIG / kubeconfig= at another file"
        ) from exc
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KubeconfigError(
            f"the kubeconfig {path} is not valid YAML ({' '.join(str(exc).split())}); fix the file "
            "(`kubectl config view` shows the error too) or point KUBECONFIG / kubeconfig= at another"
        ) from exc
    if not isinstance(doc, dict):
        raise KubeconfigError(
            f"the kubeconfig {path} is {'empty' if doc is None else 'not a mapping'}; a kubeconfig is a "
            "YAML mapping with clusters, users and contexts (`kubectl config view --raw` prints one)"
        )
    return doc


def _named(doc: dict[str, Any], section: str, path: Path) -> list[dict[str, Any]]:
    entries = doc.get(section) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "name" in e for e in entries):
        raise KubeconfigError(
            f"the kubeconfig {path} has a malformed {section} section: it must be a list of entries "
            "that each have a name; fix the file or regenerate it with your cluster's tooling"
        )
    return entries


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _has_credential(configuration: k8s_client.Configuration) -> bool:
    return bool(configuration.api_key.get("BearerToken") or configuration.cert_file)


def _in_cluster() -> Loaded:
    configuration = k8s_client.Configuration()
    try:
        k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError) as exc:
        raise KubeconfigError(
            f"no kubeconfig was found and KUBERNETES_SERVICE_HOST is set, but the pod's service account "
            f"cannot be used: {exc} ({_SERVICE_ACCOUNT}); mount a service account token "
            f"(automountServiceAccountToken: true) or {_FIX_NONE}"
        ) from exc
    _guard_refresh(configuration, IN_CLUSTER, is_exec=False)
    namespace_file = _SERVICE_ACCOUNT / "namespace"
    try:
        namespace: str | None = namespace_file.read_text(encoding="utf-8").strip() or None
    except OSError:
        namespace = None
    return Loaded(configuration, IN_CLUSTER, str(configuration.host), IN_CLUSTER, namespace)


class _Refresh:
    """Runs the client's credential-refresh hook under a lock and turns a failed refresh into an error.

    The client re-installs its own hook each time it runs, so this wrapper puts itself back.
    """

    def __init__(self, inner: Callable[[Any], None], context: str, *, is_exec: bool) -> None:
        self._inner = inner
        self._context = context
        self._is_exec = is_exec
        # Page prefetch and the caller both send requests; one refresh at a time runs the plugin once.
        self._lock = threading.Lock()

    def __call__(self, configuration: Any) -> None:
        with self._lock, _captured_errors() as messages:
            try:
                self._inner(configuration)
            except (ConfigException, OSError) as exc:
                # In-cluster: the rotated service-account token file vanished or is empty.
                raise CredentialsError(
                    f"the credential of context {self._context!r} could not be renewed: {exc}; "
                    "check the service account token mount, then reconnect"
                ) from exc
            finally:
                installed = configuration.refresh_api_key_hook
                if installed is not self and installed is not None:
                    self._inner = installed
                configuration.refresh_api_key_hook = self
        if self._is_exec and messages:
            raise CredentialsError(
                f"the credential of context {self._context!r} expired and its exec plugin failed to renew "
                f"it: {'; '.join(messages)}. Run the plugin's command yourself (often: log in to the "
                "cloud CLI again), then reconnect"
            )


def _guard_refresh(configuration: Any, context: str, *, is_exec: bool) -> None:
    # Any: the client's annotations type the hook attribute as always None.
    hook = configuration.refresh_api_key_hook
    if hook is not None:
        configuration.refresh_api_key_hook = _Refresh(hook, context, is_exec=is_exec)


class _Collect(logging.Handler):
    def __init__(self, thread: int) -> None:
        super().__init__(logging.ERROR)
        self.thread = thread
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Only this thread's records: another thread's errors are not this load's.
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _captured_errors() -> Iterator[list[str]]:
    """Collect the error lines the official client logs (it logs exec plugin failures, not raises)."""
    handler = _Collect(threading.get_ident())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.messages
    finally:
        root.removeHandler(handler)

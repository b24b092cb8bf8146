"""The one typed services object the handlers share: settings, the cluster, the agent, the audit log.

It lives under one key of the tornado settings (`SERVICES_KEY`) and is read back with `services_of`,
which checks its type; handlers never look anything else up by a string. Tests build their own with
other factories (a sandbox kubeconfig, a chat model that fails) and hand it to `install`.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.agent import Chat, ClusterView, ModelChoice, resolve_model
from workbench.errors import ConfigError
from workbench.model import DryRun, Plan
from workbench.remediation import AuditLog, Remediation
from workbench.server._wire import Redaction
from workbench.sources import LiveSource, connect_live

SERVICES_KEY = "kube_workbench"
"""The one key of the tornado settings the extension uses."""

SourceFactory = Callable[[str | None, str | None, Sequence[str] | None], LiveSource]
"""Connects to a cluster: ``(context, kubeconfig, namespaces)`` (default `connect_live`)."""
ChatFactory = Callable[[ClusterView, "Settings"], Chat]
"""Makes the agent for one chat connection."""
ModelResolver = Callable[[str | None], ModelChoice]
"""Resolves a model spec (``None``: the environment's) to the model that answers."""


@dataclass(frozen=True)
class Settings:
    """What the panel may change at run time (API keys are not among them: they come from env).

    Attributes:
        model: a model spec; ``""`` reads ``WORKBENCH_MODEL`` (offline when unset).
        context: the kubeconfig context; ``None`` for its current one.
        namespaces: what the agent and the health summary look at; ``None`` for all.
        redaction: ``mask`` (secrets masked) or ``anonymize`` (names pseudonymized too).
    """

    model: str = ""
    context: str | None = None
    namespaces: tuple[str, ...] | None = None
    redaction: Redaction = "mask"


def default_chat(view: ClusterView, settings: Settings) -> Chat:
    """The agent as the settings describe it (raises `ConfigError` for an unusable model spec)."""
    return Chat(view, model=settings.model or None, anonymize=settings.redaction == "anonymize")


@dataclass(frozen=True)
class Connected:
    """A live connection and the read-only view the agent and the health summary share."""

    source: LiveSource
    view: ClusterView
    generation: int


class Services:
    """Everything the handlers need, typed.

    Args:
        settings: the starting settings.
        kubeconfig: the kubeconfig file (``None``: ``$KUBECONFIG``, then ``~/.kube/config``).
        audit_log: where dry-runs are recorded (``None``: ``$WORKBENCH_AUDIT_LOG`` or the XDG state dir).
        connect: the cluster source factory.
        make_chat: the agent factory.
        resolve: the model resolver (for the status and the settings' validation).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        kubeconfig: str | os.PathLike[str] | None = None,
        audit_log: str | os.PathLike[str] | None = None,
        connect: SourceFactory = connect_live,
        make_chat: ChatFactory = default_chat,
        resolve: ModelResolver = resolve_model,
    ) -> None:
        self.kubeconfig = str(Path(kubeconfig).expanduser()) if kubeconfig else None
        self.audit_log = Path(audit_log).expanduser() if audit_log else None
        self.make_chat = make_chat
        self.resolve = resolve
        self._connect = connect
        self._settings = settings or Settings()
        self._generation = 0
        self._connected: Connected | None = None
        self._stale: list[LiveSource] = []
        # One connection per settings generation, made by whichever request needs it first.
        self._lock = threading.Lock()

    @property
    def settings(self) -> Settings:
        """The current settings."""
        return self._settings

    @property
    def generation(self) -> int:
        """Bumped by every settings change: chats made for an older one are remade."""
        return self._generation

    def update(self, **changes: Any) -> Settings:
        """Change settings; the next request connects (and makes its agent) afresh."""
        with self._lock:
            self._settings = dataclasses.replace(self._settings, **changes)
            self._generation += 1
            if self._connected is not None:
                # A turn may still be reading through it: closed at shutdown, not under its feet.
                self._stale.append(self._connected.source)
                self._connected = None
            return self._settings

    def connected(self) -> Connected:
        """The cluster of the current settings, connecting on first use (blocking: call it in a thread).

        Raises:
            KubeconfigError, ApiUnreachableError, CredentialsError: as `connect_live`.
        """
        with self._lock:
            if self._connected is None or self._connected.generation != self._generation:
                settings = self._settings
                source = self._connect(settings.context, self.kubeconfig, settings.namespaces)
                self._connected = Connected(
                    source, ClusterView(source, namespaces=settings.namespaces), self._generation
                )
            return self._connected

    def model(self) -> ModelChoice:
        """The model the settings name (raises `ConfigError` when it cannot be used)."""
        return self.resolve(self._settings.model or None)

    def audit(self) -> AuditLog:
        """The audit log dry-runs are written to."""
        return AuditLog(self.audit_log)

    def dry_run(self, plan: Plan) -> DryRun:
        """A server-side dry run of ``plan`` on the current cluster: nothing changes (blocking).

        Raises:
            SourceError: the cluster cannot be reached.
            AuditError: the audit log cannot be written.
        """
        connected = self.connected()
        fix = Remediation(plan, connected.source, audit=self.audit())
        try:
            return fix.dry_run()
        finally:
            fix.close()

    def close(self) -> None:
        """Close every connection (at server shutdown)."""
        with self._lock:
            sources = [*self._stale, *([self._connected.source] if self._connected else [])]
            self._stale.clear()
            self._connected = None
        for source in sources:
            source.close()


def install(settings: MutableMapping[str, Any], services: Services) -> None:
    """Store ``services`` in the tornado application's settings (under `SERVICES_KEY`)."""
    settings[SERVICES_KEY] = services


def services_of(settings: Mapping[str, Any]) -> Services:
    """The services stored by `install`.

    Raises:
        ConfigError: the extension was not loaded into this server.
    """
    services = settings.get(SERVICES_KEY)
    if not isinstance(services, Services):
        raise ConfigError(
            "the kube-workbench server extension is not loaded: enable it with "
            "`jupyter server extension enable workbench.server` and restart Jupyter"
        )
    return services

"""The panel's status: contexts, whether the cluster answers, its health, what the credentials may do,
and which model answers. Every failure is a state with a message and a fix, never an exception.

Blocking (it connects, analyses and asks RBAC): the handler runs it in a thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import (
    ApiUnreachableError,
    ConfigError,
    CredentialsError,
    ForbiddenError,
    KubeconfigError,
    SourceError,
)
from workbench.remediation._client import Writer
from workbench.remediation._preview import review
from workbench.remediation._steps import Access
from workbench.server._contexts import list_contexts
from workbench.server._convert import access_wire, health_wire
from workbench.server._services import Services
from workbench.server._wire import (
    AccessWire,
    AgentWire,
    ConnectionState,
    ConnectionWire,
    HealthWire,
    StatusMessage,
)
from workbench.sources import LiveSource


@dataclass(frozen=True)
class Question:
    """One thing the panel needs the credentials to allow, and what for."""

    verb: str
    group: str
    resource: str
    purpose: str
    subresource: str = ""
    cluster_scoped: bool = False


QUESTIONS = (
    Question("list", "", "pods", "see pods and their state"),
    Question("get", "", "pods", "read container logs", subresource="log"),
    Question("list", "", "events", "read events"),
    Question("list", "apps", "deployments", "see deployments"),
    Question("patch", "apps", "deployments", "dry-run and apply plans that change deployments"),
    Question("delete", "", "pods", "apply plans that delete a pod"),
    Question("patch", "", "nodes", "cordon and uncordon nodes", cluster_scoped=True),
)
"""What the status asks the API server (SelfSubjectAccessReviews; nothing is changed by asking)."""


def status(services: Services, *, refresh: bool = False) -> StatusMessage:
    """The status; ``refresh`` pulls the cluster again and re-runs the analysis."""
    contexts = list_contexts(services.kubeconfig)
    agent = agent_status(services)
    current = services.settings.context or contexts.current
    try:
        connected = services.connected()
    except (SourceError, ConfigError) as exc:
        return StatusMessage(
            contexts=list(contexts.names),
            current=current,
            contexts_problem=contexts.problem,
            connection=ConnectionWire(state=_state(exc), message=str(exc)),
            health=None,
            access=[],
            agent=agent,
        )
    source = connected.source
    connection = ConnectionWire(state="ok", server=source.server)
    health: HealthWire | None = None
    health_problem = ""
    try:
        connection = ConnectionWire(
            state="ok", server=source.server, version=source.server_version().get("gitVersion", "")
        )
        if refresh:
            connected.view.refresh()
        report, _ = connected.view.analysis()
        health = health_wire(report)
    except SourceError as exc:
        health_problem = f"the cluster could not be analysed: {exc}"
        if isinstance(exc, ApiUnreachableError | CredentialsError):
            connection = ConnectionWire(state=_state(exc), message=str(exc), server=source.server)
    access = can_i(source) if connection.state == "ok" else []
    return StatusMessage(
        contexts=list(contexts.names),
        current=source.name,
        contexts_problem=contexts.problem,
        connection=connection,
        health=health,
        health_problem=health_problem,
        access=access,
        agent=agent,
    )


def agent_status(services: Services) -> AgentWire:
    """Which model answers, or why the configured one cannot."""
    try:
        choice = services.model()
    except ConfigError as exc:
        return AgentWire(state="misconfigured", model=services.settings.model or "", problem=str(exc))
    return AgentWire(state="offline" if choice.offline else "model", model=choice.label)


def can_i(source: LiveSource) -> list[AccessWire]:
    """The answers to `QUESTIONS`, in the first namespace looked at (or cluster-wide)."""
    namespaces = source.namespaces
    namespace = namespaces[0] if namespaces else (source.connection.namespace or "")
    asked = [
        Access(
            q.verb,
            q.group,
            q.resource,
            "" if q.cluster_scoped else namespace,
            subresource=q.subresource,
        )
        for q in QUESTIONS
    ]
    writer = Writer(source)
    try:
        checks = review(writer, asked)
    finally:
        writer.close()
    return [access_wire(check, q.purpose) for check, q in zip(checks, QUESTIONS, strict=True)]


def _state(exc: Exception) -> ConnectionState:
    if isinstance(exc, KubeconfigError):
        return "no_kubeconfig"
    if isinstance(exc, ApiUnreachableError):
        return "unreachable"
    if isinstance(exc, CredentialsError):
        return "credentials"
    if isinstance(exc, ForbiddenError):
        return "forbidden"
    return "error"

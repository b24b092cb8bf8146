"""Loading the extension into a Jupyter server: its configuration, its services and its routes.

Configure it like any Jupyter component (``jupyter_server_config.py`` or the command line)::

    c.KubeWorkbench.kubeconfig = "~/.kube/prod-readonly"
    c.KubeWorkbench.namespaces = ["shop", "payments"]
    c.KubeWorkbench.redaction = "anonymize"

API keys are not configuration: the model's client reads them from the server's environment.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.serverapp import ServerApp
from traitlets import Enum, List, Unicode
from traitlets.config import Configurable

from workbench.server._routes import handlers
from workbench.server._services import SERVICES_KEY, Services, Settings, install


class KubeWorkbench(Configurable):
    """The server extension's settings (the panel can change model, context, namespaces and redaction)."""

    kubeconfig = Unicode(
        None, allow_none=True, config=True, help="Kubeconfig file (default: $KUBECONFIG, ~/.kube/config)."
    )
    audit_log = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Where dry-runs are recorded (default: $WORKBENCH_AUDIT_LOG).",
    )
    model = Unicode(
        "", config=True, help="Model spec such as openai:gpt-4o-mini ('': $WORKBENCH_MODEL, else offline)."
    )
    context = Unicode(None, allow_none=True, config=True, help="Kubeconfig context (default: its current).")
    namespaces = List(
        Unicode(),
        default_value=None,
        allow_none=True,
        config=True,
        help="Namespaces to look at (default: all).",
    )
    redaction = Enum(
        ["mask", "anonymize"],
        default_value="mask",
        config=True,
        help="What a model may see: secrets masked, or names pseudonymized too.",
    )


def load(serverapp: ServerApp) -> None:
    """Install the services and the routes into ``serverapp``."""
    config: Any = KubeWorkbench(parent=serverapp)
    namespaces = tuple(config.namespaces) if config.namespaces else None
    settings = Settings(
        model=str(config.model or ""),
        context=config.context or None,
        namespaces=namespaces,
        redaction=config.redaction,
    )
    web_app: Any = serverapp.web_app  # tornado's Application.add_handlers is untyped
    install(web_app.settings, Services(settings, kubeconfig=config.kubeconfig, audit_log=config.audit_log))
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    serverapp.log.info(
        "kube-workbench: side panel routes under %sapi/workbench/", web_app.settings["base_url"]
    )


def unload(serverapp: ServerApp) -> None:
    """Close the extension's cluster connections."""
    services = serverapp.web_app.settings.get(SERVICES_KEY)
    if isinstance(services, Services):
        services.close()

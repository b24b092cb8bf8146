"""The Jupyter server extension behind the side panel: routes in one table, thin handlers.

Routes under ``/api/workbench/`` (`workbench.server._routes.ROUTES`): ``status`` (contexts, connection,
health, what the credentials may do, which model answers), ``chat`` (a WebSocket streaming the agent's
events), ``plans/dry-run`` (a server-side dry run; there is no apply route) and ``settings``. All of
them sit behind Jupyter's authentication, authorizer and XSRF protection. The wire messages are the
pydantic models of `workbench.server._wire`; the panel's TypeScript types are generated from them.

Installing the package enables the extension (``etc/jupyter/jupyter_server_config.d/kube_workbench.json``);
by hand: ``jupyter server extension enable workbench.server``.
"""

from __future__ import annotations

from typing import Any

from workbench import __version__

__all__ = ["__version__"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Where Jupyter finds the extension (this module)."""
    return [{"module": "workbench.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Called by Jupyter when the server starts."""
    # Imported here: the agent pulls in langchain and pandas, which `jupyter server extension list`
    # (it imports this module to validate it) does not need.
    from workbench.server._extension import load  # noqa: PLC0415 - lazy on purpose, see above

    load(serverapp)


def _unload_jupyter_server_extension(serverapp: Any) -> None:
    """Called by Jupyter when the server stops."""
    from workbench.server._extension import unload  # noqa: PLC0415 - lazy on purpose, see above

    unload(serverapp)

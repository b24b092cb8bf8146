"""The extension's routes, in one table under ``/api/workbench/``.

There is no apply route, on purpose: the panel can dry-run a plan (nothing changes) and insert its
cell into the notebook; applying happens there, after a person reads the diff and approves.
"""

from __future__ import annotations

from jupyter_server.utils import url_path_join
from tornado.web import RequestHandler

from workbench.server._chat import ChatHandler
from workbench.server._handlers import DryRunHandler, SettingsHandler, StatusHandler

PREFIX = "api/workbench"
"""Every route's prefix (below the server's base URL)."""

ROUTES: tuple[tuple[str, type[RequestHandler]], ...] = (
    ("status", StatusHandler),  # GET [?refresh=1]
    ("chat", ChatHandler),  # WebSocket
    ("plans/dry-run", DryRunHandler),  # POST
    ("settings", SettingsHandler),  # GET, PUT
)


def handlers(base_url: str) -> list[tuple[str, type[RequestHandler]]]:
    """The route table as tornado handler specs under ``base_url``."""
    return [(url_path_join(base_url, PREFIX, path), handler) for path, handler in ROUTES]

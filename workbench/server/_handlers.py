"""The REST handlers: thin — parse the body into a wire model, call the services, answer a wire model.

Every handler is a Jupyter ``APIHandler`` behind ``@tornado.web.authenticated`` (no login: 403) and
Jupyter's authorizer; POST and PUT need the XSRF token a browser session carries (Jupyter checks it
for cookie-authenticated requests). Errors are `ErrorMessage` bodies naming the cause and the fix.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, TypeVar

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from pydantic import ValidationError

from workbench.errors import AuditError, ConfigError, RemediationError, SourceError
from workbench.model import Plan
from workbench.redaction import mask_text
from workbench.server._contexts import list_contexts
from workbench.server._convert import dry_run_wire
from workbench.server._services import Services, services_of
from workbench.server._status import status
from workbench.server._wire import (
    DryRunRequest,
    ErrorMessage,
    SettingsMessage,
    SettingsUpdate,
    Wire,
)

AUTH_RESOURCE = "workbench"
"""The resource name Jupyter's authorizer is asked about (JupyterHub scopes can name it)."""

W = TypeVar("W", bound=Wire)
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_CREDENTIALS_IN_URL = re.compile(r"://[^/@\s]+@")


def http_error(status: int, message: str) -> tornado.web.HTTPError:
    """An HTTP error whose body is ``message`` (``%`` in it is kept as it is)."""
    return tornado.web.HTTPError(status, "%s", message)


def problems(exc: ValidationError) -> str:
    """A validation error in one line: each field and what is wrong with it."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


class WorkbenchHandler(APIHandler):
    """Base of the REST handlers: typed services, wire bodies in and out, errors as `ErrorMessage`."""

    auth_resource = AUTH_RESOURCE

    @property
    def services(self) -> Services:
        """The extension's services."""
        return services_of(self.settings)

    def parse(self, model: type[W]) -> W:
        """The request body as ``model``.

        Raises:
            HTTPError: 400 naming what is wrong with it.
        """
        try:
            return model.model_validate_json(self.request.body or b"")
        except ValidationError as exc:
            raise http_error(400, f"bad {model.__name__} body: {problems(exc)}") from None

    def reply(self, message: Wire, status: int = 200) -> None:
        """Send ``message`` as the JSON body."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(message.model_dump_json())

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors as `ErrorMessage` (Jupyter's default body would lose our messages' arguments)."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        elif status_code == 403:
            message = "forbidden: log in to Jupyter (the request carried no valid token or session)"
        else:
            message = f"the request failed ({status_code}); the Jupyter server log has the details"
        self.set_header("Content-Type", "application/json")
        self.finish(ErrorMessage(message=message).model_dump_json())


class StatusHandler(WorkbenchHandler):
    """``GET status[?refresh=1]``: contexts, connection, health, access, agent."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        refresh = self.get_argument("refresh", "") in ("1", "true", "yes")
        self.reply(await asyncio.to_thread(status, self.services, refresh=refresh))


class DryRunHandler(WorkbenchHandler):
    """``POST plans/dry-run``: a server-side dry run of a plan (``dryRun=All``; nothing changes).

    There is deliberately no apply route: a plan is applied from its notebook cell, after a person
    reads the diff and approves it there.
    """

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        request = self.parse(DryRunRequest)
        try:
            plan = Plan.from_dict(request.plan.model_dump(mode="json"))
        except ConfigError as exc:
            raise http_error(400, f"not a plan that can be dry-run: {exc}") from None
        try:
            dry = await asyncio.to_thread(self.services.dry_run, plan)
        except SourceError as exc:
            raise http_error(503, f"the cluster cannot be reached to dry-run the plan: {exc}") from None
        except AuditError as exc:
            raise http_error(503, str(exc)) from None
        except (RemediationError, ConfigError) as exc:
            raise http_error(409, f"the plan cannot be dry-run: {exc}") from None
        self.reply(dry_run_wire(dry))


class SettingsHandler(WorkbenchHandler):
    """``GET`` / ``PUT settings``: model, context, namespaces, redaction. Never an API key."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await asyncio.to_thread(self._message))

    @tornado.web.authenticated
    @authorized
    async def put(self) -> None:
        update = self.parse(SettingsUpdate)
        changes = await asyncio.to_thread(self._validated, update)
        self.services.update(**changes)
        self.reply(await asyncio.to_thread(self._message))

    def _validated(self, update: SettingsUpdate) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        given = update.model_fields_set
        if "model" in given:
            spec = (update.model or "").strip()
            if _CREDENTIALS_IN_URL.search(spec):
                raise http_error(
                    400,
                    "the model spec carries credentials in its URL; put the key in WORKBENCH_MODEL_API_KEY "
                    "(or the provider's variable) in Jupyter's environment instead",
                )
            try:
                self.services.resolve(spec or None)
            except ConfigError as exc:
                raise http_error(400, f"model {spec!r} cannot be used: {exc}") from None
            changes["model"] = spec
        if "context" in given:
            if update.context:
                known = list_contexts(self.services.kubeconfig)
                if known.names and update.context not in known.names:
                    raise http_error(
                        400,
                        f"context {update.context!r} is not in the kubeconfig; pick one of: "
                        f"{', '.join(known.names)}",
                    )
            changes["context"] = update.context or None
        if "namespaces" in given:
            names = [n.strip() for n in update.namespaces or [] if n.strip()]
            bad = [n for n in names if len(n) > 63 or not _NAMESPACE.match(n)]
            if bad:
                raise http_error(
                    400,
                    f"not namespace names: {', '.join(map(repr, bad))} (lower-case letters, digits and '-'; "
                    "leave the list empty for all namespaces)",
                )
            changes["namespaces"] = tuple(dict.fromkeys(names)) or None
        if "redaction" in given and update.redaction is not None:
            changes["redaction"] = update.redaction
        return changes

    def _message(self) -> SettingsMessage:
        settings = self.services.settings
        try:
            label = self.services.model().label
        except ConfigError:
            label = "unusable: see the status"
        return SettingsMessage(
            model=mask_text(settings.model).text,  # a spec from the config could carry a URL's password
            model_label=label,
            context=settings.context,
            namespaces=list(settings.namespaces) if settings.namespaces is not None else None,
            redaction=settings.redaction,
        )

"""The sandbox's HTTP server: routes Kubernetes API requests to `Api` and renders the answers."""

from __future__ import annotations

import collections
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox import (
    _convert,
    _deletion,
    _endpoints,
    _render,
    _subresources,
    _watch,
)
from workbench.sandbox._admission import FieldValidation, field_validation
from workbench.sandbox._api import Api
from workbench.sandbox._bodies import PATCH_TYPES, apply_patch, parse_patch
from workbench.sandbox._control import ControlPlane
from workbench.sandbox._gojson import go_type_name
from workbench.sandbox._http import BaseHandler, ClientGoneError, accept_tls, log
from workbench.sandbox._lessons import HintLadder
from workbench.sandbox._logs import LogStore
from workbench.sandbox._meta import manager_from_agent
from workbench.sandbox._rbac import ADMIN, UserInfo, authenticate, check, request_attributes
from workbench.sandbox._routes import Route, not_found_path, parse
from workbench.sandbox._subresources import UsageFn, simulated_usage
from workbench.sandbox._warnings import add_warnings, collect_warnings, pending_warnings


@dataclass
class SandboxState:
    """What every request handler shares (one typed object, not a dict of globals)."""

    api: Api
    logs: LogStore
    address: str = "127.0.0.1:0"
    hidden_groups: frozenset[str] = frozenset()
    control: ControlPlane | None = None
    hints: HintLadder | None = None
    """The scenario's hints, sent as ``Warning`` headers on writes while its checks fail (opt-in)."""
    usage: UsageFn = simulated_usage
    """What metrics.k8s.io reports for a running container (the control plane's app model)."""
    stopping: bool = False
    users: dict[str, UserInfo] = field(default_factory=dict)
    """Bearer token → the user it authenticates (`Sandbox.kubeconfig_for` adds them)."""
    tls: ssl.SSLContext | None = None
    """Set with the first user: connections that open with a TLS handshake are then served over TLS."""
    requests: collections.deque[tuple[str, str, int]] = field(
        default_factory=lambda: collections.deque(maxlen=5000)
    )


class Handler(BaseHandler):
    server: SandboxHTTPServer
    user: UserInfo = ADMIN
    """Who sent the request being handled (set for each request on a kept-alive connection)."""

    @property
    def sandbox(self) -> SandboxState:
        return self.server.sandbox

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def send_response(self, code: int, message: str | None = None) -> None:
        # A request line that did not parse has no command or path yet.
        self.sandbox.requests.append((self.command or "", getattr(self, "path", ""), int(code)))
        super().send_response(code, message)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Refusals from the HTTP layer (a garbled request line, an unknown method) as Status objects."""
        self.close_connection = True  # the request was not understood; any body it had is unread
        if code == HTTPStatus.NOT_IMPLEMENTED:  # no do_<METHOD>: a method the API does not have
            err = SandboxApiError(
                405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
            )
        else:
            phrase = HTTPStatus(code).phrase
            reason = "".join(w[:1].upper() + w[1:] for w in phrase.replace("-", " ").split())
            err = SandboxApiError(int(code), reason, message or phrase)
        self.send_error_status(err)

    def end_headers(self) -> None:
        """Send the warnings the request's writes gave; kubectl prints each as ``Warning: <text>``."""
        for text in pending_warnings():
            header = _warning_header(text)
            if header is not None:
                self.send_header("Warning", header)
        super().end_headers()

    def _dispatch(self, method: str) -> None:
        with collect_warnings():  # for end_headers, whichever response the request ends with
            self._dispatch_request(method)

    def _dispatch_request(self, method: str) -> None:
        self.parse_target()
        self.streaming = False
        self.user = ADMIN
        try:
            raw = self.read_body() if method in ("POST", "PUT", "PATCH", "DELETE") else b""
            # No Authorization header is the admin, as before: no RBAC on that (benchmarked) path.
            self.user = authenticate(self.headers.get("Authorization"), self.sandbox.users)
            if not self.user.privileged:
                check(self.sandbox.api, request_attributes(self.user, method, self.path_only, self.query))
            if raw and self.sandbox.hints is not None:
                hint = self.sandbox.hints.after_write()
                if hint is not None:
                    add_warnings([hint])
            if not _endpoints.non_resource(self, method):
                route = parse(self.sandbox.api.registry, self.path_only)
                if route is None:
                    raise not_found_path()
                self._resource(method, route, raw)
        except ClientGoneError:
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001  # a server bug must answer 500, never drop the connection
            err = exc if isinstance(exc, SandboxApiError) else None
            if err is None:
                _log_internal(exc)
                err = SandboxApiError(500, "InternalError", f"Internal error occurred: {exc!r}")
            if self.streaming:
                # Mid-stream, a Status would corrupt the body: end the stream and the connection.
                self.end_stream()
                self.close_connection = True
            else:
                self.send_error_status(err)

    # -- discovery, version, openapi, health -----------------------------------------------------------
    # -- resources -------------------------------------------------------------------------------------
    def _resource(self, method: str, route: Route, raw: bytes) -> None:
        rtype = route.rtype
        verb = {
            "GET": "get" if route.name else "list",
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete" if route.name else "deletecollection",
        }[method]
        if route.subresource:
            _endpoints.subresource(self, method, route, raw)
            return
        if (method == "POST" and route.name) or (method in ("PUT", "PATCH") and not route.name):
            # Creates go to the collection, replaces and patches to one object: no route otherwise.
            raise SandboxApiError(
                405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
            )
        if (self.flag("watch") or route.watch) and method == "GET":
            verb = "watch"
        if verb not in rtype.verbs:
            raise SandboxApiError(
                405,
                "MethodNotAllowed",
                f"the server does not allow this method on the requested resource ({verb} {rtype.key})",
                details={"kind": rtype.plural},
            )
        if rtype.group == "metrics.k8s.io":
            _endpoints.metrics(self, route)
            return
        if rtype.group in ("authentication.k8s.io", "authorization.k8s.io"):  # whoami, can-i
            body = self.json_body(raw)
            self.send_json(201, _subresources.review(rtype.kind, body, user=self.user, api=self.sandbox.api))
            return
        if verb == "watch":
            _watch.serve(self, route, self.headers.get("Accept") or "")
            return
        api = self.sandbox.api
        ns = route.namespace or ""
        dry = self.dry_run()
        manager = self.field_manager()
        rtype = api.registry.storage_type(rtype)
        if verb == "get":
            self.send_object(route, api.get_entry(rtype, ns, route.name).decode())
        elif verb == "list":
            self._list(route)
        elif verb == "create":
            fv = self.field_validation("CreateOptions")
            # Convert from the requested view (events.k8s.io), not the storage type it maps to.
            body = _render.convert_in(route.rtype, route.version, self.json_body(raw))
            created = api.create(rtype, ns, body, dry_run=dry, manager=manager, field_validation=fv)
            self.send_object(route, created, 201)
        elif verb == "update":
            fv = self.field_validation("UpdateOptions")
            body = _render.convert_in(route.rtype, route.version, self.json_body(raw))
            updated = api.update(
                rtype, ns, route.name, body, dry_run=dry, manager=manager, field_validation=fv
            )
            self.send_object(route, updated)
        elif verb == "patch":
            self.send_object(route, self.patch_object(route, raw, dry, manager))
        elif verb == "delete":
            options = self._delete_options(raw)  # kubectl sends dryRun in the body: read it first
            code, body = _deletion.delete(api, rtype, ns, route.name, options, dry_run=self.dry_run())
            self.send_object(route, body, code)
        else:
            options = self._delete_options(raw)
            items = _deletion.delete_collection(
                api,
                rtype,
                route.namespace,
                options,
                label_selector=self.query.get("labelSelector", ""),
                field_selector=self.query.get("fieldSelector", ""),
                dry_run=self.dry_run(),
            )
            self.send_json(
                200,
                {
                    "kind": f"{route.rtype.kind}List",
                    "apiVersion": route.rtype.api_version(route.version),
                    "metadata": {},
                    "items": [_render.convert_out(route.rtype, route.version, o) for o in items],
                },
            )

    def patch_object(
        self, route: Route, raw: bytes, dry: bool, manager: str, subresource: str = ""
    ) -> dict[str, Any]:
        api, view, ns = self.sandbox.api, route.rtype, route.namespace or ""
        rtype = api.registry.storage_type(view)
        ctype = self.headers.get("Content-Type") or ""
        fv = self.field_validation("PatchOptions")
        if not _convert.needs_conversion(view.group, view.plural, route.version):
            return api.patch(
                rtype,
                ns,
                route.name,
                ctype,
                raw,
                subresource=subresource,
                dry_run=dry,
                manager=manager,
                field_validation=fv,
            )
        # A patch against another served version applies to that version's view of the object.
        kind = PATCH_TYPES.get(ctype.split(";")[0].strip())
        if kind is None:
            return api.patch(rtype, ns, route.name, ctype, raw, dry_run=dry)  # raises the 415
        with api.store.lock:
            old = api.get(rtype, ns, route.name)
            view_obj = _render.convert_out(view, route.version, old)
            patched = apply_patch(kind, view_obj, parse_patch(raw, kind), view.kind)
            stored = _render.convert_in(view, route.version, patched)
            return api.update(
                rtype,
                ns,
                route.name,
                stored,
                subresource=subresource,
                dry_run=dry,
                manager=manager,
                field_validation=fv,
            )

    # -- reads ------------------------------------------------------------------------------------------
    def _list(self, route: Route) -> None:
        api, rtype = self.sandbox.api, route.rtype
        page = api.list(
            rtype,
            route.namespace,
            label_selector=self.query.get("labelSelector", ""),
            field_selector=self.query.get("fieldSelector", ""),
            limit=max(0, self.int_param("limit") or 0),
            continue_token=self.query.get("continue", ""),
        )
        meta: dict[str, Any] = {"resourceVersion": str(page.resource_version)}
        if page.continue_token:
            meta["continue"] = page.continue_token
            if page.remaining is not None:
                meta["remainingItemCount"] = page.remaining
        accept = self.headers.get("Accept") or ""
        if _render.wants_table(accept):
            objs = [e.decode() for e in page.entries]
            doc = _render.table(
                rtype,
                route.version,
                objs,
                api.clock.now(),
                include=self.query.get("includeObject", "Metadata"),
                custom=api.registry.is_custom(rtype),
                meta=meta,
                api_version=_render.table_api_version(accept),
            )
            self.send_json(200, doc)
            return
        self.send_chunks(200, _render.list_chunks(rtype, route.version, page.entries, meta))

    def send_object(self, route: Route, obj: dict[str, Any], code: int = 200) -> None:
        accept = self.headers.get("Accept") or ""
        if obj.get("kind") == "Status":
            self.send_json(code, obj)
        elif _render.wants_table(accept):
            self.send_json(
                code,
                _render.table(
                    route.rtype,
                    route.version,
                    [obj],
                    self.sandbox.api.clock.now(),
                    include=self.query.get("includeObject", "Metadata"),
                    custom=self.sandbox.api.registry.is_custom(route.rtype),
                    meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                    api_version=_render.table_api_version(accept),
                ),
            )
        else:
            self.send_json(code, _render.convert_out(route.rtype, route.version, obj))

    def field_validation(self, options_kind: str) -> FieldValidation:
        """The write's ``fieldValidation`` directive (``Warn`` when not given); 422 for another value."""
        return field_validation(self.query.get("fieldValidation", ""), options_kind)

    def field_manager(self) -> str:
        """The request's fieldManager, else the client's program name (as the apiserver defaults it)."""
        return self.query.get("fieldManager") or manager_from_agent(self.headers.get("User-Agent") or "")

    def dry_run(self) -> bool:
        value = self.query.get("dryRun", "")
        if value and value != "All":
            raise SandboxApiError(
                400, "BadRequest", f'Unsupported dryRun value: "{value}": supported values: "All"'
            )
        return value == "All"

    def _delete_options(self, raw: bytes) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if raw:
            body = self.json_body(raw)
            if not isinstance(body, dict):
                raise SandboxApiError(400, "BadRequest", "DeleteOptions must be a JSON object")
            options.update(body)
        for key in ("propagationPolicy", "gracePeriodSeconds"):
            if key in self.query:
                options[key] = self.int_param(key) if key == "gracePeriodSeconds" else self.query[key]
        for key, (want, go_type) in _DELETE_OPTION_TYPES.items():
            value = options.get(key)
            if value is not None and go_type_name(value) != go_type_name(want()):
                raise SandboxApiError(
                    400,
                    "BadRequest",
                    'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: json: cannot '
                    f"unmarshal {go_type_name(value)} into Go struct field "
                    f"DeleteOptions.{key} of type {go_type}",
                )
        if options.get("dryRun"):
            self.query["dryRun"] = (
                options["dryRun"][0] if isinstance(options["dryRun"], list) else options["dryRun"]
            )
        return options


def _log_internal(exc: Exception) -> None:
    log.exception("sandbox request failed", exc_info=exc)


def _warning_header(text: str) -> str | None:
    """A ``Warning`` header value as kube-apiserver writes it: ``299 - "<text, quoted>"``.

    Texts with control characters are not sent, as kube-apiserver drops them; the value goes out as
    UTF-8 (http.server writes headers as latin-1, so the UTF-8 bytes are passed through as such).
    """
    if any(ch < " " or ch == "\x7f" for ch in text):
        return None
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'299 - "{quoted}"'.encode().decode("latin-1")


# DeleteOptions fields a client may send: the Python type a JSON value must have, and the Go type
# the apiserver's decoder names when it does not.
_DELETE_OPTION_TYPES: dict[str, tuple[Callable[[], Any], str]] = {
    "gracePeriodSeconds": (int, "int64"),
    "propagationPolicy": (str, "v1.DeletionPropagation"),
    "orphanDependents": (bool, "bool"),
    "preconditions": (dict, "v1.Preconditions"),
    "dryRun": (list, "[]string"),
}


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a taken port must fail loudly, not be shared

    def __init__(self, address: tuple[str, int], sandbox: SandboxState) -> None:
        self.sandbox = sandbox
        super().__init__(address, Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Serve one connection, over TLS when the client starts a handshake (a user's token)."""
        conn: socket.socket = accept_tls(request, self.sandbox.tls, Handler.timeout)
        try:
            Handler(conn, client_address, self)
        finally:
            if conn is not request:  # socketserver shuts down the plain socket, which TLS took over
                conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log instead of socketserver's print to stderr; a client that vanished is routine."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError | ssl.SSLError):
            log.debug("connection from %s dropped: %r", client_address, exc)
        else:
            log.exception("sandbox connection from %s failed", client_address)


def serve_in_thread(server: SandboxHTTPServer) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="sandbox-http", daemon=True
    )
    thread.start()
    time.sleep(0)  # let it enter its loop
    return thread

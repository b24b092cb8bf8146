"""The sandbox's HTTP server: routes Kubernetes API requests to `Api` and renders the answers."""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import orjson

from workbench.errors import SandboxApiError
from workbench.sandbox import _convert, _deletion, _discovery, _openapi, _render, _subresources, _watch
from workbench.sandbox._api import PATCH_TYPES, Api, apply_patch
from workbench.sandbox._http import BaseHandler, ClientGone
from workbench.sandbox._logs import LogRequest, LogStore, check_log_state, choose_container, render
from workbench.sandbox._meta import manager_from_agent
from workbench.sandbox._routes import Route, not_found_path, parse
from workbench.sandbox._store import Entry

NO_CONTAINERS = ("the sandbox has no containers to attach to: exec, attach, port-forward and cp are not "
                 "available. Read what a container printed with `kubectl logs {pod}` (add --previous for the "
                 "run before a restart) and its state with `kubectl describe pod {pod}`.")


@dataclass
class SandboxState:
    """What every request handler shares (one typed object, not a dict of globals)."""

    api: Api
    logs: LogStore
    address: str = "127.0.0.1:0"
    hidden_groups: frozenset[str] = frozenset()
    stopping: bool = False
    requests: collections.deque[tuple[str, str, int]] = field(default_factory=lambda: collections.deque(maxlen=5000))


class Handler(BaseHandler):
    server: SandboxHTTPServer

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
        self.sandbox.requests.append((self.command, self.path, code))
        super().send_response(code, message)

    def _dispatch(self, method: str) -> None:
        self.parse_target()
        try:
            raw = self.read_body() if method in ("POST", "PUT", "PATCH", "DELETE") else b""
            if not self._non_resource(method):
                route = parse(self.sandbox.api.registry, self.path_only)
                if route is None:
                    raise not_found_path()
                self._resource(method, route, raw)
        except SandboxApiError as err:
            self.send_error_status(err)
        except ClientGone:
            self.close_connection = True
        except Exception as exc:  # a server bug must answer 500, never drop the connection silently
            _log_internal(exc)
            self.send_error_status(SandboxApiError(500, "InternalError", f"Internal error occurred: {exc!r}"))

    # -- discovery, version, openapi, health -----------------------------------------------------------
    def _non_resource(self, method: str) -> bool:
        path = self.path_only.rstrip("/") or "/"
        registry = self.sandbox.api.registry
        hidden = self.sandbox.hidden_groups
        parts = [p for p in path.split("/") if p]
        if method != "GET" and path in ("/version", "/api", "/apis", "/openapi/v2"):
            raise SandboxApiError(405, "MethodNotAllowed", f"the server does not allow this method on {path}")
        doc: Any = None
        if path == "/version":
            doc = _discovery.version_info()
        elif path == "/api":
            doc = _discovery.api_versions(self.sandbox.address)
        elif path == "/apis":
            doc = _discovery.api_group_list(registry, hidden=hidden)
        elif path in ("/healthz", "/livez", "/readyz"):
            self.send_bytes(200, b"ok", "text/plain; charset=utf-8")
            return True
        elif path == "/openapi/v2":
            gvks = _discovery.openapi_gvks(registry)
            if "protobuf" in (self.headers.get("Accept") or ""):
                # Go's mime parser rejects the proto type's parameters; kubectl accepts octet-stream.
                self.send_bytes(200, _openapi.openapi_v2_protobuf(gvks), "application/octet-stream")
            else:
                self.send_bytes(200, _openapi.openapi_v2_json(gvks))
            return True
        elif path == "/api/v1":
            doc = _discovery.resource_list(registry, "", "v1")
        elif len(parts) == 2 and parts[0] == "apis" and parts[1] not in hidden:
            doc = _discovery.api_group(registry, parts[1])
        elif len(parts) == 3 and parts[0] == "apis" and parts[1] not in hidden:
            doc = _discovery.resource_list(registry, parts[1], parts[2])
        elif len(parts) >= 2 and parts[0] == "apis" and parts[1] in hidden:
            raise not_found_path()
        else:
            return False
        if doc is None:
            raise not_found_path()
        self.send_json(200, doc)
        return True

    # -- resources -------------------------------------------------------------------------------------
    def _resource(self, method: str, route: Route, raw: bytes) -> None:
        rtype = route.rtype
        verb = {"GET": "get" if route.name else "list", "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if route.name else "deletecollection"}[method]
        if route.subresource:
            self._subresource(method, route, raw)
            return
        if self.flag("watch") and method == "GET":
            verb = "watch"
        if verb not in rtype.verbs:
            raise SandboxApiError(405, "MethodNotAllowed", f"the server does not allow this method on the "
                                  f"requested resource ({verb} {rtype.key})", details={"kind": rtype.plural})
        if rtype.group == "metrics.k8s.io":
            self._metrics(route)
            return
        if rtype.group == "authorization.k8s.io":
            body = self.json_body(raw)
            ro = self.sandbox.api.read_only
            doc = (_subresources.access_review(body, read_only=ro) if rtype.kind == "SelfSubjectAccessReview"
                   else _subresources.rules_review(body, read_only=ro))
            self.send_json(201, doc)
            return
        if verb == "watch":
            _watch.serve(self, route, self.headers.get("Accept") or "")
            return
        api = self.sandbox.api
        ns = route.namespace or ""
        dry = self._dry_run()
        manager = self.query.get("fieldManager") or manager_from_agent(self.headers.get("User-Agent") or "")
        rtype = api.registry.storage_type(rtype)
        if verb == "get":
            self._send_object(route, api.get_entry(rtype, ns, route.name).decode())
        elif verb == "list":
            self._list(route)
        elif verb == "create":
            body = _render.convert_in(rtype, route.version, self.json_body(raw))
            self._send_object(route, api.create(rtype, ns, body, dry_run=dry, manager=manager), 201)
        elif verb == "update":
            body = _render.convert_in(rtype, route.version, self.json_body(raw))
            self._send_object(route, api.update(rtype, ns, route.name, body, dry_run=dry, manager=manager))
        elif verb == "patch":
            self._send_object(route, self._patch(route, raw, dry, manager))
        elif verb == "delete":
            code, body = _deletion.delete(api, rtype, ns, route.name, self._delete_options(raw), dry_run=dry)
            self._send_object(route, body, code)
        else:
            items = _deletion.delete_collection(
                api, rtype, route.namespace, self._delete_options(raw),
                label_selector=self.query.get("labelSelector", ""),
                field_selector=self.query.get("fieldSelector", ""), dry_run=dry)
            self.send_json(200, {"kind": f"{route.rtype.kind}List", "apiVersion": route.rtype.api_version(route.version),
                                 "metadata": {}, "items": [_render.convert_out(route.rtype, route.version, o)
                                                            for o in items]})

    def _patch(self, route: Route, raw: bytes, dry: bool, manager: str, subresource: str = "") -> dict[str, Any]:
        api, view, ns = self.sandbox.api, route.rtype, route.namespace or ""
        rtype = api.registry.storage_type(view)
        ctype = self.headers.get("Content-Type") or ""
        if not _convert.needs_conversion(view.group, view.plural, route.version):
            return api.patch(rtype, ns, route.name, ctype, raw, subresource=subresource, dry_run=dry,
                             manager=manager)
        # A patch against another served version applies to that version's view of the object.
        kind = PATCH_TYPES.get(ctype.split(";")[0].strip())
        if kind is None:
            return api.patch(rtype, ns, route.name, ctype, raw, dry_run=dry)  # raises the 415
        with api.store.lock:
            old = api.get(rtype, ns, route.name)
            view_obj = _render.convert_out(view, route.version, old)
            patched = apply_patch(kind, view_obj, orjson.loads(raw), view.kind)
            stored = _render.convert_in(view, route.version, patched)
            return api.update(rtype, ns, route.name, stored, subresource=subresource, dry_run=dry, manager=manager)

    def _subresource(self, method: str, route: Route, raw: bytes) -> None:
        api, ns, sub = self.sandbox.api, route.namespace or "", route.subresource
        rtype = api.registry.storage_type(route.rtype)
        dry = self._dry_run()
        manager = self.query.get("fieldManager") or manager_from_agent(self.headers.get("User-Agent") or "")
        if sub in ("exec", "attach", "portforward"):
            raise SandboxApiError(400, "BadRequest", NO_CONTAINERS.format(pod=route.name))
        if sub == "log" and method == "GET":
            self._log(route)
        elif sub == "scale":
            if method == "GET":
                self.send_json(200, _subresources.scale_of(api.get(rtype, ns, route.name)))
            elif method == "PUT":
                self.send_json(200, _subresources.update_scale(api, rtype, ns, route.name, body=self.json_body(raw),
                                                               dry_run=dry, manager=manager))
            elif method == "PATCH":
                kind = PATCH_TYPES.get((self.headers.get("Content-Type") or "").split(";")[0].strip())
                if kind is None or kind == "apply":
                    raise SandboxApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                                          "format - accepted media types include: application/json-patch+json, "
                                          "application/merge-patch+json, application/strategic-merge-patch+json")
                self.send_json(200, _subresources.update_scale(api, rtype, ns, route.name,
                                                               patch=(kind, orjson.loads(raw)), dry_run=dry,
                                                               manager=manager))
            else:
                raise SandboxApiError(405, "MethodNotAllowed", "the server does not allow this method on scale")
        elif sub == "status":
            if method == "GET":
                self._send_object(route, api.get(rtype, ns, route.name))
            elif method == "PUT":
                body = _render.convert_in(rtype, route.version, self.json_body(raw))
                self._send_object(route, api.update(rtype, ns, route.name, body, subresource="status", dry_run=dry,
                                                    manager=manager))
            elif method == "PATCH":
                self._send_object(route, self._patch(route, raw, dry, manager, subresource="status"))
            else:
                raise SandboxApiError(405, "MethodNotAllowed", "the server does not allow this method on status")
        elif sub == "eviction" and method == "POST":
            self.send_json(201, _evict(api, route, self.json_body(raw), dry))
        else:
            raise SandboxApiError(405, "MethodNotAllowed",
                                  f"the server does not allow this method on the requested resource ({sub})")

    # -- reads ------------------------------------------------------------------------------------------
    def _list(self, route: Route) -> None:
        api, rtype = self.sandbox.api, route.rtype
        page = api.list(rtype, route.namespace, label_selector=self.query.get("labelSelector", ""),
                        field_selector=self.query.get("fieldSelector", ""),
                        limit=max(0, self.int_param("limit") or 0), continue_token=self.query.get("continue", ""))
        meta: dict[str, Any] = {"resourceVersion": str(page.resource_version)}
        if page.continue_token:
            meta["continue"] = page.continue_token
            if page.remaining is not None:
                meta["remainingItemCount"] = page.remaining
        accept = self.headers.get("Accept") or ""
        if _render.wants_table(accept):
            objs = [e.decode() for e in page.entries]
            doc = _render.table(rtype, route.version, objs, api.clock.now(),
                                include=self.query.get("includeObject", "Metadata"),
                                custom=api.registry.is_custom(rtype), meta=meta,
                                api_version=_render.table_api_version(accept))
            self.send_json(200, doc)
            return
        self.send_chunks(200, _render.list_chunks(rtype, route.version, page.entries, meta))

    def _send_object(self, route: Route, obj: dict[str, Any], code: int = 200) -> None:
        accept = self.headers.get("Accept") or ""
        if obj.get("kind") == "Status":
            self.send_json(code, obj)
        elif _render.wants_table(accept):
            self.send_json(code, _render.table(
                route.rtype, route.version, [obj], self.sandbox.api.clock.now(),
                include=self.query.get("includeObject", "Metadata"),
                custom=self.sandbox.api.registry.is_custom(route.rtype),
                meta={"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                api_version=_render.table_api_version(accept)))
        else:
            self.send_json(code, _render.convert_out(route.rtype, route.version, obj))

    def _metrics(self, route: Route) -> None:
        api = self.sandbox.api
        now = api.clock.now()
        pods_type = api.registry.find("", "v1", "pods")
        assert pods_type is not None
        kind = route.rtype.kind
        if kind == "PodMetrics":
            source: list[Entry] = ([api.get_entry(pods_type, route.namespace or "", route.name)] if route.name
                                   else api.list(pods_type, route.namespace,
                                                 label_selector=self.query.get("labelSelector", "")).entries)
            items = [m for m in (_subresources.pod_metrics(e.decode(), now) for e in source) if m]
            if route.name:
                if not items:
                    raise SandboxApiError(404, "NotFound", f'podmetrics.metrics.k8s.io "{route.namespace}/'
                                          f'{route.name}" not found')
                self.send_json(200, {"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **items[0]})
                return
        else:
            node_type = api.registry.find("", "v1", "nodes")
            assert node_type is not None
            nodes = ([api.get_entry(node_type, "", route.name)] if route.name
                     else api.list(node_type, None, label_selector=self.query.get("labelSelector", "")).entries)
            by_node: dict[str, list[dict[str, Any]]] = {}
            for entry in api.store.iter_entries(api.bucket(pods_type)):
                node_name = entry.fields.get("spec.nodeName", "")
                if node_name and entry.fields.get("status.phase") == "Running":
                    by_node.setdefault(node_name, []).append(entry.decode())
            items = [_subresources.node_metrics(n.decode(), by_node.get(n.decode()["metadata"]["name"], []), now)
                     for n in nodes]
            if route.name:
                self.send_json(200, {"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **items[0]})
                return
        self.send_json(200, {"kind": f"{kind}List", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {},
                             "items": items})

    def _log(self, route: Route) -> None:
        api = self.sandbox.api
        pod = api.get(route.rtype, route.namespace or "", route.name)
        container = choose_container(pod, self.query.get("container", ""))
        req = LogRequest(container=container, previous=self.flag("previous"), timestamps=self.flag("timestamps"),
                         tail_lines=self.int_param("tailLines"), since_seconds=self.int_param("sinceSeconds"),
                         since_time=self.query.get("sinceTime", ""), limit_bytes=self.int_param("limitBytes"),
                         follow=self.flag("follow"))
        check_log_state(pod, container, req.previous)
        key = (route.namespace or "", route.name, container)
        lines = self.sandbox.logs.lines(key, previous=req.previous)
        text = "".join(render(lines, req, api.clock.now()))
        if not req.follow or req.previous:
            self.send_bytes(200, text.encode(), "text/plain")
            return
        self.start_stream(200, "text/plain")
        self.write_chunk(text.encode())
        seen = len(lines)
        uid = pod["metadata"].get("uid")
        while not self.sandbox.stopping:
            new = self.sandbox.logs.wait_new(key, seen, timeout=1.0)
            seen += len(new)
            self.write_chunk("".join(render(new, LogRequest(timestamps=req.timestamps), api.clock.now())).encode())
            entry = api.store.get(api.bucket(route.rtype), (route.namespace or "", route.name))
            if entry is None or entry.uid != uid or self.client_closed():
                break
        self.end_stream()

    def _dry_run(self) -> bool:
        value = self.query.get("dryRun", "")
        if value and value != "All":
            raise SandboxApiError(400, "BadRequest", f'Unsupported dryRun value: "{value}": supported values: "All"')
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
        if "dryRun" in options and options["dryRun"]:
            self.query["dryRun"] = options["dryRun"][0] if isinstance(options["dryRun"], list) else options["dryRun"]
        return options


def _evict(api: Api, route: Route, body: Any, dry: bool) -> dict[str, Any]:
    """pods/eviction: delete the pod unless a PodDisruptionBudget forbids it (429, as the real server)."""
    ns = route.namespace or ""
    pod = api.get(route.rtype, ns, route.name)
    pdb_type = api.registry.find("policy", "v1", "poddisruptionbudgets")
    assert pdb_type is not None
    from workbench.sandbox._selectors import label_selector_from_spec

    labels = pod["metadata"].get("labels") or {}
    for entry in api.store.iter_entries(api.bucket(pdb_type), ns):
        pdb = entry.decode()
        if label_selector_from_spec((pdb.get("spec") or {}).get("selector")).matches(labels):
            allowed = (pdb.get("status") or {}).get("disruptionsAllowed")
            if allowed is not None and allowed <= 0:
                raise SandboxApiError(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's "
                                      "disruption budget.", details={"causes": [{
                                          "reason": "DisruptionBudget", "message": f"The disruption budget "
                                          f"{pdb['metadata']['name']} needs {(pdb.get('status') or {}).get('desiredHealthy', 0)} "
                                          f"healthy pods and has {(pdb.get('status') or {}).get('currentHealthy', 0)} currently"}]})
    options = (body or {}).get("deleteOptions") or {} if isinstance(body, dict) else {}
    _deletion.delete(api, route.rtype, ns, route.name, options, dry_run=dry)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def _log_internal(exc: Exception) -> None:
    from workbench.sandbox._http import log

    log.exception("sandbox request failed", exc_info=exc)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a taken port must fail loudly, not be shared

    def __init__(self, address: tuple[str, int], sandbox: SandboxState) -> None:
        self.sandbox = sandbox
        super().__init__(address, Handler)


def serve_in_thread(server: SandboxHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="sandbox-http",
                              daemon=True)
    thread.start()
    time.sleep(0)  # let it enter its loop
    return thread

"""Endpoints with more to them than an object: pod logs (with follow), metrics, and evictions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.errors import SandboxApiError
from workbench.sandbox import _deletion, _discovery, _openapi, _render, _subresources
from workbench.sandbox._api import Api
from workbench.sandbox._bodies import PATCH_TYPES, parse_patch
from workbench.sandbox._logs import LogRequest, check_log_state, choose_container, render
from workbench.sandbox._routes import Route, not_found_path
from workbench.sandbox._selectors import label_selector_from_spec
from workbench.sandbox._store import Entry

if TYPE_CHECKING:
    from workbench.sandbox._server import Handler

NO_CONTAINERS = (
    "the sandbox has no containers to attach to: exec, attach, port-forward, cp and debug are not "
    "available. Read what a container printed with `kubectl logs {pod}` (add --previous for the "
    "run before a restart) and its state with `kubectl describe pod {pod}`."
)


def metrics(h: Handler, route: Route) -> None:
    api = h.sandbox.api
    now = api.clock.now()
    pods_type = api.registry.find("", "v1", "pods")
    assert pods_type is not None
    kind = route.rtype.kind
    if kind == "PodMetrics":
        source: list[Entry] = (
            [api.get_entry(pods_type, route.namespace or "", route.name)]
            if route.name
            else api.list(pods_type, route.namespace, label_selector=h.query.get("labelSelector", "")).entries
        )
        items = [
            m
            for m in (
                _subresources.pod_metrics(_subresources.metered_pod(e.raw), now, h.sandbox.usage)
                for e in source
            )
            if m
        ]
        if route.name:
            if not items:
                raise SandboxApiError(
                    404,
                    "NotFound",
                    f'podmetrics.metrics.k8s.io "{route.namespace}/{route.name}" not found',
                )
            h.send_json(200, {"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **items[0]})
            return
    else:
        node_type = api.registry.find("", "v1", "nodes")
        assert node_type is not None
        nodes = (
            [api.get_entry(node_type, "", route.name)]
            if route.name
            else api.list(node_type, None, label_selector=h.query.get("labelSelector", "")).entries
        )
        wanted = {n.decode()["metadata"]["name"]: n for n in nodes}
        # Summed per node while the pods stream by: holding every decoded pod (150k of them in the big
        # synthetic cluster) would cost gigabytes for a list of a few thousand nodes.
        pod_usage: dict[str, tuple[float, float]] = {}
        for entry in api.store.iter_entries(api.bucket(pods_type)):
            node_name = entry.fields.get("spec.nodeName", "")
            if node_name in wanted and entry.fields.get("status.phase") == "Running":
                cpu, mem = _subresources.pod_usage(_subresources.metered_pod(entry.raw), h.sandbox.usage)
                had_cpu, had_mem = pod_usage.get(node_name, (0.0, 0.0))
                pod_usage[node_name] = (had_cpu + cpu, had_mem + mem)
        items = [
            _subresources.node_metrics(n.decode(), pod_usage.get(name, (0.0, 0.0)), now)
            for name, n in wanted.items()
        ]
        if route.name:
            h.send_json(200, {"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1", **items[0]})
            return
    h.send_json(
        200,
        {"kind": f"{kind}List", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items},
    )


def pod_log(h: Handler, route: Route) -> None:
    api = h.sandbox.api
    pod = api.get(route.rtype, route.namespace or "", route.name)
    container = choose_container(pod, h.query.get("container", ""))
    req = LogRequest(
        container=container,
        previous=h.flag("previous"),
        timestamps=h.flag("timestamps"),
        tail_lines=h.int_param("tailLines"),
        since_seconds=h.int_param("sinceSeconds"),
        since_time=h.query.get("sinceTime", ""),
        limit_bytes=h.int_param("limitBytes"),
        follow=h.flag("follow"),
    )
    check_log_state(pod, container, req.previous)
    key = (route.namespace or "", route.name, container)
    lines = h.sandbox.logs.lines(key, previous=req.previous)
    text = "".join(render(lines, req, api.clock.now()))
    if not req.follow or req.previous:
        h.send_bytes(200, text.encode(), "text/plain")
        return
    h.start_stream(200, "text/plain")
    h.write_chunk(text.encode())
    seen = len(lines)
    uid = pod["metadata"].get("uid")
    while not h.sandbox.stopping:
        new = h.sandbox.logs.wait_new(key, seen, timeout=1.0)
        seen += len(new)
        h.write_chunk("".join(render(new, LogRequest(timestamps=req.timestamps), api.clock.now())).encode())
        entry = api.store.get(api.bucket(route.rtype), (route.namespace or "", route.name))
        if entry is None or entry.uid != uid or h.client_closed():
            break
    h.end_stream()


def evict(api: Api, route: Route, body: Any, dry: bool) -> dict[str, Any]:
    """pods/eviction: delete the pod unless a PodDisruptionBudget forbids it (429, as the real server)."""
    ns = route.namespace or ""
    pod = api.get(route.rtype, ns, route.name)
    pdb_type = api.registry.find("policy", "v1", "poddisruptionbudgets")
    assert pdb_type is not None
    labels = pod["metadata"].get("labels") or {}
    for entry in api.store.iter_entries(api.bucket(pdb_type), ns):
        pdb = entry.decode()
        if label_selector_from_spec((pdb.get("spec") or {}).get("selector")).matches(labels):
            status = pdb.get("status") or {}
            allowed = status.get("disruptionsAllowed")
            if allowed is not None and allowed <= 0:
                raise SandboxApiError(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                    details={
                        "causes": [
                            {
                                "reason": "DisruptionBudget",
                                "message": f"The disruption budget {pdb['metadata']['name']} needs "
                                f"{status.get('desiredHealthy', 0)} healthy pods and has "
                                f"{status.get('currentHealthy', 0)} currently",
                            }
                        ]
                    },
                )
    options = (body or {}).get("deleteOptions") or {} if isinstance(body, dict) else {}
    _deletion.delete(api, route.rtype, ns, route.name, options, dry_run=dry)
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def non_resource(h: Handler, method: str) -> bool:
    """Discovery, version, OpenAPI and health endpoints; False when `h` asks for something else."""
    path = h.path_only.rstrip("/") or "/"
    registry = h.sandbox.api.registry
    hidden = h.sandbox.hidden_groups
    parts = [p for p in path.split("/") if p]
    if method != "GET" and path in ("/version", "/api", "/apis", "/openapi/v2"):
        raise SandboxApiError(405, "MethodNotAllowed", f"the server does not allow this method on {path}")
    doc: Any = None
    if path == "/version":
        doc = _discovery.version_info()
    elif path == "/api":
        doc = _discovery.api_versions(h.sandbox.address)
    elif path == "/apis":
        doc = _discovery.api_group_list(registry, hidden=hidden)
    elif path in ("/healthz", "/livez", "/readyz"):
        h.send_bytes(200, b"ok", "text/plain; charset=utf-8")
        return True
    elif path == "/openapi/v2":
        gvks = _discovery.openapi_gvks(registry)
        if "protobuf" in (h.headers.get("Accept") or ""):
            # Go's mime parser rejects the proto type's parameters; kubectl accepts octet-stream.
            h.send_bytes(200, _openapi.openapi_v2_protobuf(gvks), "application/octet-stream")
        else:
            h.send_bytes(200, _openapi.openapi_v2_json(gvks))
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
    h.send_json(200, doc)
    return True


def subresource(h: Handler, method: str, route: Route, raw: bytes) -> None:
    """``/scale``, ``/status``, ``/log``, ``/eviction``, ``/binding`` and the container endpoints the sandbox
    refuses."""
    api, ns, sub = h.sandbox.api, route.namespace or "", route.subresource
    rtype = api.registry.storage_type(route.rtype)
    dry = h.dry_run()
    manager = h.field_manager()
    # `kubectl debug` adds an ephemeral container: nothing could run it, so say so before storing it.
    if sub in ("exec", "attach", "portforward") or (sub == "ephemeralcontainers" and method != "GET"):
        raise SandboxApiError(400, "BadRequest", NO_CONTAINERS.format(pod=route.name))
    if sub == "log" and method == "GET":
        pod_log(h, route)
    elif sub == "scale":
        if method == "GET":
            h.send_json(200, _subresources.scale_of(api.get(rtype, ns, route.name)))
        elif method == "PUT":
            h.send_json(
                200,
                _subresources.update_scale(
                    api, rtype, ns, route.name, body=h.json_body(raw), dry_run=dry, manager=manager
                ),
            )
        elif method == "PATCH":
            kind = PATCH_TYPES.get((h.headers.get("Content-Type") or "").split(";")[0].strip())
            if kind is None or kind == "apply":
                raise SandboxApiError(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown "
                    "format - accepted media types include: application/json-patch+json, "
                    "application/merge-patch+json, application/strategic-merge-patch+json",
                )
            h.send_json(
                200,
                _subresources.update_scale(
                    api,
                    rtype,
                    ns,
                    route.name,
                    patch=(kind, parse_patch(raw, kind)),
                    dry_run=dry,
                    manager=manager,
                ),
            )
        else:
            raise SandboxApiError(405, "MethodNotAllowed", "the server does not allow this method on scale")
    elif sub == "status":
        if method == "GET":
            h.send_object(route, api.get(rtype, ns, route.name))
        elif method == "PUT":
            fv = h.field_validation("UpdateOptions")
            body = _render.convert_in(route.rtype, route.version, h.json_body(raw))
            h.send_object(
                route,
                api.update(
                    rtype,
                    ns,
                    route.name,
                    body,
                    subresource="status",
                    dry_run=dry,
                    manager=manager,
                    field_validation=fv,
                ),
            )
        elif method == "PATCH":
            h.send_object(route, h.patch_object(route, raw, dry, manager, subresource="status"))
        else:
            raise SandboxApiError(405, "MethodNotAllowed", "the server does not allow this method on status")
    elif sub == "eviction" and method == "POST":
        body = h.json_body(raw)
        # kubectl drain --dry-run=server puts dryRun in the Eviction's deleteOptions, not the query.
        options = (body.get("deleteOptions") or {}) if isinstance(body, dict) else {}
        h.send_json(201, evict(api, route, body, dry or bool(options.get("dryRun"))))
    elif sub == "binding" and method == "POST":
        h.send_json(201, _subresources.bind_pod(api, rtype, ns, route.name, h.json_body(raw), dry_run=dry))
    else:
        raise SandboxApiError(
            405,
            "MethodNotAllowed",
            f"the server does not allow this method on the requested resource ({sub})",
        )

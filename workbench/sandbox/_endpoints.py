"""Endpoints with more to them than an object: pod logs (with follow), metrics, and evictions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.errors import SandboxApiError
from workbench.sandbox import _deletion, _subresources
from workbench.sandbox._api import Api
from workbench.sandbox._logs import LogRequest, check_log_state, choose_container, render
from workbench.sandbox._routes import Route
from workbench.sandbox._selectors import label_selector_from_spec
from workbench.sandbox._store import Entry

if TYPE_CHECKING:
    from workbench.sandbox._server import Handler


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
        items = [m for m in (_subresources.pod_metrics(e.decode(), now) for e in source) if m]
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
        by_node: dict[str, list[dict[str, Any]]] = {}
        for entry in api.store.iter_entries(api.bucket(pods_type)):
            node_name = entry.fields.get("spec.nodeName", "")
            if node_name and entry.fields.get("status.phase") == "Running":
                by_node.setdefault(node_name, []).append(entry.decode())
        items = [
            _subresources.node_metrics(n.decode(), by_node.get(n.decode()["metadata"]["name"], []), now)
            for n in nodes
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

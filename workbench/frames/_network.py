"""Traffic: the ``services``, ``endpoints``, ``ingresses`` and ``networkpolicies`` frames."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _objects as o
from workbench.frames.schema import Endpoints, Ingresses, NetworkPolicies, Services
from workbench.sources._kinds import Kind

INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"


class LoadBalancerIngress(msgspec.Struct, gc=False):
    ip: str | None = None
    hostname: str | None = None


class LoadBalancerStatus(msgspec.Struct, gc=False):
    ingress: list[LoadBalancerIngress] = []


class WithLoadBalancer(msgspec.Struct, rename="camel", gc=False):
    load_balancer: LoadBalancerStatus | None = None


def _addresses(status: WithLoadBalancer) -> list[str]:
    lb = status.load_balancer
    if lb is None:
        return []
    return [a for ing in lb.ingress if (a := ing.ip or ing.hostname)]


# --- services ---------------------------------------------------------------------------------------


class ServicePort(msgspec.Struct, rename="camel", gc=False):
    port: int = 0
    name: str | None = None
    protocol: str = "TCP"
    target_port: o.IntOrString | None = None
    node_port: int | None = None


class ServiceSpec(msgspec.Struct, rename="camel", gc=False):
    type: str | None = None
    cluster_ip: str | None = msgspec.field(name="clusterIP", default=None)
    external_name: str | None = None
    selector: dict[str, str] | None = None
    ports: list[ServicePort] = []


class Service(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    spec: ServiceSpec = msgspec.field(default_factory=ServiceSpec)
    status: WithLoadBalancer = msgspec.field(default_factory=WithLoadBalancer)


def service_port_text(port: ServicePort) -> str:
    """``80/TCP->8080`` (``80:30080/TCP->http`` with a nodePort); the target defaults to the port."""
    node = f":{port.node_port}" if port.node_port else ""
    target = port.port if port.target_port is None else port.target_port
    return f"{port.port}{node}/{port.protocol}->{target}"


def build_services(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``services`` frame from raw Service List pages.

    Args:
        kind: the Service kind (the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time.

    Returns:
        ``{"services": ...}`` matching `schema.Services`.
    """
    return o.build_one(Services, kind.kind, _SERVICES, pages, _service_row)


def _service_row(rows: o.Rows, svc: Service) -> None:
    meta, spec = svc.metadata, svc.spec
    rows.add(
        meta,
        (
            (Services.CREATED, meta.creation_timestamp),
            (Services.LABELS, meta.labels),
            (Services.TYPE, spec.type or "ClusterIP"),
            (Services.CLUSTER_IP, spec.cluster_ip),
            (Services.HEADLESS, spec.cluster_ip == "None"),
            (Services.EXTERNAL_NAME, spec.external_name),
            (Services.SELECTOR, spec.selector or {}),
            (Services.PORTS, [service_port_text(p) for p in spec.ports]),
            (Services.PORT_NAMES, [p.name or "" for p in spec.ports]),
            (Services.LOAD_BALANCER, _addresses(svc.status)),
        ),
    )


# --- endpoints --------------------------------------------------------------------------------------


class TargetRef(msgspec.Struct, gc=False):
    kind: str = ""
    name: str = ""


class EndpointAddress(msgspec.Struct, rename="camel", gc=False):
    ip: str = ""
    target_ref: TargetRef | None = None


class EndpointPort(msgspec.Struct, gc=False):
    port: int = 0
    name: str | None = None
    protocol: str = "TCP"


class Subset(msgspec.Struct, rename="camel", gc=False):
    addresses: list[EndpointAddress] = []
    not_ready_addresses: list[EndpointAddress] = []
    ports: list[EndpointPort] = []


class EndpointsObject(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    subsets: list[Subset] | None = None


def _pods(addresses: list[EndpointAddress]) -> list[str]:
    return [a.target_ref.name for a in addresses if a.target_ref is not None and a.target_ref.kind == "Pod"]


def build_endpoints(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``endpoints`` frame from raw Endpoints List pages (see `build_services`)."""
    return o.build_one(Endpoints, kind.kind, _ENDPOINTS, pages, _endpoints_row)


def _endpoints_row(rows: o.Rows, ep: EndpointsObject) -> None:
    meta = ep.metadata
    ready: list[EndpointAddress] = []
    not_ready: list[EndpointAddress] = []
    ports: dict[str, str] = {}  # 'port/PROTO' -> name; a dict keeps subset order and drops repeats
    for subset in ep.subsets or ():
        ready.extend(subset.addresses)
        not_ready.extend(subset.not_ready_addresses)
        for p in subset.ports:
            ports.setdefault(f"{p.port}/{p.protocol}", p.name or "")
    rows.add(
        meta,
        (
            (Endpoints.CREATED, meta.creation_timestamp),
            (Endpoints.LABELS, meta.labels),
            (Endpoints.READY_ADDRESSES, len(ready)),
            (Endpoints.NOT_READY_ADDRESSES, len(not_ready)),
            (Endpoints.ADDRESSES, [a.ip for a in ready]),
            (Endpoints.NOT_READY, [a.ip for a in not_ready]),
            (Endpoints.PODS, _pods(ready)),
            (Endpoints.NOT_READY_PODS, _pods(not_ready)),
            (Endpoints.PORTS, list(ports)),
            (Endpoints.PORT_NAMES, list(ports.values())),
        ),
    )


# --- ingresses --------------------------------------------------------------------------------------


class BackendPort(msgspec.Struct, gc=False):
    number: int | None = None
    name: str | None = None


class ServiceBackend(msgspec.Struct, gc=False):
    name: str = ""
    port: BackendPort | None = None


class ResourceBackend(msgspec.Struct, gc=False):
    kind: str = ""
    name: str = ""


class Backend(msgspec.Struct, gc=False):
    service: ServiceBackend | None = None
    resource: ResourceBackend | None = None


class IngressPath(msgspec.Struct, gc=False):
    path: str | None = None
    backend: Backend = msgspec.field(default_factory=Backend)


class HttpRule(msgspec.Struct, gc=False):
    paths: list[IngressPath] = []


class IngressRule(msgspec.Struct, gc=False):
    host: str | None = None
    http: HttpRule | None = None


class IngressTls(msgspec.Struct, rename="camel", gc=False):
    secret_name: str | None = None


class IngressSpec(msgspec.Struct, rename="camel", gc=False):
    ingress_class_name: str | None = None
    default_backend: Backend | None = None
    rules: list[IngressRule] = []
    tls: list[IngressTls] = []


class Ingress(msgspec.Struct, gc=False):
    metadata: o.AnnotatedMeta = msgspec.field(default_factory=o.AnnotatedMeta)
    spec: IngressSpec = msgspec.field(default_factory=IngressSpec)
    status: WithLoadBalancer = msgspec.field(default_factory=WithLoadBalancer)


def backend_text(backend: Backend) -> str | None:
    """``service:port`` (the port's number, else its name), ``Kind/name`` for a resource backend."""
    if backend.service is not None:
        port = backend.service.port or BackendPort()
        return f"{backend.service.name}:{port.number if port.number is not None else port.name or ''}"
    if backend.resource is not None:
        return f"{backend.resource.kind}/{backend.resource.name}"
    return None


def build_ingresses(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``ingresses`` frame from raw Ingress List pages (see `build_services`)."""
    return o.build_one(Ingresses, kind.kind, _INGRESSES, pages, _ingress_row)


def _ingress_row(rows: o.Rows, ing: Ingress) -> None:
    meta, spec = ing.metadata, ing.spec
    hosts: dict[str, None] = {}
    backends: dict[str, None] = {}
    services: dict[str, None] = {}
    resources: dict[str, None] = {}
    routes: list[str] = []

    def route(where: str, backend: Backend) -> None:
        text = backend_text(backend)
        if text is None:
            return
        routes.append(f"{where} -> {text}")
        if backend.service is not None:
            backends[text] = None
            services[backend.service.name] = None
        else:
            resources[text] = None

    if spec.default_backend is not None:
        route("default", spec.default_backend)
    for rule in spec.rules:
        host = rule.host or "*"
        hosts[host] = None
        for path in (rule.http or HttpRule()).paths:
            route(f"{host}{path.path or '/'}", path.backend)
    ingress_class = spec.ingress_class_name or meta.annotation(INGRESS_CLASS_ANNOTATION)
    rows.add(
        meta,
        (
            (Ingresses.CREATED, meta.creation_timestamp),
            (Ingresses.LABELS, meta.labels),
            (Ingresses.INGRESS_CLASS, ingress_class),
            (Ingresses.HOSTS, list(hosts)),
            (Ingresses.BACKENDS, list(backends)),
            (Ingresses.BACKEND_SERVICES, list(services)),
            (Ingresses.RESOURCE_BACKENDS, list(resources)),
            (Ingresses.ROUTES, routes),
            (Ingresses.TLS_SECRETS, list(dict.fromkeys(t.secret_name for t in spec.tls if t.secret_name))),
            (Ingresses.LOAD_BALANCER, _addresses(ing.status)),
        ),
    )


# --- network policies -------------------------------------------------------------------------------


class PolicyRule(msgspec.Struct, rename="camel", gc=False):
    """An ingress or egress rule; only whether it names peers and ports matters here."""

    from_: list[msgspec.Raw] | None = msgspec.field(name="from", default=None)
    to: list[msgspec.Raw] | None = None
    ports: list[msgspec.Raw] | None = None


class NetworkPolicySpec(msgspec.Struct, rename="camel", gc=False):
    pod_selector: o.LabelSelector | None = None
    policy_types: list[str] | None = None
    ingress: list[PolicyRule] | None = None
    egress: list[PolicyRule] | None = None


class NetworkPolicy(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    spec: NetworkPolicySpec = msgspec.field(default_factory=NetworkPolicySpec)


def policy_types(spec: NetworkPolicySpec) -> list[str]:
    """The effective policyTypes: as written, else Ingress plus Egress when egress rules exist.

    That is the API's defaulting, so a manifest read before the server saw it means the same.
    """
    if spec.policy_types:
        return list(spec.policy_types)
    return ["Ingress", "Egress"] if spec.egress else ["Ingress"]


def build_networkpolicies(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``networkpolicies`` frame from raw NetworkPolicy List pages (see `build_services`)."""
    return o.build_one(NetworkPolicies, kind.kind, _NETWORKPOLICIES, pages, _networkpolicy_row)


def _networkpolicy_row(rows: o.Rows, np_: NetworkPolicy) -> None:
    meta, spec = np_.metadata, np_.spec
    types = policy_types(spec)
    ingress = spec.ingress or []
    egress = spec.egress or []
    # A pod selector that is absent is the same as {}: the API requires the field and defaults it.
    selector = spec.pod_selector or o.LabelSelector()
    rows.add(
        meta,
        (
            (NetworkPolicies.CREATED, meta.creation_timestamp),
            (NetworkPolicies.LABELS, meta.labels),
            (NetworkPolicies.POD_SELECTOR, o.match_labels(selector)),
            (NetworkPolicies.POD_SELECTOR_EXPRESSIONS, o.match_expressions(selector)),
            (NetworkPolicies.SELECTS_ALL_PODS, o.selects_everything(selector)),
            (NetworkPolicies.POLICY_TYPES, types),
            (NetworkPolicies.INGRESS_RULES, len(ingress)),
            (NetworkPolicies.EGRESS_RULES, len(egress)),
            (NetworkPolicies.DENY_ALL_INGRESS, "Ingress" in types and not ingress),
            (NetworkPolicies.DENY_ALL_EGRESS, "Egress" in types and not egress),
            (
                NetworkPolicies.ALLOW_ALL_INGRESS,
                "Ingress" in types and any(not r.from_ and not r.ports for r in ingress),
            ),
            (
                NetworkPolicies.ALLOW_ALL_EGRESS,
                "Egress" in types and any(not r.to and not r.ports for r in egress),
            ),
        ),
    )


_SERVICES = d.list_decoder(Service)
_ENDPOINTS = d.list_decoder(EndpointsObject)
_INGRESSES = d.list_decoder(Ingress)
_NETWORKPOLICIES = d.list_decoder(NetworkPolicy)

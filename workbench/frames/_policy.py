"""Scaling and policy: the ``hpas``, ``pdbs``, ``namespaces``, ``validatingwebhooks`` and
``mutatingwebhooks`` frames from raw list pages."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _objects as o
from workbench.frames.schema import Hpas, MutatingWebhooks, Namespaces, Pdbs, ValidatingWebhooks
from workbench.sources._kinds import Kind

# --- horizontal pod autoscalers (autoscaling/v2) ----------------------------------------------------


class ScaleTarget(msgspec.Struct, gc=False):
    kind: str | None = None
    name: str | None = None


class MetricValue(msgspec.Struct, rename="camel", gc=False):
    """A MetricTarget (spec) or MetricValueStatus (status): quantities kept as written."""

    type: str | None = None
    average_utilization: int | None = None
    average_value: d.QuantityText | None = None
    value: d.QuantityText | None = None


class MetricId(msgspec.Struct, gc=False):
    name: str = ""


class DescribedObject(msgspec.Struct, gc=False):
    kind: str = ""
    name: str = ""


class MetricSource(msgspec.Struct, rename="camel", gc=False):
    """The per-type part of a metric: ``resource``, ``pods``, ``object``... (spec and status alike)."""

    name: str = ""
    container: str | None = None
    metric: MetricId | None = None
    described_object: DescribedObject | None = None
    target: MetricValue | None = None
    current: MetricValue | None = None


class Metric(msgspec.Struct, rename="camel", gc=False):
    type: str = ""
    resource: MetricSource | None = None
    container_resource: MetricSource | None = None
    pods: MetricSource | None = None
    object: MetricSource | None = None
    external: MetricSource | None = None


class HpaSpec(msgspec.Struct, rename="camel", gc=False):
    scale_target_ref: ScaleTarget = msgspec.field(default_factory=ScaleTarget)
    min_replicas: int | None = None
    max_replicas: int | None = None
    metrics: list[Metric] = []


class HpaStatus(msgspec.Struct, rename="camel", gc=False):
    current_replicas: int | None = None
    desired_replicas: int | None = None
    last_scale_time: str | None = None
    current_metrics: list[Metric] | None = None
    conditions: list[d.Condition] = []


class Hpa(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    spec: HpaSpec = msgspec.field(default_factory=HpaSpec)
    status: HpaStatus = msgspec.field(default_factory=HpaStatus)


def _value_text(value: MetricValue | None) -> str:
    if value is None:
        return ""
    parts = []
    if value.average_utilization is not None and value.type in (None, "Utilization"):
        parts.append(f"utilization={value.average_utilization}%")
    if value.average_value is not None and value.type in (None, "AverageValue"):
        parts.append(f"average={value.average_value}")
    if value.value is not None and value.type in (None, "Value"):
        parts.append(f"value={value.value}")
    return " ".join(parts)


def metric_text(metric: Metric, *, current: bool) -> str | None:
    """One metric as ``resource/cpu utilization=70%``, ``pods/<name> average=1k``,
    ``container-resource/cpu[app] ...``, ``object/<name>[Ingress/main] value=10k``,
    ``external/<name> value=30``; None for a metric of no known type (the controller could
    not read it: it reports ``type: ""``)."""
    if metric.resource is not None and metric.type == "Resource":
        src, what = metric.resource, f"resource/{metric.resource.name}"
    elif metric.container_resource is not None and metric.type == "ContainerResource":
        src = metric.container_resource
        what = f"container-resource/{src.name}[{src.container or ''}]"
    elif metric.pods is not None and metric.type == "Pods":
        src, what = metric.pods, f"pods/{(metric.pods.metric or MetricId()).name}"
    elif metric.object is not None and metric.type == "Object":
        src = metric.object
        obj = src.described_object or DescribedObject()
        what = f"object/{(src.metric or MetricId()).name}[{obj.kind}/{obj.name}]"
    elif metric.external is not None and metric.type == "External":
        src, what = metric.external, f"external/{(metric.external.metric or MetricId()).name}"
    else:
        return None
    value = _value_text(src.current if current else src.target)
    return f"{what} {value}" if value else what


def build_hpas(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``hpas`` frame from raw HorizontalPodAutoscaler (autoscaling/v2) List pages.

    Args:
        kind: the HorizontalPodAutoscaler kind (the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time.

    Returns:
        ``{"hpas": ...}`` matching `schema.Hpas`.
    """
    return o.build_one(Hpas, kind.kind, _HPAS, pages, _hpa_row)


def _hpa_row(rows: o.Rows, hpa: Hpa) -> None:
    meta, spec, status = hpa.metadata, hpa.spec, hpa.status
    conds = status.conditions
    able, able_reason, able_message, _ = o.condition_fields(conds, "AbleToScale")
    active, active_reason, active_message, _ = o.condition_fields(conds, "ScalingActive")
    limited, limited_reason, limited_message, _ = o.condition_fields(conds, "ScalingLimited")
    rows.add(
        meta,
        (
            (Hpas.CREATED, meta.creation_timestamp),
            (Hpas.LABELS, meta.labels),
            (Hpas.TARGET_KIND, spec.scale_target_ref.kind),
            (Hpas.TARGET_NAME, spec.scale_target_ref.name),
            (Hpas.MIN_REPLICAS, 1 if spec.min_replicas is None else spec.min_replicas),
            (Hpas.MAX_REPLICAS, spec.max_replicas),
            (Hpas.CURRENT_REPLICAS, status.current_replicas),
            (Hpas.DESIRED_REPLICAS, status.desired_replicas),
            (Hpas.METRICS, [t for m in spec.metrics if (t := metric_text(m, current=False))]),
            (
                Hpas.CURRENT_METRICS,
                [t for m in status.current_metrics or () if (t := metric_text(m, current=True))],
            ),
            (Hpas.LAST_SCALE, status.last_scale_time),
            (Hpas.ABLE_TO_SCALE_STATUS, able),
            (Hpas.ABLE_TO_SCALE_REASON, able_reason),
            (Hpas.ABLE_TO_SCALE_MESSAGE, able_message),
            (Hpas.SCALING_ACTIVE_STATUS, active),
            (Hpas.SCALING_ACTIVE_REASON, active_reason),
            (Hpas.SCALING_ACTIVE_MESSAGE, active_message),
            (Hpas.SCALING_LIMITED_STATUS, limited),
            (Hpas.SCALING_LIMITED_REASON, limited_reason),
            (Hpas.SCALING_LIMITED_MESSAGE, limited_message),
        ),
    )


# --- pod disruption budgets -------------------------------------------------------------------------


class PdbSpec(msgspec.Struct, rename="camel", gc=False):
    min_available: o.IntOrString | None = None
    max_unavailable: o.IntOrString | None = None
    selector: o.LabelSelector | None = None
    unhealthy_pod_eviction_policy: str | None = None


class PdbStatus(msgspec.Struct, rename="camel", gc=False):
    current_healthy: int | None = None
    desired_healthy: int | None = None
    disruptions_allowed: int | None = None
    expected_pods: int | None = None
    conditions: list[d.Condition] = []


class Pdb(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    spec: PdbSpec = msgspec.field(default_factory=PdbSpec)
    status: PdbStatus = msgspec.field(default_factory=PdbStatus)


def build_pdbs(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``pdbs`` frame from raw PodDisruptionBudget List pages (see `build_hpas`)."""
    return o.build_one(Pdbs, kind.kind, _PDBS, pages, _pdb_row)


def _pdb_row(rows: o.Rows, pdb: Pdb) -> None:
    meta, spec, status = pdb.metadata, pdb.spec, pdb.status
    _, reason, _, _ = o.condition_fields(status.conditions, "DisruptionAllowed")
    rows.add(
        meta,
        (
            (Pdbs.CREATED, meta.creation_timestamp),
            (Pdbs.LABELS, meta.labels),
            (Pdbs.MIN_AVAILABLE, o.int_or_string(spec.min_available)),
            (Pdbs.MAX_UNAVAILABLE, o.int_or_string(spec.max_unavailable)),
            (Pdbs.SELECTOR, o.match_labels(spec.selector)),
            (Pdbs.SELECTOR_EXPRESSIONS, o.match_expressions(spec.selector)),
            (Pdbs.CURRENT_HEALTHY, status.current_healthy),
            (Pdbs.DESIRED_HEALTHY, status.desired_healthy),
            (Pdbs.DISRUPTIONS_ALLOWED, status.disruptions_allowed),
            (Pdbs.EXPECTED_PODS, status.expected_pods),
            (Pdbs.DISRUPTION_REASON, reason),
            (Pdbs.UNHEALTHY_POD_EVICTION_POLICY, spec.unhealthy_pod_eviction_policy),
        ),
    )


# --- namespaces -------------------------------------------------------------------------------------


class NamespaceStatus(msgspec.Struct, gc=False):
    phase: str | None = None
    conditions: list[d.Condition] = []


class Namespace(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    status: NamespaceStatus = msgspec.field(default_factory=NamespaceStatus)


def build_namespaces(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``namespaces`` frame from raw Namespace List pages (see `build_hpas`)."""
    return o.build_one(Namespaces, kind.kind, _NAMESPACES, pages, _namespace_row)


def _namespace_row(rows: o.Rows, ns: Namespace) -> None:
    meta = ns.metadata
    # While a namespace terminates, its True conditions say what is left (content, finalizers).
    messages = [c.message for c in ns.status.conditions if c.status == "True" and c.message]
    rows.add(
        meta,
        (
            (Namespaces.CREATED, meta.creation_timestamp),
            (Namespaces.DELETED, meta.deletion_timestamp),
            (Namespaces.LABELS, meta.labels),
            (Namespaces.PHASE, ns.status.phase),
            (Namespaces.MESSAGE, "; ".join(messages) if messages else None),
        ),
    )


# --- admission webhooks -----------------------------------------------------------------------------


class ServiceRef(msgspec.Struct, gc=False):
    namespace: str | None = None
    name: str | None = None
    path: str | None = None
    port: int | None = None


class ClientConfig(msgspec.Struct, gc=False):
    url: str | None = None
    service: ServiceRef | None = None


class Rule(msgspec.Struct, rename="camel", gc=False):
    operations: list[str] = []
    api_groups: list[str] = []
    api_versions: list[str] = []
    resources: list[str] = []


class Webhook(msgspec.Struct, rename="camel", gc=False):
    name: str = ""
    client_config: ClientConfig = msgspec.field(default_factory=ClientConfig)
    rules: list[Rule] = []
    failure_policy: str | None = None
    side_effects: str | None = None
    timeout_seconds: int | None = None
    namespace_selector: o.LabelSelector | None = None
    object_selector: o.LabelSelector | None = None
    reinvocation_policy: str | None = None


class WebhookConfiguration(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    webhooks: list[Webhook] | None = None


def rule_text(rule: Rule) -> str:
    """``CREATE,UPDATE apps/v1 deployments`` (the core group shown as ``core``)."""
    groups = ",".join(g or "core" for g in rule.api_groups)
    return f"{','.join(rule.operations)} {groups}/{','.join(rule.api_versions)} {','.join(rule.resources)}"


def build_validatingwebhooks(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``validatingwebhooks`` frame: one row per webhook of every configuration."""
    return _build_webhooks(ValidatingWebhooks, kind, pages)


def build_mutatingwebhooks(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``mutatingwebhooks`` frame: one row per webhook of every configuration."""
    return _build_webhooks(MutatingWebhooks, kind, pages)


def _build_webhooks(
    schema: type[ValidatingWebhooks] | type[MutatingWebhooks], kind: Kind, pages: Iterable[bytes]
) -> dict[str, pd.DataFrame]:
    mutating = schema is MutatingWebhooks
    rows = o.Rows(schema, kind.kind)
    for page in pages:
        with d.gc_paused():
            for config in d.decode_items(_WEBHOOKS, page):
                for hook in config.webhooks or ():
                    values = _webhook_values(config.metadata, hook)
                    if mutating:
                        values.append((MutatingWebhooks.REINVOCATION_POLICY, hook.reinvocation_policy))
                    rows.add(config.metadata, values)
    return {schema.FRAME: rows.frame()}


def _webhook_values(meta: d.ObjectMeta, hook: Webhook) -> list[tuple[str, object]]:
    service = hook.client_config.service
    cols = ValidatingWebhooks
    return [
        (cols.CREATED, meta.creation_timestamp),
        (cols.WEBHOOK, hook.name),
        (cols.SERVICE_NAMESPACE, service.namespace if service else None),
        (cols.SERVICE_NAME, service.name if service else None),
        # The API defaults a service reference's port to 443 and timeoutSeconds to 10.
        (cols.SERVICE_PORT, (service.port or 443) if service else None),
        (cols.SERVICE_PATH, service.path if service else None),
        (cols.URL, hook.client_config.url),
        (cols.FAILURE_POLICY, hook.failure_policy or "Fail"),
        (cols.SIDE_EFFECTS, hook.side_effects),
        (cols.TIMEOUT_SECONDS, float(hook.timeout_seconds or 10)),
        (cols.RULES, [rule_text(r) for r in hook.rules]),
        (cols.NAMESPACE_SELECTOR, o.match_labels(hook.namespace_selector)),
        (cols.NAMESPACE_SELECTOR_EXPRESSIONS, o.match_expressions(hook.namespace_selector)),
        (cols.OBJECT_SELECTOR, o.match_labels(hook.object_selector)),
    ]


_HPAS = d.list_decoder(Hpa)
_PDBS = d.list_decoder(Pdb)
_NAMESPACES = d.list_decoder(Namespace)
_WEBHOOKS = d.list_decoder(WebhookConfiguration)

"""Workloads that keep pods running: the ``deployments``, ``replicasets``, ``statefulsets`` and
``daemonsets`` frames from raw list pages (Jobs and CronJobs are in `_jobs`)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _mounts as mounts
from workbench.frames import _objects as o
from workbench.frames.schema import DaemonSets, Deployments, ReplicaSets, StatefulSets
from workbench.sources._kinds import Kind

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
TEMPLATE_HASH = "pod-template-hash"


class RollingUpdate(msgspec.Struct, rename="camel", gc=False):
    max_surge: o.IntOrString | None = None
    max_unavailable: o.IntOrString | None = None
    partition: int | None = None


class Strategy(msgspec.Struct, rename="camel", gc=False):
    type: str | None = None
    rolling_update: RollingUpdate | None = None


_NO_ROLLING = RollingUpdate()


class WorkloadStatus(msgspec.Struct, rename="camel", gc=False):
    """The status fields of Deployments, ReplicaSets and StatefulSets (absent counts mean 0)."""

    observed_generation: int | None = None
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    current_revision: str | None = None
    update_revision: str | None = None
    conditions: list[d.Condition] = []


class DeploymentSpec(msgspec.Struct, rename="camel", gc=False):
    replicas: int | None = None
    selector: o.LabelSelector | None = None
    template: o.PodTemplate | None = None
    strategy: Strategy | None = None
    progress_deadline_seconds: int | None = None
    paused: bool = False


class Deployment(msgspec.Struct, gc=False):
    metadata: o.AnnotatedMeta = msgspec.field(default_factory=o.AnnotatedMeta)
    spec: DeploymentSpec = msgspec.field(default_factory=DeploymentSpec)
    status: WorkloadStatus = msgspec.field(default_factory=WorkloadStatus)


class ReplicaSetSpec(msgspec.Struct, gc=False):
    replicas: int | None = None
    selector: o.LabelSelector | None = None
    template: o.PodTemplate | None = None


class ReplicaSet(msgspec.Struct, gc=False):
    metadata: o.AnnotatedMeta = msgspec.field(default_factory=o.AnnotatedMeta)
    spec: ReplicaSetSpec = msgspec.field(default_factory=ReplicaSetSpec)
    status: WorkloadStatus = msgspec.field(default_factory=WorkloadStatus)


class ClaimTemplateMeta(msgspec.Struct, gc=False):
    name: str = ""


class ClaimTemplate(msgspec.Struct, gc=False):
    metadata: ClaimTemplateMeta = msgspec.field(default_factory=ClaimTemplateMeta)


class StatefulSetSpec(msgspec.Struct, rename="camel", gc=False):
    replicas: int | None = None
    selector: o.LabelSelector | None = None
    template: o.PodTemplate | None = None
    service_name: str | None = None
    pod_management_policy: str | None = None
    update_strategy: Strategy | None = None
    volume_claim_templates: list[ClaimTemplate] = []


class StatefulSet(msgspec.Struct, gc=False):
    metadata: o.Meta = msgspec.field(default_factory=o.Meta)
    spec: StatefulSetSpec = msgspec.field(default_factory=StatefulSetSpec)
    status: WorkloadStatus = msgspec.field(default_factory=WorkloadStatus)


class DaemonTemplateSpec(o.TemplateSpec, gc=False):
    node_selector: dict[str, str] = msgspec.field(default_factory=dict)


class DaemonTemplate(msgspec.Struct, gc=False):
    spec: DaemonTemplateSpec = msgspec.field(default_factory=DaemonTemplateSpec)


class DaemonSetSpec(msgspec.Struct, rename="camel", gc=False):
    selector: o.LabelSelector | None = None
    template: DaemonTemplate | None = None
    update_strategy: Strategy | None = None


class DaemonSetStatus(msgspec.Struct, rename="camel", gc=False):
    observed_generation: int | None = None
    desired_number_scheduled: int = 0
    current_number_scheduled: int = 0
    number_ready: int = 0
    updated_number_scheduled: int = 0
    number_available: int = 0
    number_unavailable: int = 0
    number_misscheduled: int = 0


class DaemonSet(msgspec.Struct, gc=False):
    metadata: o.Meta = msgspec.field(default_factory=o.Meta)
    spec: DaemonSetSpec = msgspec.field(default_factory=DaemonSetSpec)
    status: DaemonSetStatus = msgspec.field(default_factory=DaemonSetStatus)


_DEPLOYMENTS = d.list_decoder(Deployment)
_REPLICASETS = d.list_decoder(ReplicaSet)
_STATEFULSETS = d.list_decoder(StatefulSet)
_DAEMONSETS = d.list_decoder(DaemonSet)


def _common(
    meta: o.Meta, selector: o.LabelSelector | None, template: o.TemplateSpec | None
) -> tuple[tuple[str, object], ...]:
    """The `_Workload` columns every workload frame starts with (``template``: the pod template's spec)."""
    owner_kind, owner_name, owner_uid = o.owner(meta)
    return (
        (Deployments.CREATED, meta.creation_timestamp),
        (Deployments.LABELS, meta.labels),
        (Deployments.OWNER_KIND, owner_kind),
        (Deployments.OWNER_NAME, owner_name),
        (Deployments.OWNER_UID, owner_uid),
        (Deployments.GENERATION, meta.generation),
        (Deployments.SELECTOR, o.match_labels(selector)),
        (Deployments.SELECTOR_EXPRESSIONS, o.match_expressions(selector)),
        (Deployments.IMAGES, o.spec_images(template) if template is not None else []),
        (Deployments.VOLUME_MOUNTS, mounts.spec_mounts(template) if template is not None else []),
    )


def _spec(template: o.PodTemplate | None) -> o.TemplateSpec | None:
    return None if template is None else template.spec


def build_deployments(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``deployments`` frame from raw Deployment List pages.

    Args:
        kind: the Deployment kind (the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time.

    Returns:
        ``{"deployments": ...}`` matching `schema.Deployments`.
    """
    return o.build_one(Deployments, kind.kind, _DEPLOYMENTS, pages, _deployment_row)


def _deployment_row(rows: o.Rows, dep: Deployment) -> None:
    meta, spec, status = dep.metadata, dep.spec, dep.status
    strategy = spec.strategy or Strategy()
    rolling = strategy.rolling_update or _NO_ROLLING
    a_status, a_reason, a_message, _ = o.condition_fields(status.conditions, "Available")
    p_status, p_reason, p_message, p_changed = o.condition_fields(status.conditions, "Progressing")
    f_status, f_reason, f_message, _ = o.condition_fields(status.conditions, "ReplicaFailure")
    failing = f_status == "True"
    rows.add(
        meta,
        (
            *_common(meta, spec.selector, _spec(spec.template)),
            (Deployments.OBSERVED_GENERATION, status.observed_generation),
            # The API defaults spec.replicas to 1; a raw manifest without it means the same.
            (Deployments.REPLICAS, 1 if spec.replicas is None else spec.replicas),
            (Deployments.CURRENT_REPLICAS, status.replicas),
            (Deployments.UPDATED_REPLICAS, status.updated_replicas),
            (Deployments.READY_REPLICAS, status.ready_replicas),
            (Deployments.AVAILABLE_REPLICAS, status.available_replicas),
            (Deployments.UNAVAILABLE_REPLICAS, status.unavailable_replicas),
            (Deployments.STRATEGY, strategy.type),
            (Deployments.MAX_SURGE, o.int_or_string(rolling.max_surge)),
            (Deployments.MAX_UNAVAILABLE, o.int_or_string(rolling.max_unavailable)),
            (Deployments.PROGRESS_DEADLINE_SECONDS, o.seconds(spec.progress_deadline_seconds)),
            (Deployments.PAUSED, spec.paused),
            (Deployments.AVAILABLE_STATUS, a_status),
            (Deployments.AVAILABLE_REASON, a_reason),
            (Deployments.AVAILABLE_MESSAGE, a_message),
            (Deployments.PROGRESSING_STATUS, p_status),
            (Deployments.PROGRESSING_REASON, p_reason),
            (Deployments.PROGRESSING_MESSAGE, p_message),
            (Deployments.PROGRESSING_CHANGED, p_changed),
            (Deployments.REPLICA_FAILURE_REASON, f_reason if failing else None),
            (Deployments.REPLICA_FAILURE_MESSAGE, f_message if failing else None),
            (Deployments.REVISION, o.annotation_int(meta, REVISION)),
            (Deployments.CHANGE_CAUSE, meta.annotation(CHANGE_CAUSE)),
        ),
    )


def build_replicasets(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``replicasets`` frame from raw ReplicaSet List pages (see `build_deployments`)."""
    return o.build_one(ReplicaSets, kind.kind, _REPLICASETS, pages, _replicaset_row)


def _replicaset_row(rows: o.Rows, rs: ReplicaSet) -> None:
    meta, spec, status = rs.metadata, rs.spec, rs.status
    f_status, f_reason, f_message, _ = o.condition_fields(status.conditions, "ReplicaFailure")
    failing = f_status == "True"
    rows.add(
        meta,
        (
            *_common(meta, spec.selector, _spec(spec.template)),
            (ReplicaSets.OBSERVED_GENERATION, status.observed_generation),
            (ReplicaSets.REPLICAS, 1 if spec.replicas is None else spec.replicas),
            (ReplicaSets.CURRENT_REPLICAS, status.replicas),
            (ReplicaSets.READY_REPLICAS, status.ready_replicas),
            (ReplicaSets.AVAILABLE_REPLICAS, status.available_replicas),
            (ReplicaSets.REVISION, o.annotation_int(meta, REVISION)),
            (ReplicaSets.POD_TEMPLATE_HASH, meta.labels.get(TEMPLATE_HASH)),
            (ReplicaSets.REPLICA_FAILURE_REASON, f_reason if failing else None),
            (ReplicaSets.REPLICA_FAILURE_MESSAGE, f_message if failing else None),
        ),
    )


def build_statefulsets(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``statefulsets`` frame from raw StatefulSet List pages (see `build_deployments`)."""
    return o.build_one(StatefulSets, kind.kind, _STATEFULSETS, pages, _statefulset_row)


def _statefulset_row(rows: o.Rows, sts: StatefulSet) -> None:
    meta, spec, status = sts.metadata, sts.spec, sts.status
    strategy = spec.update_strategy or Strategy()
    rolling = strategy.rolling_update or _NO_ROLLING
    rows.add(
        meta,
        (
            *_common(meta, spec.selector, _spec(spec.template)),
            (StatefulSets.OBSERVED_GENERATION, status.observed_generation),
            (StatefulSets.REPLICAS, 1 if spec.replicas is None else spec.replicas),
            (StatefulSets.CURRENT_REPLICAS, status.replicas),
            (StatefulSets.UPDATED_REPLICAS, status.updated_replicas),
            (StatefulSets.READY_REPLICAS, status.ready_replicas),
            (StatefulSets.AVAILABLE_REPLICAS, status.available_replicas),
            (StatefulSets.SERVICE_NAME, spec.service_name),
            (StatefulSets.POD_MANAGEMENT_POLICY, spec.pod_management_policy),
            (StatefulSets.UPDATE_STRATEGY, strategy.type),
            (StatefulSets.PARTITION, rolling.partition),
            (StatefulSets.CURRENT_REVISION, status.current_revision),
            (StatefulSets.UPDATE_REVISION, status.update_revision),
            (StatefulSets.VOLUME_CLAIM_TEMPLATES, [t.metadata.name for t in spec.volume_claim_templates]),
        ),
    )


def build_daemonsets(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``daemonsets`` frame from raw DaemonSet List pages (see `build_deployments`)."""
    return o.build_one(DaemonSets, kind.kind, _DAEMONSETS, pages, _daemonset_row)


def _daemonset_row(rows: o.Rows, ds: DaemonSet) -> None:
    meta, spec, status = ds.metadata, ds.spec, ds.status
    strategy = spec.update_strategy or Strategy()
    rolling = strategy.rolling_update or _NO_ROLLING
    template = spec.template or DaemonTemplate()
    rows.add(
        meta,
        (
            *_common(meta, spec.selector, template.spec),
            (DaemonSets.OBSERVED_GENERATION, status.observed_generation),
            (DaemonSets.DESIRED_PODS, status.desired_number_scheduled),
            (DaemonSets.CURRENT_PODS, status.current_number_scheduled),
            (DaemonSets.READY_PODS, status.number_ready),
            (DaemonSets.UPDATED_PODS, status.updated_number_scheduled),
            (DaemonSets.AVAILABLE_PODS, status.number_available),
            (DaemonSets.UNAVAILABLE_PODS, status.number_unavailable),
            (DaemonSets.MISSCHEDULED_PODS, status.number_misscheduled),
            (DaemonSets.UPDATE_STRATEGY, strategy.type),
            (DaemonSets.MAX_UNAVAILABLE, o.int_or_string(rolling.max_unavailable)),
            (DaemonSets.MAX_SURGE, o.int_or_string(rolling.max_surge)),
            (DaemonSets.NODE_SELECTOR, template.spec.node_selector),
        ),
    )

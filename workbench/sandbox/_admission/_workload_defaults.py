"""Defaulting for workloads (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs).

Values from ``pkg/apis/{apps,batch}/v1/defaults.go``; Jobs also get the selector and template
labels their registry strategy generates on create (``batch.kubernetes.io/controller-uid``).
Persistent volume claim defaults live here too, as StatefulSet claim templates need them.
"""

from __future__ import annotations

from typing import Any

from workbench.quantity import canonical_quantity

from ._context import AdmissionContext
from ._pod_defaults import as_dict, default_template, dicts, fill_status, set_if_none, spec_of


def default_deployment(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    set_if_none(spec, "replicas", 1)
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict):
        strategy = spec["strategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if not isinstance(rolling, dict):
            rolling = strategy["rollingUpdate"] = {}
        set_if_none(rolling, "maxUnavailable", "25%")
        set_if_none(rolling, "maxSurge", "25%")
    set_if_none(spec, "revisionHistoryLimit", 10)
    set_if_none(spec, "progressDeadlineSeconds", 600)
    default_template(spec.get("template"))
    fill_status(obj)


def default_replica_set(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    set_if_none(spec, "replicas", 1)
    default_template(spec.get("template"))
    fill_status(obj, replicas=0)


def default_replication_controller(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    labels = as_dict(spec.get("template")).get("metadata", {})
    template_labels = labels.get("labels") if isinstance(labels, dict) else None
    if isinstance(template_labels, dict):
        if not spec.get("selector"):
            spec["selector"] = dict(template_labels)
        meta = obj["metadata"]
        if not meta.get("labels"):
            meta["labels"] = dict(template_labels)
    set_if_none(spec, "replicas", 1)
    default_template(spec.get("template"))
    fill_status(obj, replicas=0)


def default_stateful_set(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    strategy = spec.get("updateStrategy")
    if not isinstance(strategy, dict):
        strategy = spec["updateStrategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
        if not isinstance(strategy.get("rollingUpdate"), dict):
            strategy["rollingUpdate"] = {}
    rolling = strategy.get("rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(rolling, dict):
        set_if_none(rolling, "partition", 0)
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if not isinstance(retention, dict):
        retention = spec["persistentVolumeClaimRetentionPolicy"] = {}
    for key in ("whenDeleted", "whenScaled"):
        if not retention.get(key):
            retention[key] = "Retain"
    set_if_none(spec, "replicas", 1)
    set_if_none(spec, "revisionHistoryLimit", 10)
    default_template(spec.get("template"))
    for claim in dicts(spec.get("volumeClaimTemplates")):
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        meta = claim.get("metadata")
        if isinstance(meta, dict):
            meta.setdefault("creationTimestamp", None)
        default_pvc(claim, ctx)
    fill_status(obj, replicas=0, availableReplicas=0)


def default_daemon_set(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    strategy = spec.get("updateStrategy")
    if not isinstance(strategy, dict):
        strategy = spec["updateStrategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.get("rollingUpdate")
        if not isinstance(rolling, dict):
            rolling = strategy["rollingUpdate"] = {}
        set_if_none(rolling, "maxUnavailable", 1)
        set_if_none(rolling, "maxSurge", 0)
    set_if_none(spec, "revisionHistoryLimit", 10)
    default_template(spec.get("template"))
    fill_status(obj, currentNumberScheduled=0, desiredNumberScheduled=0, numberMisscheduled=0, numberReady=0)


def default_job(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    set_if_none(spec, "parallelism", 1)
    set_if_none(spec, "backoffLimit", 6)
    if not spec.get("completionMode"):
        spec["completionMode"] = "NonIndexed"
    set_if_none(spec, "suspend", False)
    if not spec.get("podReplacementPolicy"):
        spec["podReplacementPolicy"] = "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed"
    set_if_none(spec, "manualSelector", False)
    default_template(spec.get("template"))
    if ctx.old is None and spec.get("manualSelector") is not True:
        _generate_job_selector(obj, spec)
    # Defaulting runs again when the stored object is read back, which copies the (now
    # generated) template labels onto a Job that has none of its own.
    template_labels = as_dict(as_dict(spec.get("template")).get("metadata")).get("labels")
    meta = obj["metadata"]
    if isinstance(template_labels, dict) and template_labels and not meta.get("labels"):
        meta["labels"] = dict(template_labels)
    fill_status(obj)


def _generate_job_selector(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    meta = obj["metadata"]
    uid, name = meta.get("uid"), meta.get("name")
    if not isinstance(uid, str) or not uid or not isinstance(name, str):
        return
    template = spec.get("template")
    if not isinstance(template, dict):
        template = spec["template"] = {"metadata": {"creationTimestamp": None}}
    tmeta = template.get("metadata")
    if not isinstance(tmeta, dict):
        tmeta = template["metadata"] = {}
    labels = tmeta.get("labels")
    if not isinstance(labels, dict):
        labels = tmeta["labels"] = {}
    for key in ("job-name", "batch.kubernetes.io/job-name"):
        labels.setdefault(key, name)
    for key in ("controller-uid", "batch.kubernetes.io/controller-uid"):
        labels.setdefault(key, uid)
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        selector = spec["selector"] = {}
    match_labels = selector.get("matchLabels")
    if not isinstance(match_labels, dict) or not match_labels:
        match_labels = selector["matchLabels"] = {}
    match_labels.setdefault("batch.kubernetes.io/controller-uid", uid)


def default_cron_job(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    set_if_none(spec, "suspend", False)
    set_if_none(spec, "successfulJobsHistoryLimit", 3)
    set_if_none(spec, "failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict):
        meta = job_template.setdefault("metadata", {})
        if isinstance(meta, dict):
            meta.setdefault("creationTimestamp", None)
        default_template(as_dict(job_template.get("spec")).get("template"))
    fill_status(obj)


def canonical_map(quantities: object) -> None:
    if isinstance(quantities, dict):
        for name, raw in quantities.items():
            canonical = canonical_quantity(raw, round_milli=True)
            if canonical is not None:
                quantities[name] = canonical


def default_pvc(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    if not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"
    resources = as_dict(spec.get("resources"))
    canonical_map(resources.get("requests"))
    canonical_map(resources.get("limits"))
    fill_status(obj, phase="Pending")

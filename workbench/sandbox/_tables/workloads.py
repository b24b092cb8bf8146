"""Table rows for the workload controllers: apps/v1, batch/v1, autoscaling/v2 and policy/v1.

Replica counts the API server defaults on write (``spec.replicas: 1``, a Job's single completion, an
HPA's ``minReplicas: 1`` and 80% CPU target) are read with the same defaults when absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._tables._format import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    NONE,
    Column,
    Obj,
    Printer,
    age,
    col,
    container_cells,
    dig,
    duration_between,
    format_label_selector,
    format_labels,
    items,
    mapping,
    name_of,
    num,
    parse_time,
    print_bool,
    selector_string,
    since,
    text,
)
from workbench.sandbox._tables._quantity import quantity_string


def _template_containers(obj: Obj, *path: str) -> list[str]:
    return container_cells(items(obj, *path, "template", "spec", "containers"))


DEPLOYMENT_COLUMNS = (
    NAME,
    col("Ready", doc="Number of the pod with ready state"),
    col("Up-to-date", doc="DeploymentStatus.updatedReplicas"),
    col("Available", doc="DeploymentStatus.availableReplicas"),
    AGE,
    CONTAINERS,
    IMAGES,
    col("Selector", doc="DeploymentSpec.selector", wide=True),
)


def _deployment_cells(d: Obj, now: datetime) -> list[Any]:
    return [
        name_of(d),
        f"{num(d, 'status', 'readyReplicas')}/{num(d, 'spec', 'replicas', default=1)}",
        num(d, "status", "updatedReplicas"),
        num(d, "status", "availableReplicas"),
        age(d, now),
        *_template_containers(d, "spec"),
        selector_string(dig(d, "spec", "selector")),
    ]


def _replica_columns(kind: str) -> tuple[Column, ...]:
    return (
        NAME,
        col("Desired", "integer", f"{kind}Spec.replicas"),
        col("Current", "integer", f"{kind}Status.replicas"),
        col("Ready", "integer", f"{kind}Status.readyReplicas"),
        AGE,
        CONTAINERS,
        IMAGES,
        col("Selector", doc=f"{kind}Spec.selector", wide=True),
    )


def _replica_counts(obj: Obj) -> list[Any]:
    return [
        name_of(obj),
        num(obj, "spec", "replicas", default=1),
        num(obj, "status", "replicas"),
        num(obj, "status", "readyReplicas"),
    ]


def _replicaset_cells(rs: Obj, now: datetime) -> list[Any]:
    selector = format_label_selector(dig(rs, "spec", "selector"))
    return [*_replica_counts(rs), age(rs, now), *_template_containers(rs, "spec"), selector]


def _rc_cells(rc: Obj, now: datetime) -> list[Any]:
    selector = format_labels(dig(rc, "spec", "selector"))
    return [*_replica_counts(rc), age(rc, now), *_template_containers(rc, "spec"), selector]


STATEFULSET_COLUMNS = (NAME, col("Ready", doc="Number of the pod with ready state"), AGE, CONTAINERS, IMAGES)


def _statefulset_cells(sts: Obj, now: datetime) -> list[Any]:
    ready = f"{num(sts, 'status', 'readyReplicas')}/{num(sts, 'spec', 'replicas', default=1)}"
    return [name_of(sts), ready, age(sts, now), *_template_containers(sts, "spec")]


DAEMONSET_COLUMNS = (
    NAME,
    col("Desired", "integer", "DaemonSetStatus.desiredNumberScheduled"),
    col("Current", "integer", "DaemonSetStatus.currentNumberScheduled"),
    col("Ready", "integer", "DaemonSetStatus.numberReady"),
    col("Up-to-date", "integer", "DaemonSetStatus.updatedNumberScheduled"),
    col("Available", "integer", "DaemonSetStatus.numberAvailable"),
    col("Node Selector", doc="PodSpec.nodeSelector"),
    AGE,
    CONTAINERS,
    IMAGES,
    col("Selector", doc="DaemonSetSpec.selector", wide=True),
)


def _daemonset_cells(ds: Obj, now: datetime) -> list[Any]:
    counts = (
        "desiredNumberScheduled",
        "currentNumberScheduled",
        "numberReady",
        "updatedNumberScheduled",
        "numberAvailable",
    )
    return [
        name_of(ds),
        *(num(ds, "status", field) for field in counts),
        format_labels(dig(ds, "spec", "template", "spec", "nodeSelector")),
        age(ds, now),
        *_template_containers(ds, "spec"),
        format_label_selector(dig(ds, "spec", "selector")),
    ]


JOB_COLUMNS = (
    NAME,
    col("Status", doc="Status of the job."),
    col("Completions", doc="JobStatus.succeeded"),
    col("Duration", doc="Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    col("Selector", doc="JobSpec.selector", wide=True),
)


def _job_condition(job: Obj, kind: str) -> bool:
    """hasJobCondition: the first condition of that type decides."""
    for condition in items(job, "status", "conditions"):
        if dig(condition, "type") == kind:
            return bool(dig(condition, "status") == "True")
    return False


def _job_status(job: Obj) -> str:
    if _job_condition(job, "Complete"):
        return "Complete"
    if _job_condition(job, "Failed"):
        return "Failed"
    if dig(job, "metadata", "deletionTimestamp"):
        return "Terminating"
    if _job_condition(job, "Suspended"):
        return "Suspended"
    if _job_condition(job, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _job_completions(job: Obj) -> str:
    spec, succeeded = mapping(job, "spec"), num(job, "status", "succeeded")
    # A Job that sets neither field is stored with completions=1 and parallelism=1.
    if dig(spec, "completions") is not None or dig(spec, "parallelism") is None:
        return f"{succeeded}/{num(spec, 'completions', default=1)}"
    parallelism = num(spec, "parallelism")
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(job: Obj, now: datetime) -> str:
    start = parse_time(dig(job, "status", "startTime"))
    if start is None:
        return ""
    end = parse_time(dig(job, "status", "completionTime"))
    return duration_between(start, end or now)


def _job_cells(job: Obj, now: datetime) -> list[Any]:
    return [
        name_of(job),
        _job_status(job),
        _job_completions(job),
        _job_duration(job, now),
        age(job, now),
        *_template_containers(job, "spec"),
        format_label_selector(dig(job, "spec", "selector")),
    ]


CRONJOB_COLUMNS = (
    NAME,
    col("Schedule", doc="CronJobSpec.schedule"),
    col("Timezone", doc="CronJobSpec.timeZone"),
    col("Suspend", "boolean", "CronJobSpec.suspend"),
    col("Active", "integer", "CronJobStatus.active"),
    col("Last Schedule", doc="CronJobStatus.lastScheduleTime"),
    AGE,
    CONTAINERS,
    IMAGES,
    col("Selector", doc="JobSpec.selector", wide=True),
)


def _cronjob_cells(cj: Obj, now: datetime) -> list[Any]:
    last = dig(cj, "status", "lastScheduleTime")
    return [
        name_of(cj),
        text(cj, "spec", "schedule"),
        text(cj, "spec", "timeZone", default=NONE),
        print_bool(dig(cj, "spec", "suspend")),  # stored objects always carry suspend (default false)
        len(items(cj, "status", "active")),
        NONE if last is None else since(last, now),
        age(cj, now),
        *_template_containers(cj, "spec", "jobTemplate", "spec"),
        format_label_selector(dig(cj, "spec", "jobTemplate", "spec", "selector")),
    ]


HPA_COLUMNS = (
    NAME,
    col("Reference", doc="HorizontalPodAutoscalerSpec.scaleTargetRef"),
    col("Targets", doc="HorizontalPodAutoscalerSpec.metrics"),
    col("MinPods", doc="HorizontalPodAutoscalerSpec.minReplicas"),
    col("MaxPods", doc="HorizontalPodAutoscalerSpec.maxReplicas"),
    col("Replicas", doc="HorizontalPodAutoscalerStatus.currentReplicas"),
    AGE,
)

# autoscaling/v2 defaulting: no metrics means 80% average CPU utilisation.
_DEFAULT_METRICS = [
    {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
    }
]
# The metric type name -> its field in a MetricSpec / MetricStatus.
_SOURCE_FIELD = {
    "External": "external",
    "Pods": "pods",
    "Object": "object",
    "Resource": "resource",
    "ContainerResource": "containerResource",
}


def _hpa_metric(spec: Obj, status: Any) -> str:
    """One entry of formatHPAMetrics; `status` is the CurrentMetrics entry at the same index."""
    source = _SOURCE_FIELD.get(text(spec, "type"))
    if source is None:
        return "<unknown type>"
    target = mapping(spec, source, "target")
    current_status = dig(status, source)
    current = mapping(current_status, "current")
    known = isinstance(current_status, Mapping)
    prefix = f"{text(spec, source, 'name')}: " if source in ("resource", "containerResource") else ""
    if source == "pods":
        now_value = quantity_string(current.get("averageValue")) if known else "<unknown>"
        return f"{now_value}/{quantity_string(target.get('averageValue'))}"
    if target.get("averageValue") is not None:
        now_value = "<unknown>"
        if known and (source in ("resource", "containerResource") or current.get("averageValue") is not None):
            now_value = quantity_string(current.get("averageValue"))
        suffix = " (avg)" if source in ("external", "object") else ""
        return f"{prefix}{now_value}/{quantity_string(target['averageValue'])}{suffix}"
    if source in ("external", "object"):
        now_value = quantity_string(current.get("value")) if known else "<unknown>"
        return f"{now_value}/{quantity_string(target.get('value'))}"
    utilization = current.get("averageUtilization")
    now_value = f"{utilization}%" if known and utilization is not None else "<unknown>"
    wanted = target.get("averageUtilization")
    return f"{prefix}{now_value}/{'<auto>' if wanted is None else f'{wanted}%'}"


def format_hpa_metrics(specs: list[Any], statuses: list[Any]) -> str:
    """formatHPAMetrics: ``cpu: 45%/80%``; statuses are matched by position, at most two shown."""
    if not specs:
        return NONE
    shown = [_hpa_metric(spec, statuses[i] if i < len(statuses) else None) for i, spec in enumerate(specs)]
    if len(shown) > 2:
        return f"{', '.join(shown[:2])} + {len(shown) - 2} more..."
    return ", ".join(shown)


def _hpa_cells(hpa: Obj, now: datetime) -> list[Any]:
    ref = mapping(hpa, "spec", "scaleTargetRef")
    return [
        name_of(hpa),
        f"{text(ref, 'kind')}/{text(ref, 'name')}",
        format_hpa_metrics(
            items(hpa, "spec", "metrics") or _DEFAULT_METRICS, items(hpa, "status", "currentMetrics")
        ),
        str(num(hpa, "spec", "minReplicas", default=1)),
        num(hpa, "spec", "maxReplicas"),
        num(hpa, "status", "currentReplicas"),
        age(hpa, now),
    ]


PDB_COLUMNS = (
    NAME,
    col("Min Available", doc="The minimum number of pods that must be available."),
    col("Max Unavailable", doc="The maximum number of pods that may be unavailable."),
    col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
    AGE,
)


def _pdb_cells(pdb: Obj, now: datetime) -> list[Any]:
    def int_or_string(value: Any) -> str:
        return "N/A" if value is None else str(value)

    return [
        name_of(pdb),
        int_or_string(dig(pdb, "spec", "minAvailable")),
        int_or_string(dig(pdb, "spec", "maxUnavailable")),
        num(pdb, "status", "disruptionsAllowed"),
        age(pdb, now),
    ]


REVISION_COLUMNS = (
    NAME,
    col("Controller", doc="Controller of the object"),
    col("Revision", doc="ControllerRevision.revision"),
    AGE,
)


def _revision_cells(rev: Obj, now: datetime) -> list[Any]:
    controller = NONE
    for ref in items(rev, "metadata", "ownerReferences"):
        if dig(ref, "controller") is True:
            group = text(ref, "apiVersion").rpartition("/")[0]
            kind = text(ref, "kind") + (f".{group}" if group else "")
            controller = f"{kind.lower()}/{text(ref, 'name')}" if kind else text(ref, "name")
            break
    return [name_of(rev), controller, num(rev, "revision"), age(rev, now)]


PRINTERS = {
    "Deployment": Printer(DEPLOYMENT_COLUMNS, _deployment_cells),
    "ReplicaSet": Printer(_replica_columns("ReplicaSet"), _replicaset_cells),
    "ReplicationController": Printer(_replica_columns("ReplicationController"), _rc_cells),
    "StatefulSet": Printer(STATEFULSET_COLUMNS, _statefulset_cells),
    "DaemonSet": Printer(DAEMONSET_COLUMNS, _daemonset_cells),
    "Job": Printer(JOB_COLUMNS, _job_cells),
    "CronJob": Printer(CRONJOB_COLUMNS, _cronjob_cells),
    "HorizontalPodAutoscaler": Printer(HPA_COLUMNS, _hpa_cells),
    "PodDisruptionBudget": Printer(PDB_COLUMNS, _pdb_cells),
    "ControllerRevision": Printer(REVISION_COLUMNS, _revision_cells),
}

"""Batch workloads: the ``jobs`` and ``cronjobs`` frames from raw list pages."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _mounts as mounts
from workbench.frames import _objects as o
from workbench.frames.schema import CronJobs, Jobs
from workbench.sources._kinds import Kind

SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"


class JobSpec(msgspec.Struct, rename="camel", gc=False):
    completions: int | None = None
    parallelism: int | None = None
    backoff_limit: int | None = None
    active_deadline_seconds: int | None = None
    suspend: bool = False
    selector: o.LabelSelector | None = None
    template: o.PodTemplate | None = None


class JobStatus(msgspec.Struct, rename="camel", gc=False):
    active: int = 0
    ready: int | None = None
    succeeded: int = 0
    failed: int = 0
    start_time: str | None = None
    completion_time: str | None = None
    conditions: list[d.Condition] = []


class Job(msgspec.Struct, gc=False):
    metadata: o.AnnotatedMeta = msgspec.field(default_factory=o.AnnotatedMeta)
    spec: JobSpec = msgspec.field(default_factory=JobSpec)
    status: JobStatus = msgspec.field(default_factory=JobStatus)


class JobTemplateSpec(msgspec.Struct, gc=False):
    template: o.PodTemplate | None = None


class JobTemplate(msgspec.Struct, gc=False):
    spec: JobTemplateSpec = msgspec.field(default_factory=JobTemplateSpec)


class CronJobSpec(msgspec.Struct, rename="camel", gc=False):
    schedule: str | None = None
    time_zone: str | None = None
    suspend: bool = False
    concurrency_policy: str | None = None
    starting_deadline_seconds: int | None = None
    successful_jobs_history_limit: int | None = None
    failed_jobs_history_limit: int | None = None
    job_template: JobTemplate = msgspec.field(default_factory=JobTemplate)


class ActiveRef(msgspec.Struct, gc=False):
    name: str = ""


class CronJobStatus(msgspec.Struct, rename="camel", gc=False):
    last_schedule_time: str | None = None
    last_successful_time: str | None = None
    active: list[ActiveRef] = []


class CronJob(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    spec: CronJobSpec = msgspec.field(default_factory=CronJobSpec)
    status: CronJobStatus = msgspec.field(default_factory=CronJobStatus)


_JOBS = d.list_decoder(Job)
_CRONJOBS = d.list_decoder(CronJob)


def build_jobs(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``jobs`` frame from raw Job List pages.

    Args:
        kind: the Job kind (the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time.

    Returns:
        ``{"jobs": ...}`` matching `schema.Jobs`.
    """
    return o.build_one(Jobs, kind.kind, _JOBS, pages, _job_row)


def job_status(conditions: list[d.Condition]) -> tuple[str, d.Condition | None]:
    """(STATUS as kubectl shows it, the condition that decided it).

    A finished Job has Complete or Failed True (FailureTarget or SuccessCriteriaMet come first,
    while its pods terminate, and say the same); a suspended one Suspended True.
    """
    for ctype, status in (
        ("Failed", "Failed"),
        ("Complete", "Complete"),
        ("FailureTarget", "Failed"),
        ("SuccessCriteriaMet", "Complete"),
        ("Suspended", "Suspended"),
    ):
        cond = d.find_condition(conditions, ctype)
        if cond is not None and cond.status == "True":
            return status, cond
    return "Running", None


def _job_row(rows: o.Rows, job: Job) -> None:
    meta, spec, status = job.metadata, job.spec, job.status
    owner_kind, owner_name, owner_uid = o.owner(meta)
    state, cond = job_status(status.conditions)
    finished = cond.last_transition_time if cond is not None and state in ("Complete", "Failed") else None
    rows.add(
        meta,
        (
            (Jobs.CREATED, meta.creation_timestamp),
            (Jobs.LABELS, meta.labels),
            (Jobs.OWNER_KIND, owner_kind),
            (Jobs.OWNER_NAME, owner_name),
            (Jobs.OWNER_UID, owner_uid),
            (Jobs.GENERATION, meta.generation),
            (Jobs.SELECTOR, o.match_labels(spec.selector)),
            (Jobs.SELECTOR_EXPRESSIONS, o.match_expressions(spec.selector)),
            (Jobs.IMAGES, o.images(spec.template)),
            (Jobs.VOLUME_MOUNTS, mounts.volume_mounts(spec.template)),
            (Jobs.STATUS, state),
            (Jobs.REASON, cond.reason if cond is not None else None),
            (Jobs.MESSAGE, cond.message if cond is not None else None),
            (Jobs.COMPLETIONS, spec.completions),
            (Jobs.PARALLELISM, spec.parallelism),
            (Jobs.BACKOFF_LIMIT, spec.backoff_limit),
            (Jobs.ACTIVE_DEADLINE_SECONDS, o.seconds(spec.active_deadline_seconds)),
            (Jobs.SUSPEND, spec.suspend),
            (Jobs.ACTIVE, status.active),
            (Jobs.READY_PODS, status.ready),
            (Jobs.SUCCEEDED, status.succeeded),
            (Jobs.FAILED, status.failed),
            (Jobs.START_TIME, status.start_time),
            (Jobs.COMPLETION_TIME, status.completion_time),
            (Jobs.FINISHED, finished),
            (Jobs.SCHEDULED_TIME, meta.annotation(SCHEDULED)),
        ),
    )


def build_cronjobs(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``cronjobs`` frame from raw CronJob List pages (see `build_jobs`)."""
    return o.build_one(CronJobs, kind.kind, _CRONJOBS, pages, _cronjob_row)


def _cronjob_row(rows: o.Rows, cj: CronJob) -> None:
    meta, spec, status = cj.metadata, cj.spec, cj.status
    rows.add(
        meta,
        (
            (CronJobs.CREATED, meta.creation_timestamp),
            (CronJobs.LABELS, meta.labels),
            (CronJobs.SCHEDULE, spec.schedule),
            (CronJobs.TIME_ZONE, spec.time_zone),
            (CronJobs.SUSPEND, spec.suspend),
            (CronJobs.CONCURRENCY_POLICY, spec.concurrency_policy),
            (CronJobs.STARTING_DEADLINE_SECONDS, o.seconds(spec.starting_deadline_seconds)),
            (CronJobs.SUCCESSFUL_HISTORY_LIMIT, spec.successful_jobs_history_limit),
            (CronJobs.FAILED_HISTORY_LIMIT, spec.failed_jobs_history_limit),
            (CronJobs.LAST_SCHEDULE, status.last_schedule_time),
            (CronJobs.LAST_SUCCESSFUL, status.last_successful_time),
            (CronJobs.ACTIVE, len(status.active)),
            (CronJobs.ACTIVE_JOBS, [ref.name for ref in status.active]),
            (CronJobs.IMAGES, o.images(spec.job_template.spec.template)),
            (CronJobs.VOLUME_MOUNTS, mounts.volume_mounts(spec.job_template.spec.template)),
        ),
    )

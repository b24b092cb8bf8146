"""CronJobs: runs that fail, schedules that are invalid or never fire, runs that were missed, and
CronJobs that are suspended."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from typing import Any, ClassVar, cast

import pandas as pd

from workbench.analyzers._common import cluster_now, event_evidence, present, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _cron
from workbench.analyzers.workloads import _shared as s
from workbench.analyzers.workloads.job import pod_failures
from workbench.frames import Frames
from workbench.frames.schema import CronJobs, Jobs
from workbench.model import Evidence, Finding, ObjectRef, Severity

FAILING = "cronjob.failing"
SUSPENDED = "cronjob.suspended"
INVALID_SCHEDULE = "cronjob.invalid-schedule"
MISSED = "cronjob.missed"

_DOCS = DOCS + "concepts/workloads/controllers/cron-jobs/"
MISSED_GRACE = timedelta(minutes=5)
"""A run later than this past its time (or past startingDeadlineSeconds, if longer) was missed."""
_MAX_COUNTED = 100  # the controller itself gives up counting missed runs at 100
_PREFIX_PROBLEM = "a TZ= or CRON_TZ= prefix, which the API server no longer accepts; use spec.timeZone"


class CronJobAnalyzer:
    """CronJobs whose latest finished run failed, whose schedule is invalid or never fires, that
    missed a run, or that are suspended (INFO).

    Judges the CronJob from its Jobs, so a CronJob whose every run fails yields one finding whose
    evidence names the failed runs and their pods' exit codes (the Job analyzer leaves these Jobs
    alone). Times are compared with the cluster's clock (the latest heartbeat or event).
    """

    name: ClassVar[str] = "cronjob"
    codes: ClassVar[tuple[str, ...]] = (FAILING, SUSPENDED, INVALID_SCHEDULE, MISSED)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """Findings about the CronJobs in ``frames``."""
        cronjobs = frames.cronjobs
        if cronjobs.empty:
            return
        now = cluster_now(frames)
        rows = s.rows(cronjobs)
        keys = {s.key_of(r) for r in rows}
        runs = s.children(frames.jobs, "CronJob", keys)
        events = s.events_of(frames, "CronJob", keys)
        for row in rows:
            key = s.key_of(row)
            mine = runs.get(key, [])
            if row[CronJobs.SUSPEND]:
                yield _suspended(row)
            if (found := _failing(frames, row, mine, events.get(key, []), now)) is not None:
                yield found
            try:
                schedule = _cron.parse(text(row[CronJobs.SCHEDULE]))
                zone = _zone(schedule.zone_prefix or text(row[CronJobs.TIME_ZONE]))
            except ValueError as exc:
                yield _invalid(row, str(exc))
                continue
            if schedule.zone_prefix:
                yield _invalid(row, _PREFIX_PROBLEM, Severity.WARNING)
            if zone is None or row[CronJobs.SUSPEND]:
                continue
            yield from _missed(row, schedule, zone, now)


@cache
def _zone(name: str) -> tzinfo | None:
    """The schedule's time zone (UTC when unset, like most controllers); None when this machine has
    no time zone database to tell.

    Raises:
        ValueError: ``name`` is not a time zone.
    """
    if not name:
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        if zoneinfo.available_timezones():
            raise ValueError(
                f"spec.timeZone {name!r} is not a known time zone (like Europe/Berlin)"
            ) from None
        return None


def _suspended(row: Mapping[str, Any]) -> Finding:
    ref = ref_of(row)
    return Finding(
        SUSPENDED,
        Severity.INFO,
        ref,
        f"{ref} is suspended",
        evidence=(Evidence("spec", "spec.suspend", "true"),),
        explanation="A suspended CronJob starts no runs until spec.suspend is set back to false.",
        docs_url=_DOCS,
        planners=(),
    )


def _due(run: Mapping[str, Any]) -> pd.Timestamp:
    """When a run was due: the scheduled-time annotation, else its start, else its creation."""
    for col in (Jobs.SCHEDULED_TIME, Jobs.START_TIME, Jobs.CREATED):
        if present(run[col]):
            return pd.Timestamp(run[col])
    return pd.Timestamp(0, tz="UTC")


def _failing(
    frames: Frames,
    row: Mapping[str, Any],
    runs: list[s.Row],
    events: list[s.Row],
    now: pd.Timestamp,
) -> Finding | None:
    ordered = sorted((r for r in runs if text(r[Jobs.STATUS]) in ("Complete", "Failed")), key=_due)
    if not ordered:
        return None
    latest = ordered[-1]
    if text(latest[Jobs.STATUS]) != "Failed":
        return None
    succeeded = row[CronJobs.LAST_SUCCESSFUL]
    failed_at = latest[Jobs.FINISHED] if present(latest[Jobs.FINISHED]) else _due(latest)
    if present(succeeded) and present(failed_at) and succeeded >= failed_at:
        return None
    streak: list[dict[str, Any]] = []
    for run in reversed(ordered):
        if text(run[Jobs.STATUS]) != "Failed":
            break
        streak.append(run)
    ref = ref_of(row)
    failures = pod_failures(frames, {s.key_of(latest)}).get(s.key_of(latest))
    since = (
        f"{s.duration(s.seconds_between(succeeded, now) or 0)} ago ({succeeded:%Y-%m-%d %H:%M}Z)"
        if present(succeeded)
        else "never"
    )
    runs_line = ", ".join(
        f"{run[Jobs.NAME]} {text(run[Jobs.STATUS])}"
        + (f" ({text(run[Jobs.REASON])})" if text(run[Jobs.REASON]) else "")
        for run in reversed(ordered[-s.MAX_LISTED :])
    )
    evidence = [
        Evidence("field", "status.lastSuccessfulTime", since),
        Evidence("field", "recent runs, newest first", runs_line),
        *(failures.evidence if failures is not None else []),
        *(event_evidence(e) for e in s.warnings(events)[-s.MAX_LISTED :]),
    ]
    all_failed = len(streak) == len(ordered)
    return Finding(
        FAILING,
        Severity.ERROR,
        ref,
        f"{ref}: the last {s.plural(len(streak), 'run')} failed"
        + (", none succeeded" if all_failed and not present(succeeded) else ""),
        evidence=tuple(evidence),
        explanation=(
            f"The latest run, Job {latest[Jobs.NAME]}, failed"
            + (f" ({text(latest[Jobs.REASON])})" if text(latest[Jobs.REASON]) else "")
            + (f", like the {len(streak) - 1} before it" if len(streak) > 1 else "")
            + ". Every run is made from the job template, so the next one fails the same way until the "
            "template (or what it depends on) is fixed. Read the failed pods' logs (kubectl logs "
            f"job/{latest[Jobs.NAME]} -n {ref.namespace}); after fixing, start a run at once with "
            f"kubectl create job --from=cronjob/{ref.name} to check."
        ),
        docs_url=_DOCS,
        planners=tuple(sorted(failures.planners)) if failures is not None else (),
        related=tuple(ref_of(run) for run in streak[: s.MAX_LISTED]),
    )


def _invalid(row: Mapping[str, Any], problem: str, severity: Severity = Severity.ERROR) -> Finding:
    ref = ref_of(row)
    legacy = severity < Severity.ERROR
    return Finding(
        INVALID_SCHEDULE,
        severity,
        ref,
        f"{ref} has an {'unsupported' if legacy else 'invalid'} schedule {text(row[CronJobs.SCHEDULE])!r}",
        evidence=(
            Evidence("spec", "spec.schedule", text(row[CronJobs.SCHEDULE])),
            Evidence("spec", "problem", problem),
        ),
        explanation=(
            "The schedule still runs, but a TZ= or CRON_TZ= prefix is not supported: the API server refuses "
            "it on new objects (Kubernetes 1.29+), so re-applying this manifest will fail. Move the zone to "
            "spec.timeZone."
            if legacy
            else "The CronJob controller cannot compute when to run it, so it never starts a Job. Cron "
            "syntax is five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or "
            "JAN-DEC) and day of week (0-6 or SUN-SAT), or a macro such as @hourly or @daily."
        ),
        docs_url=_DOCS + "#schedule-syntax",
    )


def _missed(
    row: Mapping[str, Any], schedule: _cron.Schedule, zone: tzinfo, now: pd.Timestamp
) -> Iterator[Finding]:
    last, created = row[CronJobs.LAST_SCHEDULE], row[CronJobs.CREATED]
    base = last if present(last) else created
    if not present(base):
        return
    ref = ref_of(row)
    first = schedule.next_after(pd.Timestamp(base).to_pydatetime().astimezone(zone))
    if first is None:
        yield _invalid(row, "the schedule names no time that exists (such as February 30th): it never fires")
        return
    deadline = row[CronJobs.STARTING_DEADLINE_SECONDS]
    grace = max(MISSED_GRACE, timedelta(seconds=float(deadline)) if present(deadline) else MISSED_GRACE)
    moment = now.to_pydatetime()
    if first + grace >= moment:
        return
    missed, due = 0, cast("datetime | None", first)
    while missed < _MAX_COUNTED and due is not None and due + grace < moment:
        missed += 1
        due = schedule.next_after(due)
    active = row[CronJobs.ACTIVE_JOBS] if isinstance(row[CronJobs.ACTIVE_JOBS], list) else []
    forbid = text(row[CronJobs.CONCURRENCY_POLICY]) == "Forbid"
    evidence = [
        Evidence("field", "status.lastScheduleTime", f"{base:%Y-%m-%d %H:%M}Z" if present(last) else "never"),
        Evidence("spec", "spec.schedule", text(row[CronJobs.SCHEDULE])),
        Evidence(
            "field",
            "first missed run",
            f"{first:%Y-%m-%d %H:%M %Z} ({s.duration((moment - first).total_seconds())} ago)",
        ),
    ]
    if active:
        evidence.append(Evidence("field", "status.active", ", ".join(str(a) for a in active)))
    cause = (
        f"A run is still active ({', '.join(str(a) for a in active)}) and concurrencyPolicy is Forbid, so "
        "the controller skips every run until it ends: the active run takes longer than the interval."
        if active and forbid
        else "The CronJob controller (kube-controller-manager) may be down or overloaded, the cluster's "
        "clock may have jumped, or startingDeadlineSeconds is too short for how late the controller starts "
        "runs."
    )
    yield Finding(
        MISSED,
        Severity.WARNING,
        ref,
        f"{ref} missed {s.plural(missed, 'scheduled run')}" + ("+" if missed >= _MAX_COUNTED else ""),
        evidence=tuple(evidence),
        explanation=f"No run started at {first:%H:%M %Z} or since, though the schedule wants one. {cause}",
        docs_url=_DOCS + "#cron-job-limitations",
        related=tuple(ObjectRef("Job", ref.namespace, str(a)) for a in active),
    )

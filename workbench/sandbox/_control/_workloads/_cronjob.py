"""The CronJob controller: a Job per scheduled time, named ``<cronjob>-<minutes since the epoch>``.

As ``pkg/controller/cronjob`` (v2): each sync finds the most recent scheduled time not yet run
(since ``lastScheduleTime``, or creation) and, unless it is past ``startingDeadlineSeconds``
(``MissSchedule``) or ``concurrencyPolicy: Forbid`` finds a Job still running
(``JobAlreadyActive``), creates its Job from ``jobTemplate`` (``SuccessfulCreate`` ``Created job
nightly-29412345``); ``Replace`` deletes the running ones first. Finished Jobs leave
``status.active`` (``SawCompletedJob``) and beyond ``successfulJobsHistoryLimit`` /
``failedJobsHistoryLimit`` are deleted. The sync asks to run again at the next scheduled time.
CronJobs loaded with a ``lastScheduleTime`` count as caught up at load: times they missed before
the sandbox started are not run.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._clock import parse_time, rfc3339
from workbench.sandbox._control._cluster import Cluster, Source, key_of
from workbench.sandbox._control._workloads._job_status import finished_condition
from workbench.sandbox._control._workloads._pods import MANAGER, controlled, controller_ref, owner_keys
from workbench.sandbox._control._workloads._schedule import Schedule, ScheduleError, parse_schedule
from workbench.sandbox._store import Change, Key

SOURCE = Source("cronjob-controller")
SCHEDULED_AT = "batch.kubernetes.io/cronjob-scheduled-timestamp"
_NEXT_DELTA = 0.1  # nextScheduleDelta: wake a little after the scheduled time
_MANY_MISSED = 100


class CronJobController:
    """Reconciles CronJobs with their schedule and their Jobs."""

    name = "cronjob"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._cron_bucket = cluster.bucket("CronJob")
        self._job_bucket = cluster.bucket("Job")
        self._caught_up: dict[str, datetime] = {}  # uid -> when a loaded CronJob counts as caught up

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._cron_bucket:
            if change.type != "DELETED":
                yield change.key
            else:
                self._caught_up.pop(change.entry.uid, None)
        elif change.bucket == self._job_bucket:
            yield from owner_keys(self.cluster, change, self._cron_bucket)

    def initial_keys(self) -> Iterable[Key]:
        now = self.cluster.clock.now()
        for entry in self.cluster.entries("CronJob"):
            cronjob = entry.decode()
            if (cronjob.get("status") or {}).get("lastScheduleTime"):
                self._caught_up[entry.uid] = now
            yield key_of(cronjob)

    def sync(self, key: Key) -> float | None:
        cronjob = self.cluster.get("CronJob", *key)
        if cronjob is None:
            return None
        return _Sync(self, cronjob).run()


class _Sync:
    """One reconcile of a CronJob (``syncCronJob`` and ``cleanupFinishedJobs``)."""

    def __init__(self, controller: CronJobController, cronjob: dict[str, Any]) -> None:
        self.controller = controller
        self.cluster: Cluster = controller.cluster
        self.cronjob = cronjob
        self.spec: dict[str, Any] = cronjob.get("spec") or {}
        self.status: dict[str, Any] = copy.deepcopy(cronjob.get("status") or {})
        self.now = self.cluster.clock.now()
        self.jobs = controlled(self.cluster, cronjob, "Job")

    def _event(self, type_: str, reason: str, message: str) -> None:
        self.cluster.event(self.cronjob, type_, reason, message, SOURCE)

    def run(self) -> float | None:
        self._reconcile_jobs()
        wait = self._schedule()
        if not self.cronjob["metadata"].get("deletionTimestamp"):
            self._cleanup()
        self._write()
        return wait

    def _write(self) -> None:
        status = {k: v for k, v in self.status.items() if v not in (None, [], "")}
        if status != (self.cronjob.get("status") or {}):
            self.cronjob["status"] = status
            self.cluster.update_status("CronJob", self.cronjob, manager=MANAGER)

    def _active(self) -> list[dict[str, Any]]:
        return list(self.status.get("active") or ())

    def _drop_active(self, uid: str) -> None:
        self.status["active"] = [ref for ref in self._active() if ref.get("uid") != uid]

    def _reconcile_jobs(self) -> None:
        active_uids = {ref.get("uid") for ref in self._active()}
        for job in self.jobs:
            uid, name = job["metadata"]["uid"], job["metadata"]["name"]
            finished = finished_condition(job)
            if finished is None:
                if uid not in active_uids:
                    self._event(
                        "Warning",
                        "UnexpectedJob",
                        f"Saw a job that the controller did not create or forgot: {name}",
                    )
                continue
            if uid in active_uids:
                self._drop_active(uid)
                self._event(
                    "Normal", "SawCompletedJob", f"Saw completed job: {name}, condition: {finished['type']}"
                )
            completed = (job.get("status") or {}).get("completionTime")
            if finished["type"] == "Complete" and completed:
                last = self.status.get("lastSuccessfulTime")
                if last is None or parse_time(completed) > parse_time(last):
                    self.status["lastSuccessfulTime"] = completed
        present = {job["metadata"]["uid"] for job in self.jobs}
        for ref in self._active():
            if ref.get("uid") in present:
                continue
            if self.cluster.entry("Job", ref.get("namespace", ""), ref.get("name", "")) is None:
                self._event("Normal", "MissingJob", f"Active job went missing: {ref.get('name')}")
                self._drop_active(str(ref.get("uid")))

    # -- the schedule ------------------------------------------------------------------------------
    def _schedule(self) -> float | None:
        cronjob = self.cronjob
        if cronjob["metadata"].get("deletionTimestamp") or self.spec.get("suspend"):
            return None
        try:
            schedule = parse_schedule(str(self.spec.get("schedule", "")), self.spec.get("timeZone"))
        except ScheduleError as exc:
            if self.spec.get("timeZone") and "time zone" in str(exc):
                self._event(
                    "Warning", "UnknownTimeZone", f'invalid timeZone: "{self.spec["timeZone"]}": {exc}'
                )
            else:
                self._event(
                    "Warning",
                    "UnparseableSchedule",
                    f'unparseable schedule: "{self.spec.get("schedule")}" : {exc}',
                )
            return None
        scheduled = self._most_recent(schedule, with_deadline=True)
        if scheduled is not None:
            self._start(scheduled)
        return self._until_next(schedule)

    def _earliest(self, *, with_deadline: bool) -> datetime:
        earliest = parse_time(self.cronjob["metadata"]["creationTimestamp"])
        if self.status.get("lastScheduleTime"):
            earliest = parse_time(self.status["lastScheduleTime"])
        caught_up = self.controller._caught_up.get(self.cronjob["metadata"]["uid"])
        if caught_up is not None and caught_up > earliest:
            earliest = caught_up
        deadline = self.spec.get("startingDeadlineSeconds")
        if with_deadline and deadline is not None:
            earliest = max(earliest, self.now - timedelta(seconds=int(deadline)))
        return earliest

    def _most_recent(self, schedule: Schedule, *, with_deadline: bool) -> datetime | None:
        """``mostRecentScheduleTime``: the latest scheduled time after the earliest and not after now."""
        earliest = self._earliest(with_deadline=with_deadline)
        first = schedule.next_after(earliest)
        if first is None or first > self.now:
            return None
        second = schedule.next_after(first)
        if second is None or second > self.now:
            return first
        gap = max(1.0, round((second - first).total_seconds()))
        missed = int((self.now - first).total_seconds() // gap) + 1
        latest = schedule.last_until(self.now)
        if latest is None:  # @every: step along from the earliest
            latest = first + timedelta(seconds=gap * (missed - 1))
        if missed > _MANY_MISSED and with_deadline:
            self._event(
                "Warning",
                "TooManyMissedTimes",
                "too many missed start times. "
                "Set or decrease .spec.startingDeadlineSeconds or check clock skew",
            )
        return latest

    def _until_next(self, schedule: Schedule) -> float | None:
        after = self._most_recent(schedule, with_deadline=False) or self.now
        following = schedule.next_after(after)
        if following is None:
            return None
        return max(0.0, (following - self.now).total_seconds()) + _NEXT_DELTA

    def _start(self, scheduled: datetime) -> None:
        deadline = self.spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + timedelta(seconds=int(deadline)) < self.now:
            self._event(
                "Warning", "MissSchedule", f"Missed scheduled time to start a job: {_rfc1123z(scheduled)}"
            )
            return
        name = f"{self.cronjob['metadata']['name']}-{int(scheduled.timestamp()) // 60}"
        last = self.status.get("lastScheduleTime")
        if any(ref.get("name") == name for ref in self._active()) or (last and parse_time(last) == scheduled):
            return
        policy = self.spec.get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and self._active():
            self._event(
                "Normal",
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid",
            )
            return
        if policy == "Replace":
            for ref in self._active():
                self._delete_job(
                    str(ref.get("namespace", "")), str(ref.get("name", "")), str(ref.get("uid", ""))
                )
        try:
            job = self.cluster.create("Job", self._job(name, scheduled), manager=MANAGER)
        except SandboxApiError as exc:
            if exc.reason != "AlreadyExists":
                if exc.code not in (404, 409) and "being terminated" not in exc.message:
                    self._event("Warning", "FailedCreate", f"Error creating job: {exc.message}")
                raise
            job = self.cluster.get("Job", self.cronjob["metadata"]["namespace"], name) or {}
            refs = (job.get("metadata") or {}).get("ownerReferences") or ()
            ours = any(r.get("controller") and r.get("uid") == self.cronjob["metadata"]["uid"] for r in refs)
            if not ours or any(ref.get("uid") == job["metadata"]["uid"] for ref in self._active()):
                return
        else:
            self._event("Normal", "SuccessfulCreate", f"Created job {name}")
        meta = job["metadata"]
        reference = {
            "kind": "Job",
            "namespace": meta["namespace"],
            "name": meta["name"],
            "uid": meta["uid"],
            "apiVersion": "batch/v1",
            "resourceVersion": meta.get("resourceVersion", ""),
        }
        self.status["active"] = [*self._active(), reference]
        self.status["lastScheduleTime"] = rfc3339(scheduled)

    def _job(self, name: str, scheduled: datetime) -> dict[str, Any]:
        """``getJobFromTemplate2``: the Job of one scheduled time."""
        template = self.spec.get("jobTemplate") or {}
        tmeta = template.get("metadata") or {}
        zone = parse_schedule("* * * * *", self.spec.get("timeZone")).zone
        annotations = {**(tmeta.get("annotations") or {}), SCHEDULED_AT: _rfc3339_in(scheduled, zone)}
        meta: dict[str, Any] = {"name": name, "namespace": self.cronjob["metadata"]["namespace"]}
        if tmeta.get("labels"):
            meta["labels"] = dict(tmeta["labels"])
        meta["annotations"] = annotations
        meta["ownerReferences"] = [controller_ref(self.cronjob)]
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {}),
        }

    def _delete_job(self, namespace: str, name: str, uid: str) -> None:
        self.cluster.delete("Job", namespace, name)
        self._drop_active(uid)
        self._event("Normal", "SuccessfulDelete", f"Deleted job {name}")

    def _cleanup(self) -> None:
        """``cleanupFinishedJobs``: keep the newest finished Jobs up to the history limits."""
        for kind, field in (("Complete", "successfulJobsHistoryLimit"), ("Failed", "failedJobsHistoryLimit")):
            limit = self.spec.get(field)
            if limit is None:
                continue
            done = [j for j in self.jobs if (finished_condition(j) or {}).get("type") == kind]
            surplus = len(done) - int(limit)
            if surplus <= 0:
                continue
            done.sort(key=_start_order)
            for job in done[:surplus]:
                meta = job["metadata"]
                self._delete_job(meta["namespace"], meta["name"], meta["uid"])
                self.jobs = [j for j in self.jobs if j is not job]


def _start_order(job: dict[str, Any]) -> tuple[bool, str, str]:
    # byJobStartTime: Jobs without a start time last, then by start time, then by name.
    start = (job.get("status") or {}).get("startTime")
    return (start is None, str(start or ""), job["metadata"]["name"])


def _rfc1123z(t: datetime) -> str:
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _rfc3339_in(t: datetime, zone: Any) -> str:
    local = t.astimezone(zone)
    text = local.strftime("%Y-%m-%dT%H:%M:%S%z")
    if text.endswith("+0000"):
        return text[:-5] + "Z"
    return f"{text[:-2]}:{text[-2:]}"

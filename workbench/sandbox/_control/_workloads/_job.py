"""The Job controller: run pods to completion, count them, and finish the Job as 1.32 does.

As ``pkg/controller/job``: up to ``parallelism`` pods run at once (never more than the completions
left); each carries the ``batch.kubernetes.io/job-tracking`` finalizer until its end is counted in
``status.succeeded``/``failed`` (through ``uncountedTerminatedPods``), so no finished pod goes
uncounted. A failed pod is replaced after a back-off (10 s doubling, at most 10 min). The Job fails
when more pods failed than ``backoffLimit`` (with ``restartPolicy: OnFailure`` the container
restarts count instead) or it ran past ``activeDeadlineSeconds``: first ``FailureTarget``, its
active pods deleted, then ``Failed`` with the event of the same reason. It succeeds when
``completions`` pods succeeded: ``SuccessCriteriaMet``, then ``Complete`` and ``Completed`` ``Job
completed``. ``suspend`` deletes the active pods; ``ttlSecondsAfterFinished`` deletes the Job.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._clock import parse_time, rfc3339
from workbench.sandbox._control._cluster import Cluster, Source, clone, key_of
from workbench.sandbox._control._workloads._job_status import (
    FINALIZER,
    JobState,
    ensure_condition,
    finish_time,
    finished_condition,
    pod_finished_at,
)
from workbench.sandbox._control._workloads._pods import (
    MANAGER,
    condition,
    controlled,
    deletion_order,
    is_active,
    owner_keys,
    pod_from_template,
    restarts,
)
from workbench.sandbox._store import Change, Key

SOURCE = Source("job-controller")
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
_BACKOFF = (10.0, 600.0)  # DefaultJobPodFailureBackOff, MaxJobPodFailureBackOff
_BURST = 500


class JobController:
    """Reconciles Jobs with their pods."""

    name = "job"

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._job_bucket = cluster.bucket("Job")
        self._pod_bucket = cluster.bucket("Pod")
        # Pods loaded without the tracking finalizer that finished since: counted once, by uid.
        self._untracked: set[str] = set()
        # Job uid -> (failures since the last success, when the last one happened).
        self._failures: dict[str, tuple[int, float]] = {}

    def keys_for(self, change: Change) -> Iterable[Key]:
        if change.bucket == self._job_bucket:
            if change.type != "DELETED":
                yield change.key
            return
        if change.bucket != self._pod_bucket:
            return
        keys = list(owner_keys(self.cluster, change, self._job_bucket))
        yield from keys
        tracked = FINALIZER.encode() in change.entry.raw
        if keys and not tracked and change.prev is not None:
            was = change.prev.fields.get("status.phase")
            now = change.entry.fields.get("status.phase")
            if now in ("Succeeded", "Failed") and was not in ("Succeeded", "Failed"):
                self._untracked.add(change.entry.uid)
        if tracked and not keys and change.entry.owners:
            # Its Job is gone: the Job's key still frees the pod of the finalizer.
            pod = change.entry.decode()
            for ref in pod["metadata"].get("ownerReferences") or ():
                if ref.get("kind") == "Job" and ref.get("controller"):
                    yield (pod["metadata"].get("namespace", ""), str(ref.get("name", "")))

    def initial_keys(self) -> Iterable[Key]:
        for entry in self.cluster.entries("Job"):
            job = entry.decode()
            status, spec = job.get("status") or {}, job.get("spec") or {}
            finished = finished_condition(job) is not None
            # Unstarted Jobs, and the ones a deadline or a time to live is running for.
            timed = (
                spec.get("ttlSecondsAfterFinished") is not None
                if finished
                else "activeDeadlineSeconds" in spec
            )
            if (not finished and not status.get("startTime")) or timed:
                yield key_of(job)

    def sync(self, key: Key) -> float | None:
        job = self.cluster.get("Job", *key)
        pods = controlled(self.cluster, job, "Pod") if job is not None else []
        if job is None:
            self._release_orphans(key)
            return None
        state = JobState(job, pods, self.cluster.clock.now(), self._untracked)
        waits: list[float] = []
        if state.final is None:
            wait = self._decide(state)
            if wait is not None:
                waits.append(wait)
        self._track(state)
        wait = self._after_finish(state)
        if wait is not None:
            waits.append(wait)
        return min(waits) if waits else None

    # -- deciding ----------------------------------------------------------------------------------
    def _decide(self, state: JobState) -> float | None:
        """Find whether the Job succeeds or fails now; if not, suspend or run its pods."""
        spec = state.spec
        self._note_failures(state)
        if state.interim is None and not state.suspended:
            limit = int(spec.get("backoffLimit", 6))
            deadline = spec.get("activeDeadlineSeconds")
            if state.failed > limit or _past_backoff_on_failure(state, limit):
                state.fail("BackoffLimitExceeded", "Job has reached the specified backoff limit")
            elif deadline is not None and state.started_for() >= int(deadline):
                state.fail("DeadlineExceeded", "Job was active longer than specified deadline")
            elif state.completions_reached():
                state.succeed()
        if state.interim is not None:
            self._delete(state, [p for p in state.pods if is_active(p)])
            return None
        if state.suspended:
            self._suspend(state)
            return None
        self._resume(state)
        wait = self._manage(state)
        deadline = spec.get("activeDeadlineSeconds")
        if deadline is not None:
            left = max(0.001, int(deadline) - state.started_for())
            wait = left if wait is None else min(wait, left)
        return wait

    def _note_failures(self, state: JobState) -> None:
        uid = state.job["metadata"]["uid"]
        count, last = self._failures.get(uid, (0, 0.0))
        if state.new_succeeded:
            count = 0
        for pod in state.new_failed:
            count += 1
            finished = pod_finished_at(pod)
            at = (parse_time(finished) - state.now).total_seconds() if finished else 0.0
            last = max(last, self.cluster.clock.elapsed() + at)
        self._failures[uid] = (count, last)

    def _manage(self, state: JobState) -> float | None:
        """``manageJob``: as many active pods as wanted; a replacement waits out the back-off."""
        spec = state.spec
        parallelism = int(spec.get("parallelism", 1))
        completions = spec.get("completions")
        active = [p for p in state.pods if is_active(p)]
        if completions is None:
            want = len(active) if state.succeeded > 0 else parallelism
        else:
            want = max(0, min(int(completions) - state.succeeded, parallelism))
        surplus = len(active) - want
        if surplus > 0:
            self._delete(state, deletion_order(active)[:surplus])
            return None
        missing = min(want - len(active), _BURST)
        if missing <= 0:
            return None
        count, last = self._failures.get(state.job["metadata"]["uid"], (0, 0.0))
        if count > 0:
            first, cap = _BACKOFF
            delay = first * (1 << min(count - 1, 16))
            left = last + min(cap, delay) - self.cluster.clock.elapsed()
            if left > 0:
                return left
        for _ in range(missing):
            self._create(state)
        return None

    def _create(self, state: JobState) -> None:
        job = state.job
        pod = pod_from_template(job, state.spec.get("template"))
        pod["metadata"]["finalizers"] = [*pod["metadata"].get("finalizers", []), FINALIZER]
        try:
            created = self.cluster.create("Pod", pod, manager=MANAGER)
        except SandboxApiError as exc:
            if exc.code in (404, 409):
                raise
            self.cluster.event(job, "Warning", "FailedCreate", f"Error creating: {exc.message}", SOURCE)
            return
        state.pods.append(created)
        self.cluster.event(
            job, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}", SOURCE
        )

    def _delete(self, state: JobState, pods: list[dict[str, Any]]) -> None:
        for pod in pods:
            name = pod["metadata"]["name"]
            self.cluster.delete("Pod", pod["metadata"]["namespace"], name)
            self.cluster.event(state.job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}", SOURCE)
        if pods:
            state.reload(controlled(self.cluster, state.job, "Pod"))

    def _suspend(self, state: JobState) -> None:
        self._delete(state, [p for p in state.pods if is_active(p)])
        if ensure_condition(
            state.status, "Suspended", "True", "JobSuspended", "Job suspended", now=state.now
        ):
            self.cluster.event(state.job, "Normal", "Suspended", "Job suspended", SOURCE)

    def _resume(self, state: JobState) -> None:
        cond = condition(state.job, "Suspended")
        if cond is None or cond.get("status") != "True":
            return
        ensure_condition(state.status, "Suspended", "False", "JobResumed", "Job resumed", now=state.now)
        state.status["startTime"] = rfc3339(state.now)
        self.cluster.event(state.job, "Normal", "Resumed", "Job resumed", SOURCE)

    # -- counting and finishing --------------------------------------------------------------------
    def _track(self, state: JobState) -> None:
        """``trackJobStatusAndRemoveFinalizers``: record the finished pods as uncounted, free them of
        the finalizer, count them, and write the final condition once nothing is left running."""
        settled = state.final is not None  # finished before this sync: its status stays as it is
        recorded = state.record_uncounted()
        if recorded:
            self._write(state)
        releasable = state.releasable()
        for shared in releasable:
            pod = clone(shared)
            pod["metadata"]["finalizers"] = [
                f for f in pod["metadata"].get("finalizers") or () if f != FINALIZER
            ]
            if not pod["metadata"]["finalizers"]:
                del pod["metadata"]["finalizers"]
            self.cluster.update("Pod", pod, manager=MANAGER)
        state.reload(controlled(self.cluster, state.job, "Pod"))
        state.count_uncounted()
        self._untracked.difference_update(state.counted_uids)
        finished = state.enact_finish()
        if not settled or recorded or releasable or state.counted_uids:
            self._write(state)
        if finished is not None:
            if finished["type"] == "Complete":
                self.cluster.event(state.job, "Normal", "Completed", "Job completed", SOURCE)
            else:
                self.cluster.event(
                    state.job, "Warning", str(finished["reason"]), str(finished["message"]), SOURCE
                )

    def _write(self, state: JobState) -> None:
        status = state.render()
        if status != (state.job.get("status") or {}):
            state.job["status"] = status
            stored = self.cluster.update_status("Job", state.job, manager=MANAGER)
            state.job["metadata"] = stored["metadata"]

    def _after_finish(self, state: JobState) -> float | None:
        """``ttlSecondsAfterFinished``: delete the finished Job once it has expired."""
        ttl = state.spec.get("ttlSecondsAfterFinished")
        finished = finish_time(state.job)
        if ttl is None or finished is None:
            return None
        left = (parse_time(finished) - state.now).total_seconds() + int(ttl)
        if left > 0:
            return left
        meta = state.job["metadata"]
        self.cluster.delete("Job", meta["namespace"], meta["name"], policy="Foreground")
        return None

    def _release_orphans(self, key: Key) -> None:
        """Free the pods of a deleted Job of the tracking finalizer, so they can go."""
        namespace, name = key
        store = self.cluster.api.store

        def orphaned(entry: Any) -> bool:
            if FINALIZER.encode() not in entry.raw or entry.labels.get(JOB_NAME_LABEL) != name:
                return False
            return not any(store.find_uid(uid) for uid in entry.owners)

        for pod in self.cluster.objects("Pod", namespace, where=orphaned):
            pod["metadata"]["finalizers"] = [
                f for f in pod["metadata"].get("finalizers") or () if f != FINALIZER
            ]
            if not pod["metadata"]["finalizers"]:
                del pod["metadata"]["finalizers"]
            self.cluster.update("Pod", pod, manager=MANAGER)


def _past_backoff_on_failure(state: JobState, limit: int) -> bool:
    """``pastBackoffLimitOnFailure``: with ``restartPolicy: OnFailure`` the kubelet restarts failed
    containers in place, and their restarts count against ``backoffLimit``."""
    template = (state.spec.get("template") or {}).get("spec") or {}
    if template.get("restartPolicy") != "OnFailure":
        return False
    total = sum(
        restarts(p)
        for p in state.pods
        if ((p.get("status") or {}).get("phase") or "Pending") in ("Running", "Pending")
    )
    return total > 0 if limit == 0 else total >= limit

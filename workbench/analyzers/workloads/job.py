"""Jobs that failed (backoff limit, deadline) with their pods' exit codes, and Jobs stuck without a
ready pod. Failed runs of a CronJob are judged by the CronJob analyzer, once per CronJob."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import cluster_now, event_evidence, present, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import Containers, CronJobs, Jobs, Pods
from workbench.model import Evidence, Finding, Severity

FAILED = "job.failed"
STUCK = "job.stuck"

_DOCS = DOCS + "concepts/workloads/controllers/job/"
STUCK_AFTER = timedelta(minutes=15)
"""A running Job none of whose pods has been ready for this long since it started is stuck."""

_EXIT_MEANING = {
    1: "the program reported an error",
    2: "the program was misused (bad arguments)",
    126: "the command is not executable",
    127: "the command was not found in the image",
    137: "killed (SIGKILL): out of memory, or stopped by a deadline",
    139: "segmentation fault",
    143: "terminated (SIGTERM)",
}
_PULL = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName"}


@dataclass
class PodFailures:
    """How a Job's pods failed: evidence lines and the planners that could fix it."""

    evidence: list[Evidence] = field(default_factory=list)
    planners: set[str] = field(default_factory=set)
    reasons: set[str] = field(default_factory=set)


class JobAnalyzer:
    """Jobs whose Failed condition is True, and running Jobs with no ready pod for `STUCK_AFTER`.

    Completed Jobs (and their pods, even those that failed before a retry succeeded) are not
    failures. Failed Jobs owned by a CronJob that exists are left to the CronJob analyzer, so a
    CronJob whose runs fail yields one finding, not one per run; a stuck run is still reported
    (the CronJob's ``cronjob.missed`` names it when it blocks later runs).
    """

    name: ClassVar[str] = "job"
    codes: ClassVar[tuple[str, ...]] = (FAILED, STUCK)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """Findings about the Jobs in ``frames``."""
        jobs = frames.jobs
        if jobs.empty:
            return
        failed = jobs[Jobs.STATUS] == "Failed"
        running = (jobs[Jobs.STATUS] == "Running") & ~jobs[Jobs.SUSPEND].astype(bool)
        cronjobs = frames.cronjobs
        crons = set(zip(cronjobs[CronJobs.NAMESPACE].astype(str), cronjobs[CronJobs.NAME], strict=True))
        rows = [
            r
            for r in s.rows(jobs[(failed | running).fillna(False).astype(bool)])
            # A live CronJob's failed runs are judged once, on the CronJob (its latest runs).
            if not (
                text(r[Jobs.STATUS]) == "Failed"
                and text(r[Jobs.OWNER_KIND]) == "CronJob"
                and (text(r[Jobs.NAMESPACE]), text(r[Jobs.OWNER_NAME])) in crons
            )
        ]
        if not rows:
            return
        now = cluster_now(frames)
        keys = {s.key_of(r) for r in rows}
        failures = pod_failures(frames, keys)
        events = s.events_of(frames, "Job", keys)
        pods = s.children(frames.pods, "Job", keys, s.POD_COLUMNS)
        for row in rows:
            key = s.key_of(row)
            if text(row[Jobs.STATUS]) == "Failed":
                yield _failed(row, failures.get(key, PodFailures()), events.get(key, []))
            elif (found := _stuck(row, pods.get(key, []), now)) is not None:
                yield found


def pod_failures(frames: Frames, jobs: Collection[s.Key]) -> dict[s.Key, PodFailures]:
    """How the pods of ``jobs`` failed, per Job: exit codes and reasons by container, most pods first."""
    pods = s.children(frames.pods, "Job", jobs, (Pods.NAMESPACE, Pods.NAME, Pods.OWNER_NAME))
    if not pods:
        return {}
    job_of = {s.key_of(pod): key for key, owned in pods.items() for pod in owned}
    containers = frames.containers
    names = {name for _, name in job_of}
    rows = s.rows(containers[containers[Containers.NAME].isin(names)])
    # (job) -> (container, what) -> pods, latest finish
    tally: dict[s.Key, dict[tuple[str, tuple[str, str]], list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    out: dict[s.Key, PodFailures] = defaultdict(PodFailures)
    for row in rows:
        job = job_of.get((text(row[Containers.NAMESPACE]), str(row[Containers.NAME])))
        if job is None:
            continue
        what = _what_failed(row, out[job])
        if what is not None:
            tally[job][(str(row[Containers.CONTAINER]), what)].append(row)
    for job, by_container in tally.items():
        ranked = sorted(by_container.items(), key=lambda item: (-len(item[1]), item[0]))
        for (container, what), hits in ranked[: s.MAX_LISTED]:
            latest = max(
                hits, key=lambda r: (present(r[Containers.FINISHED_AT]), str(r[Containers.FINISHED_AT]))
            )
            failure, meaning = what
            value = f"{failure} in {s.plural(len(hits), 'pod')}" + (f": {meaning}" if meaning else "")
            out[job].evidence.append(
                Evidence("field", f"container {container}", value, ref_of(latest, "Pod"))
            )
    return dict(out)


def _what_failed(row: Mapping[str, Any], failures: PodFailures) -> tuple[str, str] | None:
    """How one container failed and what that means (``exited 1 (Error)``, ``the program reported an
    error``), or None when it did not."""
    reason = text(row[Containers.REASON])
    if reason in _PULL or reason == "CreateContainerConfigError":
        failures.reasons.add(reason)
        return reason, text(row[Containers.MESSAGE])
    for state_col, code_col, reason_col in (
        (Containers.STATE, Containers.EXIT_CODE, Containers.REASON),
        (None, Containers.LAST_EXIT_CODE, Containers.LAST_REASON),
    ):
        if state_col is not None and text(row[state_col]) != "terminated":
            continue
        code = row[code_col]
        if not present(code) or int(code) == 0:
            continue
        why = text(row[reason_col])
        failures.reasons.add(why)
        if why == "OOMKilled":
            failures.planners.add("raise-memory-limit")
        meaning = "out of memory" if why == "OOMKilled" else _EXIT_MEANING.get(int(code), "")
        return f"exited {int(code)}" + (f" ({why})" if why else ""), meaning
    return None


def _failed(row: Mapping[str, Any], failures: PodFailures, events: list[dict[str, Any]]) -> Finding:
    ref = ref_of(row)
    reason = text(row[Jobs.REASON]) or "Failed"
    failed = s.num(row[Jobs.FAILED])
    limit = row[Jobs.BACKOFF_LIMIT]
    evidence = [
        Evidence("condition", "Failed", f"{reason}: {text(row[Jobs.MESSAGE])}".rstrip(": ")),
        Evidence(
            "field",
            "status.failed",
            f"{s.plural(failed, 'failed pod')}, {s.num(row[Jobs.SUCCEEDED])} succeeded"
            + (f"; backoffLimit {int(limit)}" if present(limit) else ""),
        ),
        *failures.evidence,
        *(event_evidence(e) for e in s.warnings(events)[-s.MAX_LISTED :]),
    ]
    if reason == "DeadlineExceeded":
        deadline = row[Jobs.ACTIVE_DEADLINE_SECONDS]
        evidence.insert(1, Evidence("spec", "spec.activeDeadlineSeconds", text(deadline)))
        cause = (
            "The Job ran longer than its activeDeadlineSeconds, so its running pods were killed. Either the "
            "work takes longer than allowed (raise the deadline) or its pods hang (read their logs)."
        )
    elif reason == "BackoffLimitExceeded":
        cause = (
            f"Every attempt failed, and after {s.plural(failed, 'failed pod')} the Job gave up. The exit "
            "codes above and the failed pods' logs (kept after they fail: kubectl logs job/"
            f"{ref.name}) say why."
        )
    else:
        cause = "Read the condition's message and the failed pods' logs."
    return Finding(
        FAILED,
        Severity.ERROR,
        ref,
        f"{ref} failed: {reason} ({s.plural(failed, 'failed pod')})",
        evidence=tuple(evidence),
        explanation=(
            f"{cause} A failed Job starts no more pods, and its pod template cannot be changed: fix the "
            "manifest, delete the Job and create it again."
        ),
        docs_url=_DOCS
        + ("#job-termination-and-cleanup" if reason == "DeadlineExceeded" else "#pod-backoff-failure-policy"),
        planners=tuple(sorted(failures.planners)),
    )


def _stuck(row: Mapping[str, Any], pods: list[s.Row], now: pd.Timestamp) -> Finding | None:
    if s.num(row[Jobs.ACTIVE]) == 0:
        return None
    elapsed = s.seconds_between(row[Jobs.START_TIME], now)
    if elapsed is None or elapsed < STUCK_AFTER.total_seconds():
        return None
    live = s.live_pods(pods)
    ready = s.num(row[Jobs.READY_PODS], -1)
    if ready < 0:  # status.ready is missing on older clusters: count from the pods
        ready = sum(1 for p in live if p[Pods.READY])
    if ready > 0:
        return None
    ref = ref_of(row)
    return Finding(
        STUCK,
        Severity.WARNING,
        ref,
        f"{ref} has run for {s.duration(elapsed)} without a ready pod",
        evidence=(
            Evidence("field", "status.startTime", f"{s.duration(elapsed)} ago"),
            Evidence("field", "status.active / status.ready", f"{s.num(row[Jobs.ACTIVE])} active, 0 ready"),
            *s.pod_evidence(live, "active pods"),
        ),
        explanation=(
            "The Job has pods, but none of them has become ready (running) since it started: they cannot "
            "be scheduled, cannot start, or keep crashing (restartPolicy OnFailure restarts them in "
            "place). The pod findings under this one say why. Without activeDeadlineSeconds the Job "
            "waits forever."
        ),
        docs_url=_DOCS + "#job-termination-and-cleanup",
    )

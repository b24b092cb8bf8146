"""The state of one Job during a sync: which pods finished, what is counted, how the Job ends.

Pods are counted through ``status.uncountedTerminatedPods`` exactly once: a finished pod that still
carries the tracking finalizer is first recorded there, then freed of the finalizer, then moved
into ``succeeded`` or ``failed``. A pod being deleted counts as failed (unless it succeeded) with
the default ``podReplacementPolicy``. A Job that reached its end carries the interim condition
(``FailureTarget`` or ``SuccessCriteriaMet``) until no pod is left uncounted or terminating, then
the final one (``Failed`` or ``Complete``, with ``completionTime``), as 1.32 writes them.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from workbench.sandbox._clock import parse_time, rfc3339
from workbench.sandbox._control._workloads._pods import (
    is_active,
    is_ready,
    is_terminal,
    is_terminating,
    phase,
)

FINALIZER = "batch.kubernetes.io/job-tracking"
_TIMES = ("lastProbeTime", "lastTransitionTime")


def finished_condition(job: dict[str, Any]) -> dict[str, Any] | None:
    """The Job's ``Complete`` or ``Failed`` condition, if it is True."""
    for cond in (job.get("status") or {}).get("conditions") or ():
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return dict(cond)
    return None


def finish_time(job: dict[str, Any]) -> str | None:
    cond = finished_condition(job)
    if cond is None:
        return None
    return (
        str((job.get("status") or {}).get("completionTime") or cond.get("lastTransitionTime") or "") or None
    )


def pod_finished_at(pod: dict[str, Any]) -> str | None:
    """When a pod ended: its containers' last ``finishedAt``, else when it was deleted."""
    stamps = []
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        finished = ((status.get("state") or {}).get("terminated") or {}).get("finishedAt")
        if finished:
            stamps.append(str(finished))
    if stamps:
        return max(stamps)
    deleted = pod["metadata"].get("deletionTimestamp")
    return str(deleted) if deleted else None


def ensure_condition(
    status: dict[str, Any], type_: str, value: str, reason: str, message: str, *, now: datetime
) -> bool:
    """``ensureJobConditionStatus``: replace a condition in place when it differs, add a new one
    unless it is False."""
    conditions: list[dict[str, Any]] = list(status.get("conditions") or ())
    new = {
        "type": type_,
        "status": value,
        "lastProbeTime": rfc3339(now),
        "lastTransitionTime": rfc3339(now),
        "reason": reason,
        "message": message,
    }
    for i, cond in enumerate(conditions):
        if cond.get("type") == type_:
            if (cond.get("status"), cond.get("reason"), cond.get("message")) == (value, reason, message):
                return False
            conditions[i] = new
            status["conditions"] = conditions
            return True
    if value == "False":
        return False
    status["conditions"] = [*conditions, new]
    return True


class JobState:
    """A Job, its pods and its working status during one sync."""

    def __init__(
        self, job: dict[str, Any], pods: list[dict[str, Any]], now: datetime, untracked: set[str]
    ) -> None:
        self.job = job
        self.spec: dict[str, Any] = job.get("spec") or {}
        self.now = now
        self.untracked = untracked
        old = job.get("status") or {}
        self.status: dict[str, Any] = copy.deepcopy(old)
        self.final = finished_condition(job)
        self.interim: dict[str, Any] | None = None
        for cond in old.get("conditions") or ():
            if cond.get("type") in ("FailureTarget", "SuccessCriteriaMet") and cond.get("status") == "True":
                self.interim = dict(cond)
        uncounted = old.get("uncountedTerminatedPods") or {}
        self.uncounted = {k: list(uncounted.get(k) or ()) for k in ("succeeded", "failed")}
        self.base = {k: int(old.get(k) or 0) for k in ("succeeded", "failed")}
        self.counted_uids: set[str] = set()
        if self.final is None and not self.suspended and not old.get("startTime"):
            self.status["startTime"] = rfc3339(now)
        self.pods: list[dict[str, Any]] = []
        self.reload(pods)

    # -- pods ----------------------------------------------------------------------------------------
    def reload(self, pods: list[dict[str, Any]]) -> None:
        self.pods = list(pods)
        recorded = set(self.uncounted["succeeded"]) | set(self.uncounted["failed"])
        self.new_succeeded: list[dict[str, Any]] = []
        self.new_failed: list[dict[str, Any]] = []
        for pod in self.pods:
            if not self._tracked(pod) or pod["metadata"]["uid"] in recorded:
                continue
            verdict = self._verdict(pod)
            if verdict == "succeeded":
                self.new_succeeded.append(pod)
            elif verdict == "failed":
                self.new_failed.append(pod)

    def _tracked(self, pod: dict[str, Any]) -> bool:
        return (
            FINALIZER in (pod["metadata"].get("finalizers") or ()) or pod["metadata"]["uid"] in self.untracked
        )

    def _failed(self, pod: dict[str, Any]) -> bool:
        """``isPodFailed``: failed, or (replacing terminating pods) deleted before it succeeded."""
        if self.spec.get("podReplacementPolicy") == "Failed":
            return phase(pod) == "Failed"
        return phase(pod) == "Failed" or (is_terminating(pod) and phase(pod) != "Succeeded")

    def _verdict(self, pod: dict[str, Any]) -> str | None:
        """How a tracked pod is counted now: "succeeded", "failed", "release" (freed uncounted), None."""
        if phase(pod) == "Succeeded":
            return "succeeded"
        failing = self.interim is not None and self.interim.get("type") == "FailureTarget"
        if self._failed(pod) or failing:
            return "failed"
        if self.interim is not None or self.job["metadata"].get("deletionTimestamp"):
            return "release"
        return None

    @property
    def suspended(self) -> bool:
        return bool(self.spec.get("suspend"))

    @property
    def succeeded(self) -> int:
        return self.base["succeeded"] + len(self.uncounted["succeeded"]) + len(self.new_succeeded)

    @property
    def failed(self) -> int:
        return self.base["failed"] + len(self.uncounted["failed"]) + len(self.new_failed)

    def started_for(self) -> float:
        start = self.status.get("startTime")
        return (self.now - parse_time(start)).total_seconds() if start else 0.0

    def completions_reached(self) -> bool:
        completions = self.spec.get("completions")
        if any(is_active(p) for p in self.pods):
            return False
        if completions is None:
            return self.succeeded > 0
        return self.succeeded >= int(completions)

    # -- the end ---------------------------------------------------------------------------------
    def fail(self, reason: str, message: str) -> None:
        ensure_condition(self.status, "FailureTarget", "True", reason, message, now=self.now)
        self.interim = {"type": "FailureTarget", "reason": reason, "message": message}
        self.reload(self.pods)

    def succeed(self) -> None:
        reason, message = "CompletionsReached", "Reached expected number of succeeded pods"
        ensure_condition(self.status, "SuccessCriteriaMet", "True", reason, message, now=self.now)
        self.interim = {"type": "SuccessCriteriaMet", "reason": reason, "message": message}
        self.reload(self.pods)

    def record_uncounted(self) -> bool:
        """Put the newly finished pods in ``uncountedTerminatedPods``; True if any."""
        added = False
        for kind, pods in (("succeeded", self.new_succeeded), ("failed", self.new_failed)):
            for pod in pods:
                self.uncounted[kind].append(pod["metadata"]["uid"])
                added = True
        self.new_succeeded, self.new_failed = [], []
        return added

    def releasable(self) -> list[dict[str, Any]]:
        """Pods to free of the finalizer: recorded as uncounted, or ending with the Job uncounted."""
        recorded = set(self.uncounted["succeeded"]) | set(self.uncounted["failed"])
        return [
            p
            for p in self.pods
            if FINALIZER in (p["metadata"].get("finalizers") or ())
            and (p["metadata"]["uid"] in recorded or self._verdict(p) == "release")
        ]

    def count_uncounted(self) -> None:
        """Move pods whose finalizer is gone (or that are gone) from uncounted into the counts."""
        still = {
            p["metadata"]["uid"] for p in self.pods if FINALIZER in (p["metadata"].get("finalizers") or ())
        }
        for kind in ("succeeded", "failed"):
            keep = []
            for uid in self.uncounted[kind]:
                if uid in still:
                    keep.append(uid)
                else:
                    self.base[kind] += 1
                    self.counted_uids.add(uid)
            self.uncounted[kind] = keep

    def terminating(self) -> int:
        return sum(1 for p in self.pods if is_terminating(p) and not is_terminal(p))

    def enact_finish(self) -> dict[str, Any] | None:
        """The final condition, once nothing is uncounted or terminating (``enactJobFinished``)."""
        if self.final is not None or self.interim is None:
            return None
        if self.uncounted["succeeded"] or self.uncounted["failed"] or self.terminating():
            return None
        type_ = "Complete" if self.interim["type"] == "SuccessCriteriaMet" else "Failed"
        ensure_condition(
            self.status, type_, "True", self.interim["reason"], self.interim["message"], now=self.now
        )
        if type_ == "Complete":
            self.status["completionTime"] = rfc3339(self.now)
        self.final = {"type": type_, "reason": self.interim["reason"], "message": self.interim["message"]}
        return self.final

    def render(self) -> dict[str, Any]:
        """The status as the controller writes it (zero counts left out; terminating, ready and
        uncountedTerminatedPods always there)."""
        old = self.status
        active = [p for p in self.pods if is_active(p)]
        status: dict[str, Any] = {}
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        for key in ("startTime", "completionTime"):
            if old.get(key):
                status[key] = old[key]
        counts = {"active": len(active), "succeeded": self.base["succeeded"], "failed": self.base["failed"]}
        status.update({k: v for k, v in counts.items() if v})
        status["terminating"] = self.terminating()
        status["uncountedTerminatedPods"] = {k: list(v) for k, v in self.uncounted.items() if v}
        status["ready"] = sum(1 for p in active if is_ready(p))
        return status

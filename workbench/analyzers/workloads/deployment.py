"""Deployments: unavailable, rollout stuck past its deadline or far too slow, paused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from workbench.analyzers._common import cluster_now, event_evidence, present, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import Deployments, Pods, ReplicaSets
from workbench.model import Evidence, Finding, ObjectRef, Severity

UNAVAILABLE = "deployment.unavailable"
ROLLOUT_STUCK = "deployment.rollout-stuck"
ROLLOUT_SLOW = "deployment.rollout-slow"
PAUSED = "deployment.paused"

_DOCS = DOCS + "concepts/workloads/controllers/deployment/"
_COMPLETE = "NewReplicaSetAvailable"
_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
_DEFAULT_DEADLINE = 600.0  # spec.progressDeadlineSeconds' API default
_SLOW_FACTOR = 3  # a rollout taking this many progress deadlines is slow although it still progresses
_SLOW_MINIMUM = 1800.0  # ...and never before half an hour: big Deployments legitimately take a while

# What a person should look at first, by the most common status of the pods that are not ready.
_HINTS = {
    "CrashLoopBackOff": "the containers keep exiting: read the previous logs of one pod",
    "ImagePullBackOff": "the image cannot be pulled: check the image name, tag and pull secret",
    "ErrImagePull": "the image cannot be pulled: check the image name, tag and pull secret",
    "CreateContainerConfigError": "a ConfigMap or Secret (or one of its keys) the pods read is missing",
    "Pending": "the pods cannot be scheduled or their volumes are not ready: read their events",
    "ContainerCreating": "the pods are stuck starting: read their events (volumes, network, image)",
    "Running": "the pods run but fail their readiness probe: read their Unhealthy events",
    "OOMKilled": "the containers are killed at their memory limit",
}


class DeploymentAnalyzer:
    """Deployments that serve fewer pods than wanted, or whose rollout does not finish.

    One finding per Deployment and failure: a rollout between revisions that passed its progress
    deadline is ``deployment.rollout-stuck`` (even while the old pods keep serving); fewer available
    pods than wanted otherwise is ``deployment.unavailable``. A rollout within its deadline, and
    pods younger than two minutes, are not failures.
    """

    name: ClassVar[str] = "deployment"
    codes: ClassVar[tuple[str, ...]] = (UNAVAILABLE, ROLLOUT_STUCK, ROLLOUT_SLOW, PAUSED)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """Findings about the Deployments in ``frames`` (see the class docstring)."""
        deps = frames.deployments
        if deps.empty:
            return
        desired = deps[Deployments.REPLICAS].fillna(1)
        suspect = (
            (deps[Deployments.AVAILABLE_REPLICAS].fillna(0) < desired)
            | (deps[Deployments.UPDATED_REPLICAS].fillna(0) < desired)
            | (deps[Deployments.CURRENT_REPLICAS].fillna(0) > desired)
            | (deps[Deployments.PROGRESSING_REASON] == _DEADLINE_EXCEEDED)
            | deps[Deployments.PAUSED].astype(bool)
            | (desired == 0)
        )
        rows = s.rows(deps[suspect.fillna(True).astype(bool)])
        if not rows:
            return
        ctx = _Context(frames, {s.key_of(r) for r in rows})
        for row in rows:
            yield from _check(row, ctx)


class _Context:
    """Indexes built once per analysis for the suspect Deployments only."""

    def __init__(self, frames: Frames, keys: set[s.Key]) -> None:
        self.frames = frames
        self.now = cluster_now(frames)
        self.replicasets = s.children(frames.replicasets, "Deployment", keys)
        rs_keys = {s.key_of(r) for owned in self.replicasets.values() for r in owned}
        self.pods = s.children(frames.pods, "ReplicaSet", rs_keys, s.POD_COLUMNS)
        self.events = s.events_of(frames, "Deployment", keys)

    def revisions(self, row: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The Deployment's newest ReplicaSet and its older ones that still have pods."""
        owned = self.replicasets.get(s.key_of(row))
        if not owned:
            return None, []
        rss = sorted(owned, key=lambda r: s.num(r[ReplicaSets.REVISION], -1))
        revision = row[Deployments.REVISION]
        new = next((r for r in rss if s.num(r[ReplicaSets.REVISION], -1) == s.num(revision, -2)), rss[-1])
        old = [r for r in rss if r is not new and s.num(r[ReplicaSets.CURRENT_REPLICAS]) > 0]
        return new, old

    def pods_of(self, *replicasets: Mapping[str, Any] | None) -> list[s.Row]:
        """The pods of ``replicasets``."""
        return [p for rs in replicasets if rs is not None for p in self.pods.get(s.key_of(rs), [])]


def _check(row: dict[str, Any], ctx: _Context) -> Iterator[Finding]:
    desired = s.num(row[Deployments.REPLICAS], 1)
    if row[Deployments.PAUSED]:
        yield _paused(row, ctx)
    if desired == 0:
        return  # deployment_scale.py judges Deployments scaled to zero
    available = s.num(row[Deployments.AVAILABLE_REPLICAS])
    updated = s.num(row[Deployments.UPDATED_REPLICAS])
    new_rs, old_rss = ctx.revisions(row)
    progressing = text(row[Deployments.PROGRESSING_STATUS])
    reason = text(row[Deployments.PROGRESSING_REASON])
    exceeded = progressing == "False" and reason == _DEADLINE_EXCEEDED
    in_progress = progressing == "True" and reason != _COMPLETE
    rolling = updated < desired or bool(old_rss)
    if exceeded and (old_rss or (rolling and available >= desired)):
        yield _stuck(row, ctx, new_rs, old_rss)
    elif available < desired:
        if not exceeded and _tolerated(row, ctx, new_rs, old_rss, in_progress and rolling):
            return
        yield _unavailable(row, ctx, new_rs, old_rss)
    elif in_progress and rolling and not row[Deployments.PAUSED] and (found := _slow(row, ctx, new_rs)):
        yield found


def _tolerated(
    row: Mapping[str, Any],
    ctx: _Context,
    new_rs: Mapping[str, Any] | None,
    old_rss: list[dict[str, Any]],
    rolling: bool,
) -> bool:
    """Fewer available pods than wanted that are part of normal operation: a rolling update taking
    down no more than it may, or pods that were only just created."""
    desired = s.num(row[Deployments.REPLICAS], 1)
    shortfall = desired - s.num(row[Deployments.AVAILABLE_REPLICAS])
    if rolling:
        if text(row[Deployments.STRATEGY]) == "Recreate":
            return True  # Recreate takes every old pod down before the new ones start
        allowed = s.resolve(row[Deployments.MAX_UNAVAILABLE], desired, round_up=False)
        if shortfall <= (1 if allowed is None else max(allowed, 0)):
            return True
    not_ready = s.unready(ctx.pods_of(new_rs, *old_rss))
    missing = desired - s.num(row[Deployments.CURRENT_REPLICAS])
    return missing <= 0 and s.all_starting(not_ready, ctx.now)


def _state_evidence(row: Mapping[str, Any]) -> list[Evidence]:
    desired = s.num(row[Deployments.REPLICAS], 1)
    out = [
        Evidence(
            "field",
            "status.availableReplicas",
            f"{s.num(row[Deployments.AVAILABLE_REPLICAS])} of {desired} wanted "
            f"(ready {s.num(row[Deployments.READY_REPLICAS])}, "
            f"updated {s.num(row[Deployments.UPDATED_REPLICAS])}, "
            f"existing {s.num(row[Deployments.CURRENT_REPLICAS])})",
        )
    ]
    for cond, status, reason, message in (
        (
            "Available",
            Deployments.AVAILABLE_STATUS,
            Deployments.AVAILABLE_REASON,
            Deployments.AVAILABLE_MESSAGE,
        ),
        (
            "Progressing",
            Deployments.PROGRESSING_STATUS,
            Deployments.PROGRESSING_REASON,
            Deployments.PROGRESSING_MESSAGE,
        ),
    ):
        if text(row[status]):
            value = f"{text(row[status])} {text(row[reason])}".strip()
            out.append(
                Evidence("condition", cond, value + (f": {text(row[message])}" if text(row[message]) else ""))
            )
    if text(row[Deployments.REPLICA_FAILURE_REASON]):
        failure = text(row[Deployments.REPLICA_FAILURE_REASON])
        out.append(
            Evidence(
                "condition", "ReplicaFailure", f"{failure}: {text(row[Deployments.REPLICA_FAILURE_MESSAGE])}"
            )
        )
    return out


def _rs_line(rs: Mapping[str, Any]) -> Evidence:
    images = (
        ", ".join(str(i) for i in rs[ReplicaSets.IMAGES]) if isinstance(rs[ReplicaSets.IMAGES], list) else ""
    )
    value = (
        f"revision {s.num(rs[ReplicaSets.REVISION])}: {s.num(rs[ReplicaSets.READY_REPLICAS])} of "
        f"{s.num(rs[ReplicaSets.REPLICAS])} ready" + (f" ({images})" if images else "")
    )
    return Evidence("field", "replicaset", value, ref_of(rs))


def _events(row: Mapping[str, Any], ctx: _Context) -> list[Evidence]:
    found = s.warnings(ctx.events.get(s.key_of(row), []))
    return [event_evidence(e) for e in found[-s.MAX_LISTED :]]


def _hint(pods: list[s.Row]) -> str:
    """What to look at first, by the most common status of ``pods``."""
    if not pods:
        return ""
    top, _ = Counter(s.status_of(p) for p in pods).most_common(1)[0]
    return _HINTS.get(top, "")


def _unavailable(
    row: Mapping[str, Any], ctx: _Context, new_rs: Mapping[str, Any] | None, old_rss: list[dict[str, Any]]
) -> Finding:
    ref = ref_of(row)
    desired = s.num(row[Deployments.REPLICAS], 1)
    available = s.num(row[Deployments.AVAILABLE_REPLICAS])
    severity = (
        Severity.CRITICAL
        if available == 0
        else Severity.ERROR
        if 2 * available < desired
        else Severity.WARNING
    )
    not_ready = s.unready(ctx.pods_of(new_rs, *old_rss))
    missing = desired - s.num(row[Deployments.CURRENT_REPLICAS])
    if missing > 0 and not not_ready:
        cause = (
            f"{missing} pods do not exist: the ReplicaSet cannot create them (read its FailedCreate events)."
        )
    else:
        hint = _hint(not_ready)
        cause = f"{len(not_ready)} pods are not ready" + (f"; {hint}." if hint else ".")
    exceeded = text(row[Deployments.PROGRESSING_REASON]) == _DEADLINE_EXCEEDED
    return Finding(
        UNAVAILABLE,
        severity,
        ref,
        f"{ref} has {available} of {s.plural(desired, 'pod')} available",
        evidence=(*_state_evidence(row), *s.pod_evidence(not_ready), *_events(row, ctx)),
        explanation=(
            f"The Deployment wants {s.plural(desired, 'pod')} but "
            + (f"only {available} are available. " if available else "none is available. ")
            + f"{cause} "
            + ("Its progress deadline has passed. " if exceeded else "")
            + "The pod findings under this one say why each pod fails; once that cause is fixed the "
            "Deployment recovers on its own."
        ),
        docs_url=_DOCS + "#deployment-status",
        planners=(),
        related=tuple(r for r in (_ref(new_rs),) if r is not None),
    )


def _stuck(
    row: Mapping[str, Any], ctx: _Context, new_rs: Mapping[str, Any] | None, old_rss: list[dict[str, Any]]
) -> Finding:
    ref = ref_of(row)
    desired = s.num(row[Deployments.REPLICAS], 1)
    available = s.num(row[Deployments.AVAILABLE_REPLICAS])
    updated = s.num(row[Deployments.UPDATED_REPLICAS])
    severity = Severity.CRITICAL if available == 0 else Severity.ERROR
    deadline = row[Deployments.PROGRESS_DEADLINE_SECONDS]
    new_pods = s.unready(ctx.pods_of(new_rs))
    revision = s.num(new_rs[ReplicaSets.REVISION]) if new_rs is not None else s.num(row[Deployments.REVISION])
    serving = (
        f"The old revision still serves {available} of {desired} pods, so users are not affected yet, "
        if available >= desired
        else f"Only {available} of {desired} pods are available, "
    )
    hint = _hint(new_pods)
    return Finding(
        ROLLOUT_STUCK,
        severity,
        ref,
        f"{ref} rollout to revision {revision} is stuck: {updated} of {desired} pods updated",
        evidence=(
            *_state_evidence(row),
            Evidence(
                "spec",
                "spec.progressDeadlineSeconds",
                s.duration(float(deadline) if present(deadline) else _DEFAULT_DEADLINE),
            ),
            *(_rs_line(rs) for rs in ([new_rs] if new_rs is not None else []) + old_rss),
            *s.pod_evidence(new_pods, "new revision's pods not ready"),
            *_events(row, ctx),
        ),
        explanation=(
            f"The rollout to revision {revision} made no progress within its progress deadline: the new "
            f"ReplicaSet's pods do not become available"
            + (f" ({hint})" if hint else "")
            + ". "
            + serving
            + "but the rollout will not finish by itself. Roll back (kubectl rollout undo) or fix the new "
            "pod template (image, configuration, resources)."
        ),
        docs_url=_DOCS + "#failed-deployment",
        planners=("rollout-undo",),
        related=tuple(r for r in (_ref(new_rs), *(_ref(o) for o in old_rss)) if r is not None),
    )


def _slow(row: Mapping[str, Any], ctx: _Context, new_rs: Mapping[str, Any] | None) -> Finding | None:
    if new_rs is None:
        return None
    pods = ctx.pods_of(new_rs)
    created = [p[Pods.CREATED] for p in pods if present(p[Pods.CREATED])]
    started = min(created) if created else new_rs[ReplicaSets.CREATED]
    elapsed = s.seconds_between(started, ctx.now)
    deadline = row[Deployments.PROGRESS_DEADLINE_SECONDS]
    limit = max(_SLOW_FACTOR * (float(deadline) if present(deadline) else _DEFAULT_DEADLINE), _SLOW_MINIMUM)
    if elapsed is None or elapsed <= limit:
        return None
    ref = ref_of(row)
    desired = s.num(row[Deployments.REPLICAS], 1)
    updated = s.num(row[Deployments.UPDATED_REPLICAS])
    per_pod = elapsed / updated if updated else 0.0
    pace = (
        f"about {s.duration(per_pod)} per pod, so about {s.duration(per_pod * (desired - updated))} to go"
        if updated
        else "no pod updated yet"
    )
    return Finding(
        ROLLOUT_SLOW,
        Severity.WARNING,
        ref,
        f"{ref} rollout is slow: {updated} of {desired} pods updated after {s.duration(elapsed)}",
        evidence=(
            *_state_evidence(row),
            Evidence("field", "rollout running for", f"{s.duration(elapsed)} ({pace})"),
            _rs_line(new_rs),
            *s.pod_evidence(s.unready(pods), "new revision's pods not ready"),
        ),
        explanation=(
            "The rollout still makes progress, so the controller has not declared it failed, but it has "
            f"been running for {s.duration(elapsed)}. New pods that take long to become ready (slow "
            "start-up, readiness probes with long delays, minReadySeconds), a small maxSurge/maxUnavailable, "
            "or pods that fail now and then keep it going. Check the new pods' readiness and events."
        ),
        docs_url=_DOCS + "#progressing-deployment",
        related=tuple(r for r in (_ref(new_rs),) if r is not None),
    )


def _paused(row: Mapping[str, Any], ctx: _Context) -> Finding:
    ref = ref_of(row)
    desired = s.num(row[Deployments.REPLICAS], 1)
    updated = s.num(row[Deployments.UPDATED_REPLICAS])
    midway = updated < desired and desired > 0
    return Finding(
        PAUSED,
        Severity.WARNING if midway else Severity.INFO,
        ref,
        f"{ref} is paused" + (f" mid-rollout ({updated} of {desired} pods updated)" if midway else ""),
        evidence=(Evidence("spec", "spec.paused", "true"), *_state_evidence(row)[:1]),
        explanation=(
            "A paused Deployment does not roll out changes to its pod template"
            + (", and this one was paused part-way: old and new versions both serve. " if midway else ". ")
            + "Resume it (kubectl rollout resume) when the pause is no longer wanted."
        ),
        docs_url=_DOCS + "#pausing-and-resuming-a-deployment",
        planners=(),
    )


def _ref(row: Mapping[str, Any] | None) -> ObjectRef | None:
    return ref_of(row) if row is not None else None

"""ReplicaSets that cannot create their pods (quota, admission webhooks, LimitRanges, PodSecurity...)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from workbench.analyzers._common import event_evidence, records, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import Events, MutatingWebhooks, ReplicaSets, ValidatingWebhooks
from workbench.model import Evidence, Finding, ObjectRef, Severity

FAILED_CREATE = "replicaset.failed-create"

_QUOTA = re.compile(r"exceeded quota: ([\w.-]+)")
_WEBHOOK = re.compile(r'(?:admission webhook|failed calling webhook) "([^"]+)"')
_SERVICE_ACCOUNT = re.compile(r'serviceaccount "([^"]+)" not found')
_POD_SECURITY = re.compile(r'violates PodSecurity "([^"]+)"')
_LIMIT_RANGE = re.compile(r"(?:maximum|minimum) \S+ usage per (?:Container|Pod)")


class ReplicaSetAnalyzer:
    """ReplicaSets whose controller fails to create pods: the ReplicaFailure condition, or
    FailedCreate events while pods are missing.

    This is the cause; the owning Deployment's ``deployment.unavailable`` is its consequence (the
    Deployment mirrors the condition, and is not reported for it a second time).
    """

    name: ClassVar[str] = "replicaset"
    codes: ClassVar[tuple[str, ...]] = (FAILED_CREATE,)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """A finding per ReplicaSet that cannot create its pods."""
        rss = frames.replicasets
        if rss.empty:
            return
        events = frames.events
        failing = events[
            (events[Events.OBJECT_KIND] == "ReplicaSet") & (events[Events.REASON] == "FailedCreate")
        ]
        names = set(failing[Events.OBJECT_NAME].dropna())
        short = (rss[ReplicaSets.CURRENT_REPLICAS].fillna(0) < rss[ReplicaSets.REPLICAS].fillna(1)).fillna(
            False
        )
        suspect = rss[ReplicaSets.REPLICA_FAILURE_REASON].notna() | (
            short & rss[ReplicaSets.NAME].isin(names)
        )
        rows = s.rows(rss[suspect.astype(bool)])
        if not rows:
            return
        by_rs = s.events_of(frames, "ReplicaSet", {s.key_of(r) for r in rows})
        for row in rows:
            found = s.warnings(by_rs.get(s.key_of(row), []), "FailedCreate")
            if text(row[ReplicaSets.REPLICA_FAILURE_REASON]) or found:
                yield _finding(frames, row, found)


def _finding(frames: Frames, row: Mapping[str, Any], events: list[Mapping[str, Any]]) -> Finding:
    ref = ref_of(row)
    wanted = s.num(row[ReplicaSets.REPLICAS], 1)
    have = s.num(row[ReplicaSets.CURRENT_REPLICAS])
    message = text(row[ReplicaSets.REPLICA_FAILURE_MESSAGE]) or (
        text(events[-1][Events.MESSAGE]) if events else ""
    )
    evidence = [Evidence("field", "status.replicas", f"{have} of {wanted} pods exist")]
    if text(row[ReplicaSets.REPLICA_FAILURE_REASON]):
        evidence.append(
            Evidence(
                "condition", "ReplicaFailure", f"{text(row[ReplicaSets.REPLICA_FAILURE_REASON])}: {message}"
            )
        )
    evidence.extend(event_evidence(e) for e in events[-s.MAX_LISTED :])
    cause, related = _cause(frames, ref.namespace, message)
    return Finding(
        FAILED_CREATE,
        Severity.ERROR,
        ref,
        f"{ref} cannot create pods ({have} of {wanted} exist)",
        evidence=tuple(evidence),
        explanation=(
            "The API server refuses the pods this ReplicaSet tries to create, so they never exist and "
            f"nothing is scheduled. {cause}"
        ),
        docs_url=DOCS + "concepts/workloads/controllers/replicaset/",
        related=tuple(related),
    )


def _cause(frames: Frames, namespace: str, message: str) -> tuple[str, list[ObjectRef]]:
    """What the refusal message names, in plain words, and the objects it implicates."""
    if m := _QUOTA.search(message):
        quota = ObjectRef("ResourceQuota", namespace, m.group(1))
        return (
            f"The namespace's ResourceQuota {m.group(1)} is used up: lower other workloads' requests, "
            "raise the quota, or make these pods request less.",
            [quota],
        )
    if m := _WEBHOOK.search(message):
        hooks = _webhooks(frames, m.group(1))
        return (
            f"The admission webhook {m.group(1)} rejects them (or cannot be reached): read its message, "
            "and check the webhook's Service and failurePolicy.",
            hooks,
        )
    if m := _SERVICE_ACCOUNT.search(message):
        return (
            f"The pods run as ServiceAccount {m.group(1)}, which does not exist in {namespace}: create it, "
            "or fix serviceAccountName in the pod template.",
            [ObjectRef("ServiceAccount", namespace, m.group(1))],
        )
    if m := _POD_SECURITY.search(message):
        return (
            f"The namespace enforces the Pod Security level {m.group(1)}, which the pod template violates: "
            "fix the securityContext the message lists, or relabel the namespace.",
            [ObjectRef("Namespace", "", namespace)],
        )
    if _LIMIT_RANGE.search(message):
        return ("A LimitRange in the namespace forbids the pods' resources: fit them to its bounds.", [])
    return ("Read the message for what the API server objects to.", [])


def _webhooks(frames: Frames, webhook: str) -> list[ObjectRef]:
    """The webhook configurations that define a webhook called ``webhook``."""
    out: list[ObjectRef] = []
    for df, col in (
        (frames.validatingwebhooks, ValidatingWebhooks.WEBHOOK),
        (frames.mutatingwebhooks, MutatingWebhooks.WEBHOOK),
    ):
        out.extend(ref_of(r) for r in records(df[df[col] == webhook]))
    return out

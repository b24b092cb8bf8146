"""``pod.evicted`` and ``pod.failed``: pods that ended in phase Failed (not a Job's: the Job reports them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import present, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Containers, Pods
from workbench.model import Evidence, Finding

EVICTION_DOCS = DOCS + "concepts/scheduling-eviction/node-pressure-eviction/"


class FailedPods:
    """Pods in phase Failed: evicted by the kubelet under node pressure (``pod.evicted``), or
    failed for another reason (``pod.failed``: an error for a bare pod, which nothing replaces; a
    warning for a controller's, which was replaced). Completed pods and Jobs' pods are not reported.
    """

    name: ClassVar[str] = "pod-failed"
    codes: ClassVar[tuple[str, ...]] = ("pod.evicted", "pod.failed")

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of(*self.codes):
            yield _evicted(v) if v.code == "pod.evicted" else _failed(v, t)


def _status(v: Verdict) -> list[Evidence]:
    facts = [Evidence("field", "status.phase", "Failed")]
    if present(v.pod[Pods.REASON]):
        facts.append(Evidence("field", "status.reason", text(v.pod[Pods.REASON])))
    if present(v.pod[Pods.MESSAGE]):
        facts.append(Evidence("field", "status.message", text(v.pod[Pods.MESSAGE])))
    return facts


def _evicted(v: Verdict) -> Finding:
    message = text(v.pod[Pods.MESSAGE])
    node = text(v.pod[Pods.NODE])
    return Finding(
        "pod.evicted",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: evicted from {ev.text_node(v.pod)}" + (f": {message}" if message else ""),
        evidence=tuple(_status(v)),
        explanation=(
            f"The kubelet on {node or 'its node'} evicted the pod to reclaim a resource the node ran "
            "short of (memory, disk, inodes, PIDs); a controller has started a replacement elsewhere. "
            "Evicted pods stay as records until deleted. Pods that use more than they request are "
            "evicted first: check the node's pressure conditions and the pod's requests."
        ),
        docs_url=EVICTION_DOCS,
        planners=(),
        related=ev.related_node(v.pod),
    )


def _failed(v: Verdict, t: Triage) -> Finding:
    key = v.key
    failed = [
        c
        for c in t.containers.get(key, [])
        if text(c[Containers.STATE]) == "terminated"
        and present(c[Containers.EXIT_CODE])
        and int(c[Containers.EXIT_CODE]) != 0
    ]
    owner = text(v.pod[Pods.OWNER_KIND])
    reason = text(v.pod[Pods.REASON]) or (
        f"container {failed[0][Containers.CONTAINER]} exited {failed[0][Containers.EXIT_CODE]}"
        if failed
        else ""
    )
    return Finding(
        "pod.failed",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: Failed" + (f" ({reason})" if reason else ""),
        evidence=(
            *_status(v),
            *(e for c in failed for e in ev.state_evidence(c)),
            *ev.log_lines(t, key, None),
        ),
        explanation=(
            (
                "The pod has no controller, so nothing will run it again: "
                if not owner
                else f"Its {owner} has replaced it, but the failed pod stays as a record: "
            )
            + "its containers exited with an error and its restartPolicy did not restart them "
            "(or the kubelet rejected it at admission: OutOfcpu, OutOfmemory, NodeAffinity). Read "
            "the reason, exit codes and log, then fix and recreate it (or delete the record)."
        ),
        docs_url=ev.LIFECYCLE + "#pod-phase",
        planners=(),
        related=ev.related_node(v.pod),
    )

"""``pod.stuck-terminating``: a pod deleted long ago that is still there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import text
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Pods
from workbench.model import Evidence, Finding


class StuckTerminating:
    """Pods still present 5 minutes after their deletionTimestamp (which already includes the
    grace period). Pods being deleted within that time are not failures and not reported anywhere.

    Analyzers have no clock: the age is measured to the bundle's `as_of` time.
    """

    name: ClassVar[str] = "pod-terminating"
    codes: ClassVar[tuple[str, ...]] = ("pod.stuck-terminating",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        node_ready = set(t.not_ready_nodes)
        for v in t.of("pod.stuck-terminating"):
            yield _finding(v, t, text(v.pod[Pods.NODE]) in node_ready)


def _finding(v: Verdict, t: Triage, node_down: bool) -> Finding:
    deleted = v.pod[Pods.DELETED]
    node = text(v.pod[Pods.NODE])
    if node_down:
        cause = (
            f"Its node {node} is not ready, so no kubelet can confirm that the containers stopped; the "
            "API server keeps the pod until the node returns or someone force-deletes it "
            "(kubectl delete pod --force --grace-period=0, only once the node is really gone)."
        )
    else:
        cause = (
            "The kubelet has not confirmed that its containers stopped, or a finalizer holds the pod: "
            "check metadata.finalizers, the kubelet on its node and processes that ignore SIGTERM."
        )
    return Finding(
        "pod.stuck-terminating",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: Terminating for {ev.duration(t.age(deleted))} past its deletion deadline"
        + (f" (node {node} is not ready)" if node_down else ""),
        evidence=(
            Evidence("field", "metadata.deletionTimestamp", ev.when(deleted)),
            Evidence("field", "status.phase", text(v.pod[Pods.PHASE]) or "?"),
            *([Evidence("condition", "Ready", "False", ev.node_ref(v.pod))] if node_down else []),
        ),
        explanation=(
            "The pod was deleted and its grace period is over, but it is still there, so a "
            "StatefulSet cannot replace it and its name, volumes and IP stay taken. " + cause
        ),
        docs_url=ev.LIFECYCLE + "#pod-termination",
        planners=(),
        related=ev.related_node(v.pod),
    )

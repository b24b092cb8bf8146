"""``pod.not-ready``: a pod not ready (or not started) for minutes, when no more specific code applies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import event_evidence, text
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.analyzers.pods.readiness import not_ready_facts
from workbench.frames import Frames
from workbench.frames.schema import Pods
from workbench.model import Evidence, Finding


class NotReady:
    """The generic case: a running pod not ready for 5 minutes without failing readiness probes,
    or a pod still Pending (ContainerCreating, Init) 5 minutes after it was scheduled.

    Pods on a node that is not ready are left to the node's finding; every more specific pod
    code (crash loop, probe, image, config, mount...) takes precedence over this one.
    """

    name: ClassVar[str] = "pod-not-ready"
    codes: ClassVar[tuple[str, ...]] = ("pod.not-ready",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.not-ready"):
            yield _finding(v, t)


def _finding(v: Verdict, t: Triage) -> Finding:
    pod = v.pod
    warnings = t.pod_events(v.key, warnings_only=True)
    stories = [e for c in t.containers.get(v.key, []) for e in ev.state_evidence(c)]
    if v.note == "pending":
        since = pod[Pods.START_TIME] if text(pod[Pods.START_TIME]) else pod[Pods.CREATED]
        summary = f"{ev.pod_ref(pod)}: {text(pod[Pods.STATUS]) or 'Pending'} for {ev.duration(t.age(since))}"
        facts = [Evidence("field", "status.phase", "Pending"), *stories]
        explanation = (
            "The pod was scheduled but its containers have not started: the kubelet is still pulling "
            "images, mounting volumes or running init containers, or it is stuck on one of them. "
            "kubectl describe pod shows the step it is on; the node's kubelet log says why."
        )
    else:
        since = pod[Pods.READY_CHANGED]
        summary = f"{ev.pod_ref(pod)}: running but not ready for {ev.duration(t.age(since))}"
        facts = [*not_ready_facts(v, t), *stories]
        explanation = (
            "The pod runs but is not ready, so Services send it no traffic, and no failing probe "
            "explains it: a container without a readiness probe that has not started, a readiness "
            "gate nobody sets, or probe results the kubelet has not reported. Check its containers' "
            "states and the pod's conditions (kubectl describe pod)."
        )
    return Finding(
        "pod.not-ready",
        v.severity,
        ev.pod_ref(pod),
        summary,
        evidence=(
            *facts,
            *[event_evidence(e) for e in warnings[-2:]],
            *ev.log_lines(t, v.key, ev.container_name(v) or None),
        ),
        explanation=explanation,
        docs_url=ev.LIFECYCLE + "#pod-conditions",
        planners=(),
        related=ev.related(t, v),
    )

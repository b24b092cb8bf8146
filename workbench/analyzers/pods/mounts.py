"""``pod.mount-failed``: a volume the kubelet cannot attach or mount keeps the pod in ContainerCreating."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import event_evidence
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Pods
from workbench.model import Evidence, Finding, ObjectRef

DOCS_URL = DOCS + "concepts/storage/persistent-volumes/"


class MountFailed:
    """Pods stuck in ContainerCreating for minutes with FailedMount / FailedAttachVolume events.

    A mount that names a missing ConfigMap or Secret is ``pod.config-error`` instead; the pod's
    claims are ``related`` so the finding links to the claim's or the node's own.
    """

    name: ClassVar[str] = "pod-mounts"
    codes: ClassVar[tuple[str, ...]] = ("pod.mount-failed",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.mount-failed"):
            events = t.pod_events(v.key, "FailedMount", "FailedAttachVolume", warnings_only=True)
            yield _finding(v, [event_evidence(e) for e in events[-2:]])


def _finding(v: Verdict, evidence: list[Evidence]) -> Finding:
    claims = v.pod[Pods.VOLUME_CLAIMS]
    related = [
        ObjectRef("PersistentVolumeClaim", v.key[0], str(c))
        for c in (claims if isinstance(claims, list) else [])
    ]
    return Finding(
        "pod.mount-failed",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: a volume cannot be attached or mounted on {ev.text_node(v.pod)}",
        evidence=tuple(evidence),
        explanation=(
            "The kubelet cannot attach or mount one of the pod's volumes, so its containers never "
            "start. A Multi-Attach error means a ReadWriteOnce volume is still attached to another "
            "node (an old pod there, or a node that went away); timeouts point at the storage driver "
            "(CSI) on the node. The events name the volume and the driver's answer."
        ),
        docs_url=DOCS_URL,
        planners=(),
        related=(*ev.related_node(v.pod), *related),
    )

"""``pod.unschedulable``: a Pending pod no node can take, with the scheduler's reasons as data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pandas as pd

from workbench.analyzers._common import event_evidence, present, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._scheduler import CONTROL_PLANE_TAINTS, Rejection, parse
from workbench.analyzers.pods._triage import Triage, Verdict, scheduling_message, triage
from workbench.frames import Frames
from workbench.frames.schema import Nodes, Pods, Pvcs
from workbench.model import Evidence, Finding, ObjectRef

DOCS_URL = DOCS + "concepts/scheduling-eviction/kube-scheduler/"
_MAX_NODES = 20  # related nodes per finding: enough to link, not a dump of a 5000-node pool

_PLANNERS = {
    "resources": ("set-resources",),
    "taint": ("remove-taint",),
    "cordoned": ("uncordon",),
    "affinity": (),
    "storage": (),
    "spread": (),
    "ports": (),
}
_ADVICE = {
    "resources": "no node has enough unreserved capacity for the pod's requests: lower the requests, "
    "free capacity (fewer replicas elsewhere) or add nodes",
    "taint": "nodes carry taints the pod does not tolerate: add a toleration if it should run there, "
    "or remove the taint if it was left behind (maintenance)",
    "cordoned": "nodes are cordoned (unschedulable): uncordon them once their maintenance is over",
    "affinity": "the pod's nodeSelector or affinity matches no (free) node: check the labels it asks for",
    "storage": "a PersistentVolumeClaim it mounts is not bound: check the claim's StorageClass and "
    "provisioner (kubectl describe pvc)",
    "ports": "the hostPort it wants is taken on every node",
    "spread": "its topology spread constraints cannot be met with the nodes there are",
    "other": "read the scheduler's message",
}


class Unschedulable:
    """Pending pods the scheduler cannot place (PodScheduled False, reason Unschedulable).

    The FailedScheduling message ("0/3 nodes are available: 3 Insufficient memory...") becomes
    one evidence item per reason with its node count; ``related`` names the claims a storage
    reason points to, and the nodes behind taint or cordon reasons. A DaemonSet pod kept off a
    tainted node is not reported: the DaemonSet is not meant to run there.
    """

    name: ClassVar[str] = "pod-unschedulable"
    codes: ClassVar[tuple[str, ...]] = ("pod.unschedulable",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.unschedulable"):
            yield _finding(v, t, frames)


def _finding(v: Verdict, t: Triage, frames: Frames) -> Finding:
    pod = v.pod
    ref = ev.pod_ref(pod)
    if v.note == "unscheduled":
        return Finding(
            "pod.unschedulable",
            v.severity,
            ref,
            f"{ref}: Pending for {ev.duration(t.age(pod[Pods.CREATED]))} and no scheduler has picked it up",
            evidence=(
                Evidence("field", "status.phase", "Pending"),
                Evidence("condition", "PodScheduled", "absent"),
            ),
            explanation=(
                "No scheduler has even tried to place the pod: its spec.schedulerName names a scheduler "
                "that is not running, or the default scheduler itself is down."
            ),
            docs_url=DOCS_URL,
        )
    message = scheduling_message(pod, t)
    total, rejections = parse(message)
    facts: list[Evidence] = [
        Evidence("condition", "PodScheduled=False", text(pod[Pods.SCHEDULED_REASON]) or "?")
    ]
    facts += [
        Evidence(
            "condition", f"rejected by {r.count} node(s)" if r.count is not None else "rejected", r.reason
        )
        for r in rejections
    ]
    scheduling = t.pod_events(v.key, "FailedScheduling")
    if scheduling:
        facts.append(event_evidence(scheduling[-1]))
    # The control-plane taint keeps every workload off the control plane by design: not a cause to fix.
    causes = [r for r in rejections if r.taint_key not in CONTROL_PLANE_TAINTS] or rejections
    categories = list(dict.fromkeys(r.category for r in causes)) or ["other"]
    if "resources" in categories:
        facts.append(_requests(pod))
    related = _related(pod, rejections, frames, facts)
    why = ", ".join(str(r) for r in rejections) or message or "no reason given"
    nodes = f"0/{total} nodes available: " if total is not None else ""
    planners = tuple(dict.fromkeys(p for cat in categories for p in _PLANNERS.get(cat, ())))
    return Finding(
        "pod.unschedulable",
        v.severity,
        ref,
        f"{ref}: cannot be scheduled ({nodes}{why})",
        evidence=tuple(facts),
        explanation=(
            "The scheduler found no node that can run the pod, so it stays Pending: "
            + "; ".join(_ADVICE[c] for c in categories)
            + "."
        ),
        docs_url=DOCS_URL,
        planners=planners,
        related=related,
    )


def _requests(pod: dict[str, object]) -> Evidence:
    parts = []
    if present(pod[Pods.CPU_REQUEST]):
        parts.append(f"cpu {ev.cpu(pod[Pods.CPU_REQUEST])}")
    if present(pod[Pods.MEMORY_REQUEST]):
        parts.append(f"memory {ev.memory(pod[Pods.MEMORY_REQUEST])}")
    return Evidence("spec", "pod resource requests", ", ".join(parts) or "none")


def _related(
    pod: dict[str, object], rejections: list[Rejection], frames: Frames, facts: list[Evidence]
) -> tuple[ObjectRef, ...]:
    """Claims behind a storage reason (their phase added to ``facts``), nodes behind taints and cordons."""
    related: list[ObjectRef] = []
    namespace = str(pod[Pods.NAMESPACE])
    categories = {r.category for r in rejections}
    if "storage" in categories:
        claims = pod[Pods.VOLUME_CLAIMS]
        pvcs = frames.pvcs
        for claim in claims if isinstance(claims, list) else []:
            ref = ObjectRef("PersistentVolumeClaim", namespace, str(claim))
            related.append(ref)
            rows = pvcs[
                ((pvcs[Pvcs.NAMESPACE] == namespace) & (pvcs[Pvcs.NAME] == claim)).to_numpy(dtype=bool)
            ]
            if len(rows):
                phase = text(rows.iloc[0][Pvcs.PHASE]) or "?"
                cls = text(rows.iloc[0][Pvcs.STORAGE_CLASS]) or "(default)"
                facts.append(Evidence("field", "status.phase", f"{phase} (storageClassName {cls})", ref))
            elif Pvcs.FRAME in frames.pulled:
                facts.append(Evidence("field", "PersistentVolumeClaim", "does not exist", ref))
    nodes = frames.nodes
    keys = {r.taint_key for r in rejections if r.taint_key and r.taint_key not in CONTROL_PLANE_TAINTS}
    if keys:
        tainted = nodes[[any(_taint_key(t) in keys for t in taints) for taints in nodes[Nodes.TAINTS]]]
        related += _node_refs(tainted[Nodes.NAME])
    if "cordoned" in categories:
        related += _node_refs(nodes.loc[nodes[Nodes.UNSCHEDULABLE], Nodes.NAME])
    return tuple(related)


def _taint_key(taint: object) -> str:
    """The key of ``key=value:Effect`` / ``key:Effect``."""
    head = str(taint).rsplit(":", 1)[0]
    return head.split("=", 1)[0]


def _node_refs(names: pd.Series) -> list[ObjectRef]:
    return [ObjectRef("Node", "", str(n)) for n in sorted(names.astype(str))[:_MAX_NODES]]

"""Why the scheduler rejects a pending pod, and the nodes behind those reasons."""

from __future__ import annotations

from workbench.analyzers._common import records, text
from workbench.analyzers.pods._scheduler import CONTROL_PLANE_TAINTS, Rejection, parse
from workbench.frames import Frames
from workbench.frames.schema import Nodes, Pods
from workbench.model import Finding, ObjectRef
from workbench.remediation.planners import _frames as fx

SYSTEM_TAINT_PREFIXES = (
    "node.kubernetes.io/",
    "node.cloudprovider.kubernetes.io/",
    "node-role.kubernetes.io/",
    "ToBeDeletedByClusterAutoscaler",
    "DeletionCandidateOfClusterAutoscaler",
    "karpenter.sh/",
)
"""Taints the control plane, cloud or autoscaler set for a node's condition or role: never removed
by a plan (the condition is the cause; ``node.kubernetes.io/unschedulable`` is a cordon)."""


def rejections(frames: Frames, finding: Finding) -> list[Rejection]:
    """The scheduler's reasons for the pod, without the control plane's own taint."""
    pod = fx.row(frames, finding.ref)
    message = text(pod[Pods.UNSCHEDULABLE_MESSAGE]) if pod is not None else ""
    if not message:
        message = next((v for s, v in fx.evidence_values(finding, "event") if "nodes are available" in v), "")
    return [r for r in parse(message)[1] if r.taint_key not in CONTROL_PLANE_TAINTS]


def taint_parts(taint: str) -> tuple[str, str, str]:
    """(key, value, effect) of ``key=value:Effect`` (value ``""`` for ``key:Effect``)."""
    head, _, effect = taint.rpartition(":")
    key, _, value = head.partition("=")
    return key, value, effect


def tainted(frames: Frames, key: str) -> list[tuple[ObjectRef, str]]:
    """(node, taint text) of every taint with ``key``, by node name."""
    out = []
    for row in sorted(records(frames.nodes), key=lambda r: str(r[Nodes.NAME])):
        for taint in row[Nodes.TAINTS] if isinstance(row[Nodes.TAINTS], list) else []:
            if taint_parts(str(taint))[0] == key:
                out.append((fx.ref(frames, "Node", "", str(row[Nodes.NAME])), str(taint)))
    return out


def cordoned(frames: Frames) -> list[ObjectRef]:
    """The cordoned nodes, by name."""
    nodes = frames.nodes
    names = sorted(str(n) for n in nodes.loc[nodes[Nodes.UNSCHEDULABLE].astype(bool), Nodes.NAME])
    return [fx.ref(frames, "Node", "", n) for n in names]


def is_system(key: str) -> bool:
    """Whether a taint key is one the system sets (see `SYSTEM_TAINT_PREFIXES`)."""
    return key.startswith(SYSTEM_TAINT_PREFIXES)

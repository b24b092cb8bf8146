"""Nodes that are NotReady, under resource pressure, without a pod network, or cordoned.

One finding per node and failure. A NotReady node gets only `node.not-ready`: its other conditions
are stale (the kubelet that reports them is silent) and its cordon shows in the evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import EventIndex, cluster_now, event_evidence, present, records, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.nodes._clock import age, duration
from workbench.frames import Frames
from workbench.frames.schema import NodeMetrics, Nodes, Pods
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}concepts/architecture/nodes/#condition"
PRESSURE_URL = f"{DOCS}concepts/scheduling-eviction/node-pressure-eviction/"
CORDON_URL = f"{DOCS}concepts/architecture/nodes/#manual-node-administration"
FEW = 5
PRESSURES = (
    (Nodes.MEMORY_PRESSURE, "MemoryPressure"),
    (Nodes.DISK_PRESSURE, "DiskPressure"),
    (Nodes.PID_PRESSURE, "PIDPressure"),
)
NODE_EVENTS = (
    "NodeNotReady",
    "NodeHasInsufficientMemory",
    "NodeHasDiskPressure",
    "NodeHasInsufficientPID",
    "EvictionThresholdMet",
    "FreeDiskSpaceFailed",
    "ImageGCFailed",
    "ContainerGCFailed",
    "Rebooted",
    "SystemOOM",
)
"""Event reasons about a Node that explain its trouble."""


class NodeAnalyzer:
    """Nodes NotReady (with the pods they strand), under pressure, without network, or cordoned."""

    name: ClassVar[str] = "node"
    codes: ClassVar[tuple[str, ...]] = (
        "node.not-ready",
        "node.pressure",
        "node.network-unavailable",
        "node.unschedulable",
    )

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """Findings on every node whose conditions or cordon need attention."""
        nodes = frames.nodes
        pressure = nodes[Nodes.MEMORY_PRESSURE] | nodes[Nodes.DISK_PRESSURE] | nodes[Nodes.PID_PRESSURE]
        bad = nodes[
            (nodes[Nodes.READY_STATUS] != "True")
            | pressure
            | nodes[Nodes.NETWORK_UNAVAILABLE]
            | nodes[Nodes.UNSCHEDULABLE]
        ]
        if bad.empty:
            return []
        names = [str(n) for n in bad[Nodes.NAME]]
        pods = _pods_on(frames.pods, names)
        events = EventIndex(frames)
        at = cluster_now(frames)
        out: list[Finding] = []
        for row in records(bad):
            ref = ObjectRef("Node", "", str(row[Nodes.NAME]), text(row[Nodes.UID]))
            bound = pods.get(ref.name, [])
            on_node = [p for p in bound if text(p[Pods.PHASE]) not in {"Succeeded", "Failed"}]
            if text(row[Nodes.READY_STATUS]) != "True":
                out.append(_not_ready(ref, row, on_node, events, at))
                continue
            if any(row[col] for col, _ in PRESSURES):
                out.append(_pressure(ref, row, bound, events, frames.node_metrics))
            if row[Nodes.NETWORK_UNAVAILABLE]:
                out.append(_network(ref, row, on_node))
            if row[Nodes.UNSCHEDULABLE]:
                out.append(_cordoned(ref, row, frames.pods))
        return out


def _pods_on(pods: pd.DataFrame, nodes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The pods bound to each of ``nodes``, in frame order."""
    rows = pods[pods[Pods.NODE].isin(nodes)]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in records(rows[[Pods.NAMESPACE, Pods.NAME, Pods.NODE, Pods.PHASE, Pods.DELETED, Pods.REASON]]):
        out[str(row[Pods.NODE])].append(row)
    return out


def _pods_evidence(pods: list[dict[str, Any]]) -> Evidence:
    terminating = sum(present(p[Pods.DELETED]) for p in pods)
    names = [f"{p[Pods.NAMESPACE]}/{p[Pods.NAME]}" for p in pods]
    listed = ", ".join(names[:FEW]) + (f" and {len(names) - FEW} more" if len(names) > FEW else "")
    count = f"{len(pods)}" + (f" ({terminating} terminating)" if terminating else "")
    return Evidence("field", "pods on the node", f"{count}: {listed}" if pods else "none")


def _taints(row: dict[str, Any]) -> list[Evidence]:
    taints = row[Nodes.TAINTS] or []
    return [Evidence("spec", "spec.taints", ", ".join(taints))] if taints else []


def _events(ref: ObjectRef, events: EventIndex) -> list[Evidence]:
    return [event_evidence(e) for e in events.reasons(ref, *NODE_EVENTS)[-3:]]


def _not_ready(
    ref: ObjectRef, row: dict[str, Any], pods: list[dict[str, Any]], events: EventIndex, at: pd.Timestamp
) -> Finding:
    status = text(row[Nodes.READY_STATUS]) or "Unknown"
    reason, message = text(row[Nodes.READY_REASON]), text(row[Nodes.READY_MESSAGE])
    condition = status + (f" ({reason})" if reason else "") + (f": {message}" if message else "")
    evidence = [Evidence("condition", "Ready", condition)]
    since = age(row[Nodes.READY_CHANGED], at)
    if since is not None:
        evidence.append(
            Evidence(
                "condition", "Ready.lastTransitionTime", f"{row[Nodes.READY_CHANGED]:%Y-%m-%dT%H:%M:%SZ}"
            )
        )
    beat = age(row[Nodes.LAST_HEARTBEAT], at)
    if beat is not None:
        evidence.append(Evidence("condition", "Ready.lastHeartbeatTime", f"{duration(beat)} ago"))
    evidence.extend(_taints(row))
    if row[Nodes.UNSCHEDULABLE]:
        evidence.append(Evidence("spec", "spec.unschedulable", "true (cordoned)"))
    evidence.append(_pods_evidence(pods))
    evidence.extend(_events(ref, events))
    held = f" for {duration(since)}" if since is not None else ""
    if status == "Unknown":
        why = (
            "The kubelet stopped reporting, so the control plane cannot tell whether the node or its "
            "pods are alive: the machine is down, cut off from the API server, or its kubelet crashed. "
            "The node controller taints it unreachable; after the toleration (5 minutes by default) its "
            "pods are evicted and controllers recreate them elsewhere, but StatefulSet pods and pods "
            "with local volumes wait until the node returns or is removed. Check the machine (console, "
            "`systemctl status kubelet`, `journalctl -u kubelet`) and its network."
        )
    else:
        why = (
            "The kubelet reports the node unhealthy; the condition's message says why (container "
            "runtime down, pod network (CNI) not ready, PLEG not healthy). New pods are not scheduled "
            "here. Check `journalctl -u kubelet` and the container runtime on the node."
        )
    return Finding(
        "node.not-ready",
        Severity.CRITICAL,
        ref,
        f"Node {ref.name} is NotReady ({status}{', ' + reason if reason else ''}){held}; "
        f"{len(pods)} pod(s) on it",
        evidence=tuple(evidence),
        explanation=why,
        docs_url=DOCS_URL,
        planners=(),
    )


def _pressure(
    ref: ObjectRef,
    row: dict[str, Any],
    bound: list[dict[str, Any]],
    events: EventIndex,
    metrics: pd.DataFrame,
) -> Finding:
    kinds = [name for col, name in PRESSURES if row[col]]
    evidence = [Evidence("condition", name, "True") for name in kinds]
    evidence.extend(_taints(row))
    evicted = [p for p in bound if text(p[Pods.REASON]) == "Evicted"]
    if evicted:
        evidence.append(
            Evidence(
                "field",
                "evicted pods",
                ", ".join(f"{p[Pods.NAMESPACE]}/{p[Pods.NAME]}" for p in evicted[:FEW]),
            )
        )
    used = metrics[metrics[NodeMetrics.NAME] == ref.name]
    allocatable = row[Nodes.MEMORY_ALLOCATABLE]
    if "MemoryPressure" in kinds and len(used) and present(allocatable) and int(allocatable):
        memory = int(used[NodeMetrics.MEMORY].iloc[0])
        share = 100 * memory / int(allocatable)
        evidence.append(
            Evidence("metric", "memory working set", f"{memory} bytes ({share:.0f}% of allocatable)")
        )
    evidence.extend(_events(ref, events))
    return Finding(
        "node.pressure",
        Severity.ERROR if evicted else Severity.WARNING,
        ref,
        f"Node {ref.name} has {', '.join(kinds)}" + (f"; {len(evicted)} pod(s) evicted" if evicted else ""),
        evidence=tuple(evidence),
        explanation=(
            "The kubelet is short of memory, disk or process IDs on this node. It stops new pods from "
            "landing here (a pressure taint) and evicts pods, lowest priority and most over their "
            "requests first, until the pressure ends. Find what consumes the resource (pods without "
            "limits, logs or images filling the disk) and set requests/limits or move workloads."
        ),
        docs_url=PRESSURE_URL,
        planners=(),
    )


def _network(ref: ObjectRef, row: dict[str, Any], pods: list[dict[str, Any]]) -> Finding:
    return Finding(
        "node.network-unavailable",
        Severity.ERROR,
        ref,
        f"Node {ref.name} reports NetworkUnavailable; {len(pods)} pod(s) on it",
        evidence=(Evidence("condition", "NetworkUnavailable", "True"), *_taints(row), _pods_evidence(pods)),
        explanation=(
            "The node's pod network is not configured (the CNI plugin or the cloud's route controller "
            "has not set up its routes), so pods here cannot reach pods on other nodes. Check the CNI "
            "daemon pods on this node and the cloud routes."
        ),
        docs_url=DOCS_URL,
    )


def _cordoned(ref: ObjectRef, row: dict[str, Any], pods: pd.DataFrame) -> Finding:
    # The scheduler names cordoned nodes "node(s) were unschedulable" in its message of pods it
    # cannot place: those pods wait (partly) because of the cordon.
    pending = pods[
        (pods[Pods.PHASE] == "Pending")
        & pods[Pods.UNSCHEDULABLE_MESSAGE].str.contains("were unschedulable", regex=False).fillna(False)
    ]
    evidence = [Evidence("spec", "spec.unschedulable", "true (cordoned)"), *_taints(row)]
    if len(pending):
        names = [f"{ns}/{name}" for ns, name in zip(pending[Pods.NAMESPACE], pending[Pods.NAME], strict=True)]
        listed = ", ".join(names[:FEW]) + (f" and {len(names) - FEW} more" if len(names) > FEW else "")
        evidence.append(Evidence("field", "pending pods the scheduler could not place", listed))
    return Finding(
        "node.unschedulable",
        Severity.WARNING if len(pending) else Severity.INFO,
        ref,
        f"Node {ref.name} is cordoned"
        + (f"; {len(pending)} pod(s) pending partly because of it" if len(pending) else ""),
        evidence=tuple(evidence),
        explanation=(
            "The node is marked unschedulable (kubectl cordon or drain), so no new pod is placed on it; "
            "its running pods stay. If the maintenance is over, uncordon it."
        ),
        docs_url=CORDON_URL,
        planners=("uncordon",),
    )

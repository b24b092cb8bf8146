"""Nodes: the ``nodes`` frame from raw Node list pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames.schema import Nodes
from workbench.sources._kinds import Kind

ROLE_PREFIX = "node-role.kubernetes.io/"
ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
INSTANCE_TYPE_LABELS = ("node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type")


class Taint(msgspec.Struct, gc=False):
    key: str = ""
    value: str | None = None
    effect: str = ""


class NodeSpec(msgspec.Struct, gc=False):
    unschedulable: bool = False
    taints: list[Taint] = []


class Address(msgspec.Struct, gc=False):
    type: str = ""
    address: str = ""


class NodeInfo(msgspec.Struct, rename="camel", gc=False):
    kubelet_version: str | None = None
    container_runtime_version: str | None = None
    os_image: str | None = None
    kernel_version: str | None = None
    architecture: str | None = None


class NodeStatus(msgspec.Struct, rename="camel", gc=False):
    capacity: dict[str, d.QuantityText] = {}
    allocatable: dict[str, d.QuantityText] = {}
    conditions: list[d.Condition] = []
    addresses: list[Address] = []
    node_info: NodeInfo = msgspec.field(default_factory=NodeInfo)


class NodeMeta(d.ObjectMeta, gc=False):
    """A Node's metadata with its annotations (other kinds' frames do not decode theirs)."""

    annotations: dict[str, str] = msgspec.field(default_factory=dict)


class Node(msgspec.Struct, gc=False):
    metadata: NodeMeta = msgspec.field(default_factory=NodeMeta)
    spec: NodeSpec = msgspec.field(default_factory=NodeSpec)
    status: NodeStatus = msgspec.field(default_factory=NodeStatus)


_DECODER = d.list_decoder(Node)
_NO_CONDITION = d.Condition()


def build_nodes(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``nodes`` frame from raw Node List pages.

    Args:
        kind: the Node kind (unused beyond the registry's uniform signature).
        pages: raw JSON List documents.

    Returns:
        ``{"nodes": ...}`` matching its schema.
    """
    del kind
    acc = d.Accumulator(Nodes.FRAME, kind="Node", namespace="")
    for page in pages:
        with d.gc_paused():
            items = d.decode_items(_DECODER, page)
            acc.extend(_columns(items), len(items))
    return {Nodes.FRAME: acc.build()}


def taint_text(taint: Taint) -> str:
    """``key=value:Effect``, or ``key:Effect`` for a taint without a value (as kubectl writes them)."""
    return f"{taint.key}={taint.value}:{taint.effect}" if taint.value else f"{taint.key}:{taint.effect}"


def roles(labels: dict[str, str]) -> list[str]:
    """Sorted roles from ``node-role.kubernetes.io/<role>`` labels (and the older ``kubernetes.io/role``)."""
    found = {key[len(ROLE_PREFIX) :] for key in labels if key.startswith(ROLE_PREFIX)}
    if labels.get("kubernetes.io/role"):
        found.add(labels["kubernetes.io/role"])
    return sorted(r for r in found if r)


def _first_label(labels: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if labels.get(key):
            return labels[key]
    return None


def _is_true(conds: dict[str, d.Condition], kind: str) -> bool:
    cond = conds.get(kind)
    return cond is not None and cond.status == "True"


def _columns(nodes: list[Node]) -> dict[str, list[Any]]:
    metas = [n.metadata for n in nodes]
    statuses = [n.status for n in nodes]
    conds = [{c.type: c for c in s.conditions} for s in statuses]
    ready = [c.get("Ready", _NO_CONDITION) for c in conds]
    infos = [s.node_info for s in statuses]
    cap = [s.capacity for s in statuses]
    alloc = [s.allocatable for s in statuses]
    return {
        Nodes.NAME: [m.name for m in metas],
        Nodes.UID: [m.uid for m in metas],
        Nodes.CREATED: [m.creation_timestamp for m in metas],
        Nodes.LABELS: [m.labels for m in metas],
        Nodes.ANNOTATIONS: [m.annotations for m in metas],
        Nodes.ROLES: [roles(m.labels) for m in metas],
        Nodes.ZONE: [_first_label(m.labels, ZONE_LABELS) for m in metas],
        Nodes.INSTANCE_TYPE: [_first_label(m.labels, INSTANCE_TYPE_LABELS) for m in metas],
        Nodes.UNSCHEDULABLE: [n.spec.unschedulable for n in nodes],
        Nodes.TAINTS: [[taint_text(t) for t in n.spec.taints] for n in nodes],
        Nodes.READY: [c.status == "True" for c in ready],
        Nodes.READY_STATUS: [c.status or None for c in ready],
        Nodes.READY_REASON: [c.reason for c in ready],
        Nodes.READY_MESSAGE: [c.message for c in ready],
        Nodes.READY_CHANGED: [c.last_transition_time for c in ready],
        Nodes.LAST_HEARTBEAT: [c.last_heartbeat_time for c in ready],
        Nodes.MEMORY_PRESSURE: [_is_true(c, "MemoryPressure") for c in conds],
        Nodes.DISK_PRESSURE: [_is_true(c, "DiskPressure") for c in conds],
        Nodes.PID_PRESSURE: [_is_true(c, "PIDPressure") for c in conds],
        Nodes.NETWORK_UNAVAILABLE: [_is_true(c, "NetworkUnavailable") for c in conds],
        Nodes.CPU_CAPACITY: [d.cpu_cores(c.get("cpu")) for c in cap],
        Nodes.CPU_ALLOCATABLE: [d.cpu_cores(a.get("cpu")) for a in alloc],
        Nodes.MEMORY_CAPACITY: [d.byte_count(c.get("memory")) for c in cap],
        Nodes.MEMORY_ALLOCATABLE: [d.byte_count(a.get("memory")) for a in alloc],
        Nodes.PODS_CAPACITY: [d.count_value(c.get("pods")) for c in cap],
        Nodes.PODS_ALLOCATABLE: [d.count_value(a.get("pods")) for a in alloc],
        Nodes.EPHEMERAL_CAPACITY: [d.byte_count(c.get("ephemeral-storage")) for c in cap],
        Nodes.EPHEMERAL_ALLOCATABLE: [d.byte_count(a.get("ephemeral-storage")) for a in alloc],
        Nodes.INTERNAL_IP: [
            next((a.address for a in s.addresses if a.type == "InternalIP"), None) for s in statuses
        ],
        Nodes.KUBELET_VERSION: [i.kubelet_version for i in infos],
        Nodes.CONTAINER_RUNTIME: [i.container_runtime_version for i in infos],
        Nodes.OS_IMAGE: [i.os_image for i in infos],
        Nodes.KERNEL: [i.kernel_version for i in infos],
        Nodes.ARCH: [i.architecture for i in infos],
    }

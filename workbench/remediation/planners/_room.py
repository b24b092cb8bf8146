"""Room on the nodes for a pending pod: which nodes the scheduler weighed it on, what each could
still give, and the largest request that lets every replica of its workload be placed.

kube-scheduler runs its filters in a fixed order and reports each node under the first one that
rejects it: a cordon (NodeUnschedulable), then an untolerated taint (TaintToleration), node affinity
and selectors, host ports, and only then resources (NodeResourcesFit). So the nodes its message
counts as ``Insufficient cpu/memory`` are the nodes that are not cordoned and carry none of the
taints it names. The frames hold no pod tolerations or node selectors: a message with a reason this
module cannot tie to nodes from the frames (affinity, selectors, ports, volumes, spread) gives no
candidates, and neither does one whose counts disagree with the frames (taken at another moment).

Amounts are integers: CPU in millicores, memory in bytes, and ``pods`` (each pod takes one of a
node's pod slots). A node's free room is its allocatable minus what the pods bound to it request
(the scheduler's own sum: finished pods free their requests, terminating ones not yet).

Example:
    >>> rooms = [Room("a", {"memory": 30}, {"memory": 30}), Room("b", {"memory": 20}, {"memory": 20})]
    >>> largest(rooms, {"memory": 0}, "memory", replicas=3, step=5)  # 2 on a, 1 on b
    15
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.analyzers._common import present, records
from workbench.analyzers.pods._scheduler import Rejection
from workbench.frames import Frames
from workbench.frames.schema import Nodes, Pods
from workbench.remediation.planners import _nodes as nodes

RESOURCES = ("cpu", "memory", "pods")
_MAPPABLE = frozenset({"resources", "taint", "cordoned"})
_BLOCKING = ("NoSchedule", "NoExecute")
_UNLIMITED = 2**62
"""Room when the frames do not say (a node without ``pods`` allocatable)."""


@dataclass(frozen=True, slots=True)
class Room:
    """One node's allocatable and free amounts (``cpu`` millicores, ``memory`` bytes, ``pods``).

    Attributes:
        node: the node's name.
        allocatable: what the node offers pods in all.
        free: allocatable minus what the pods bound to it request (never below 0).
    """

    node: str
    allocatable: Mapping[str, int]
    free: Mapping[str, int]


def candidates(frames: Frames, rejections: list[Rejection], total: int | None) -> list[str] | None:
    """The nodes the scheduler turned down only for resources, by name; None when the message has a
    reason the frames cannot tie to nodes, or its counts disagree with the frames.

    Args:
        frames: the bundle the message was read from.
        rejections: the scheduler's reasons, control plane's taint included (`parse`'s second item).
        total: the nodes the message counts (`parse`'s first item), None when it does not say.
    """
    if not rejections or {r.category for r in rejections} - _MAPPABLE:
        return None
    if any(r.category == "taint" and not r.taint_key for r in rejections):
        return None  # a taint rejection whose key could not be read
    skipped = left_out(frames, rejections)
    out = sorted(str(n) for n in frames.nodes[Nodes.NAME] if str(n) not in skipped)
    counts = [r.count for r in rejections if r.category == "resources"]
    if total is not None and total != len(frames.nodes):
        return None
    if counts and None not in counts:
        known = [c for c in counts if c is not None]
        if not max(known) <= len(out) <= sum(known):
            return None
    return out


def left_out(frames: Frames, rejections: list[Rejection]) -> dict[str, str]:
    """Node name -> why the scheduler did not weigh the pod's resources there: ``cordoned``, or
    ``taint <key>`` for a NoSchedule/NoExecute taint the message says the pod does not tolerate."""
    keys = {r.taint_key for r in rejections if r.category == "taint" and r.taint_key}
    out = {}
    for row in records(frames.nodes):
        taints = row[Nodes.TAINTS] if isinstance(row[Nodes.TAINTS], list) else []
        blocking = sorted(
            key
            for key, _, effect in (nodes.taint_parts(str(t)) for t in taints)
            if key in keys and effect in _BLOCKING
        )
        if row[Nodes.UNSCHEDULABLE]:
            out[str(row[Nodes.NAME])] = "cordoned"
        elif blocking:
            out[str(row[Nodes.NAME])] = f"taint {blocking[0]}"
    return dict(sorted(out.items()))


def rooms(frames: Frames, names: list[str]) -> list[Room]:
    """The allocatable and free room of the nodes ``names``, in that order."""
    pods = frames.pods
    placed = pods[
        (
            pods[Pods.NODE].isin(names).fillna(False)
            & ~pods[Pods.PHASE].isin(["Succeeded", "Failed"]).fillna(False)
        ).to_numpy(dtype=bool)
    ]
    used: dict[str, dict[str, int]] = {n: dict.fromkeys(RESOURCES, 0) for n in names}
    for pod in records(placed):
        taken = used[str(pod[Pods.NODE])]
        taken["cpu"] += millicores(pod[Pods.CPU_REQUEST])
        taken["memory"] += int(pod[Pods.MEMORY_REQUEST]) if present(pod[Pods.MEMORY_REQUEST]) else 0
        taken["pods"] += 1
    rows = {str(r[Nodes.NAME]): r for r in records(frames.nodes)}
    out = []
    for name in names:
        row = rows[name]
        offered = {
            "cpu": millicores(row[Nodes.CPU_ALLOCATABLE]),
            "memory": int(row[Nodes.MEMORY_ALLOCATABLE]) if present(row[Nodes.MEMORY_ALLOCATABLE]) else 0,
            "pods": int(row[Nodes.PODS_ALLOCATABLE]) if present(row[Nodes.PODS_ALLOCATABLE]) else _UNLIMITED,
        }
        free = {r: max(0, offered[r] - used[name][r]) for r in RESOURCES}
        out.append(Room(name, offered, free))
    return out


def millicores(cores: Any) -> int:
    """A frame's CPU cell (cores) in millicores, 0 when absent."""
    return round(float(cores) * 1000) if present(cores) else 0


def placeable(rooms: list[Room], need: Mapping[str, int]) -> int:
    """How many pods that each need ``need`` (one pod slot besides) fit in the free room of ``rooms``,
    several on one node where it has room for them (a resource a room does not name is unlimited)."""
    wanted = {**need, "pods": 1}
    total = 0
    for room in rooms:
        total += min(room.free.get(r, _UNLIMITED) // amount for r, amount in wanted.items() if amount > 0)
    return total


def largest(
    rooms: list[Room],
    rest: Mapping[str, int],
    resource: str,
    *,
    replicas: int,
    step: int,
    floor: int = 0,
) -> int:
    """The largest multiple of ``step`` one container may request of ``resource`` so that
    ``replicas`` pods fit; 0 when not even one step does.

    A pod needs ``rest`` (its other containers' requests of each resource) plus the container's
    amount of ``resource``, and at least ``floor`` of it (an init container's request). Fitting
    pods is monotone in the amount, so a binary search over the steps finds the largest.

    Example:
        >>> big = Room("big", {"cpu": 4000}, {"cpu": 2500})
        >>> largest([big], {"cpu": 0}, "cpu", replicas=2, step=100)
        1200
    """

    def fits(steps: int) -> bool:
        need = {**rest, resource: max(rest.get(resource, 0) + steps * step, floor)}
        return placeable(rooms, need) >= replicas

    if replicas < 1 or not rooms:
        return 0
    low, high = 0, max(room.free.get(resource, 0) for room in rooms) // step
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low * step

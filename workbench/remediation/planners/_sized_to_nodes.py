"""``set-resources`` for a pod that asks more CPU or memory than any node it may go to has, when no
pod of its workload ever ran: lower the request to the most that places every replica.

No usage shows what the app needs, but one thing is certain: as it stands the request is never
granted. The largest amount that lets all the workload's replicas be placed on the nodes the
scheduler weighed (`_room.candidates`: not cordoned, no taint the pod does not tolerate), given what
the pods already bound to them request, is the one change that makes it run without guessing a
size; it is rounded down to a tidy step (`STEPS`: 100m of CPU, 256Mi of memory). Several replicas
may share a node that has room for them. A limit equal to the old request goes down with it (a
limit never sits below its request); a larger one stays. The plan's notes say where the number
comes from, that the app's real need is unknown, and to measure and lower it once it runs.

The request is lowered only when it exceeds every candidate node's allocatable (a request that
fits an empty node waits for room: not this rule), for a Deployment or StatefulSet none of whose
pods is on a node. No plan when no step fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.analyzers._common import present, records
from workbench.analyzers.pods._scheduler import Rejection
from workbench.frames import Frames
from workbench.frames.schema import Containers, Deployments, Pods, StatefulSets
from workbench.model import Action, Finding, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _amounts as amount
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _room as fit

STEPS = {"cpu": 100, "memory": 256 * amount.MI}
"""The step a fitted request is rounded down to (millicores, bytes)."""
_REPLICAS = {"Deployment": Deployments.REPLICAS, "StatefulSet": StatefulSets.REPLICAS}
_REQUEST = {"cpu": Containers.CPU_REQUEST, "memory": Containers.MEMORY_REQUEST}
_LIMIT = {"cpu": Containers.CPU_LIMIT, "memory": Containers.MEMORY_LIMIT}
_SHOWN = 5
"""Nodes a note names, at most."""


@dataclass(frozen=True, slots=True)
class _Lowering:
    resource: str
    container: str
    old: int
    new: int
    limit_too: bool


def plan(
    finding: Finding,
    frames: Frames,
    pod: fx.Row,
    short: list[str],
    *,
    message: tuple[int | None, list[Rejection]],
    top: ObjectRef | None,
) -> Plan | None:
    """Lower the requests no node could ever give (see the module docstring); None when the
    evidence does not allow it.

    Args:
        finding: the pending pod's ``pod.unschedulable``.
        frames: the bundle it came from.
        pod: the pod's row.
        short: the resources the scheduler found insufficient (``cpu``, ``memory``).
        message: the scheduler's message, parsed (`parse`: node total and reasons).
        top: the pod's workload.
    """
    replicas = _replicas(frames, top)
    names = fit.candidates(frames, message[1], message[0])
    if top is None or not replicas or not names:
        return None
    rooms = fit.rooms(frames, names)
    need = {"cpu": fit.millicores(pod[Pods.CPU_REQUEST]), "memory": fx.number(pod[Pods.MEMORY_REQUEST])}
    oversized = [r for r in short if need[r] > max(room.allocatable[r] for room in rooms)]
    containers = fx.containers(
        frames, records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
    )
    chosen: dict[str, fx.Row] = {}
    for r in oversized:
        asker = _largest_asker(containers, r)
        if asker is None:
            return None
        chosen[r] = asker
    if not chosen:
        return None  # every short resource fits some node: the nodes are full, the request is not absurd
    rest = {r: need[r] - (_units(r, chosen[r][_REQUEST[r]]) if r in chosen else 0) for r in need}
    floor = {r: _init_floor(containers, r) for r in oversized}
    new = {
        r: fit.largest(rooms, rest, r, replicas=replicas, step=STEPS[r], floor=floor[r]) for r in oversized
    }
    final = {r: max(rest[r] + new[r], floor[r]) if r in new else need[r] for r in need}
    if not all(new.values()) or fit.placeable(rooms, final) < replicas:
        return None
    lowerings = []
    for r, c in chosen.items():
        old = _units(r, c[_REQUEST[r]])
        limit_too = present(c[_LIMIT[r]]) and _units(r, c[_LIMIT[r]]) == old
        lowerings.append(_Lowering(r, str(c[Containers.CONTAINER]), old, new[r], limit_too))
    left_out = fit.left_out(frames, message[1])
    return Plan(
        f"Fit {fx.describe(top)}'s requests to the room its {replicas} replica(s) have on the nodes",
        _steps(finding, top, lowerings),
        findings=(finding.id,),
        notes=(
            *(_why(low, rooms, replicas, left_out) for low in lowerings),
            f"No pod of {fx.describe(top)} has run, so nothing here shows what the app really needs: this "
            "amount fits the nodes, it does not size the app.",
            f"Once its pods run, check their use (kubectl top pod -n {top.namespace}) and lower the requests "
            "to that use plus a margin: requests sized to the nodes reserve room other pods could use.",
            "Watch the Pending pods get a node (kubectl get pods -o wide).",
        ),
    )


def _replicas(frames: Frames, top: ObjectRef | None) -> int:
    """The replicas ``top`` wants; 0 when it is not a Deployment or StatefulSet, or one of its pods
    is on a node (it runs, or ran: its use is the evidence, not the nodes' room)."""
    if top is None or top.kind not in _REPLICAS:
        return 0
    if any(present(p[Pods.NODE]) for p in fx.live(fx.pods_of(frames, top))):
        return 0
    row = fx.row(frames, top)
    return max(0, fx.number(row[_REPLICAS[top.kind]])) if row is not None else 0


def _largest_asker(containers: list[fx.Row], res: str) -> fx.Row | None:
    """The app container that requests the most ``res`` (the one to lower); None when none does."""
    asking = [c for c in containers if not c[Containers.INIT] and present(c[_REQUEST[res]])]
    return max(asking, key=lambda c: _units(res, c[_REQUEST[res]]), default=None)


def _init_floor(containers: list[fx.Row], res: str) -> int:
    """The most ``res`` one init container requests: the pod never asks less."""
    return max(
        (
            _units(res, c[_REQUEST[res]])
            for c in containers
            if c[Containers.INIT] and present(c[_REQUEST[res]])
        ),
        default=0,
    )


def _steps(finding: Finding, top: ObjectRef, lowerings: list[_Lowering]) -> tuple[PlanStep, ...]:
    """One set-resources step per container."""
    params: dict[str, dict[str, dict[str, str]]] = {}
    changes: dict[str, list[str]] = {}
    for low in lowerings:
        mine = params.setdefault(low.container, {"requests": {}})
        mine["requests"][low.resource] = _text(low.resource, low.new)
        if low.limit_too:
            mine.setdefault("limits", {})[low.resource] = _text(low.resource, low.new)
        changes.setdefault(low.container, []).append(
            f"{low.resource} from {_text(low.resource, low.old)} to {_text(low.resource, low.new)}"
            + (" (its limit, equal to the request, too)" if low.limit_too else "")
        )
    return tuple(
        PlanStep(
            Action.SET_RESOURCES,
            top,
            {"container": name, **sections},
            f"Lower the requests of container {name} in {fx.describe(top)}: {', '.join(changes[name])}",
            finding.id,
        )
        for name, sections in params.items()
    )


def _why(low: _Lowering, rooms: list[fit.Room], replicas: int, left_out: dict[str, str]) -> str:
    """Where ``low.new`` comes from: the free room on each node the pod may go to."""
    res = low.resource
    ranked = sorted(rooms, key=lambda room: (-room.free[res], room.node))
    shown = ", ".join(f"{room.node} {_approx(res, room.free[res])}" for room in ranked[:_SHOWN])
    if len(ranked) > _SHOWN:
        shown += f" and {len(ranked) - _SHOWN} more with less"
    skipped = ""
    if left_out:
        named = [f"{node} ({why})" for node, why in list(left_out.items())[:_SHOWN]]
        more = f" and {len(left_out) - _SHOWN} more" if len(left_out) > _SHOWN else ""
        skipped = f" Not counted, as the scheduler says: {', '.join(named)}{more}."
    return (
        f"{_text(res, low.new)} of {res} is the most each of the {replicas} replica(s) can request and all "
        f"still be placed: the {res} the nodes can still give (allocatable minus what the pods on them "
        f"request) is {shown}, rounded down to a multiple of {_text(res, STEPS[res])}.{skipped}"
    )


def _units(res: str, value: Any) -> int:
    """A container's request or limit in this module's integer units (millicores, bytes)."""
    return fit.millicores(value) if res == "cpu" else int(value)


def _text(res: str, value: int) -> str:
    """An amount as a manifest writes it (``31Gi``, ``1500m``)."""
    return amount.cpu(value / 1000) if res == "cpu" else amount.memory(value)


def _approx(res: str, value: int) -> str:
    """An amount for a person to read (``31.2Gi``)."""
    return amount.cpu(value / 1000) if res == "cpu" else amount.approximate(value)

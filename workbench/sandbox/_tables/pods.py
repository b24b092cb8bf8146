"""The Pod row, ported from kube-apiserver's ``printPod``.

STATUS is the pod's phase (or ``status.reason``), overridden by what its containers say: an
``Init:x/y`` while init containers run or ``Init:<reason>`` when one fails, then the last container's
waiting or terminated reason (``CrashLoopBackOff``, ``OOMKilled``, ``Completed``, ``ExitCode:1``,
``Signal:9``), ``Running``/``NotReady`` for a pod whose sidecars keep running after the main container
completed, and finally ``Terminating`` (or ``Unknown`` on a lost node) once deletion has started.
RESTARTS reads ``5 (2m ago)`` when the last restart's finish time is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workbench.sandbox._tables._format import (
    AGE,
    NAME,
    NONE,
    Obj,
    Printer,
    age,
    col,
    dig,
    items,
    name_of,
    num,
    parse_time,
    since,
    text,
)

COLUMNS = (
    NAME,
    col("Ready", doc="The aggregate readiness state of this pod for accepting traffic."),
    col("Status", doc="The aggregate status of the containers in this pod."),
    col(
        "Restarts",
        doc="The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted.",
    ),
    AGE,
    col("IP", doc="PodStatus.podIP", wide=True),
    col("Node", doc="PodSpec.nodeName", wide=True),
    col("Nominated Node", doc="PodStatus.nominatedNodeName", wide=True),
    col("Readiness Gates", doc="PodSpec.readinessGates", wide=True),
)

_TERMINAL_PHASES = ("Failed", "Succeeded")


def _is_sidecar(container: Any) -> bool:
    """podutil.IsRestartableInitContainer: an init container with ``restartPolicy: Always``."""
    return isinstance(container, Mapping) and container.get("restartPolicy") == "Always"


def _has_condition(status: Obj, kind: str) -> bool:
    return any(dig(c, "type") == kind and dig(c, "status") == "True" for c in items(status, "conditions"))


def _later(current: datetime | None, status: Obj) -> datetime | None:
    """The later of `current` and the container's last termination time (zero times never win)."""
    finished = parse_time(dig(status, "lastState", "terminated", "finishedAt"))
    if finished is None or (current is not None and finished <= current):
        return current
    return finished


def _terminated_reason(terminated: Obj, prefix: str = "") -> str:
    if reason := text(terminated, "reason"):
        return prefix + reason
    if signal := num(terminated, "signal"):
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{num(terminated, 'exitCode')}"


def _init_reason(index: int, status: Obj, sidecar: bool, total: int) -> tuple[str | None, bool]:
    """What one init container status says: (new reason or None to keep going, counts as ready)."""
    terminated = dig(status, "state", "terminated")
    waiting = dig(status, "state", "waiting")
    if isinstance(terminated, Mapping) and num(terminated, "exitCode") == 0:
        return None, False
    if sidecar and dig(status, "started") is True:
        return None, dig(status, "ready") is True
    if isinstance(terminated, Mapping):
        return _terminated_reason(terminated, "Init:"), False
    waiting_reason = text(waiting, "reason")
    if isinstance(waiting, Mapping) and waiting_reason and waiting_reason != "PodInitializing":
        return "Init:" + waiting_reason, False
    return f"Init:{index}/{total}", False


def _pod_cells(pod: Obj, now: datetime) -> list[Any]:
    spec, status = dig(pod, "spec") or {}, dig(pod, "status") or {}
    init_specs = items(spec, "initContainers")
    sidecars = {text(c, "name") for c in init_specs if _is_sidecar(c)}
    total = len(items(spec, "containers")) + len(sidecars)
    ready = 0
    # The API server stores every pod with a phase (Pending on create).
    phase = text(status, "phase", default="Pending")
    reason = text(status, "reason", default=phase)
    for condition in items(status, "conditions"):
        if dig(condition, "type") == "PodScheduled" and dig(condition, "reason") == "SchedulingGated":
            reason = "SchedulingGated"

    restarts = sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None
    initializing = False
    for index, cstatus in enumerate(items(status, "initContainerStatuses")):
        count = num(cstatus, "restartCount")
        restarts += count
        last_restart = _later(last_restart, cstatus)
        sidecar = text(cstatus, "name") in sidecars
        if sidecar:
            sidecar_restarts += count
            last_sidecar_restart = _later(last_sidecar_restart, cstatus)
        init_reason, is_ready = _init_reason(index, cstatus, sidecar, len(init_specs))
        ready += is_ready
        if init_reason is not None:
            reason, initializing = init_reason, True
            break

    if not initializing or _has_condition(status, "Initialized"):
        # Once initialised, only sidecar restarts carry over from the init containers.
        restarts, last_restart = sidecar_restarts, last_sidecar_restart
        has_running = False
        for cstatus in reversed(items(status, "containerStatuses")):
            restarts += num(cstatus, "restartCount")
            last_restart = _later(last_restart, cstatus)
            waiting = dig(cstatus, "state", "waiting")
            terminated = dig(cstatus, "state", "terminated")
            if text(waiting, "reason"):
                reason = text(waiting, "reason")
            elif isinstance(terminated, Mapping):
                reason = _terminated_reason(terminated)
            elif dig(cstatus, "ready") is True and isinstance(dig(cstatus, "state", "running"), Mapping):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _has_condition(status, "Ready") else "NotReady"

    if dig(pod, "metadata", "deletionTimestamp"):
        if dig(status, "reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in _TERMINAL_PHASES:
            reason = "Terminating"

    restarts_cell = str(restarts)
    if restarts and last_restart is not None:
        restarts_cell = f"{restarts} ({since(last_restart, now)} ago)"
    return [
        name_of(pod),
        f"{ready}/{total}",
        reason,
        restarts_cell,
        age(pod, now),
        # podIPs[0] is what the printer reads; podIP is its older single-valued twin.
        text(status, "podIPs", 0, "ip") or text(status, "podIP", default=NONE),
        text(spec, "nodeName", default=NONE),
        text(status, "nominatedNodeName", default=NONE),
        _readiness_gates(spec, status),
    ]


def _readiness_gates(spec: Obj, status: Obj) -> str:
    gates = items(spec, "readinessGates")
    if not gates:
        return NONE
    passed = 0
    for gate in gates:
        for condition in items(status, "conditions"):
            if dig(condition, "type") == dig(gate, "conditionType"):
                passed += dig(condition, "status") == "True"
                break
    return f"{passed}/{len(gates)}"


PRINTERS = {"Pod": Printer(COLUMNS, _pod_cells)}

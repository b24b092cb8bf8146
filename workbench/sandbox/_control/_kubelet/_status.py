"""The pod status the kubelet posts: phase, conditions, addresses and container statuses.

Phase follows the kubelet's ``getPhase``: Pending while initializing or while any container waits
without having run, Running once one runs (or, with ``restartPolicy: Always``, is between restarts),
Succeeded/Failed when all have stopped for good. Conditions carry the reasons and messages of
``pkg/kubelet/status/generate.go`` and keep their ``lastTransitionTime`` until their status changes.
Fields other writers own (``qosClass``, ``nominatedNodeName``, conditions of other types) are kept.
"""

from __future__ import annotations

from typing import Any

from workbench.sandbox._control._kubelet._container import Container, Stage
from workbench.sandbox._control._kubelet._host import Host
from workbench.sandbox._control._kubelet._runtime import PodRuntime

KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
_ORDER = (
    "phase",
    "conditions",
    "message",
    "reason",
    "nominatedNodeName",
    "hostIP",
    "hostIPs",
    "podIP",
    "podIPs",
    "startTime",
    "initContainerStatuses",
    "containerStatuses",
    "qosClass",
)


def phase(rt: PodRuntime) -> str:
    if rt.terminal:
        return rt.terminal
    if not rt.initialized or not rt.sandbox:
        return "Pending"
    running = waiting = stopped = succeeded = 0
    for c in rt.mains:
        if c.stage == Stage.RUNNING:
            running += 1
        elif c.stage in (Stage.EXITED, Stage.DONE):
            stopped += 1
            succeeded += c.terminated is not None and c.terminated.code == 0
        elif c.last is not None:
            stopped += 1
            succeeded += c.last.code == 0
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if rt.restart_policy == "Always":
        return "Running"
    if stopped == succeeded:
        return "Succeeded"
    return "Failed" if rt.restart_policy == "Never" else "Running"


def _ready(c: Container) -> bool:
    return c.ready or (c.init and not c.sidecar and c.completed)


def _condition(
    old: list[dict[str, Any]], host: Host, kind: str, ok: bool, *, reason: str = "", message: str = ""
) -> dict[str, Any]:
    """A condition; it keeps the posted lastTransitionTime while its status stays the same."""
    status = "True" if ok else "False"
    posted = next((c for c in old if c.get("type") == kind), None)
    since = (
        posted.get("lastTransitionTime") if posted is not None and posted.get("status") == status else None
    )
    out: dict[str, Any] = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": since or host.rfc(host.cluster.clock.elapsed()),
    }
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def _names(containers: list[Container]) -> str:
    return "[" + " ".join(c.name for c in containers) + "]"


def conditions(rt: PodRuntime, pod: dict[str, Any], host: Host, current: str) -> list[dict[str, Any]]:
    old = [c for c in (pod.get("status") or {}).get("conditions") or [] if isinstance(c, dict)]
    out = [
        _condition(
            old, host, "PodReadyToStartContainers", rt.sandbox and current not in ("Succeeded", "Failed")
        )
    ]
    pending = rt.inits[rt.init_index :]
    if current == "Succeeded":
        out.append(_condition(old, host, "Initialized", True, reason="PodCompleted"))
    elif pending:
        incomplete = f"containers with incomplete status: {_names(pending)}"
        out.append(
            _condition(old, host, "Initialized", False, reason="ContainersNotInitialized", message=incomplete)
        )
    else:
        out.append(_condition(old, host, "Initialized", True))
    if current in ("Succeeded", "Failed"):
        reason = "PodCompleted" if current == "Succeeded" else "PodFailed"
        ready = _condition(old, host, "Ready", False, reason=reason)
        containers = _condition(old, host, "ContainersReady", False, reason=reason)
    else:
        unready = [c for c in rt.inits if c.sidecar and not c.ready] + [c for c in rt.mains if not c.ready]
        if unready:
            text = f"containers with unready status: {_names(unready)}"
            containers = _condition(
                old, host, "ContainersReady", False, reason="ContainersNotReady", message=text
            )
            ready = _condition(old, host, "Ready", False, reason="ContainersNotReady", message=text)
        else:
            containers = _condition(old, host, "ContainersReady", True)
            gate = _gate_problem(pod, old)
            ready = (
                _condition(old, host, "Ready", False, reason="ReadinessGatesNotReady", message=gate)
                if gate
                else _condition(old, host, "Ready", True)
            )
    out.extend([ready, containers])
    scheduled = next((c for c in old if c.get("type") == "PodScheduled"), None)
    out.append(scheduled or _condition(old, host, "PodScheduled", True))
    out.extend(c for c in old if c.get("type") not in (*KUBELET_CONDITIONS, "PodScheduled"))
    return out


def _gate_problem(pod: dict[str, Any], old: list[dict[str, Any]]) -> str:
    for gate in (pod.get("spec") or {}).get("readinessGates") or []:
        kind = gate.get("conditionType", "")
        found = next((c for c in old if c.get("type") == kind), None)
        if found is None:
            return f'corresponding condition of pod readiness gate "{kind}" does not exist.'
        if found.get("status") != "True":
            return f'the status of pod readiness gate "{kind}" is not "True", but {found.get("status")}'
    return ""


def pod_status(rt: PodRuntime, pod: dict[str, Any], host: Host) -> dict[str, Any]:
    """The status to post for `pod` (built from the runtime; others' fields kept)."""
    old = dict(pod.get("status") or {})
    current = phase(rt)
    new: dict[str, Any] = dict(old)
    new["phase"] = current
    new["conditions"] = conditions(rt, pod, host, current)
    if rt.reason:
        new["reason"], new["message"] = rt.reason, rt.message
    new["hostIP"] = host.ip
    new["hostIPs"] = [{"ip": host.ip}]
    if rt.ip:
        new["podIP"] = rt.ip
        new["podIPs"] = [{"ip": rt.ip}]
    new["startTime"] = host.rfc(rt.start_time)
    if rt.inits:
        statuses = []
        for c in rt.inits:
            status = c.status(host.rfc)
            status["ready"] = _ready(c)
            statuses.append(status)
        new["initContainerStatuses"] = statuses
    new["containerStatuses"] = [c.status(host.rfc) for c in rt.mains]
    ordered = {k: new[k] for k in _ORDER if k in new}
    ordered.update((k, v) for k, v in new.items() if k not in ordered)
    return ordered

"""Pods loaded with their status (a scenario's healthy pods, a synthetic fleet) are left as they are.

The kubelet only takes one over when its spec changes under it (``kubectl set image`` on a bare
pod): the runtime is rebuilt from the posted status (running containers keep running from their
``startedAt``) so that only the changed container is replaced. A deleted one gets its ``Killing``
events; a node coming back Ready gets its pods' Ready condition back.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from workbench.sandbox._clock import parse_time, rfc3339
from workbench.sandbox._control._apps import parse_image
from workbench.sandbox._control._kubelet._container import Stage, Terminated
from workbench.sandbox._control._kubelet._host import Host
from workbench.sandbox._control._kubelet._runtime import PodRuntime


def _same_image(spec_image: str, status_image: str) -> bool:
    a, b = parse_image(spec_image), parse_image(status_image)
    if a is None or b is None:
        return spec_image == status_image
    return a.full == b.full or status_image.startswith("sha256:")


def changed(pod: dict[str, Any]) -> bool:
    """Whether a loaded pod's containers no longer run the images its spec names."""
    statuses = {s.get("name"): s for s in (pod.get("status") or {}).get("containerStatuses") or []}
    for container in (pod.get("spec") or {}).get("containers") or []:
        status = statuses.get(container.get("name"))
        if (
            status is not None
            and status.get("image")
            and not _same_image(container.get("image", ""), status["image"])
        ):
            return True
    return False


def _elapsed(host: Host, text: Any, default: float) -> float:
    if not text:
        return default
    clock = host.cluster.clock
    return clock.elapsed() - (clock.now() - parse_time(str(text))).total_seconds()


def adopt(pod: dict[str, Any], host: Host, now: float) -> PodRuntime:
    """A runtime that continues from the pod's posted status."""
    rt = PodRuntime(pod, now)
    rt.host, rt.pod = host, pod
    status = pod.get("status") or {}
    rt.start_time = _elapsed(host, status.get("startTime"), now)
    if rt.deadline is not None:
        rt.deadline += rt.start_time - now
    rt.mount_due, rt.sandbox, rt.ip = None, True, str(status.get("podIP") or "")
    initialized = any(
        c.get("type") == "Initialized" and c.get("status") == "True" for c in status.get("conditions") or []
    )
    rt.init_index = len(rt.inits) if initialized else 0
    statuses = {
        s.get("name"): s
        for s in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    }
    for c in rt.containers:
        cs = statuses.get(c.name)
        if cs is None:
            continue
        c.restarts = int(cs.get("restartCount") or 0)
        c.container_id = str(cs.get("containerID") or "").removeprefix("containerd://")
        c.created = bool(c.container_id)
        c.image, c.image_id = str(cs.get("image") or ""), str(cs.get("imageID") or "")
        if not c.init and cs.get("image") and not _same_image(c.spec.get("image", ""), cs["image"]):
            c.spec = {**c.spec, "image": cs["image"]}  # what runs; the spec's new image replaces it
        last = (cs.get("lastState") or {}).get("terminated")
        if last:
            c.last = _terminated(host, last, now)
        state = cs.get("state") or {}
        if "running" in state:
            rt.launch(c, _elapsed(host, state["running"].get("startedAt"), now))
            c.stage, c.started, c.ready = Stage.RUNNING, bool(cs.get("started")), bool(cs.get("ready"))
            c.started_probe_at = c.started_at
            for probe in c.probes:
                probe.result = c.ready if probe.kind == "readiness" else probe.kind == "liveness" or c.started
                probe.next_k = probe.index_at(c.started_at, now)
            c.due = now
        elif "terminated" in state:
            c.terminated = _terminated(host, state["terminated"], now)
            c.stage, c.due = Stage.EXITED, now
        else:
            waiting = state.get("waiting") or {}
            c.reason, c.message = str(waiting.get("reason") or c.reason), str(waiting.get("message") or "")
            c.stage, c.due = Stage.WAITING, now
    return rt


def _terminated(host: Host, t: dict[str, Any], now: float) -> Terminated:
    return Terminated(
        int(t.get("exitCode") or 0),
        str(t.get("reason") or "Error"),
        _elapsed(host, t.get("startedAt"), now),
        _elapsed(host, t.get("finishedAt"), now),
        str(t.get("containerID") or "").removeprefix("containerd://"),
    )


def stopping(host: Host, pod: dict[str, Any]) -> None:
    """``Killing`` events for the running containers of a loaded pod being deleted."""
    status = pod.get("status") or {}
    for kind, key in (("initContainers", "initContainerStatuses"), ("containers", "containerStatuses")):
        for cs in status.get(key) or []:
            if "running" in (cs.get("state") or {}):
                name = cs.get("name", "")
                host.event(pod, "Normal", "Killing", f"Stopping container {name}", f"spec.{kind}{{{name}}}")


def ready_again(host: Host, pod: dict[str, Any]) -> dict[str, Any] | None:
    """The status of a loaded pod whose node is back: Ready again if its containers all are."""
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return None
    statuses = status.get("containerStatuses") or []
    if not statuses or not all(cs.get("ready") for cs in statuses):
        return None
    conditions = status.get("conditions") or []
    if all(c.get("status") == "True" for c in conditions if c.get("type") in ("Ready", "ContainersReady")):
        return None
    stamp = rfc3339(host.cluster.clock.now().astimezone(UTC))
    fixed = []
    for c in conditions:
        if c.get("type") in ("Ready", "ContainersReady") and c.get("status") != "True":
            fixed.append(
                {"type": c["type"], "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp}
            )
        else:
            fixed.append(c)
    return {**status, "conditions": fixed}

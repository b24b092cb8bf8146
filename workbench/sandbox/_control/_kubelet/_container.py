"""One container's state as the kubelet tracks it, and how that reads in a ContainerStatus.

A container moves through stages: ``waiting`` (not tried yet) → ``pulling`` → ``running`` →
``exited`` (its terminated state is visible) → ``backoff`` (CrashLoopBackOff) → created again...,
or ``blocked`` (a creation error the pod worker retries: ErrImagePull, ImagePullBackOff,
CreateContainerConfigError...), or ``done`` (it will not run again). `due` is the simulated time at
which its stage next needs the kubelet's attention.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.sandbox._control._kubelet._images import PullResult
from workbench.sandbox._control._kubelet._probes import Probe
from workbench.sandbox._control._kubelet._process import Process


class Stage(StrEnum):
    WAITING = "waiting"
    PULLING = "pulling"
    BLOCKED = "blocked"
    RUNNING = "running"
    EXITED = "exited"
    BACKOFF = "backoff"
    DONE = "done"


@dataclass(frozen=True)
class Terminated:
    code: int
    reason: str
    started: float
    finished: float
    container_id: str
    message: str = ""


@dataclass
class Container:
    """The kubelet's record of one (init) container of a pod."""

    name: str
    spec: dict[str, Any]
    init: bool = False
    sidecar: bool = False
    stage: Stage = Stage.WAITING
    due: float | None = None
    reason: str = "ContainerCreating"
    message: str = ""
    restarts: int = 0
    created: bool = False
    container_id: str = ""
    image: str = ""
    image_id: str = ""
    started_at: float = 0.0
    started_probe_at: float = 0.0
    started: bool = False
    ready: bool = False
    process: Process | None = None
    probes: list[Probe] = field(default_factory=list)
    terminated: Terminated | None = None
    last: Terminated | None = None
    pull: PullResult | None = None
    restart_at: float = 0.0
    attempts: int = 0

    @property
    def field_path(self) -> str:
        return f"spec.{'initContainers' if self.init else 'containers'}{{{self.name}}}"

    @property
    def completed(self) -> bool:
        """An init container that finished with exit code 0."""
        return self.stage == Stage.DONE and self.terminated is not None and self.terminated.code == 0

    def status(self, stamp: Callable[[float], str]) -> dict[str, Any]:
        """The ContainerStatus, fields in the API's order."""
        out: dict[str, Any] = {"name": self.name, "state": self._state(stamp), "lastState": {}}
        if self.last is not None:
            out["lastState"] = {"terminated": _terminated(self.last, stamp)}
        out.update(
            ready=self.ready,
            restartCount=self.restarts,
            image=self.image or str(self.spec.get("image", "")),
            imageID=self.image_id,
        )
        if self.container_id:
            out["containerID"] = f"containerd://{self.container_id}"
        out["started"] = self.started
        if self.created:
            mounts = [_mount(m) for m in self.spec.get("volumeMounts") or []]
            if mounts:
                out["volumeMounts"] = mounts
        return out

    def _state(self, stamp: Callable[[float], str]) -> dict[str, Any]:
        if self.stage == Stage.RUNNING:
            return {"running": {"startedAt": stamp(self.started_at)}}
        if self.stage in (Stage.EXITED, Stage.DONE) and self.terminated is not None:
            return {"terminated": _terminated(self.terminated, stamp)}
        waiting: dict[str, Any] = {"reason": self.reason}
        if self.message:
            waiting["message"] = self.message
        return {"waiting": waiting}


def _terminated(t: Terminated, stamp: Callable[[float], str]) -> dict[str, Any]:
    out: dict[str, Any] = {"exitCode": t.code, "reason": t.reason}
    if t.message:
        out["message"] = t.message
    out.update(
        startedAt=stamp(t.started), finishedAt=stamp(t.finished), containerID=f"containerd://{t.container_id}"
    )
    return out


def _mount(mount: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": mount.get("name", ""), "mountPath": mount.get("mountPath", "")}
    if mount.get("readOnly"):
        out["readOnly"] = True
        out["recursiveReadOnly"] = "Disabled"
    return out

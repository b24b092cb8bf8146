"""One pod on its node: volumes, the sandbox, init containers in order, then the containers.

`PodRuntime.step` plays every transition that has fallen due, in order, recording the kubelet's
events and the containers' log lines as it goes; `due` says when it next has something to do. The
container transitions themselves (image, configuration, start, exit, restart) live in `_lifecycle`.
"""

from __future__ import annotations

from typing import Any

from workbench.sandbox._control._kubelet._config import Ref, volume_errors
from workbench.sandbox._control._kubelet._container import Container, Stage, Terminated
from workbench.sandbox._control._kubelet._host import Host
from workbench.sandbox._control._kubelet._lifecycle import Lifecycle
from workbench.sandbox._control._kubelet._timing import Backoff
from workbench.sandbox._logs import LogKey

SANDBOX_SECONDS = 1.0
"""From volumes ready to the pod's sandbox (network namespace, IP) ready."""
MOUNT_RETRY_CAP = 128.0
MOUNT_TIMEOUT = 123.0
"""The pod worker gives up waiting for volumes after 2m3s and says so."""
_EPS = 1e-6


class PodRuntime(Lifecycle):
    """The kubelet's view of one pod it runs."""

    def __init__(self, pod: dict[str, Any], now: float) -> None:
        meta, spec = pod["metadata"], pod.get("spec") or {}
        self.uid = str(meta.get("uid", ""))
        self.name = str(meta["name"])
        self.namespace = str(meta.get("namespace") or "default")
        self.node = str(spec.get("nodeName", ""))
        self.restart_policy = str(spec.get("restartPolicy") or "Always")
        self.start_time = now
        self.ip = ""
        self.sandbox = False
        self.sandbox_due: float | None = None
        self.mount_due: float | None = now
        self.mount_attempts = 0
        self.mount_timeout_at = now + MOUNT_TIMEOUT
        self.terminal = ""
        self.reason = ""
        self.message = ""
        self.stopped = False
        deadline = spec.get("activeDeadlineSeconds")
        self.deadline = now + float(deadline) if isinstance(deadline, int | float) else None
        self.init_index = 0
        self.refs: dict[str, Ref] = {}
        self.crash = Backoff()
        self.pulls = Backoff()
        self.pull_errors: dict[str, str] = {}
        waiting = "PodInitializing" if spec.get("initContainers") else "ContainerCreating"
        self.inits = [
            Container(c["name"], c, init=True, sidecar=c.get("restartPolicy") == "Always", reason=waiting)
            for c in spec.get("initContainers") or []
        ]
        self.mains = [Container(c["name"], c, reason=waiting) for c in spec.get("containers") or []]
        self.pod: dict[str, Any] = pod
        self.host: Host | None = None

    @property
    def containers(self) -> list[Container]:
        return [*self.inits, *self.mains]

    @property
    def initialized(self) -> bool:
        return self.init_index >= len(self.inits)

    def log_key(self, c: Container) -> LogKey:
        return (self.namespace, self.name, c.name)

    # -- driving ---------------------------------------------------------------------------------
    def step(self, host: Host, pod: dict[str, Any], now: float) -> None:
        """Play every transition due by `now`."""
        self.host, self.pod = host, pod
        self._spec_changes(pod, now)
        if self.deadline is not None and now + _EPS >= self.deadline and not (self.terminal or self.stopped):
            self._deadline_exceeded(now)
        for _ in range(200):
            if not self._advance(now):
                break

    def due(self) -> float | None:
        if self.terminal or self.stopped:
            return None
        if not self.sandbox:
            times = [self.mount_due if self.mount_due is not None else self.sandbox_due]
        else:
            times = [c.due for c in self._active()]
        times.append(self.deadline)
        known = [t for t in times if t is not None]
        return min(known) if known else None

    def _active(self) -> list[Container]:
        active = [c for c in self.inits[: self.init_index] if c.sidecar]
        if not self.initialized:
            active.append(self.inits[self.init_index])
        else:
            active.extend(self.mains)
        return active

    def _advance(self, now: float) -> bool:
        if self.terminal or self.stopped:
            return False
        if not self.sandbox:
            if self.mount_due is not None and self.mount_due <= now + _EPS:
                self._mount(now)
                return True
            if self.sandbox_due is not None and self.sandbox_due <= now + _EPS:
                self._sandbox_ready()
                return True
            return False
        progressed = False
        while not self.initialized:
            c = self.inits[self.init_index]
            progressed |= self.container(c, now)
            if c.completed or (c.sidecar and c.started):
                self.init_index += 1
                progressed = True
                continue
            if c.stage == Stage.DONE:
                self._finish("Failed", now)
                return True
            break
        for c in self._active():
            if c is not (self.inits[self.init_index] if not self.initialized else None):
                progressed |= self.container(c, now)
        if self.initialized and self.mains and all(c.stage == Stage.DONE for c in self.mains):
            failed = any(c.terminated is None or c.terminated.code != 0 for c in self.mains)
            self._finish("Failed" if failed else "Succeeded", now)
            return True
        return progressed

    # -- pod stages ------------------------------------------------------------------------------
    def _mount(self, now: float) -> None:
        assert self.host is not None
        problems = volume_errors(self.host.cluster, self.pod)
        self.refs = {k: v for k, v in self.refs.items() if not k.startswith("volume:")}
        if not problems:
            self.mount_due = None
            self.sandbox_due = now + SANDBOX_SECONDS
            return
        for volume, text, ref in problems:
            self.refs[f"volume:{volume}"] = ref
            self.event("Warning", "FailedMount", text)
        if now + _EPS >= self.mount_timeout_at:
            names = " ".join(volume for volume, _, _ in problems)
            self.event(
                "Warning",
                "FailedMount",
                f"Unable to attach or mount volumes: unmounted volumes=[{names}], unattached volumes=[], "
                "failed to process volumes=[]: context deadline exceeded",
            )
            self.mount_timeout_at = now + MOUNT_TIMEOUT
        self.mount_attempts += 1
        self.mount_due = now + min(MOUNT_RETRY_CAP, 2.0 ** (self.mount_attempts - 1))

    def _sandbox_ready(self) -> None:
        assert self.host is not None
        self.sandbox = True
        self.sandbox_due = None
        spec = self.pod.get("spec") or {}
        self.ip = self.host.ip if spec.get("hostNetwork") else self.host.allocate_ip(self.pod)

    def _finish(self, phase: str, now: float) -> None:
        self.terminal = phase
        for c in self.containers:
            if c.stage == Stage.RUNNING:
                self.event("Normal", "Killing", f"Stopping container {c.name}", c.field_path)
                c.terminated = Terminated(0, "Completed", c.started_at, now, c.container_id)
                c.stage, c.ready, c.started, c.process = Stage.DONE, False, False, None
            if c.stage not in (Stage.DONE, Stage.EXITED):
                c.due = None

    def _deadline_exceeded(self, now: float) -> None:
        """``activeDeadlineSeconds`` ran out: the kubelet kills the pod and fails it."""
        self.reason, self.message = (
            "DeadlineExceeded",
            "Pod was active on the node longer than the specified deadline",
        )
        self.event("Warning", "DeadlineExceeded", self.message)
        for c in self.containers:
            if c.stage == Stage.RUNNING:
                self.event("Normal", "Killing", f"Stopping container {c.name}", c.field_path)
                c.terminated = Terminated(137, "Error", c.started_at, now, c.container_id)
                c.stage, c.ready, c.started, c.process = Stage.DONE, False, False, None
            c.due = None
        self.terminal = "Failed"

    def stop(self, host: Host, pod: dict[str, Any]) -> None:
        """The pod is being deleted: its running containers are stopped."""
        self.host, self.pod = host, pod
        if self.stopped:
            return
        self.stopped = True
        for c in self.containers:
            if c.stage == Stage.RUNNING:
                self.event("Normal", "Killing", f"Stopping container {c.name}", c.field_path)

    def _spec_changes(self, pod: dict[str, Any], now: float) -> None:
        """A changed image (the only container field a pod may change): that container is replaced."""
        specs = {c["name"]: c for c in (pod.get("spec") or {}).get("containers") or []}
        for c in self.mains:
            new = specs.get(c.name)
            if new is None or new.get("image") == c.spec.get("image"):
                continue
            running = c.stage == Stage.RUNNING
            c.spec = new
            if self.terminal:
                continue
            if running:
                self.event(
                    "Normal",
                    "Killing",
                    f"Container {c.name} definition changed, will be restarted",
                    c.field_path,
                )
                c.last = Terminated(137, "Error", c.started_at, now, c.container_id)
                c.ready = c.started = False
                c.process = None
            if c.stage != Stage.DONE or running:
                c.stage, c.due = Stage.WAITING, now

    def retry(self, refs: set[Ref], now: float) -> None:
        """What these containers or volumes waited for changed: try them again now."""
        for name, ref in self.refs.items():
            if ref not in refs:
                continue
            if name.startswith("volume:"):
                if self.mount_due is not None:
                    self.mount_due = now
                continue
            for c in self.containers:
                if c.name == name and c.stage == Stage.BLOCKED:
                    c.due = now

    # -- metrics ---------------------------------------------------------------------------------
    def usage(self, name: str, now: float) -> tuple[float, float] | None:
        for c in self.containers:
            if c.name == name:
                process = c.process  # read once: another thread may be stopping it
                if c.stage != Stage.RUNNING or process is None:
                    return 0.0, 0.0
                return process.s.model.cpu, process.memory(now)
        return None

"""A container's life as the kubelet drives it: image, configuration, start, probes, exit, restart.

The steps and their events follow ``kuberuntime_container.go`` and ``images/image_manager.go``:
``Pulling`` → ``Pulled`` (or ``Failed`` + ``Error: ErrImagePull``, then ``BackOff`` + ``Error:
ImagePullBackOff`` while the pull back-off lasts) → a configuration error (``Error: configmap "x" not
found``) or ``Created`` + ``Started``. A container that exits is restarted as the restart policy says,
after the crash back-off (10 s doubling to 5 min) once it has crashed more than once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.quantity import parse_quantity
from workbench.sandbox._control._apps import AppModel, parse_image
from workbench.sandbox._control._kubelet._applog import LineFiller, run_values
from workbench.sandbox._control._kubelet._config import Ref, env_error, environment, files
from workbench.sandbox._control._kubelet._container import Container, Stage, Terminated
from workbench.sandbox._control._kubelet._images import attempt, image_id, invalid_name_message
from workbench.sandbox._control._kubelet._probes import message, next_wake, outcome, probes_for, step
from workbench.sandbox._control._kubelet._process import Setting
from workbench.sandbox._control._kubelet._shellproc import start
from workbench.sandbox._control._kubelet._timing import Backoff, go_duration, hex64, resync

if TYPE_CHECKING:
    from workbench.sandbox._control._kubelet._host import Host
    from workbench.sandbox._logs import LogKey

EXIT_SETTLE = 1.0
"""How long an exited container shows ``terminated`` before the pod worker acts on it."""
MAX_UNHEALTHY_PER_SYNC = 5
_EPS = 1e-6
_ORDER = {"startup": 0, "liveness": 1, "readiness": 2}


class Lifecycle:
    """Container transitions of `PodRuntime` (which provides the attributes declared here)."""

    uid: str
    name: str
    namespace: str
    ip: str
    restart_policy: str
    host: Host | None
    pod: dict[str, Any]
    refs: dict[str, Ref]
    crash: Backoff
    pulls: Backoff
    pull_errors: dict[str, str]
    log_key: Callable[[Container], LogKey]
    """Where a container's log lines go (`PodRuntime.log_key`)."""

    def event(self, type_: str, reason: str, text: str, field_path: str = "") -> None:
        assert self.host is not None
        self.host.event(self.pod, type_, reason, text, field_path)

    @property
    def _pod_ref(self) -> str:
        return f"{self.name}_{self.namespace}({self.uid})"

    def container(self, c: Container, now: float) -> bool:
        """Play `c`'s transition if it is due; whether anything happened."""
        if c.stage == Stage.WAITING and c.due is None:
            c.due = now
        if c.due is None or c.due > now + _EPS:
            return False
        if c.stage in (Stage.WAITING, Stage.BLOCKED):
            self._create(c, now)
        elif c.stage == Stage.PULLING:
            self._pulled(c, now)
        elif c.stage == Stage.RUNNING:
            self._running(c, now)
        elif c.stage == Stage.EXITED:
            self._exited(c, now)
        elif c.stage == Stage.BACKOFF:
            self._backoff(c, now)
        else:
            c.due = None
        return True

    # -- creating ----------------------------------------------------------------------------------
    def _create(self, c: Container, now: float) -> None:
        assert self.host is not None
        host, fp = self.host, c.field_path
        image = str(c.spec.get("image", ""))
        ref = parse_image(image)
        if ref is None:
            text = invalid_name_message(image)
            self.event("Warning", "InspectFailed", text, fp)
            self.event("Warning", "Failed", "Error: InvalidImageName", fp)
            self._block(c, now, "InvalidImageName", text)
            return
        present = host.images.present(host.node, ref)
        policy = c.spec.get("imagePullPolicy") or ("Always" if ref.tag == "latest" else "IfNotPresent")
        if policy == "Never" and not present:
            text = f'Container image "{image}" is not present with pull policy of Never'
            self.event("Warning", "ErrImageNeverPull", text, fp)
            self.event("Warning", "Failed", "Error: ErrImageNeverPull", fp)
            self._block(c, now, "ErrImageNeverPull", text)
            return
        if present and policy != "Always":
            self.event("Normal", "Pulled", f'Container image "{image}" already present on machine', fp)
            self._configure(c, now)
            return
        if self.pulls.in_backoff_since_update(image, now):
            self.event("Normal", "BackOff", f'Back-off pulling image "{image}"', fp)
            self.event("Warning", "Failed", "Error: ImagePullBackOff", fp)
            previous = self.pull_errors.get(image)
            text = f'Back-off pulling image "{image}"' + (f": ErrImagePull: {previous}" if previous else "")
            self._block(c, now, "ImagePullBackOff", text)
            return
        self.event("Normal", "Pulling", f'Pulling image "{image}"', fp)
        c.pull = attempt(
            host.cluster.catalog,
            ref,
            authorized=self._authorized(),
            cached=present,
            seed=f"{self.uid}/{c.name}/{c.attempts}",
        )
        c.stage, c.due = Stage.PULLING, now + c.pull.seconds

    def _authorized(self) -> bool:
        """Whether the pod brings credentials: an imagePullSecret of its own or its ServiceAccount's."""
        assert self.host is not None
        spec = self.pod.get("spec") or {}
        names = [s.get("name", "") for s in spec.get("imagePullSecrets") or []]
        account = self.host.cluster.get(
            "ServiceAccount", self.namespace, spec.get("serviceAccountName") or "default"
        )
        names += [s.get("name", "") for s in (account or {}).get("imagePullSecrets") or []]
        found = [n for n in names if self.host.cluster.entry("Secret", self.namespace, n) is not None]
        missing = [n for n in names if n not in found]
        if missing:
            self.event(
                "Warning",
                "FailedToRetrieveImagePullSecret",
                f"Unable to retrieve some image pull secrets ({', '.join(missing)}); "
                "attempting to pull the image may not succeed.",
            )
        return bool(found)

    def _pulled(self, c: Container, now: float) -> None:
        assert self.host is not None
        assert c.pull is not None
        image = str(c.spec.get("image", ""))
        result, fp = c.pull, c.field_path
        c.pull = None
        ref = parse_image(image)
        if result.ok and ref is not None:
            self.host.images.add(self.host.name, ref)
            took = go_duration(math.floor(result.seconds * 1000) / 1000)
            self.event(
                "Normal",
                "Pulled",
                f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
                f"Image size: {result.size} bytes.",
                fp,
            )
            self.pull_errors.pop(image, None)
            self._configure(c, now)
            return
        self.event("Warning", "Failed", f'Failed to pull image "{image}": {result.error}', fp)
        self.pulls.next(image, now, now)
        self.pull_errors[image] = result.error
        self.event("Warning", "Failed", "Error: ErrImagePull", fp)
        self._block(c, now, "ErrImagePull", result.error)

    def _block(self, c: Container, now: float, reason: str, text: str) -> None:
        """A creation error: shown as the waiting reason until the pod worker's next try."""
        c.stage, c.reason, c.message = Stage.BLOCKED, reason, text
        c.attempts += 1
        c.due = now + resync(self.uid, c.name, c.attempts)

    def _configure(self, c: Container, now: float) -> None:
        assert self.host is not None
        problem = env_error(self.host.cluster, self.pod, c.spec)
        if problem is not None:
            text, ref = problem
            self.refs[c.name] = ref
            self.event("Warning", "Failed", f"Error: {text}", c.field_path)
            self._block(c, now, "CreateContainerConfigError", text)
            return
        self.refs.pop(c.name, None)
        self._start(c, now)

    def _start(self, c: Container, now: float) -> None:
        assert self.host is not None
        host = self.host
        image = str(c.spec.get("image", ""))
        ref = parse_image(image)
        assert ref is not None
        if c.created:
            c.restarts += 1
            host.cluster.logs.restart(self.log_key(c))
        c.created = True
        c.container_id = hex64("container", self.uid, c.name, c.restarts)
        c.image = ref.full
        c.image_id = image_id(ref, preloaded=host.images.preloaded(host.node, ref))
        self.event("Normal", "Created", f"Created container: {c.name}", c.field_path)
        self.event("Normal", "Started", f"Started container {c.name}", c.field_path)
        self.launch(c, now)
        c.stage, c.terminated, c.reason, c.message = Stage.RUNNING, None, "", ""
        c.started = not any(p.kind == "startup" for p in c.probes)
        c.started_probe_at = now
        c.ready = c.started and (c.sidecar or not c.init) and not any(p.kind == "readiness" for p in c.probes)
        self._running(c, now)

    def launch(self, c: Container, at: float) -> None:
        """Start `c`'s process (what its image does) and its probes, as of `at`."""
        assert self.host is not None
        host = self.host
        image = str(c.spec.get("image", ""))
        ref = parse_image(image)
        entry = host.cluster.catalog.lookup(ref) if ref is not None else None
        model = entry.model_for(ref.tag) if entry is not None and ref is not None else AppModel(image)
        seed = f"{self.uid}/{c.name}/{c.restarts}"
        source = _with_ip(self.pod, self.ip)
        values = run_values(self.pod, c.spec, model, self.ip, host.ip)
        c.process = start(
            Setting(
                start=at,
                model=model,
                container=c.spec,
                env=environment(host.cluster, self.pod, c.spec, pod_ip=self.ip, host_ip=host.ip),
                files=files(host.cluster, self.pod, c.spec),
                fill=LineFiller(values, host.stamp, seed),
                stamp=host.stamp,
                reach=lambda name, port: host.reach(source, name, port),
                lookup=lambda name: host.lookup(source, name),
                memory_limit=_memory_limit(c.spec),
            )
        )
        c.probes = probes_for(c.spec, seed)
        c.started_at = at

    # -- running -----------------------------------------------------------------------------------
    def _running(self, c: Container, now: float) -> None:
        assert self.host is not None
        assert c.process is not None
        process = c.process
        for at, line in process.advance(now):
            self.host.cluster.logs.append(self.log_key(c), line, self.host.stamp(at))
        end = process.exit()
        limit = now if end is None or end.at > now else end.at
        kill = self._probe(c, limit)
        if kill is not None:
            at, kind = kill
            self.event(
                "Normal",
                "Killing",
                f"Container {c.name} failed {kind} probe, will be restarted",
                c.field_path,
            )
            self._terminate(c, at, 137, "Error")
            return
        if end is not None and end.at <= now + _EPS:
            self._terminate(c, end.at, end.code, end.reason)
            return
        times = [process.wake(now), end.at if end is not None else None, *self._probe_wakes(c, now)]
        future = [t for t in times if t is not None and t > now + _EPS]
        c.due = min(future) if future else None

    def _outcome(self, c: Container, kind_probe: Any) -> Any:
        process = c.process
        assert process is not None
        return lambda at: outcome(kind_probe, process, c.spec, self.ip, at)

    def _probe(self, c: Container, limit: float) -> tuple[float, str] | None:
        """Run `c`'s probes up to `limit`: events, started/ready changes, and a kill if one is due."""
        assert c.process is not None
        breaks = c.process.breaks()
        kill: tuple[float, str] | None = None
        for probe in sorted(c.probes, key=lambda p: _ORDER[p.kind]):
            if (probe.kind == "startup") == c.started:
                continue
            until = limit if kill is None else min(limit, kill[0])
            not_before = c.started_at if probe.kind == "startup" else c.started_probe_at
            emitted = 0
            while True:
                ticks = step(
                    probe, c.started_at, until, self._outcome(c, probe), breaks=breaks, not_before=not_before
                )
                for tick in ticks:
                    if not tick.ok and emitted < MAX_UNHEALTHY_PER_SYNC:
                        self.event("Warning", "Unhealthy", message(probe, tick.message), c.field_path)
                        emitted += 1
                flip = next((t for t in ticks if t.flipped), None)
                if flip is None:
                    break
                if probe.kind == "startup":
                    if flip.ok:
                        c.started, c.started_probe_at = True, flip.at
                        c.ready = not any(p.kind == "readiness" for p in c.probes)
                    else:
                        kill = (flip.at, "startup")
                    break
                if probe.kind == "liveness" and not flip.ok:
                    kill = (flip.at, "liveness")
                    break
                if probe.kind == "readiness":
                    c.ready = flip.ok
            if probe.kind == "startup" and c.started:
                return self._probe(c, limit) if kill is None else kill
        return kill

    def _probe_wakes(self, c: Container, now: float) -> list[float | None]:
        assert c.process is not None
        breaks = c.process.breaks()
        out: list[float | None] = []
        for probe in c.probes:
            if (probe.kind == "startup") == c.started:
                continue
            not_before = c.started_at if probe.kind == "startup" else c.started_probe_at
            out.append(
                next_wake(
                    probe, c.started_at, now, self._outcome(c, probe), breaks=breaks, not_before=not_before
                )
            )
        return out

    # -- exiting and restarting --------------------------------------------------------------------
    def _terminate(self, c: Container, at: float, code: int, reason: str) -> None:
        message = ""
        if code != 0 and c.spec.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            assert self.host is not None
            tail = [line for _, line in self.host.cluster.logs.lines(self.log_key(c), previous=False)][-80:]
            message = ("\n".join(tail) + "\n")[-2048:] if tail else ""
        c.terminated = Terminated(code, reason, c.started_at, at, c.container_id, message)
        c.stage, c.ready, c.started, c.process, c.probes = Stage.EXITED, False, False, None, []
        c.due = at + EXIT_SETTLE

    def _restarts(self, c: Container, code: int) -> bool:
        if c.sidecar:
            return True
        if c.init:
            return code != 0 and self.restart_policy != "Never"
        return self.restart_policy == "Always" or (self.restart_policy == "OnFailure" and code != 0)

    def _exited(self, c: Container, now: float) -> None:
        done = c.terminated
        assert done is not None
        if not self._restarts(c, done.code):
            c.stage, c.due = Stage.DONE, None
            return
        c.last, c.terminated = done, None
        if self.crash.in_backoff_since(c.name, done.finished, now):
            delay = self.crash.get(c.name)
            c.restart_at = done.finished + delay
            c.stage, c.reason = Stage.BACKOFF, "CrashLoopBackOff"
            c.message = (
                f"back-off {go_duration(delay)} restarting failed container={c.name} pod={self._pod_ref}"
            )
            self._backoff_event(c)
            c.due = min(c.restart_at, now + resync(self.uid, c.name, c.attempts))
            return
        self.crash.next(c.name, done.finished, now)
        self._create(c, now)

    def _backoff(self, c: Container, now: float) -> None:
        if now + _EPS >= c.restart_at:
            assert c.last is not None
            self.crash.next(c.name, c.last.finished, now)
            self._create(c, now)
            return
        self._backoff_event(c)
        c.attempts += 1
        c.due = min(c.restart_at, now + resync(self.uid, c.name, c.attempts))

    def _backoff_event(self, c: Container) -> None:
        self.event(
            "Warning",
            "BackOff",
            f"Back-off restarting failed container {c.name} in pod {self._pod_ref}",
            c.field_path,
        )


def _with_ip(pod: dict[str, Any], ip: str) -> dict[str, Any]:
    """The pod as the network sees it once its sandbox has an address."""
    return {**pod, "status": {**(pod.get("status") or {}), "podIP": ip, "podIPs": [{"ip": ip}]}}


def _memory_limit(container: dict[str, Any]) -> float | None:
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if limit is None:
        return None
    try:
        return float(parse_quantity(str(limit)))
    except ValueError:
        return None

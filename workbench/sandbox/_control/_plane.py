"""The control plane's loop: changes in, work queue, controllers out, all on the sandbox clock.

Every write the store commits is handed to each controller's `keys_for`, which names the objects
(its own keys) that change concerns: the ReplicaSet controller maps a pod change to the owning
ReplicaSet, the endpoints controller maps it to the Services that select it. Keys wait in one
ordered, de-duplicated queue; `sync(key)` reconciles one key against the current state (level-
triggered, so running it twice is harmless) and returns how many simulated seconds until it wants to
run again (a back-off, a probe, a pull), or None.

The loop runs on the clock: `call_later(0, drain)` after a change, so with a manual clock nothing
happens until `Sandbox.advance`, and with real time it happens at once on the clock's thread. A
conflict (409) or a vanished object (404) during a sync just requeues the key; any other error is
kept in `errors` (tests assert it stays empty) and the key is retried a second later.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from workbench.errors import SandboxApiError
from workbench.sandbox._subresources import simulated_usage

if TYPE_CHECKING:
    from workbench.sandbox._control._cluster import Cluster
    from workbench.sandbox._store import Change, Key

log = logging.getLogger(__name__)

_RETRY_AFTER_ERROR = 1.0
_MAX_ERRORS = 100


class Controller(Protocol):
    """One reconciler. `name` must be unique within a control plane."""

    name: str

    def keys_for(self, change: Change) -> Iterable[Key]:
        """The keys of this controller a committed change concerns (cheap; no writes)."""
        ...

    def initial_keys(self) -> Iterable[Key]:
        """Keys that need a sync when the control plane starts (objects loaded unfinished)."""
        ...

    def sync(self, key: Key) -> float | None:
        """Reconcile `key`; return seconds until the next wanted sync, or None."""
        ...


class ControlPlane:
    """Runs controllers against a `Cluster` on its clock.

    Args:
        cluster: the cluster view the controllers read and write through.
        controllers: the reconcilers, in the order their queued keys are served when several are due.
    """

    def __init__(self, cluster: Cluster, controllers: Iterable[Controller]) -> None:
        self.cluster = cluster
        self.controllers = {c.name: c for c in controllers}
        self.errors: list[str] = []
        self._changes: deque[Change] = deque()
        self._queue: OrderedDict[tuple[str, Key], None] = OrderedDict()
        self._timers: dict[tuple[str, Key], float] = {}
        self._lock = threading.Lock()
        self._draining = threading.Lock()
        self._scheduled = False
        self._unsubscribe: list[object] = []
        self.syncs = 0

    def usage(self, pod: Mapping[str, Any], container: Mapping[str, Any]) -> tuple[float, float]:
        """(cores, bytes) a running container uses: the kubelet's app model when it runs the pod."""
        for controller in self.controllers.values():
            usage = getattr(controller, "usage", None)
            if usage is not None:
                measured: tuple[float, float] | None = usage(pod, container)
                if measured is not None:
                    return measured
        return simulated_usage(pod, container)

    def start(self) -> None:
        """Subscribe to the store and queue what the loaded objects still need."""
        unsubscribe = self.cluster.api.store.subscribe(self._on_change)
        self._unsubscribe.append(unsubscribe)
        with self._lock:
            for controller in self.controllers.values():
                for key in controller.initial_keys():
                    self._queue[(controller.name, key)] = None
        self._schedule()

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()  # type: ignore[operator]
        self._unsubscribe.clear()

    def enqueue(self, controller: str, key: Key) -> None:
        """Ask for a sync of `key` by `controller` as soon as the loop runs."""
        with self._lock:
            self._queue[(controller, key)] = None
        self._schedule()

    def after(self, seconds: float, controller: str, key: Key) -> None:
        """Ask for a sync of `key` once `seconds` of simulated time have passed."""
        clock = self.cluster.clock
        due = clock.elapsed() + max(0.0, seconds)
        item = (controller, key)
        with self._lock:
            pending = self._timers.get(item)
            if pending is not None and pending <= due + 1e-9:
                return  # an earlier wake-up is already set; its sync asks again for later ones
            self._timers[item] = due

        def fire() -> None:
            with self._lock:
                if self._timers.get(item) == due:
                    del self._timers[item]
                self._queue[item] = None
            self.drain()

        clock.call_later(max(0.0, seconds), fire)

    # -- the loop ------------------------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        # Runs under the store's lock: only remember the change.
        with self._lock:
            self._changes.append(change)
        self._schedule()

    def _schedule(self) -> None:
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        self.cluster.clock.call_later(0, self.drain)

    def drain(self) -> None:
        """Serve every queued change and key until nothing is left (controllers' writes included)."""
        if not self._draining.acquire(blocking=False):
            return  # another drain is running; it will see what was queued
        try:
            with self._lock:
                self._scheduled = False
            while True:
                item = self._next()
                if item is None:
                    return
                self._sync(*item)
        finally:
            self._draining.release()

    def _next(self) -> tuple[str, Key] | None:
        while True:
            with self._lock:
                change = self._changes.popleft() if self._changes else None
                if change is None:
                    if not self._queue:
                        return None
                    return self._queue.popitem(last=False)[0]
            for controller in self.controllers.values():
                try:
                    keys = list(controller.keys_for(change))
                except Exception:  # noqa: BLE001  # a mapping bug must not stop the other controllers
                    self._record_error(controller.name, change.key)
                    continue
                with self._lock:
                    for key in keys:
                        self._queue[(controller.name, key)] = None

    def _sync(self, name: str, key: Key) -> None:
        controller = self.controllers[name]
        self.syncs += 1
        try:
            wait = controller.sync(key)
        except SandboxApiError as exc:
            if exc.code == 409:
                self.enqueue(name, key)  # raced with another writer: look again at the new state
                return
            if exc.code == 404:
                self.after(_RETRY_AFTER_ERROR, name, key)  # something it needed just went away
                return
            self._record_error(name, key)
            self.after(_RETRY_AFTER_ERROR, name, key)
            return
        except Exception:  # noqa: BLE001  # a controller bug is recorded, and the loop goes on for every other key
            self._record_error(name, key)
            self.after(_RETRY_AFTER_ERROR, name, key)
            return
        if wait is not None:
            self.after(wait, name, key)

    def _record_error(self, name: str, key: Key) -> None:
        text = f"{name} {key}: {traceback.format_exc()}"
        log.error("sandbox controller failed: %s", text)
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append(text)

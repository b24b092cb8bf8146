"""Pods and their containers: the ``pods`` and ``containers`` frames from raw Pod list pages.

Each page is decoded into structs that declare only the fields the frames read, then walked once:
one row tuple per pod and per container, transposed into the column lists page by page. Fields
that repeat across the pods of a workload (env, resources, probes, ports, securityContext) stay
raw JSON and are turned into values once per distinct text (`_pod_specs.SpecCache`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _pod_specs as ps
from workbench.frames._pod_specs import image_tag
from workbench.frames._table import Table
from workbench.frames.schema import Containers, Pods
from workbench.sources._kinds import Kind

__all__ = ["build_pods", "image_tag", "kubectl_status", "pod_frames"]


class Container(msgspec.Struct, rename="camel", gc=False):
    name: str = ""
    image: str | None = None
    restart_policy: str | None = None  # "Always" on an init container makes it a sidecar
    # Raw JSON, turned into column values once per distinct text (ps.SpecCache).
    resources: msgspec.Raw = ps.EMPTY
    liveness_probe: msgspec.Raw = ps.EMPTY
    readiness_probe: msgspec.Raw = ps.EMPTY
    startup_probe: msgspec.Raw = ps.EMPTY
    ports: msgspec.Raw = ps.EMPTY
    env: msgspec.Raw = ps.EMPTY
    env_from: msgspec.Raw = ps.EMPTY
    security_context: msgspec.Raw = ps.EMPTY


class PodSpec(msgspec.Struct, rename="camel", gc=False):
    containers: list[Container] = []
    init_containers: list[Container] = []
    node_name: str | None = None
    priority_class_name: str | None = None
    priority: int | None = None
    service_account_name: str | None = None
    restart_policy: str | None = None
    volumes: list[ps.Volume] = []
    image_pull_secrets: list[ps.NameRef] = []
    host_network: bool = False
    host_pid: bool = msgspec.field(name="hostPID", default=False)
    host_ipc: bool = msgspec.field(name="hostIPC", default=False)
    security_context: msgspec.Raw = ps.EMPTY


class Waiting(msgspec.Struct, gc=False):
    reason: str | None = None
    message: str | None = None


class Running(msgspec.Struct, rename="camel", gc=False):
    started_at: str | None = None


class Terminated(msgspec.Struct, rename="camel", gc=False):
    exit_code: int | None = None
    signal: int | None = None
    reason: str | None = None
    message: str | None = None
    started_at: str | None = None
    finished_at: str | None = None


class State(msgspec.Struct, gc=False):
    waiting: Waiting | None = None
    running: Running | None = None
    terminated: Terminated | None = None


class ContainerStatus(msgspec.Struct, rename="camel", gc=False):
    name: str = ""
    ready: bool = False
    started: bool | None = None
    restart_count: int = 0
    state: State | None = None
    last_state: State | None = None


class PodStatus(msgspec.Struct, rename="camel", gc=False):
    phase: str | None = None
    reason: str | None = None
    message: str | None = None
    host_ip: str | None = msgspec.field(name="hostIP", default=None)
    pod_ip: str | None = msgspec.field(name="podIP", default=None)
    start_time: str | None = None
    qos_class: str | None = None
    nominated_node_name: str | None = None
    conditions: list[d.Condition] = []
    container_statuses: list[ContainerStatus] = []
    init_container_statuses: list[ContainerStatus] = []


class Pod(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    spec: PodSpec = msgspec.field(default_factory=PodSpec)
    status: PodStatus = msgspec.field(default_factory=PodStatus)


_DECODER = d.list_decoder(Pod)
_NO_STATUS = ContainerStatus()
_NO_STATE = State()
_NO_WAITING = Waiting()
_NO_TERMINATED = Terminated()
_NO_OWNER = d.OwnerRef()
_NO_CONDITION = d.Condition()

# The order of the values in `_pod_rows`' tuples.
_POD_COLUMNS = (
    Pods.NAMESPACE, Pods.NAME, Pods.UID, Pods.CREATED, Pods.DELETED, Pods.LABELS,
    Pods.OWNER_KIND, Pods.OWNER_NAME, Pods.OWNER_UID, Pods.NODE, Pods.PHASE, Pods.STATUS,
    Pods.REASON, Pods.MESSAGE, Pods.READY, Pods.READY_STATUS, Pods.READY_REASON, Pods.READY_CHANGED,
    Pods.READY_CONTAINERS, Pods.CONTAINERS, Pods.INIT_CONTAINERS, Pods.RESTARTS, Pods.SCHEDULED,
    Pods.SCHEDULED_REASON, Pods.UNSCHEDULABLE_MESSAGE, Pods.INITIALIZED, Pods.START_TIME, Pods.QOS,
    Pods.PRIORITY_CLASS, Pods.PRIORITY, Pods.SERVICE_ACCOUNT, Pods.RESTART_POLICY, Pods.POD_IP,
    Pods.HOST_IP, Pods.NOMINATED_NODE, Pods.CPU_REQUEST, Pods.CPU_LIMIT, Pods.MEMORY_REQUEST,
    Pods.MEMORY_LIMIT, Pods.CONFIG_MAPS, Pods.SECRETS, Pods.VOLUME_CLAIMS, Pods.IMAGE_PULL_SECRETS,
    Pods.HOST_NETWORK, Pods.HOST_PID, Pods.HOST_IPC,
)  # fmt: skip
_CONTAINER_COLUMNS = (
    Containers.NAMESPACE, Containers.NAME, Containers.UID, Containers.CONTAINER, Containers.INIT,
    Containers.INDEX, Containers.NODE, Containers.IMAGE, Containers.IMAGE_TAG, Containers.LATEST_TAG,
    Containers.READY, Containers.STARTED, Containers.RESTARTS, Containers.STATE, Containers.REASON,
    Containers.MESSAGE, Containers.EXIT_CODE, Containers.STARTED_AT, Containers.FINISHED_AT,
    Containers.LAST_REASON, Containers.LAST_EXIT_CODE, Containers.LAST_STARTED_AT,
    Containers.LAST_FINISHED_AT, Containers.CPU_REQUEST, Containers.CPU_LIMIT,
    Containers.MEMORY_REQUEST, Containers.MEMORY_LIMIT, Containers.HAS_LIVENESS,
    Containers.HAS_READINESS, Containers.HAS_STARTUP, Containers.LIVENESS, Containers.READINESS,
    Containers.STARTUP, Containers.PORTS, Containers.PRIVILEGED, Containers.ALLOW_PRIVILEGE_ESCALATION,
    Containers.RUN_AS_NON_ROOT, Containers.CAPABILITIES_ADD,
)  # fmt: skip


def build_pods(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``pods`` and ``containers`` frames from raw Pod List pages.

    Args:
        kind: the Pod kind (unused beyond the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time as they arrive.

    Returns:
        ``{"pods": ..., "containers": ...}`` matching their schemas.
    """
    del kind
    # A LiveSource takes each page's pod names from here instead of decoding every page a second
    # time for them (it keeps them to resume a list whose continue token expires: _live._Pages).
    seen = getattr(pages, "seen", None)

    def decoded() -> Iterator[list[Pod]]:
        for page in pages:
            items = d.decode_items(_DECODER, page)
            if seen is not None:
                seen([f"{p.metadata.namespace}/{p.metadata.name}" for p in items])
            yield items
            del items  # see pod_frames

    return pod_frames(decoded())


def pod_frames(pages: Iterable[list[Pod]]) -> dict[str, pd.DataFrame]:
    """The ``pods`` and ``containers`` frames from pages of decoded `Pod` structs (see `build_pods`)."""
    pods = Table(Pods.FRAME, "Pod", _POD_COLUMNS)
    shared = {Containers.NAMESPACE: pods.codes[Pods.NAMESPACE], Containers.NODE: pods.codes[Pods.NODE]}
    containers = Table(Containers.FRAME, "Pod", _CONTAINER_COLUMNS, shared)
    cache = _Cache(pods, containers)
    # Paused for the whole kind, not per page: the column lists grow to millions of tracked
    # objects, and each collection between pages would walk them all (1.7x slower at 150k pods).
    with d.gc_paused():
        for items in pages:
            pod_rows, container_rows = _rows(items, cache)
            pods.add(pod_rows)
            containers.add(container_rows)
            # Freed before the next page is decoded, whose objects then reuse this memory (still
            # in the CPU caches) instead of new memory: faster, and a page less at the peak.
            del items, pod_rows, container_rows
        return {Pods.FRAME: pods.build(), Containers.FRAME: containers.build()}


class _Cache(ps.SpecCache):
    """The pull's spec cache, and the `Codes` of the categorical columns the rows carry."""

    def __init__(self, pods: Table, containers: Table) -> None:
        super().__init__()
        self.pod_codes = tuple(pods.codes[col] for col in _POD_CATEGORIES)
        self.container_codes = tuple(containers.codes[col] for col in _CONTAINER_CATEGORIES)


# The categorical columns, in the order `_rows` and `_container_rows` unpack their `Codes`.
_POD_CATEGORIES = (
    Pods.NAMESPACE, Pods.NODE, Pods.OWNER_KIND, Pods.PHASE, Pods.STATUS, Pods.REASON, Pods.READY_STATUS,
    Pods.READY_REASON, Pods.SCHEDULED, Pods.SCHEDULED_REASON, Pods.INITIALIZED, Pods.QOS,
    Pods.PRIORITY_CLASS, Pods.SERVICE_ACCOUNT, Pods.RESTART_POLICY,
)  # fmt: skip
_CONTAINER_CATEGORIES = (Containers.STATE, Containers.REASON, Containers.LAST_REASON)


def _rows(pods: list[Pod], cache: _Cache) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """One page's pod rows and container rows (in `_POD_COLUMNS` and `_CONTAINER_COLUMNS` order).

    Categorical columns carry codes (``phases[status.phase]``: see `_table.Codes`).
    """
    pod_rows: list[tuple[Any, ...]] = []
    container_rows: list[tuple[Any, ...]] = []
    (
        namespaces, nodes, owner_kinds, phases, statuses, reasons, ready_statuses, ready_reasons,
        scheduled_statuses, scheduled_reasons, initialized_statuses, qos_classes, priority_classes,
        accounts, restart_policies,
    ) = cache.pod_codes  # fmt: skip
    for pod in pods:
        meta, spec, status = pod.metadata, pod.spec, pod.status
        name, namespace, node = meta.name, namespaces[meta.namespace], nodes[spec.node_name]
        app, sidecars, inits, refs = _container_rows(pod, namespace, node, cache, container_rows)
        ready = scheduled = initialized = _NO_CONDITION
        for cond in status.conditions:
            kind = cond.type
            if kind == "Ready":
                ready = cond
            elif kind == "PodScheduled":
                scheduled = cond
            elif kind == "Initialized":
                initialized = cond
        owner = _NO_OWNER
        for ref in meta.owner_references:
            if ref.controller:
                owner = ref
                break
        ready_containers = restarts = 0
        for cs in status.container_statuses:
            ready_containers += cs.ready
            restarts += cs.restart_count
        for cs in status.init_container_statuses:
            restarts += cs.restart_count
        if not inits and not sidecars and len(app) == 1:  # the common pod, without the general walk
            cpu_request, cpu_limit, memory_request, memory_limit = app[0]
        else:
            running = app + sidecars
            cpu_request, memory_request = _effective(
                [(a[0], a[2]) for a in running], [(a[0], a[2]) for a in inits]
            )
            cpu_limit, memory_limit = _effective(
                [(a[1], a[3]) for a in running], [(a[1], a[3]) for a in inits]
            )
        config_maps, secrets, claims = ps.config_refs(name, spec.volumes, refs, cache)
        n_containers = len(spec.containers)
        scheduled_status = scheduled.status
        pod_rows.append((
            namespace, name, meta.uid, meta.creation_timestamp, meta.deletion_timestamp, meta.labels,
            owner_kinds[owner.kind or None], owner.name or None, owner.uid or None,
            node, phases[status.phase], statuses[kubectl_status(pod)], reasons[status.reason],
            status.message, n_containers > 0 and ready_containers >= n_containers,
            ready_statuses[ready.status or None], ready_reasons[ready.reason], ready.last_transition_time,
            ready_containers, n_containers, len(spec.init_containers), restarts,
            scheduled_statuses[scheduled_status or None], scheduled_reasons[scheduled.reason],
            scheduled.message if scheduled_status == "False" else None,
            initialized_statuses[initialized.status or None], status.start_time,
            qos_classes[status.qos_class],
            priority_classes[spec.priority_class_name], spec.priority,
            accounts[spec.service_account_name], restart_policies[spec.restart_policy],
            status.pod_ip, status.host_ip, status.nominated_node_name,
            cpu_request, cpu_limit, memory_request, memory_limit, config_maps, secrets, claims,
            [s.name for s in spec.image_pull_secrets], spec.host_network, spec.host_pid, spec.host_ipc,
        ))  # fmt: skip
    return pod_rows, container_rows


_Roles = tuple[list[ps.Amounts], list[ps.Amounts], list[ps.Amounts], list[ps.Refs]]


def _container_rows(
    pod: Pod, namespace: int, node: int, cache: _Cache, rows: list[tuple[Any, ...]]
) -> _Roles:
    """Append a pod's container rows (init containers first); its containers' amounts and references.

    Args:
        pod: the pod.
        namespace: its namespace, and node: its node, as codes (see `_rows`).
        cache: the pull's spec cache.
        rows: where its container rows go.

    Returns:
        The `Amounts` of its app containers, of its sidecars and of its other init containers, and
        what every container's env reads.
    """
    meta, spec, status = pod.metadata, pod.spec, pod.status
    name, uid = meta.name, meta.uid
    pod_non_root = cache.pod_non_root[bytes(spec.security_context)]
    containers, images = cache.containers, cache.images
    states, reasons, last_reasons = cache.container_codes
    app: list[ps.Amounts] = []
    sidecars: list[ps.Amounts] = []
    inits: list[ps.Amounts] = []
    refs: list[ps.Refs] = []
    for init, specs, statuses in (
        (True, spec.init_containers, status.init_container_statuses),
        (False, spec.containers, status.container_statuses),
    ):
        if not specs:
            continue
        by_name = {cs.name: cs for cs in statuses}
        for index, c in enumerate(specs):
            cs = by_name.get(c.name, _NO_STATUS)
            state = cs.state or _NO_STATE
            waiting, running, terminated = state.waiting, state.running, state.terminated
            last = (cs.last_state or _NO_STATE).terminated or _NO_TERMINATED
            shown = waiting or terminated or _NO_WAITING
            cached = containers[ps.spec_key(c)]
            amounts = cached.amounts
            if not init:
                app.append(amounts)
            elif c.restart_policy == "Always":
                sidecars.append(amounts)
            else:
                inits.append(amounts)
            refs.append(cached.refs)
            privileged, escalation, non_root, added = ps.privileges(cached.security, pod_non_root)
            tag, latest = images[c.image]
            liveness, readiness, startup = cached.liveness, cached.readiness, cached.startup
            state_name = (
                "waiting" if waiting else "running" if running else "terminated" if terminated else None
            )
            rows.append((
                namespace, name, uid, c.name, init, index, node, c.image, tag, latest,
                cs.ready, bool(cs.started), cs.restart_count,
                states[state_name],
                reasons[shown.reason], shown.message,
                terminated.exit_code if terminated else None,
                running.started_at if running else terminated.started_at if terminated else None,
                terminated.finished_at if terminated else None,
                last_reasons[last.reason], last.exit_code, last.started_at, last.finished_at,
                amounts[0], amounts[1], amounts[2], amounts[3],
                liveness is not None, readiness is not None, startup is not None,
                liveness, readiness, startup,
                list(cached.ports),
                privileged, escalation, non_root, added,
            ))  # fmt: skip
    return app, sidecars, inits, refs


def _effective(
    running: list[tuple[float, int | None]], alone: list[tuple[float, int | None]]
) -> tuple[float, int | None]:
    """Effective (cpu cores, memory bytes) as the scheduler computes them for one pod.

    Args:
        running: (cores, bytes) of the containers that run together: app containers, then sidecars
            (init containers with ``restartPolicy: Always``), which run beside them.
        alone: (cores, bytes) of the other init containers: each runs alone, so the pod needs the
            larger of the sum of ``running`` and the biggest of these.

    Returns:
        NaN/None for a resource that no container sets.
    """
    cpu: float | None = None
    mem: int | None = None
    for ccpu, cmem in running:
        if not math.isnan(ccpu):
            cpu = ccpu if cpu is None else cpu + ccpu
        if cmem is not None:
            mem = cmem if mem is None else mem + cmem
    for icpu, imem in alone:
        if not math.isnan(icpu) and (cpu is None or icpu > cpu):
            cpu = icpu
        if imem is not None and (mem is None or imem > mem):
            mem = imem
    return (math.nan if cpu is None else cpu), mem


def kubectl_status(pod: Pod) -> str:
    """The STATUS column of ``kubectl get pods`` (printers.go printPod), without the restart suffix."""
    status, spec = pod.status, pod.spec
    reason = status.reason or status.phase or ""
    initializing = False
    for i, cs in enumerate(status.init_container_statuses):
        state = cs.state or _NO_STATE
        term, wait = state.terminated, state.waiting
        if term is not None and term.exit_code == 0:
            continue
        sidecar = i < len(spec.init_containers) and spec.init_containers[i].restart_policy == "Always"
        if sidecar and cs.started:
            continue
        initializing = True
        if term is not None:
            if term.reason:
                reason = "Init:" + term.reason
            elif term.signal:
                reason = f"Init:Signal:{term.signal}"
            else:
                reason = f"Init:ExitCode:{term.exit_code}"
        elif wait is not None and wait.reason and wait.reason != "PodInitializing":
            reason = "Init:" + wait.reason
        else:
            reason = f"Init:{i}/{len(spec.init_containers)}"
        break
    if not initializing or _is_true(d.find_condition(status.conditions, "Initialized")):
        has_running = False
        for cs in reversed(status.container_statuses):
            state = cs.state or _NO_STATE
            term, wait = state.terminated, state.waiting
            if wait is not None and wait.reason:
                reason = wait.reason
            elif term is not None and term.reason:
                reason = term.reason
            elif term is not None:
                reason = f"Signal:{term.signal}" if term.signal else f"ExitCode:{term.exit_code}"
            elif cs.ready and state.running is not None:
                has_running = True
        if reason == "Completed" and has_running:
            reason = "Running" if _is_true(d.find_condition(status.conditions, "Ready")) else "NotReady"
    if pod.metadata.deletion_timestamp is not None:
        reason = "Unknown" if status.reason == "NodeLost" else "Terminating"
    return reason


def _is_true(condition: d.Condition | None) -> bool:
    return condition is not None and condition.status == "True"

"""Pods and their containers: the ``pods`` and ``containers`` frames from raw Pod list pages."""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _pod_specs as ps
from workbench.frames.schema import Containers, Pods
from workbench.sources._kinds import Kind


class Resources(msgspec.Struct, gc=False):
    requests: dict[str, d.QuantityText] = {}
    limits: dict[str, d.QuantityText] = {}


class HttpGet(msgspec.Struct, gc=False):
    path: str = ""
    port: int | str = ""
    host: str = ""
    scheme: str = "HTTP"


class PortOnly(msgspec.Struct, gc=False):
    port: int | str = ""
    host: str = ""
    service: str | None = None


class Exec(msgspec.Struct, gc=False):
    command: list[str] = []


class Probe(msgspec.Struct, rename="camel", gc=False):
    http_get: HttpGet | None = None
    tcp_socket: PortOnly | None = None
    grpc: PortOnly | None = None
    exec: Exec | None = None
    initial_delay_seconds: int = 0
    timeout_seconds: int = 1
    period_seconds: int = 10
    success_threshold: int = 1
    failure_threshold: int = 3


class Port(msgspec.Struct, rename="camel", gc=False):
    container_port: int = 0
    name: str | None = None
    protocol: str = "TCP"


class Container(msgspec.Struct, rename="camel", gc=False):
    name: str = ""
    image: str | None = None
    resources: Resources | None = None
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    ports: list[Port] = []
    restart_policy: str | None = None  # "Always" on an init container makes it a sidecar
    env: msgspec.Raw = ps.EMPTY  # decoded once per distinct list (ps.config_refs)
    env_from: msgspec.Raw = ps.EMPTY
    security_context: ps.SecurityContext | None = None


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
    security_context: ps.SecurityContext | None = None


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
_NO_RESOURCES = Resources()
_NO_STATE = State()
_NO_WAITING = Waiting()
_NO_TERMINATED = Terminated()
_NO_OWNER = d.OwnerRef()
_NO_CONDITION = d.Condition()


def build_pods(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``pods`` and ``containers`` frames from raw Pod List pages.

    Args:
        kind: the Pod kind (unused beyond the registry's uniform signature).
        pages: raw JSON List documents, decoded one at a time as they arrive.

    Returns:
        ``{"pods": ..., "containers": ...}`` matching their schemas.
    """
    del kind
    pods = d.Accumulator(Pods.FRAME, kind="Pod")
    containers = d.Accumulator(Containers.FRAME, kind="Pod")
    # Paused for the whole kind, not per page: the column lists grow to millions of tracked
    # objects, and each collection between pages would walk them all (1.7x slower at 150k pods).
    with d.gc_paused():
        for page in pages:
            items = d.decode_items(_DECODER, page)
            pods.extend(_pod_columns(items), len(items))
            containers.extend(_container_columns(items))
        return {Pods.FRAME: pods.build(), Containers.FRAME: containers.build()}


def _requests(containers: list[Container], init: list[Container], which: str) -> tuple[float, int | None]:
    """Effective (cpu cores, memory bytes) as the scheduler computes them for one pod.

    Sidecars (init containers with ``restartPolicy: Always``) run beside the app containers, so
    they add to the app sum; a regular init container runs alone, so the pod needs the larger of
    the app sum and the biggest init container. NaN/None when no container sets the resource.
    """
    if not init and len(containers) == 1:  # the common pod, without the general walk
        res = getattr(containers[0].resources or _NO_RESOURCES, which)
        return d.cpu_cores(res.get("cpu")), d.byte_count(res.get("memory"))
    cpu = mem = None
    for c in containers:
        cpu, mem = _add(cpu, mem, c, which)
    for c in init:
        if c.restart_policy == "Always":
            cpu, mem = _add(cpu, mem, c, which)
    for c in init:
        if c.restart_policy != "Always":
            res = getattr(c.resources or _NO_RESOURCES, which)
            icpu = d.cpu_cores(res.get("cpu"))
            imem = d.byte_count(res.get("memory"))
            if not math.isnan(icpu) and (cpu is None or icpu > cpu):
                cpu = icpu
            if imem is not None and (mem is None or imem > mem):
                mem = imem
    return (float("nan") if cpu is None else cpu), mem


def _add(cpu: float | None, mem: int | None, c: Container, which: str) -> tuple[float | None, int | None]:
    res = getattr(c.resources or _NO_RESOURCES, which)
    if res:
        ccpu = d.cpu_cores(res.get("cpu"))
        cmem = d.byte_count(res.get("memory"))
        if not math.isnan(ccpu):
            cpu = ccpu if cpu is None else cpu + ccpu
        if cmem is not None:
            mem = cmem if mem is None else mem + cmem
    return cpu, mem


def probe_summary(probe: Probe | None) -> str | None:
    """A probe as ``kubectl describe`` prints it (``http-get http://:8080/healthz delay=0s ...``)."""
    if probe is None:
        return None
    if probe.http_get is not None:
        h = probe.http_get
        action = f"http-get {h.scheme.lower()}://{h.host}:{h.port}{h.path}"
    elif probe.tcp_socket is not None:
        action = f"tcp-socket {probe.tcp_socket.host}:{probe.tcp_socket.port}"
    elif probe.grpc is not None:
        action = f"grpc <pod>:{probe.grpc.port} {probe.grpc.service or ''}".rstrip()
    elif probe.exec is not None:
        action = f"exec [{' '.join(probe.exec.command)}]"
    else:
        action = "unknown"
    return (
        f"{action} delay={probe.initial_delay_seconds}s timeout={probe.timeout_seconds}s "
        f"period={probe.period_seconds}s #success={probe.success_threshold} "
        f"#failure={probe.failure_threshold}"
    )


@lru_cache(maxsize=4096)  # a cluster runs few distinct images many times over
def image_tag(image: str | None) -> tuple[str | None, bool]:
    """(tag or None, floats) of an image reference: it floats when tagged ``latest`` or pinned by nothing."""
    if not image:
        return None, False
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else None
    return tag, (tag == "latest" or (tag is None and not digest))


def port_texts(ports: list[Port]) -> list[str]:
    """containerPorts as ``name:port/PROTO`` (``port/PROTO`` when unnamed)."""
    return [
        f"{p.name}:{p.container_port}/{p.protocol}" if p.name else f"{p.container_port}/{p.protocol}"
        for p in ports
    ]


def kubectl_status(pod: Pod) -> str:
    """The STATUS column of ``kubectl get pods`` (printers.go printPod), without the restart suffix."""
    status, spec = pod.status, pod.spec
    reason = status.reason or status.phase or ""
    initializing = False
    for i, cs in enumerate(status.init_container_statuses):
        state = cs.state or State()
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
    initialized = d.find_condition(status.conditions, "Initialized")
    if not initializing or (initialized is not None and initialized.status == "True"):
        has_running = False
        for cs in reversed(status.container_statuses):
            state = cs.state or State()
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
            ready = d.find_condition(status.conditions, "Ready")
            reason = "Running" if ready is not None and ready.status == "True" else "NotReady"
    if pod.metadata.deletion_timestamp is not None:
        reason = "Unknown" if status.reason == "NodeLost" else "Terminating"
    return reason


def _pod_columns(pods: list[Pod]) -> dict[str, list[Any]]:
    # Column by column, one comprehension each: far cheaper than building a row tuple per pod.
    metas = [p.metadata for p in pods]
    specs = [p.spec for p in pods]
    statuses = [p.status for p in pods]
    owners = [m.controller() or _NO_OWNER for m in metas]
    conds = [_conditions(s.conditions) for s in statuses]
    ready = [c[0] for c in conds]
    sched = [c[1] for c in conds]
    ready_counts = [sum(cs.ready for cs in s.container_statuses) for s in statuses]
    requests = [_requests(sp.containers, sp.init_containers, "requests") for sp in specs]
    refs = [
        ps.config_refs(m.name, sp.volumes, sp.init_containers, sp.containers)
        for m, sp in zip(metas, specs, strict=True)
    ]
    limits = [_requests(sp.containers, sp.init_containers, "limits") for sp in specs]
    return {
        Pods.NAMESPACE: [m.namespace for m in metas],
        Pods.NAME: [m.name for m in metas],
        Pods.UID: [m.uid for m in metas],
        Pods.CREATED: [m.creation_timestamp for m in metas],
        Pods.DELETED: [m.deletion_timestamp for m in metas],
        Pods.LABELS: [m.labels for m in metas],
        Pods.OWNER_KIND: [o.kind or None for o in owners],
        Pods.OWNER_NAME: [o.name or None for o in owners],
        Pods.OWNER_UID: [o.uid or None for o in owners],
        Pods.NODE: [sp.node_name for sp in specs],
        Pods.PHASE: [s.phase for s in statuses],
        Pods.STATUS: [kubectl_status(p) for p in pods],
        Pods.REASON: [s.reason for s in statuses],
        Pods.MESSAGE: [s.message for s in statuses],
        Pods.READY: [
            bool(sp.containers) and n >= len(sp.containers) for sp, n in zip(specs, ready_counts, strict=True)
        ],
        Pods.READY_STATUS: [c.status or None for c in ready],
        Pods.READY_REASON: [c.reason for c in ready],
        Pods.READY_CHANGED: [c.last_transition_time for c in ready],
        Pods.READY_CONTAINERS: ready_counts,
        Pods.CONTAINERS: [len(sp.containers) for sp in specs],
        Pods.INIT_CONTAINERS: [len(sp.init_containers) for sp in specs],
        Pods.RESTARTS: [
            sum(cs.restart_count for cs in s.container_statuses)
            + sum(cs.restart_count for cs in s.init_container_statuses)
            for s in statuses
        ],
        Pods.SCHEDULED: [c.status or None for c in sched],
        Pods.SCHEDULED_REASON: [c.reason for c in sched],
        Pods.UNSCHEDULABLE_MESSAGE: [c.message if c.status == "False" else None for c in sched],
        Pods.INITIALIZED: [c[2].status or None for c in conds],
        Pods.START_TIME: [s.start_time for s in statuses],
        Pods.QOS: [s.qos_class for s in statuses],
        Pods.PRIORITY_CLASS: [sp.priority_class_name for sp in specs],
        Pods.PRIORITY: [sp.priority for sp in specs],
        Pods.SERVICE_ACCOUNT: [sp.service_account_name for sp in specs],
        Pods.RESTART_POLICY: [sp.restart_policy for sp in specs],
        Pods.POD_IP: [s.pod_ip for s in statuses],
        Pods.HOST_IP: [s.host_ip for s in statuses],
        Pods.NOMINATED_NODE: [s.nominated_node_name for s in statuses],
        Pods.CPU_REQUEST: [r[0] for r in requests],
        Pods.CPU_LIMIT: [r[0] for r in limits],
        Pods.MEMORY_REQUEST: [r[1] for r in requests],
        Pods.MEMORY_LIMIT: [r[1] for r in limits],
        Pods.CONFIG_MAPS: [r[0] for r in refs],
        Pods.SECRETS: [r[1] for r in refs],
        Pods.VOLUME_CLAIMS: [r[2] for r in refs],
        Pods.IMAGE_PULL_SECRETS: [[s.name for s in sp.image_pull_secrets] for sp in specs],
        Pods.HOST_NETWORK: [sp.host_network for sp in specs],
        Pods.HOST_PID: [sp.host_pid for sp in specs],
        Pods.HOST_IPC: [sp.host_ipc for sp in specs],
    }


def _conditions(conds: list[d.Condition]) -> tuple[d.Condition, d.Condition, d.Condition]:
    """(Ready, PodScheduled, Initialized), an empty condition for each one absent."""
    ready = sched = init = _NO_CONDITION
    for c in conds:
        if c.type == "Ready":
            ready = c
        elif c.type == "PodScheduled":
            sched = c
        elif c.type == "Initialized":
            init = c
    return ready, sched, init


def _container_columns(pods: list[Pod]) -> dict[str, list[Any]]:
    metas: list[d.ObjectMeta] = []
    nodes: list[str | None] = []
    pod_contexts: list[ps.SecurityContext | None] = []
    specs: list[Container] = []
    stats: list[ContainerStatus] = []
    inits: list[bool] = []
    indexes: list[int] = []
    for pod in pods:
        spec, status = pod.spec, pod.status
        for init, cspecs, cstats in (
            (True, spec.init_containers, status.init_container_statuses),
            (False, spec.containers, status.container_statuses),
        ):
            by_name = {cs.name: cs for cs in cstats}
            for index, c in enumerate(cspecs):
                metas.append(pod.metadata)
                nodes.append(spec.node_name)
                pod_contexts.append(spec.security_context)
                specs.append(c)
                stats.append(by_name.get(c.name, _NO_STATUS))
                inits.append(init)
                indexes.append(index)
    states = [cs.state or _NO_STATE for cs in stats]
    waits = [s.waiting for s in states]
    terms = [s.terminated for s in states]
    lasts = [(cs.last_state or _NO_STATE).terminated or _NO_TERMINATED for cs in stats]
    shown = [w or t or _NO_WAITING for w, t in zip(waits, terms, strict=True)]
    resources = [c.resources or _NO_RESOURCES for c in specs]
    tags = [image_tag(c.image) for c in specs]
    privs = [ps.privileges(c.security_context, p) for c, p in zip(specs, pod_contexts, strict=True)]
    return {
        Containers.NAMESPACE: [m.namespace for m in metas],
        Containers.NAME: [m.name for m in metas],
        Containers.UID: [m.uid for m in metas],
        Containers.CONTAINER: [c.name for c in specs],
        Containers.INIT: inits,
        Containers.INDEX: indexes,
        Containers.NODE: nodes,
        Containers.IMAGE: [c.image for c in specs],
        Containers.IMAGE_TAG: [t[0] for t in tags],
        Containers.LATEST_TAG: [t[1] for t in tags],
        Containers.READY: [cs.ready for cs in stats],
        Containers.STARTED: [bool(cs.started) for cs in stats],
        Containers.RESTARTS: [cs.restart_count for cs in stats],
        Containers.STATE: [
            "waiting" if s.waiting else "running" if s.running else "terminated" if s.terminated else None
            for s in states
        ],
        Containers.REASON: [r.reason for r in shown],
        Containers.MESSAGE: [r.message for r in shown],
        Containers.EXIT_CODE: [t.exit_code if t else None for t in terms],
        Containers.STARTED_AT: [
            s.running.started_at if s.running else s.terminated.started_at if s.terminated else None
            for s in states
        ],
        Containers.FINISHED_AT: [t.finished_at if t else None for t in terms],
        Containers.LAST_REASON: [t.reason for t in lasts],
        Containers.LAST_EXIT_CODE: [t.exit_code for t in lasts],
        Containers.LAST_STARTED_AT: [t.started_at for t in lasts],
        Containers.LAST_FINISHED_AT: [t.finished_at for t in lasts],
        Containers.CPU_REQUEST: [d.cpu_cores(r.requests.get("cpu")) for r in resources],
        Containers.CPU_LIMIT: [d.cpu_cores(r.limits.get("cpu")) for r in resources],
        Containers.MEMORY_REQUEST: [d.byte_count(r.requests.get("memory")) for r in resources],
        Containers.MEMORY_LIMIT: [d.byte_count(r.limits.get("memory")) for r in resources],
        Containers.HAS_LIVENESS: [c.liveness_probe is not None for c in specs],
        Containers.HAS_READINESS: [c.readiness_probe is not None for c in specs],
        Containers.HAS_STARTUP: [c.startup_probe is not None for c in specs],
        Containers.LIVENESS: [probe_summary(c.liveness_probe) for c in specs],
        Containers.READINESS: [probe_summary(c.readiness_probe) for c in specs],
        Containers.STARTUP: [probe_summary(c.startup_probe) for c in specs],
        Containers.PORTS: [port_texts(c.ports) for c in specs],
        Containers.PRIVILEGED: [p[0] for p in privs],
        Containers.ALLOW_PRIVILEGE_ESCALATION: [p[1] for p in privs],
        Containers.RUN_AS_NON_ROOT: [p[2] for p in privs],
        Containers.CAPABILITIES_ADD: [p[3] for p in privs],
    }

"""Which pods are failing and how: ONE most specific code per pod, decided in one place.

Every pod analyzer reports the pods triage gives its code, so a crash-looping pod whose last
termination was OOMKilled is ``pod.oomkilled`` and never also ``pod.crashloop``. Precedence, most
specific first:

1. a pod being deleted is only ever ``pod.stuck-terminating`` (5 minutes past its grace period);
2. a Failed pod is ``pod.evicted`` or, unless a Job owns it, ``pod.failed``; Succeeded pods are done;
3. a pod the scheduler cannot place is ``pod.unschedulable``;
4. a container problem, init containers first (they run first): image pull, config error, create
   error, OOM kill, probe-kill restarts, init failure, DNS failures in its log, crash loop;
5. a pod stuck in ContainerCreating: ``pod.mount-failed`` (``pod.config-error`` when the mount
   names a missing ConfigMap/Secret), ``pod.create-error`` (sandbox), else ``pod.not-ready``;
6. a running pod that is not ready: DNS failures, then failing readiness probes, then ``pod.not-ready``;
7. a ready pod whose log or events show DNS failures: ``pod.dns-failures`` as a warning.

Analyzers have no clock: "now" is `_select.as_of`, the capture time or the newest timestamp in the bundle.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.analyzers._common import cluster_now, present, text
from workbench.analyzers.pods._lines import DNS_FAILURE, LogIndex
from workbench.analyzers.pods._scheduler import parse
from workbench.analyzers.pods._select import PULL_EVENT, Row, candidates, dns_event_keys, of_pods, rows
from workbench.analyzers.pods._services import ServiceIndex
from workbench.frames import Frames
from workbench.frames.schema import Containers, Events, Nodes, Pods
from workbench.model import Severity

PodKey = tuple[str, str]

RECENT = pd.Timedelta(hours=1)
"""A restart longer ago than this is history, not an incident."""
STUCK_TERMINATING = pd.Timedelta(minutes=5)
"""How long past its deletionTimestamp (which already includes the grace period) a pod may linger."""
UNSCHEDULABLE_AFTER = pd.Timedelta(minutes=1)
"""Younger unschedulable pods may be waiting for a node the autoscaler is adding."""
UNSCHEDULED_AFTER = pd.Timedelta(minutes=5)
"""A pod no scheduler has looked at (no PodScheduled condition) this long is stuck."""
MOUNT_AFTER = pd.Timedelta(minutes=2)
"""The kubelet retries mounts for a while before a FailedMount means something."""
CREATING_AFTER = pd.Timedelta(minutes=5)
"""A rollout's new pod may take this long to pull and start before it counts as stuck."""
READINESS_AFTER = pd.Timedelta(minutes=2)
"""A starting pod fails readiness for a while; after this long it is failing."""
NOT_READY_AFTER = pd.Timedelta(minutes=5)
"""Not ready this long, with no more specific reason, is worth a look."""
INTERMITTENT_RESTARTS = 3
"""Restarts (within `RECENT`) that make a container that is up right now a crash loop."""

IMAGE_PULL = frozenset(
    {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "SignatureValidationFailed"}
)
CREATE_ERRORS = frozenset(
    {"CreateContainerError", "RunContainerError", "PreCreateHookError", "PreStartHookError"}
)
PROBE_KILL = re.compile(r"Container (?P<container>\S+) failed (?P<probe>liveness|startup) probe")
MISSING_CONFIG = re.compile(r"(?:configmap|secret)s? \"[^\"]+\" not found", re.IGNORECASE)
_PRECEDENCE = (
    "pod.image-pull",
    "pod.config-error",
    "pod.create-error",
    "pod.oomkilled",
    "pod.liveness-restarts",
    "pod.init-failing",
    "pod.dns-failures",
    "pod.crashloop",
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The one problem triage found on a pod.

    Attributes:
        code: the finding code.
        severity: how bad it is.
        pod: the pod's row (``pods`` frame).
        container: the container row that decided it (``containers`` frame), if one did.
        note: which variant applies (``crashing``, ``intermittent``, ``pending``, ``mount``...).
    """

    code: str
    severity: Severity
    pod: Row
    container: Row | None = None
    note: str = ""

    @property
    def key(self) -> PodKey:
        """(namespace, name) of the pod."""
        return (str(self.pod[Pods.NAMESPACE]), str(self.pod[Pods.NAME]))


@dataclass
class Triage:
    """Verdicts for every failing pod of one bundle, and what the analyzers need to explain them.

    ``pods``, ``containers``, ``events`` and ``dns_events`` hold the candidate pods only: those
    not running-ready-unrestarted, plus any with captured log lines or DNS-failure events.
    """

    as_of: pd.Timestamp
    logs: LogIndex
    services: ServiceIndex
    not_ready_nodes: frozenset[str]
    verdicts: dict[PodKey, Verdict] = field(default_factory=dict)
    pods: dict[PodKey, Row] = field(default_factory=dict)
    containers: dict[PodKey, list[Row]] = field(default_factory=dict)
    events: dict[PodKey, list[Row]] = field(default_factory=dict)
    dns_events: dict[PodKey, list[Row]] = field(default_factory=dict)

    def of(self, *codes: str) -> list[Verdict]:
        """Verdicts with one of ``codes``, by pod."""
        return [v for k, v in sorted(self.verdicts.items()) if v.code in codes]

    def pod_events(self, key: PodKey, *reasons: str, warnings_only: bool = False) -> list[Row]:
        """Events about the pod (with one of ``reasons`` when given), oldest last-seen first."""
        rows = self.events.get(key, [])
        if reasons:
            rows = [r for r in rows if text(r[Events.REASON]) in reasons]
        if warnings_only:
            rows = [r for r in rows if r[Events.TYPE] == "Warning"]
        return rows

    def age(self, stamp: Any) -> pd.Timedelta:
        """How long before `as_of` ``stamp`` was (zero when it is unknown)."""
        return self.as_of - stamp if present(stamp) else pd.Timedelta(0)


_CACHE: weakref.WeakKeyDictionary[Frames, Triage] = weakref.WeakKeyDictionary()


def triage(frames: Frames) -> Triage:
    """The verdicts for ``frames`` (computed once per bundle, then shared by every pod analyzer)."""
    cached = _CACHE.get(frames)
    if cached is None:
        cached = _CACHE[frames] = _triage(frames)
    return cached


def _triage(frames: Frames) -> Triage:
    logs = LogIndex(frames)
    nodes = frames.nodes
    t = Triage(
        as_of=cluster_now(frames),
        logs=logs,
        services=ServiceIndex(frames),
        not_ready_nodes=frozenset(str(n) for n in nodes.loc[~nodes[Nodes.READY], Nodes.NAME]),
    )
    events = frames.events
    pod_events = events[(events[Events.OBJECT_KIND] == "Pod").to_numpy()]
    dns_keys = dns_event_keys(pod_events)
    pods = candidates(frames.pods, {*logs.pods(), *dns_keys})
    if not len(pods):
        return t
    keys = pd.MultiIndex.from_arrays([pods[Pods.NAMESPACE].astype(str), pods[Pods.NAME].astype(str)])
    for row in rows(of_pods(frames.containers, Containers.NAMESPACE, Containers.NAME, keys)):
        t.containers.setdefault((str(row[Containers.NAMESPACE]), str(row[Containers.NAME])), []).append(row)
    mine = of_pods(pod_events, Events.OBJECT_NAMESPACE, Events.OBJECT_NAME, keys)
    by_pod: dict[PodKey, list[Row]] = defaultdict(list)
    for row in rows(mine.sort_values(Events.LAST_SEEN, kind="stable")):
        by_pod[(text(row[Events.OBJECT_NAMESPACE]), text(row[Events.OBJECT_NAME]))].append(row)
    for pod in rows(pods):
        key = (str(pod[Pods.NAMESPACE]), str(pod[Pods.NAME]))
        t.pods[key] = pod
        uid = text(pod[Pods.UID])
        # A recreated pod (a StatefulSet's) has the old one's name: leave the old one's events out.
        t.events[key] = [e for e in by_pod.get(key, []) if not uid or text(e[Events.OBJECT_UID]) in (uid, "")]
        t.dns_events[key] = [e for e in t.events[key] if _is_dns_event(e)]
        verdict = _decide(pod, t.containers.get(key, []), t)
        if verdict is not None:
            t.verdicts[key] = verdict
    return t


def _is_dns_event(event: Row) -> bool:
    message = text(event[Events.MESSAGE])
    return (
        event[Events.TYPE] == "Warning"
        and DNS_FAILURE.search(message) is not None
        and PULL_EVENT.search(message) is None
    )


def _decide(pod: Row, containers: list[Row], t: Triage) -> Verdict | None:
    phase = text(pod[Pods.PHASE])
    if present(pod[Pods.DELETED]):
        stuck = t.age(pod[Pods.DELETED]) > STUCK_TERMINATING
        return Verdict("pod.stuck-terminating", Severity.WARNING, pod) if stuck else None
    if phase == "Failed":
        if text(pod[Pods.REASON]) == "Evicted":
            return Verdict("pod.evicted", Severity.WARNING, pod)
        owner = text(pod[Pods.OWNER_KIND])
        if owner == "Job":
            return None  # the Job analyzer reports a Job's failed pods as the Job's failure
        return Verdict("pod.failed", Severity.WARNING if owner else Severity.ERROR, pod)
    if phase == "Unknown":
        return None  # the node cannot report on it: the node's finding covers its pods
    scheduling = _scheduling(pod, t)
    if scheduling is not None or (phase == "Pending" and not present(pod[Pods.NODE])):
        return scheduling
    for c in containers:  # init containers come first and run first: a failing one is where it is stuck
        if not c[Containers.INIT] or (text(c[Containers.STATE]) == "terminated" and _exit(c) == 0):
            continue  # app containers below; an init container that completed is not a failure
        verdict = _container(pod, c, t, init=True)
        if verdict is not None:
            return verdict
    found = [v for c in containers if not c[Containers.INIT] and (v := _container(pod, c, t, init=False))]
    if found:
        return min(found, key=lambda v: (_PRECEDENCE.index(v.code), -int(v.severity)))
    return _pod_level(pod, containers, t)


def _scheduling(pod: Row, t: Triage) -> Verdict | None:
    """``pod.unschedulable``, or None when the scheduler placed it (or may yet)."""
    if present(pod[Pods.NODE]) or present(pod[Pods.NOMINATED_NODE]):
        return None  # placed, or preemption is making room for it
    if text(pod[Pods.SCHEDULED]) == "False":
        if text(pod[Pods.SCHEDULED_REASON]) == "SchedulingGated":
            return None  # held on purpose until its gates are removed
        if t.age(pod[Pods.CREATED]) < UNSCHEDULABLE_AFTER:
            return None
        if text(pod[Pods.OWNER_KIND]) == "DaemonSet" and _daemon_on_tainted_node(pod, t):
            return None
        return Verdict("pod.unschedulable", Severity.ERROR, pod, note="unschedulable")
    if t.age(pod[Pods.CREATED]) >= UNSCHEDULED_AFTER and not present(pod[Pods.SCHEDULED]):
        return Verdict("pod.unschedulable", Severity.ERROR, pod, note="unscheduled")
    return None


def scheduling_message(pod: Row, t: Triage) -> str:
    """The scheduler's latest word: the pod's PodScheduled message, else its last FailedScheduling event."""
    message = text(pod[Pods.UNSCHEDULABLE_MESSAGE])
    if message:
        return message
    key = (str(pod[Pods.NAMESPACE]), str(pod[Pods.NAME]))
    events = t.pod_events(key, "FailedScheduling")
    return text(events[-1][Events.MESSAGE]) if events else ""


def _daemon_on_tainted_node(pod: Row, t: Triage) -> bool:
    """A DaemonSet pod is pinned to one node (every other node "didn't match Pod's node affinity"):
    when that node's taint is all that keeps it out, the DaemonSet is not meant to run there."""
    _, rejections = parse(scheduling_message(pod, t))
    relevant = [r for r in rejections if r.category != "affinity"]
    return bool(relevant) and all(r.category == "taint" for r in relevant)


def _container(pod: Row, c: Row, t: Triage, *, init: bool) -> Verdict | None:
    """The verdict one container alone justifies, or None."""
    state, reason = text(c[Containers.STATE]), text(c[Containers.REASON])
    if state == "waiting":
        if reason in IMAGE_PULL:
            return Verdict("pod.image-pull", Severity.ERROR, pod, c)
        if reason == "CreateContainerConfigError":
            return Verdict("pod.config-error", Severity.ERROR, pod, c)
        if reason in CREATE_ERRORS:
            return Verdict("pod.create-error", Severity.ERROR, pod, c)
    restarts = int(c[Containers.RESTARTS]) if present(c[Containers.RESTARTS]) else 0
    exit_code = c[Containers.EXIT_CODE]
    last_exit = c[Containers.LAST_EXIT_CODE]
    last_reason = text(c[Containers.LAST_REASON])
    failed_now = state == "terminated" and present(exit_code) and int(exit_code) != 0
    crashing = reason == "CrashLoopBackOff" or (failed_now and (init or pod[Pods.RESTART_POLICY] != "Never"))
    recent = (
        restarts > 0
        and t.age(c[Containers.LAST_FINISHED_AT]) <= RECENT
        and (last_reason == "OOMKilled" or (present(last_exit) and int(last_exit) != 0))
    )
    down = crashing or not is_ready(pod)
    severity = Severity.ERROR if down else Severity.WARNING
    if (last_reason == "OOMKilled" and (crashing or recent)) or (
        state == "terminated" and reason == "OOMKilled"
    ):
        return Verdict(
            "pod.oomkilled", Severity.ERROR if init else severity, pod, c, "crashing" if down else "recent"
        )
    if init:
        return Verdict("pod.init-failing", Severity.ERROR, pod, c) if crashing or recent else None
    if restarts > 0 and _probe_kills(t, pod, str(c[Containers.CONTAINER])):
        return Verdict("pod.liveness-restarts", severity, pod, c, "crashing" if down else "intermittent")
    if crashing or (recent and restarts >= INTERMITTENT_RESTARTS):
        note = "crashing" if crashing else "intermittent"
        key = (str(pod[Pods.NAMESPACE]), str(pod[Pods.NAME]))
        if t.logs.matching(key, DNS_FAILURE, str(c[Containers.CONTAINER])) or t.dns_events.get(key):
            return Verdict("pod.dns-failures", severity, pod, c, note)
        return Verdict("pod.crashloop", severity, pod, c, note)
    return None


def _probe_kills(t: Triage, pod: Row, container: str) -> list[Row]:
    """Recent Killing events of ``container`` for a failed liveness or startup probe."""
    key = (str(pod[Pods.NAMESPACE]), str(pod[Pods.NAME]))
    return [
        e
        for e in t.pod_events(key, "Killing")
        if (m := PROBE_KILL.search(text(e[Events.MESSAGE]))) is not None
        and m["container"] == container
        and t.age(e[Events.LAST_SEEN]) <= RECENT
    ]


def _pod_level(pod: Row, containers: list[Row], t: Triage) -> Verdict | None:
    """Verdicts about the pod as a whole: stuck creating, not ready, DNS failures while up."""
    key = (str(pod[Pods.NAMESPACE]), str(pod[Pods.NAME]))
    phase = text(pod[Pods.PHASE])
    dns = bool(t.dns_events.get(key) or t.logs.matching(key, DNS_FAILURE))
    on_bad_node = text(pod[Pods.NODE]) in t.not_ready_nodes  # the node's finding explains its pods
    if phase == "Pending" and not on_bad_node:
        age = t.age(pod[Pods.START_TIME] if present(pod[Pods.START_TIME]) else pod[Pods.CREATED])
        mounts = [
            e for e in t.pod_events(key, "FailedMount", "FailedAttachVolume") if e[Events.TYPE] == "Warning"
        ]
        if mounts and age >= MOUNT_AFTER:
            if any(MISSING_CONFIG.search(text(e[Events.MESSAGE])) for e in mounts):
                return Verdict("pod.config-error", Severity.ERROR, pod, note="mount")
            return Verdict("pod.mount-failed", Severity.ERROR, pod)
        sandbox = t.pod_events(key, "FailedCreatePodSandBox", warnings_only=True)
        if sandbox and age >= MOUNT_AFTER:
            return Verdict("pod.create-error", Severity.ERROR, pod, note="sandbox")
        if age >= CREATING_AFTER:
            return Verdict("pod.not-ready", Severity.WARNING, pod, note="pending")
        return None
    if phase == "Running" and not is_ready(pod) and not on_bad_node:
        since = next(
            (s for s in (pod[Pods.READY_CHANGED], pod[Pods.START_TIME], pod[Pods.CREATED]) if present(s)),
            None,
        )
        age = t.age(since)
        if dns and age >= READINESS_AFTER:
            return Verdict("pod.dns-failures", Severity.ERROR, pod, _first_not_ready(containers), "not-ready")
        failing = [
            e
            for e in t.pod_events(key, "Unhealthy", warnings_only=True)
            if text(e[Events.MESSAGE]).startswith("Readiness probe")
            and (since is None or e[Events.LAST_SEEN] >= since - pd.Timedelta(minutes=1))
        ]
        if failing and age >= READINESS_AFTER:
            return Verdict("pod.readiness-failing", Severity.ERROR, pod, _first_not_ready(containers))
        if age >= NOT_READY_AFTER:
            return Verdict("pod.not-ready", Severity.WARNING, pod, _first_not_ready(containers), "running")
        return None
    if dns and phase == "Running":
        return Verdict("pod.dns-failures", Severity.WARNING, pod, note="ready")
    return None


def _exit(c: Row) -> int | None:
    code = c[Containers.EXIT_CODE]
    return int(code) if present(code) else None


def is_ready(pod: Row) -> bool:
    """Every app container is ready and so is the pod (its readinessGates, if any, are met)."""
    return bool(pod[Pods.READY]) and text(pod[Pods.READY_STATUS]) != "False"


def _first_not_ready(containers: list[Row]) -> Row | None:
    return next((c for c in containers if not c[Containers.INIT] and not c[Containers.READY]), None)

"""Evidence the pod analyzers share: container states, exit codes, events and log lines of a pod."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.analyzers._common import event_evidence, present, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods._lines import Line, hosts
from workbench.analyzers.pods._select import Row
from workbench.analyzers.pods._triage import PodKey, Triage, Verdict
from workbench.frames.schema import Containers, Pods
from workbench.model import Evidence, ObjectRef

DEBUG_PODS = DOCS + "tasks/debug/debug-application/debug-pods/"
LIFECYCLE = DOCS + "concepts/workloads/pods/pod-lifecycle/"
PROBES = DOCS + "tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"

EXIT_CODES = {
    0: "exited successfully, but a long-running container must not exit",
    1: "application error: the program failed on its own (read its log)",
    2: "misuse of a shell builtin or invalid arguments",
    126: "the command cannot be executed (not executable, or permission denied)",
    127: "command not found: the entrypoint or command does not exist in the image",
    128: "the runtime could not start the process (invalid entrypoint, exec format error)",
    130: "interrupted (SIGINT)",
    134: "aborted (SIGABRT): an assertion or abort() in the program",
    137: "killed (SIGKILL): out of memory, a failed liveness probe, or a forced stop",
    139: "segmentation fault (SIGSEGV): the program crashed on invalid memory",
    143: "terminated (SIGTERM): something asked it to stop (a probe, a drain, a rollout)",
    255: "exit status out of range (a program that exited with -1)",
}


def exit_meaning(code: Any) -> str:
    """What an exit code usually means (``""`` when unknown or absent)."""
    if not present(code):
        return ""
    number = int(code)
    if number in EXIT_CODES:
        return EXIT_CODES[number]
    if 128 < number < 160:
        return f"killed by signal {number - 128}"
    return "the program's own exit status"


def when(stamp: Any) -> str:
    """A timestamp as ``2026-05-01T10:00:00Z`` (``?`` when absent)."""
    return f"{pd.Timestamp(stamp):%Y-%m-%dT%H:%M:%SZ}" if present(stamp) else "?"


def duration(delta: pd.Timedelta) -> str:
    """``3d4h``, ``2h5m``, ``12m``, ``40s``: the two largest units."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def pod_ref(pod: Row) -> ObjectRef:
    """The pod's ref."""
    return ref_of(pod, "Pod")


def node_ref(pod: Row) -> ObjectRef | None:
    """The node the pod is on, if it is on one."""
    node = text(pod[Pods.NODE])
    return ObjectRef("Node", "", node) if node else None


def related_node(pod: Row) -> tuple[ObjectRef, ...]:
    """``(node,)`` for a scheduled pod, ``()`` otherwise."""
    node = node_ref(pod)
    return (node,) if node is not None else ()


def related(t: Triage, v: Verdict) -> tuple[ObjectRef, ...]:
    """The pod's node and the Services its captured error lines say it could not reach."""
    return (*related_node(v.pod), *dependencies(t, v.key, container_name(v) or None))


def status_path(c: Row) -> str:
    """``status.containerStatuses[app]`` (``initContainerStatuses`` for an init container)."""
    kind = "initContainerStatuses" if c[Containers.INIT] else "containerStatuses"
    return f"status.{kind}[{c[Containers.CONTAINER]}]"


def state_evidence(c: Row) -> list[Evidence]:
    """The container's current state: reason and message (waiting), or reason and exit code."""
    state = text(c[Containers.STATE])
    if not state:
        return []
    path = f"{status_path(c)}.state.{state}"
    out = []
    if present(c[Containers.REASON]):
        out.append(Evidence("field", f"{path}.reason", text(c[Containers.REASON])))
    if state == "terminated" and present(c[Containers.EXIT_CODE]):
        code = c[Containers.EXIT_CODE]
        out.append(Evidence("field", f"{path}.exitCode", f"{code} ({exit_meaning(code)})"))
    if present(c[Containers.MESSAGE]):
        out.append(Evidence("field", f"{path}.message", text(c[Containers.MESSAGE])))
    return out


def last_termination(c: Row) -> list[Evidence]:
    """The previous run's end: ``OOMKilled, exit code 137 (...), at 2026-...``."""
    if not present(c[Containers.LAST_REASON]) and not present(c[Containers.LAST_EXIT_CODE]):
        return []
    code = c[Containers.LAST_EXIT_CODE]
    value = ", ".join(
        part
        for part in (
            text(c[Containers.LAST_REASON]),
            f"exit code {code} ({exit_meaning(code)})" if present(code) else "",
            f"finished {when(c[Containers.LAST_FINISHED_AT])}"
            if present(c[Containers.LAST_FINISHED_AT])
            else "",
        )
        if part
    )
    return [Evidence("field", f"{status_path(c)}.lastState.terminated", value)]


def restarts(c: Row) -> list[Evidence]:
    """The container's restart count, when it restarted."""
    count = c[Containers.RESTARTS]
    if not present(count) or int(count) == 0:
        return []
    return [Evidence("field", f"{status_path(c)}.restartCount", str(int(count)))]


def container_story(c: Row | None) -> list[Evidence]:
    """State, last termination and restarts of ``c`` (nothing for None)."""
    if c is None:
        return []
    return [*state_evidence(c), *last_termination(c), *restarts(c)]


def events(t: Triage, key: PodKey, *reasons: str, limit: int = 2) -> list[Evidence]:
    """The latest ``limit`` events about the pod with one of ``reasons``, oldest first."""
    return [event_evidence(r) for r in t.pod_events(key, *reasons)[-limit:]]


def log_subject(line: Line, container: str | None = None) -> str:
    """``log app (previous)``: which container's log, and whether the run before the last restart."""
    name = line.container or container or ""
    return "log" + (f" {name}" if name else "") + (" (previous)" if line.previous else "")


def log_lines(t: Triage, key: PodKey, container: str | None, limit: int = 3) -> list[Evidence]:
    """The captured log lines that show best why ``container`` failed (none without logs)."""
    return [
        Evidence("log", log_subject(line, container), line.text)
        for line in t.logs.telling(key, container, limit)
    ]


def container_name(v: Verdict) -> str:
    """The deciding container's name (``""`` when the verdict is about the whole pod)."""
    return str(v.container[Containers.CONTAINER]) if v.container is not None else ""


def kind_of(c: Row | None) -> str:
    """``init container`` or ``container``."""
    return "init container" if c is not None and c[Containers.INIT] else "container"


def memory(value: Any) -> str:
    """Bytes the way a manifest writes them: ``192Mi``, ``1.5Gi``, ``800Ki``."""
    number = float(value)
    for unit, size in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if number >= size:
            scaled = number / size
            return f"{scaled:.0f}{unit}" if scaled.is_integer() or scaled >= 100 else f"{scaled:.1f}{unit}"
    return f"{number:.0f}"


def cpu(cores: Any) -> str:
    """Cores the way a manifest writes them: ``250m``, ``2``."""
    number = float(cores)
    return f"{number:g}" if number >= 1 and number.is_integer() else f"{number * 1000:.0f}m"


def text_node(pod: Row) -> str:
    """``node kind-worker`` (``no node`` when unscheduled)."""
    node = text(pod[Pods.NODE])
    return f"node {node}" if node else "no node"


def dependencies(t: Triage, key: PodKey, container: str | None) -> tuple[ObjectRef, ...]:
    """Services the container's captured error lines say it failed to reach (by name, FQDN or
    cluster IP), other than the ones that select the pod itself: the root-cause linker follows
    them from the crash to the dependency (checkout -> Service data/postgres)."""
    rows = t.logs.telling(key, container, limit=10)
    found: dict[ObjectRef, None] = {}
    pod = t.pods.get(key)
    labels = pod[Pods.LABELS] if pod is not None and isinstance(pod[Pods.LABELS], dict) else {}
    for line in rows:
        for host in sorted(hosts(line.text)):
            ref = t.services.find(host, key[0])
            if ref is not None and not t.services.selects(ref, labels):
                found[ref] = None
    return tuple(found)

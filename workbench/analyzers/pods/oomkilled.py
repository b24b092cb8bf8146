"""``pod.oomkilled``: a container killed for exceeding its memory limit, with limit and usage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pandas as pd

from workbench.analyzers._common import present
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._select import of_pods
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Containers, PodMetrics, Pods
from workbench.model import Evidence, Finding

DOCS_URL = DOCS + "tasks/configure-pod-container/assign-memory-resource/#exceed-a-container-s-memory-limit"


class OomKilled:
    """Containers whose last run ended OOMKilled (exit 137): crash-looping on it now, or recently.

    Evidence: the memory limit and request, the working set from metrics-server when present,
    the termination itself. The usual fix is a higher limit (or finding the leak).
    """

    name: ClassVar[str] = "pod-oomkilled"
    codes: ClassVar[tuple[str, ...]] = ("pod.oomkilled",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        verdicts = t.of("pod.oomkilled")
        usage = _usage(frames, {v.key for v in verdicts}) if verdicts else {}
        for v in verdicts:
            yield _finding(v, t, usage)


def _usage(frames: Frames, keys: set[tuple[str, str]]) -> dict[tuple[str, str, str], int]:
    """Working-set bytes by (namespace, pod, container), for the pods in ``keys``."""
    m = of_pods(
        frames.pod_metrics, PodMetrics.NAMESPACE, PodMetrics.NAME, pd.MultiIndex.from_tuples(sorted(keys))
    )
    return {
        (str(ns), str(pod), str(container)): int(memory)
        for ns, pod, container, memory in zip(
            m[PodMetrics.NAMESPACE],
            m[PodMetrics.NAME],
            m[PodMetrics.CONTAINER],
            m[PodMetrics.MEMORY],
            strict=True,
        )
        if present(memory)
    }


def _finding(v: Verdict, t: Triage, usage: dict[tuple[str, str, str], int]) -> Finding:
    c = v.container
    assert c is not None  # triage gives pod.oomkilled only with the killed container
    name = ev.container_name(v)
    limit = c[Containers.MEMORY_LIMIT]
    request = c[Containers.MEMORY_REQUEST]
    # A container that is not running now (backing off after the kill) shows no usage worth quoting.
    used = usage.get((*v.key, name)) if c[Containers.STATE] == "running" else None
    facts: list[Evidence] = []
    if present(limit):
        facts.append(Evidence("spec", f"spec.containers[{name}].resources.limits.memory", ev.memory(limit)))
    else:
        pod_limit = v.pod[Pods.MEMORY_LIMIT]
        facts.append(
            Evidence(
                "spec",
                f"spec.containers[{name}].resources.limits.memory",
                "not set (the node's memory bounds it)",
            )
        )
        if present(pod_limit):
            facts.append(Evidence("spec", "pod memory limit", ev.memory(pod_limit)))
    if present(request):
        facts.append(
            Evidence("spec", f"spec.containers[{name}].resources.requests.memory", ev.memory(request))
        )
    if used is not None:
        share = f" ({used / int(limit):.0%} of the limit)" if present(limit) and int(limit) else ""
        facts.append(
            Evidence("metric", f"memory working set of {name} (metrics-server)", ev.memory(used) + share)
        )
    restarts = int(c[Containers.RESTARTS]) if present(c[Containers.RESTARTS]) else 0
    limit_text = f" of {ev.memory(limit)}" if present(limit) else ""
    if v.note == "recent":
        what = f"{ev.kind_of(c)} {name} was OOMKilled within the hour"
    else:
        what = f"{ev.kind_of(c)} {name} is OOMKilled over and over"
    return Finding(
        "pod.oomkilled",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: {what} (memory limit{limit_text}, {restarts} restarts)",
        evidence=(
            *ev.container_story(c),
            *facts,
            *ev.events(t, v.key, "BackOff", limit=1),
            *ev.log_lines(t, v.key, name),
        ),
        explanation=(
            "The kernel killed the container because it used more memory than its limit allows "
            "(exit code 137, reason OOMKilled). Either the limit is too low for the work it does, "
            "or the program leaks or loads more data than before: compare its memory use over time "
            "with the limit, then raise the limit (and the request) or fix the program's memory use."
        ),
        docs_url=DOCS_URL,
        planners=("raise-memory-limit", "rollout-undo"),
        related=ev.related_node(v.pod),
    )

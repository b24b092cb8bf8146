"""``pod.readiness-failing``: a running pod that fails its readiness probe, so it gets no traffic."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import event_evidence, present, text
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Containers, Events, Pods
from workbench.model import Evidence, Finding

# What the probe's failure message says about the cause (first match wins).
_CAUSES = (
    (re.compile(r"statuscode: 404"), "the probe's path does not exist (404): the path or port changed"),
    (
        re.compile(r"statuscode: 5\d\d"),
        "the app answers that it is not ready (5xx), often because a dependency is down",
    ),
    (
        re.compile(r"connection refused"),
        "nothing listens on the probe's port: a wrong port, or the app is not up",
    ),
    (
        re.compile(r"timeout|deadline exceeded", re.I),
        "the app answers slower than the probe's timeoutSeconds",
    ),
    (re.compile(r"statuscode: \d+"), "the app answers with an error status"),
)


class ReadinessFailing:
    """Running pods that have been not ready for minutes while their readiness probe fails.

    Evidence: the Ready condition and since when, the probe as configured, the kubelet's latest
    Unhealthy events; the explanation reads the failure (404, 5xx, refused, timeout).
    """

    name: ClassVar[str] = "pod-readiness"
    codes: ClassVar[tuple[str, ...]] = ("pod.readiness-failing",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.readiness-failing"):
            yield _finding(v, t)


def not_ready_facts(v: Verdict, t: Triage) -> list[Evidence]:
    """The Ready condition (since when) and the not-ready container's readiness."""
    pod = v.pod
    since = pod[Pods.READY_CHANGED]
    facts = [
        Evidence(
            "condition",
            "Ready=False",
            (text(pod[Pods.READY_REASON]) or "not ready")
            + (f" since {ev.when(since)} ({ev.duration(t.age(since))})" if present(since) else ""),
        )
    ]
    c = v.container
    if c is not None:
        facts.append(Evidence("field", f"{ev.status_path(c)}.ready", "false"))
        if present(c[Containers.READINESS]):
            facts.append(
                Evidence(
                    "spec",
                    f"spec.containers[{c[Containers.CONTAINER]}].readinessProbe",
                    text(c[Containers.READINESS]),
                )
            )
    return facts


def _finding(v: Verdict, t: Triage) -> Finding:
    failures = [
        e
        for e in t.pod_events(v.key, "Unhealthy", warnings_only=True)
        if text(e[Events.MESSAGE]).startswith("Readiness probe")
    ]
    latest = text(failures[-1][Events.MESSAGE]) if failures else ""
    cause = next((why for pattern, why in _CAUSES if pattern.search(latest)), "the probe fails")
    short = latest.removeprefix("Readiness probe failed:").strip()
    since = v.pod[Pods.READY_CHANGED]
    name = ev.container_name(v)
    return Finding(
        "pod.readiness-failing",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: not ready for {ev.duration(t.age(since))}, readiness probe failing"
        + (f" ({short})" if short else ""),
        evidence=(
            *not_ready_facts(v, t),
            *[event_evidence(e) for e in failures[-1:]],
            *ev.log_lines(t, v.key, name or None),
        ),
        explanation=(
            "The container runs but fails its readiness probe, so its pod is taken out of every "
            f"Service's endpoints and gets no traffic. Probable cause: {cause}. Compare the probe "
            "(path, port, timeouts) with what the app serves, and check the app's dependencies "
            "and log; if a rollout changed the probe or the app, undo it."
        ),
        docs_url=ev.PROBES,
        planners=("fix-probe", "rollout-undo"),
        related=ev.related(t, v),
    )

"""``pod.liveness-restarts``: the kubelet keeps killing a container whose liveness/startup probe fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import event_evidence, present, text
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import PROBE_KILL, Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Containers, Events
from workbench.model import Evidence, Finding


class LivenessRestarts:
    """Containers restarted because a liveness or startup probe failed.

    The kubelet says so in Killing events ("Container x failed liveness probe, will be
    restarted") after Unhealthy ones; the restarts then look like a crash loop with exit code
    137 or 143, which this analyzer reports instead of ``pod.crashloop``.
    """

    name: ClassVar[str] = "pod-liveness"
    codes: ClassVar[tuple[str, ...]] = ("pod.liveness-restarts",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.liveness-restarts"):
            yield _finding(v, t)


def _finding(v: Verdict, t: Triage) -> Finding:
    c = v.container
    assert c is not None  # triage gives pod.liveness-restarts only with the killed container
    name = ev.container_name(v)
    kills = []
    probes = set()
    for e in t.pod_events(v.key, "Killing"):
        m = PROBE_KILL.search(text(e[Events.MESSAGE]))
        if m is not None and m["container"] == name:
            kills.append(e)
            probes.add(m["probe"])
    probe = "startup" if probes == {"startup"} else "liveness"
    unhealthy = [
        e
        for e in t.pod_events(v.key, "Unhealthy", warnings_only=True)
        if text(e[Events.MESSAGE]).lower().startswith(f"{probe} probe")
    ]
    spec = c[Containers.STARTUP] if probe == "startup" else c[Containers.LIVENESS]
    facts = [Evidence("spec", f"spec.containers[{name}].{probe}Probe", text(spec))] if present(spec) else []
    restarts = int(c[Containers.RESTARTS]) if present(c[Containers.RESTARTS]) else 0
    latest = text(unhealthy[-1][Events.MESSAGE]) if unhealthy else ""
    return Finding(
        "pod.liveness-restarts",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: container {name} restarted {restarts} times by its failing {probe} probe",
        evidence=(
            *ev.container_story(c),
            *facts,
            *[event_evidence(e) for e in kills[-1:]],
            *[event_evidence(e) for e in unhealthy[-1:]],
            *ev.log_lines(t, v.key, name),
        ),
        explanation=(
            f"The kubelet kills and restarts the container each time its {probe} probe fails "
            f"failureThreshold times in a row{': ' + latest if latest else ''}. Either the app is "
            "unhealthy (deadlocked, overloaded, a dependency it checks is down) or the probe is wrong "
            "for it: a wrong path or port, a timeout too short, or too little time to start (use a "
            "startupProbe or a longer initialDelaySeconds). A liveness probe must not check dependencies."
        ),
        docs_url=ev.PROBES,
        planners=("fix-probe", "rollout-undo"),
        related=ev.related(t, v),
    )

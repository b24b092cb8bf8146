"""``pod.crashloop``: a container that keeps exiting, with what its exit code says about why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import present
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._select import Row
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.frames import Frames
from workbench.frames.schema import Containers
from workbench.model import Finding

_PLANNERS = {
    126: ("set-image", "rollout-undo"),
    127: ("set-image", "rollout-undo"),
    128: ("set-image", "rollout-undo"),
    137: ("raise-memory-limit", "rollout-undo"),
}
_DEFAULT_PLANNERS = ("rollout-undo", "add-missing-env")


class CrashLoop:
    """Containers that exit and restart over and over (CrashLoopBackOff, or repeated recent restarts).

    Exit code analysis names the likely cause (1 application error, 126/127 command not
    executable/not found, 137 killed, 139 segfault, 143 SIGTERM); the previous run's log lines are
    evidence when the bundle carries them. An OOM kill, a probe kill or a DNS failure in the log
    is reported under its own, more specific code instead.
    """

    name: ClassVar[str] = "pod-crashloop"
    codes: ClassVar[tuple[str, ...]] = ("pod.crashloop",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.crashloop"):
            yield _finding(v, t)


def exit_code(c: Row | None) -> int | None:
    """The exit code of the run that ended last (the previous run's, or the current terminated one's)."""
    if c is None:
        return None
    for col in (Containers.EXIT_CODE, Containers.LAST_EXIT_CODE):
        value = c[col]
        if present(value):
            return int(str(value))  # an Int64 scalar
    return None


def _finding(v: Verdict, t: Triage) -> Finding:
    c = v.container
    name = ev.container_name(v)
    status = exit_code(c)
    restarts = int(c[Containers.RESTARTS]) if c is not None and present(c[Containers.RESTARTS]) else 0
    exit_text = f"exit code {status}" if status is not None else "no exit code"
    if v.note == "intermittent":
        what = f"{ev.kind_of(c)} {name} restarted {restarts} times, last within the hour ({exit_text})"
    else:
        what = f"{ev.kind_of(c)} {name} is crash-looping ({exit_text}, {restarts} restarts)"
    meaning = ev.exit_meaning(status)
    explanation = (
        f"The {ev.kind_of(c)} keeps exiting and the kubelet restarts it with a growing back-off. "
        + (f"Exit code {status}: {meaning}. " if meaning else "")
        + "Read the previous run's log (kubectl logs --previous -c "
        + f"{name}) and compare the image, command, env and config with the last version that worked; "
        "if a rollout started this, undo it."
    )
    return Finding(
        "pod.crashloop",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: {what}",
        evidence=(
            *ev.container_story(c),
            *ev.events(t, v.key, "BackOff", limit=1),
            *ev.log_lines(t, v.key, name or None),
        ),
        explanation=explanation,
        docs_url=ev.DEBUG_PODS,
        planners=_PLANNERS.get(status or 0, _DEFAULT_PLANNERS),
        related=ev.related(t, v),
    )

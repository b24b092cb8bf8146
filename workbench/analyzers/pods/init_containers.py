"""``pod.init-failing``: an init container that keeps failing, so the pod never starts its app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import present
from workbench.analyzers.base import DOCS
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._triage import Triage, Verdict, triage
from workbench.analyzers.pods.crashloop import exit_code
from workbench.frames import Frames
from workbench.frames.schema import Containers
from workbench.model import Finding

DOCS_URL = DOCS + "tasks/debug/debug-application/debug-init-containers/"


class InitFailing:
    """Init containers that exit non-zero and are retried (Init:CrashLoopBackOff, Init:Error).

    Init containers that completed are not failures; an init container that cannot pull its
    image or read its config gets that more specific code instead.
    """

    name: ClassVar[str] = "pod-init"
    codes: ClassVar[tuple[str, ...]] = ("pod.init-failing",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for v in t.of("pod.init-failing"):
            yield _finding(v, t)


def _finding(v: Verdict, t: Triage) -> Finding:
    c = v.container
    assert c is not None  # triage gives pod.init-failing only with the failing init container
    name = ev.container_name(v)
    status = exit_code(c)
    restarts = int(c[Containers.RESTARTS]) if present(c[Containers.RESTARTS]) else 0
    meaning = ev.exit_meaning(status)
    return Finding(
        "pod.init-failing",
        v.severity,
        ev.pod_ref(v.pod),
        f"{ev.pod_ref(v.pod)}: init container {name} keeps failing "
        f"({'exit code ' + str(status) if status is not None else 'no exit code'}, {restarts} restarts); "
        "the app containers never start",
        evidence=(
            *ev.container_story(c),
            *ev.events(t, v.key, "BackOff", limit=1),
            *ev.log_lines(t, v.key, name),
        ),
        explanation=(
            "Init containers run one after another before the app containers, and each must exit 0; "
            "this one fails, so the kubelet retries it with a back-off and the pod stays in Init. "
            + (f"Exit code {status}: {meaning}. " if meaning else "")
            + f"Read its log (kubectl logs -c {name} --previous): init containers usually wait for a "
            "dependency, run a migration or fetch config, so check what it talks to."
        ),
        docs_url=DOCS_URL,
        planners=("rollout-undo", "set-image"),
        related=ev.related(t, v),
    )

"""``pod.log-errors``: fatal or repeated error lines in the captured log of a pod nothing else reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from workbench.analyzers._common import present, text
from workbench.analyzers.pods import _evidence as ev
from workbench.analyzers.pods._lines import ERROR_LINE, FATAL_LINE, Line, distinct
from workbench.analyzers.pods._select import Row
from workbench.analyzers.pods._triage import triage
from workbench.frames import Frames
from workbench.frames.schema import Pods
from workbench.model import Evidence, Finding, ObjectRef, Severity

MIN_ERRORS = 3
"""Error lines (without a fatal one) a container's captured log needs before it is worth a finding."""


class LogErrors:
    """Error lines in captured logs (k8sgpt's Log analyzer, kept conservative).

    Runs only on the ``logs`` frame, which holds what the caller captured (the report captures
    the failing containers'). A pod that already has a finding gets its telling log lines as
    evidence there, not a second finding: this reports only pods nothing else does, whose log
    has a fatal line (FATAL, panic, a traceback) or at least `MIN_ERRORS` error lines — e.g. a
    container that restarted a while ago after a panic and runs again. Only running pods: a
    finished Job's pods belong to the Job's finding.
    """

    name: ClassVar[str] = "pod-logs"
    codes: ClassVar[tuple[str, ...]] = ("pod.log-errors",)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        t = triage(frames)
        for key in t.logs.pods():
            pod = t.pods.get(key)
            if pod is None or key in t.verdicts or present(pod[Pods.DELETED]) or pod[Pods.PHASE] != "Running":
                continue  # reported with these lines as evidence, gone, being deleted, or finished (a Job's)
            lines = t.logs.lines(key)
            fatal = [line for line in lines if FATAL_LINE.search(line.text)]
            errors = [line for line in lines if ERROR_LINE.search(line.text)]
            if fatal or len(errors) >= MIN_ERRORS:
                yield _finding(pod, fatal, errors, (*ev.related_node(pod), *ev.dependencies(t, key, None)))


def _finding(pod: Row, fatal: list[Line], errors: list[Line], related: tuple[ObjectRef, ...]) -> Finding:
    shown = distinct(fatal or errors)[-3:]
    containers = sorted({line.container for line in errors if line.container})
    what = f"{len(fatal)} fatal" if fatal else f"{len(errors)} error"
    return Finding(
        "pod.log-errors",
        Severity.WARNING,
        ev.pod_ref(pod),
        f"{ev.pod_ref(pod)}: {what} line(s) in the captured log"
        + (f" of {', '.join(containers)}" if containers else ""),
        evidence=tuple(Evidence("log", ev.log_subject(line), line.text) for line in shown),
        explanation=(
            "The pod runs, but its log reports "
            + (
                "that the program died (a fatal error or panic): it restarted and may do so again. "
                if fatal
                else "errors. "
            )
            + f"Read the whole log around these lines (kubectl logs {text(pod[Pods.NAME])} --previous "
            "for the run before a restart) to see whether requests fail or a dependency is down."
        ),
        docs_url=ev.DEBUG_PODS,
        related=related,
    )

"""Building investigations: read-only kubectl commands, and the generic one any finding gets.

Commands are joined with `shlex.join`, so a name read from the cluster is always one quoted
argument; `Investigation` itself refuses any command that is not a read-only ``kubectl`` one.
"""

from __future__ import annotations

import re
import shlex

from workbench.analyzers._common import records
from workbench.frames import Frames
from workbench.frames.schema import Containers
from workbench.model import Finding, Investigation, ObjectRef
from workbench.remediation.planners import _frames as fx

_RELATED_COMMANDS = 3
"""Related objects the generic investigation describes, at most."""
_EVIDENCE_SHOWN = 3
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def kubectl(*args: str) -> str:
    """One ``kubectl`` command line, each argument quoted as the shell needs."""
    return shlex.join(["kubectl", *args])


def _scope(target: ObjectRef) -> tuple[str, ...]:
    return ("-n", target.namespace) if target.namespace else ()


def describe(target: ObjectRef) -> str:
    """``kubectl describe <kind> <name> -n <namespace>``."""
    return kubectl("describe", target.kind.lower(), target.name, *_scope(target))


def get(target: ObjectRef, *options: str) -> str:
    """``kubectl get <kind> <name> -n <namespace> <options>``."""
    return kubectl("get", target.kind.lower(), target.name, *_scope(target), *options)


def events(target: ObjectRef) -> str:
    """The events about ``target``, oldest first."""
    selector = f"involvedObject.kind={target.kind},involvedObject.name={target.name}"
    # Events about a cluster-scoped object (a Node) live in some namespace: look in all of them.
    scope = _scope(target) or ("-A",)
    return kubectl("get", "events", *scope, "--field-selector", selector, "--sort-by", ".lastTimestamp")


def logs(pod: ObjectRef, container: str = "", *, previous: bool = False) -> str:
    """``kubectl logs <pod> -n <namespace> [-c <container>] [--previous]``."""
    return kubectl(
        "logs",
        pod.name,
        *_scope(pod),
        *(("-c", container) if container else ()),
        *(("--previous",) if previous else ()),
    )


def investigation(title: str, finding: Finding, checks: list[str], commands: list[str]) -> Investigation:
    """An investigation of ``finding`` (commands deduplicated, order kept)."""
    return Investigation(title, (finding.id,), tuple(checks), tuple(dict.fromkeys(commands)))


def generic(finding: Finding, frames: Frames) -> Investigation:
    """What to check for a finding no planner can fix: its explanation, its evidence, its objects."""
    checks = [f"No planner fixes {finding.code} safely from the cluster's state: find the cause by hand."]
    checks += [s.strip() for s in _SENTENCE.split(finding.explanation) if s.strip()]
    if finding.evidence:
        shown = "; ".join(str(e) for e in finding.evidence[:_EVIDENCE_SHOWN])
        checks.append(f"Start from the evidence the analysis found: {shown}.")
    if finding.related:
        checks.append(
            "Look at the objects it implicates: " + ", ".join(str(r) for r in finding.related) + "."
        )
    commands = [describe(finding.ref), events(finding.ref)]
    if finding.ref.kind == "Pod":
        commands += pod_logs(frames, finding.ref)
    commands += [describe(r) for r in finding.related[:_RELATED_COMMANDS]]
    return investigation(f"Find the cause: {finding.summary}", finding, checks, commands)


def pod_logs(frames: Frames, pod: ObjectRef) -> list[str]:
    """``kubectl logs`` of the pod's app containers, and of their previous run when they restarted."""
    out = []
    pods = fx.rows_of(frames.pods, pod.namespace, pod.name)
    if not len(pods):
        return [logs(pod)]
    for c in fx.containers(frames, records(pods)):
        if c[Containers.INIT]:
            continue
        name = str(c[Containers.CONTAINER])
        out.append(logs(pod, name))
        if fx.number(c[Containers.RESTARTS]) > 0:
            out.append(logs(pod, name, previous=True))
    return out

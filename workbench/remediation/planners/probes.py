"""``fix-probe``: a startup probe for a container killed before it starts; the readiness path its
log names instead of one that answers 404.

``pod.liveness-restarts`` — rule: the container has a liveness probe and no startup probe, and
every killed run of it in the workload lasted no longer than the liveness probe allows
(initialDelay + period x failureThreshold, plus two periods of slack): it was killed before it had
started. The plan adds a startup probe with the liveness probe's own handler and period, whose
failureThreshold x period covers three times the longer of the observed run and that allowance
(the real start time is unknown — the app never got there — so the margin is generous: a start
that hangs is only detected later). The liveness probe stays as it is. Scenario
``liveness-restarts``: killed after 45 s, allowance 45 s -> 14 x 10 s = 140 s to start; the app
needs ~50 s, so it heals. A container that ran longer before its kills started, or that already
has a startup probe, gets an investigation: it is unhealthy, not slow.

``pod.readiness-failing`` — rule: the readiness probe is an HTTP GET that answers 404 (the path does
not exist) and the container's log names exactly one path close to the probe's (``/ready`` ->
``/readyz``, see `_names`): the plan points the probe there, all else unchanged. Scenario
``readiness-probe`` (the app logs "readiness: /readyz") heals. Any other failure (503: a dependency,
as in ``networkpolicy-deny``; refused; timeouts) gets an investigation.

Probes are rebuilt from the frames' summaries (`_probes`): exec probes are not, and httpHeaders are
lost (said in the notes, visible in the dry-run diff).
"""

from __future__ import annotations

import math
import re
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import present, records, text
from workbench.frames import Frames
from workbench.frames.schema import Containers, Events, Logs
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv
from workbench.remediation.planners import _probes as probes
from workbench.remediation.planners._names import close_names

MARGIN = 3
"""The startup probe allows this many times the time the container was seen to need at least."""
SLACK_PERIODS = 2
"""A killed run no longer than the liveness allowance plus this many periods never started."""
_PROBE_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
_SPEC = re.compile(r"^spec\.containers\[(?P<name>[^\]]+)\]\.(?P<probe>liveness|readiness|startup)Probe$")
_PATH = re.compile(r"(?<![\w.:/-])(/[A-Za-z0-9][A-Za-z0-9_./-]*)")


class FixProbe:
    """Add a startup probe, or fix a readiness path, from the evidence (see the module docstring)."""

    name: ClassVar[str] = "fix-probe"
    codes: ClassVar[tuple[str, ...]] = ("pod.liveness-restarts", "pod.readiness-failing")

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A set-probe step, or an investigation of the probe's failure."""
        if finding.ref.kind != "Pod":
            return None
        probe = "liveness" if finding.code == "pod.liveness-restarts" else "readiness"
        container = _container(frames, finding, probe)
        if container is None:
            return None
        top = fx.workload(frames, finding.ref)
        if probe == "liveness":
            return _startup(finding, frames, container, top)
        return _readiness(finding, frames, container, top)


def _container(frames: Frames, finding: Finding, probe: str) -> fx.Row | None:
    """The container whose ``probe`` the finding is about."""
    named = {m["name"] for e in finding.evidence if (m := _SPEC.match(e.subject)) and m["probe"] == probe}
    pod = records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
    column = Containers.LIVENESS if probe == "liveness" else Containers.READINESS
    candidates = [c for c in fx.containers(frames, pod) if not c[Containers.INIT] and present(c[column])]
    chosen = [c for c in candidates if str(c[Containers.CONTAINER]) in named] or candidates
    return chosen[0] if len(chosen) == 1 else None


def _seconds(start: Any, end: Any) -> float | None:
    if not present(start) or not present(end):
        return None
    return float((pd.Timestamp(end) - pd.Timestamp(start)).total_seconds())


def _startup(finding: Finding, frames: Frames, c: fx.Row, top: ObjectRef | None) -> Plan | Investigation:
    name = str(c[Containers.CONTAINER])
    liveness = probes.parse(text(c[Containers.LIVENESS]))
    if top is None or top.kind not in _PROBE_KINDS or liveness is None or c[Containers.HAS_STARTUP]:
        return _unhealthy(finding, c, top, liveness, None)
    period = int(liveness["periodSeconds"])
    allowance = liveness["initialDelaySeconds"] + period * liveness["failureThreshold"]
    rows = fx.containers(frames, fx.pods_of(frames, top), name) or [c]
    runs = [s for r in rows if (s := _seconds(r[Containers.LAST_STARTED_AT], r[Containers.LAST_FINISHED_AT]))]
    longest = max(runs, default=0.0)
    if longest > allowance + SLACK_PERIODS * period:
        return _unhealthy(finding, c, top, liveness, longest)
    needed = MARGIN * max(longest, allowance)
    failures = max(1, math.ceil(needed / period))
    settings = probes.handler(liveness) | {
        "periodSeconds": period,
        "timeoutSeconds": liveness["timeoutSeconds"],
        "successThreshold": 1,
        "failureThreshold": failures,
    }
    step = PlanStep(
        Action.SET_PROBE,
        top,
        {"container": name, "probe": "startup", "settings": settings},
        f"Add a startup probe to container {name} of {fx.describe(top)} "
        f"({probes.handler_text(liveness)} every {period}s, up to {failures * period}s to start), so its "
        "liveness probe waits until it has started",
        finding.id,
    )
    seen = f"after at most {longest:.0f}s" if runs else "within its liveness allowance"
    return Plan(
        f"Give {fx.describe(top)} time to start before its liveness probe counts",
        (step,),
        findings=(finding.id,),
        notes=(
            f"The container was killed {seen}, before it had started (its liveness probe allows "
            f"{allowance}s); the startup probe allows {MARGIN} times the longer of the two.",
            "The liveness probe is unchanged: it takes over once the startup probe succeeds and still "
            "restarts a container that hangs later.",
            "Watch the new pods become ready with no restarts. If they fail the startup probe too, the app "
            "needs even longer or never starts: read its log. The probe summary in the frames has no "
            "httpHeaders: if the liveness probe sends some, add them to the startup probe before approving.",
        ),
    )


def _unhealthy(
    finding: Finding, c: fx.Row, top: ObjectRef | None, liveness: dict[str, Any] | None, longest: float | None
) -> Investigation:
    name = str(c[Containers.CONTAINER])
    checks = []
    if longest is not None:
        checks.append(
            f"Container {name} ran {longest:.0f}s before a kill, longer than its liveness probe needs to "
            "fail: it had started, then stopped answering. It is unhealthy, not slow to start."
        )
    if c[Containers.HAS_STARTUP]:
        checks.append(
            f"Container {name} already has a startup probe ({text(c[Containers.STARTUP])}): is it long "
            "enough?"
        )
    if liveness is None:
        checks.append(
            "Its liveness probe cannot be rebuilt from the frames (an exec probe): read it in the spec."
        )
    if top is None or top.kind not in _PROBE_KINDS:
        checks.append(f"{fx.describe(top or finding.ref)} has no pod template a plan can change.")
    checks += [
        "Read the log of the run before the kill: a deadlock, exhausted connections, a dependency the "
        "probe checks (a liveness probe must not check dependencies)?",
        "Compare the probe's path, port and timeout with what the app serves.",
    ]
    commands = [inv.describe(finding.ref), inv.logs(finding.ref, name, previous=True)]
    return inv.investigation(f"Find why {name}'s liveness probe fails", finding, checks, commands)


def _readiness(finding: Finding, frames: Frames, c: fx.Row, top: ObjectRef | None) -> Plan | Investigation:
    name = str(c[Containers.CONTAINER])
    readiness = probes.parse(text(c[Containers.READINESS]))
    failures = [
        text(e[Events.MESSAGE])
        for e in fx.events(frames, finding.ref, "Unhealthy")
        if text(e[Events.MESSAGE]).startswith("Readiness probe")
    ] or [v for s, v in fx.evidence_values(finding, "event") if v.startswith("Readiness probe")]
    latest = failures[-1] if failures else ""
    if readiness is None or "httpGet" not in readiness or "statuscode: 404" not in latest:
        return _not_ready(finding, c, latest)
    old = readiness["httpGet"]["path"]
    close = close_names(old, _logged_paths(frames, finding, name))
    if len(close) != 1 or top is None or top.kind not in _PROBE_KINDS:
        return _not_ready(finding, c, latest, close)
    new = close[0]
    settings = readiness | {"httpGet": readiness["httpGet"] | {"path": new}}
    step = PlanStep(
        Action.SET_PROBE,
        top,
        {"container": name, "probe": "readiness", "settings": settings},
        f"Point the readiness probe of container {name} in {fx.describe(top)} at {new}, the path its log "
        f"names (it asks {old}, which answers 404)",
        finding.id,
    )
    return Plan(
        f"Fix the readiness probe path of {fx.describe(top)}",
        (step,),
        findings=(finding.id,),
        notes=(
            "Only the path changes; delays, period and thresholds stay. The frames' probe summary has no "
            "httpHeaders: if the probe sends some, the diff shows them dropped; add them back before "
            "approving.",
            "Watch the new pods become Ready and the Services that select them get endpoints.",
        ),
    )


def _logged_paths(frames: Frames, finding: Finding, container: str) -> set[str]:
    logs = frames.logs
    lines = [
        text(r[Logs.LINE])
        for r in (records(fx.rows_of(logs, finding.ref.namespace, finding.ref.name)) if len(logs) else [])
        if text(r[Logs.CONTAINER]) in (container, "")
    ]
    lines += [v for _, v in fx.evidence_values(finding, "log")]
    return {p.rstrip(".") for line in lines for p in _PATH.findall(line)}


def _not_ready(finding: Finding, c: fx.Row, latest: str, close: list[str] | None = None) -> Investigation:
    name = str(c[Containers.CONTAINER])
    checks = [
        f"Container {name}'s readiness probe ({text(c[Containers.READINESS]) or 'not in the frames'}) fails"
        + (f": {latest}" if latest else ".")
    ]
    if "statuscode: 404" in latest:
        checks.append(
            "404: the app answers, but not on that path. "
            + (f"Its log names several close paths ({', '.join(close)}): decide which one. " if close else "")
            + "Find the health paths it serves (its docs, its startup log) and point the probe there."
        )
    elif re.search(r"statuscode: 5\d\d", latest):
        checks.append("5xx: the app says it is not ready, usually because a dependency it checks is down.")
    elif "connection refused" in latest:
        checks.append(
            "Connection refused: nothing listens on the probe's port; compare it with the container's ports."
        )
    elif "timeout" in latest.lower() or "deadline" in latest.lower():
        checks.append("Timeout: the app answers slower than the probe's timeoutSeconds, or not at all.")
    services = [r for r in finding.related if r.kind == "Service"]
    if services:
        checks.append(
            "Its log names "
            + ", ".join(str(s) for s in services)
            + ": check that they have ready endpoints and that no NetworkPolicy drops the traffic to them "
            "(an i/o timeout rather than a refusal suggests dropped packets)."
        )
    commands = [inv.describe(finding.ref), inv.logs(finding.ref, name)]
    for svc in services:
        commands += [inv.kubectl("get", "endpoints", svc.name, "-n", svc.namespace)]
        commands += [inv.kubectl("get", "networkpolicies", "-n", svc.namespace)]
    return inv.investigation(f"Find why {name} is not ready", finding, checks, commands)

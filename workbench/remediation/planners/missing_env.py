"""``add-missing-env``: give a crash-looping container the environment variable its log says is
missing, from the Secret or ConfigMap in its namespace that has a key of exactly that name.

Rule: the container's captured log lines (the bundle's ``logs`` frame, and the log lines the
finding quotes as evidence) name a variable that is not set ("required environment variable
DATABASE_URL is not set", "DATABASE_URL must be set", Python's ``KeyError: 'DATABASE_URL'``...).
When exactly one Secret or ConfigMap in the pod's namespace has a key with that exact name, the
plan sets the variable from it (``valueFrom.secretKeyRef`` / ``configMapKeyRef``). Values are never
read: only key names are in the frames. No holder, or several, is not enough evidence: the
investigation says which objects to look at. A log that names no variable is not this planner's
case (None).

Scenario ``crashloop``: invoice-api 2.3.1 logs that DATABASE_URL is not set; Secret invoice-api-db
is the only object in billing with that key: the plan sets it from there, which heals the scenario.
"""

from __future__ import annotations

import re
from typing import ClassVar

from workbench.analyzers._common import records, text
from workbench.frames import Frames
from workbench.frames.schema import Containers, Logs
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _config as cfg
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv

_VAR = r"[\"'`]?(?P<var>[A-Z][A-Z0-9_]*[A-Z0-9])[\"'`]?"
MISSING_ENV = (  # also read by recreate_job: a failed Job's log asks for a variable the same way
    re.compile(
        r"(?i:environment variable|env(?:ironment)?[ _-]?var(?:iable)?)s?\s*[:=]?\s*"
        + _VAR
        + r"\s+(?i:is\s+)?(?i:not set|unset|missing|not defined|undefined|required|must be set|empty)"
    ),
    re.compile(
        r"(?i:missing|required|undefined|unset)\s+(?i:required\s+)?"
        r"(?i:environment variable|env(?:ironment)?[ _-]?var(?:iable)?)s?\s*[:=]?\s*" + _VAR
    ),
    re.compile(r"KeyError:\s*" + _VAR),
    re.compile(_VAR + r"\s+(?i:is not set|must be set|is required|is missing|not set)\b"),
)
"""How programs say a variable is missing (Go, Node, Python, Java config loaders)."""
_SUBJECT = re.compile(r"^log (?P<container>[^\s(]+)")


class AddMissingEnv:
    """Set the variable a crash-looping container's log says is missing (see the module docstring)."""

    name: ClassVar[str] = "add-missing-env"
    codes: ClassVar[tuple[str, ...]] = ("pod.crashloop",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A set-env step from the one Secret/ConfigMap key named like the missing variable."""
        if finding.ref.kind != "Pod":
            return None
        missing = _missing(frames, finding)
        if not missing:
            return None
        container = next(iter(missing))
        wanted = missing[container]
        top = fx.workload(frames, finding.ref)
        ns = finding.ref.namespace
        found = {var: cfg.holders(frames, ns, var) for var in wanted}
        if top is None or top.kind not in fx.TEMPLATE_KINDS or any(len(h) != 1 for h in found.values()):
            return _investigate(finding, frames, top, container, found)
        env = [cfg.env_from(var, found[var][0], var) for var in wanted]
        sources = ", ".join(f"key {var} of {found[var][0].kind} {ns}/{found[var][0].name}" for var in wanted)
        step = PlanStep(
            Action.SET_ENV,
            top,
            {"container": container, "env": env},
            f"Set {', '.join(wanted)} in container {container} of {fx.describe(top)} from {sources}",
            finding.id,
        )
        steps = [step, *cfg.forced_rollback(frames, top, finding.ref, finding.id)]
        return Plan(
            f"Give {fx.describe(top)} the environment its log says is missing",
            tuple(steps),
            findings=(finding.id,),
            notes=(
                f"The log says {', '.join(wanted)} is not set; the plan reads it from the only object in "
                f"{ns} that has such a key (its value is not known here: check it is meant for this app).",
                "Watch the rollout: the new pods should start and stay up. A program reports one missing "
                "variable at a time: if the new pods exit naming another, analyze again.",
            ),
        )


def _lines(frames: Frames, finding: Finding) -> list[tuple[str, str]]:
    """(container, line) of the pod's captured log, then of the log lines the finding quotes."""
    logs = frames.logs
    mine = records(fx.rows_of(logs, finding.ref.namespace, finding.ref.name)) if len(logs) else []
    out = [(text(r[Logs.CONTAINER]), text(r[Logs.LINE])) for r in mine]
    for subject, value in fx.evidence_values(finding, "log"):
        m = _SUBJECT.match(subject)
        out.append((m["container"] if m else "", value))
    return out


def _missing(frames: Frames, finding: Finding) -> dict[str, list[str]]:
    """Container -> the variables its log says are missing (first seen first)."""
    pod = records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
    app = [str(c[Containers.CONTAINER]) for c in fx.containers(frames, pod) if not c[Containers.INIT]]
    out: dict[str, list[str]] = {}
    for container, line in _lines(frames, finding):
        name = container or (app[0] if len(app) == 1 else "")
        if name not in app:
            continue  # a line whose container is unknown, or an init container's
        for pattern in MISSING_ENV:
            for m in pattern.finditer(line):
                if m["var"] not in out.setdefault(name, []):
                    out[name].append(m["var"])
    return {c: v for c, v in out.items() if v}


def _investigate(
    finding: Finding,
    frames: Frames,
    top: ObjectRef | None,
    container: str,
    found: dict[str, list[ObjectRef]],
) -> Investigation:
    ns = finding.ref.namespace
    owner = top or finding.ref
    checks = [f"Container {container}'s log says {', '.join(found)} is not set."]
    commands = [inv.describe(finding.ref), inv.logs(finding.ref, container, previous=True)]
    for var, holders in found.items():
        if not holders:
            unread = cfg.unread(frames)
            checks.append(
                f"No ConfigMap or Secret in {ns} has a key {var}"
                + (f" ({' and '.join(unread)}s could not be read)" if unread else "")
                + ": find where the value lives (the app's docs, another namespace, a vault) and create it."
            )
        else:
            listed = ", ".join(f"{h.kind} {h.name}" for h in holders)
            checks.append(
                f"Several objects in {ns} have a key {var} ({listed}): decide which one this app must read."
            )
            commands += [inv.describe(h) for h in holders]
    if top is None or top.kind not in fx.TEMPLATE_KINDS:
        checks.append(f"{fx.describe(owner)} has no pod template a plan can change: fix its manifest.")
    checks.append(f"Then add the variable to container {container} of {fx.describe(owner)} (env valueFrom).")
    return inv.investigation(f"Find where {', '.join(found)} should come from", finding, checks, commands)

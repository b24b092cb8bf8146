"""``recreate-job``: a Job failed because its pods' log says a variable is not set; make the Job again
with it set.

Rule: a Job that failed (``job.failed``) and that no CronJob or other controller made, whose pods'
captured log lines say a variable is missing (the ``add-missing-env`` planner's patterns: "EXPORT_BUCKET
is not set", Python's ``KeyError: 'EXPORT_BUCKET'``...). A Job's pod template is immutable and a failed
Job starts no more pods, so the plan is one `Action.RECREATE_JOB` step: delete the Job and create it
again from its manifest with the variable set. When exactly one ConfigMap or Secret in the namespace has
a key of that name, the variable reads it (``valueFrom``); when none has it, the value is something only
a person knows: the step holds ``${NAME}`` and the plan asks for it (`PlanInput` named as the variable,
its prompt quoting what the log asked). Several objects with the key, a Job a CronJob made (the
CronJob's template is what to fix), or no such log line: not this planner's case (None), and
``investigate-job`` answers. Only key names are read, never values.

Scenario ``failed-job``: ledger-export 1.2.0 logs "EXPORT_BUCKET is not set; where should the export
go?" and no object in finance has such a key: the plan asks for the bucket and recreates the Job with
it, and the new Job completes.
"""

from __future__ import annotations

import re
from typing import ClassVar

from workbench.analyzers._common import records, text
from workbench.frames import Frames
from workbench.frames.schema import Containers, Jobs, Logs, Pods
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanInput, PlanStep
from workbench.remediation.planners import _config as cfg
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners.missing_env import MISSING_ENV

_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z?\s+")
"""A timestamp a log line starts with (left out of the line the prompt quotes)."""
_INPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_QUOTED = 160
"""Characters of the log line the prompt quotes at most."""


class RecreateJob:
    """Recreate a failed Job with the variable its log says is missing (see the module docstring)."""

    name: ClassVar[str] = "recreate-job"
    codes: ClassVar[tuple[str, ...]] = ("job.failed",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A recreate-job step setting the missing variables, else None."""
        if finding.ref.kind != "Job":
            return None
        job = fx.row(frames, finding.ref)
        if job is None or text(job[Jobs.OWNER_KIND]) or text(job[Jobs.STATUS]) != "Failed":
            return None  # a CronJob's run (fix the CronJob), another controller's, or not failed
        missing = _missing(frames, finding.ref)
        if not missing:
            return None
        container, wanted = next(iter(missing.items()))
        ns = finding.ref.namespace
        env: list[dict[str, object]] = []
        inputs: list[PlanInput] = []
        sources: list[str] = []
        for var, line in wanted.items():
            holders = cfg.holders(frames, ns, var)
            if len(holders) > 1 or (not holders and not _INPUT_NAME.fullmatch(var)):
                return None  # which object is meant is a person's call: the investigation lists them
            if holders:
                env.append(cfg.env_from(var, holders[0], var))
                sources.append(f"{var} from key {var} of {holders[0].kind} {ns}/{holders[0].name}")
            else:
                env.append({"name": var, "value": "${" + var + "}"})
                inputs.append(_ask(finding.ref, container, var, line, frames))
                sources.append(f"{var}=${{{var}}}")
        target = fx.ref(frames, "Job", ns, finding.ref.name)
        step = PlanStep(
            Action.RECREATE_JOB,
            target,
            {"container": container, "env": env},
            f"Delete {fx.describe(target)} and create it again with {', '.join(sources)} in container "
            f"{container}",
            finding.id,
        )
        return Plan(
            f"Run {fx.describe(target)} again with the environment its log says is missing",
            (step,),
            findings=(finding.id,),
            notes=_notes(target, list(wanted), inputs, frames),
            inputs=tuple(inputs),
        )


def _missing(frames: Frames, job: ObjectRef) -> dict[str, dict[str, str]]:
    """App container -> the variables its logs say are missing -> the first line saying so."""
    pods = frames.pods
    mine = pods[
        (
            (pods[Pods.NAMESPACE] == job.namespace)
            & (pods[Pods.OWNER_KIND] == "Job").fillna(False)
            & (pods[Pods.OWNER_NAME] == job.name).fillna(False)
        ).to_numpy(dtype=bool)
    ]
    rows = records(mine)
    app = {str(c[Containers.CONTAINER]) for c in fx.containers(frames, rows) if not c[Containers.INIT]}
    names = {str(p[Pods.NAME]) for p in rows}
    logs = frames.logs
    if not names or not len(logs):
        return {}
    lines = records(
        logs[((logs[Logs.NAMESPACE] == job.namespace) & logs[Logs.NAME].isin(names)).to_numpy(dtype=bool)]
    )
    out: dict[str, dict[str, str]] = {}
    for r in lines:
        container, line = text(r[Logs.CONTAINER]), text(r[Logs.LINE])
        if container not in app:
            continue  # an init container's, or a container the pods no longer have
        for pattern in MISSING_ENV:
            for m in pattern.finditer(line):
                out.setdefault(container, {}).setdefault(m["var"], line)
    return out


def _ask(job: ObjectRef, container: str, var: str, line: str, frames: Frames) -> PlanInput:
    """What to ask a person for a variable no ConfigMap or Secret holds: what the log asked."""
    said = _STAMP.sub("", line).strip()
    said = said if len(said) <= _QUOTED else said[: _QUOTED - 1] + "…"
    unread = cfg.unread(frames)
    hidden = f" ({' and '.join(unread)}s could not be read)" if unread else ""
    return PlanInput(
        var,
        f"the value of {var} for container {container} of {fx.describe(job)}: no ConfigMap or Secret in "
        f"{job.namespace} has it{hidden}, and its log says: {said}",
    )


def _notes(target: ObjectRef, wanted: list[str], inputs: list[PlanInput], frames: Frames) -> tuple[str, ...]:
    name, ns = target.name, target.namespace
    notes = [
        f"The log says {', '.join(wanted)} is not set. A Job's pod template is immutable (the API server "
        "refuses a change to spec.template) and a failed Job starts no more pods, so the Job is deleted "
        "and created again from its manifest with the variable set; the server gives it a new uid and "
        "selector.",
        f"The Job's pods run again from the start: {fx.describe(target)} does its work again, side effects "
        "included (what it writes or sends, it writes or sends again). Its failed pods are deleted with the "
        f"old Job, and their logs with them: save what you need first (kubectl logs job/{name} -n {ns}).",
        "A Job cannot be put back, so there is no rollback: the old Job's manifest is kept in the apply's "
        "audit record. Fix the manifest where it is kept (the repository, the release pipeline) too, or the "
        "next deploy of it fails the same way.",
    ]
    if inputs:
        names = [item.name for item in inputs]
        fill = ", ".join(f'{n}="..."' for n in names)
        flags = " ".join(f"--set {n}=VALUE" for n in names)
        notes.append(
            f"The value of {', '.join(names)} is not in the cluster: give it (plan.fill({fill}), or "
            f"workbench fix {flags}). It is written into the Job as a literal value; a secret belongs in a "
            "Secret, read with valueFrom instead."
            + (" Secrets could not be read here: one may hold it." if "Secret" in cfg.unread(frames) else "")
        )
    return tuple(notes)

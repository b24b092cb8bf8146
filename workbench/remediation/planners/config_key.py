"""``repoint-config-key``: a container reads a ConfigMap/Secret key that was renamed; read the new name.

Rule: the kubelet says "couldn't find key SMTP_HOST in ConfigMap notifications/mailer-config"; the
object exists and has exactly one key close to the missing one (``SMTP_HOSTNAME``: the same name
extended, or one edit away — see `_names`). The plan re-points the env entry at that key with
``set-env``. Values are never read; only key names are in the frames.

Two assumptions, both written in the plan's notes so the reviewer checks them in the dry-run diff:
the frames do not carry the pod template's env entries, so the entry that reads the key is taken
to be named like the key (the usual convention) — if the diff *adds* a variable instead of
changing one, the entry has another name and the plan must be rejected; and the kubelet names one
missing key at a time, so a second renamed key shows up only after this one is fixed.

No close key, several close keys (an ambiguity only a person can resolve), a missing object (not a
key) or a pod without a changeable template give an investigation. Scenarios: ``config-error``
(SMTP_HOST -> SMTP_HOSTNAME) gets a plan, which heals it; ``incident`` (postgres-credentials now has
``username`` and ``password``, the StatefulSet reads POSTGRES_USER and POSTGRES_PASSWORD) gets an
investigation: no key is close to POSTGRES_USER, and re-pointing one variable would not be enough.
"""

from __future__ import annotations

import re
from typing import ClassVar

from workbench.analyzers._common import records, text
from workbench.frames import Frames
from workbench.frames.schema import Containers
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanStep
from workbench.remediation.planners import _config as cfg
from workbench.remediation.planners import _frames as fx
from workbench.remediation.planners import _investigate as inv
from workbench.remediation.planners._names import close_names

_MISSING_KEY = re.compile(
    r"couldn't find key (?P<key>\S+) in (?P<kind>ConfigMap|Secret) (?P<ns>[^/\s]+)/(?P<name>[^\s:]+)"
)
_MISSING_OBJECT = re.compile(r"(?P<kind>configmap|secret)s? \"(?P<name>[^\"]+)\" not found", re.I)


class RepointConfigKey:
    """Read a renamed ConfigMap/Secret key under its new name (see the module docstring)."""

    name: ClassVar[str] = "repoint-config-key"
    codes: ClassVar[tuple[str, ...]] = ("pod.config-error",)

    def propose(self, finding: Finding, frames: Frames) -> Plan | Investigation | None:
        """A set-env step re-pointing the variable at the one close key, else an investigation."""
        if finding.ref.kind != "Pod":
            return None
        container, message = _message(frames, finding)
        m = _MISSING_KEY.search(message)
        if m is None:
            return _missing_object(finding, message)
        source = fx.ref(frames, m["kind"], m["ns"], m["name"])
        key = m["key"]
        have = cfg.keys(frames, source.kind, source.namespace, source.name)
        close = close_names(key, have or [])
        top = fx.workload(frames, finding.ref)
        if (
            have is None
            or len(close) != 1
            or not container
            or top is None
            or top.kind not in fx.TEMPLATE_KINDS
        ):
            return _investigate(finding, source, key, have=have, close=close, top=top)
        new = close[0]
        step = PlanStep(
            Action.SET_ENV,
            top,
            {"container": container, "env": [cfg.env_from(key, source, new)]},
            f"Re-point env var {key} of container {container} in {fx.describe(top)} at key {new} of "
            f"{source.kind} {source.namespace}/{source.name} ({key} no longer exists there)",
            finding.id,
        )
        return Plan(
            f"Read the renamed key {new} in {fx.describe(top)}",
            (step, *cfg.forced_rollback(frames, top, finding.ref, finding.id)),
            findings=(finding.id,),
            notes=(
                f"Assumed: the env entry that reads key {key} is named {key} (the frames do not hold the pod "
                f"template's env). In the dry-run diff that entry's key must change to {new}; if a new "
                "variable is added instead, reject the plan and edit the entry that reads the key.",
                f"{source.kind} {source.namespace}/{source.name} has keys {', '.join(have)}; {new} is the "
                f"only one close to {key}. Check it holds the same setting.",
                "Watch the new pods start. The kubelet names one missing key at a time: if they stop on "
                "another missing key, analyze again.",
            ),
        )


def _message(frames: Frames, finding: Finding) -> tuple[str, str]:
    """(container, message) of the container waiting in CreateContainerConfigError (else the
    finding's evidence messages, container unknown)."""
    pod = records(fx.rows_of(frames.pods, finding.ref.namespace, finding.ref.name))
    for c in fx.containers(frames, pod):
        if text(c[Containers.REASON]) == "CreateContainerConfigError" and _MISSING_KEY.search(
            text(c[Containers.MESSAGE])
        ):
            return str(c[Containers.CONTAINER]), text(c[Containers.MESSAGE])
    return "", " ".join(e.value for e in finding.evidence)


def _missing_object(finding: Finding, message: str) -> Investigation:
    m = _MISSING_OBJECT.search(message)
    kind = ("ConfigMap" if m["kind"].lower() == "configmap" else "Secret") if m else "ConfigMap or Secret"
    name = m["name"] if m else ""
    ns = finding.ref.namespace
    what = f"{kind} {ns}/{name}" if name else f"a {kind} the pod reads"
    checks = [
        f"{what} does not exist, so the kubelet will not start the container.",
        "Find out whether it was deleted or renamed (another object with a similar name in the namespace?), "
        "or never created in this namespace (it exists in another one?).",
        "Create it with the data the app needs, or fix the reference in the pod template; a plan cannot "
        "create it because its values are not known here.",
    ]
    commands = [inv.describe(finding.ref), inv.kubectl("get", "configmaps", "-n", ns)]
    commands.append(inv.kubectl("describe", "secrets", "-n", ns))
    return inv.investigation(f"Find or recreate {what}", finding, checks, commands)


def _investigate(
    finding: Finding,
    source: ObjectRef,
    key: str,
    *,
    have: list[str] | None,
    close: list[str],
    top: ObjectRef | None,
) -> Investigation:
    where = f"{source.kind} {source.namespace}/{source.name}"
    checks = [f"The container reads key {key} of {where}, which has no such key."]
    if have is None:
        checks.append(f"{where} is not in the frames (it does not exist, or its kind could not be read).")
    elif not close:
        listed = ", ".join(have) or "none"
        checks.append(
            f"Its keys are {listed}; none is a rename of {key}. If a change renamed several keys, every "
            "variable that reads one must follow (the kubelet reports only the first missing key)."
        )
    elif len(close) > 1:
        checks.append(
            f"Several keys are close to {key} ({', '.join(close)}): decide which one holds the setting."
        )
    if top is None or top.kind not in fx.TEMPLATE_KINDS:
        checks.append(f"{fx.describe(top or finding.ref)} has no pod template a plan can change.")
    checks += [
        f"Find the change that altered {where} (its annotations, the config repository's history).",
        "Restore the keys the workload reads, or change every env entry that reads a renamed key.",
    ]
    commands = [inv.describe(finding.ref), inv.describe(source)]
    if top is not None:
        template = ".spec.jobTemplate.spec.template" if top.kind == "CronJob" else ".spec.template"
        commands.append(inv.get(top, "-o", f"jsonpath={{{template}.spec.containers[*].env}}"))
    return inv.investigation(f"Find which key of {where} replaces {key}", finding, checks, commands)

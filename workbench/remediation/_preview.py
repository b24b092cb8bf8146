"""The dry-run: ask RBAC, send every step with ``dryRun=All``, diff before and after. Nothing changes.

Steps that change the same object are chained: the second step is previewed against the object as
the server's dry run of the first left it, so the diff of a plan is the diff of the plan as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from workbench.errors import PlanNotReadyError, StepRejectedError
from workbench.model import AccessCheck, DryRun, FieldChange, Plan, PlanStep, StepPreview
from workbench.remediation._client import Writer
from workbench.remediation._diff import changes, yaml_created, yaml_diff
from workbench.remediation._recreate import preview as recreate_preview
from workbench.remediation._steps import Access, Prepared, key, prepare, send

_SSAR = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
_SSR = "/apis/authentication.k8s.io/v1/selfsubjectreviews"


def whoami(writer: Writer) -> str:
    """The user the API server takes our requests to be from (SelfSubjectReview), or ``""``."""
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    try:
        answer = writer.send("POST", _SSR, body, dry_run=False)
    except StepRejectedError:
        return ""  # servers before 1.28 do not serve it; the audit record then names the context only
    return str(((answer.body.get("status") or {}).get("userInfo") or {}).get("username") or "")


def review(writer: Writer, access: Iterable[Access]) -> tuple[AccessCheck, ...]:
    """One SelfSubjectAccessReview per distinct question, in order."""
    out = []
    for question in dict.fromkeys(access):
        attributes = {
            "verb": question.verb,
            "group": question.group,
            "resource": question.resource,
            "subresource": question.subresource,
            "namespace": question.namespace,
            "name": question.name,
        }
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {k: v for k, v in attributes.items() if v}},
        }
        try:
            status = writer.send("POST", _SSAR, body, dry_run=False).body.get("status") or {}
            allowed, reason = bool(status.get("allowed")), str(status.get("reason") or "")
        except StepRejectedError as exc:
            allowed, reason = False, f"the access review itself was refused: {exc}"
        where = question.namespace
        out.append(AccessCheck(question.verb, question.label, where, question.name, allowed, reason))
    return tuple(out)


def preview(
    plan: Plan, writer: Writer, *, now: datetime, user: str
) -> tuple[DryRun, dict[str, dict[str, Any]]]:
    """The server-side dry run of every step (see the module docstring).

    Returns:
        The dry-run, and each object as it was read (by ref key): the baseline that apply compares
        the live objects with.
    """
    run = _Preview(writer, now, plan.digest)
    steps = tuple(run.step(i, step) for i, step in enumerate(plan.steps))
    return DryRun(plan, writer.context, user, now, steps), run.baselines


class _Preview:
    def __init__(self, writer: Writer, now: datetime, digest: str) -> None:
        self.writer = writer
        self.now = now
        self.digest = digest
        self.state: dict[str, dict[str, Any]] = {}  # latest object per ref key (dry-run answers chain)
        self.baselines: dict[str, dict[str, Any]] = {}  # first read of each object

    def step(self, index: int, step: PlanStep) -> StepPreview:
        try:
            prepared = prepare(step, self.writer, self.state, now=self.now, digest=self.digest)
        except (PlanNotReadyError, StepRejectedError) as exc:
            return StepPreview(index, step, (), accepted=False, message=str(exc))
        for k, obj in prepared.read.items():
            self.baselines.setdefault(k, obj)
        versions = {k: str(self.baselines[k]["metadata"].get("resourceVersion", "")) for k in prepared.read}
        access = review(self.writer, prepared.access)
        before = dict(prepared.read)
        message, accepted = prepared.note, True
        warnings: list[str] = []
        recreated: dict[str, dict[str, Any]] = {}  # ref key → the new Job as the dry run made it
        for write in prepared.writes:
            try:
                answer = send(self.writer, write, dry_run=True)
            except StepRejectedError as exc:
                accepted, message = False, str(exc)
                break
            warnings.extend(answer.warnings)
            if write.method in ("PUT", "PATCH") or write.creates:
                self.state[key(write.ref)] = answer.body
            elif write.replaces:
                recreated[key(write.ref)] = answer.body
        diff, fields = _diff(prepared, before, self.state, recreated) if accepted else ("", ())
        return StepPreview(
            index,
            step,
            access,
            accepted=accepted,
            message=message,
            versions=versions,
            diff=diff,
            changes=fields,
            restarts=tuple(sorted(set(prepared.restarts))),
            warnings=tuple(dict.fromkeys(warnings)),
        )


def _diff(
    prepared: Prepared,
    before: dict[str, dict[str, Any]],
    state: dict[str, dict[str, Any]],
    recreated: dict[str, dict[str, Any]],
) -> tuple[str, tuple[FieldChange, ...]]:
    diffs: list[str] = []
    fields: list[FieldChange] = []
    replaced = {key(write.ref) for write in prepared.writes if write.replaces}
    for write in prepared.writes:
        k = key(write.ref)
        if write.replaces:
            text, changed = recreate_preview(before[k], recreated[k], label=k)
            diffs.append(text)
            fields.extend(changed)
        elif write.method == "DELETE" and k in replaced:
            continue  # said by the create that replaces it
        elif write.creates:
            diffs.append(yaml_created(state[k], label=k))
            fields.append(FieldChange(f"{k} (created)", None, "created"))
        elif write.method in ("PUT", "PATCH") and k in before:
            if (text := yaml_diff(before[k], state[k], label=k)) and text not in diffs:
                diffs.append(text)
                fields.extend(changes(before[k], state[k]))
        elif write.method == "DELETE":
            fields.append(FieldChange(f"{k} (deleted)", "exists", None))
        elif write.method == "POST":
            fields.append(FieldChange(f"{k} (evicted)", "running", None))
    return "".join(diffs), tuple(fields)

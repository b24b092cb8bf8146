"""Apply an approved, dry-run plan: preconditions, step-by-step writes, undo on failure, rollback plan.

Order of refusal, before anything is written:
1. no approval, or one for other content (the plan was edited after approval) → `ApprovalError`;
2. no dry-run of exactly this plan, or a dry-run that found a problem → `PlanNotReadyError`;
3. the audit log cannot be written → `AuditError`;
4. an object's desired state (spec, data, labels, annotations) changed since the dry-run →
   `ConflictError`. Status-only changes (a controller's heartbeat) are not conflicts.
Every write then carries the resourceVersion it was computed from, so a change that slips in between
the check and the write is a 409 from the server. A conflict on status alone is retried (re-read,
re-checked, re-sent), as client-go's ``RetryOnConflict`` does. If a step still fails, the steps already
applied are restored (objects they created are deleted again) and `ApplyFailedError` carries the result.
A create is never retried: a 409 there means the name is taken.

A recreated Job (`Action.RECREATE_JOB`) cannot be put back: its old pods ran and its status is history.
Its step deletes the Job, waits (briefly, `GONE_TIMEOUT`) until that uid is gone, then creates the new
one; neither the undo of a failed apply nor the rollback plan touches it, and the step's message (in
the result and the audit record) carries the old Job's manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from workbench.errors import ApplyFailedError, ConflictError, PlanNotReadyError, StepRejectedError
from workbench.model import (
    Action,
    ApplyResult,
    Approval,
    DryRun,
    ObjectRef,
    Plan,
    PlanStep,
    StepOutcome,
    StepStatus,
)
from workbench.model._plans import SCHEMAS
from workbench.remediation._client import PATCH_CONTENT_TYPES, Writer
from workbench.remediation._diff import readable, restore_patch, restore_strategic
from workbench.remediation._recreate import old_manifest
from workbench.remediation._steps import Write, key, path_of, prepare, send
from workbench.remediation._verify import settle

CONFLICT_RETRIES = 3
GONE_TIMEOUT = 30.0
"""Seconds a recreate waits for the deleted Job to be gone before it creates the new one."""
_TEMPLATED = frozenset({"Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"})
_RESTORABLE = ("PUT", "PATCH")


@dataclass(slots=True)
class _Run:
    writer: Writer
    now: Callable[[], datetime]
    digest: str
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    before: dict[str, dict[str, Any]] = field(default_factory=dict)  # object before our first write
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # object as our create made it
    touched: list[str] = field(default_factory=list)  # ref keys in the order they were first written
    refs: dict[str, PlanStep] = field(default_factory=dict)
    writers_of: dict[str, list[int]] = field(default_factory=dict)  # ref key → indexes of steps writing it
    recreated: list[str] = field(default_factory=list)  # ref keys of Jobs deleted and created again
    lost: list[str] = field(default_factory=list)  # ref keys deleted but not created again (a failure)


def check_preconditions(
    plan: Plan, dry: DryRun | None, baselines: dict[str, dict[str, Any]], writer: Writer
) -> dict[str, dict[str, Any]]:
    """Refuse a plan whose dry-run is missing, failed, or stale; the fresh objects by ref key.

    Raises:
        PlanNotReadyError: no dry-run of this plan, or it found problems.
        ConflictError: an object's desired state changed since the dry-run.
    """
    if dry is None or dry.digest != plan.digest:
        raise PlanNotReadyError(
            f"plan {plan.title!r} has not been dry-run in this form; run .dry_run(), read the diff, approve "
            "that, then apply (the dry-run always comes first)"
        )
    if not dry.ok:
        raise PlanNotReadyError(
            "the dry-run found problems, so nothing is applied: " + "; ".join(dry.problems())
        )
    fresh: dict[str, dict[str, Any]] = {}
    for preview in dry.steps:
        for ref_key, version in preview.versions.items():
            if ref_key in fresh:
                continue
            path = path_of(_ref_from_key(plan, ref_key))
            try:
                obj = writer.read(path)
            except StepRejectedError as exc:
                raise ConflictError(
                    f"{ref_key} is gone or unreadable since the dry-run ({exc}); nothing was applied. "
                    "Run the dry-run again",
                    ref=ref_key,
                    expected=version,
                    found="",
                ) from exc
            found = str(obj["metadata"].get("resourceVersion", ""))
            if found != version and readable(obj) != readable(baselines.get(ref_key, obj)):
                raise ConflictError(
                    f"{ref_key} changed since the dry-run (resourceVersion {version} → {found}, and not only "
                    "its status); nothing was applied. Run .dry_run() again, read the new diff, and approve "
                    "that plan",
                    ref=ref_key,
                    expected=version,
                    found=found,
                )
            fresh[ref_key] = obj
    return fresh


def _ref_from_key(plan: Plan, ref_key: str) -> ObjectRef:
    for step in plan.steps:
        if key(step.target) == ref_key:
            return step.target
    raise PlanNotReadyError(f"{ref_key} was read by the dry-run but is not a target of the plan")


def apply_plan(
    plan: Plan,
    approval: Approval,
    fresh: dict[str, dict[str, Any]],
    writer: Writer,
    *,
    user: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ApplyResult:
    """Write every step in order (preconditions already checked); undo and raise on a failure.

    Raises:
        ApplyFailedError: a step failed; the steps before it were restored (see ``result``).
    """
    run = _Run(writer, now, plan.digest, state=dict(fresh))
    started = now()
    outcomes: list[StepOutcome] = []
    for index, step in enumerate(plan.steps):
        try:
            message = _apply_step(index, step, run)
        except (StepRejectedError, PlanNotReadyError, ConflictError) as exc:
            steps = _failed(plan, index, exc, outcomes, _undo(run))
            result = ApplyResult(plan, approval, writer.context, user, started, now(), steps)
            kept = [o.index + 1 for o in result.steps if o.status is StepStatus.APPLIED]
            raise ApplyFailedError(
                f"step {index + 1} ({step.title or step.action}) failed: {exc}; the steps before it were "
                f"restored{_left(kept, run.lost)}",
                result=result,
            ) from exc
        outcomes.append(StepOutcome(index, step, StepStatus.APPLIED, message))
    return ApplyResult(
        plan,
        approval,
        writer.context,
        user,
        started,
        now(),
        tuple(outcomes),
        rollback=rollback_plan(plan, run),
    )


def _left(kept: list[int], lost: list[str]) -> str:
    """What a failed apply leaves behind: steps that could not be undone, a Job deleted for good."""
    if kept:
        return (
            f"; step(s) {', '.join(map(str, kept))} could not be undone (deleted or evicted pods come back "
            "through their controllers; a recreated Job stays as it was made)"
        )
    if lost:
        return f"; {' and '.join(lost)} was deleted and not created again: see the step's message"
    return ", nothing is left half-applied"


def _failed(
    plan: Plan, index: int, exc: Exception, done: list[StepOutcome], undone: dict[int, bool]
) -> tuple[StepOutcome, ...]:
    """The outcomes after step ``index`` failed: earlier ones undone where possible, later ones not run."""
    restored = "restored to its state before the apply"
    return (
        *(
            StepOutcome(o.index, o.step, StepStatus.UNDONE, restored) if undone.get(o.index) else o
            for o in done
        ),
        StepOutcome(index, plan.steps[index], StepStatus.FAILED, str(exc)),
        *(StepOutcome(i, s, StepStatus.NOT_RUN) for i, s in enumerate(plan.steps) if i > index),
    )


def _apply_step(index: int, step: PlanStep, run: _Run) -> str:
    """Send the step's writes; what the step's outcome says (``""`` for most)."""
    for attempt in range(CONFLICT_RETRIES + 1):
        prepared = prepare(step, run.writer, run.state, now=run.now(), digest=run.digest)
        try:
            for write in prepared.writes:
                _send(write, step, index, run)
        except StepRejectedError as exc:
            creates = any(write.creates or write.replaces for write in prepared.writes)
            if exc.code != 409 or attempt == CONFLICT_RETRIES or not prepared.writes or creates:
                raise
            _refresh_if_status_only(step, run)
            continue
        replacing = [w for w in prepared.writes if w.replaces]
        return _recreated(replacing[0], prepared.read[key(step.target)], run) if replacing else ""
    return ""  # not reached: the last attempt returns or raises


def _recreated(write: Write, old: dict[str, Any], run: _Run) -> str:
    """The outcome of a recreate: both uids, why there is no rollback, and the old Job's manifest."""
    new_uid = str(run.state[key(write.ref)]["metadata"].get("uid", ""))
    return (
        f"Deleted {key(write.ref)} (uid {write.replaces}) and created it again (uid {new_uid}); its pods run "
        "again. A Job cannot be put back (its old pods ran and its status is history), so this step has no "
        "rollback. The old Job, as it was read, is kept here and in the audit record:\n"
        + old_manifest(old).rstrip("\n")
    )


def _wait_gone(run: _Run, write: Write) -> bool:
    """Whether the Job the DELETE before ``write`` removed (its uid) is gone within `GONE_TIMEOUT`."""

    def gone() -> tuple[bool, str]:
        try:
            obj = run.writer.read(path_of(write.ref))
        except StepRejectedError as exc:
            if exc.code == 404:
                return True, "gone"
            raise
        return obj["metadata"].get("uid") != write.replaces, "still there"

    return settle({0: gone}, timeout=GONE_TIMEOUT, interval=0.2)[0][0]


def _send_replacing(write: Write, run: _Run) -> None:
    """Create the Job again once the old one is gone; if that fails, say the Job is gone and how to
    make it again (its old manifest)."""
    k = key(write.ref)
    old = run.state[k]
    try:
        if not _wait_gone(run, write):
            raise StepRejectedError(
                f"the deleted Job (uid {write.replaces}) was still there after {GONE_TIMEOUT:.0f} s (a "
                "finalizer?)",
                code=0,
                path=write.path,
            )
        answer = send(run.writer, write, dry_run=False)
    except StepRejectedError as exc:
        run.lost.append(k)
        raise StepRejectedError(
            f"{k} was deleted but not created again: {exc}. Create it by hand once the old one is gone: the "
            "new Job is the old one below with the step's env set, without uid, resourceVersion, status, "
            "spec.selector and the controller-uid/job-name template labels. The old Job:\n"
            + old_manifest(old),
            code=exc.code,
            reason=exc.reason,
            path=exc.path,
        ) from exc
    run.state[k] = answer.body
    run.recreated.append(k)


def _send(write: Write, step: PlanStep, index: int, run: _Run) -> None:
    k = key(write.ref)
    if write.replaces:
        _send_replacing(write, run)
        return
    if write.method in _RESTORABLE:
        run.before.setdefault(k, run.state[k])
        _written(k, step, index, run)
    answer = send(run.writer, write, dry_run=False)
    if write.creates:
        run.created[k] = answer.body
        _written(k, step, index, run)
    if write.method in _RESTORABLE or write.creates:
        run.state[k] = answer.body


def _written(k: str, step: PlanStep, index: int, run: _Run) -> None:
    run.refs.setdefault(k, step)
    run.writers_of.setdefault(k, [])
    if index not in run.writers_of[k]:
        run.writers_of[k].append(index)
    if k not in run.touched:
        run.touched.append(k)


def _refresh_if_status_only(step: PlanStep, run: _Run) -> None:
    """After a 409: re-read; go on only if what changed is status (else a real conflict)."""
    k = key(step.target)
    obj = run.writer.read(path_of(step.target))
    expected = readable(run.state[k])
    if readable(obj) != expected:
        raise ConflictError(
            f"{k} was changed by someone else during the apply; stopping",
            ref=k,
            expected=str(run.state[k]["metadata"].get("resourceVersion")),
            found=str(obj["metadata"].get("resourceVersion")),
        )
    run.state[k] = obj


def _undo(run: _Run) -> dict[int, bool]:
    """Restore every object written so far, newest first; which step indexes were restored."""
    restored: dict[int, bool] = {}
    for k in reversed(run.touched):
        step = run.refs[k]
        try:
            if k in run.created:
                _delete_created(run, k)
            elif patch := restore_patch(run.writer.read(path_of(step.target)), run.before[k]):
                run.writer.send(
                    "PATCH",
                    path_of(step.target),
                    patch,
                    dry_run=False,
                    content_type=PATCH_CONTENT_TYPES["merge"],
                )
        except StepRejectedError:
            continue  # reported as applied-not-undone; the rollback plan is still offered
        restored.update(dict.fromkeys(run.writers_of.get(k, ()), True))
    return restored


def _delete_created(run: _Run, k: str) -> None:
    """Delete what this apply created (exactly that object: its uid); already gone is fine."""
    meta = run.created[k]["metadata"]
    options = {"preconditions": {"uid": meta["uid"]}}
    try:
        run.writer.send("DELETE", path_of(run.refs[k].target), options, dry_run=False)
    except StepRejectedError as exc:
        if exc.code != 404:
            raise


def rollback_plan(plan: Plan, run: _Run) -> Plan | None:
    """A plan that undoes the apply, newest first: patches that restore each changed object's desired
    state, and a `Action.DELETE_CREATED` step for each object it created (bound to that object's uid)."""
    steps = []
    for k in reversed(run.touched):
        target = run.refs[k].target
        if k in run.created:
            steps.append(
                PlanStep(
                    Action.DELETE_CREATED,
                    target,
                    {"uid": str(run.created[k]["metadata"]["uid"]), "created_by": plan.digest},
                    f"Delete {target}, which {plan.title!r} created",
                    reason=f"rollback of {plan.digest}",
                )
            )
            continue
        # Workloads get a strategic patch naming only the containers and fields that change.
        strategic = target.kind in _TEMPLATED
        after, before = run.state[k], run.before[k]
        patch = restore_strategic(after, before) if strategic else restore_patch(after, before)
        if not patch or target.kind not in SCHEMAS[Action.PATCH].kinds:
            continue
        steps.append(
            PlanStep(
                Action.PATCH,
                target,
                {"patch_type": "strategic" if strategic else "merge", "patch": patch},
                f"Restore {target} as it was before {plan.title!r}",
                reason=f"rollback of {plan.digest}",
            )
        )
    if not steps:
        return None
    deletes = [s for s in steps if s.action is Action.DELETE_CREATED]
    notes = [f"Restores what {plan.digest} changed; the workloads roll out again."] if run.before else []
    if run.recreated:
        notes.append(
            f"{' and '.join(run.recreated)} was deleted and created again: a Job cannot be put back, so this "
            "plan leaves it as it is (the old Job's manifest is in the apply's audit record)."
        )
    if deletes:
        notes.append(
            f"Deletes what {plan.digest} created ({', '.join(str(s.target) for s in deletes)}), only if it "
            "is still that object (same uid): whatever it allowed or provided stops."
        )
    return Plan(f"Roll back: {plan.title}", tuple(steps), plan.findings, tuple(notes))

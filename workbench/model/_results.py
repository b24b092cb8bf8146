"""What a dry-run and an apply of a `Plan` found and did, as data — and the audit record of each.

`remediation/` produces these; views, the agent and the postmortem notebook read them. They render
themselves in a notebook (text, HTML, and the audit record under its own MIME type, so a saved
notebook carries its own trail).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from workbench.errors import ConfigError
from workbench.model._plans import Approval, Plan, PlanStep
from workbench.model._refs import ObjectRef

AUDIT_MIME = "application/vnd.workbench.audit+json"
"""The MIME type of an audit record in a notebook cell's outputs."""
UNRESTORABLE = (
    "deleted or evicted pods come back through their controllers; a recreated Job cannot be put back "
    "(its old manifest is in the step's result and the audit record)"
)
"""Why some applied steps have no rollback (said wherever a rollback is missing)."""


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """One RBAC question asked before a step (a SelfSubjectAccessReview) and the server's answer.

    Attributes:
        verb: ``patch``, ``create``, ``delete``, ``list``...
        resource: the resource with its group, e.g. ``deployments.apps`` or ``pods/eviction``.
        namespace: the namespace asked about (``""`` for cluster-scoped).
        name: the object name asked about (``""`` for a list).
        allowed: the server's answer.
        reason: the server's reason, when it gave one.
    """

    verb: str
    resource: str
    namespace: str
    name: str
    allowed: bool
    reason: str = ""

    def __str__(self) -> str:
        where = "/".join(p for p in (self.namespace, self.name) if p) or "(all)"
        answer = "allowed" if self.allowed else "DENIED" + (f" ({self.reason})" if self.reason else "")
        return f"{self.verb} {self.resource} {where}: {answer}"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field a step changes: its path and its JSON values before and after (None: absent)."""

    path: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.path}: {_short(self.before)} → {_short(self.after)}"


@dataclass(frozen=True, slots=True)
class StepPreview:
    """A step as the server's dry run saw it; nothing was changed.

    Attributes:
        index: the step's position in the plan (0-based).
        step: the step.
        access: the RBAC checks made for it.
        accepted: whether the server accepted the dry-run request(s).
        message: the server's refusal, or what could not be previewed; ``""`` when accepted.
        versions: resourceVersion of each object read for the preview (``"Deployment shop/web"`` →
            ``"1234"``): apply refuses when any of them has changed since.
        diff: a unified diff of the object's YAML before and after (``""`` when nothing changes).
        changes: the fields that change.
        restarts: pods that will be restarted, replaced or evicted.
        warnings: warnings the server sent with its answer.
    """

    index: int
    step: PlanStep
    access: tuple[AccessCheck, ...]
    accepted: bool
    message: str = ""
    versions: Mapping[str, str] = field(default_factory=dict)
    diff: str = ""
    changes: tuple[FieldChange, ...] = ()
    restarts: tuple[ObjectRef, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """Every RBAC check said yes."""
        return all(check.allowed for check in self.access)

    @property
    def ok(self) -> bool:
        """Allowed, and the server's dry run accepted it."""
        return self.allowed and self.accepted

    def problems(self) -> list[str]:
        """Why this step cannot be applied, in words (empty when it can)."""
        denied = [f"RBAC: {check}" for check in self.access if not check.allowed]
        refused = [f"the server refused the dry run: {self.message}"] if not self.accepted else []
        return denied + refused


@dataclass(frozen=True, slots=True)
class DryRun:
    """A plan previewed on the server (``dryRun=All``): diffs, RBAC answers and blast radius.

    Attributes:
        plan: the plan previewed.
        context: the kubeconfig context (cluster) it was previewed against.
        user: the Kubernetes user the server took the requests to be from.
        at: when (UTC).
        steps: one preview per step, in order.
        audit: the audit record written for it.
    """

    plan: Plan
    context: str
    user: str
    at: datetime
    steps: tuple[StepPreview, ...]
    audit: AuditRecord | None = None

    @property
    def digest(self) -> str:
        """The digest of the plan that was previewed."""
        return self.plan.digest

    @property
    def ok(self) -> bool:
        """Every step is allowed and accepted: the plan can be approved and applied."""
        return all(step.ok for step in self.steps)

    @property
    def blast_radius(self) -> tuple[ObjectRef, ...]:
        """Every pod that the plan will restart, replace or evict, sorted."""
        return tuple(sorted({pod for step in self.steps for pod in step.restarts}))

    def problems(self) -> list[str]:
        """Why the plan cannot be applied, step by step (empty when it can)."""
        return [
            f"step {s.index + 1} ({s.step.title or s.step.action}): {p}"
            for s in self.steps
            for p in s.problems()
        ]

    def _repr_mimebundle_(self, **_: Any) -> dict[str, Any]:
        from workbench.model._results_render import dry_run_bundle  # noqa: PLC0415 - the renderer imports this module

        return dry_run_bundle(self)

    def __str__(self) -> str:
        from workbench.model._results_render import dry_run_text  # noqa: PLC0415 - the renderer imports this module

        return dry_run_text(self)


class StepStatus(enum.StrEnum):
    """What happened to one step of an apply."""

    APPLIED = "applied"
    FAILED = "failed"
    NOT_RUN = "not-run"
    UNDONE = "undone"  # applied, then restored because a later step failed


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """One step of an apply.

    Attributes:
        index: the step's position in the plan (0-based).
        step: the step.
        status: applied, failed, not run, or undone.
        message: what the server said or what went wrong; ``""`` when all went well.
        verified: whether the change took effect (rollout complete, pods ready); None when not checked.
        verification: what the check saw.
    """

    index: int
    step: PlanStep
    status: StepStatus
    message: str = ""
    verified: bool | None = None
    verification: str = ""


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """An applied plan: per-step outcomes, verification, and the plan that undoes it.

    Attributes:
        plan: the plan applied.
        approval: the approval it was applied under.
        context: the kubeconfig context (cluster).
        user: the Kubernetes user the server took the writes to be from.
        started: when the first write was sent (UTC).
        finished: when the apply (and its verification) ended.
        steps: one outcome per step.
        rollback: the plan that restores every changed object's previous state, or None when no
            step changed anything that can be restored.
        audit: the audit record written for it.
    """

    plan: Plan
    approval: Approval
    context: str
    user: str
    started: datetime
    finished: datetime
    steps: tuple[StepOutcome, ...]
    rollback: Plan | None = None
    audit: AuditRecord | None = None

    @property
    def ok(self) -> bool:
        """Every step was applied."""
        return all(step.status is StepStatus.APPLIED for step in self.steps)

    @property
    def verified(self) -> bool:
        """Every step was applied and its change verified."""
        return self.ok and all(step.verified for step in self.steps)

    def rollback_plan(self) -> Plan:
        """The plan that puts every changed object back as it was before this apply.

        Raises:
            ConfigError: nothing was changed that a plan can restore (`UNRESTORABLE`).
        """
        if self.rollback is None:
            raise ConfigError(f"{self.plan.title!r} changed nothing a plan can restore ({UNRESTORABLE})")
        return self.rollback

    def _repr_mimebundle_(self, **_: Any) -> dict[str, Any]:
        from workbench.model._results_render import apply_bundle  # noqa: PLC0415 - the renderer imports this module

        return apply_bundle(self)

    def __str__(self) -> str:
        from workbench.model._results_render import apply_text  # noqa: PLC0415 - the renderer imports this module

        return apply_text(self)


AuditEvent = Literal["dry-run", "apply", "verify"]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """Who did what to which cluster, when, under which plan digest, with what result.

    Attributes:
        event: ``dry-run``, ``apply``, or ``verify`` (a later check of an apply).
        at: when (UTC).
        context: the kubeconfig context; server: the API server URL.
        kube_user: the user the API server took the requests to be from.
        local_user: the operating-system user who ran it.
        digest: the plan's digest; plan: the plan itself (`Plan.to_dict`).
        approved_by: who approved (apply only).
        ok: whether every step passed (dry-run) or was applied (apply).
        steps: per step, its action, target, outcome and message.
    """

    event: AuditEvent
    at: datetime
    context: str
    server: str
    kube_user: str
    local_user: str
    digest: str
    plan: Mapping[str, Any]
    ok: bool
    steps: tuple[Mapping[str, Any], ...]
    approved_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (one line of the audit log, and the cell output under `AUDIT_MIME`)."""
        return {
            "event": self.event,
            "at": self.at.isoformat(),
            "context": self.context,
            "server": self.server,
            "kube_user": self.kube_user,
            "local_user": self.local_user,
            "approved_by": self.approved_by,
            "digest": self.digest,
            "ok": self.ok,
            "plan": dict(self.plan),
            "steps": [dict(step) for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditRecord:
        """An audit record read back from the log or a notebook output.

        Raises:
            ConfigError: the data is not an audit record.
        """
        try:
            event = data["event"]
            if event not in ("dry-run", "apply", "verify"):
                raise ValueError(f"event {event!r}")
            return cls(
                event=event,
                at=datetime.fromisoformat(str(data["at"])),
                context=str(data["context"]),
                server=str(data.get("server", "")),
                kube_user=str(data.get("kube_user", "")),
                local_user=str(data.get("local_user", "")),
                digest=str(data["digest"]),
                plan=dict(data["plan"]),
                ok=bool(data["ok"]),
                steps=tuple(dict(step) for step in data.get("steps", ())),
                approved_by=str(data.get("approved_by", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"not an audit record ({exc!r}); expected what AuditRecord.to_dict writes"
            ) from None


def _short(value: Any) -> str:
    text = "(absent)" if value is None else repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."

"""Value types every stage shares (refs, findings, plans, dry-run and apply results); no I/O."""

from workbench.model._findings import Evidence, EvidenceKind, Finding, Severity
from workbench.model._inputs import PlanInput
from workbench.model._investigation import Investigation
from workbench.model._plans import Action, Approval, Plan, PlanStep
from workbench.model._refs import ObjectRef
from workbench.model._results import (
    AUDIT_MIME,
    AccessCheck,
    ApplyResult,
    AuditRecord,
    DryRun,
    FieldChange,
    StepOutcome,
    StepPreview,
    StepStatus,
)

__all__ = [
    "AUDIT_MIME",
    "AccessCheck",
    "Action",
    "ApplyResult",
    "Approval",
    "AuditRecord",
    "DryRun",
    "Evidence",
    "EvidenceKind",
    "FieldChange",
    "Finding",
    "Investigation",
    "ObjectRef",
    "Plan",
    "PlanInput",
    "PlanStep",
    "Severity",
    "StepOutcome",
    "StepPreview",
    "StepStatus",
]

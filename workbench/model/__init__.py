"""Value types every stage shares (refs, findings, plans); no I/O."""

from workbench.model._findings import Evidence, EvidenceKind, Finding, Severity
from workbench.model._plans import Action, Approval, Plan, PlanStep
from workbench.model._refs import ObjectRef

__all__ = [
    "Action",
    "Approval",
    "Evidence",
    "EvidenceKind",
    "Finding",
    "ObjectRef",
    "Plan",
    "PlanStep",
    "Severity",
]

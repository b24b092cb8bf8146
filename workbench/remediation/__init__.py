"""Remediation: the only code that writes to a cluster — plans dry-run, diffed, approved, applied, verified.

`Remediation` binds a `workbench.model.Plan` to a live cluster. ``dry_run()`` asks RBAC, sends every
step with ``dryRun=All`` and diffs before/after; ``apply(approval)`` refuses without an approval of the
exact plan and a fresh dry-run, writes step by step with resourceVersion preconditions, verifies, and
returns a result whose ``rollback_plan()`` undoes it. Every dry-run and apply is audited.
"""

from workbench.remediation._audit import AuditLog
from workbench.remediation._remediation import DEFAULT_VERIFY_TIMEOUT, Remediation

__all__ = ["DEFAULT_VERIFY_TIMEOUT", "AuditLog", "Remediation"]

"""Redaction: secret-looking values masked, Kubernetes objects redacted, names optionally anonymized.

A utility package like `workbench.quantity`: it imports no stage, so both sources (snapshots) and
the agent (everything sent to a model) use it.

Example:
    >>> from workbench.redaction import mask_text
    >>> masked = mask_text("Authorization: Bearer abc123def456ghi789")
    >>> masked.kinds, "abc123def456ghi789" in masked.text
    ({'bearer_token': 1}, False)
"""

from __future__ import annotations

from workbench.redaction._anonymize import Anonymizer
from workbench.redaction._objects import RedactionReport, redact_log, redact_object
from workbench.redaction._patterns import (
    Redacted,
    mask_text,
    mask_value,
    placeholder,
    secret_env_kind,
    secret_key_kind,
)

__all__ = [
    "Anonymizer",
    "Redacted",
    "RedactionReport",
    "mask_text",
    "mask_value",
    "placeholder",
    "redact_log",
    "redact_object",
    "secret_env_kind",
    "secret_key_kind",
]

"""What a real kube-apiserver does to an object before storing it: defaulting and validation.

Pure functions over JSON-decoded dicts. The write path calls `check_unknown_fields` (what decoding
into the Go type does with keys it has no field for), `apply_defaults` (which also runs the
create-time admission plugins and allocations) and then `validate`::

    warnings = check_unknown_fields(body, "Warn")   # drops them; "Strict" raises the 400 instead
    obj = apply_defaults("Deployment", body, ctx)
    validate("Deployment", obj, old=None, group="apps")   # raises the 422 a real server sends
"""

from __future__ import annotations

from workbench.errors import QuantityError
from workbench.quantity import canonical_quantity, parse_quantity

from ._context import AdmissionContext
from ._defaults import apply_defaults
from ._field_validation import FieldValidation, check_unknown_fields, field_validation
from ._pod_defaults import compute_qos_class
from ._validation import validate

__all__ = [
    "AdmissionContext",
    "FieldValidation",
    "QuantityError",
    "apply_defaults",
    "canonical_quantity",
    "check_unknown_fields",
    "compute_qos_class",
    "field_validation",
    "parse_quantity",
    "validate",
]

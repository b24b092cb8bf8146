"""What a real kube-apiserver does to an object before storing it: defaulting and validation.

Pure functions over JSON-decoded dicts. The write path calls `apply_defaults` (which also runs
the create-time admission plugins and allocations) and then `validate`::

    obj = apply_defaults("Deployment", body, ctx)
    validate("Deployment", obj, old=None, group="apps")   # raises the 422 a real server sends
"""

from __future__ import annotations

from workbench.errors import QuantityError
from workbench.quantity import canonical_quantity, parse_quantity

from ._context import AdmissionContext
from ._defaults import apply_defaults
from ._pod_defaults import compute_qos_class
from ._validation import validate

__all__ = [
    "AdmissionContext",
    "QuantityError",
    "apply_defaults",
    "canonical_quantity",
    "compute_qos_class",
    "parse_quantity",
    "validate",
]

"""Quantities as the printers show them: `Quantity.String()`, i.e. canonical form.

``1.5Gi`` prints as ``1536Mi``, ``1000M`` as ``1G``; parsing and canonical form live in
`workbench.quantity`, shared with admission.
"""

from __future__ import annotations

from typing import Any

from workbench.errors import QuantityError
from workbench.quantity import parse_quantity


def quantity_string(value: Any) -> str:
    """`Quantity.String()` of a stored value: canonical, ``<nil>`` for a nil pointer.

    Args:
        value: the JSON value (``"1.5Gi"``, ``"250m"``, ``3``) or None.
    """
    if value is None:
        return "<nil>"
    try:
        return parse_quantity(value).canonical()
    except QuantityError:
        return str(value)  # the API server would have refused it; show it as written


def quantity_or_zero(value: Any) -> str:
    """A quantity read out of a ResourceList map entry, where absence is Go's zero Quantity ``0``."""
    return "0" if value is None else quantity_string(value)

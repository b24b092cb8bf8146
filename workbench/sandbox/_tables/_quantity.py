"""Canonical resource quantities, as ``resource.Quantity.String()`` prints them.

The printers show capacities and metric values through `Quantity.String()`, which canonicalises
whatever was written: ``1.5Gi`` prints as ``1536Mi``, ``1000M`` as ``1G``, ``0.5Ki`` as ``512``. The
format family (binary ``Ki``/``Mi``..., decimal ``k``/``M``/``m``..., or exponent ``e3``) is taken
from the suffix the value was written with, as the Go parser does.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any, Literal

Format = Literal["BinarySI", "DecimalSI", "DecimalExponent"]

_NUMBER = re.compile(r"([+-]?)(\d+\.?\d*|\.\d+)(.*)", re.ASCII)
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {exp: suffix for suffix, exp in _DECIMAL.items()}
_BINARY_SUFFIX = {exp: suffix for suffix, exp in _BINARY.items()}
_NANO = Fraction(1, 10**9)


def parse_quantity(value: Any) -> tuple[Fraction, Format] | None:
    """The exact value and format family of a quantity, or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value), "DecimalSI"
    if isinstance(value, float):
        return Fraction(value), "DecimalSI"
    if not isinstance(value, str):
        return None
    m = _NUMBER.fullmatch(value.strip())
    if m is None:
        return None
    sign, digits, suffix = m.groups()
    amount = Fraction(digits)
    fmt: Format
    if suffix in _BINARY:
        amount *= 2 ** _BINARY[suffix]
        fmt = "BinarySI"
    elif suffix in _DECIMAL:
        amount *= Fraction(10) ** _DECIMAL[suffix]
        fmt = "DecimalSI"
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?\d+", suffix[1:]):
        amount *= Fraction(10) ** int(suffix[1:])
        fmt = "DecimalExponent"
    else:
        return None
    # The Go parser rounds anything finer than a nano up to the next nano.
    amount = Fraction(math.ceil(amount / _NANO)) * _NANO
    return (-amount if sign == "-" else amount), fmt


def format_quantity(amount: Fraction, fmt: Format) -> str:
    """CanonicalizeBytes: the shortest exact form in the family of `fmt`."""
    if amount == 0:
        return "0"
    if fmt == "BinarySI" and (abs(amount) < 1024 or amount.denominator != 1):
        fmt = "DecimalSI"  # small or fractional binary values print in decimal rather than round
    if fmt == "BinarySI":
        whole, exponent = int(amount), 0
        while whole % 1024 == 0 and exponent < 60:
            whole //= 1024
            exponent += 10
        return f"{whole}{_BINARY_SUFFIX[exponent]}"
    # Decimal: an integer mantissa with the exponent lowered to a multiple of three.
    exponent = 0
    while amount.denominator != 1:
        amount *= 10
        exponent -= 1
    mantissa = int(amount)
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3
    mantissa *= 10**shift
    exponent -= shift
    if fmt == "DecimalExponent" or exponent not in _DECIMAL_SUFFIX:
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DECIMAL_SUFFIX[exponent]}"


def quantity_string(value: Any) -> str:
    """`Quantity.String()` of a stored value: canonical, ``0`` when absent, ``<nil>`` for a nil pointer.

    Args:
        value: the JSON value (``"1.5Gi"``, ``"250m"``, ``3``) or None.
    """
    if value is None:
        return "<nil>"
    parsed = parse_quantity(value)
    if parsed is None:
        return str(value)  # the API server would have refused it; show it as written
    return format_quantity(*parsed)


def quantity_or_zero(value: Any) -> str:
    """A quantity read out of a ResourceList map entry, where absence is Go's zero Quantity ``0``."""
    return "0" if value is None else quantity_string(value)

"""Kubernetes resource quantities (``500m``, ``1Gi``) parsed, compared and printed like apimachinery's.

A real server stores quantities in canonical form: ``0.5`` comes back as ``500m``, ``1024Mi`` as
``1Gi``, ``1000`` as ``1k``. Values are kept as exact fractions so comparisons never round.
Shared by the sandbox and the data layer (requests and limits as numbers); it is not a stage, so
every package may import it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from workbench.errors import QuantityError

QuantityFormat = Literal["DecimalSI", "BinarySI", "DecimalExponent"]

FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SUFFIX_ERROR = "unable to parse quantity's suffix"

_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_SUFFIX_SHAPE = re.compile(r"[eEinumkKMGTP]*[-+]?[0-9]*")
_DECIMAL_SUFFIXES = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_NAMES = {exp: suffix for suffix, exp in _DECIMAL_SUFFIXES.items()}
_BINARY_NAMES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
_NANO = Fraction(1, 10**9)
_MILLI = Fraction(1, 1000)


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact quantity and the suffix family it was written in."""

    value: Fraction
    format: QuantityFormat

    def canonical(self) -> str:
        """The canonical text a real server stores and returns."""
        return _format(self.value, self.format)

    def __float__(self) -> float:
        """Cores for CPU, bytes for memory."""
        return float(self.value)

    def round_up_milli(self) -> Quantity:
        """Round up to milli precision, as defaulting does for every resource list."""
        return Quantity(_ceil_to(self.value, _MILLI), self.format)


def parse_quantity(raw: object) -> Quantity:
    """Parse a quantity from its JSON form (a string, or a bare number).

    Args:
        raw: ``"500m"``, ``"1Gi"``, ``0.5``...

    Returns:
        The quantity, rounded up to nano precision as the apiserver does.

    Raises:
        QuantityError: the value is not a quantity.
    """
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise QuantityError(FORMAT_ERROR)
    text = raw.strip() if isinstance(raw, str) else _number_text(raw)
    match = _NUMBER.match(text)
    if not match or not (match.group(2) or match.group(3)):
        raise QuantityError(FORMAT_ERROR)
    sign, whole, frac = match.group(1), match.group(2), match.group(3) or ""
    suffix = text[match.end() :]
    if not _SUFFIX_SHAPE.fullmatch(suffix):
        raise QuantityError(FORMAT_ERROR)
    mantissa = Fraction(int((whole or "0") + frac), 10 ** len(frac))
    if sign == "-":
        mantissa = -mantissa
    fmt: QuantityFormat
    if suffix in _DECIMAL_SUFFIXES:
        value, fmt = mantissa * Fraction(10) ** _DECIMAL_SUFFIXES[suffix], "DecimalSI"
    elif suffix in _BINARY_SUFFIXES:
        value, fmt = mantissa * 2 ** _BINARY_SUFFIXES[suffix], "BinarySI"
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[-+]?[0-9]+", suffix[1:]):
        value, fmt = mantissa * Fraction(10) ** int(suffix[1:]), "DecimalExponent"
    else:
        raise QuantityError(SUFFIX_ERROR)
    return Quantity(_ceil_to(value, _NANO), fmt)


def canonical_quantity(raw: object, *, round_milli: bool = False) -> str | None:
    """The canonical text of a quantity, or None when it does not parse."""
    try:
        quantity = parse_quantity(raw)
    except QuantityError:
        return None
    if round_milli:
        quantity = quantity.round_up_milli()
    return quantity.canonical()


def _number_text(number: int | float) -> str:
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return repr(number) if isinstance(number, float) else str(number)


def _ceil_to(value: Fraction, step: Fraction) -> Fraction:
    return math.ceil(value / step) * step


def _format(value: Fraction, fmt: QuantityFormat) -> str:
    if value == 0:
        return "0"
    if fmt == "BinarySI" and abs(value) >= 1024 and value.denominator == 1:
        number = value.numerator
        power = 0
        while power < len(_BINARY_NAMES) - 1 and number % 1024 == 0:
            number //= 1024
            power += 1
        return f"{number}{_BINARY_NAMES[power]}"
    # Decimal forms: the largest exponent (a multiple of 3) that keeps the mantissa whole.
    exponent = -9
    while exponent < 18:
        scaled = value / Fraction(10) ** (exponent + 3)
        if scaled.denominator != 1:
            break
        exponent += 3
    mantissa = value / Fraction(10) ** exponent
    number = mantissa.numerator // mantissa.denominator
    if fmt == "DecimalExponent":
        return f"{number}e{exponent}" if exponent else str(number)
    return f"{number}{_DECIMAL_NAMES[exponent]}"


def format_cpu(cores: float) -> str:
    """metrics-server's CPU form: nanocores (``1625314n``)."""
    return f"{round(cores * 1e9)}n"


def format_memory(nbytes: float) -> str:
    """metrics-server's memory form: kibibytes (``12345Ki``)."""
    return f"{round(nbytes / 1024)}Ki"

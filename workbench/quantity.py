"""Kubernetes resource quantities ("100m", "1.5", "70Mi", "1Gi", "2e3") parsed exactly.

Shared by the sandbox (simulated usage) and the data layer (requests and limits as numbers); it is
not a stage, so both may import it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from workbench.errors import ConfigError

_SUFFIX = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
_FORM = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$")


def parse_quantity(text: str | int | float) -> Decimal:
    """The exact value of a quantity: cores for CPU ("250m" → 0.25), bytes for memory ("1Ki" → 1024).

    Raises:
        ConfigError: the text is not a Kubernetes quantity; the message shows valid forms.
    """
    if isinstance(text, int | float):
        return Decimal(str(text))
    match = _FORM.match(text.strip())
    if match is None:
        raise ConfigError(
            f"{text!r} is not a Kubernetes quantity (valid forms: '250m', '1.5', '512Mi', '2Gi', '1e3')"
        )
    number, exponent, suffix = match.groups()
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # the pattern admits only numbers; kept for safety of Decimal's parser
        raise ConfigError(f"{text!r} is not a Kubernetes quantity") from exc
    if exponent:
        return value * (Decimal(10) ** int(exponent[1:]))
    return value * _SUFFIX[suffix or ""]


def format_cpu(cores: float) -> str:
    """metrics-server's CPU form: nanocores ("1625314n")."""
    return f"{round(cores * 1e9)}n"


def format_memory(nbytes: float) -> str:
    """metrics-server's memory form: kibibytes ("12345Ki")."""
    return f"{round(nbytes / 1024)}Ki"

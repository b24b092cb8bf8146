"""Which of some names is "close" to a name that is missing: a rename or a typo, never a guess.

Two names are close when, compared without case and separators (``-``, ``_``, ``.``, ``/``), one
contains the other (``SMTP_HOST`` / ``SMTP_HOSTNAME``, ``landing`` / ``landing-page``, ``/ready`` /
``/readyz``) or they differ by one edit (two for long names: ``order-api`` / ``orders-api``).
``SMTP_HOST`` and ``SMTP_PORT`` are not close (three edits), although a plain similarity ratio
scores them almost as high as ``SMTP_HOSTNAME``: that is why the ratio is not used. A planner acts
only on exactly one close name; two or more are an ambiguity a person must resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[-_./]")
_MIN_CONTAINED = 3
"""The shorter name must keep at least this many characters to count as contained in the longer."""
_LONG = 10
"""From this length (normalized) two edits still make a typo."""


def normalized(name: str) -> str:
    """``name`` without case and separators."""
    return _SEPARATORS.sub("", name.lower())


def edits(a: str, b: str) -> int:
    """The Levenshtein distance of ``a`` and ``b`` (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def is_close(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` look like one name renamed or mistyped (see the module docstring)."""
    na, nb = normalized(a), normalized(b)
    shorter = min(len(na), len(nb))
    if shorter < _MIN_CONTAINED:
        return False
    if na in nb or nb in na:
        return True
    allowed = 2 if shorter >= _LONG else 1
    return edits(na, nb) <= allowed


def close_names(name: str, candidates: Iterable[str]) -> list[str]:
    """The candidates close to ``name`` (``name`` itself excluded), sorted."""
    return sorted({c for c in candidates if c != name and is_close(name, c)})

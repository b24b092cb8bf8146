"""Field selectors as ``k8s.io/apimachinery/pkg/fields`` parses, matches and prints them.

``a=b``, ``a==b`` and ``a!=b`` terms, ANDed by commas; values may escape ``\\``, ``,`` and ``=`` with a
backslash. Which fields a kind supports (and the 400 ``field label not supported``) is the caller's
business: see `_kinds.ResourceType.supports_field`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workbench.errors import SandboxApiError


class _EscapeError(Exception):
    """Internal: a bad escape in a value, carrying apimachinery's message."""


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """A parsed field selector.

    Attributes:
        requirements: ``(field, op, value)`` with op ``=`` or ``!=`` (``==`` is read as ``=``), in
            apimachinery's order (the raw terms sorted as strings).
    """

    requirements: tuple[tuple[str, str, str], ...] = ()

    @property
    def empty(self) -> bool:
        """True when the selector matches every object."""
        return not self.requirements

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether an object with these field values is selected; a missing field reads as ``""``."""
        return all((fields.get(f, "") == v) == (op == "=") for f, op, v in self.requirements)

    def fields(self) -> set[str]:
        """The field names the selector uses (for the caller's "field label not supported" check)."""
        return {f for f, _, _ in self.requirements}

    def requires_exact_match(self, field: str) -> str | None:
        """The value `field` must equal (``metadata.name=x`` lets a list become a lookup), else None."""
        return next((v for f, op, v in self.requirements if f == field and op == "="), None)

    def renamed(self, names: Mapping[str, str]) -> FieldSelector:
        """The same selector with fields renamed by `names` (e.g. events.k8s.io ``regarding.name`` to
        the core ``involvedObject.name`` an index uses); fields not in `names` keep their name."""
        return FieldSelector(tuple((names.get(f, f), op, v) for f, op, v in self.requirements))

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_field_value(v)}" for f, op, v in self.requirements)


def escape_field_value(value: str) -> str:
    """Escape ``\\``, ``,`` and ``=`` in a field selector value (``fields.EscapeValue``)."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(raw: str) -> str:
    out: list[str] = []
    chars = iter(raw)
    for c in chars:
        if c == "\\":
            nxt = next(chars, None)
            if nxt is None or nxt not in "\\,=":
                seq = "\\" + (nxt or "")
                raise _EscapeError(f"invalid field selector: invalid escape sequence: {seq}")
            out.append(nxt)
        elif c in ",=":
            # Go formats the offending rune with %v, so the message carries its code point.
            raise _EscapeError(f"invalid field selector: unescaped character in value: {ord(c)}")
        else:
            out.append(c)
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not backslash-escaped (the backslash stays in the term)."""
    terms, start, escaped = [], 0, False
    for i, c in enumerate(text):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == ",":
            terms.append(text[start:i])
            start = i + 1
    return [*terms, text[start:]] if text else []


def parse_field_selector(text: str) -> FieldSelector:
    """Parse a ``fieldSelector`` query value (already URL-decoded).

    Args:
        text: e.g. ``spec.nodeName=node-1,status.phase!=Failed``; the empty string selects everything.
            Values may be empty (``involvedObject.namespace=``) and may escape ``\\``, ``,`` and ``=``
            with a backslash.

    Raises:
        SandboxApiError: 400 BadRequest with apimachinery's message, e.g.
            ``invalid selector: 'foo'; can't understand 'foo'``.
    """
    reqs: list[tuple[str, str, str]] = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        # The first operator from the left splits the term; the field part has no escaping.
        at = next((i for i in range(len(term)) if term.startswith(("!=", "="), i)), -1)
        if at < 0:
            raise SandboxApiError(400, "BadRequest", f"invalid selector: '{text}'; can't understand '{term}'")
        op = "!=" if term.startswith("!=", at) else "==" if term.startswith("==", at) else "="
        try:
            value = _unescape_field_value(term[at + len(op) :])
        except _EscapeError as err:
            raise SandboxApiError(400, "BadRequest", str(err)) from None
        if term[:at] or value:  # a bare "=" transforms to Everything() in apimachinery
            reqs.append((term[:at], "!=" if op == "!=" else "=", value))
    return FieldSelector(tuple(reqs))

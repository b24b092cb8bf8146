"""Label selectors as ``k8s.io/apimachinery/pkg/labels`` parses, matches and prints them.

The parser is a close port of apimachinery's lexer and recursive-descent parser, so the same text is
accepted or refused with the same message, and `str()` gives the same canonical form (requirements
sorted by key, set values sorted and unique).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from workbench.errors import SandboxApiError
from workbench.sandbox._selectors._messages import aggregate, invalid, label_key_errors, label_value_errors


class Operator(StrEnum):
    """A label requirement's operator, spelled as ``k8s.io/apimachinery/pkg/selection`` spells it."""

    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


SET_OPS = (Operator.IN, Operator.NOT_IN)
_NUMERIC_OPS = (Operator.GREATER_THAN, Operator.LESS_THAN)
_INFIX = {"=": "=", "==": "==", "!=": "!=", "in": " in ", "notin": " notin ", "gt": ">", "lt": "<"}
_INT64 = re.compile(r"[+-]?[0-9]+")


def _int64(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 10, 64)``: no spaces or underscores, and within int64."""
    if len(text) > 20 or not _INT64.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ANDed term of a label selector. Set values are kept sorted and unique."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Selectors that differ only in value order must compare and hash equal.
        object.__setattr__(self, "values", tuple(sorted(set(self.values))))

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether `labels` satisfy this term (a missing key satisfies ``!=``, ``notin`` and ``!``)."""
        has = self.key in labels
        match self.operator:
            case Operator.IN | Operator.EQUALS | Operator.DOUBLE_EQUALS:
                return has and labels[self.key] in self.values
            case Operator.NOT_IN | Operator.NOT_EQUALS:
                return not has or labels[self.key] not in self.values
            case Operator.EXISTS:
                return has
            case Operator.DOES_NOT_EXIST:
                return not has
        # gt / lt: both sides must be integers, as in apimachinery.
        have = _int64(labels[self.key]) if has else None
        want = _int64(self.values[0]) if len(self.values) == 1 else None
        if have is None or want is None:
            return False
        return have > want if self.operator is Operator.GREATER_THAN else have < want

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        joined = ",".join(self.values)
        if self.operator in SET_OPS:
            joined = f"({joined})"
        return f"{self.key}{_INFIX[self.operator]}{joined}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed label selector: the AND of its requirements.

    Attributes:
        requirements: sorted by key, as apimachinery keeps them.
        nothing: true for the selector that matches no object at all (a nil ``metav1.LabelSelector``);
            it prints as the empty string, like ``labels.Nothing()``.
    """

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (it matches every label set)."""
        return not self.nothing and not self.requirements

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object carrying `labels` is selected."""
        return not self.nothing and all(r.matches(labels) for r in self.requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The single value `key` must have (``k=v``, ``k==v`` or ``k in (v)``), else None."""
        for req in self.requirements:
            if req.key == key:
                exact = req.operator in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.IN)
                return req.values[0] if exact and len(req.values) == 1 else None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(nothing=True)


class _ParseError(Exception):
    """Internal: carries apimachinery's message up to `parse_label_selector`."""


def _new_requirement(key: str, op: Operator, values: list[str]) -> Requirement:
    """``labels.NewRequirement`` as the parser calls it, after it has checked the key itself."""
    values = sorted(set(values))  # the parser hands over a sorted set; error indexes refer to it
    errs: list[str] = []
    if op in _NUMERIC_OPS:
        if len(values) != 1:
            errs.append(invalid("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"))
        errs += [
            invalid(f"values[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer")
            for i, v in enumerate(values)
            if _int64(v) is None
        ]
    for i, v in enumerate(values):
        if msgs := label_value_errors(v):
            errs.append(invalid(f"values[{i}][{key}]", v, "; ".join(msgs)))
    if errs:
        raise _ParseError(aggregate(errs))
    return Requirement(key, op, tuple(values))


_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
_EOS, _IDENT, _IN, _NOTIN = "end", "identifier", "in", "notin"
_KEYWORDS = {"in": _IN, "notin": _NOTIN}
_BINARY_OPS = {
    _IN: Operator.IN,
    _NOTIN: Operator.NOT_IN,
    "=": Operator.EQUALS,
    "==": Operator.DOUBLE_EQUALS,
    "!=": Operator.NOT_EQUALS,
    ">": Operator.GREATER_THAN,
    "<": Operator.LESS_THAN,
}


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens as (kind, literal); an operator's kind is its literal (``=``, ``!=``, ``(``...)."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            tokens.append((_EOS, ""))
            return tokens
        if text[i] in _SPECIAL:
            # The lexer is greedy over the operator table: "!=" and "==" are the only two-char tokens.
            width = 2 if text[i : i + 2] in ("!=", "==") else 1
            tokens.append((text[i : i + width], text[i : i + width]))
            i += width
            continue
        start = i
        while i < n and text[i] not in _SPECIAL and text[i] not in _SPACE:
            i += 1
        word = text[start:i]
        tokens.append((_KEYWORDS.get(word, _IDENT), word))


class _Parser:
    """A port of apimachinery's recursive-descent parser, kept close so the errors match."""

    def __init__(self, text: str) -> None:
        self.items = _lex(text)
        self.pos = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        kind, lit = self.items[self.pos]
        # In value context, "in" and "notin" are ordinary identifiers (``x in (in)``).
        return (_IDENT, lit) if values and kind in (_IN, _NOTIN) else (kind, lit)

    def take(self, values: bool = True) -> tuple[str, str]:
        token = self.peek(values)
        self.pos += 1
        return token

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            kind, lit = self.peek()
            if kind == _EOS:
                return reqs
            if kind not in (_IDENT, "!"):
                raise _ParseError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self.requirement())
            except _ParseError as err:
                raise _ParseError(f"unable to parse requirement: {err}") from None
            kind, lit = self.take()
            if kind == _EOS:
                return reqs
            if kind != ",":
                raise _ParseError(f"found '{lit}', expected: ',' or 'end of string'")
            kind, lit = self.peek()
            if kind not in (_IDENT, "!"):
                raise _ParseError(f"found '{lit}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        kind, key = self.take()
        negated = kind == "!"
        if negated:
            kind, key = self.take()
        if kind != _IDENT:
            raise _ParseError(f"found '{key}', expected: identifier")
        if errs := label_key_errors(key):
            raise _ParseError(invalid("<nil>", key, "; ".join(errs)))
        if negated:
            return _new_requirement(key, Operator.DOES_NOT_EXIST, [])
        if self.peek()[0] in (_EOS, ","):
            return _new_requirement(key, Operator.EXISTS, [])
        kind, lit = self.take(values=False)
        if kind not in _BINARY_OPS:
            raise _ParseError(f"found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
        op = _BINARY_OPS[kind]
        return _new_requirement(key, op, self.value_set() if op in SET_OPS else self.exact_value())

    def value_set(self) -> list[str]:
        kind, lit = self.take()
        if kind != "(":
            raise _ParseError(f"found '{lit}' expected: '('")
        kind, lit = self.peek()
        if kind == ")":  # "()" is the set holding the empty string
            self.take()
            return [""]
        if kind not in (_IDENT, ","):
            raise _ParseError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self.identifiers()
        if self.take()[0] != ")":
            raise _ParseError(f"found '{lit}', expected: ')'")
        return values

    def identifiers(self) -> list[str]:
        """A comma list where an empty slot (``(a,,b)``, ``(,a)``, ``(a,)``) means the empty value."""
        values: list[str] = []
        while True:
            kind, lit = self.take()
            if kind == _IDENT:
                values.append(lit)
                nxt, nlit = self.peek()
                if nxt == ")":
                    return values
                if nxt != ",":
                    raise _ParseError(f"found '{nlit}', expected: ',' or ')'")
            elif kind == ",":
                if not values:
                    values.append("")
                nxt = self.peek()[0]
                if nxt == ")":
                    return [*values, ""]
                if nxt == ",":
                    self.take()
                    values.append("")
            else:
                raise _ParseError(f"found '{lit}', expected: ',', or identifier")

    def exact_value(self) -> list[str]:
        if self.peek()[0] in (_EOS, ","):
            return [""]
        kind, lit = self.take()
        if kind != _IDENT:
            raise _ParseError(f"found '{lit}', expected: identifier")
        return [lit]


def parse_label_selector(text: str) -> LabelSelector:
    """Parse a ``labelSelector`` query value (already URL-decoded).

    Args:
        text: e.g. ``app=api,tier in (a,b),!canary``; the empty string selects everything.

    Returns:
        The selector, requirements sorted by key.

    Raises:
        SandboxApiError: 400 BadRequest with apimachinery's message, e.g.
            ``unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt``.
    """
    try:
        reqs = _Parser(text).parse()
    except _ParseError as err:
        raise SandboxApiError(400, "BadRequest", str(err)) from None
    return LabelSelector(tuple(sorted(reqs, key=lambda r: r.key)))


def selector_from_map(labels: Mapping[str, str] | None) -> LabelSelector:
    """The selector of a Service / ReplicationController ``spec.selector`` map (no validation).

    An empty or missing map selects everything, as ``labels.SelectorFromSet`` does; whether an empty
    Service selector means "no endpoints" is the caller's rule.
    """
    items = sorted((labels or {}).items())
    return LabelSelector(tuple(Requirement(k, Operator.EQUALS, (v,)) for k, v in items))

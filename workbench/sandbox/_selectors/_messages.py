"""Validation messages worded as ``k8s.io/apimachinery/pkg/util/validation`` words them (v1.32).

Clients and people compare these texts with what a real API server says, so they are kept verbatim,
including Go's quirks (two spaces before "or" in the examples list, ``<nil>`` for a missing field path).
"""

from __future__ import annotations

import json
import re

_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_VALUE_FMT = f"({_NAME_FMT})?"
_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = rf"{_DNS_LABEL}(\.{_DNS_LABEL})*"
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len(n: int) -> str:
    return f"must be no more than {n} characters"


def _subdomain_errors(value: str) -> list[str]:
    errs = [_max_len(253)] if len(value.encode()) > 253 else []
    if not re.fullmatch(_SUBDOMAIN_FMT, value):
        errs.append(_regex_error(_SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com"))
    return errs


def label_key_errors(key: str) -> list[str]:
    """Why `key` is not a valid label key (``IsQualifiedName``); empty when it is valid."""
    parts = key.split("/")
    errs: list[str] = []
    if len(parts) > 2:
        return [
            "a qualified name "
            + _regex_error(_NAME_MSG, _NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + e for e in _subdomain_errors(parts[0])]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name.encode()) > 63:
        errs.append("name part " + _max_len(63))
    if not re.fullmatch(_NAME_FMT, name):
        errs.append("name part " + _regex_error(_NAME_MSG, _NAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def label_value_errors(value: str) -> list[str]:
    """Why `value` is not a valid label value (``IsValidLabelValue``); empty when it is valid."""
    errs = [_max_len(63)] if len(value.encode()) > 63 else []
    if not re.fullmatch(_VALUE_FMT, value):
        errs.append(_regex_error(_VALUE_MSG, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def quote(value: object) -> str:
    # Go prints the bad value with %q (strings) or as JSON (lists); json.dumps matches both for the
    # printable text selectors carry.
    return json.dumps(value, ensure_ascii=False)


def invalid(path: str, value: object, detail: str) -> str:
    return f"{path}: Invalid value: {quote(value)}: {detail}"


def aggregate(messages: list[str]) -> str:
    """``utilerrors.NewAggregate(...).Error()``: one message alone, several as ``[a, b]``."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"

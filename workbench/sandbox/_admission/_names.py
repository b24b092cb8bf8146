"""Name, label and selector rules with apimachinery's exact messages.

Covers the ``IsDNS1123Label`` family, label keys and values, ConfigMap keys, port names, object
metadata (name, generateName, labels, annotations) and label selectors, including how a selector
matches a label set.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import FieldError, at, invalid, not_supported, required, too_long

NameFn = Callable[[str, bool], list[str]]

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"

_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
_TOTAL_ANNOTATION_SIZE = 256 * 1024


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError text, double space before ``or`` included."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    text = msg + " (e.g. "
    for i, example in enumerate(examples):
        if i:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def _byte_len(value: str) -> int:
    return len(value.encode())


def is_dns1123_label(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > 63:
        errs.append(max_len_error(63))
    if not re.fullmatch(DNS1123_LABEL_FMT, value):
        if re.fullmatch(DNS1123_SUBDOMAIN_FMT, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > 253:
        errs.append(max_len_error(253))
    if not re.fullmatch(DNS1123_SUBDOMAIN_FMT, value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > 63:
        errs.append(max_len_error(63))
    if not re.fullmatch(DNS1035_LABEL_FMT, value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_qualified_name(value: str) -> list[str]:
    """Label keys and other ``prefix/name`` keys."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not re.fullmatch(QUALIFIED_NAME_FMT, name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_label_value(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > 63:
        errs.append(max_len_error(63))
    if not re.fullmatch(LABEL_VALUE_FMT, value):
        errs.append(regex_error(_LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_config_map_key(value: str) -> list[str]:
    errs = []
    if _byte_len(value) > 253:
        errs.append(max_len_error(253))
    if not re.fullmatch(CONFIG_MAP_KEY_FMT, value):
        errs.append(regex_error(_CONFIG_MAP_KEY_MSG, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errs.append("must not be '.'")
    elif value == "..":
        errs.append("must not be '..'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_valid_port_name(port: str) -> list[str]:
    errs = []
    if _byte_len(port) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch("[-a-z0-9]+", port):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", port):
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_port_num(port: object) -> list[str]:
    valid = isinstance(port, int | float) and not isinstance(port, bool) and 1 <= port <= 65535
    return [] if valid else ["must be between 1 and 65535, inclusive"]


def is_relaxed_env_var_name(value: str) -> list[str]:
    """Env var names as 1.32 accepts them (RelaxedEnvironmentVariableValidation, on by default)."""
    if not value:
        return ["environment variable name must be non-empty"]
    if any(ord(c) > 126 or ord(c) < 32 or c == "=" for c in value):
        return [
            "a valid environment variable name must consist only of printable ASCII characters other than '='"
        ]
    return []


def is_valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_path_segment_name(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in "/%" if c in value]


def _masked(name: str, prefix: bool) -> str:
    # generateName prefixes may end in '-'; the random suffix makes the final name valid.
    if prefix and len(name) > 1 and name.endswith("-"):
        return name[:-1] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_masked(name, prefix))


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_masked(name, prefix))


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_masked(name, prefix))


def validate_labels(labels: object, field: str) -> list[FieldError]:
    """metav1 ValidateLabels: every key a qualified name, every value a label value."""
    if not isinstance(labels, Mapping):
        return []
    errs: list[FieldError] = []
    for key in sorted(labels):
        value = labels[key]
        errs.extend(invalid(field, key, msg) for msg in is_qualified_name(str(key)))
        errs.extend(invalid(field, value, msg) for msg in is_label_value(str(value)))
    return errs


def validate_annotations(annotations: object, field: str) -> list[FieldError]:
    if not isinstance(annotations, Mapping):
        return []
    errs: list[FieldError] = []
    total = 0
    for key in sorted(annotations):
        errs.extend(invalid(field, key, msg) for msg in is_qualified_name(str(key).lower()))
        total += _byte_len(str(key)) + _byte_len(str(annotations[key]))
    if total > _TOTAL_ANNOTATION_SIZE:
        errs.append(too_long(field, _TOTAL_ANNOTATION_SIZE))
    return errs


def validate_object_meta(
    meta: object, name_fn: NameFn, field: str = "metadata", *, check_name: bool = True
) -> list[FieldError]:
    """ValidateObjectMeta: name (or generateName), labels and annotations."""
    m: Mapping[str, Any] = meta if isinstance(meta, Mapping) else {}
    errs: list[FieldError] = []
    if check_name:
        generate = m.get("generateName")
        if isinstance(generate, str) and generate:
            errs.extend(invalid(at(field, "generateName"), generate, msg) for msg in name_fn(generate, True))
        name = m.get("name")
        if not isinstance(name, str) or not name:
            errs.append(required(at(field, "name"), "name or generateName is required"))
        else:
            errs.extend(invalid(at(field, "name"), name, msg) for msg in name_fn(name, False))
    errs.extend(validate_labels(m.get("labels"), at(field, "labels")))
    errs.extend(validate_annotations(m.get("annotations"), at(field, "annotations")))
    return errs


_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: object, field: str) -> list[FieldError]:
    """metav1 ValidateLabelSelector."""
    if not isinstance(selector, Mapping):
        return []
    errs = validate_labels(selector.get("matchLabels"), at(field, "matchLabels"))
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        e: Mapping[str, Any] = expr if isinstance(expr, Mapping) else {}
        path = at(field, "matchExpressions", i)
        operator = e.get("operator", "")
        values = e.get("values") or []
        if operator in ("In", "NotIn"):
            if not values:
                errs.append(
                    required(at(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'")
                )
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                errs.append(_forbidden_values(at(path, "values")))
        else:
            errs.append(invalid(at(path, "operator"), operator, "not a valid selector operator"))
        key = str(e.get("key", ""))
        errs.extend(invalid(at(path, "key"), key, msg) for msg in is_qualified_name(key))
    return errs


def _forbidden_values(field: str) -> FieldError:
    return FieldError(
        "FieldValueForbidden", field, "", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
    )


def selector_is_convertible(selector: object) -> bool:
    """Whether ``LabelSelectorAsSelector`` succeeds (operators and value counts are sane)."""
    if not isinstance(selector, Mapping):
        return True
    for expr in selector.get("matchExpressions") or []:
        e = expr if isinstance(expr, Mapping) else {}
        operator = e.get("operator")
        values = e.get("values") or []
        if operator not in _SELECTOR_OPERATORS:
            return False
        if operator in ("In", "NotIn") and not values:
            return False
        if operator in ("Exists", "DoesNotExist") and values:
            return False
    return True


def selector_is_empty(selector: object) -> bool:
    """An empty (non-nil) selector selects everything; a missing one selects nothing."""
    if not isinstance(selector, Mapping):
        return False
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def selector_matches(selector: object, labels: object) -> bool:
    """Whether a LabelSelector matches a label set (a missing selector matches nothing)."""
    if not isinstance(selector, Mapping):
        return False
    have: Mapping[str, Any] = labels if isinstance(labels, Mapping) else {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if have.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        e = expr if isinstance(expr, Mapping) else {}
        key, operator, values = str(e.get("key", "")), e.get("operator"), e.get("values") or []
        present = key in have
        if operator == "In" and not (present and have.get(key) in values):
            return False
        if operator == "NotIn" and present and have.get(key) in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def enum_error(field: str, value: object, valid: tuple[str, ...]) -> list[FieldError]:
    """Required when empty, NotSupported when not one of `valid`."""
    if value in (None, ""):
        return [required(field)]
    if value not in valid:
        return [not_supported(field, value, valid)]
    return []

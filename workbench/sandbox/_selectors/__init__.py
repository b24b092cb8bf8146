"""Kubernetes label and field selectors: parse, match and print them as the API server does.

Label selectors follow ``k8s.io/apimachinery/pkg/labels`` (``app=api``, ``tier in (a,b)``, ``!canary``,
``k>3``...): the same grammar, the same canonical `str()` and the same error messages, so a bad
``?labelSelector=`` gets the 400 a real server sends. ``metav1.LabelSelector`` objects are validated
(422) and converted as the server does. Field selectors follow ``k8s.io/apimachinery/pkg/fields``.

Example::

    >>> sel = parse_label_selector("app in (web,api),!canary")
    >>> str(sel), sel.matches({"app": "api"}), sel.matches({"app": "api", "canary": "1"})
    ('app in (api,web),!canary', True, False)
    >>> parse_field_selector("status.phase!=Failed").matches({})
    True
"""

from __future__ import annotations

from workbench.sandbox._selectors._fields import FieldSelector, escape_field_value, parse_field_selector
from workbench.sandbox._selectors._labels import (
    EVERYTHING,
    NOTHING,
    LabelSelector,
    Operator,
    Requirement,
    parse_label_selector,
    selector_from_map,
)
from workbench.sandbox._selectors._messages import label_key_errors, label_value_errors
from workbench.sandbox._selectors._spec import label_selector_causes, label_selector_from_spec

__all__ = [
    "EVERYTHING",
    "NOTHING",
    "FieldSelector",
    "LabelSelector",
    "Operator",
    "Requirement",
    "escape_field_value",
    "label_key_errors",
    "label_selector_causes",
    "label_selector_from_spec",
    "label_value_errors",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_map",
]

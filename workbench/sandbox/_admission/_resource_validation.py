"""Container resource requirements: resource names, quantities, and requests within limits.

Follows ``validateResourceRequirements``: every name must be a standard or fully qualified
resource, quantities non-negative (integers for extended resources), requests at most the
limits, and equal to them for resources that cannot be overcommitted (hugepages, devices).
"""

from __future__ import annotations

from workbench.errors import QuantityError
from workbench.quantity import parse_quantity

from ._errors import FieldError, Key, at, invalid, required
from ._names import is_qualified_name
from ._pod_defaults import as_dict

_STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")

_STANDARD_RESOURCES = (
    *_STANDARD_CONTAINER_RESOURCES,
    "storage",
    "pods",
    "services",
    "replicationcontrollers",
    "resourcequotas",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
)


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_extended(name: str) -> bool:
    return (
        not _is_native(name)
        and not name.startswith("requests.")
        and not is_qualified_name("requests." + name)
    )


def _resource_name_errors(name: str, path: str) -> list[FieldError]:
    errs = [invalid(path, name, msg) for msg in is_qualified_name(name)]
    if errs:
        return errs
    if "/" not in name:
        if name not in _STANDARD_RESOURCES and not name.startswith(("hugepages-", "requests.", "limits.")):
            errs.append(invalid(path, name, "must be a standard resource type or fully qualified"))
        if name not in _STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
            errs.append(invalid(path, name, "must be a standard resource for containers"))
    elif not _is_native(name) and not _is_extended(name):
        errs.append(invalid(path, name, "doesn't follow extended resource name standard"))
    return errs


def validate_resources(resources: object, path: str) -> list[FieldError]:
    """Container resource requirements: names, non-negative quantities, requests within limits."""
    res = as_dict(resources)
    limits, requests = as_dict(res.get("limits")), as_dict(res.get("requests"))
    errs: list[FieldError] = []
    parsed_limits = {}
    for name in sorted(limits):
        field = at(path, "limits", Key(name))
        errs += _resource_name_errors(name, field)
        errs += _quantity_errors(name, limits[name], field)
        try:
            parsed_limits[name] = parse_quantity(limits[name])
        except QuantityError:
            continue
    for name in sorted(requests):
        field = at(path, "requests", Key(name))
        errs += _resource_name_errors(name, field)
        errs += _quantity_errors(name, requests[name], field)
        try:
            request = parse_quantity(requests[name])
        except QuantityError:
            continue
        limit = parsed_limits.get(name)
        overcommit = _is_native(name) and not name.startswith("hugepages-")
        if limit is not None:
            if request.value != limit.value and not overcommit:
                errs.append(
                    invalid(
                        at(path, "requests"),
                        request.canonical(),
                        f"must be equal to {name} limit of {limit.canonical()}",
                    )
                )
            elif request.value > limit.value:
                errs.append(
                    invalid(
                        at(path, "requests"),
                        request.canonical(),
                        f"must be less than or equal to {name} limit of {limit.canonical()}",
                    )
                )
        elif not overcommit:
            errs.append(required(at(path, "limits"), "Limit must be set for non overcommitable resources"))
    return errs


def _quantity_errors(name: str, raw: object, field: str) -> list[FieldError]:
    try:
        quantity = parse_quantity(raw)
    except QuantityError:
        return []
    if quantity.value < 0:
        return [invalid(field, quantity.canonical(), "must be greater than or equal to 0")]
    if _is_extended(name) and quantity.value.denominator != 1:
        return [invalid(field, quantity.canonical(), "must be an integer")]
    return []

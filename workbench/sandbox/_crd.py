"""CustomResourceDefinitions: accepting them and serving the resources they define."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.sandbox._clock import rfc3339
from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._registry import Registry


def accept(crd: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Set the status a real server reports once a CRD's names are accepted and it is established."""
    names = (crd.get("spec") or {}).get("names") or {}
    when = rfc3339(now)
    old = {c.get("type"): c for c in (crd.get("status") or {}).get("conditions") or []}

    def condition(ctype: str, reason: str, message: str) -> dict[str, Any]:
        since = old.get(ctype, {}).get("lastTransitionTime", when)
        return {
            "type": ctype,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastTransitionTime": since,
        }

    crd["status"] = {
        "acceptedNames": {
            k: v
            for k, v in names.items()
            if k in ("plural", "singular", "kind", "listKind", "shortNames", "categories")
        },
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": [
            v["name"] for v in (crd.get("spec") or {}).get("versions") or [] if v.get("storage")
        ],
    }
    return crd


def resource_type(crd: dict[str, Any]) -> ResourceType:
    """The served resource a CRD defines (served versions first-storage-preferred)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if v.get("served", True)]
    storage = next(
        (v["name"] for v in versions if v.get("storage")), versions[0]["name"] if versions else "v1"
    )
    ordered = tuple([storage] + [v["name"] for v in versions if v["name"] != storage])
    storage_def: dict[str, Any] = next((v for v in versions if v["name"] == storage), {})
    subresources = storage_def.get("subresources") or {}
    return ResourceType(
        group=spec.get("group", ""),
        versions=ordered,
        plural=names.get("plural", ""),
        singular=names.get("singular", names.get("kind", "").lower()),
        kind=names.get("kind", ""),
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        subresources=tuple(k for k in ("status", "scale") if k in subresources),
        has_status="status" in subresources,
        has_spec_generation=True,
        printer_columns=tuple(storage_def.get("additionalPrinterColumns") or ()),
    )


def register(registry: Registry, crd: dict[str, Any]) -> None:
    registry.add(resource_type(crd), custom=True)


def unregister(registry: Registry, crd: dict[str, Any]) -> None:
    rtype = resource_type(crd)
    registry.remove(rtype.key)

"""The `Status` errors a real API server answers about one object (404, 409)."""

from __future__ import annotations

from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox._kinds import ResourceType


def not_found(rtype: ResourceType, name: str) -> SandboxApiError:
    details: dict[str, Any] = {"name": name, "kind": rtype.plural}
    if rtype.group:
        details["group"] = rtype.group
    return SandboxApiError(404, "NotFound", f'{rtype.key} "{name}" not found', details=details)


def check_resource_version(rtype: ResourceType, stored: dict[str, Any], wanted: str | None) -> None:
    """Optimistic concurrency: a write naming a resourceVersion must name the stored one (else 409)."""
    if wanted and wanted != stored["metadata"]["resourceVersion"]:
        raise conflict(
            rtype,
            stored["metadata"]["name"],
            "the object has been modified; please apply your changes to the latest version and try again",
        )


def conflict(rtype: ResourceType, name: str, why: str) -> SandboxApiError:
    details: dict[str, Any] = {"name": name, "kind": rtype.plural}
    if rtype.group:
        details["group"] = rtype.group
    return SandboxApiError(
        409, "Conflict", f'Operation cannot be fulfilled on {rtype.key} "{name}": {why}', details=details
    )

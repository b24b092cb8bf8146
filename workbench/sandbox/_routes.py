"""URL paths of the Kubernetes API, parsed into what they address."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import SandboxApiError
from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._registry import Registry


@dataclass(frozen=True, slots=True)
class Route:
    """A resource request: which type, in which version, optionally which object and subresource."""

    rtype: ResourceType
    version: str
    namespace: str | None  # None: all namespaces (or cluster-scoped)
    name: str = ""
    subresource: str = ""
    watch: bool = False  # addressed through the deprecated /watch/ prefix


def not_found_path() -> SandboxApiError:
    return SandboxApiError(404, "NotFound", "the server could not find the requested resource", details={})


def parse(registry: Registry, path: str) -> Route | None:
    """Resolve a resource path; None when it is not a resource path at all (discovery, openapi...).

    Raises:
        SandboxApiError: 404 for a resource or group-version the server does not serve.
    """
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1":
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    watch = bool(rest) and rest[0] == "watch"  # the deprecated /watch/ prefix: same as ?watch=true
    if watch:
        rest = rest[1:]
    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise not_found_path()
    rtype = registry.find(group, version, rest[0])
    if rtype is None:
        raise not_found_path()
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    if sub and sub not in rtype.subresources:
        raise not_found_path()
    if not rtype.namespaced and namespace is not None:
        raise not_found_path()
    if rtype.namespaced and name and namespace is None:
        raise not_found_path()
    return Route(rtype, version, namespace, name, sub, watch)

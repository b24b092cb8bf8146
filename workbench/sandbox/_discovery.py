"""Discovery documents: ``/version``, ``/api``, ``/apis``, and each group-version's resource list."""

from __future__ import annotations

import hashlib
from typing import Any

from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._registry import Registry

KUBERNETES_VERSION = "v1.32.4"
# Versions a real server prefers when a group serves several.
_PREFERRED = {"autoscaling": "v2", "batch": "v1"}


def version_info() -> dict[str, Any]:
    return {
        "major": "1",
        "minor": "32",
        "gitVersion": f"{KUBERNETES_VERSION}+sandbox",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-01T00:00:00Z",
        "goVersion": "go1.23.6",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def api_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    preferred = _PREFERRED.get(name, versions[0])
    if preferred not in versions:
        preferred = versions[0]
    ordered = [preferred] + [v for v in versions if v != preferred]
    return {
        "name": name,
        "versions": [{"groupVersion": f"{name}/{v}", "version": v} for v in ordered],
        "preferredVersion": {"groupVersion": f"{name}/{preferred}", "version": preferred},
    }


def api_group_list(registry: Registry, *, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    groups = [_group(g, vs) for g, vs in registry.groups().items() if g not in hidden]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(registry: Registry, name: str) -> dict[str, Any] | None:
    versions = registry.groups().get(name)
    if not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _subresource_entry(rtype: ResourceType, sub: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": f"{rtype.plural}/{sub}",
        "singularName": "",
        "namespaced": rtype.namespaced,
        "kind": rtype.kind,
        "verbs": ["get", "patch", "update"],
    }
    if sub == "scale":
        entry.update(group="autoscaling", version="v1", kind="Scale")
    elif sub == "log":
        entry.update(kind="Pod", verbs=["get"])
    elif sub in ("exec", "attach", "portforward", "proxy"):
        entry.update(
            kind={
                "exec": "PodExecOptions",
                "attach": "PodAttachOptions",
                "portforward": "PodPortForwardOptions",
            }.get(sub, f"{rtype.kind}ProxyOptions"),
            verbs=["create", "get"],
        )
    elif sub == "eviction":
        entry.update(group="policy", version="v1", kind="Eviction", verbs=["create"])
    elif sub == "binding":
        entry.update(kind="Binding", verbs=["create"])
    elif sub == "token":
        entry.update(group="authentication.k8s.io", version="v1", kind="TokenRequest", verbs=["create"])
    elif sub == "finalize":
        entry.update(verbs=["update"])
    return entry


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = registry.in_version(group, version)
    if not types:
        return None
    resources: list[dict[str, Any]] = []
    for rtype in sorted(types, key=lambda t: t.plural):
        entry: dict[str, Any] = {
            "name": rtype.plural,
            "singularName": rtype.singular,
            "namespaced": rtype.namespaced,
            "kind": rtype.kind,
            "verbs": list(rtype.verbs),
        }
        if rtype.short_names:
            entry["shortNames"] = list(rtype.short_names)
        if rtype.categories:
            entry["categories"] = list(rtype.categories)
        entry["storageVersionHash"] = _hash(rtype)
        resources.append(entry)
        resources.extend(_subresource_entry(rtype, sub) for sub in rtype.subresources)
    gv = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


def _hash(rtype: ResourceType) -> str:
    return hashlib.sha256(f"{rtype.group}/{rtype.stored_in}/{rtype.kind}".encode()).hexdigest()[:11]


def openapi_gvks(registry: Registry) -> list[tuple[str, str, str, str]]:
    """(group, version, kind, item path) for every served kind: what `/openapi/v2` describes."""
    out = []
    for rtype in registry.all():
        if "patch" not in rtype.verbs:
            continue
        for version in rtype.versions:
            base = f"/apis/{rtype.group}/{version}" if rtype.group else f"/api/{version}"
            scope = "/namespaces/{namespace}" if rtype.namespaced else ""
            out.append((rtype.group, version, rtype.kind, f"{base}{scope}/{rtype.plural}/{{name}}"))
    return out

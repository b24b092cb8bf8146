"""The registry of served resource types: built-ins plus those CRDs define at run time."""

from __future__ import annotations

from collections.abc import Iterable

from workbench.sandbox._builtin import ALIASES, BUILTIN, VIRTUAL
from workbench.sandbox._kinds import ResourceType


class Registry:
    """Looks up resource types by group/version/plural or by kind; grows when CRDs are created."""

    def __init__(self, types: Iterable[ResourceType] | None = None) -> None:
        self._by_key: dict[str, ResourceType] = {}
        self._custom: set[str] = set()
        self._kind_cache: dict[tuple[str, str], ResourceType | None] = {}
        for t in BUILTIN if types is None else types:
            self.add(t)

    def add(self, rtype: ResourceType, *, custom: bool = False) -> None:
        self._by_key[rtype.key] = rtype
        self._kind_cache.clear()
        if custom:
            self._custom.add(rtype.key)

    def remove(self, key: str) -> None:
        self._by_key.pop(key, None)
        self._kind_cache.clear()
        self._custom.discard(key)

    def is_custom(self, rtype: ResourceType) -> bool:
        return rtype.key in self._custom

    def storage_key(self, rtype: ResourceType) -> str:
        """The store bucket objects of `rtype` live in (events.k8s.io events share core's)."""
        return ALIASES.get(rtype.key, rtype.key)

    def storage_type(self, rtype: ResourceType) -> ResourceType:
        """The type whose shape stored objects have: core Event for the events.k8s.io view."""
        alias = ALIASES.get(rtype.key)
        return self._by_key[alias] if alias else rtype

    def is_virtual(self, rtype: ResourceType) -> bool:
        return rtype.key in VIRTUAL

    def get(self, key: str) -> ResourceType | None:
        """The type by qualified resource (``pods``, ``deployments.apps``), e.g. a store bucket's."""
        return self._by_key.get(key)

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        rtype = self._by_key.get(f"{plural}.{group}" if group else plural)
        if rtype is None or version not in rtype.versions:
            return None
        return rtype

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        """The type serving `kind` in `api_version` (memoised: bulk loads ask once per object)."""
        cache_key = (api_version, kind)
        if cache_key not in self._kind_cache:
            group, _, version = api_version.rpartition("/")
            self._kind_cache[cache_key] = next(
                (
                    t
                    for t in self._by_key.values()
                    if t.kind == kind and t.group == group and version in t.versions
                ),
                None,
            )
        return self._kind_cache[cache_key]

    def groups(self) -> dict[str, list[str]]:
        """group → served versions (preferred first), in a stable order; core excluded."""
        out: dict[str, list[str]] = {}
        for rtype in self._by_key.values():
            if not rtype.group:
                continue
            versions = out.setdefault(rtype.group, [])
            for v in rtype.versions:
                if v not in versions:
                    versions.append(v)
        return out

    def in_version(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self._by_key.values() if t.group == group and version in t.versions]

    def all(self) -> list[ResourceType]:
        return list(self._by_key.values())

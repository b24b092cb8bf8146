"""The resource types the sandbox serves: names, scopes, versions, verbs and selectable fields.

One `ResourceType` per resource (``pods``, ``deployments.apps``...). A resource is stored in one
version (its storage version) and may be served in several (CronJob as batch/v1 and v1beta1, HPA as
autoscaling/v1, v2beta2 and v2, Event as core/v1 and events.k8s.io/v1); `_convert.py` translates.
Custom resources get a `ResourceType` built from their CustomResourceDefinition at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")

FieldExtractor = Callable[[Mapping[str, Any]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A served resource.

    Attributes:
        group: API group ("" for core).
        versions: served versions, preferred first; `storage_version` is the one objects are kept in.
        plural / singular / kind: the names discovery advertises.
        namespaced: whether objects live in a namespace.
        short_names / categories: for kubectl's ``po`` and ``get all``.
        subresources: ``status``, ``scale``, ``log``...
        verbs: the verbs discovery advertises for the main resource.
        fields: extra field-selector labels beyond metadata.name/namespace, and how to read them.
        has_status / has_spec_generation: whether the status subresource exists and spec changes bump
            ``metadata.generation``.
    """

    group: str
    versions: tuple[str, ...]
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    fields: Mapping[str, Callable[[Mapping[str, Any]], str]] = field(default_factory=dict)
    has_status: bool = False
    has_spec_generation: bool = False
    storage_version: str = ""
    printer_columns: tuple[Mapping[str, Any], ...] = ()
    """For custom resources: the CRD's ``additionalPrinterColumns``."""

    @property
    def key(self) -> str:
        """``pods`` for core resources, ``deployments.apps`` otherwise (the qualified resource)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def stored_in(self) -> str:
        return self.storage_version or self.versions[0]

    def api_version(self, version: str | None = None) -> str:
        v = version or self.stored_in
        return f"{self.group}/{v}" if self.group else v

    def field_values(self, obj: Mapping[str, Any]) -> dict[str, str]:
        """The field-selector values of `obj`: metadata.name/namespace plus this type's own fields."""
        meta = obj.get("metadata") or {}
        values = {
            "metadata.name": str(meta.get("name", "")),
            "metadata.namespace": str(meta.get("namespace", "")),
        }
        for name, read in self.fields.items():
            values[name] = read(obj)
        return values

    def supports_field(self, name: str) -> bool:
        return name in ("metadata.name", "metadata.namespace") or name in self.fields

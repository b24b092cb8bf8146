"""The sandbox's API semantics, in process: what kube-apiserver does between HTTP and etcd.

`Api` reads and writes objects in their storage versions: create (defaulting, validation, metadata),
update and patch (optimistic concurrency, the status subresource's split, generation), and dry runs
of all of them. Deletion lives in `_deletion.py`, subresources in `_subresources.py`; the HTTP
server in `_server.py` only translates requests and versions. The simulated control plane writes
through this same class, so it obeys the same rules as kubectl.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from workbench.errors import SandboxApiError
from workbench.sandbox import _crd, _deletion
from workbench.sandbox._admission import (
    AdmissionContext,
    FieldValidation,
    apply_defaults,
    check_unknown_fields,
    validate,
)
from workbench.sandbox._allocate import Allocator
from workbench.sandbox._bodies import (
    PATCH_TYPES,
    apply_patch,
    check_body,
    check_patched,
    decode_continue,
    encode_continue,
    json_copy,
    parse_patch,
    same_object,
)
from workbench.sandbox._clock import Clock, rfc3339
from workbench.sandbox._kinds import ResourceType
from workbench.sandbox._meta import managed_entry, new_uid, record_manager, strip_server_fields
from workbench.sandbox._registry import Registry
from workbench.sandbox._selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
)
from workbench.sandbox._statuses import check_resource_version, not_found
from workbench.sandbox._store import Entry, Key, Store
from workbench.sandbox._warnings import add_warnings

# events.k8s.io field names → the core/v1 names its stored (core) events are indexed under.
VIEW_FIELDS = {
    **{
        f"regarding.{k}": f"involvedObject.{k}"
        for k in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
    "reportingController": "reportingComponent",
}


# Warnings for the client (kube-apiserver's `warning.AddWarning`): a write records them here and the
# HTTP handler that opened `collect_warnings()` sends them as `Warning` headers. A context variable
# keeps concurrent requests apart (one thread each) and spares every Api method a return channel;
# outside such a block (the control plane's own writes) warnings are dropped.
@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, still encoded: ``entries`` are the stored objects."""

    entries: list[Entry]
    resource_version: int
    continue_token: str
    remaining: int | None


class Api:
    """The in-process API over a `Store`.

    Args:
        store: where objects live.
        registry: the served resource types (grows with CRDs).
        clock: the sandbox clock; all timestamps come from it.
        read_only: refuse every write with 403 (a recorded snapshot being replayed).
    """

    def __init__(
        self, store: Store, registry: Registry, clock: Clock, *, read_only: bool = False, seed: int = 0
    ) -> None:
        self.store = store
        self.registry = registry
        self.clock = clock
        self.read_only = read_only
        self._rng = random.Random(seed)  # noqa: S311  # names, not secrets: reproducible per seed
        self._allocator = Allocator(self._stored_services)

    # -- indexing ------------------------------------------------------------------------------
    def bucket(self, rtype: ResourceType) -> str:
        return self.registry.storage_key(rtype)

    def index(self, rtype: ResourceType, obj: dict[str, Any]) -> tuple[Key, dict[str, str], dict[str, str]]:
        meta = obj["metadata"]
        key = (meta.get("namespace", "") if rtype.namespaced else "", meta["name"])
        return key, dict(meta.get("labels") or {}), rtype.field_values(obj)

    def load(self, objects: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
        """Bulk-load complete objects (a scenario or snapshot); unknown kinds are refused by name."""

        def rows() -> Iterator[tuple[str, Key, dict[str, Any], dict[str, str], dict[str, str]]]:
            for obj in objects:
                rtype = self.registry.by_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
                if rtype is None:
                    raise SandboxApiError(
                        400,
                        "BadRequest",
                        f"no kind {obj.get('kind')!r} in {obj.get('apiVersion')!r} is served",
                    )
                if rtype.kind == "CustomResourceDefinition":
                    _crd.register(self.registry, obj)
                key, labels, fields = self.index(rtype, obj)
                yield self.bucket(rtype), key, obj, labels, fields

        return self.store.load(rows())

    # -- reads ---------------------------------------------------------------------------------
    def get_entry(self, rtype: ResourceType, namespace: str, name: str) -> Entry:
        entry = self.store.get(self.bucket(rtype), (namespace if rtype.namespaced else "", name))
        if entry is None:
            raise not_found(rtype, name)
        return entry

    def get(self, rtype: ResourceType, namespace: str, name: str) -> dict[str, Any]:
        return self.get_entry(rtype, namespace, name).decode()

    def selectors(
        self, rtype: ResourceType, label_selector: str, field_selector: str
    ) -> Callable[[Entry], bool] | None:
        """A predicate over stored entries; `rtype` may be a view (events.k8s.io) of another's bucket."""
        labels: LabelSelector | None = parse_label_selector(label_selector) if label_selector else None
        fields: FieldSelector | None = parse_field_selector(field_selector) if field_selector else None
        if fields is not None:
            for name in fields.fields():
                if not rtype.supports_field(name):
                    raise SandboxApiError(400, "BadRequest", f"field label not supported: {name}")
            stored = self.registry.storage_type(rtype)
            if stored is not rtype:  # entries are indexed under the stored shape's field names
                fields = fields.renamed(VIEW_FIELDS)
        if labels is not None and labels.empty:
            labels = None
        if labels is None and fields is None:
            return None

        def match(entry: Entry) -> bool:
            return (labels is None or labels.matches(entry.labels)) and (
                fields is None or fields.matches(entry.fields)
            )

        return match

    def list(
        self,
        rtype: ResourceType,
        namespace: str | None,
        *,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
    ) -> Page:
        """One page; `rtype` may be a view type (its selectors are translated), entries are stored shape."""
        match = self.selectors(rtype, label_selector, field_selector)
        after: Key | None = None
        at_rv: int | None = None
        if continue_token:
            after, at_rv = decode_continue(continue_token)
        entries, last, rv, remaining = self.store.page(
            self.bucket(rtype),
            namespace if rtype.namespaced else None,
            match=match,
            limit=limit,
            after=after,
            at_rv=at_rv,
        )
        token = encode_continue(last, rv) if last is not None else ""
        return Page(entries, rv, token, remaining)

    # -- writes --------------------------------------------------------------------------------
    def check_writable(self) -> None:
        if self.read_only:
            raise SandboxApiError(
                403,
                "Forbidden",
                "the sandbox is serving a read-only snapshot: writes are refused. "
                "Start it without --read-only (or from a scenario) to change objects.",
            )

    def admission(self, old: dict[str, Any] | None = None) -> AdmissionContext:
        return AdmissionContext(
            now=self.clock.now(),
            allocate_cluster_ip=self._allocator.cluster_ip,
            allocate_node_port=self._allocator.node_port,
            random_suffix=self._suffix,
            old=old,
        )

    def create(
        self,
        rtype: ResourceType,
        namespace: str,
        body: dict[str, Any],
        *,
        dry_run: bool = False,
        manager: str = "unknown",
        field_validation: FieldValidation = "Warn",
    ) -> dict[str, Any]:
        """POST: create `body`; unknown fields are dropped and, per `field_validation`, refused or
        reported (see `collect_warnings`)."""
        self.check_writable()
        obj = check_body(rtype, body)
        if not self.registry.is_custom(rtype):
            add_warnings(check_unknown_fields(obj, field_validation))
        meta = obj["metadata"]
        if rtype.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise SandboxApiError(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                )
            meta["namespace"] = namespace
            self._check_namespace_open(namespace)
        else:
            meta.pop("namespace", None)
        strip_server_fields(meta)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + self._suffix(5)
        meta["uid"] = new_uid()
        meta["creationTimestamp"] = rfc3339(self.clock.now())
        if rtype.has_spec_generation:
            meta["generation"] = 1
        if rtype.has_status and rtype.kind not in ("Pod", "Namespace", "PersistentVolumeClaim"):
            obj["status"] = {}
        if not self.registry.is_custom(rtype):
            obj = apply_defaults(rtype.kind, obj, self.admission())
        validate(rtype.kind, obj, old=None, group=rtype.group)
        if rtype.kind == "CustomResourceDefinition":
            obj = _crd.accept(obj, self.clock.now())
        key, labels, fields = self.index(rtype, obj)
        if self.store.get(self.bucket(rtype), key) is not None:
            details: dict[str, Any] = {"name": key[1], "kind": rtype.plural}
            if rtype.group:
                details["group"] = rtype.group
            raise SandboxApiError(
                409, "AlreadyExists", f'{rtype.key} "{key[1]}" already exists', details=details
            )
        record_manager(obj, managed_entry(obj, manager=manager, operation="Update", now=self.clock.now()))
        if dry_run:
            return obj
        self.store.put(self.bucket(rtype), key, obj, labels=labels, fields=fields)
        if rtype.kind == "CustomResourceDefinition":
            _crd.register(self.registry, obj)
        return obj

    def update(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        body: dict[str, Any],
        *,
        subresource: str = "",
        dry_run: bool = False,
        manager: str = "unknown",
        operation: str = "Update",
        field_validation: FieldValidation = "Warn",
    ) -> dict[str, Any]:
        """PUT: replace the object (or its status), with optimistic concurrency when the body has a
        resourceVersion. Returns the stored object (unchanged and not re-versioned if nothing changed)."""
        self.check_writable()
        new = check_body(rtype, body)
        if new["metadata"].get("name", name) != name:
            raise SandboxApiError(
                400,
                "BadRequest",
                "the name of the object "
                f"({new['metadata'].get('name')}) does not match the name on the URL ({name})",
            )
        with self.store.lock:  # read-check-write as one step, like an etcd transaction
            old = self.get(rtype, namespace, name)
            if not self.registry.is_custom(rtype):
                add_warnings(check_unknown_fields(new, field_validation, old=old))
            check_resource_version(rtype, old, new["metadata"].get("resourceVersion"))
            return self._commit(
                rtype,
                old,
                new,
                subresource=subresource,
                dry_run=dry_run,
                manager=manager,
                operation=operation,
            )

    def patch(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        content_type: str,
        raw: bytes,
        *,
        subresource: str = "",
        dry_run: bool = False,
        manager: str = "unknown",
        field_validation: FieldValidation = "Warn",
    ) -> dict[str, Any]:
        """PATCH in any of the four types; the patch applies to the whole object, as on a real server.
        Unknown fields are checked in the patched object, as kube-apiserver decodes it."""
        self.check_writable()
        kind = PATCH_TYPES.get(content_type.split(";", maxsplit=1)[0].strip())
        if kind is None:
            raise SandboxApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - "
                "accepted media types include: application/json-patch+json, "
                "application/merge-patch+json, application/apply-patch+yaml"
                # built-in types also take strategic merge patches
                + ("" if self.registry.is_custom(rtype) else ", application/strategic-merge-patch+json"),
            )
        if kind == "strategic" and self.registry.is_custom(rtype):
            raise SandboxApiError(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - "
                "accepted media types include: application/json-patch+json, "
                "application/merge-patch+json, application/apply-patch+yaml",
            )
        patch_doc = parse_patch(raw, kind)
        with self.store.lock:
            try:
                old = self.get(rtype, namespace, name)
            except SandboxApiError:
                if kind == "apply":  # server-side apply creates what is missing
                    return self.create(
                        rtype,
                        namespace,
                        patch_doc,
                        dry_run=dry_run,
                        manager=manager,
                        field_validation=field_validation,
                    )
                raise
            new = apply_patch(kind, old, patch_doc, rtype.kind)
            if not self.registry.is_custom(rtype):
                add_warnings(check_unknown_fields(new, field_validation, old=old, patch=(kind, patch_doc)))
            check_patched(rtype, old, new, name)
            want_rv = (
                (patch_doc.get("metadata") or {}).get("resourceVersion")
                if isinstance(patch_doc, dict)
                else None
            )
            check_resource_version(rtype, old, want_rv)
            return self._commit(
                rtype,
                old,
                new,
                subresource=subresource,
                dry_run=dry_run,
                manager=manager,
                operation="Apply" if kind == "apply" else "Update",
            )

    def _commit(
        self,
        rtype: ResourceType,
        old: dict[str, Any],
        new: dict[str, Any],
        *,
        subresource: str,
        dry_run: bool,
        manager: str,
        operation: str,
    ) -> dict[str, Any]:
        """Merge server-owned fields from `old`, validate, bump generation, store (unless a no-op)."""
        meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
        for name in (
            "uid",
            "creationTimestamp",
            "namespace",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "managedFields",
        ):
            if name in old_meta:
                meta[name] = old_meta[name]
            else:
                meta.pop(name, None)
        meta["name"] = old_meta["name"]
        if subresource == "status":
            status = new.get("status")
            new = json_copy(old)
            new["status"] = status if status is not None else {}
        elif rtype.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if not self.registry.is_custom(rtype) and subresource != "status":
            new = apply_defaults(rtype.kind, new, self.admission(old))
            if "status" in old and rtype.has_status:
                new["status"] = old["status"]
        validate(rtype.kind, new, old=old, group=rtype.group)
        if rtype.has_spec_generation and new.get("spec") != old.get("spec"):
            new["metadata"]["generation"] = int(old_meta.get("generation", 1)) + 1
        if rtype.kind == "CustomResourceDefinition":
            new = _crd.accept(new, self.clock.now())
        if same_object(old, new):
            return old
        record_manager(
            new,
            managed_entry(
                new, manager=manager, operation=operation, now=self.clock.now(), subresource=subresource
            ),
        )
        if dry_run:
            new["metadata"]["resourceVersion"] = old_meta["resourceVersion"]
            return new
        if (
            meta.get("deletionTimestamp")
            and not meta.get("finalizers")
            and (rtype.kind != "Pod" or old_meta.get("finalizers"))
        ):
            # The last finalizer is gone: the object's deletion completes now.
            key = self.index(rtype, new)[0]
            self.store.remove(self.bucket(rtype), key, new)
            _deletion.removed(self, rtype, new)  # the garbage collector takes over its dependents
            return new
        key, labels, fields = self.index(rtype, new)
        self.store.put(self.bucket(rtype), key, new, labels=labels, fields=fields)
        if rtype.kind == "CustomResourceDefinition":
            _crd.register(self.registry, new)
        return new

    # -- helpers ---------------------------------------------------------------------------------
    def _check_namespace_open(self, namespace: str) -> None:
        ns_type = self.registry.find("", "v1", "namespaces")
        assert ns_type is not None
        entry = self.store.get(self.bucket(ns_type), ("", namespace))
        if entry is None:
            raise SandboxApiError(
                404,
                "NotFound",
                f'namespaces "{namespace}" not found',
                details={"name": namespace, "kind": "namespaces"},
            )
        if entry.fields.get("status.phase") == "Terminating":
            raise SandboxApiError(
                403,
                "Forbidden",
                f"unable to create new content in namespace {namespace} because it is being terminated",
                details={"name": namespace, "kind": "namespaces"},
            )

    def _stored_services(self) -> Iterator[dict[str, Any]]:
        services = self.registry.get("services")
        assert services is not None
        return (entry.decode() for entry in self.store.iter_entries(self.bucket(services)))

    def _suffix(self, n: int) -> str:
        return "".join(self._rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))

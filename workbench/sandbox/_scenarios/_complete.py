"""Turn manifest documents into complete stored objects.

A manifest says what matters to its author; the store needs what the apiserver would have filled in:
uid, creationTimestamp, generation, create-time defaults (`_admit`), owner and event references by
uid, event names (`_events`), content controllers derive (`_controllers`), managedFields. uids
derive from a seed and the object's identity, so a scenario loads identically every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios._admit import Defaulter
from workbench.sandbox._scenarios._controllers import derive_controller_content
from workbench.sandbox._scenarios._convert import to_storage_version
from workbench.sandbox._scenarios._document import Document, describe
from workbench.sandbox._scenarios._events import EventNamer, complete_event
from workbench.sandbox._scenarios._managed import (
    LAST_APPLIED,
    default_managed_fields,
    last_applied,
    spec_manager,
)
from workbench.sandbox._scenarios._times import format_time, resolve_times

CLUSTER_SCOPED = frozenset(
    [
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "IngressClass",
        "PriorityClass",
        "RuntimeClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "APIService",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "CertificateSigningRequest",
        "ComponentStatus",
    ]
)
# Kinds whose registry strategy leaves metadata.generation unset even though they have a spec.
_NO_GENERATION = frozenset(
    [
        "Pod",
        "Service",
        "Node",
        "Namespace",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "HorizontalPodAutoscaler",
        "ResourceQuota",
        "LimitRange",
        "Lease",
    ]
)
# Kinds without a spec whose registry strategy still sets metadata.generation.
_GENERATION_WITHOUT_SPEC = frozenset(["EndpointSlice"])
# The order the apiserver writes ObjectMeta fields in (the Go struct's order).
_METADATA_ORDER = (
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
)  # fmt: skip
_UID_NAMESPACE = uuid.UUID("0c7f3d7e-5b8a-4c64-9a51-3e1f2b7d9a40")
_REFERENCE_FIELDS = ("kind", "name")

__all__ = ["CLUSTER_SCOPED", "Document", "check_document", "complete_objects", "describe", "expand_lists"]


def group_of(api_version: str) -> str:
    """The API group of an apiVersion (``""`` for the core group)."""
    return api_version.rpartition("/")[0]


def stable_uid(seed: str, kind: str, namespace: str, name: str, group: str = "") -> str:
    """A uid that is the same every time the same seed loads the same object."""
    return str(uuid.uuid5(_UID_NAMESPACE, f"{seed}\x00{group}\x00{kind}\x00{namespace}\x00{name}"))


def check_document(doc: Any, *, source: str, index: int) -> Document:
    """Check the fields every object needs; a ScenarioError names the file and what to fix."""
    if not isinstance(doc, dict):
        raise ScenarioError(
            f"document {index} is a {type(doc).__name__}, not an object (key: value lines)", source=source
        )
    for field in ("apiVersion", "kind"):
        if not isinstance(doc.get(field), str) or not doc[field]:
            raise ScenarioError(
                f"document {index} has no {field}; every object needs apiVersion and kind", source=source
            )
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        raise ScenarioError(
            f"document {index} ({doc['kind']}) has no metadata; add metadata.name", source=source
        )
    name = meta.get("name")
    involved = doc.get("involvedObject") or doc.get("regarding") or {}
    if not name and doc["kind"] == "Event" and involved.get("name"):
        return Document(doc, source, index)  # named from its subject below
    if not isinstance(name, str) or not name:
        raise ScenarioError(f"document {index} ({doc['kind']}) has no metadata.name; add one", source=source)
    _check_strings(doc, source=source, index=index)
    return Document(doc, source, index)


def _check_strings(doc: dict[str, Any], *, source: str, index: int) -> None:
    # YAML reads `version: 1.0` or `enabled: true` as a number or a bool; the API (and the client's
    # models) accept only strings in these maps, so say which value needs quotes.
    maps = {
        "metadata.labels": doc["metadata"].get("labels"),
        "metadata.annotations": doc["metadata"].get("annotations"),
    }
    if doc["kind"] == "ConfigMap":
        maps["data"] = doc.get("data")
    for field, values in maps.items():
        if values is None:
            continue
        if not isinstance(values, dict):
            raise ScenarioError(
                f"document {index} ({describe(doc)}): {field} must be a mapping", source=source
            )
        for key, value in values.items():
            if not isinstance(value, str):
                raise ScenarioError(
                    f"document {index} ({describe(doc)}): {field}.{key} is {value!r}, not a string; "
                    f'quote it ("{value}")',
                    source=source,
                )


def expand_lists(doc: Any, *, source: str, index: int) -> Iterable[Document]:
    """The objects in one document: itself, or the items of a ``List``/``<Kind>List``."""
    kind = doc.get("kind", "") if isinstance(doc, dict) else ""
    if not (kind.endswith("List") and isinstance(doc.get("items"), list)):
        yield check_document(doc, source=source, index=index)
        return
    item_kind = kind.removesuffix("List")
    for item in doc["items"]:
        if item_kind and isinstance(item, dict):
            item.setdefault("kind", item_kind)
            item.setdefault("apiVersion", doc.get("apiVersion", "v1"))
        yield check_document(item, source=source, index=index)


def _prepare(
    doc: Document, *, now: datetime | None, created: datetime, managed: bool, namer: EventNamer
) -> None:
    obj = to_storage_version(doc.obj)
    salt = f"{doc.source}#{doc.index}"
    if now is not None:
        resolve_times(obj, now, salt=salt)
    meta = obj["metadata"]
    meta.pop("resourceVersion", None)  # the server assigns it
    if obj["kind"] in CLUSTER_SCOPED:
        meta.pop("namespace", None)
    elif not meta.get("namespace"):
        involved = obj.get("involvedObject") or {}
        meta["namespace"] = involved.get("namespace") or "default"
    if obj["kind"] == "Event":
        complete_event(obj, created=created, namer=namer, salt=salt)
    annotations = meta.get("annotations") or {}
    if (
        managed
        and "managedFields" not in meta
        and LAST_APPLIED not in annotations
        and spec_manager(obj) == "kubectl-client-side-apply"
    ):
        meta["annotations"] = {**annotations, LAST_APPLIED: last_applied(obj)}


def complete_objects(
    docs: Iterable[Document],
    *,
    seed: str,
    created: datetime,
    now: datetime | None,
    managed: bool,
    recorded: bool = False,
    namespaces_defined: bool = False,
) -> tuple[dict[str, Any], ...]:
    """Fill everything the apiserver (and the controllers) would have; resolve references by name.

    Unless `recorded`, objects also go through the server's create-time defaulting (see `_admit`),
    and ControllerRevision data and aggregated ClusterRole rules are derived (see `_controllers`).

    Args:
        docs: the documents, in load order.
        seed: makes uids reproducible.
        created: creationTimestamp for objects without one.
        now: relative times (``now-3d``) are resolved against it; None leaves strings alone.
        managed: add managedFields (and last-applied annotations) where the document has none.
        recorded: the documents are a recording: kept as recorded (no defaulting), and a repeated
            object (same uid) replaces the earlier copy.
        namespaces_defined: every namespace used must be defined by a Namespace object among `docs`.

    Raises:
        ScenarioError: a duplicate object, a reference to an object that is not there, an object
            the apiserver would refuse, or (with `namespaces_defined`) an object in an undefined
            namespace.
    """
    by_key: dict[tuple[str, str, str, str], Document] = {}
    namer = EventNamer()
    for doc in docs:
        _prepare(doc, now=now, created=created, managed=managed, namer=namer)
        obj, meta = doc.obj, doc.obj["metadata"]
        key = (group_of(obj["apiVersion"]), obj["kind"], meta.get("namespace", ""), meta["name"])
        earlier = by_key.get(key)
        if earlier is not None and not (recorded and earlier.obj["metadata"].get("uid") == meta.get("uid")):
            raise ScenarioError(
                f"{doc.where()} is defined twice (first in {earlier.source}, {earlier.where()}); remove one",
                source=doc.source,
            )
        by_key[key] = doc
        meta.setdefault("uid", stable_uid(seed, key[1], key[2], key[3], key[0]))
        meta.setdefault("creationTimestamp", format_time(created))
    documents = list(by_key.values())
    if not recorded:
        defaulter = Defaulter((d.obj for d in documents), now=now or created)
        for doc in documents:
            doc.obj = defaulter.apply(doc.obj, where=doc.where(), source=doc.source)
    index = {(k[1], k[2], k[3]): d.obj for k, d in by_key.items()}
    for doc in documents:
        namespace = doc.obj["metadata"].get("namespace")
        if namespaces_defined and namespace and ("Namespace", "", namespace) not in index:
            raise ScenarioError(
                f"{doc.where()}: namespace {namespace!r} is not defined; add a Namespace object for it",
                source=doc.source,
            )
        _resolve_references(doc, index)
        kind = doc.obj["kind"]
        if ("spec" in doc.obj and kind not in _NO_GENERATION) or kind in _GENERATION_WITHOUT_SPEC:
            doc.obj["metadata"].setdefault("generation", 1)
    if not recorded:
        derive_controller_content(documents)
    for doc in documents:
        if managed and "managedFields" not in doc.obj["metadata"]:
            doc.obj["metadata"]["managedFields"] = default_managed_fields(doc.obj)
        doc.obj["metadata"] = _ordered_metadata(doc.obj["metadata"])
    return tuple(d.obj for d in documents)


def _ordered_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    ordered = {k: meta[k] for k in _METADATA_ORDER if k in meta}
    ordered.update((k, v) for k, v in meta.items() if k not in ordered)
    return ordered


def _resolve_references(doc: Document, index: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    obj = doc.obj
    namespace = obj["metadata"].get("namespace", "")
    for ref in obj["metadata"].get("ownerReferences") or []:
        _resolve(doc, ref, namespace, index, "ownerReferences")
    kind = obj["kind"]
    if kind == "Event":
        involved = obj["involvedObject"]
        if involved.get("kind") == "Node":
            involved.setdefault("uid", involved.get("name"))  # kubelet records node events this way
        elif involved.get("kind") not in CLUSTER_SCOPED:
            involved.setdefault("namespace", namespace)
        _resolve(doc, involved, namespace, index, "involvedObject")
    elif kind == "Endpoints":
        for subset in obj.get("subsets") or []:
            for address in (subset.get("addresses") or []) + (subset.get("notReadyAddresses") or []):
                if "targetRef" in address:
                    _resolve(doc, address["targetRef"], namespace, index, "subsets[].addresses[].targetRef")
    elif kind == "EndpointSlice":
        for endpoint in obj.get("endpoints") or []:
            if "targetRef" in endpoint:
                _resolve(doc, endpoint["targetRef"], namespace, index, "endpoints[].targetRef")


def _resolve(
    doc: Document,
    ref: dict[str, Any],
    namespace: str,
    index: dict[tuple[str, str, str], dict[str, Any]],
    field: str,
) -> None:
    if ref.get("uid"):
        return
    if any(not ref.get(f) for f in _REFERENCE_FIELDS):
        raise ScenarioError(f"{doc.where()}: {field} needs kind and name (or a uid)", source=doc.source)
    ref_kind, ref_name = ref["kind"], ref["name"]
    ref_namespace = "" if ref_kind in CLUSTER_SCOPED else ref.get("namespace") or namespace
    target = index.get((ref_kind, ref_namespace, ref_name))
    if target is None:
        where = f"{ref_namespace}/{ref_name}" if ref_namespace else ref_name
        raise ScenarioError(
            f"{doc.where()}: {field} names {ref_kind} {where}, which is not in the scenario; "
            "add that object or give the reference an explicit uid",
            source=doc.source,
        )
    ref["uid"] = target["metadata"]["uid"]
    ref.setdefault("apiVersion", target["apiVersion"])

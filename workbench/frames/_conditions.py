"""Custom resources: the generic ``conditions`` frame (every custom object's status.conditions) and
the ``crds`` frame.

Custom controllers write their status without the API server checking much of it, so this
decoder expects anything: conditions with a boolean status, a timestamp that is not one, a
``conditions`` that is a map. A page that does not fit the typed structs is decoded again
loosely and each condition is read field by field; what cannot be read is left missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames import _objects as o
from workbench.frames.schema import Conditions, Crds
from workbench.sources._kinds import Kind


class CustomCondition(msgspec.Struct, rename="camel", gc=False):
    """metav1.Condition (the shape most controllers write), every field optional."""

    type: str | None = None
    status: str | None = None
    reason: str | None = None
    message: str | None = None
    last_transition_time: str | None = None
    observed_generation: int | None = None


class CustomStatus(msgspec.Struct, rename="camel", gc=False):
    conditions: list[CustomCondition] | None = None
    observed_generation: int | None = None


class CustomObject(msgspec.Struct, gc=False):
    metadata: o.Meta = msgspec.field(default_factory=o.Meta)
    status: CustomStatus | None = None


class LooseObject(msgspec.Struct, gc=False):
    """The fallback: status as plain JSON values."""

    metadata: o.Meta = msgspec.field(default_factory=o.Meta)
    status: Any = None


_OBJECTS = d.list_decoder(CustomObject)
_LOOSE = d.list_decoder(LooseObject)


@lru_cache(maxsize=4096)
def timestamp(text: str | None) -> str | None:
    """``text`` when it is an RFC 3339 time the frame can parse, else None (never an error)."""
    if not text:
        return None
    try:
        # The same parser `_decode.times` uses, so what passes here cannot fail the frame.
        pd.to_datetime(text, utc=True, format="ISO8601")
    except (ValueError, OverflowError):
        return None
    return text


def _text(value: Any) -> str | None:
    """A condition field as text: strings as they are, ``true`` as ``True``, structures dropped."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def loose_conditions(status: Any) -> tuple[list[CustomCondition], int | None]:
    """(conditions, status.observedGeneration) read field by field from plain JSON values."""
    if not isinstance(status, dict):
        return [], None
    raw = status.get("conditions")
    if isinstance(raw, dict):
        # Some controllers keep conditions as a map of type to condition.
        raw = [dict(v, type=v.get("type", k)) if isinstance(v, dict) else None for k, v in raw.items()]
    conditions = [
        CustomCondition(
            type=_text(c.get("type")),
            status=_text(c.get("status")),
            reason=_text(c.get("reason")),
            message=_text(c.get("message")),
            last_transition_time=_text(c.get("lastTransitionTime")),
            observed_generation=_int(c.get("observedGeneration")),
        )
        for c in (raw if isinstance(raw, list) else [])
        if isinstance(c, dict)
    ]
    return conditions, _int(status.get("observedGeneration"))


def build_conditions(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``conditions`` frame from raw List pages of one custom resource.

    One row per condition in each object's status.conditions; objects without conditions add
    no rows. The bundle stacks the frames of every custom kind.

    Args:
        kind: the custom resource's kind (from `workbench.sources._kinds.custom`); its kind and
            apiVersion fill the ``kind`` and ``api_version`` columns.
        pages: raw JSON List documents, decoded one at a time.

    Returns:
        ``{"conditions": ...}`` matching `schema.Conditions`.
    """
    rows = o.Rows(Conditions, kind.kind)
    rows.data[Conditions.API_VERSION] = d.Const(kind.api_version)
    for page in pages:
        with d.gc_paused():
            try:
                typed = d.decode_items(_OBJECTS, page)
            except msgspec.ValidationError:
                for loose in d.decode_items(_LOOSE, page):
                    conditions, observed = loose_conditions(loose.status)
                    _add(rows, loose.metadata, conditions, observed)
                continue
            for obj in typed:
                if obj.status is not None and obj.status.conditions:
                    _add(rows, obj.metadata, obj.status.conditions, obj.status.observed_generation)
    return {Conditions.FRAME: rows.frame()}


def _add(rows: o.Rows, meta: o.Meta, conditions: list[CustomCondition], observed: int | None) -> None:
    for cond in conditions:
        rows.add(
            meta,
            (
                (Conditions.GENERATION, meta.generation),
                (Conditions.TYPE, cond.type),
                (Conditions.STATUS, cond.status),
                (Conditions.REASON, cond.reason or None),
                (Conditions.MESSAGE, cond.message or None),
                (Conditions.CHANGED, timestamp(cond.last_transition_time)),
                (
                    Conditions.OBSERVED_GENERATION,
                    observed if cond.observed_generation is None else cond.observed_generation,
                ),
            ),
        )


# --- custom resource definitions --------------------------------------------------------------------


class CrdNames(msgspec.Struct, gc=False):
    kind: str | None = None
    plural: str | None = None


class CrdVersion(msgspec.Struct, gc=False):
    name: str = ""
    served: bool = True
    storage: bool = False


class Conversion(msgspec.Struct, gc=False):
    strategy: str | None = None


class CrdSpec(msgspec.Struct, gc=False):
    group: str | None = None
    names: CrdNames = msgspec.field(default_factory=CrdNames)
    scope: str | None = None
    versions: list[CrdVersion] = []
    conversion: Conversion | None = None


class CrdStatus(msgspec.Struct, rename="camel", gc=False):
    conditions: list[d.Condition] = []
    stored_versions: list[str] = []


class Crd(msgspec.Struct, gc=False):
    metadata: d.ObjectMeta = msgspec.field(default_factory=d.ObjectMeta)
    spec: CrdSpec = msgspec.field(default_factory=CrdSpec)
    status: CrdStatus = msgspec.field(default_factory=CrdStatus)


_CRDS = d.list_decoder(Crd)


def build_crds(kind: Kind, pages: Iterable[bytes]) -> dict[str, pd.DataFrame]:
    """The ``crds`` frame from raw CustomResourceDefinition List pages (see `build_conditions`)."""
    return o.build_one(Crds, kind.kind, _CRDS, pages, _crd_row)


def _crd_row(rows: o.Rows, crd: Crd) -> None:
    meta, spec, status = crd.metadata, crd.spec, crd.status
    established, _, established_message, _ = o.condition_fields(status.conditions, "Established")
    accepted, _, accepted_message, _ = o.condition_fields(status.conditions, "NamesAccepted")
    storage = next((v.name for v in spec.versions if v.storage), None)
    rows.add(
        meta,
        (
            (Crds.CREATED, meta.creation_timestamp),
            (Crds.LABELS, meta.labels),
            (Crds.GROUP, spec.group),
            (Crds.RESOURCE_KIND, spec.names.kind),
            (Crds.PLURAL, spec.names.plural),
            (Crds.SCOPE, spec.scope),
            (Crds.VERSIONS, [v.name for v in spec.versions if v.served]),
            (Crds.STORAGE_VERSION, storage),
            (Crds.STORED_VERSIONS, status.stored_versions),
            (Crds.CONVERSION, (spec.conversion.strategy if spec.conversion else None) or "None"),
            (Crds.ESTABLISHED_STATUS, established),
            (Crds.ESTABLISHED_MESSAGE, established_message),
            (Crds.NAMES_ACCEPTED_STATUS, accepted),
            (Crds.NAMES_ACCEPTED_MESSAGE, accepted_message),
        ),
    )

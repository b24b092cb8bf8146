"""Pieces the frames of the other kinds share: a column accumulator, label selectors, pod templates.

Workloads, network, config, storage, policy and custom-resource frames all decode with these, so
a selector or an image list reads the same in every frame.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
import pandas as pd

from workbench.frames import _decode as d
from workbench.frames.schema import Frame

IntOrString = int | str
"""A Kubernetes ``IntOrString`` (``maxSurge: 1`` or ``"25%"``); frames keep it as its text."""


class Rows:
    """Column lists for one frame: identity from the object's metadata, the rest from the builder.

    Every row must give every declared column; `frame` refuses a column with a wrong length, so a
    builder that forgets one fails its tests instead of shifting values between rows.
    """

    def __init__(self, schema: type[Frame], kind: str) -> None:
        self.schema = schema
        self.data: dict[str, list[Any] | d.Const] = {str(c): [] for c in schema.COLUMNS}
        self.data[Frame.KIND] = d.Const(kind)
        self.rows = 0
        self._namespace: list[Any] = self.data[Frame.NAMESPACE]  # type: ignore[assignment]
        self._name: list[Any] = self.data[Frame.NAME]  # type: ignore[assignment]
        self._uid: list[Any] = self.data[Frame.UID]  # type: ignore[assignment]

    def add(self, meta: d.ObjectMeta, values: Iterable[tuple[str, Any]]) -> None:
        """Append one row: ``meta``'s namespace, name and uid, then ``(column, value)`` pairs."""
        self._namespace.append(meta.namespace)
        self._name.append(meta.name)
        self._uid.append(meta.uid)
        data = self.data
        for name, value in values:
            data[name].append(value)  # type: ignore[union-attr]
        self.rows += 1

    def frame(self) -> pd.DataFrame:
        """The typed frame (dtypes from `schema`)."""
        return d.build(self.schema.FRAME, self.data, self.rows)


def build_one(
    schema: type[Frame],
    kind: str,
    decoder: msgspec.json.Decoder[d.ItemList[Any]],
    pages: Iterable[bytes],
    row: Any,
) -> dict[str, pd.DataFrame]:
    """Decode every page with ``decoder`` and add one row per item with ``row(rows, item)``."""
    rows = Rows(schema, kind)
    for page in pages:
        with d.gc_paused():
            for item in d.decode_items(decoder, page):
                row(rows, item)
    return {schema.FRAME: rows.frame()}


def owner(meta: d.ObjectMeta) -> tuple[str | None, str | None, str | None]:
    """(kind, name, uid) of the controller ownerReference, Nones when there is none."""
    ref = meta.controller()
    if ref is None:
        return None, None, None
    return ref.kind, ref.name, ref.uid


def int_or_string(value: IntOrString | None) -> str | None:
    """An IntOrString as text (``1`` -> ``"1"``, ``"25%"`` stays), None when absent."""
    return None if value is None else str(value)


def seconds(value: int | None) -> float:
    """A whole-seconds field as float seconds (NaN when unset), the frames' unit for durations."""
    return float("nan") if value is None else float(value)


def condition_fields(
    conditions: list[d.Condition], kind: str
) -> tuple[str | None, str | None, str | None, str | None]:
    """(status, reason, message, lastTransitionTime) of the condition ``kind``; Nones when absent."""
    cond = d.find_condition(conditions, kind)
    if cond is None:
        return None, None, None, None
    return cond.status or None, cond.reason or None, cond.message or None, cond.last_transition_time


# --- label selectors --------------------------------------------------------------------------------


class Requirement(msgspec.Struct, gc=False):
    """A matchExpressions entry."""

    key: str = ""
    operator: str = ""
    values: list[str] = []


class LabelSelector(msgspec.Struct, rename="camel", gc=False):
    """metav1.LabelSelector: matchLabels and matchExpressions."""

    match_labels: dict[str, str] | None = None
    match_expressions: list[Requirement] | None = None


def match_labels(selector: LabelSelector | None) -> dict[str, str]:
    """A selector's matchLabels (an empty dict when there are none)."""
    if selector is None or not selector.match_labels:
        return {}
    return selector.match_labels


def match_expressions(selector: LabelSelector | None) -> list[str]:
    """A selector's matchExpressions in kubectl's selector syntax.

    ``tier in (api,web)``, ``tier notin (batch)``, ``canary`` (Exists), ``!canary`` (DoesNotExist):
    the form ``kubectl get -l`` takes and `labels.Parse` reads, so an analyzer can match them.
    """
    if selector is None or not selector.match_expressions:
        return []
    out: list[str] = []
    for req in selector.match_expressions:
        op = req.operator
        if op == "In":
            out.append(f"{req.key} in ({','.join(req.values)})")
        elif op == "NotIn":
            out.append(f"{req.key} notin ({','.join(req.values)})")
        elif op == "Exists":
            out.append(req.key)
        elif op == "DoesNotExist":
            out.append(f"!{req.key}")
        else:
            # An operator the API does not define cannot be matched; keep it visible as written.
            out.append(f"{req.key} {op} ({','.join(req.values)})")
    return out


def selects_everything(selector: LabelSelector | None) -> bool:
    """An empty (``{}``) selector: for a NetworkPolicy or PDB it selects every pod in the namespace."""
    return selector is not None and not selector.match_labels and not selector.match_expressions


# --- pod templates ----------------------------------------------------------------------------------


RAW_EMPTY = msgspec.Raw(b"")
"""An absent raw JSON field."""


class TemplateContainer(msgspec.Struct, rename="camel", gc=False):
    """A template's container: its name, image and raw volumeMounts (read by `_mounts`)."""

    name: str = ""
    image: str | None = None
    volume_mounts: msgspec.Raw = RAW_EMPTY


class TemplateSpec(msgspec.Struct, rename="camel", gc=False):
    """A pod template's spec: its containers, init containers first, and its raw volumes.

    Mounts and volumes stay raw JSON: most templates of a cluster repeat a few texts, which
    `_mounts` decodes once each.
    """

    containers: list[TemplateContainer] = []
    init_containers: list[TemplateContainer] = []
    volumes: msgspec.Raw = RAW_EMPTY


class PodTemplate(msgspec.Struct, gc=False):
    """spec.template of a workload."""

    spec: TemplateSpec = msgspec.field(default_factory=TemplateSpec)


def images(template: PodTemplate | None) -> list[str]:
    """The template's images, init containers first, in spec order."""
    return [] if template is None else spec_images(template.spec)


def spec_images(spec: TemplateSpec) -> list[str]:
    """A pod spec's images, init containers first, in spec order."""
    return [c.image for c in spec.init_containers if c.image] + [c.image for c in spec.containers if c.image]


def annotation_int(meta: AnnotatedMeta, key: str) -> int | None:
    """An integer annotation (``deployment.kubernetes.io/revision``), None when absent or not a number."""
    raw = meta.annotation(key)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


class Meta(d.ObjectMeta, gc=False):
    """metadata with the generation, which a status's observedGeneration is compared with."""

    generation: int | None = None


class AnnotatedMeta(Meta, gc=False):
    """metadata with annotations, for the frames that read one.

    Values stay raw JSON until one is asked for: kubectl's last-applied-configuration annotation
    holds the whole manifest, and building it into a string per object would cost more than the
    rest of the object. Never for Secrets: theirs holds the Secret's values.
    """

    annotations: dict[str, msgspec.Raw] = msgspec.field(default_factory=dict)

    def annotation(self, key: str) -> str | None:
        """The annotation ``key`` as text; None when absent (or, against the API's rules, not text)."""
        raw = self.annotations.get(key)
        if raw is None:
            return None
        try:
            return _TEXT.decode(raw)
        except msgspec.ValidationError:
            return None


_TEXT = msgspec.json.Decoder(str)

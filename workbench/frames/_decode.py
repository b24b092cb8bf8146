"""Shared decoding helpers: metadata structs, quantities, timestamps, and column lists to a typed frame.

Builders decode raw list pages with `msgspec` into structs that declare only the fields a frame
needs (everything else in the JSON, managedFields included, is skipped without being built),
append plain Python values to one list per column, and call `build` once per kind. `build`
converts each list to the dtype declared in `schema.py`; nothing else in the package converts.
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

import msgspec
import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from workbench.errors import QuantityError
from workbench.frames import schema
from workbench.quantity import parse_quantity

T = TypeVar("T")

QuantityText = str | int | float
"""A quantity as JSON carries it: the server sends strings, manifests may carry bare numbers."""


class OwnerRef(msgspec.Struct, rename="camel", gc=False):
    """metadata.ownerReferences[]: only what the frames use."""

    kind: str = ""
    name: str = ""
    uid: str = ""
    controller: bool | None = None


class ObjectMeta(msgspec.Struct, rename="camel", gc=False):
    """metadata: identity, times, labels and the controller reference."""

    name: str = ""
    namespace: str = ""
    uid: str = ""
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    labels: dict[str, str] = {}
    owner_references: list[OwnerRef] = []

    def controller(self) -> OwnerRef | None:
        """The ownerReference with ``controller: true``, if any."""
        for ref in self.owner_references:
            if ref.controller:
                return ref
        return None


class Condition(msgspec.Struct, rename="camel", gc=False):
    """A status condition (pods, nodes, workloads, custom resources all share this shape)."""

    type: str = ""
    status: str = ""
    reason: str | None = None
    message: str | None = None
    last_transition_time: str | None = None
    last_heartbeat_time: str | None = None


def find_condition(conditions: Sequence[Condition], kind: str) -> Condition | None:
    """The condition of ``type == kind``, or None."""
    for cond in conditions:
        if cond.type == kind:
            return cond
    return None


# --- quantities ------------------------------------------------------------------------------------
# A cluster writes few distinct quantities ("100m", "128Mi"...) many times over; parsing each
# distinct text once keeps exact parsing (Fraction) affordable on 150k pods.


@lru_cache(maxsize=8192)
def cpu_cores(raw: QuantityText | None) -> float:
    """A CPU quantity in cores (``"250m"`` -> 0.25); NaN when absent or not a quantity."""
    if raw is None:
        return math.nan
    try:
        return float(parse_quantity(raw).value)
    except QuantityError:
        return math.nan


@lru_cache(maxsize=8192)
def byte_count(raw: QuantityText | None) -> int | None:
    """A memory or storage quantity in bytes, rounded up like apimachinery's ``Value()``; None when absent."""
    if raw is None:
        return None
    try:
        return math.ceil(parse_quantity(raw).value)
    except QuantityError:
        return None


def count_value(raw: QuantityText | None) -> int | None:
    """A count quantity (``pods: "110"``) as an integer, rounded up; None when absent."""
    return byte_count(raw)


# --- decoding --------------------------------------------------------------------------------------

_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a kind is decoded.

    Decoding allocates millions of small objects and no cycles, so every collection the
    allocations trigger is wasted work, and full collections walk every column value kept so far
    (150k pods: 12 s with the collector on, 7.5 s paused). Reentrant and thread-safe: the
    collector comes back on when the last concurrent decoder leaves, and only if it was on before.
    """
    global _gc_holders, _gc_was_enabled  # noqa: PLW0603 - one process-wide collector switch
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


class ItemList(msgspec.Struct, Generic[T], gc=False):
    """A List document: only ``items`` is read (``null`` decodes as empty)."""

    items: list[T] | None = None


def list_decoder(item_type: type[T]) -> msgspec.json.Decoder[ItemList[T]]:
    """A reusable decoder of List documents whose ``items`` are ``item_type`` (build it once per module)."""
    return msgspec.json.Decoder(ItemList[item_type])  # type: ignore[valid-type]


def decode_items(decoder: msgspec.json.Decoder[ItemList[T]], page: bytes) -> list[T]:
    """The items of one raw List page."""
    return decoder.decode(page).items or []


# --- building frames -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Const:
    """One value for every row of a column (``kind`` is ``Pod`` throughout the pods frame)."""

    value: Any


Columns = Mapping[str, Sequence[Any] | Const | pd.DatetimeIndex | pd.Categorical]
"""Values per column: plain lists, a `Const`, or an already built DatetimeIndex (time) or Categorical."""


class Accumulator:
    """Column lists of one frame, extended page by page, built into a DataFrame once at the end."""

    def __init__(self, frame: str, **constants: Any) -> None:
        """Start empty; ``constants`` are columns with one value throughout (``kind="Pod"``)."""
        self.frame = frame
        self.rows = 0
        self._constants = {name: Const(value) for name, value in constants.items()}
        self._lists: dict[str, list[Any]] = {
            str(c): [] for c in schema.columns(frame) if str(c) not in self._constants
        }

    def extend(self, columns: Mapping[str, list[Any]], rows: int | None = None) -> None:
        """Append one page's columns (every non-constant column, all of one length)."""
        if columns.keys() != self._lists.keys():
            raise KeyError(f"frame {self.frame!r}: page columns {sorted(columns)} != {sorted(self._lists)}")
        for name, values in columns.items():
            self._lists[name].extend(values)
        self.rows += len(next(iter(columns.values()), ())) if rows is None else rows

    def build(self) -> pd.DataFrame:
        """The frame of every row so far."""
        return build(self.frame, {**self._lists, **self._constants}, self.rows)


def build(frame: str, data: Columns, rows: int) -> pd.DataFrame:
    """A frame of ``rows`` rows from one plain list (or `Const`) per declared column.

    Args:
        frame: the frame name; its columns and dtypes come from `schema`.
        data: values per column name, in any order; every declared column must be present.
        rows: the number of rows (every list must have this length).

    Returns:
        The frame, with exactly the declared columns, order and dtypes, and a RangeIndex.

    Raises:
        KeyError: a declared column is missing or an undeclared one is given.
        ValueError: a list has the wrong length.
    """
    cols = schema.columns(frame)
    names = {str(c) for c in cols}
    extra = [k for k in data if k not in names]
    absent = [str(c) for c in cols if str(c) not in data]
    if extra or absent:
        raise KeyError(f"frame {frame!r}: undeclared columns {extra}, missing columns {absent}")
    out: dict[str, Any] = {}
    for col in cols:
        values = data[str(col)]
        if isinstance(values, Const):
            out[str(col)] = _constant(values.value, col.dtype, rows)
            continue
        if isinstance(values, pd.DatetimeIndex):  # already parsed (merged events, log lines)
            utc = values.tz_localize("UTC") if values.tz is None else values.tz_convert("UTC")
            values = utc.as_unit("ns")
            if col.dtype != schema.TIME or len(values) != rows:
                raise ValueError(f"frame {frame!r}: column {str(col)!r} cannot take {rows} times")
            out[str(col)] = values
            continue
        if len(values) != rows:
            raise ValueError(
                f"frame {frame!r}: column {str(col)!r} has {len(values)} values, expected {rows}"
            )
        if not isinstance(values, pd.Categorical):
            out[str(col)] = convert(values, col.dtype)
        elif col.dtype == schema.CATEGORY:
            out[str(col)] = values  # built from codes already (_table.Codes)
        else:
            raise ValueError(f"frame {frame!r}: column {str(col)!r} is {col.dtype}, not a categorical")
    return pd.DataFrame(out, index=pd.RangeIndex(rows), copy=False)


def convert(values: Sequence[Any], dtype: schema.Dtype) -> Any:
    """A pandas array of ``dtype`` from plain values (None is missing)."""
    if dtype == schema.STRING:
        return pd.array(values, dtype=pd.StringDtype("python"))
    if dtype == schema.CATEGORY:
        return categorical(values)
    if dtype == schema.INT:
        return pd.array(values, dtype="Int64")
    if dtype == schema.FLOAT:
        return np.asarray(values, dtype=np.float64)
    if dtype == schema.BOOL:
        return np.asarray(values, dtype=bool)
    if dtype == schema.TIME:
        return times(values)
    # fromiter keeps each list or dict as one object (np.array would try to nest lists).
    return np.fromiter(values, dtype=object, count=len(values))


def categorical(values: Sequence[Any]) -> pd.Categorical:
    """A categorical of sorted ``str`` categories (None is missing), the one category shape every frame uses.

    Fixing the categories' dtype matters: ``union_categoricals`` refuses to stack an all-missing
    column (float categories) onto a text one.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, dtype=schema.category_dtype(uniques))


def _str_categories(cat: pd.Categorical) -> pd.Categorical:
    if cat.categories.dtype == "str":
        return cat
    return pd.Categorical.from_codes(cat.codes, dtype=schema.category_dtype(cat.categories.astype(str)))


_NAT = pd.DatetimeIndex([pd.NaT], tz="UTC").as_unit("ns")


def times(values: Sequence[str | None]) -> pd.DatetimeIndex:
    """RFC 3339 texts (``...Z``, fractional seconds or not) as ``datetime64[ns, UTC]``; None is NaT."""
    # Many rows share a timestamp (pods of one rollout): parse each distinct text once. A NaT
    # appended last makes code -1 (None) pick it.
    cats = pd.Categorical(np.asarray(values, dtype=object))
    parsed = pd.to_datetime(cats.categories, utc=True, format="ISO8601").as_unit("ns").append(_NAT)
    return pd.DatetimeIndex(parsed[cats.codes])


def _constant(value: Any, dtype: schema.Dtype, rows: int) -> Any:
    if dtype == schema.CATEGORY:
        cats = [] if value is None else [value]
        code = -1 if value is None else 0
        return pd.Categorical.from_codes(
            np.full(rows, code, dtype=np.int8), dtype=schema.category_dtype(cats)
        )
    return convert([value] * rows, dtype)


def concat(frame: str, frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Frames of one schema stacked, categoricals kept categorical (categories unioned).

    ``pd.concat`` turns a categorical column into object when the parts' categories differ;
    this unions them first.
    """
    parts = [df for df in frames if len(df)]
    if not parts:
        return schema.empty(frame)
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    out: dict[str, Any] = {}
    for col in schema.columns(frame):
        name = str(col)
        if col.dtype == schema.CATEGORY:
            out[name] = union_categoricals(
                [_str_categories(df[name].array) for df in parts], ignore_order=True, sort_categories=True
            )
        else:
            out[name] = pd.concat([df[name] for df in parts], ignore_index=True).array
    return pd.DataFrame(out, index=pd.RangeIndex(sum(len(df) for df in parts)), copy=False)

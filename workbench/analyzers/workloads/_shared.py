"""Helpers the workload analyzers share: the cluster's "now", children by owner, events by object,
label selectors, int-or-percent values, and evidence about a workload's pods.

Every lookup here selects candidate rows with vectorized masks first, so analysing a 150k-pod
cluster only iterates over the few objects that look broken.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pandas as pd

from workbench.analyzers._common import present, ref_of, text
from workbench.frames import Frames
from workbench.frames.schema import Events, Frame, Pods
from workbench.model import Evidence

Key = tuple[str, str]
"""(namespace, name) of an object."""

STARTUP_GRACE = timedelta(minutes=2)
"""Pods younger than this are still starting: their not being ready is not yet a failure."""

_FUTURE_LIMIT = timedelta(days=7)
"""Timestamps further than this past the capture are corrupt, not a clock that runs ahead."""

MAX_LISTED = 3
"""How many pods (nodes, runs) evidence names one by one before it summarises the rest."""


Row = dict[str, Any]
"""One frame row as a dict (column name -> value)."""

POD_COLUMNS: tuple[str, ...] = (
    Pods.KIND,
    Pods.NAMESPACE,
    Pods.NAME,
    Pods.UID,
    Pods.CREATED,
    Pods.DELETED,
    Pods.LABELS,
    Pods.OWNER_KIND,
    Pods.OWNER_NAME,
    Pods.NODE,
    Pods.PHASE,
    Pods.STATUS,
    Pods.READY,
    Pods.READY_CHANGED,
    Pods.READY_CONTAINERS,
    Pods.CONTAINERS,
    Pods.RESTARTS,
    Pods.VOLUME_CLAIMS,
)
"""The pod columns the workload analyzers read (converting only these keeps large clusters fast)."""


def rows(df: pd.DataFrame, columns: Sequence[str] | None = None) -> list[Row]:
    """The rows of ``df`` (only ``columns``, when given) as dicts.

    Column by column (``tolist``), which is several times faster than ``DataFrame.to_dict`` on
    frames with nullable and categorical columns; missing values stay NA/NaN/NaT/None.
    """
    if df.empty:
        return []
    cols = [str(c) for c in (columns if columns is not None else df.columns)]
    data = [df[c].tolist() for c in cols]
    return [dict(zip(cols, values, strict=True)) for values in zip(*data, strict=True)]


def key_of(row: Mapping[str, Any]) -> Key:
    """(namespace, name) of a frame row."""
    return text(row[Frame.NAMESPACE]), str(row[Frame.NAME])


def children(
    df: pd.DataFrame, owner_kind: str, owners: Collection[Key], columns: Sequence[str] | None = None
) -> dict[Key, list[Row]]:
    """The rows of ``df`` whose controller is an ``owner_kind`` in ``owners``, by owner (namespace, name).

    Every frame with controllers names its owner columns as the pods frame does (see schema.py),
    so this works on pods, replicasets and jobs alike. Rows keep the frame's order.
    """
    if not owners or df.empty:
        return {}
    names = {name for _, name in owners}
    sub = df[
        ((df[Pods.OWNER_KIND] == owner_kind) & df[Pods.OWNER_NAME].isin(names)).fillna(False).astype(bool)
    ]
    out: dict[Key, list[Row]] = {}
    for row in rows(sub, columns):
        key = (text(row[Frame.NAMESPACE]), text(row[Pods.OWNER_NAME]))
        if key in owners:
            out.setdefault(key, []).append(row)
    return out


def events_of(frames: Frames, kind: str, objects: Collection[Key]) -> dict[Key, list[Row]]:
    """Events about the ``kind`` objects in ``objects``, oldest last-seen first, by (namespace, name)."""
    events = frames.events
    if not objects or events.empty:
        return {}
    names = {name for _, name in objects}
    sub = events[
        ((events[Events.OBJECT_KIND] == kind) & events[Events.OBJECT_NAME].isin(names)).fillna(False)
    ]
    out: dict[Key, list[Row]] = {}
    for row in rows(sub.sort_values(Events.LAST_SEEN, kind="stable")):
        key = (text(row[Events.OBJECT_NAMESPACE]), text(row[Events.OBJECT_NAME]))
        if key in objects:
            out.setdefault(key, []).append(row)
    return out


def warnings(events: Iterable[Mapping[str, Any]], *reasons: str) -> list[Mapping[str, Any]]:
    """The Warning events among ``events`` (with one of ``reasons``, when given)."""
    wanted = set(reasons)
    return [
        e for e in events if e[Events.TYPE] == "Warning" and (not wanted or text(e[Events.REASON]) in wanted)
    ]


def num(value: Any, default: int = 0) -> int:
    """A nullable count as an int (``default`` when absent)."""
    return int(value) if present(value) else default


def resolve(value: Any, total: int, *, round_up: bool) -> int | None:
    """An int-or-percent field (``"2"``, ``"25%"``) against ``total``, rounded like the controllers.

    Returns None when the field is absent or not a number.
    """
    raw = text(value).strip()
    if not raw:
        return None
    try:
        if raw.endswith("%"):
            exact = float(raw[:-1]) * total / 100
            return math.ceil(exact) if round_up else math.floor(exact)
        return int(raw)
    except ValueError:
        return None


def plural(n: int, word: str) -> str:
    """``1 pod``, ``2 pods``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def duration(seconds: float) -> str:
    """``seconds`` as kubectl prints ages: ``45s``, ``12m``, ``3h5m``, ``2d4h``."""
    s = max(0, int(seconds))
    minutes, hours, days = s // 60, s // 3600, s // 86400
    if s < 120:
        return f"{s}s"
    if minutes < 60:
        return f"{minutes}m"
    if hours < 3:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if days < 2:
        return f"{hours}h"
    return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"


def seconds_between(earlier: Any, later: pd.Timestamp) -> float | None:
    """Seconds from ``earlier`` (a timestamp or NaT) to ``later``; None when ``earlier`` is absent."""
    if not present(earlier):
        return None
    return float((later - pd.Timestamp(earlier)).total_seconds())


# --- label selectors ---------------------------------------------------------------------------------

_EXPRESSION = re.compile(r"^(?P<key>[^\s!()]+)\s+(?P<op>in|notin)\s+\((?P<values>[^)]*)\)$")


@dataclass(frozen=True, slots=True)
class Selector:
    """A label selector (matchLabels plus matchExpressions in kubectl's syntax) that matches label dicts."""

    labels: tuple[tuple[str, str], ...]
    requirements: tuple[tuple[str, str, frozenset[str]], ...]

    @classmethod
    def parse(cls, match_labels: Any, expressions: Any) -> Selector | None:
        """The selector of frame columns ``selector`` and ``selector_expressions``.

        Returns None when an expression cannot be read (an operator the API does not define): such a
        selector cannot be evaluated, so callers skip checks that depend on it.
        """
        labels = tuple(sorted(dict(match_labels).items())) if isinstance(match_labels, Mapping) else ()
        reqs: list[tuple[str, str, frozenset[str]]] = []
        for expr in expressions if isinstance(expressions, list | tuple) else ():
            raw = str(expr).strip()
            if (m := _EXPRESSION.match(raw)) is not None:
                values = frozenset(v.strip() for v in m["values"].split(",") if v.strip())
                reqs.append((m["key"], m["op"], values))
            elif raw.startswith("!") and " " not in raw:
                reqs.append((raw[1:], "!", frozenset()))
            elif raw and " " not in raw:
                reqs.append((raw, "exists", frozenset()))
            else:
                return None
        return cls(labels, tuple(reqs))

    @property
    def empty(self) -> bool:
        """Selects everything (no labels, no expressions)."""
        return not self.labels and not self.requirements

    def matches(self, have: Mapping[str, str]) -> bool:
        """``have`` (an object's labels) satisfies every label and expression."""
        if any(have.get(k) != v for k, v in self.labels):
            return False
        for key, op, values in self.requirements:
            if op == "in" and have.get(key) not in values:
                return False
            if op == "notin" and key in have and have[key] in values:
                return False
            if op == "exists" and key not in have:
                return False
            if op == "!" and key in have:
                return False
        return True

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.labels]
        for key, op, values in self.requirements:
            if op in ("in", "notin"):
                parts.append(f"{key} {op} ({','.join(sorted(values))})")
            else:
                parts.append(f"!{key}" if op == "!" else key)
        return ",".join(parts) or "(everything)"


# --- evidence about pods -----------------------------------------------------------------------------


def live_pods(pods: Iterable[Row]) -> list[Row]:
    """Pods that are neither being deleted nor finished (Succeeded/Failed)."""
    return [
        p for p in pods if not present(p[Pods.DELETED]) and text(p[Pods.PHASE]) not in ("Succeeded", "Failed")
    ]


def unready(pods: Iterable[Row]) -> list[Row]:
    """The live pods among ``pods`` that are not ready."""
    return [p for p in live_pods(pods) if not p[Pods.READY]]


def all_starting(pods: Sequence[Row], now: pd.Timestamp) -> bool:
    """Every pod in ``pods`` (at least one) was created within `STARTUP_GRACE` of ``now``."""
    return bool(pods) and all(
        present(p[Pods.CREATED]) and p[Pods.CREATED] > now - STARTUP_GRACE for p in pods
    )


def status_of(pod: Mapping[str, Any]) -> str:
    """The STATUS kubectl shows for ``pod`` (its phase when there is none)."""
    return text(pod[Pods.STATUS]) or text(pod[Pods.PHASE]) or "Unknown"


def pod_line(row: Mapping[str, Any]) -> str:
    """A pod as ``kubectl get pods`` shows it: status, ready count, restarts, node."""
    ready = f"{num(row[Pods.READY_CONTAINERS])}/{num(row[Pods.CONTAINERS])}"
    restarts = num(row[Pods.RESTARTS])
    node = text(row[Pods.NODE])
    where = f", on {node}" if node else ", not scheduled"
    return f"{status_of(row)}, ready {ready}, restarts {restarts}{where}"


def pod_evidence(pods: Sequence[Row], what: str = "pods not ready") -> list[Evidence]:
    """A tally of ``pods`` by status, then the first few pods one by one (each with its ref)."""
    if not pods:
        return []
    ordered = sorted(pods, key=lambda p: str(p[Pods.NAME]))
    tally = Counter(status_of(p) for p in ordered)
    summary = ", ".join(f"{status} x{n}" if n > 1 else status for status, n in sorted(tally.items()))
    out = [Evidence("field", what, f"{len(ordered)}: {summary}")]
    out.extend(Evidence("field", "pod", pod_line(p), ref_of(p)) for p in ordered[:MAX_LISTED])
    return out

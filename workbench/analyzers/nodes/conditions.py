"""Custom resources whose status conditions report a failure (cert-manager, Flux, Argo, Crossplane...).

Polarity rule. A condition type says either "this is good" or "this is bad":

- Positive summary types (`POSITIVE`: Ready, Available, Synced, Healthy...) fail when their status
  is ``False``; ``Unknown`` fails only once it has lasted `UNKNOWN_AFTER_SECONDS` (controllers
  report Unknown while they reconcile).
- Negative types fail when ``True``: `NEGATIVE` (Degraded, Failed, Stalled, Error...) and any type
  ending in one of `NEGATIVE_SUFFIXES` (``InstallFailed``, ``ReconcileError``).
- Every other type (Progressing, Reconciling, Issuing, Suspended...) carries no verdict and is
  ignored: its True or False is normal at some point of an object's life.

A failing condition that has held for `ERROR_AFTER_SECONDS` is an ERROR, a younger one (or one
without a transition time) a WARNING. One finding per object, listing every failing condition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import EventIndex, cluster_now, event_evidence, present, records, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.nodes._clock import age, duration
from workbench.frames import Frames
from workbench.frames.schema import Conditions
from workbench.model import Evidence, Finding, ObjectRef, Severity

DOCS_URL = f"{DOCS}concepts/extend-kubernetes/api-extension/custom-resources/"
POSITIVE = frozenset(
    {
        "Ready",
        "Available",
        "Synced",
        "Healthy",
        "Reconciled",
        "Accepted",
        "Programmed",
        "ResolvedRefs",
        "Established",
    }
)
"""Types that summarise an object's health and are good when True."""
NEGATIVE = frozenset({"Degraded", "Failed", "Failure", "Stalled", "Error", "Errored", "Blocked"})
"""Types that are bad when True."""
NEGATIVE_SUFFIXES = ("Failed", "Failure", "Error", "Degraded")
ERROR_AFTER_SECONDS = 600.0
UNKNOWN_AFTER_SECONDS = 600.0


class ConditionsAnalyzer:
    """Custom objects with a failing Ready-like condition or a true Degraded-like one."""

    name: ClassVar[str] = "conditions"
    codes: ClassVar[tuple[str, ...]] = ("resource.condition-failing",)

    def analyze(self, frames: Frames) -> Iterable[Finding]:
        """One finding per custom object with at least one failing condition (see the polarity rule)."""
        conditions = frames.conditions
        if conditions.empty:
            return []
        failing = conditions[_candidates(conditions)]
        if failing.empty:
            return []
        at = cluster_now(frames)
        by_object: dict[tuple[str, str, str], list[tuple[dict[str, Any], float | None]]] = defaultdict(list)
        for row in records(failing):
            held = age(row[Conditions.CHANGED], at)
            if text(row[Conditions.STATUS]) == "Unknown" and (held is None or held < UNKNOWN_AFTER_SECONDS):
                continue
            key = (str(row[Conditions.KIND]), str(row[Conditions.NAMESPACE]), str(row[Conditions.NAME]))
            by_object[key].append((row, held))
        if not by_object:
            return []
        events = EventIndex(frames)
        return [_finding(rows, events) for rows in by_object.values()]


def _candidates(df: pd.DataFrame) -> pd.Series[bool]:
    """Rows whose type and status fail by the polarity rule (Unknown ones still to be aged)."""
    types = df[Conditions.TYPE].astype("string")
    status = df[Conditions.STATUS].astype("string")
    negative = types.isin(list(NEGATIVE)) | types.str.endswith(NEGATIVE_SUFFIXES).fillna(False)
    positive = types.isin(list(POSITIVE))
    bad = (positive & status.isin(["False", "Unknown"])) | (negative & ~positive & (status == "True"))
    return bad.fillna(False).astype(bool)


def _finding(rows: list[tuple[dict[str, Any], float | None]], events: EventIndex) -> Finding:
    first = rows[0][0]
    ref = ObjectRef(
        str(first[Conditions.KIND]),
        text(first[Conditions.NAMESPACE]),
        str(first[Conditions.NAME]),
        text(first[Conditions.UID]),
        text(first[Conditions.API_VERSION]),
    )
    evidence: list[Evidence] = []
    parts: list[str] = []
    severity = Severity.WARNING
    for row, held in rows:
        kind, status = text(row[Conditions.TYPE]), text(row[Conditions.STATUS])
        reason, message = text(row[Conditions.REASON]), text(row[Conditions.MESSAGE])
        value = status + (f" ({reason})" if reason else "") + (f": {message}" if message else "")
        if held is not None:
            value += f" for {duration(held)}"
        generation, observed = row[Conditions.GENERATION], row[Conditions.OBSERVED_GENERATION]
        if present(generation) and present(observed) and int(observed) < int(generation):
            value += f" (reported for generation {observed}; the object is at {generation})"
        evidence.append(Evidence("condition", kind, value))
        parts.append(f"{kind}={status}" + (f" ({reason})" if reason else ""))
        if status != "Unknown" and held is not None and held >= ERROR_AFTER_SECONDS:
            severity = Severity.ERROR
    evidence.extend(event_evidence(e) for e in events.about(ref, warnings_only=True)[-3:])
    where = f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name
    return Finding(
        "resource.condition-failing",
        severity,
        ref,
        f"{ref.kind} {where} reports {', '.join(parts)}",
        evidence=tuple(evidence),
        explanation=(
            f"The controller that manages this {ref.kind} reports it as failing; the condition's reason "
            "and message say why. Look at the object (`kubectl describe`), its events, the objects it "
            "depends on (secrets, issuers, sources), and the controller's logs."
        ),
        docs_url=DOCS_URL,
    )

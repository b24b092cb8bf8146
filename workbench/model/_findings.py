"""`Finding`: what an analyzer found, as data — a stable code, a severity, the object, the evidence."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.model._refs import ObjectRef


class Severity(enum.IntEnum):
    """How bad a finding is; compares by badness (``Severity.ERROR > Severity.WARNING``).

    ``INFO`` is hygiene (no limits, ``:latest`` tags); ``WARNING`` degrades or will break something;
    ``ERROR`` is broken now; ``CRITICAL`` takes a whole service or node down.
    """

    INFO = 10
    WARNING = 20
    ERROR = 30
    CRITICAL = 40

    def __str__(self) -> str:
        return self.name.lower()


EvidenceKind = Literal["field", "condition", "event", "log", "metric", "spec"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact that proves a finding.

    Attributes:
        kind: where it comes from: a status ``field``, a ``condition``, an ``event``, a ``log``
            line, a ``metric``, or the object's ``spec``.
        subject: what it is about (``status.containerStatuses[app].lastState.terminated.reason``,
            ``event BackOff``, ``log app``).
        value: the fact itself (``OOMKilled``, the event message, the log line).
        ref: the object it was read from, when not the finding's own object.
    """

    kind: EvidenceKind
    subject: str
    value: str
    ref: ObjectRef | None = None

    def __str__(self) -> str:
        where = f" ({self.ref})" if self.ref is not None else ""
        return f"{self.subject}{where}: {self.value}"


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem an analyzer found on one object.

    Attributes:
        code: stable, dotted, lower-case (``pod.crashloop``, ``service.no-endpoints``); what tests,
            planners and people key on.
        severity: how bad it is.
        ref: the object it is about.
        summary: one line for a person, naming the object and the fact.
        evidence: the facts that prove it, in the order a person should read them.
        explanation: the probable cause in plain words, and what to look at next.
        docs_url: where Kubernetes documents this behaviour.
        sensitive: values in the finding that must be masked before it leaves the process.
        planners: codes of the remediation planners that can address it.
        related: other objects the finding implicates (the missing ConfigMap, the node a pod is
            on); root-cause linking follows them.
        caused_by: ids of the findings that cause this one (filled in by the analysis report).

    Example:
        >>> web = ObjectRef("Pod", "shop", "web-0")
        >>> f = Finding("pod.crashloop", Severity.ERROR, web, "web-0 crash-loops")
        >>> f.id
        'pod.crashloop:Pod/shop/web-0'
    """

    code: str
    severity: Severity
    ref: ObjectRef
    summary: str
    evidence: tuple[Evidence, ...] = ()
    explanation: str = ""
    docs_url: str = ""
    sensitive: tuple[str, ...] = ()
    planners: tuple[str, ...] = ()
    related: tuple[ObjectRef, ...] = ()
    caused_by: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        """Stable identity within one report: code and object."""
        return f"{self.code}:{self.ref.kind}/{self.ref.namespace}/{self.ref.name}"

    def sort_key(self) -> tuple[int, str, str, str, str]:
        """Most severe first, then by object and code (a report's order never changes run to run)."""
        return (-int(self.severity), self.ref.kind, self.ref.namespace, self.ref.name, self.code)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "id": self.id,
            "code": self.code,
            "severity": str(self.severity),
            "ref": _ref_dict(self.ref),
            "summary": self.summary,
            "evidence": [
                {"kind": e.kind, "subject": e.subject, "value": e.value}
                | ({"ref": _ref_dict(e.ref)} if e.ref is not None else {})
                for e in self.evidence
            ],
            "explanation": self.explanation,
            "docs_url": self.docs_url,
            "planners": list(self.planners),
            "related": [_ref_dict(r) for r in self.related],
            "caused_by": list(self.caused_by),
        }


def _ref_dict(ref: ObjectRef) -> Mapping[str, str]:
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}

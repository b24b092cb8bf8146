"""What the analyzers must find in each sandbox scenario, and how well a report matches it.

Each scenario directory holds ``expected-findings.yaml``: the warning-and-above findings (code,
severity, object — Pod and ReplicaSet names as globs, since their hash suffixes mean nothing — how
many objects match, and whether it is a root cause) at ``at`` simulated seconds after start. The
analyzer tests hold every scenario to 100% precision and recall; the agent evals reuse the files.

Example:
    >>> entry = Entry("pod.crashloop", Severity.ERROR, "Pod", "billing", "invoice-api-*", count=2)
    >>> pod = ObjectRef("Pod", "billing", "invoice-api-7-x")
    >>> entry.matches(Finding("pod.crashloop", Severity.ERROR, pod, ""))
    True
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from workbench.analyzers.report import AnalysisReport
from workbench.errors import ConfigError
from workbench.model import Finding, ObjectRef, Severity

AT = 600
"""Simulated seconds after start at which scenarios are analysed (every fault has shown by then)."""

GENERATED_NAMES = {"Pod", "ReplicaSet", "Job"}
"""Kinds whose names carry generated suffixes; expected files name them by glob."""

# Generated suffixes use apimachinery's safe alphabet (no vowels, no 0/1/3): a pod-template hash and a
# random 5-character tail; CronJob-made Jobs end in the scheduled minute (digits).
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_SUFFIX = re.compile(rf"-({_SAFE}{{5,10}}|[0-9]{{6,}})(-{_SAFE}{{5}})?$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One expected finding (or ``count`` alike findings on objects matching a name glob)."""

    code: str
    severity: Severity
    kind: str
    namespace: str
    name: str
    count: int = 1
    root: bool = False

    def matches(self, finding: Finding) -> bool:
        """Whether ``finding`` is one this entry expects (code, severity and object)."""
        ref = finding.ref
        return (
            finding.code == self.code
            and finding.severity == self.severity
            and ref.kind == self.kind
            and ref.namespace == self.namespace
            and fnmatch.fnmatchcase(ref.name, self.name)
        )

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.severity} {self.code} {self.kind} {where}" + (
            f" x{self.count}" if self.count > 1 else ""
        )


@dataclass(frozen=True, slots=True)
class Score:
    """How a report compares with a scenario's expected findings (warning and above).

    Attributes:
        precision: matched findings / reported findings (1.0 when nothing was reported).
        recall: matched entries / expected entries (1.0 when nothing was expected).
        missing: expected entries no finding matched (or fewer than ``count`` did).
        unexpected: reported findings no entry expects.
        wrong_roots: entries whose root-cause flag the report contradicts.
    """

    precision: float
    recall: float
    missing: tuple[Entry, ...]
    unexpected: tuple[Finding, ...]
    wrong_roots: tuple[Entry, ...]

    @property
    def perfect(self) -> bool:
        """Everything expected was found, nothing else, with the right root causes."""
        return not (self.missing or self.unexpected or self.wrong_roots)


def glob_name(ref: ObjectRef) -> str:
    """The name an expected file uses for ``ref``: generated suffixes become ``*``."""
    if ref.kind in GENERATED_NAMES:
        return _SUFFIX.sub("-*", ref.name)
    return ref.name


def load(path: str | Path) -> list[Entry]:
    """The entries of an ``expected-findings.yaml``.

    Raises:
        ConfigError: the file is missing or malformed (names the file and the entry).
    """
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read expected findings: {exc}") from exc
    entries = []
    for number, raw in enumerate((doc or {}).get("findings") or [], start=1):
        try:
            kind, namespace, name = _split_ref(str(raw["ref"]))
            entries.append(
                Entry(
                    str(raw["code"]),
                    Severity[str(raw["severity"]).upper()],
                    kind,
                    namespace,
                    name,
                    count=int(raw.get("count", 1)),
                    root=bool(raw.get("root", False)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"{path}: finding {number} needs code, severity (info..critical) and ref Kind/ns/name: {exc}"
            ) from exc
    return entries


def _split_ref(text: str) -> tuple[str, str, str]:
    parts = text.split("/")
    if len(parts) == 2:
        return parts[0], "", parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise ValueError(f"ref {text!r} is not Kind/name or Kind/namespace/name")


def expected_entries(report: AnalysisReport) -> list[dict[str, Any]]:
    """The warning-and-above findings of ``report`` as expected-file entries (alike ones counted)."""
    grouped: dict[tuple[str, str, str, str, str, bool], int] = {}
    for finding in report.findings:
        if finding.severity < Severity.WARNING:
            continue
        ref = finding.ref
        key = (
            finding.code,
            str(finding.severity),
            ref.kind,
            ref.namespace,
            glob_name(ref),
            report.is_root(finding),
        )
        grouped[key] = grouped.get(key, 0) + 1
    entries = []
    for (code, severity, kind, namespace, name, root), count in grouped.items():
        where = f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"
        entry: dict[str, Any] = {"code": code, "severity": severity, "ref": where}
        if count > 1:
            entry["count"] = count
        if root:
            entry["root"] = True
        entries.append(entry)
    return entries


def score(report: AnalysisReport, entries: Sequence[Entry]) -> Score:
    """Compare the warning-and-above findings of ``report`` with ``entries``."""
    reported = [f for f in report.findings if f.severity >= Severity.WARNING]
    matched: set[str] = set()
    missing, wrong_roots = [], []
    for entry in entries:
        hits = [f for f in reported if entry.matches(f)]
        matched.update(f.id for f in hits)
        if len(hits) < entry.count:
            missing.append(entry)
        elif any(report.is_root(f) != entry.root for f in hits):
            wrong_roots.append(entry)
    unexpected = tuple(f for f in reported if f.id not in matched)
    found = len(reported) - len(unexpected)
    return Score(
        precision=found / len(reported) if reported else 1.0,
        recall=(len(entries) - len(missing)) / len(entries) if entries else 1.0,
        missing=tuple(missing),
        unexpected=unexpected,
        wrong_roots=tuple(wrong_roots),
    )


def describe(score_: Score) -> Iterable[str]:
    """Lines saying what did not match, for test failures and eval reports."""
    for entry in score_.missing:
        yield f"missing:    {entry}"
    for finding in score_.unexpected:
        yield f"unexpected: {finding.severity} {finding.code} {finding.ref}"
    for entry in score_.wrong_roots:
        yield f"root flag:  {entry} (expected root={entry.root})"

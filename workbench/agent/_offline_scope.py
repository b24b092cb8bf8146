"""What a question to the offline assistant names: its intent, namespaces and objects, and their owners.

The question is only matched against the names in the frames (exact names, or prefixes like
``checkout-``); nothing in it is run. Owners are the controller chains in the frames (Pod ->
ReplicaSet -> Deployment, Job -> CronJob), so that a question about a Deployment finds the findings
on its pods, and the root causes they lead to.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from workbench.agent._offline_text import md_text
from workbench.analyzers import AnalysisReport, TreeNode
from workbench.frames import Frames
from workbench.frames.schema import Col, Containers, Frame, Jobs, Namespaces, Pods, ReplicaSets
from workbench.model import Finding, ObjectRef, Severity

Intent = Literal["diagnose", "fix", "timeline", "logs", "help"]
Key = tuple[str, str, str]
"""An object as (kind, namespace, name)."""

_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    ("logs", re.compile(r"\blogs?\b")),
    ("fix", re.compile(r"\bfix|\bremediat|\bresolve|\brepair|\bheal|\bapply\b|\bsolve")),
    ("timeline", re.compile(r"\bchanged?\b|\btimeline\b|\bevents?\b|\bwhat happened\b|\bhistory\b")),
    (
        "diagnose",
        re.compile(
            r"why|wrong|fail|broke|crash|\bdown\b|\bnot\b|n't\b|cannot|restart|pending|stuck|error|issue|"
            r"problem|health|status|\bok\b|okay|anything|\b5\d\d|unavailable|slow|ready|endpoint|scal"
        ),
    ),
)
_WRITE_WORDS = re.compile(r"\b(apply|delete|run|execute|exec|kubectl|scale|patch|rm|drain|sudo)\b")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9._-]*(?:\*|…|\.\.\.)?")
_SUBJECT = re.compile(  # what "why is X failing?", "logs of X" and "fix X" name
    r"\b(?:why\s+(?:is|are|does|do|did|has|isn't|aren't|doesn't|can't|won't)|logs?\s+(?:of|for|from)|fix)\s+"
    r"(?:the\s+|my\s+|our\s+|pod\s+|deployment\s+)?([a-z0-9][a-z0-9_-]*)"
)
_LAST_PLACE = re.compile(r"\b(?:in|namespace)\s+(?:namespace\s+|the\s+)?([a-z0-9][a-z0-9-]*)\W*$")
_STOP_WORDS = (
    "a about after all an and any anything app apps are as at be been broken but can cannot cluster crash "
    "crashing did do does down error errors everything fail failed failing fails fix for from get getting "
    "happened has have how i in is it its k8s keep keeps kubernetes log logs me my never no node nodes not "
    "now of on or our pending pod pods please problem ready restart restarting running service services "
    "show so something still stuck that the their there this to up us we what whats when where which who "
    "why with wrong you job jobs deployment deployments namespace namespaces why's what's isn't won't "
    "can't doesn't aren't"
)
_STOP = frozenset(_STOP_WORDS.split())
_NAMED_FRAMES = (
    "pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs", "services",
    "ingresses", "pvcs", "hpas", "networkpolicies", "configmaps", "nodes",
)  # fmt: skip
_OWNED: tuple[tuple[str, Col, Col], ...] = (
    (Pods.FRAME, Pods.OWNER_KIND, Pods.OWNER_NAME),
    (ReplicaSets.FRAME, ReplicaSets.OWNER_KIND, ReplicaSets.OWNER_NAME),
    (Jobs.FRAME, Jobs.OWNER_KIND, Jobs.OWNER_NAME),
)
"""The frames whose rows have a controller that matters here, and their owner columns."""


@dataclass(frozen=True)
class Scope:
    """What a question names: namespaces and objects, and the names it uses that match nothing."""

    namespaces: tuple[str, ...] = ()
    targets: tuple[ObjectRef, ...] = ()
    unknown: tuple[str, ...] = ()
    similar: tuple[str, ...] = ()

    def where(self) -> str:
        """The scope in words (``in namespace shop``, ``for Pod shop/web-1``, ``in the cluster``)."""
        if self.targets:
            shown = ", ".join(md_text(str(t)) for t in self.targets[:3])
            return f"for {shown}" + (f" (+{len(self.targets) - 3} more)" if len(self.targets) > 3 else "")
        return f"in namespace {', '.join(self.namespaces)}" if self.namespaces else "in the cluster"

    def covers(self, ref: ObjectRef, up: dict[Key, Key]) -> bool:
        """Whether ``ref`` (or a controller of it, by ``up``) is what the question is about."""
        if self.targets:
            return bool({(t.kind, t.namespace, t.name) for t in self.targets} & _lineage(ref, up))
        return not self.namespaces or ref.namespace in self.namespaces


def intent(question: str) -> Intent:
    """What the question asks for; ``help`` when nothing matches."""
    text = question.lower()
    return next((name for name, pattern in _INTENTS if pattern.search(text)), "help")


def wants_write(question: str) -> bool:
    """Whether the question asks to change something (which the offline assistant never does)."""
    return _WRITE_WORDS.search(question.lower()) is not None


def resolve(question: str, frames: Frames) -> Scope:
    """The namespaces and objects the question names (exact names, or prefixes like ``checkout-``)."""
    index: dict[str, list[ObjectRef]] = {}
    spaces = set(frames.namespaces[Namespaces.NAME].astype(str))
    for frame in _NAMED_FRAMES:
        df = frames[frame]
        for kind, ns, name in zip(df[Frame.KIND], df[Frame.NAMESPACE], df[Frame.NAME], strict=True):
            index.setdefault(str(name), []).append(ObjectRef(str(kind), str(ns), str(name)))
            spaces.add(str(ns))
    spaces.discard("")
    named, found = [], []
    text = question.lower()
    for raw in _TOKEN.findall(text):
        wild = raw.endswith(("*", "…", "...", "-"))
        stem = raw.rstrip("*….-_")
        if len(stem) < 2 or stem in _STOP:
            continue
        if stem in spaces:
            named.append(stem)
        if stem in index:
            found += index[stem]
        elif stem not in spaces and (wild or (len(stem) >= 4 and "-" in stem)):
            prefix = stem + ("-" if not wild or raw.rstrip("*….").endswith("-") else "")
            found += [ref for name, refs in index.items() if name.startswith(prefix) for ref in refs]
    if named:
        found = [r for r in found if not r.namespace or r.namespace in named] or found
    targets = tuple(dict.fromkeys(found))
    known = set(index) | spaces
    candidates = [m.group(1) for m in (*_SUBJECT.finditer(text), *_LAST_PLACE.finditer(text))]
    candidates += [t for t in _TOKEN.findall(text) if "-" in t.strip("-*….") and re.search("[a-z]", t)]
    unknown = tuple(
        dict.fromkeys(
            c.rstrip("*….-")
            for c in candidates
            if c.rstrip("*….-") not in known
            and c.rstrip("*….-") not in _STOP
            and not re.fullmatch(r"v?[\d.]+s?", c)
        )
    )
    similar = tuple(
        dict.fromkeys(m for u in unknown for m in difflib.get_close_matches(u, sorted(known), 3, 0.6))
    )
    return Scope(tuple(dict.fromkeys(named)), targets, unknown, similar)


def owners(frames: Frames) -> dict[Key, Key]:
    """Each pod, ReplicaSet and Job's controller (Pod -> ReplicaSet -> Deployment, Job -> CronJob)."""
    up: dict[Key, Key] = {}
    for frame, kind_col, name_col in _OWNED:
        df = frames[frame]
        columns = (df[Frame.KIND], df[Frame.NAMESPACE], df[Frame.NAME], df[kind_col], df[name_col])
        for kind, ns, name, owner_kind, owner_name in zip(*columns, strict=True):
            if isinstance(owner_kind, str) and isinstance(owner_name, str):
                up[(str(kind), str(ns), str(name))] = (owner_kind, str(ns), owner_name)
    return up


def select(report: AnalysisReport, frames: Frames, scope: Scope) -> tuple[list[TreeNode], list[TreeNode]]:
    """The root causes the question is about, and the other broken roots in their namespaces."""
    nodes = [n for n in report.tree() if report.impact(n.finding) >= Severity.WARNING]
    if not scope.targets and not scope.namespaces:
        return nodes, []
    if scope.targets:
        up, wanted = owners(frames), {(t.kind, t.namespace, t.name) for t in scope.targets}
        about = [f for f in report.findings if _about(f, wanted, up)]
    else:
        about = [f for f in report.findings if f.ref.namespace in scope.namespaces]
    seen, stack = {f.id for f in about}, list(about)
    roots: set[str] = set()
    while stack:  # from what the question names up the cause links to the root causes
        finding = stack.pop()
        causes = report.causes(finding)
        roots.update(() if causes else (finding.id,))
        stack += [c for c in causes if c.id not in seen]
        seen.update(c.id for c in causes)
    shown = [n for n in nodes if roots & {f.id for f in n.findings}]
    spaces = {f.ref.namespace for n in shown for f in n.findings if f.ref.namespace}
    also = [n for n in nodes if n not in shown and n.finding.ref.namespace in spaces] if scope.targets else []
    return shown, also


def pod_for(scope: Scope, frames: Frames) -> ObjectRef | None:
    """The named pod, or the most troubled pod of a named workload."""
    up = owners(frames)
    pods = frames.pods
    best: tuple[int, int, ObjectRef] | None = None
    for ns, name, restarts, ready in zip(
        pods[Pods.NAMESPACE], pods[Pods.NAME], pods[Pods.RESTARTS], pods[Pods.READY], strict=True
    ):
        ref = ObjectRef("Pod", str(ns), str(name))
        if scope.targets and scope.covers(ref, up):
            rank = (int(restarts) if not pd.isna(restarts) else 0, 0 if ready else 1, ref)
            best = rank if best is None or rank[:2] > best[:2] else best
    return best[2] if best else None


def container_for(frames: Frames, pod: ObjectRef) -> tuple[str | None, int]:
    """The pod's app container that restarted most (the first one when none did), and its restarts."""
    df = frames.containers
    rows = df[
        (df[Containers.NAMESPACE] == pod.namespace)
        & (df[Containers.NAME] == pod.name)
        & ~df[Containers.INIT].astype(bool)
    ]
    if rows.empty:
        return None, 0
    restarts = rows[Containers.RESTARTS].fillna(0).astype(int)
    top = int(restarts.to_numpy().argmax())
    return str(rows[Containers.CONTAINER].iloc[top]), int(restarts.iloc[top])


def _lineage(ref: ObjectRef, up: dict[Key, Key]) -> set[Key]:
    """The object and its controllers, up the chain."""
    key: Key = (ref.kind, ref.namespace, ref.name)
    seen = {key}
    while key in up and up[key] not in seen:
        key = up[key]
        seen.add(key)
    return seen


def _about(finding: Finding, wanted: set[Key], up: dict[Key, Key]) -> bool:
    if wanted & _lineage(finding.ref, up):
        return True
    refs = (*finding.related, *(e.ref for e in finding.evidence if e.ref is not None))
    return any((r.kind, r.namespace, r.name) in wanted for r in refs)

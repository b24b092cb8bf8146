"""Root-cause links: which finding causes which, from the cluster's structure and the findings' refs.

Finding X causes finding Y (``Y.caused_by`` gets ``X.id``) when, in order of trust:

1. explicit: an analyzer already put ``X.id`` in ``Y.caused_by``;
2. same object: both are on one object and `SAME_OBJECT_ORDER` ranks X's code before Y's
   (a container failure before ``pod.not-ready``);
3. ownership: X's object is owned, through its controller chain (Pod -> ReplicaSet -> Deployment,
   Pod -> Job -> CronJob, Pod -> StatefulSet/DaemonSet), by Y's object — the nearest owner that
   has findings;
4. placement: X is on a Node (a finding that can break its pods: `AFFECTS_PODS`) and Y on a
   Pod scheduled there;
5. selection: Y is on a Service whose selector matches a Pod with findings, or the pods of a
   workload with findings; X is the top-most object of that pod's owner chain that has findings
   (the Deployment when it has a finding, else the pod);
6. routing: X is on a Service and Y on an Ingress whose backends name that Service;
7. related: X's object is one of ``Y.related``;
8. dependency: X is on a Service and Y on a Pod whose log, event or status evidence names that
   Service by its DNS name (``postgres.data.svc``) or its cluster IP (``dial tcp 10.96.0.12:5432``):
   the app fails because a Service it calls is down.

Links across objects go from the last findings of the cause's object (by `SAME_OBJECT_ORDER`) to
the first findings of the effect's object, so one object's findings form one chain. Candidate links
are added in the order above — within a rule the more severe cause first, then by id — and a link
that would close a cycle is dropped, so the result is always a DAG and the more trusted, more severe
direction wins. Redundant links (X -> Z when X -> Y -> Z exists) are dropped at the end.

INFO findings (hygiene) are never linked: they neither cause nor follow from an outage. Findings
on a state someone chose (`CHOSEN`: a paused rollout, zero replicas) are causes, never effects.

Only the objects that carry findings are looked up in the frames, through indexes built once per
run and only when a rule needs them (`FrameIndex`): rows by namespace and name, and the pods of a
namespace with a failing Service by label, so a selector is matched by set intersection, never by
scanning every pod for every Service.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import cache
from itertools import pairwise
from typing import Any

from workbench.analyzers._common import present
from workbench.analyzers._link_index import MAX_CHAIN, FrameIndex, Key
from workbench.frames import Frames
from workbench.frames.schema import Ingresses, Pods, Services
from workbench.model import Finding, ObjectRef, Severity

SAME_OBJECT_ORDER: tuple[tuple[str, int], ...] = (
    ("*.rollout-stuck", 1),
    ("*.rollout-slow", 1),
    ("*.progress-deadline-exceeded", 1),
    ("*.update-stuck", 1),
    ("*.not-ready", 2),
    ("*.unready", 2),
    ("*.unavailable", 3),
    ("*.degraded", 3),
)
"""Code patterns (fnmatch) and their rank among findings on one object: lower ranks cause higher ones.

Unlisted codes rank 0 (a concrete failure: a crash, a missing key, a pull error); findings of equal
rank on one object are independent of each other.
"""

CHOSEN: tuple[str, ...] = ("*.paused", "*.scaled-to-zero", "*.suspended", "*.invalid-schedule")
"""Code patterns of states someone chose (a paused rollout, zero replicas): causes, never effects
(except of an analyzer's explicit ``caused_by``)."""

AFFECTS_PODS: tuple[str, ...] = ("node.not-ready", "node.pressure", "node.network-unavailable")
"""Code patterns of Node findings that can break the pods placed on the node (a cordon cannot)."""

WORKLOADS = ("ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job")
"""Kinds whose pods a Service can select (through their ``selector``)."""

_Candidate = tuple["Rule", int, int]  # (rule, cause index, effect index)
_DEPENDENCY_EVIDENCE = frozenset({"log", "event", "field"})
_SERVICE_DNS = re.compile(r"\b([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc\b")
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


class Rule(enum.IntEnum):
    """Why one finding causes another; lower values are more trusted and are linked first."""

    EXPLICIT = 0
    SAME_OBJECT = 1
    OWNERSHIP = 2
    PLACEMENT = 3
    SELECTION = 4
    ROUTING = 5
    RELATED = 6
    DEPENDENCY = 7

    def __str__(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class Link:
    """One kept link: ``cause`` (a finding id) causes ``effect``, by ``rule``."""

    cause: str
    effect: str
    rule: Rule


def key_of(ref: ObjectRef) -> Key:
    """The (kind, namespace, name) an object is matched on."""
    return (ref.kind, ref.namespace, ref.name)


@cache  # a run has a few dozen distinct codes and thousands of findings
def rank_of(code: str) -> int:
    """The code's rank in `SAME_OBJECT_ORDER` (0 when unlisted)."""
    return next((rank for pattern, rank in SAME_OBJECT_ORDER if fnmatchcase(code, pattern)), 0)


def link(findings: Sequence[Finding], frames: Frames) -> list[Finding]:
    """``findings`` (same order) with ``caused_by`` set to the ids of their direct causes.

    Args:
        findings: findings with unique ids (the run drops duplicates before linking).
        frames: the bundle the findings were read from.

    Returns:
        New findings; INFO ones get no causes. ``caused_by`` is in the causes' report order.
    """
    graph = _Linker(findings, frames)
    graph.build()
    result = []
    for i, finding in enumerate(findings):
        causes = tuple(findings[j].id for j in sorted(graph.parents[i], key=lambda j: findings[j].sort_key()))
        result.append(finding if causes == finding.caused_by else replace(finding, caused_by=causes))
    return result


def find_links(findings: Sequence[Finding], frames: Frames) -> list[Link]:
    """Every link `link` keeps, with its rule, sorted by cause then effect (for tests and debugging)."""
    graph = _Linker(findings, frames)
    graph.build()
    links = [
        Link(findings[a].id, findings[b].id, graph.rules[(a, b)])
        for a, children in enumerate(graph.children)
        for b in children
    ]
    return sorted(links, key=lambda link: (link.cause, link.effect))


class _Linker:
    """The findings as a DAG under construction (nodes are indexes into ``findings``)."""

    def __init__(self, findings: Sequence[Finding], frames: Frames) -> None:
        self.findings = findings
        self.index = FrameIndex(frames)
        n = len(findings)
        self.children: list[set[int]] = [set() for _ in range(n)]
        self.parents: list[set[int]] = [set() for _ in range(n)]
        self.rules: dict[tuple[int, int], Rule] = {}
        self.by_object: dict[Key, list[int]] = defaultdict(list)
        self.by_id: dict[str, int] = {}
        self.rank: list[int] = [rank_of(f.code) for f in findings]
        self.chosen = [_matches_any(f.code, CHOSEN) for f in findings]
        for i, f in enumerate(findings):
            if f.severity > Severity.INFO:
                self.by_object[key_of(f.ref)].append(i)
                self.by_id.setdefault(f.id, i)

    # --- the graph ------------------------------------------------------------------------------

    def build(self) -> None:
        candidates = [*self._explicit(), *self._same_object()]
        candidates += self._ownership()
        candidates += self._placement()
        candidates += self._selection()
        candidates += self._routing()
        candidates += self._related()
        candidates += self._dependency()
        sev = [int(f.severity) for f in self.findings]
        ids = [f.id for f in self.findings]
        candidates.sort(key=lambda c: (c[0], -sev[c[1]], ids[c[1]], ids[c[2]]))
        for rule, cause, effect in candidates:
            self._add(rule, cause, effect)
        self._reduce()

    def _add(self, rule: Rule, cause: int, effect: int) -> None:
        if self.chosen[effect] and rule is not Rule.EXPLICIT:
            return  # nothing in the cluster causes a choice someone made
        if cause == effect or effect in self.children[cause] or self._reaches(effect, cause):
            return  # a self-link, a duplicate, or a cycle: the earlier (more trusted) links win
        self.children[cause].add(effect)
        self.parents[effect].add(cause)
        self.rules[(cause, effect)] = rule

    def _reaches(self, start: int, target: int) -> bool:
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            if node == target:
                return True
            for child in self.children[node]:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return False

    def _reduce(self) -> None:
        """Drop X -> Y when Y is also reached from X through another child (transitive reduction)."""
        for node, children in enumerate(self.children):
            if len(children) < 2:
                continue
            below: set[int] = set()
            stack = list(children)
            seen = set(children)
            while stack:
                for child in self.children[stack.pop()]:
                    below.add(child)
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
            for redundant in children & below:
                children.discard(redundant)
                self.parents[redundant].discard(node)
                del self.rules[(node, redundant)]

    # --- endpoints of cross-object links -----------------------------------------------------------

    def _first(self, key: Key) -> list[int]:
        """The findings on ``key`` that nothing else on it causes (the lowest rank present), choices
        left out (see `CHOSEN`)."""
        found = [i for i in self.by_object.get(key, []) if not self.chosen[i]]
        if not found:
            return []
        low = min(self.rank[i] for i in found)
        return [i for i in found if self.rank[i] == low]

    def _last(self, key: Key) -> list[int]:
        """The findings on ``key`` that cause nothing else on it (the highest rank present)."""
        found = self.by_object.get(key, [])
        if not found:
            return []
        high = max(self.rank[i] for i in found)
        return [i for i in found if self.rank[i] == high]

    def _across(self, rule: Rule, cause: Key, effect: Key) -> list[_Candidate]:
        return [(rule, a, b) for a in self._last(cause) for b in self._first(effect)]

    def _top(self, chain: Iterable[Key]) -> Key | None:
        """The last object of an owner chain that carries findings."""
        top = None
        for key in chain:
            if key in self.by_object:
                top = key
        return top

    # --- rules -----------------------------------------------------------------------------------

    def _explicit(self) -> list[_Candidate]:
        return [
            (Rule.EXPLICIT, self.by_id[cause], effect)
            for found in self.by_object.values()
            for effect in found
            for cause in self.findings[effect].caused_by
            if cause in self.by_id
        ]

    def _same_object(self) -> list[_Candidate]:
        out: list[_Candidate] = []
        for found in self.by_object.values():
            ranks = sorted({self.rank[i] for i in found})
            for low, high in pairwise(ranks):
                causes = [i for i in found if self.rank[i] == low]
                effects = [i for i in found if self.rank[i] == high]
                out.extend((Rule.SAME_OBJECT, a, b) for a in causes for b in effects)
        return out

    def _ownership(self) -> list[_Candidate]:
        owners = self.index.owners(self.by_object)
        out: list[_Candidate] = []
        for key in self.by_object:
            for owner in _chain(key, owners)[1:]:
                if owner in self.by_object:  # the nearest owner with findings
                    out.extend(self._across(Rule.OWNERSHIP, key, owner))
                    break
        return out

    def _placement(self) -> list[_Candidate]:
        pods = [key for key in self.by_object if key[0] == "Pod"]
        out: list[_Candidate] = []
        for pod, (node,) in self.index.values(Pods.FRAME, pods, Pods.NODE).items():
            if present(node):
                causes = [
                    i
                    for i in self._last(("Node", "", str(node)))
                    if _matches_any(self.findings[i].code, AFFECTS_PODS)
                ]
                out.extend((Rule.PLACEMENT, cause, effect) for cause in causes for effect in self._first(pod))
        return out

    def _selection(self) -> list[_Candidate]:
        services = [key for key in self.by_object if key[0] == "Service"]
        selectors = {
            key: dict(sel)
            for key, (sel,) in self.index.values(Services.FRAME, services, Services.SELECTOR).items()
            if isinstance(sel, Mapping) and sel
        }
        if not selectors:
            return []
        # The pods each failing Service selects, and the workloads with findings whose selector
        # implies the Service's (they may have no pods at all: a quota refused them).
        selected = {
            service: set(self.index.selected_pods(service[1], sel)) for service, sel in selectors.items()
        }
        workloads = [key for key in self.by_object if key[0] in WORKLOADS]
        for key, selector in self.index.selectors(workloads).items():
            for service, wanted in selectors.items():
                if service[1] == key[1] and _matches(wanted, selector):
                    selected[service].add(key)
        pods = {key for members in selected.values() for key in members if key[0] == "Pod"}
        pod_owners = self.index.pod_owner(pods)
        owners = self.index.owners(
            set(pod_owners.values()) | {k for m in selected.values() for k in m} - pods
        )
        owners.update(pod_owners)
        tops: dict[Key, Key | None] = {}  # the pods of one owner share its chain: walk it once
        out: list[_Candidate] = []
        for service, members in selected.items():
            causes = set()
            for member in members:
                upper = None
                if (parent := owners.get(member)) is not None:
                    if parent not in tops:
                        tops[parent] = self._top(_chain(parent, owners))
                    upper = tops[parent]
                top = upper if upper is not None else (member if member in self.by_object else None)
                if top is not None:
                    causes.add(top)
            for cause in sorted(causes):
                out.extend(self._across(Rule.SELECTION, cause, service))
        return out

    def _routing(self) -> list[_Candidate]:
        ingresses = [key for key in self.by_object if key[0] == "Ingress"]
        out: list[_Candidate] = []
        for ingress, (backends,) in self.index.values(
            Ingresses.FRAME, ingresses, Ingresses.BACKEND_SERVICES
        ).items():
            for service in backends if isinstance(backends, list | tuple) else ():
                out.extend(self._across(Rule.ROUTING, ("Service", ingress[1], str(service)), ingress))
        return out

    def _related(self) -> list[_Candidate]:
        out: list[_Candidate] = []
        for found in self.by_object.values():
            for effect in found:
                for ref in self.findings[effect].related:
                    key = key_of(ref)
                    if key != key_of(self.findings[effect].ref):
                        out.extend((Rule.RELATED, cause, effect) for cause in self._last(key))
        return out

    def _dependency(self) -> list[_Candidate]:
        services = [key for key in self.by_object if key[0] == "Service"]
        if not services:
            return []
        by_ip = {
            str(ip): key
            for key, (ip,) in self.index.values(Services.FRAME, services, Services.CLUSTER_IP).items()
            if present(ip) and str(ip) != "None"
        }
        out: list[_Candidate] = []
        for key, found in self.by_object.items():
            if key[0] != "Pod":
                continue
            named: set[Key] = set()
            for effect in found:
                for evidence in self.findings[effect].evidence:
                    if evidence.kind not in _DEPENDENCY_EVIDENCE:
                        continue
                    for name, namespace in _SERVICE_DNS.findall(evidence.value):
                        named.add(("Service", namespace, name))
                    named.update(by_ip[ip] for ip in _IPV4.findall(evidence.value) if ip in by_ip)
            for service in sorted(named):
                out.extend(self._across(Rule.DEPENDENCY, service, key))
        return out


def _matches_any(code: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(code, pattern) for pattern in patterns)


def _chain(key: Key, owners: Mapping[Key, Key]) -> list[Key]:
    chain = [key]
    while (owner := owners.get(chain[-1])) is not None and owner not in chain and len(chain) < MAX_CHAIN:
        chain.append(owner)
    return chain


def _matches(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """Every key and value of ``selector`` is in ``labels``."""
    return all(labels.get(k) == v for k, v in selector.items())

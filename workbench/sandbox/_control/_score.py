"""Choosing among the nodes a pod fits (kube-scheduler 1.32's default scores) and preemption.

Scores, each normalised to 0..100 and weighted as the default profile weighs them:
NodeResourcesFit ``LeastAllocated`` over non-zero requests (1), ``NodeResourcesBalancedAllocation``
(1), ``ImageLocality`` (1), ``TaintToleration`` against PreferNoSchedule taints (3), preferred
``NodeAffinity`` (2) and ``PodTopologySpread`` — the pod's ScheduleAnyway constraints, or the
system defaults (hostname, maxSkew 3; zone, maxSkew 5) over the pods its Services and controllers
select (2). The highest total wins; ties go to the first node by name, so runs are reproducible.

`preempt` is DefaultPreemption's dry run: on each node where only evictable things stand in the
way, remove every lower-priority pod, check the pod fits, then reprieve victims from the most
important down; it returns the best candidate, or the ``preemption: 0/N nodes are available: ...``
message when there is none.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._filters import Context, fit_error, run_filters, spread_selects
from workbench.sandbox._control._fit import (
    HOSTNAME,
    NodeInfo,
    PodInfo,
    Reject,
    image_name,
    term_matches,
    tolerates,
)
from workbench.sandbox._selectors import LabelSelector, label_selector_from_spec, selector_from_map

ZONE = "topology.kubernetes.io/zone"
_MAX = 100
_MIN_IMAGE = 23 * 2**20
_MAX_IMAGE_PER_CONTAINER = 1000 * 2**20

SpreadRule = tuple[str, int, Callable[[PodInfo], bool]]  # (topologyKey, maxSkew, counts this pod?)


def _normalize(raw: Mapping[str, int], *, reverse: bool = False) -> dict[str, int]:
    """``DefaultNormalizeScore``: scale to 0..100 by the highest score (reversed: fewer is better)."""
    top = max(raw.values(), default=0)
    if top == 0:
        return dict.fromkeys(raw, _MAX if reverse else 0)
    return {name: (_MAX - _MAX * s // top) if reverse else _MAX * s // top for name, s in raw.items()}


def _least_allocated(pod: PodInfo, node: NodeInfo) -> int:
    want = node.requested(non_zero=True).plus(pod.non_zero)
    alloc = node.allocatable
    parts = [
        (cap - req) * _MAX // cap if cap and req <= cap else 0
        for req, cap in ((want.cpu, alloc.cpu), (want.memory, alloc.memory))
    ]
    return sum(parts) // len(parts)


def _balanced(pod: PodInfo, node: NodeInfo) -> int:
    want = node.requested().plus(pod.requests)
    alloc = node.allocatable
    fractions = [
        min(1.0, req / cap) for req, cap in ((want.cpu, alloc.cpu), (want.memory, alloc.memory)) if cap
    ]
    if len(fractions) < 2:
        return _MAX
    mean = sum(fractions) / len(fractions)
    std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
    return int((1 - std) * _MAX)


def _image_locality(pod: PodInfo, node: NodeInfo, ctx: Context) -> int:
    total = 0
    for ref in pod.images:
        name = image_name(ref)
        size = node.images.get(name)
        if size:
            total += int(size * ctx.image_spread(name))
    top = _MAX_IMAGE_PER_CONTAINER * max(1, len(pod.images))
    total = min(max(total, _MIN_IMAGE), top)
    return _MAX * (total - _MIN_IMAGE) // (top - _MIN_IMAGE)


def _prefer_no_schedule(pod: PodInfo, node: NodeInfo) -> int:
    tolerations = [t for t in pod.tolerations if t.get("effect") in (None, "", "PreferNoSchedule")]
    return sum(
        1
        for taint in node.taints
        if taint.get("effect") == "PreferNoSchedule" and not any(tolerates(t, taint) for t in tolerations)
    )


def _preferred_affinity(pod: PodInfo, node: NodeInfo) -> int:
    terms = (pod.affinity.get("nodeAffinity") or {}).get(
        "preferredDuringSchedulingIgnoredDuringExecution"
    ) or []
    return sum(
        int(t.get("weight") or 0)
        for t in terms
        if term_matches(t.get("preference") or {}, node.labels, node.name)
    )


def _spread_scores(feasible: Sequence[NodeInfo], rules: Sequence[SpreadRule]) -> dict[str, int]:
    """PodTopologySpread's score: fewer matching pods in a node's domains is better."""
    # Matching pods per topology domain, counted once per rule (not once per node and domain member).
    per_rule: list[tuple[str, int, dict[str, int], int]] = []
    for key, max_skew, counts in rules:
        matching: dict[str, int] = {}
        labelled = 0
        for n in feasible:
            if key in n.labels:
                labelled += 1
                domain = n.labels[key]
                matching[domain] = matching.get(domain, 0) + sum(1 for p in n.pods if counts(p))
        size = labelled if key == HOSTNAME else len(matching)
        per_rule.append((key, max_skew, matching, size))
    raw: dict[str, int] = {}
    for node in feasible:
        score = 0.0
        for key, max_skew, matching, size in per_rule:
            if key in node.labels:
                score += matching[node.labels[key]] * math.log(size + 2) + (max_skew - 1)
        raw[node.name] = round(score)
    low, high = min(raw.values(), default=0), max(raw.values(), default=0)
    if high == 0:
        return dict.fromkeys(raw, _MAX)
    return {name: _MAX * (high + low - s) // high for name, s in raw.items()}


def best_node(pod: PodInfo, feasible: Sequence[NodeInfo], ctx: Context, spread: Sequence[SpreadRule]) -> str:
    """The feasible node with the highest weighted score (the first by name among equals)."""
    if len(feasible) == 1:
        return feasible[0].name
    names = [n.name for n in feasible]
    plugins: list[tuple[int, Mapping[str, int]]] = [
        (1, {n.name: _least_allocated(pod, n) for n in feasible}),
        (1, {n.name: _balanced(pod, n) for n in feasible}),
        (1, {n.name: _image_locality(pod, n, ctx) for n in feasible}),
        (3, _normalize({n.name: _prefer_no_schedule(pod, n) for n in feasible}, reverse=True)),
        (2, _normalize({n.name: _preferred_affinity(pod, n) for n in feasible})),
    ]
    if spread:
        plugins.append((2, _spread_scores(feasible, spread)))
    totals = {name: sum(weight * scores[name] for weight, scores in plugins) for name in names}
    return min(names, key=lambda name: (-totals[name], name))


# -- preemption ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """Where preemption would make room, and the pods it would evict."""

    node: str
    victims: tuple[PodInfo, ...]


def _fits(pod: PodInfo, node: NodeInfo, pods: Sequence[PodInfo], ctx: Context) -> Reject | None:
    trial = node.with_pods(pods)
    return run_filters(pod, trial, ctx.with_nodes({**ctx.nodes, node.name: trial}))


def preempt(pod: PodInfo, ctx: Context, statuses: Mapping[str, Reject]) -> tuple[Candidate | None, str]:
    """DefaultPreemption's dry run over the nodes rejected for reasons preemption could remove.

    Returns:
        The best candidate and "", or None and the PostFilter message for the FitError.
    """
    results: dict[str, Reject] = {}
    candidates: list[Candidate] = []
    for name in sorted(statuses):
        if statuses[name].unresolvable or name not in ctx.nodes:
            continue
        node = ctx.nodes[name]
        lower = [p for p in node.pods if p.priority < pod.priority]
        if not lower:
            results[name] = Reject(("No preemption victims found for incoming pod",))
            continue
        kept = [p for p in node.pods if p.priority >= pod.priority]
        rejected = _fits(pod, node, kept, ctx)
        if rejected is not None:
            results[name] = rejected
            continue
        victims = []
        for victim in sorted(lower, key=lambda p: (-p.priority, p.created)):
            if _fits(pod, node, [*kept, victim], ctx) is None:
                kept.append(victim)  # reprieved: the pod fits with it still there
            else:
                victims.append(victim)
        if victims:
            candidates.append(Candidate(name, tuple(victims)))
    if not candidates:
        message = fit_error(len(ctx.nodes), results, absent="Preemption is not helpful for scheduling")
        return None, f"preemption: {message}"
    best = min(
        candidates,
        key=lambda c: (
            max(v.priority for v in c.victims),
            sum(v.priority for v in c.victims),
            len(c.victims),
            c.node,
        ),
    )
    return best, ""


def default_spread_rules(
    pod: PodInfo, constraints: Sequence[Mapping[str, Any]], selects: Callable[[PodInfo], bool] | None
) -> list[SpreadRule]:
    """The spread rules that score `pod`: its ScheduleAnyway constraints, else the system defaults over
    what its Services and controllers select (`selects`; None when nothing selects it)."""
    if constraints:
        rules: list[SpreadRule] = []
        for constraint in constraints:
            if constraint.get("whenUnsatisfiable") == "ScheduleAnyway":
                rules.append(
                    (
                        str(constraint.get("topologyKey", "")),
                        int(constraint.get("maxSkew") or 1),
                        partial(spread_selects, constraint, pod),
                    )
                )
        return rules
    if selects is None:
        return []

    def counts(p: PodInfo) -> bool:
        return p.namespace == pod.namespace and not p.deleting and selects(p)

    return [(HOSTNAME, 3, counts), (ZONE, 5, counts)]


class DefaultSelectors:
    """``helper.DefaultSelector``: what the Services, ReplicaSets and StatefulSets that select a pod
    select (the system default spread counts those pods). Each object's selector is decoded once per
    version of it, not once per scheduling cycle."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._memo: dict[tuple[str, str, str], tuple[int, LabelSelector | None]] = {}

    def _selectors(self, kind: str, namespace: str) -> list[LabelSelector]:
        out = []
        for entry in self.cluster.entries(kind, namespace):
            ident = (kind, namespace, entry.uid)
            known = self._memo.get(ident)
            if known is None or known[0] != entry.rv:
                spec = entry.decode().get("spec") or {}
                if kind == "Service":
                    wanted = spec.get("selector") or {}
                    selector = selector_from_map(wanted) if wanted else None
                else:
                    parsed = label_selector_from_spec(spec.get("selector"))
                    selector = None if parsed.empty else parsed
                known = self._memo[ident] = (entry.rv, selector)
            if known[1] is not None:
                out.append(known[1])
        return out

    def __call__(self, pod: Mapping[str, Any]) -> Callable[[PodInfo], bool] | None:
        """The pods counted with `pod` for spreading; None when nothing selects it."""
        namespace = pod["metadata"].get("namespace", "")
        labels = pod["metadata"].get("labels") or {}
        selectors = [
            s
            for kind in ("Service", "ReplicaSet", "StatefulSet")
            for s in self._selectors(kind, namespace)
            if s.matches(labels)
        ]
        if not selectors:
            return None
        return lambda p: all(s.matches(p.labels) for s in selectors)

"""PodDisruptionBudgets that block every eviction (node drains hang), or that select no pods."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from workbench.analyzers._common import readable, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import Pdbs, Pods, ReplicaSets
from workbench.model import Evidence, Finding, ObjectRef, Severity

BLOCKING = "pdb.blocking"
NO_PODS = "pdb.no-pods"

_DOCS = DOCS + "concepts/workloads/pods/disruptions/#pod-disruption-budgets"


class PdbAnalyzer:
    """Budgets that allow no disruption while they protect pods, and budgets that match no pod.

    The disruption controller's status is used when it wrote one (the DisruptionAllowed condition
    or a non-zero expectedPods). Otherwise (a snapshot without status, or a cluster without the
    controller) the budget is computed from the pods frame as the controller would: expected pods
    are the live pods the selector matches, healthy ones are Running and ready, minAvailable
    percentages round up and maxUnavailable percentages round up. The evidence says which was used.
    """

    name: ClassVar[str] = "pdb"
    codes: ClassVar[tuple[str, ...]] = (BLOCKING, NO_PODS)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """Findings about the PodDisruptionBudgets in ``frames``."""
        pdbs = frames.pdbs
        if pdbs.empty:
            return
        pods_known = readable(frames, Pods.FRAME)
        all_pods = frames.pods
        here = all_pods[all_pods[Pods.NAMESPACE].isin(set(pdbs[Pdbs.NAMESPACE].astype(str)))]
        by_namespace: dict[str, list[s.Row]] = {}
        for pod in s.live_pods(s.rows(here, s.POD_COLUMNS)):
            by_namespace.setdefault(text(pod[Pods.NAMESPACE]), []).append(pod)
        for row in s.rows(pdbs):
            status = _reported(row)
            selector = s.Selector.parse(row[Pdbs.SELECTOR], row[Pdbs.SELECTOR_EXPRESSIONS])
            if status is None and (selector is None or not pods_known):
                continue  # neither the controller's numbers nor the pods to compute them from
            matched = _matching(by_namespace.get(text(row[Pdbs.NAMESPACE]), []), selector)
            budget = status or _computed(row, matched)
            if budget is None:
                continue
            if budget.expected == 0:
                if pods_known and matched is not None and not matched:  # not just an empty status
                    yield _no_pods(row, selector, budget)
            elif budget.allowed <= 0:
                yield _blocking(row, budget, selector, matched, frames)


@dataclass(frozen=True, slots=True)
class _Budget:
    expected: int
    healthy: int
    desired: int
    allowed: int
    source: str


def _reported(row: Mapping[str, Any]) -> _Budget | None:
    """The controller's numbers, when it computed them."""
    if not text(row[Pdbs.DISRUPTION_REASON]) and s.num(row[Pdbs.EXPECTED_PODS]) == 0:
        return None
    return _Budget(
        s.num(row[Pdbs.EXPECTED_PODS]),
        s.num(row[Pdbs.CURRENT_HEALTHY]),
        s.num(row[Pdbs.DESIRED_HEALTHY]),
        s.num(row[Pdbs.DISRUPTIONS_ALLOWED]),
        "status (the disruption controller)",
    )


def _matching(pods: list[s.Row], selector: s.Selector | None) -> list[s.Row] | None:
    if selector is None:
        return None
    if selector.empty:
        return pods  # policy/v1: an empty selector selects every pod in the namespace
    return [p for p in pods if selector.matches(p[Pods.LABELS] if isinstance(p[Pods.LABELS], dict) else {})]


def _computed(row: Mapping[str, Any], matched: list[s.Row] | None) -> _Budget | None:
    """The budget computed from the pods, as the disruption controller does."""
    if matched is None:
        return None
    expected = len(matched)
    healthy = sum(1 for p in matched if p[Pods.READY] and text(p[Pods.PHASE]) == "Running")
    if text(row[Pdbs.MIN_AVAILABLE]):
        desired = s.resolve(row[Pdbs.MIN_AVAILABLE], expected, round_up=True)
    elif text(row[Pdbs.MAX_UNAVAILABLE]):
        unavailable = s.resolve(row[Pdbs.MAX_UNAVAILABLE], expected, round_up=True)
        desired = None if unavailable is None else max(expected - unavailable, 0)
    else:
        return None
    if desired is None:
        return None
    return _Budget(expected, healthy, desired, max(healthy - desired, 0), "computed from the pods")


def _rule(row: Mapping[str, Any]) -> str:
    if text(row[Pdbs.MIN_AVAILABLE]):
        return f"minAvailable {text(row[Pdbs.MIN_AVAILABLE])}"
    return f"maxUnavailable {text(row[Pdbs.MAX_UNAVAILABLE])}"


def _blocking(
    row: Mapping[str, Any],
    budget: _Budget,
    selector: s.Selector | None,
    matched: list[s.Row] | None,
    frames: Frames,
) -> Finding:
    ref = ref_of(row)
    evidence = [
        Evidence(
            "field",
            "disruptionsAllowed",
            f"0 ({budget.source}: {budget.healthy} healthy of {budget.expected} expected pods, "
            f"{_rule(row)} needs {budget.desired} healthy)",
        ),
        Evidence("spec", "spec.selector", str(selector) if selector is not None else "(unreadable)"),
    ]
    evidence.extend(s.pod_evidence(s.unready(matched or []), "selected pods not ready"))
    if budget.desired >= budget.expected:
        cause = (
            f"The budget itself allows no disruption: {_rule(row)} with {budget.expected} pods means every "
            "pod must stay up. Allow at least one (maxUnavailable 1, or minAvailable below the replica "
            "count), or add replicas."
        )
    else:
        cause = (
            f"Only {budget.healthy} of the {budget.expected} pods are healthy, which is no more than "
            f"{_rule(row)} requires, so the budget is used up. Fix the unhealthy pods first; evictions "
            "resume by themselves."
        )
    return Finding(
        BLOCKING,
        Severity.WARNING,
        ref,
        f"{ref} allows no disruption: evictions of its {s.plural(budget.expected, 'pod')} are refused",
        evidence=tuple(evidence),
        explanation=(
            "Evictions (kubectl drain, node upgrades, the cluster autoscaler scaling down) of pods this "
            f"budget protects are refused, so drains hang until someone intervenes. {cause}"
        ),
        docs_url=_DOCS,
        planners=(),
        related=tuple(_owners(matched or [], frames)),
    )


def _no_pods(row: Mapping[str, Any], selector: s.Selector | None, budget: _Budget) -> Finding:
    ref = ref_of(row)
    return Finding(
        NO_PODS,
        Severity.INFO,
        ref,
        f"{ref} selects no pods",
        evidence=(
            Evidence("spec", "spec.selector", str(selector) if selector is not None else "(unreadable)"),
            Evidence("field", "expected pods", f"0 ({budget.source})"),
        ),
        explanation=(
            "No pod in the namespace matches the budget's selector, so it protects nothing. If it was "
            "meant for a workload, its selector does not match the pods' labels (a typo, or labels that "
            "changed): compare it with kubectl get pods --show-labels."
        ),
        docs_url=DOCS + "tasks/run-application/configure-pdb/",
    )


def _owners(pods: list[s.Row], frames: Frames) -> list[ObjectRef]:
    """The top-level workloads of ``pods`` (a ReplicaSet's Deployment), in order."""
    owners = sorted(
        {(text(p[Pods.OWNER_KIND]), text(p[Pods.NAMESPACE]), text(p[Pods.OWNER_NAME])) for p in pods}
    )
    owners = [o for o in owners if o[0]]
    rs_names = {name for kind, _, name in owners if kind == "ReplicaSet"}
    rss = frames.replicasets
    columns = (ReplicaSets.NAMESPACE, ReplicaSets.NAME, ReplicaSets.OWNER_KIND, ReplicaSets.OWNER_NAME)
    parent = {s.key_of(r): r for r in s.rows(rss[rss[ReplicaSets.NAME].isin(rs_names)], columns)}
    out: dict[ObjectRef, None] = {}
    for kind, namespace, name in owners:
        rs = parent.get((namespace, name)) if kind == "ReplicaSet" else None
        if rs is not None and text(rs[ReplicaSets.OWNER_KIND]):
            out[ObjectRef(text(rs[ReplicaSets.OWNER_KIND]), namespace, text(rs[ReplicaSets.OWNER_NAME]))] = (
                None
            )
        else:
            out[ObjectRef(kind, namespace, name)] = None
    return list(out)

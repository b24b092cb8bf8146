"""DaemonSets: daemon pods missing or not ready on nodes that should run them, and pods on nodes that
should not."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any, ClassVar

import pandas as pd

from workbench.analyzers._common import cluster_now, event_evidence, present, ref_of, text
from workbench.analyzers.base import DOCS
from workbench.analyzers.workloads import _shared as s
from workbench.frames import Frames
from workbench.frames.schema import DaemonSets, Nodes, Pods
from workbench.model import Evidence, Finding, ObjectRef, Severity

UNAVAILABLE = "daemonset.unavailable"
MISSCHEDULED = "daemonset.misscheduled"

_DOCS = DOCS + "concepts/workloads/controllers/daemonset/"
_TAINTS_DOCS = DOCS + "concepts/scheduling-eviction/taint-and-toleration/"
UPDATE_GRACE = timedelta(minutes=10)
"""A daemon pod of a rolling update not ready for this long stalls the update."""
_BLOCKING = (":NoSchedule", ":NoExecute")
_NODE_COLUMNS = (Nodes.KIND, Nodes.NAMESPACE, Nodes.NAME, Nodes.UID, Nodes.LABELS, Nodes.TAINTS, Nodes.READY)


class DaemonSetAnalyzer:
    """DaemonSets whose pods are missing or not ready, and those with pods on nodes they should not use.

    desiredNumberScheduled already leaves out nodes whose taints the daemon does not tolerate or
    whose labels its nodeSelector rejects, so such nodes are never a shortfall here. A rolling
    update may take down maxUnavailable pods (for `UPDATE_GRACE`), and pods younger than two
    minutes are still starting: neither is a failure.
    """

    name: ClassVar[str] = "daemonset"
    codes: ClassVar[tuple[str, ...]] = (UNAVAILABLE, MISSCHEDULED)

    def analyze(self, frames: Frames) -> Iterator[Finding]:
        """Findings about the DaemonSets in ``frames``."""
        dss = frames.daemonsets
        if dss.empty:
            return
        desired = dss[DaemonSets.DESIRED_PODS].fillna(0)
        short = (desired > 0) & (
            (dss[DaemonSets.AVAILABLE_PODS].fillna(0) < desired)
            | (dss[DaemonSets.CURRENT_PODS].fillna(0) < desired)
        )
        suspect = short | (dss[DaemonSets.MISSCHEDULED_PODS].fillna(0) > 0)
        rows = s.rows(dss[suspect.fillna(False).astype(bool)])
        if not rows:
            return
        now = cluster_now(frames)
        pods = s.children(frames.pods, "DaemonSet", {s.key_of(r) for r in rows}, s.POD_COLUMNS)
        events = s.events_of(frames, "DaemonSet", {s.key_of(r) for r in rows})
        nodes = s.rows(frames.nodes, _NODE_COLUMNS)
        for row in rows:
            key = s.key_of(row)
            mine = pods.get(key, [])
            if s.num(row[DaemonSets.MISSCHEDULED_PODS]) > 0:
                yield _misscheduled(row, mine, nodes)
            if _short(row) and not _tolerated(row, mine, now):
                yield _unavailable(row, mine, nodes, events.get(key, []))


def _short(row: Mapping[str, Any]) -> bool:
    desired = s.num(row[DaemonSets.DESIRED_PODS])
    return desired > 0 and (
        s.num(row[DaemonSets.AVAILABLE_PODS]) < desired or s.num(row[DaemonSets.CURRENT_PODS]) < desired
    )


def _tolerated(row: Mapping[str, Any], pods: list[s.Row], now: pd.Timestamp) -> bool:
    desired = s.num(row[DaemonSets.DESIRED_PODS])
    not_ready = s.unready(pods)
    scheduled = s.num(row[DaemonSets.CURRENT_PODS]) >= desired
    if scheduled and s.all_starting(not_ready, now):
        return True
    if s.num(row[DaemonSets.UPDATED_PODS]) >= desired:
        return False
    allowed = s.resolve(row[DaemonSets.MAX_UNAVAILABLE], desired, round_up=True)
    shortfall = desired - s.num(row[DaemonSets.AVAILABLE_PODS])
    stalled = any(
        present(since := p[Pods.READY_CHANGED] if present(p[Pods.READY_CHANGED]) else p[Pods.CREATED])
        and since < now - UPDATE_GRACE
        for p in not_ready
    )
    return scheduled and not stalled and shortfall <= (1 if allowed is None else max(allowed, 1))


def _node_selector(row: Mapping[str, Any]) -> dict[str, str]:
    selector = row[DaemonSets.NODE_SELECTOR]
    return dict(selector) if isinstance(selector, Mapping) else {}


def _taints(node: Mapping[str, Any]) -> list[str]:
    taints = node[Nodes.TAINTS]
    return [str(t) for t in taints if str(t).endswith(_BLOCKING)] if isinstance(taints, list) else []


def _fits(node: Mapping[str, Any], selector: Mapping[str, str]) -> bool:
    labels = node[Nodes.LABELS] if isinstance(node[Nodes.LABELS], Mapping) else {}
    return all(labels.get(k) == v for k, v in selector.items())


def _unavailable(
    row: Mapping[str, Any], pods: list[s.Row], nodes: list[s.Row], events: list[s.Row]
) -> Finding:
    ref = ref_of(row)
    desired = s.num(row[DaemonSets.DESIRED_PODS])
    available = s.num(row[DaemonSets.AVAILABLE_PODS])
    current = s.num(row[DaemonSets.CURRENT_PODS])
    by_name = {str(n[Nodes.NAME]): n for n in nodes}
    not_ready = _failing(pods, by_name)
    evidence = [
        Evidence(
            "field",
            "status.numberAvailable",
            f"{available} of {desired} nodes that should run it (scheduled {current}, "
            f"ready {s.num(row[DaemonSets.READY_PODS])}, updated {s.num(row[DaemonSets.UPDATED_PODS])})",
        ),
        *s.pod_evidence(not_ready, "daemon pods not available"),
    ]
    related: list[ObjectRef] = []
    bad_nodes = {text(p[Pods.NODE]) for p in not_ready if text(p[Pods.NODE])}
    down = sorted(n for n in bad_nodes if n in by_name and not by_name[n][Nodes.READY])
    related.extend(ref_of(by_name[n]) for n in sorted(bad_nodes) if n in by_name)
    lacking: list[str] = []
    tainted: list[str] = []
    if current < desired:
        selector = _node_selector(row)
        have = {text(p[Pods.NODE]) for p in s.live_pods(pods) if text(p[Pods.NODE])}
        for node in nodes:
            name = str(node[Nodes.NAME])
            if name in have or not _fits(node, selector):
                continue
            (tainted if _taints(node) else lacking).append(name)
        related.extend(ref_of(by_name[n]) for n in lacking)
        if lacking:
            evidence.append(
                Evidence("field", "nodes without its pod", ", ".join(lacking[: s.MAX_LISTED * 2]))
            )
        if tainted:
            evidence.append(
                Evidence(
                    "field",
                    "tainted nodes without its pod (skipped unless it tolerates the taint)",
                    ", ".join(f"{n} ({'; '.join(_taints(by_name[n]))})" for n in tainted[: s.MAX_LISTED]),
                )
            )
    evidence.extend(event_evidence(e) for e in s.warnings(events)[-s.MAX_LISTED :])
    causes = []
    if down:
        causes.append(
            f"Its pods on {', '.join(down)} are not ready because the node is not Ready: the node is the "
            "cause, not the DaemonSet."
        )
    if current < desired:
        causes.append(
            f"{desired - current} nodes that should run it have no daemon pod: read the DaemonSet's events "
            "(FailedCreate, FailedPlacement). Nodes whose taints it does not tolerate are left out of "
            "the desired count on purpose"
            + (": those listed as tainted are skipped, not missing." if tainted else ".")
        )
    if not causes:
        causes.append("The pod findings under this one say why each daemon pod fails.")
    return Finding(
        UNAVAILABLE,
        Severity.CRITICAL if available == 0 else Severity.ERROR,
        ref,
        f"{ref} is unavailable on {desired - available} of {s.plural(desired, 'node')}",
        evidence=tuple(evidence),
        explanation=(
            "A DaemonSet runs one pod on every node it selects (node agents: networking, logging, "
            "monitoring); a node without a working daemon pod lacks what it provides. " + " ".join(causes)
        ),
        docs_url=_DOCS,
        planners=(),
        related=tuple(dict.fromkeys(related)),
    )


def _failing(pods: list[s.Row], nodes: Mapping[str, Mapping[str, Any]]) -> list[s.Row]:
    """Daemon pods that are not ready, or that sit on a node that is not Ready (whose pods' status the
    kubelet no longer updates, so it may still claim they are ready)."""
    return [
        p
        for p in s.live_pods(pods)
        if not p[Pods.READY] or (text(p[Pods.NODE]) in nodes and not nodes[text(p[Pods.NODE])][Nodes.READY])
    ]


def _misscheduled(row: Mapping[str, Any], pods: list[s.Row], nodes: list[s.Row]) -> Finding:
    ref = ref_of(row)
    count = s.num(row[DaemonSets.MISSCHEDULED_PODS])
    selector = _node_selector(row)
    by_name = {str(n[Nodes.NAME]): n for n in nodes}
    wrong = []
    for pod in s.live_pods(pods):
        node = by_name.get(text(pod[Pods.NODE]))
        if node is not None and (not _fits(node, selector) or _taints(node)):
            wrong.append((pod, node))
    evidence = [Evidence("field", "status.numberMisscheduled", str(count))]
    for pod, node in wrong[: s.MAX_LISTED]:
        reasons = [] if _fits(node, selector) else ["labels no longer match the nodeSelector"]
        reasons.extend(f"taint {t}" for t in _taints(node))
        evidence.append(Evidence("field", "pod on", f"{node[Nodes.NAME]}: {', '.join(reasons)}", ref_of(pod)))
    return Finding(
        MISSCHEDULED,
        Severity.WARNING,
        ref,
        f"{ref} runs {s.plural(count, 'pod')} on nodes that should not run it",
        evidence=tuple(evidence),
        explanation=(
            "These daemon pods run on nodes the DaemonSet no longer selects: a node's labels or the "
            "nodeSelector changed, or the node got a taint the pods do not tolerate. The controller removes "
            "them only for NoExecute taints and label changes; NoSchedule taints leave them running. Check "
            "whether the node changes were intended, and delete the pods if so."
        ),
        docs_url=_TAINTS_DOCS,
        planners=(),
        related=tuple(dict.fromkeys(ref_of(node) for _, node in wrong)),
    )

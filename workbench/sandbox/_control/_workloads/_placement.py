"""Where a DaemonSet pod may run: node selector, required node affinity and taints/tolerations.

The checks the DaemonSet controller runs itself (``NodeShouldRunDaemonPod``), from
``k8s.io/component-helpers/scheduling/corev1``: ``nodeSelector`` labels, the terms of
``requiredDuringSchedulingIgnoredDuringExecution`` (ORed; each term's ``matchExpressions`` on
labels and ``matchFields`` on ``metadata.name`` ANDed), and the ``NoSchedule``/``NoExecute`` taints
the pod does not tolerate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.sandbox._store import Entry

# AddOrUpdateDaemonPodTolerations: what every daemon pod tolerates, so node conditions never evict it.
DAEMON_TOLERATIONS: tuple[dict[str, str], ...] = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
)
NETWORK_UNAVAILABLE = {
    "key": "node.kubernetes.io/network-unavailable",
    "operator": "Exists",
    "effect": "NoSchedule",
}


@dataclass(frozen=True)
class NodeInfo:
    """What placement needs of a node."""

    name: str
    labels: Mapping[str, str]
    taints: tuple[dict[str, Any], ...] = field(default=())


def node_info(entry: Entry) -> NodeInfo:
    """A node's name, labels and taints, decoding it only when it has taints."""
    name = entry.fields.get("metadata.name", "")
    taints: tuple[dict[str, Any], ...] = ()
    if b'"taints"' in entry.raw:
        taints = tuple((entry.decode().get("spec") or {}).get("taints") or ())
    return NodeInfo(name, dict(entry.labels), taints)


def with_daemon_tolerations(spec: dict[str, Any]) -> None:
    """Add the daemon pod tolerations a pod spec lacks (``AddOrUpdateDaemonPodTolerations``)."""
    tolerations: list[dict[str, Any]] = list(spec.get("tolerations") or ())
    wanted = list(DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(NETWORK_UNAVAILABLE)
    for toleration in wanted:
        same = [
            t
            for t in tolerations
            if (
                t.get("key", ""),
                t.get("operator", "Equal") or "Equal",
                t.get("value", ""),
                t.get("effect", ""),
            )
            == (toleration["key"], toleration["operator"], "", toleration["effect"])
        ]
        if not same:
            tolerations.append(dict(toleration))
    spec["tolerations"] = tolerations


def pin_to_node(spec: dict[str, Any], node: str) -> None:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: require the node by ``metadata.name``."""
    selector = {"key": "metadata.name", "operator": "In", "values": [node]}
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = required.get("nodeSelectorTerms") or []
    if not terms:
        terms = [{"matchFields": [selector]}]
    else:
        terms = [{**term, "matchFields": [dict(selector)]} for term in terms]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": terms}


def target_node(pod: Mapping[str, Any]) -> str | None:
    """``GetTargetNodeName``: the node a daemon pod is for (bound, or named in its affinity)."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or ():
        for expr in term.get("matchFields") or ():
            values: list[Any] = list(expr.get("values") or ())
            if expr.get("key") == "metadata.name" and expr.get("operator") == "In" and len(values) == 1:
                return str(values[0])
    return None


def _requirement(expr: Mapping[str, Any], value: str | None) -> bool:
    op = expr.get("operator")
    values = list(expr.get("values") or ())
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            left, right = int(value), int(values[0])
        except ValueError:
            return False
        return left > right if op == "Gt" else left < right
    return False


def _term_matches(term: Mapping[str, Any], node: NodeInfo) -> bool:
    expressions = list(term.get("matchExpressions") or ())
    fields = list(term.get("matchFields") or ())
    if not expressions and not fields:
        return False
    return all(_requirement(e, node.labels.get(str(e.get("key")))) for e in expressions) and all(
        _requirement(f, node.name if f.get("key") == "metadata.name" else None) for f in fields
    )


def fits_node(spec: Mapping[str, Any], node: NodeInfo) -> bool:
    """The pod's ``nodeName``, ``nodeSelector`` and required node affinity allow the node."""
    if spec.get("nodeName") and spec["nodeName"] != node.name:
        return False
    for key, value in (spec.get("nodeSelector") or {}).items():
        if node.labels.get(key) != value:
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms")
    if terms is None:
        return True
    return any(_term_matches(term, node) for term in terms)


def tolerates(tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    """``Toleration.ToleratesTaint`` for any of the tolerations."""
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("key") and t.get("key") != taint.get("key"):
            continue
        operator = t.get("operator") or "Equal"
        if operator == "Exists" or (
            operator == "Equal" and (t.get("value") or "") == (taint.get("value") or "")
        ):
            return True
    return False


def should_run(spec: Mapping[str, Any], node: NodeInfo) -> tuple[bool, bool]:
    """``NodeShouldRunDaemonPod`` for a pod spec (with daemon tolerations): (should run there,
    may keep running there). A NoSchedule taint keeps new pods off; only NoExecute evicts."""
    if not fits_node(spec, node):
        return False, False
    tolerations = list(spec.get("tolerations") or ())
    untolerated = [
        t
        for t in node.taints
        if t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t)
    ]
    if not untolerated:
        return True, True
    return False, not any(t.get("effect") == "NoExecute" for t in untolerated)

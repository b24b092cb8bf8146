"""kube-scheduler 1.32's filter plugins and its FitError text, as pure functions.

`run_filters` runs the default profile's filter plugins in their order — NodeUnschedulable,
TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, VolumeBinding, PodTopologySpread,
InterPodAffinity — and returns the first rejection, with the very reason strings the real plugins
use, and whether preemption could ever help there. `fit_error` turns the per-node rejections into
the FitError text (``0/3 nodes are available: ...``) with its sorted reason histogram.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.sandbox._control._fit import (
    NodeInfo,
    PodInfo,
    Reject,
    Resources,
    matches_node,
    tolerates,
    untolerated,
)
from workbench.sandbox._selectors import LabelSelector, label_selector_from_spec


def node_name_prefilter(pod: PodInfo, nodes: Mapping[str, NodeInfo]) -> tuple[list[str], str]:
    """NodeAffinity's PreFilter: when every required term names nodes (``matchFields metadata.name
    In``), only those are candidates; the rest are rejected with the returned reason."""
    required = (pod.affinity.get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    names: set[str] | None = None
    for term in required.get("nodeSelectorTerms") or []:
        term_names: set[str] | None = None
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In":
                values = set(req.get("values") or [])
                term_names = values if term_names is None else term_names & values
        if term_names is None:
            return sorted(nodes), ""
        names = term_names if names is None else names | term_names
    if names is None:
        return sorted(nodes), ""
    return sorted(n for n in names if n in nodes), "node(s) didn't satisfy plugin(s) [NodeAffinity]"


def fits_resources(request: Resources, node: NodeInfo) -> list[str]:
    """NodeResourcesFit's reasons (``Too many pods``, ``Insufficient cpu``...), in the plugin's order."""
    reasons = []
    if len(node.pods) + 1 > node.max_pods:
        reasons.append("Too many pods")
    if request.empty():
        return reasons
    used, alloc = node.requested(), node.allocatable
    if request.cpu > 0 and alloc.cpu < request.cpu + used.cpu:
        reasons.append("Insufficient cpu")
    if request.memory > 0 and alloc.memory < request.memory + used.memory:
        reasons.append("Insufficient memory")
    if request.storage > 0 and alloc.storage < request.storage + used.storage:
        reasons.append("Insufficient ephemeral-storage")
    for name, amount in sorted(request.scalars.items()):
        if amount > 0 and alloc.scalars.get(name, 0) < amount + used.scalars.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def ports_conflict(pod: PodInfo, node: NodeInfo) -> bool:
    used = [port for other in node.pods for port in other.ports]
    for ip, proto, port in pod.ports:
        for u_ip, u_proto, u_port in used:
            wildcard = "0.0.0.0" in (ip, u_ip)  # noqa: S104
            if port == u_port and proto == u_proto and (wildcard or ip == u_ip):
                return True
    return False


@dataclass(frozen=True)
class Context:
    """What a scheduling cycle knows besides the pod and one node: the whole snapshot, the pod's
    nodeSelector and DoNotSchedule spread constraints, the volume check, namespace labels, and the
    bound pods with required anti-affinity (which every candidate node must respect)."""

    nodes: Mapping[str, NodeInfo]
    node_selector: Mapping[str, str]
    spread: Sequence[Mapping[str, Any]] = ()
    volumes: Callable[[NodeInfo], Reject | None] = lambda _: None
    namespace_labels: Callable[[str], Mapping[str, str]] = lambda _: {}
    anti_affinity: Sequence[PodInfo] = ()
    image_spread: Callable[[str], float] = lambda _: 1.0
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    def with_nodes(self, nodes: Mapping[str, NodeInfo]) -> Context:
        """The same cycle over changed nodes (preemption's what-if), its memo cleared."""
        present = {p.uid for n in nodes.values() for p in n.pods}
        return replace(
            self, nodes=nodes, anti_affinity=[p for p in self.anti_affinity if p.uid in present], memo={}
        )

    def all_pods(self) -> list[PodInfo]:
        if "pods" not in self.memo:
            self.memo["pods"] = [p for n in self.nodes.values() for p in n.pods]
        pods: list[PodInfo] = self.memo["pods"]
        return pods


def run_filters(pod: PodInfo, node: NodeInfo, ctx: Context) -> Reject | None:
    """The default profile's filter plugins in order; the first rejection, or None when the pod fits."""
    if node.unschedulable and not any(
        tolerates(t, {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"})
        for t in pod.tolerations
    ):
        return Reject(("node(s) were unschedulable",))
    taint = untolerated(node.taints, pod.tolerations, ("NoSchedule", "NoExecute"))
    if taint is not None:
        return Reject(
            (f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value') or ''}}}",)
        )
    if not matches_node(pod, ctx.node_selector, node):
        return Reject(("node(s) didn't match Pod's node affinity/selector",))
    if ports_conflict(pod, node):
        return Reject(("node(s) didn't have free ports for the requested pod ports",), unresolvable=False)
    reasons = fits_resources(pod.requests, node)
    if reasons:
        return Reject(tuple(reasons), unresolvable=False)
    rejected = ctx.volumes(node)
    if rejected is not None:
        return rejected
    rejected = _spread(pod, node, ctx) if ctx.spread else None
    return rejected or _inter_pod_affinity(pod, node, ctx)


# -- topology spread (DoNotSchedule) and inter-pod affinity ----------------------------------------
def spread_selects(constraint: Mapping[str, Any], owner: PodInfo, pod: PodInfo) -> bool:
    """Whether `pod` counts for a spread constraint of `owner` (labelSelector plus matchLabelKeys)."""
    if pod.namespace != owner.namespace or pod.deleting:
        return False
    keys = [k for k in constraint.get("matchLabelKeys") or [] if k in owner.labels]
    return label_selector_from_spec(constraint.get("labelSelector")).matches(pod.labels) and all(
        pod.labels.get(k) == owner.labels[k] for k in keys
    )


def _spread_counts(pod: PodInfo, index: int, ctx: Context) -> dict[str, int]:
    """Matching pods per domain of constraint `index`, over the nodes the pod's node affinity allows."""
    memo_key = f"spread{index}"
    if memo_key not in ctx.memo:
        constraint = ctx.spread[index]
        key = constraint.get("topologyKey", "")
        counts: dict[str, int] = {}
        for other in ctx.nodes.values():
            if key in other.labels and matches_node(pod, ctx.node_selector, other):
                value = other.labels[key]
                counts[value] = counts.get(value, 0) + sum(
                    spread_selects(constraint, pod, p) for p in other.pods
                )
        ctx.memo[memo_key] = counts
    found: dict[str, int] = ctx.memo[memo_key]
    return found


def _spread(pod: PodInfo, node: NodeInfo, ctx: Context) -> Reject | None:
    """PodTopologySpread's filter over the pod's DoNotSchedule constraints."""
    for index, constraint in enumerate(ctx.spread):
        key = constraint.get("topologyKey", "")
        if key not in node.labels:
            return Reject(("node(s) didn't match pod topology spread constraints (missing required label)",))
        counts = _spread_counts(pod, index, ctx)
        fewest = min(counts.values(), default=0)
        if len(counts) < int(constraint.get("minDomains") or 1):
            fewest = 0
        own = 1 if spread_selects(constraint, pod, replace(pod, deleting=False)) else 0
        if counts.get(node.labels[key], 0) + own - fewest > int(constraint.get("maxSkew") or 1):
            return Reject(("node(s) didn't match pod topology spread constraints",), unresolvable=False)
    return None


def _term_selects(term: Mapping[str, Any], owner_ns: str, pod: PodInfo, ctx: Context) -> bool:
    """Whether a PodAffinityTerm written in namespace `owner_ns` selects `pod`."""
    namespaces = list(term.get("namespaces") or [])
    ns_selector = term.get("namespaceSelector")
    if not namespaces and ns_selector is None:
        namespaces = [owner_ns]
    in_ns = pod.namespace in namespaces or (
        ns_selector is not None
        and label_selector_from_spec(ns_selector).matches(ctx.namespace_labels(pod.namespace))
    )
    selector: LabelSelector = label_selector_from_spec(term.get("labelSelector"))
    return in_ns and selector.matches(pod.labels)


def _terms(affinity: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return list((affinity.get(kind) or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or [])


def _inter_pod_affinity(pod: PodInfo, node: NodeInfo, ctx: Context) -> Reject | None:
    """InterPodAffinity's filter: the pod's required affinity, its anti-affinity, then the bound pods'
    anti-affinity towards it."""
    affinity_terms = _terms(pod.affinity, "podAffinity")
    anti_terms = _terms(pod.affinity, "podAntiAffinity")
    if affinity_terms or anti_terms:
        pods = ctx.all_pods()
        for term in affinity_terms:
            key = term.get("topologyKey", "")
            domains = {
                ctx.nodes[p.node].labels.get(key)
                for p in pods
                if p.node in ctx.nodes and _term_selects(term, pod.namespace, p, ctx)
            }
            if not domains and _term_selects(term, pod.namespace, pod, ctx):
                continue  # the first pod of a group that wants to be together may go anywhere
            if key not in node.labels or node.labels[key] not in domains:
                return Reject(("node(s) didn't match pod affinity rules",))
        for term in anti_terms:
            key = term.get("topologyKey", "")
            if key in node.labels and any(
                p.node in ctx.nodes
                and ctx.nodes[p.node].labels.get(key) == node.labels[key]
                and _term_selects(term, pod.namespace, p, ctx)
                for p in pods
            ):
                return Reject(("node(s) didn't match pod anti-affinity rules",), unresolvable=False)
    for other in ctx.anti_affinity:
        other_node = ctx.nodes.get(other.node)
        if other_node is None:
            continue
        for term in _terms(other.affinity, "podAntiAffinity"):
            key = term.get("topologyKey", "")
            if (
                key in node.labels
                and other_node.labels.get(key) == node.labels[key]
                and _term_selects(term, other.namespace, pod, ctx)
            ):
                return Reject(
                    ("node(s) didn't satisfy existing pods anti-affinity rules",), unresolvable=False
                )
    return None


# -- the FitError text -----------------------------------------------------------------------------
def fit_error(
    num_nodes: int,
    statuses: Mapping[str, Reject],
    *,
    prefilter: str = "",
    absent: str = "",
    postfilter: str = "",
) -> str:
    """``FitError.Error()``: ``0/N nodes are available:`` then the PreFilter message or the sorted
    histogram of the nodes' reasons (nodes without a status count under `absent`), then the
    PostFilter (preemption) message."""
    text = f"0/{num_nodes} nodes are available:"
    if prefilter:
        text += f" {prefilter}."
    else:
        counts: dict[str, int] = {}
        for reject in statuses.values():
            for reason in reject.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        if absent and len(statuses) < num_nodes:
            counts[absent] = counts.get(absent, 0) + num_nodes - len(statuses)
        histogram = sorted(f"{n} {reason}" for reason, n in counts.items())
        if histogram:
            text += f" {', '.join(histogram)}."
    if postfilter:
        text += f" {postfilter}"
    return text

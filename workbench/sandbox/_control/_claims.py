"""Claims, volumes and classes: what the PV controller and the scheduler's VolumeBinding plugin share.

`claim_class` resolves a claim's StorageClass (the beta annotation wins over the field; a claim with
no class at all gets the default class, as the DefaultStorageClass admission plugin and the
retroactive default assignment give it). `find_volume` is ``findMatchingVolume``: the smallest
Available volume of the class whose capacity, access modes, volume mode, selector and (for a
node) node affinity fit, a volume pre-bound to the claim first. `plan_pod_volumes` is the
scheduler's VolumeBinding PreFilter, and its `VolumePlan.check` the per-node Filter, with the real
reason strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workbench.sandbox._control._cluster import Cluster
from workbench.sandbox._control._fit import NodeInfo, Reject, Resources, node_selector_matches
from workbench.sandbox._selectors import label_selector_from_spec

SELECTED_NODE = "volume.kubernetes.io/selected-node"
BETA_CLASS = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
NO_PROVISIONER = "kubernetes.io/no-provisioner"
WAIT_FOR_CONSUMER = "WaitForFirstConsumer"


def _storage(obj: Mapping[str, Any], *path: str) -> int:
    node: Any = obj
    for key in path:
        node = (node or {}).get(key) if isinstance(node, Mapping) else None
    return Resources.of({"ephemeral-storage": node}).storage if node is not None else 0


def default_class(cluster: Cluster) -> dict[str, Any] | None:
    """The default StorageClass (the newest, when several claim to be)."""
    found = [
        c
        for c in cluster.objects("StorageClass")
        if any((c["metadata"].get("annotations") or {}).get(a) == "true" for a in DEFAULT_CLASS)
    ]
    found.sort(key=lambda c: (c["metadata"].get("creationTimestamp") or "", c["metadata"]["name"]))
    return found[-1] if found else None


def claim_class(cluster: Cluster, pvc: Mapping[str, Any]) -> str:
    """``GetPersistentVolumeClaimClass``, with the default class for a claim that names none."""
    annotations = pvc["metadata"].get("annotations") or {}
    if BETA_CLASS in annotations:
        return str(annotations[BETA_CLASS])
    name = (pvc.get("spec") or {}).get("storageClassName")
    if name is None:
        default = default_class(cluster)
        return default["metadata"]["name"] if default is not None else ""
    return str(name)


def volume_class(pv: Mapping[str, Any]) -> str:
    annotations = pv["metadata"].get("annotations") or {}
    return str(annotations.get(BETA_CLASS) or (pv.get("spec") or {}).get("storageClassName") or "")


def delays_binding(cls: Mapping[str, Any] | None) -> bool:
    return cls is not None and cls.get("volumeBindingMode") == WAIT_FOR_CONSUMER


def _prebound(pv: Mapping[str, Any], pvc: Mapping[str, Any]) -> bool:
    ref = (pv.get("spec") or {}).get("claimRef") or {}
    meta = pvc["metadata"]
    return (
        ref.get("name") == meta["name"]
        and ref.get("namespace") == meta.get("namespace")
        and ref.get("uid") in (None, "", meta.get("uid"))
    )


def find_volume(
    pvc: Mapping[str, Any],
    pvs: Iterable[Mapping[str, Any]],
    class_name: str,
    *,
    node: NodeInfo | None = None,
    delayed: bool = False,
) -> dict[str, Any] | None:
    """The volume a claim should bind to: one pre-bound to it, else the smallest fitting Available one.

    With delayed binding and no node, only a pre-bound volume is taken (the scheduler picks the rest).
    """
    spec = pvc.get("spec") or {}
    want = _storage(pvc, "spec", "resources", "requests", "storage")
    modes = set(spec.get("accessModes") or [])
    mode = spec.get("volumeMode") or "Filesystem"
    selector = label_selector_from_spec(spec["selector"]) if spec.get("selector") else None
    best: dict[str, Any] | None = None
    for pv in pvs:
        pv_spec = pv.get("spec") or {}
        if pv["metadata"].get("deletionTimestamp"):
            continue
        if (pv_spec.get("volumeMode") or "Filesystem") != mode or not modes <= set(
            pv_spec.get("accessModes") or []
        ):
            continue
        size = _storage(pv, "spec", "capacity", "storage")
        if size < want or volume_class(pv) != class_name:
            continue
        if node is not None:
            required = (pv_spec.get("nodeAffinity") or {}).get("required")
            if not node_selector_matches(required, node.labels, node.name):
                continue
        if pv_spec.get("claimRef"):
            if _prebound(pv, pvc):
                return dict(pv)
            continue
        if (pv.get("status") or {}).get("phase") not in (None, "", "Available"):
            continue
        if selector is not None and not selector.matches(pv["metadata"].get("labels") or {}):
            continue
        if delayed and node is None:
            continue
        if best is None or size < _storage(best, "spec", "capacity", "storage"):
            best = dict(pv)
    return best


@dataclass
class VolumePlan:
    """VolumeBinding for one pod: its PreFilter verdict, and what each node would need."""

    prefilter: str = ""
    bound: list[dict[str, Any]] = field(default_factory=list)  # the PVs of its bound claims
    missing_pv: bool = False
    delayed: list[tuple[dict[str, Any], str, dict[str, Any]]] = field(
        default_factory=list
    )  # (pvc, class, sc)
    pvs: list[dict[str, Any]] = field(default_factory=list)

    def check(self, node: NodeInfo) -> Reject | None:
        """The Filter: volume node affinity, missing volumes, and whether each unbound claim can get one."""
        reasons = []
        if self.missing_pv:
            reasons.append("node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)")
        for pv in self.bound:
            required = ((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required")
            if not node_selector_matches(required, node.labels, node.name):
                reasons.append("node(s) had volume node affinity conflict")
                break
        if any(self.choose(node, pvc, name, sc) is None for pvc, name, sc in self.delayed):
            reasons.append("node(s) didn't find available persistent volumes to bind")
        return Reject(tuple(reasons)) if reasons else None

    def choose(
        self, node: NodeInfo, pvc: Mapping[str, Any], class_name: str, sc: Mapping[str, Any]
    ) -> dict[str, Any] | str | None:
        """For an unbound delayed claim on `node`: a volume to bind, ``"provision"``, or None."""
        selected = (pvc["metadata"].get("annotations") or {}).get(SELECTED_NODE)
        if selected and selected != node.name:
            return None
        pv = find_volume(pvc, self.pvs, class_name, node=node, delayed=True)
        if pv is not None:
            return pv
        if sc.get("provisioner") == NO_PROVISIONER:
            return None
        topologies = sc.get("allowedTopologies") or []
        if topologies and not node_selector_matches(
            {"nodeSelectorTerms": [_topology_term(t) for t in topologies]}, node.labels, node.name
        ):
            return None
        return "provision"


def _topology_term(term: Mapping[str, Any]) -> dict[str, Any]:
    exprs = [
        {"key": e.get("key"), "operator": "In", "values": e.get("values") or []}
        for e in term.get("matchLabelExpressions") or []
    ]
    return {"matchExpressions": exprs}


def pod_claims(pod: Mapping[str, Any]) -> list[str]:
    return [
        str(v["persistentVolumeClaim"].get("claimName", ""))
        for v in (pod.get("spec") or {}).get("volumes") or []
        if isinstance(v.get("persistentVolumeClaim"), Mapping)
    ]


def plan_pod_volumes(cluster: Cluster, pod: Mapping[str, Any]) -> VolumePlan:
    """VolumeRestrictions' and VolumeBinding's PreFilter over the pod's claims."""
    plan = VolumePlan()
    namespace = pod["metadata"].get("namespace", "")
    claims = pod_claims(pod)
    if not claims:
        return plan
    pvcs = []
    for name in claims:
        pvc = cluster.get("PersistentVolumeClaim", namespace, name)
        if pvc is None:
            plan.prefilter = f'persistentvolumeclaim "{name}" not found'
            return plan
        pvcs.append(pvc)
    plan.pvs = cluster.objects("PersistentVolume")
    unbound_immediate = False
    for pvc in pvcs:
        if pvc["metadata"].get("deletionTimestamp"):
            plan.prefilter = f'persistentvolumeclaim "{pvc["metadata"]["name"]}" is being deleted'
            return plan
        volume = (pvc.get("spec") or {}).get("volumeName")
        if volume:
            pv = next((v for v in plan.pvs if v["metadata"]["name"] == volume), None)
            if pv is None:
                plan.missing_pv = True
            else:
                plan.bound.append(pv)
            continue
        name = claim_class(cluster, pvc)
        sc = cluster.get("StorageClass", "", name) if name else None
        if sc is not None and delays_binding(sc):
            plan.delayed.append((pvc, name, sc))
        else:
            unbound_immediate = True
    if unbound_immediate:
        plan.prefilter = "pod has unbound immediate PersistentVolumeClaims"
    return plan

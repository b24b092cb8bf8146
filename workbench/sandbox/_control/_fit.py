"""kube-scheduler 1.32's view of pods and nodes: requests, taints and tolerations, node affinity.

`PodInfo` and `NodeInfo` hold what the scheduler's cache keeps: a pod's requests (the init-container
max rule, sidecars and overhead included), its non-zero requests for scoring (100m CPU and 200Mi for
a container that asks for nothing), host ports and affinity terms; a node's allocatable, taints,
labels, images and the pods bound to it. The matching rules (``ToleratesTaint``, node selector
terms with In/NotIn/Exists/DoesNotExist/Gt/Lt and ``metadata.name`` fields) are shared with the
node lifecycle controller and the volume binder.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from workbench.errors import QuantityError
from workbench.quantity import parse_quantity
from workbench.sandbox._control._apps import parse_image

HOSTNAME = "kubernetes.io/hostname"
NON_ZERO_CPU = 100  # millicores the scheduler assumes for a container without a CPU request
NON_ZERO_MEMORY = 200 * 2**20
_BASIC = ("cpu", "memory", "ephemeral-storage", "pods")


@dataclass(frozen=True)
class Reject:
    """A filter's verdict on a node: its reasons, and whether preemption could ever help there."""

    reasons: tuple[str, ...]
    unresolvable: bool = True


# -- quantities ----------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _amount(raw: object, milli: bool = False) -> int:
    """A quantity as the scheduler counts it: MilliValue() for CPU, Value() (rounded up) otherwise."""
    if not isinstance(raw, (str, int, float)):
        return 0
    try:
        value = parse_quantity(raw).value
    except QuantityError:
        return 0
    return math.ceil(value * 1000) if milli else math.ceil(value)


@dataclass
class Resources:
    """CPU in millicores, memory and ephemeral storage in bytes, other resources by name."""

    cpu: int = 0
    memory: int = 0
    storage: int = 0
    scalars: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, resources: Mapping[str, Any] | None) -> Resources:
        out = cls()
        for name, raw in (resources or {}).items():
            if name == "cpu":
                out.cpu = _amount(raw, milli=True)
            elif name == "memory":
                out.memory = _amount(raw)
            elif name == "ephemeral-storage":
                out.storage = _amount(raw)
            elif name != "pods":
                out.scalars[name] = _amount(raw)
        return out

    def plus(self, other: Resources, sign: int = 1) -> Resources:
        scalars = dict(self.scalars)
        for name, amount in other.scalars.items():
            scalars[name] = scalars.get(name, 0) + sign * amount
        return Resources(
            self.cpu + sign * other.cpu,
            self.memory + sign * other.memory,
            self.storage + sign * other.storage,
            scalars,
        )

    def at_least(self, other: Resources) -> Resources:
        names = set(self.scalars) | set(other.scalars)
        return Resources(
            max(self.cpu, other.cpu),
            max(self.memory, other.memory),
            max(self.storage, other.storage),
            {n: max(self.scalars.get(n, 0), other.scalars.get(n, 0)) for n in names},
        )

    def empty(self) -> bool:
        return not (self.cpu or self.memory or self.storage or any(self.scalars.values()))


def _requests(container: Mapping[str, Any]) -> Mapping[str, Any]:
    resources = container.get("resources") or {}
    # Defaulting copies limits into missing requests; a pod loaded without it is read the same way.
    return {**(resources.get("limits") or {}), **(resources.get("requests") or {})}


def pod_requests(spec: Mapping[str, Any], *, non_zero: bool = False) -> Resources:
    """What a pod asks of a node (``resourcehelper.PodRequests``): its containers' sum, at least the
    largest init container (plus the sidecars started before it), sidecars, and the pod overhead."""

    def of(container: Mapping[str, Any]) -> Resources:
        res = Resources.of(_requests(container))
        if non_zero:
            res.cpu = res.cpu or NON_ZERO_CPU
            res.memory = res.memory or NON_ZERO_MEMORY
        return res

    total = Resources()
    for container in spec.get("containers") or []:
        total = total.plus(of(container))
    sidecars = Resources()
    init_max = Resources()
    for container in spec.get("initContainers") or []:
        res = of(container)
        if container.get("restartPolicy") == "Always":
            sidecars = sidecars.plus(res)
            init_max = init_max.at_least(sidecars)
        else:
            init_max = init_max.at_least(res.plus(sidecars))
    total = total.plus(sidecars).at_least(init_max)
    return total.plus(Resources.of(spec.get("overhead")))


# -- pods and nodes ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PodInfo:
    """A pod as the scheduler's cache holds it."""

    namespace: str
    name: str
    uid: str
    node: str
    labels: Mapping[str, str]
    priority: int
    requests: Resources
    non_zero: Resources
    ports: tuple[tuple[str, str, int], ...]  # (hostIP, protocol, hostPort)
    affinity: Mapping[str, Any]
    tolerations: tuple[Mapping[str, Any], ...]
    created: str
    deleting: bool
    images: tuple[str, ...] = ()

    @classmethod
    def of(cls, pod: Mapping[str, Any]) -> PodInfo:
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        containers = [
            *(spec.get("containers") or []),
            *(c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"),
        ]
        ports = tuple(
            (p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(p["hostPort"]))  # noqa: S104
            for c in containers
            for p in c.get("ports") or []
            if p.get("hostPort")
        )
        return cls(
            namespace=meta.get("namespace", ""),
            name=meta.get("name", ""),
            uid=meta.get("uid", ""),
            node=spec.get("nodeName") or "",
            labels=dict(meta.get("labels") or {}),
            priority=int(spec.get("priority") or 0),
            requests=pod_requests(spec),
            non_zero=pod_requests(spec, non_zero=True),
            ports=ports,
            affinity=spec.get("affinity") or {},
            tolerations=tuple(spec.get("tolerations") or ()),
            created=meta.get("creationTimestamp") or "",
            deleting=bool(meta.get("deletionTimestamp")),
            images=tuple(str(c.get("image") or "") for c in spec.get("containers") or []),
        )


@dataclass(frozen=True)
class NodeInfo:
    """A node and the (non-terminal) pods bound to it."""

    name: str
    labels: Mapping[str, str]
    taints: tuple[Mapping[str, Any], ...]
    unschedulable: bool
    allocatable: Resources
    max_pods: int
    images: Mapping[str, int]  # image name → size in bytes
    pods: tuple[PodInfo, ...] = ()

    @classmethod
    def of(cls, node: Mapping[str, Any], pods: Iterable[PodInfo] = ()) -> NodeInfo:
        spec, status = node.get("spec") or {}, node.get("status") or {}
        alloc = status.get("allocatable") or status.get("capacity") or {}
        images = {
            name: int(i.get("sizeBytes") or 0) for i in status.get("images") or [] for name in i["names"]
        }
        return cls(
            name=node["metadata"]["name"],
            labels=dict(node["metadata"].get("labels") or {}),
            taints=tuple(spec.get("taints") or ()),
            unschedulable=bool(spec.get("unschedulable")),
            allocatable=Resources.of(alloc),
            max_pods=_amount(alloc.get("pods", 0)),
            images=images,
            pods=tuple(pods),
        )

    @cached_property
    def _used(self) -> Resources:
        total = Resources()
        for pod in self.pods:
            total = total.plus(pod.requests)
        return total

    @cached_property
    def _used_non_zero(self) -> Resources:
        total = Resources()
        for pod in self.pods:
            total = total.plus(pod.non_zero)
        return total

    def requested(self, *, non_zero: bool = False) -> Resources:
        """The sum of the requests of the node's pods (non-zero requests: as scoring counts them)."""
        return self._used_non_zero if non_zero else self._used

    def with_pods(self, pods: Iterable[PodInfo]) -> NodeInfo:
        return replace(self, pods=tuple(pods))


# -- taints and node affinity ----------------------------------------------------------------------------
def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """``Toleration.ToleratesTaint``: effect and key (empty matches all), then the operator."""
    if toleration.get("effect") and toleration["effect"] != taint.get("effect"):
        return False
    if toleration.get("key") and toleration["key"] != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated(
    taints: Iterable[Mapping[str, Any]], tolerations: Sequence[Mapping[str, Any]], effects: Sequence[str]
) -> Mapping[str, Any] | None:
    """The first taint with one of `effects` that no toleration tolerates."""
    for taint in taints:
        if taint.get("effect") in effects and not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def _requirement(req: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, op, values = req.get("key", ""), req.get("operator"), list(req.get("values") or [])
    present = key in labels
    if op == "In":
        return present and labels[key] in values
    if op == "NotIn":
        return not present or labels[key] not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and len(values) == 1:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def term_matches(term: Mapping[str, Any], labels: Mapping[str, str], name: str) -> bool:
    """One ``NodeSelectorTerm``: its expressions and fields ANDed; an empty term matches nothing."""
    exprs, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not exprs and not fields:
        return False
    for req in fields:
        values = req.get("values") or []
        if req.get("key") != "metadata.name" or req.get("operator") not in ("In", "NotIn"):
            return False
        if (name in values) != (req["operator"] == "In"):
            return False
    return all(_requirement(r, labels) for r in exprs)


def node_selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str], name: str) -> bool:
    """A ``NodeSelector`` (terms ORed); None matches every node."""
    if selector is None:
        return True
    return any(term_matches(t, labels, name) for t in selector.get("nodeSelectorTerms") or [])


def required_node_affinity(pod: PodInfo) -> Mapping[str, Any] | None:
    node_affinity = pod.affinity.get("nodeAffinity") or {}
    selector: Mapping[str, Any] | None = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    return selector


def matches_node(pod: PodInfo, node_selector: Mapping[str, str], node: NodeInfo) -> bool:
    """NodeAffinity's filter: the pod's nodeSelector and its required node affinity."""
    if any(node.labels.get(k) != v for k, v in node_selector.items()):
        return False
    return node_selector_matches(required_node_affinity(pod), node.labels, node.name)


def image_name(ref: str) -> str:
    """How a node's image list names `ref` (``nginx`` → ``docker.io/library/nginx:latest``)."""
    parsed = parse_image(ref)
    return parsed.full if parsed is not None else ref

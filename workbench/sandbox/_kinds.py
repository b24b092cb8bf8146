"""The resource types the sandbox serves: names, scopes, versions, verbs and selectable fields.

One `ResourceType` per resource (``pods``, ``deployments.apps``...). A resource is stored in one
version (its storage version) and may be served in several (CronJob as batch/v1 and v1beta1, HPA as
autoscaling/v1, v2beta2 and v2, Event as core/v1 and events.k8s.io/v1); `_convert.py` translates.
Custom resources get a `ResourceType` built from their CustomResourceDefinition at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")

FieldExtractor = Callable[[Mapping[str, Any]], dict[str, str]]


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A served resource.

    Attributes:
        group: API group ("" for core).
        versions: served versions, preferred first; `storage_version` is the one objects are kept in.
        plural / singular / kind: the names discovery advertises.
        namespaced: whether objects live in a namespace.
        short_names / categories: for kubectl's ``po`` and ``get all``.
        subresources: ``status``, ``scale``, ``log``...
        verbs: the verbs discovery advertises for the main resource.
        fields: extra field-selector labels beyond metadata.name/namespace, and how to read them.
        has_status / has_spec_generation: whether the status subresource exists and spec changes bump
            ``metadata.generation``.
    """

    group: str
    versions: tuple[str, ...]
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    fields: Mapping[str, Callable[[Mapping[str, Any]], str]] = field(default_factory=dict)
    has_status: bool = False
    has_spec_generation: bool = False
    storage_version: str = ""
    printer_columns: tuple[Mapping[str, Any], ...] = ()
    """For custom resources: the CRD's ``additionalPrinterColumns``."""

    @property
    def key(self) -> str:
        """``pods`` for core resources, ``deployments.apps`` otherwise (the qualified resource)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def stored_in(self) -> str:
        return self.storage_version or self.versions[0]

    def api_version(self, version: str | None = None) -> str:
        v = version or self.stored_in
        return f"{self.group}/{v}" if self.group else v

    def field_values(self, obj: Mapping[str, Any]) -> dict[str, str]:
        """The field-selector values of `obj`: metadata.name/namespace plus this type's own fields."""
        meta = obj.get("metadata") or {}
        values = {
            "metadata.name": str(meta.get("name", "")),
            "metadata.namespace": str(meta.get("namespace", "")),
        }
        for name, read in self.fields.items():
            values[name] = read(obj)
        return values

    def supports_field(self, name: str) -> bool:
        return name in ("metadata.name", "metadata.namespace") or name in self.fields


def _path(*keys: str) -> Callable[[Mapping[str, Any]], str]:
    """A reader for a nested field; absent values read as "" (how the apiserver compares them)."""

    def read(obj: Mapping[str, Any]) -> str:
        cur: Any = obj
        for k in keys:
            # Objects are JSON-decoded dicts; the exact type check keeps bulk loads of 150k pods fast.
            if type(cur) is not dict:
                return ""
            cur = cur.get(k)
        if cur is None:
            return ""
        if cur is True or cur is False:
            return "true" if cur else "false"
        return cur if type(cur) is str else str(cur)

    return read


_EVENT_FIELDS = {
    **{
        f"involvedObject.{k}": _path("involvedObject", k)
        for k in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
    "reason": _path("reason"),
    "reportingComponent": _path("reportingComponent"),
    "source": _path("source", "component"),
    "type": _path("type"),
}
_EVENT_V1_FIELDS = {
    **{
        f"regarding.{k}": _path("regarding", k)
        for k in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
    "reason": _path("reason"),
    "reportingController": _path("reportingController"),
    "type": _path("type"),
}
_POD_FIELDS = {
    "spec.nodeName": _path("spec", "nodeName"),
    "spec.restartPolicy": _path("spec", "restartPolicy"),
    "spec.schedulerName": _path("spec", "schedulerName"),
    "spec.serviceAccountName": _path("spec", "serviceAccountName"),
    "spec.hostNetwork": _path("spec", "hostNetwork"),
    "status.phase": _path("status", "phase"),
    "status.podIP": _path("status", "podIP"),
    "status.nominatedNodeName": _path("status", "nominatedNodeName"),
}


BUILTIN: tuple[ResourceType, ...] = (
    # core/v1
    ResourceType(
        "",
        ("v1",),
        "namespaces",
        "namespace",
        "Namespace",
        False,
        ("ns",),
        subresources=("status", "finalize"),
        fields={"status.phase": _path("status", "phase")},
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        has_status=True,
    ),
    ResourceType(
        "",
        ("v1",),
        "nodes",
        "node",
        "Node",
        False,
        ("no",),
        subresources=("status", "proxy"),
        fields={"spec.unschedulable": _path("spec", "unschedulable")},
        has_status=True,
    ),
    ResourceType(
        "",
        ("v1",),
        "pods",
        "pod",
        "Pod",
        True,
        ("po",),
        ("all",),
        (
            "status",
            "log",
            "exec",
            "attach",
            "portforward",
            "eviction",
            "binding",
            "proxy",
            "ephemeralcontainers",
        ),
        fields=_POD_FIELDS,
        has_status=True,
    ),
    ResourceType(
        "",
        ("v1",),
        "services",
        "service",
        "Service",
        True,
        ("svc",),
        ("all",),
        ("status", "proxy"),
        has_status=True,
    ),
    ResourceType("", ("v1",), "endpoints", "endpoints", "Endpoints", True, ("ep",)),
    ResourceType("", ("v1",), "configmaps", "configmap", "ConfigMap", True, ("cm",)),
    ResourceType("", ("v1",), "secrets", "secret", "Secret", True, fields={"type": _path("type")}),
    ResourceType(
        "",
        ("v1",),
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        True,
        ("sa",),
        subresources=("token",),
    ),
    ResourceType(
        "",
        ("v1",),
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        False,
        ("pv",),
        subresources=("status",),
        has_status=True,
    ),
    ResourceType(
        "",
        ("v1",),
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        True,
        ("pvc",),
        subresources=("status",),
        has_status=True,
    ),
    ResourceType("", ("v1",), "events", "event", "Event", True, ("ev",), fields=_EVENT_FIELDS),
    # apps/v1
    ResourceType(
        "apps",
        ("v1",),
        "deployments",
        "deployment",
        "Deployment",
        True,
        ("deploy",),
        ("all",),
        ("status", "scale"),
        has_status=True,
        has_spec_generation=True,
    ),
    ResourceType(
        "apps",
        ("v1",),
        "replicasets",
        "replicaset",
        "ReplicaSet",
        True,
        ("rs",),
        ("all",),
        ("status", "scale"),
        fields={"status.replicas": _path("status", "replicas")},
        has_status=True,
        has_spec_generation=True,
    ),
    ResourceType(
        "apps",
        ("v1",),
        "statefulsets",
        "statefulset",
        "StatefulSet",
        True,
        ("sts",),
        ("all",),
        ("status", "scale"),
        has_status=True,
        has_spec_generation=True,
    ),
    ResourceType(
        "apps",
        ("v1",),
        "daemonsets",
        "daemonset",
        "DaemonSet",
        True,
        ("ds",),
        ("all",),
        ("status",),
        has_status=True,
        has_spec_generation=True,
    ),
    ResourceType("apps", ("v1",), "controllerrevisions", "controllerrevision", "ControllerRevision", True),
    # batch
    ResourceType(
        "batch",
        ("v1",),
        "jobs",
        "job",
        "Job",
        True,
        (),
        ("all",),
        ("status",),
        fields={"status.successful": _path("status", "succeeded")},
        has_status=True,
        has_spec_generation=True,
    ),
    ResourceType(
        "batch",
        ("v1", "v1beta1"),
        "cronjobs",
        "cronjob",
        "CronJob",
        True,
        ("cj",),
        ("all",),
        ("status",),
        has_status=True,
        has_spec_generation=True,
    ),
    # autoscaling: stored as v2, served as v2, v1 and v2beta2 (kubectl describe asks for v2beta2 first
    # on older clients).
    ResourceType(
        "autoscaling",
        ("v2", "v1", "v2beta2"),
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        True,
        ("hpa",),
        ("all",),
        ("status",),
        has_status=True,
        has_spec_generation=True,
    ),
    # networking
    ResourceType(
        "networking.k8s.io",
        ("v1",),
        "ingresses",
        "ingress",
        "Ingress",
        True,
        ("ing",),
        subresources=("status",),
        has_status=True,
        has_spec_generation=True,
    ),
    ResourceType("networking.k8s.io", ("v1",), "ingressclasses", "ingressclass", "IngressClass", False),
    ResourceType(
        "networking.k8s.io",
        ("v1",),
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        True,
        ("netpol",),
        has_spec_generation=True,
    ),
    ResourceType("discovery.k8s.io", ("v1",), "endpointslices", "endpointslice", "EndpointSlice", True),
    ResourceType(
        "policy",
        ("v1",),
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        True,
        ("pdb",),
        subresources=("status",),
        has_status=True,
        has_spec_generation=True,
    ),
    # rbac
    ResourceType("rbac.authorization.k8s.io", ("v1",), "roles", "role", "Role", True),
    ResourceType("rbac.authorization.k8s.io", ("v1",), "rolebindings", "rolebinding", "RoleBinding", True),
    ResourceType("rbac.authorization.k8s.io", ("v1",), "clusterroles", "clusterrole", "ClusterRole", False),
    ResourceType(
        "rbac.authorization.k8s.io",
        ("v1",),
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        False,
    ),
    ResourceType(
        "scheduling.k8s.io", ("v1",), "priorityclasses", "priorityclass", "PriorityClass", False, ("pc",)
    ),
    ResourceType(
        "",
        ("v1",),
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        True,
        ("quota",),
        subresources=("status",),
        has_status=True,
    ),
    ResourceType("", ("v1",), "limitranges", "limitrange", "LimitRange", True, ("limits",)),
    ResourceType("storage.k8s.io", ("v1",), "storageclasses", "storageclass", "StorageClass", False, ("sc",)),
    ResourceType("coordination.k8s.io", ("v1",), "leases", "lease", "Lease", True),
    ResourceType(
        "events.k8s.io", ("v1",), "events", "event", "Event", True, ("ev",), fields=_EVENT_V1_FIELDS
    ),
    ResourceType(
        "apiextensions.k8s.io",
        ("v1",),
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        subresources=("status",),
        has_status=True,
        has_spec_generation=True,
    ),
    # read-only metrics (served from simulated usage, not stored)
    ResourceType("metrics.k8s.io", ("v1beta1",), "nodes", "", "NodeMetrics", False, verbs=READ_VERBS),
    ResourceType("metrics.k8s.io", ("v1beta1",), "pods", "", "PodMetrics", True, verbs=READ_VERBS),
    # create-only reviews
    ResourceType(
        "authorization.k8s.io",
        ("v1",),
        "selfsubjectaccessreviews",
        "",
        "SelfSubjectAccessReview",
        False,
        verbs=("create",),
    ),
    ResourceType(
        "authorization.k8s.io",
        ("v1",),
        "selfsubjectrulesreviews",
        "",
        "SelfSubjectRulesReview",
        False,  # cluster-scoped like the real one: the namespace asked about is in spec.namespace
        verbs=("create",),
    ),
    # `kubectl auth whoami`
    ResourceType(
        "authentication.k8s.io",
        ("v1",),
        "selfsubjectreviews",
        "selfsubjectreview",
        "SelfSubjectReview",
        False,
        verbs=("create",),
    ),
)

# events.k8s.io/v1 events are a second view of the core/v1 event store.
ALIASES = {"events.events.k8s.io": "events"}
VIRTUAL = frozenset(
    {
        "nodes.metrics.k8s.io",
        "pods.metrics.k8s.io",
        "selfsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectrulesreviews.authorization.k8s.io",
        "selfsubjectreviews.authentication.k8s.io",
    }
)


class Registry:
    """Looks up resource types by group/version/plural or by kind; grows when CRDs are created."""

    def __init__(self, types: Iterable[ResourceType] = BUILTIN) -> None:
        self._by_key: dict[str, ResourceType] = {}
        self._custom: set[str] = set()
        for t in types:
            self.add(t)

    def add(self, rtype: ResourceType, *, custom: bool = False) -> None:
        self._by_key[rtype.key] = rtype
        if custom:
            self._custom.add(rtype.key)

    def remove(self, key: str) -> None:
        self._by_key.pop(key, None)
        self._custom.discard(key)

    def is_custom(self, rtype: ResourceType) -> bool:
        return rtype.key in self._custom

    def storage_key(self, rtype: ResourceType) -> str:
        """The store bucket objects of `rtype` live in (events.k8s.io events share core's)."""
        return ALIASES.get(rtype.key, rtype.key)

    def storage_type(self, rtype: ResourceType) -> ResourceType:
        """The type whose shape stored objects have: core Event for the events.k8s.io view."""
        alias = ALIASES.get(rtype.key)
        return self._by_key[alias] if alias else rtype

    def is_virtual(self, rtype: ResourceType) -> bool:
        return rtype.key in VIRTUAL

    def get(self, key: str) -> ResourceType | None:
        """The type by qualified resource (``pods``, ``deployments.apps``), e.g. a store bucket's."""
        return self._by_key.get(key)

    def find(self, group: str, version: str, plural: str) -> ResourceType | None:
        rtype = self._by_key.get(f"{plural}.{group}" if group else plural)
        if rtype is None or version not in rtype.versions:
            return None
        return rtype

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        for rtype in self._by_key.values():
            if rtype.kind == kind and rtype.group == group and version in rtype.versions:
                return rtype
        return None

    def groups(self) -> dict[str, list[str]]:
        """group → served versions (preferred first), in a stable order; core excluded."""
        out: dict[str, list[str]] = {}
        for rtype in self._by_key.values():
            if not rtype.group:
                continue
            versions = out.setdefault(rtype.group, [])
            for v in rtype.versions:
                if v not in versions:
                    versions.append(v)
        return out

    def in_version(self, group: str, version: str) -> list[ResourceType]:
        return [t for t in self._by_key.values() if t.group == group and version in t.versions]

    def all(self) -> list[ResourceType]:
        return list(self._by_key.values())

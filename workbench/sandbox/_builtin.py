"""The built-in resource types the sandbox serves, with their selectable fields.

`ALIASES` maps a view onto another type's store bucket (events.k8s.io events are core events);
`VIRTUAL` types are computed on request (metrics, reviews), never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workbench.sandbox._kinds import READ_VERBS, ResourceType


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

"""The kinds the data layer reads, each with the frame it feeds and where the API serves it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    """A resource the data layer lists.

    Attributes:
        frame: the frame it feeds (``pods``), or for custom resources ``<plural>.<group>``.
        kind: the object kind (``Pod``).
        group: the API group, ``""`` for the core group.
        version: the API version served.
        plural: the resource name in URLs (``pods``).
        namespaced: whether objects live in namespaces.
    """

    frame: str
    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        """``v1`` or ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None) -> str:
        """The list URL path, for one namespace or (``None``) all of them."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


def _k(frame: str, kind: str, group: str, version: str, *, namespaced: bool = True) -> Kind:
    return Kind(frame, kind, group, version, frame, namespaced)


BUILTIN: tuple[Kind, ...] = (
    _k("namespaces", "Namespace", "", "v1", namespaced=False),
    _k("nodes", "Node", "", "v1", namespaced=False),
    _k("pods", "Pod", "", "v1"),
    _k("services", "Service", "", "v1"),
    _k("endpoints", "Endpoints", "", "v1"),
    _k("configmaps", "ConfigMap", "", "v1"),
    _k("secrets", "Secret", "", "v1"),
    Kind("pvcs", "PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", True),
    Kind("pvs", "PersistentVolume", "", "v1", "persistentvolumes", False),
    _k("events", "Event", "", "v1"),
    _k("deployments", "Deployment", "apps", "v1"),
    _k("replicasets", "ReplicaSet", "apps", "v1"),
    _k("statefulsets", "StatefulSet", "apps", "v1"),
    _k("daemonsets", "DaemonSet", "apps", "v1"),
    _k("jobs", "Job", "batch", "v1"),
    _k("cronjobs", "CronJob", "batch", "v1"),
    _k("ingresses", "Ingress", "networking.k8s.io", "v1"),
    _k("networkpolicies", "NetworkPolicy", "networking.k8s.io", "v1"),
    _k("storageclasses", "StorageClass", "storage.k8s.io", "v1", namespaced=False),
    Kind("hpas", "HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", True),
    Kind("pdbs", "PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True),
    Kind("node_metrics", "NodeMetrics", "metrics.k8s.io", "v1beta1", "nodes", False),
    Kind("pod_metrics", "PodMetrics", "metrics.k8s.io", "v1beta1", "pods", True),
    Kind(
        "crds",
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        False,
    ),
    Kind(
        "validatingwebhooks",
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        False,
    ),
    Kind(
        "mutatingwebhooks",
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        False,
    ),
)

BY_FRAME: dict[str, Kind] = {kind.frame: kind for kind in BUILTIN}


def builtin(frame: str) -> Kind:
    """The built-in kind feeding ``frame``; raises KeyError naming the valid frames."""
    try:
        return BY_FRAME[frame]
    except KeyError:
        raise KeyError(f"no kind feeds frame {frame!r}; known: {', '.join(sorted(BY_FRAME))}") from None


def custom(group: str, version: str, plural: str, kind: str, *, namespaced: bool) -> Kind:
    """A custom resource (from a CRD), feeding the generic ``conditions`` frame."""
    return Kind(f"{plural}.{group}", kind, group, version, plural, namespaced)

"""Templates for one synthetic application: Deployment, ReplicaSets, pods, Service and ConfigMap."""

from __future__ import annotations

import copy
from functools import cache, cached_property
from typing import Any

from workbench.sandbox._scenarios._managed import default_managed_fields
from workbench.sandbox._synthetic._pods import Archetype, pod_annotations, pod_labels, pod_template_spec
from workbench.sandbox._synthetic._status import Variant, build_pod
from workbench.sandbox._synthetic._template import Template, hole, number

# The ports of every synthetic Service: "http" names the main container's port.
SERVICE_PORTS: tuple[dict[str, Any], ...] = (
    {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"},
    {"name": "metrics", "port": 9090, "protocol": "TCP", "targetPort": 9090},
)
_HELM = {
    "meta.helm.sh/release-name": hole("APP"),
    "meta.helm.sh/release-namespace": hole("NS"),
}


class AppTemplates:
    """Every template one archetype needs."""

    def __init__(self, archetype: Archetype) -> None:
        spec = pod_template_spec(archetype)
        labels, annotations = pod_labels(), pod_annotations(archetype)
        self._pod_parts = (spec, labels, annotations)
        self._pods: dict[Variant, Template] = {}
        self.containers = len(spec["containers"])
        self.deployment = _deployment(spec, labels, annotations)
        self.replicaset = _replicaset(spec, labels, annotations, current=True)
        self.service = _shared("service")
        self.config_map = _shared("config_map")

    @cached_property
    def old_replicaset(self) -> Template:
        """The template of an older revision's ReplicaSet, scaled to 0."""
        return _replicaset(*self._pod_parts, current=False)

    def pod(self, variant: Variant) -> Template:
        """The pod template of a status variant (compiled on first use: some are rare)."""
        template = self._pods.get(variant)
        if template is None:
            template = self._pods[variant] = build_pod(*self._pod_parts, variant)
        return template


@cache
def _shared(kind: str) -> Template:
    # Services and ConfigMaps look the same whatever the pods' shape: one template for all.
    return _service() if kind == "service" else _config_map()


@cache
def app_templates(archetype: Archetype) -> AppTemplates:
    """The templates of an archetype, built once."""
    return AppTemplates(archetype)


def _owned(obj: dict[str, Any], manager: str | None = None) -> Template:
    obj["metadata"]["managedFields"] = default_managed_fields(obj, manager=manager)
    return Template(obj)


def app_labels() -> dict[str, str]:
    """The labels Helm puts on every object of an application (and the controllers copy)."""
    return {
        "app.kubernetes.io/name": hole("APP"),
        "app.kubernetes.io/instance": hole("APP"),
        "app.kubernetes.io/component": hole("COMPONENT"),
        "app.kubernetes.io/part-of": hole("TEAM"),
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": f"{hole('APP')}-{hole('CHART')}",
        "team": hole("TEAM"),
    }


def _selector() -> dict[str, Any]:
    return {"matchLabels": {"app.kubernetes.io/name": hole("APP")}}


def _deployment(spec: dict[str, Any], labels: dict[str, str], annotations: dict[str, str]) -> Template:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": hole("APP"),
            "namespace": hole("NS"),
            "uid": hole("DEP_UID"),
            "generation": number("GENERATION"),
            "creationTimestamp": hole("DEP_CREATED"),
            "labels": app_labels(),
            "annotations": {"deployment.kubernetes.io/revision": hole("REVISION"), **_HELM},
        },
        "spec": {
            "replicas": number("REPLICAS"),
            "revisionHistoryLimit": 10,
            "selector": _selector(),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
            "template": {
                "metadata": {"labels": labels, "annotations": annotations},
                "spec": copy.deepcopy(spec),
            },
            "progressDeadlineSeconds": 600,
        },
        "status": {
            "observedGeneration": number("GENERATION"),
            "replicas": number("REPLICAS"),
            "updatedReplicas": number("REPLICAS"),
            "readyReplicas": number("READY"),
            "availableReplicas": number("READY"),
            "unavailableReplicas": number("UNAVAILABLE"),
            "conditions": [
                {
                    "type": "Available",
                    "status": hole("AVAILABLE"),
                    "lastUpdateTime": hole("AVAILABLE_AT"),
                    "lastTransitionTime": hole("AVAILABLE_AT"),
                    "reason": hole("AVAILABLE_REASON"),
                    "message": hole("AVAILABLE_MESSAGE"),
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": hole("RS_READY_AT"),
                    "lastTransitionTime": hole("DEP_CREATED"),
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{hole("RS")}" has successfully progressed.',
                },
            ],
        },
    }
    return _owned(deployment, "helm")


def _replicaset(
    spec: dict[str, Any], labels: dict[str, str], annotations: dict[str, str], *, current: bool
) -> Template:
    prefix = "" if current else "OLD_"
    template_labels = {**labels, "pod-template-hash": hole(f"{prefix}HASH")}
    template_annotations = {**annotations, "checksum/config": hole(f"{prefix}CHECKSUM")}
    template_spec = copy.deepcopy(spec)
    image = template_spec["containers"][0]["image"]
    template_spec["containers"][0]["image"] = image.replace(hole("VERSION"), hole(f"{prefix}VERSION"))
    replicaset: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": hole(f"{prefix}RS"),
            "namespace": hole("NS"),
            "uid": hole(f"{prefix}RS_UID"),
            "generation": number(f"{prefix}RS_GENERATION"),
            "creationTimestamp": hole(f"{prefix}RS_CREATED"),
            "labels": {**_selector()["matchLabels"], "pod-template-hash": hole(f"{prefix}HASH")},
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": hole("REPLICAS"),
                "deployment.kubernetes.io/max-replicas": hole("MAX_REPLICAS"),
                "deployment.kubernetes.io/revision": hole(f"{prefix}REVISION"),
                **_HELM,
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": hole("APP"),
                    "uid": hole("DEP_UID"),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": number("REPLICAS") if current else 0,
            "selector": {
                "matchLabels": {**_selector()["matchLabels"], "pod-template-hash": hole(f"{prefix}HASH")}
            },
            "template": {
                "metadata": {"labels": template_labels, "annotations": template_annotations},
                "spec": template_spec,
            },
        },
        "status": {"replicas": 0, "observedGeneration": number(f"{prefix}RS_GENERATION")},
    }
    if current:
        replicaset["status"].update(
            replicas=number("REPLICAS"),
            fullyLabeledReplicas=number("REPLICAS"),
            readyReplicas=number("READY"),
            availableReplicas=number("READY"),
        )
    return _owned(replicaset)


def _service() -> Template:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": hole("APP"),
            "namespace": hole("NS"),
            "uid": hole("SVC_UID"),
            "creationTimestamp": hole("DEP_CREATED"),
            "labels": app_labels(),
            "annotations": _HELM,
        },
        "spec": {
            "type": "ClusterIP",
            "clusterIP": hole("CLUSTER_IP"),
            "clusterIPs": [hole("CLUSTER_IP")],
            "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "ports": [dict(port) for port in SERVICE_PORTS],
            "selector": _selector()["matchLabels"],
            "sessionAffinity": "None",
        },
        "status": {"loadBalancer": {}},
    }
    return _owned(service, "helm")


def _config_map() -> Template:
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"{hole('APP')}-config",
            "namespace": hole("NS"),
            "uid": hole("CM_UID"),
            "creationTimestamp": hole("DEP_CREATED"),
            "labels": app_labels(),
            "annotations": _HELM,
        },
        "data": {
            "db-host": f"{hole('TEAM')}-db.{hole('NS')}.svc.cluster.local",
            "redis-url": f"redis://{hole('TEAM')}-redis.{hole('NS')}.svc.cluster.local:6379/0",
            "app.yaml": "server:\n  port: 8080\n  shutdownGracePeriod: 20s\n"
            "metrics:\n  enabled: true\n  port: 9090\n",
        },
    }
    return _owned(config_map, "helm")

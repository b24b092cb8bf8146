"""The shape of synthetic pods: containers, env, resources, probes and volumes per archetype.

An archetype fixes the pod's shape (sidecars, which limits, zone spreading); everything that differs
per deployment or per pod (names, uids, node, addresses, times, image, runtime settings, resource
amounts) is a placeholder, so a few dozen archetypes cover every synthetic pod.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.sandbox._synthetic._template import hole, number
from workbench.sandbox._synthetic._words import RUNTIMES, SIDECARS

# (cpu request, memory request, cpu limit or None, memory limit); the QoS class follows from them.
RESOURCE_CLASSES = (
    ("50m", "64Mi", None, "128Mi"),
    ("100m", "128Mi", None, "256Mi"),
    ("250m", "256Mi", "500m", "512Mi"),
    ("500m", "512Mi", "500m", "512Mi"),
    ("1", "1Gi", None, "2Gi"),
    ("2", "4Gi", "2", "4Gi"),
)


@dataclass(frozen=True)
class Archetype:
    """The shape of one family of pods."""

    sidecars: tuple[int, ...]  # indexes into SIDECARS
    cpu_limit: bool  # whether the main container has a CPU limit (values are placeholders)
    spread: bool  # topologySpreadConstraints across zones


def _env() -> list[dict[str, Any]]:
    return [
        {"name": "APP_ENV", "value": hole("ENV")},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": hole("RUNTIME_ENV"), "value": hole("RUNTIME_VALUE")},
    ]


def runtime_values(index: int) -> dict[str, object]:
    """Placeholder values for runtime `index`: its port and tuning variable."""
    _, port, variable, value = RUNTIMES[index]
    return {"PORT": port, "PORT_TEXT": str(port), "RUNTIME_ENV": variable, "RUNTIME_VALUE": value}


def _resources(cpu_limit: bool) -> dict[str, Any]:
    limits = (
        {"cpu": hole("CPU_LIMIT"), "memory": hole("MEMORY_LIMIT")}
        if cpu_limit
        else {"memory": hole("MEMORY_LIMIT")}
    )
    return {"requests": {"cpu": hole("CPU_REQUEST"), "memory": hole("MEMORY_REQUEST")}, "limits": limits}


def resource_values(index: int) -> dict[str, str]:
    """Placeholder values for resource class `index`, with the QoS class they give the pod."""
    cpu, memory, cpu_limit, memory_limit = RESOURCE_CLASSES[index]
    return {
        "CPU_REQUEST": cpu,
        "MEMORY_REQUEST": memory,
        "CPU_LIMIT": cpu_limit or "",
        "MEMORY_LIMIT": memory_limit,
        "QOS": "Guaranteed" if (cpu_limit, memory_limit) == (cpu, memory) else "Burstable",
    }


def _probe(path: str, port: str, *, initial: int, failure: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
        "initialDelaySeconds": initial,
        "timeoutSeconds": 2,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": failure,
    }


def _main_container(archetype: Archetype) -> dict[str, Any]:
    return {
        "name": hole("COMPONENT"),
        "image": f"{hole('REGISTRY')}/{hole('TEAM')}/{hole('APP')}:{hole('VERSION')}",
        "imagePullPolicy": "IfNotPresent",
        "ports": [
            {"name": "http", "containerPort": number("PORT"), "protocol": "TCP"},
        ],
        "env": _env(),
        "resources": _resources(archetype.cpu_limit),
        "livenessProbe": _probe("/healthz", "http", initial=15, failure=3),
        "readinessProbe": _probe("/readyz", "http", initial=5, failure=3),
        "volumeMounts": [
            {"name": "config", "readOnly": True, "mountPath": "/etc/app"},
        ],
        "securityContext": {"allowPrivilegeEscalation": False},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def _sidecar(index: int) -> dict[str, Any]:
    name, image, port = SIDECARS[index]
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": f"{name[:9].rstrip('-')}-admin", "containerPort": port, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }


def pod_template_spec(archetype: Archetype) -> dict[str, Any]:
    """The pod spec as a Deployment's template holds it (before admission adds the token volume)."""
    spec: dict[str, Any] = {
        "containers": [_main_container(archetype)] + [_sidecar(i) for i in archetype.sidecars],
        "volumes": [
            {"name": "config", "configMap": {"name": f"{hole('APP')}-config", "defaultMode": 420}},
        ],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "securityContext": {"fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "schedulerName": "default-scheduler",
    }
    if archetype.spread:
        spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": hole("APP")}},
            }
        ]
    return spec


def pod_labels() -> dict[str, str]:
    """The labels of the pod template (a pod adds pod-template-hash)."""
    return {
        "app.kubernetes.io/name": hole("APP"),
    }


def pod_annotations(archetype: Archetype) -> dict[str, str]:
    """The annotations of the pod template."""
    annotations = {"checksum/config": hole("CHECKSUM")}
    if archetype.sidecars:
        annotations["kubectl.kubernetes.io/default-container"] = hole("COMPONENT")
    annotations["prometheus.io/port"] = hole("PORT_TEXT")
    annotations["prometheus.io/scrape"] = "true"
    return annotations

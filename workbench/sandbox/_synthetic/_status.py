"""Complete pods from a template spec: admission defaults, scheduling, and five status variants.

Most pods are Running and Ready; a small share are not ready, restarting, crash-looping or
unschedulable, in the proportions a large production cluster usually shows.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from workbench.sandbox._scenarios._managed import default_managed_fields
from workbench.sandbox._synthetic._template import Template, hole, number

Variant = Literal["ready", "oom", "notready", "crashloop", "pending"]
VARIANTS: tuple[Variant, ...] = ("ready", "oom", "notready", "crashloop", "pending")
# Share of pods in each variant, in per mille (the rest are "ready").
VARIANT_PER_MILLE: dict[Variant, int] = {"oom": 15, "notready": 8, "crashloop": 8, "pending": 4}

_TOLERATIONS = [
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
]
_SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def _condition(kind: str, status: str, at: str, reason: str = "", message: str = "") -> dict[str, Any]:
    condition: dict[str, Any] = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": at,
    }
    if reason:
        condition["reason"] = reason
        condition["message"] = message
    return condition


def _container_status(container: dict[str, Any], index: int, variant: Variant, main: bool) -> dict[str, Any]:
    image = container["image"]
    digest = hole("DIGEST") if main else hole(f"SIDECAR_DIGEST{index}")
    status: dict[str, Any] = {
        "containerID": f"containerd://{hole(f'CID{index}')}",
        "image": image,
        "imageID": f"{image.rsplit(':', 1)[0]}@sha256:{digest}",
        "lastState": {},
        "name": container["name"],
        "ready": True,
        "restartCount": 0,
        "started": True,
        "state": {"running": {"startedAt": hole("STARTED")}},
    }
    if not main:
        return status
    status["restartCount"] = number("RESTARTS")
    terminated = {
        "containerID": f"containerd://{hole('LAST_CID')}",
        "exitCode": 137 if variant == "oom" else 1,
        "reason": "OOMKilled" if variant == "oom" else "Error",
        "startedAt": hole("LAST_STARTED"),
        "finishedAt": hole("LAST_FINISHED"),
    }
    if variant in ("oom", "crashloop"):
        status["lastState"] = {"terminated": terminated}
    if variant == "notready":
        status["ready"] = False
    if variant == "crashloop":
        status.update(ready=False, started=False)
        status["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container={container['name']} "
                f"pod={hole('POD')}_{hole('NS')}({hole('UID')})",
            }
        }
    return status


def build_pod(
    template_spec: dict[str, Any], labels: dict[str, str], annotations: dict[str, str], variant: Variant
) -> Template:
    """A complete pod template for one variant, as the ReplicaSet controller, admission, the
    scheduler and the kubelet would have left it."""
    spec = copy.deepcopy(template_spec)
    token = f"kube-api-access-{hole('TOKEN')}"
    spec["volumes"].append(
        {
            "name": token,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {
                        "configMap": {
                            "name": "kube-root-ca.crt",
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                }
                            ]
                        }
                    },
                ],
            },
        }
    )
    for container in spec["containers"]:
        container.setdefault("volumeMounts", []).append(
            {"name": token, "readOnly": True, "mountPath": _SERVICE_ACCOUNT_MOUNT}
        )
    spec.update(
        enableServiceLinks=True,
        preemptionPolicy="PreemptLowerPriority",
        priority=0,
        serviceAccount=spec["serviceAccountName"],
        tolerations=copy.deepcopy(_TOLERATIONS),
    )
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": hole("POD"),
            "generateName": f"{hole('RS')}-",
            "namespace": hole("NS"),
            "uid": hole("UID"),
            "creationTimestamp": hole("CREATED"),
            "labels": {**labels, "pod-template-hash": hole("HASH")},
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": hole("RS"),
                    "uid": hole("RS_UID"),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": spec,
        "status": {"phase": "Running", "qosClass": hole("QOS")},
    }
    main = spec["containers"][0]["name"]
    status = pod["status"]
    if variant == "pending":
        status.update(phase="Pending")
        status["conditions"] = [
            _condition(
                "PodScheduled",
                "False",
                hole("CREATED"),
                "Unschedulable",
                f"0/{hole('NODES')} nodes are available: {hole('NODES')} Insufficient memory. preemption: "
                f"0/{hole('NODES')} nodes are available: {hole('NODES')} No preemption victims found for "
                "incoming pod.",
            )
        ]
    else:
        spec["nodeName"] = hole("NODE")
        ready = variant in ("ready", "oom")
        unready = ("ContainersNotReady", f"containers with unready status: [{main}]")
        status["conditions"] = [
            _condition("PodReadyToStartContainers", "True", hole("STARTED")),
            _condition("Initialized", "True", hole("CREATED")),
            _condition("Ready", "True", hole("READY_AT"))
            if ready
            else _condition("Ready", "False", hole("READY_AT"), *unready),
            _condition("ContainersReady", "True", hole("READY_AT"))
            if ready
            else _condition("ContainersReady", "False", hole("READY_AT"), *unready),
            _condition("PodScheduled", "True", hole("CREATED")),
        ]
        status.update(
            hostIP=hole("HOST_IP"),
            hostIPs=[{"ip": hole("HOST_IP")}],
            podIP=hole("POD_IP"),
            podIPs=[{"ip": hole("POD_IP")}],
            startTime=hole("CREATED"),
        )
        status["containerStatuses"] = [
            _container_status(c, i, variant, i == 0) for i, c in enumerate(spec["containers"])
        ]
    # The scheduler's binding sets nodeName without a managedFields entry of its own.
    node_name = spec.pop("nodeName", None)
    managed = default_managed_fields(pod)
    if node_name is not None:
        spec["nodeName"] = node_name
    if variant == "pending" and len(managed) > 1:
        managed[1]["manager"] = "kube-scheduler"
    pod["metadata"]["managedFields"] = managed
    return Template(pod)

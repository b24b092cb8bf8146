"""Defaulting for built-in kinds: what a real apiserver fills in before it stores an object.

One function per kind, applied to a deep copy. The values come from ``pkg/apis/*/v1/defaults.go``
plus the create-time work of registry strategies (Job selector generation, Service IP and node
port allocation) and admission plugins (ServiceAccount token volume, priority, tolerations).
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

from workbench.sandbox._bodies import json_copy

from ._context import AdmissionContext
from ._decode import check_types
from ._pod_defaults import (
    admit_pod,
    as_dict,
    compute_qos_class,
    default_pod_spec,
    default_template,
    dicts,
    fill_status,
    set_if_none,
    spec_of,
)
from ._service_defaults import default_service
from ._workload_defaults import (
    canonical_map,
    default_cron_job,
    default_daemon_set,
    default_deployment,
    default_job,
    default_pvc,
    default_replica_set,
    default_replication_controller,
    default_stateful_set,
)

_MAX_GENERATED_PREFIX = 58  # 63-character names minus the 5 random characters

_HPA_SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}

_HPA_SCALE_DOWN = {
    "selectPolicy": "Max",
    "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
}


def apply_defaults(kind: str, obj: dict[str, Any], ctx: AdmissionContext) -> dict[str, Any]:
    """Return a copy of `obj` with the defaults a real kube-apiserver fills in for `kind`.

    Also generates ``metadata.name`` from ``generateName`` on create. Kinds without defaults come
    back as an unchanged copy.

    Args:
        kind: the object's kind (``Deployment``).
        obj: the decoded request body; not modified.
        ctx: clock, allocators and, on update, the stored object.

    Returns:
        The defaulted copy.

    Raises:
        SandboxApiError: 400 when the body does not decode into the kind's type (as a real
            server's decoder refuses it), 403 when pod priority admission refuses it.

    Example:
        >>> from datetime import UTC, datetime
        >>> ctx = AdmissionContext(datetime.now(UTC), lambda: "10.96.0.10", lambda: 30080, lambda n: "x" * n)
        >>> apply_defaults("Secret", {"metadata": {"name": "s"}}, ctx)["type"]
        'Opaque'
    """
    check_types(kind, obj)
    out = json_copy(obj)
    meta = out.get("metadata")
    if not isinstance(meta, dict):
        meta = out["metadata"] = {}
    if ctx.old is None and not meta.get("name") and isinstance(meta.get("generateName"), str):
        meta["name"] = meta["generateName"][:_MAX_GENERATED_PREFIX] + ctx.random_suffix(5)
    handler = _DEFAULTERS.get(kind)
    if handler is not None:
        handler(out, ctx)
    return out


def _pod(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    default_pod_spec(spec, is_pod=True)
    if ctx.old is None:
        admit_pod(obj, ctx.random_suffix)
    fill_status(obj, phase="Pending")
    status = obj["status"]
    if not status.get("qosClass"):
        status["qosClass"] = compute_qos_class(obj)


def _pod_template(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    default_template(obj.get("template"))


def _service(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    default_service(obj, ctx.old, ctx.allocate_cluster_ip, ctx.allocate_node_port)


def _namespace(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    meta = obj["metadata"]
    name = meta.get("name")
    if isinstance(name, str) and name:
        labels = meta.get("labels")
        if not isinstance(labels, dict):
            labels = meta["labels"] = {}
        labels["kubernetes.io/metadata.name"] = name
    spec = spec_of(obj)
    old_finalizers = as_dict(as_dict(ctx.old).get("spec")).get("finalizers")
    if ctx.old is not None and old_finalizers is not None:
        spec["finalizers"] = copy.deepcopy(old_finalizers)
    elif ctx.old is None and spec.get("finalizers") is None:
        spec["finalizers"] = ["kubernetes"]
    fill_status(obj, phase="Active")


def _pv(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    if not spec.get("persistentVolumeReclaimPolicy"):
        spec["persistentVolumeReclaimPolicy"] = "Retain"
    if not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"
    canonical_map(spec.get("capacity"))
    fill_status(obj, phase="Pending")


def _secret(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    if not obj.get("type"):
        obj["type"] = "Opaque"
    # The v1 conversion writes stringData into data (it wins a shared key); the stored type has no
    # stringData, so a read never shows it.
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data")
        if not isinstance(data, dict):
            data = obj["data"] = {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(("" if value is None else str(value)).encode()).decode()


def _hpa(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    set_if_none(spec, "minReplicas", 1)
    if str(obj.get("apiVersion", "")) == "autoscaling/v1":
        fill_status(obj, currentReplicas=0, desiredReplicas=0)
        return
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):
        for key, rules in (("scaleUp", _HPA_SCALE_UP), ("scaleDown", _HPA_SCALE_DOWN)):
            given = as_dict(behavior.get(key))
            filled = copy.deepcopy(rules)
            filled.update({k: v for k, v in given.items() if v is not None})
            behavior[key] = filled
    fill_status(obj, desiredReplicas=0)


def _network_policy(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    spec = spec_of(obj)
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for direction in ("ingress", "egress"):
        for rule in dicts(spec.get(direction)):
            for port in dicts(rule.get("ports")):
                if not port.get("protocol"):
                    port["protocol"] = "TCP"


def _ingress(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    fill_status(obj, loadBalancer={})


def _pdb(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    fill_status(obj, currentHealthy=0, desiredHealthy=0, disruptionsAllowed=0, expectedPods=0)


def _endpoints(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    for subset in dicts(obj.get("subsets")):
        for port in dicts(subset.get("ports")):
            if not port.get("protocol"):
                port["protocol"] = "TCP"


def _node(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    status = obj.get("status")
    if (
        isinstance(status, dict)
        and status.get("allocatable") is None
        and isinstance(status.get("capacity"), dict)
    ):
        status["allocatable"] = copy.deepcopy(status["capacity"])


def _event(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    # The apiserver's JSON always has these: involvedObject and source are structs, the times are
    # structs written as null when zero, and the reporting fields have no omitempty. Clients rely on
    # it (the python client refuses a list holding an Event without involvedObject).
    for key in ("involvedObject", "source"):
        if not isinstance(obj.get(key), dict):
            obj[key] = {}
    for key in ("firstTimestamp", "lastTimestamp", "eventTime"):
        obj.setdefault(key, None)
    for key in ("reportingComponent", "reportingInstance"):
        if obj.get(key) is None:
            obj[key] = ""


def _storage_class(obj: dict[str, Any], ctx: AdmissionContext) -> None:
    if not obj.get("reclaimPolicy"):
        obj["reclaimPolicy"] = "Delete"
    if not obj.get("volumeBindingMode"):
        obj["volumeBindingMode"] = "Immediate"


_DEFAULTERS: dict[str, Callable[[dict[str, Any], AdmissionContext], None]] = {
    "Pod": _pod,
    "PodTemplate": _pod_template,
    "Deployment": default_deployment,
    "ReplicaSet": default_replica_set,
    "ReplicationController": default_replication_controller,
    "StatefulSet": default_stateful_set,
    "DaemonSet": default_daemon_set,
    "Job": default_job,
    "CronJob": default_cron_job,
    "Service": _service,
    "Namespace": _namespace,
    "PersistentVolumeClaim": default_pvc,
    "PersistentVolume": _pv,
    "Secret": _secret,
    "HorizontalPodAutoscaler": _hpa,
    "NetworkPolicy": _network_policy,
    "Ingress": _ingress,
    "PodDisruptionBudget": _pdb,
    "Endpoints": _endpoints,
    "Event": _event,
    "StorageClass": _storage_class,
    "Node": _node,
}

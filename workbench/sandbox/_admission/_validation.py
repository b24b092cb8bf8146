"""Validation of built-in objects: the 422 ``Invalid`` a real kube-apiserver returns.

`validate` dispatches by kind to the per-group modules; kinds without rules of their own get the
object-metadata checks (name, generateName, labels, annotations) only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._apps_validation import (
    validate_daemon_set,
    validate_deployment,
    validate_replica_set,
    validate_stateful_set,
)
from ._batch_validation import validate_cron_job, validate_job
from ._config_validation import validate_config_map, validate_hpa, validate_pv, validate_pvc, validate_secret
from ._decode import check_types
from ._errors import FieldError, invalid_error
from ._names import NameFn, name_is_dns_label, name_is_dns_subdomain, validate_object_meta
from ._pod_defaults import as_dict
from ._pod_validation import validate_pod
from ._service_validation import validate_ingress, validate_network_policy, validate_service

Validator = Callable[[Mapping[str, Any], Mapping[str, Any] | None], list[FieldError]]


def validate(kind: str, obj: dict[str, Any], *, old: dict[str, Any] | None, group: str) -> None:
    """Check `obj` as a real kube-apiserver does on create (`old` None) or update.

    Args:
        kind: the object's kind (``Deployment``).
        obj: the defaulted object about to be stored.
        old: the stored object on update, None on create.
        group: the API group ("" for core), used in the error's qualified kind.

    Raises:
        SandboxApiError: 422 ``Invalid`` with the real message and ``details.causes``, or 400 when
            the body does not decode into the kind's type.

    Example:
        >>> try:
        ...     validate("ConfigMap", {"metadata": {"name": "Bad_Name"}}, old=None, group="")
        ... except Exception as exc:
        ...     print(exc.code, exc.reason)
        422 Invalid
    """
    check_types(kind, obj)
    errors = _VALIDATORS.get(kind, _metadata(name_is_dns_subdomain))(obj, old)
    if errors:
        name = as_dict(obj.get("metadata")).get("name")
        raise invalid_error(kind, group, name if isinstance(name, str) else "", errors)


def _metadata(name_fn: NameFn) -> Validator:
    def check(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
        # Names cannot change on update, so only create re-checks them (as ValidateObjectMetaUpdate).
        return validate_object_meta(obj.get("metadata"), name_fn, check_name=old is None)

    return check


_VALIDATORS: dict[str, Validator] = {
    "Pod": validate_pod,
    "Deployment": validate_deployment,
    "ReplicaSet": validate_replica_set,
    "StatefulSet": validate_stateful_set,
    "DaemonSet": validate_daemon_set,
    "Job": validate_job,
    "CronJob": validate_cron_job,
    "Service": validate_service,
    "ConfigMap": validate_config_map,
    "Secret": validate_secret,
    "PersistentVolumeClaim": validate_pvc,
    "PersistentVolume": validate_pv,
    "Namespace": _metadata(name_is_dns_label),
    "HorizontalPodAutoscaler": validate_hpa,
    "Ingress": validate_ingress,
    "NetworkPolicy": validate_network_policy,
}

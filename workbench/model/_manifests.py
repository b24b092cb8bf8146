"""The object a creating step makes, as a manifest built from its parameters alone.

A creating step (`Action.ALLOW_INGRESS`, `Action.CREATE_STORAGE_CLASS`) says only what its typed
parameters say, so the manifest is a pure function of the step: the remediation stage POSTs it, the
kubectl equivalent prints it, and verification compares the live object with it. The workbench marks
what it creates with the `CREATED_BY` annotation (the digest of the plan that created it), so that a
rollback (`Action.DELETE_CREATED`) can tell an object a plan created from any other of the same name.

Example:
    >>> from workbench.model import Action, ObjectRef, PlanStep
    >>> ref = ObjectRef("NetworkPolicy", "shop", "allow-frontend-to-catalog-api")
    >>> step = PlanStep(
    ...     Action.ALLOW_INGRESS,
    ...     ref,
    ...     {
    ...         "pod_selector": {"app": "catalog-api"},
    ...         "from_selector": {"app": "frontend"},
    ...         "ports": [{"protocol": "TCP", "port": 8080}],
    ...     },
    ... )
    >>> rule = manifest(step)["spec"]["ingress"][0]
    >>> rule["from"], rule["ports"]
    ([{'podSelector': {'matchLabels': {'app': 'frontend'}}}], [{'protocol': 'TCP', 'port': 8080}])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.errors import ConfigError
from workbench.model._plans import Action, PlanStep

CREATES = frozenset({Action.ALLOW_INGRESS, Action.CREATE_STORAGE_CLASS})
"""The actions that create an object (it must not exist yet)."""

CREATED_BY = "kube-workbench/created-by"
"""The annotation on an object a plan created: that plan's digest (``sha256:...``)."""

JOB_GENERATED_LABELS = (
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
)
"""The pod-template labels the API server adds to a Job it generates a selector for (from the Job's
uid and name): a recreated Job leaves them out, with ``spec.selector``, so the server makes new ones."""

SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
    "finalizers",
)
"""Metadata a recreated Job does not carry over: what the server set on the old one, and its finalizers
(it keeps its name, namespace, labels, annotations and any ownerReferences that are not a controller)."""

_STORAGE_FIELDS = {
    "parameters": "parameters",
    "reclaim_policy": "reclaimPolicy",
    "volume_binding_mode": "volumeBindingMode",
    "allow_volume_expansion": "allowVolumeExpansion",
}


def manifest(step: PlanStep, *, created_by: str = "") -> dict[str, Any]:
    """The object ``step`` creates (apiVersion, kind, metadata, and its spec or fields).

    Args:
        step: a step whose action is in `CREATES`.
        created_by: the digest of the plan the step is part of, written as the `CREATED_BY`
            annotation; ``""`` leaves the annotation out (what the kubectl equivalent shows).

    Raises:
        ConfigError: the step creates nothing.
    """
    target = step.target
    metadata: dict[str, Any] = {"name": target.name}
    if target.namespace:
        metadata["namespace"] = target.namespace
    if created_by:
        metadata["annotations"] = {CREATED_BY: created_by}
    if step.action is Action.ALLOW_INGRESS:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": metadata,
            "spec": _ingress_spec(step.params),
        }
    if step.action is Action.CREATE_STORAGE_CLASS:
        obj: dict[str, Any] = {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": metadata,
            "provisioner": step.params["provisioner"],
        }
        for param, name in _STORAGE_FIELDS.items():
            if param in step.params:
                value = step.params[param]
                obj[name] = dict(value) if isinstance(value, Mapping) else value
        return obj
    raise ConfigError(f"{step.action.value} creates no object; only {', '.join(sorted(CREATES))} do")


def _ingress_spec(params: Mapping[str, Any]) -> dict[str, Any]:
    """One ingress rule: from the pods ``from_selector`` picks, on ``ports``, to ``pod_selector``'s pods."""
    return {
        "podSelector": {"matchLabels": dict(params["pod_selector"])},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "from": [{"podSelector": {"matchLabels": dict(params["from_selector"])}}],
                "ports": [{"protocol": p["protocol"], "port": p["port"]} for p in params["ports"]],
            }
        ],
    }

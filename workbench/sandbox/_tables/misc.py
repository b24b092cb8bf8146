"""Table rows for storage classes, RBAC, leases, priority classes and admission webhooks.

Kinds without a printer of their own in kube-apiserver (Role, ClusterRole and the
CustomResourceDefinition object itself) go through the server's default table convertor, which
prints the name and ``Created At`` as an RFC 3339 timestamp rather than an age.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.sandbox._tables._format import (
    AGE,
    NAME,
    Column,
    Obj,
    Printer,
    age,
    col,
    created_at,
    dig,
    items,
    mapping,
    name_of,
    num,
    text,
)

STORAGECLASS_COLUMNS = (
    NAME,
    col("Provisioner", doc="StorageClass.provisioner"),
    col("ReclaimPolicy", doc="StorageClass.reclaimPolicy"),
    col("VolumeBindingMode", doc="StorageClass.volumeBindingMode"),
    col("AllowVolumeExpansion", doc="StorageClass.allowVolumeExpansion"),
    AGE,
)
_DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def _storageclass_cells(sc: Obj, now: datetime) -> list[Any]:
    annotations = mapping(sc, "metadata", "annotations")
    name = name_of(sc)
    if any(annotations.get(key) == "true" for key in _DEFAULT_CLASS_ANNOTATIONS):
        name += " (default)"
    return [
        name,
        text(sc, "provisioner"),
        text(sc, "reclaimPolicy", default="Delete"),
        text(sc, "volumeBindingMode", default="Immediate"),
        dig(sc, "allowVolumeExpansion") is True,
        age(sc, now),
    ]


def _binding_columns(kind: str) -> tuple[Column, ...]:
    lower = kind[0].lower() + kind[1:]
    return (
        NAME,
        col("Role", doc=f"{kind}.roleRef"),
        AGE,
        col("Users", doc=f"Users in the {lower}", wide=True),
        col("Groups", doc=f"Groups in the {lower}", wide=True),
        col("ServiceAccounts", doc=f"ServiceAccounts in the {lower}", wide=True),
    )


def _binding_cells(binding: Obj, now: datetime) -> list[Any]:
    users: list[str] = []
    groups: list[str] = []
    accounts: list[str] = []
    for subject in items(binding, "subjects"):
        kind = text(subject, "kind")
        if kind == "ServiceAccount":
            accounts.append(f"{text(subject, 'namespace')}/{text(subject, 'name')}")
        elif kind == "User":
            users.append(text(subject, "name"))
        elif kind == "Group":
            groups.append(text(subject, "name"))
    role = mapping(binding, "roleRef")
    return [
        name_of(binding),
        f"{text(role, 'kind')}/{text(role, 'name')}",
        age(binding, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(accounts),
    ]


LEASE_COLUMNS = (NAME, col("Holder", doc="LeaseSpec.holderIdentity"), AGE)


def _lease_cells(lease: Obj, now: datetime) -> list[Any]:
    return [name_of(lease), text(lease, "spec", "holderIdentity"), age(lease, now)]


PRIORITYCLASS_COLUMNS = (
    NAME,
    col("Value", "integer", "PriorityClass.value"),
    col("Global-Default", "boolean", "PriorityClass.globalDefault"),
    AGE,
    col("PreemptionPolicy", doc="PriorityClass.preemptionPolicy"),
)


def _priorityclass_cells(pc: Obj, now: datetime) -> list[Any]:
    return [
        name_of(pc),
        num(pc, "value"),
        dig(pc, "globalDefault") is True,
        age(pc, now),
        text(pc, "preemptionPolicy", default="PreemptLowerPriority"),
    ]


WEBHOOK_COLUMNS = (
    NAME,
    col("Webhooks", "integer", "Webhooks indicates the number of webhooks registered in this configuration"),
    AGE,
)


def _webhook_cells(config: Obj, now: datetime) -> list[Any]:
    return [name_of(config), len(items(config, "webhooks")), age(config, now)]


CREATED_AT_COLUMNS = (NAME, col("Created At", "date", "ObjectMeta.creationTimestamp"))


def _created_at_cells(obj: Obj, now: datetime) -> list[Any]:
    return [name_of(obj), created_at(obj)]


DEFAULT_PRINTER = Printer((NAME, AGE), lambda obj, now: [name_of(obj), age(obj, now)])
"""Name and Age: what kube-apiserver serves for a custom resource without printer columns."""

PRINTERS = {
    "StorageClass": Printer(STORAGECLASS_COLUMNS, _storageclass_cells),
    "RoleBinding": Printer(_binding_columns("RoleBinding"), _binding_cells),
    "ClusterRoleBinding": Printer(_binding_columns("ClusterRoleBinding"), _binding_cells),
    "Lease": Printer(LEASE_COLUMNS, _lease_cells),
    "PriorityClass": Printer(PRIORITYCLASS_COLUMNS, _priorityclass_cells),
    "MutatingWebhookConfiguration": Printer(WEBHOOK_COLUMNS, _webhook_cells),
    "ValidatingWebhookConfiguration": Printer(WEBHOOK_COLUMNS, _webhook_cells),
    **{
        kind: Printer(CREATED_AT_COLUMNS, _created_at_cells)
        for kind in ("Role", "ClusterRole", "CustomResourceDefinition")
    },
}

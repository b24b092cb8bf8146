"""Where strategic merge patch merges lists, and by which key: the patch metadata of built-in kinds.

Upstream this lives in struct tags (``patchStrategy:"merge" patchMergeKey:"name"``) and in the
OpenAPI ``x-kubernetes-patch-strategy``/``x-kubernetes-patch-merge-key`` extensions. Here it is one
table, `SCHEMAS`, keyed by struct name; each kind is an entry of its own. Merge keys are per
struct, not per field name, because the same name means different things in different places:
a container's ``ports`` merge by ``containerPort`` while a Service's ``spec.ports`` merge by
``port``. Any list not listed is atomic (a patch replaces it whole): ``args``, ``command``,
``tolerations``, ``envFrom``, ``taints``, a Pod's ``containerStatuses``, Endpoints ``subsets``, and
so on. The entries were checked against ``kubectl patch --local``, which applies the real
apimachinery code with kubectl 1.32's compiled-in types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Field:
    """How strategic merge patch treats one field of a struct.

    Attributes:
        merge_key: for a list of objects, the key elements are matched by; None for other fields.
        set_merge: for a list of primitives, merge it as an ordered set instead of replacing it.
        struct: the name (in `SCHEMAS`) of the field's object type, or of its list's element type.
    """

    merge_key: str | None = None
    set_merge: bool = False
    struct: str | None = None

    @property
    def merges(self) -> bool:
        """Whether a list in this field is merged rather than replaced."""
        return self.merge_key is not None or self.set_merge


def _by(merge_key: str, struct: str | None = None) -> Field:
    return Field(merge_key=merge_key, struct=struct)


def _of(struct: str) -> Field:
    return Field(struct=struct)


_SET = Field(set_merge=True)
_CONDITIONS = _by("type")


def _kind(*, spec: str | None = None, status: str | None = None, **others: str) -> dict[str, Field]:
    """The root struct of a kind: ObjectMeta plus the named spec/status (and other) structs."""
    fields = {"metadata": _of("ObjectMeta")}
    fields.update({name: _of(struct) for name, struct in (("spec", spec), ("status", status)) if struct})
    fields.update({name: _of(struct) for name, struct in others.items()})
    return fields


SCHEMAS: Mapping[str, Mapping[str, Field]] = {
    # --- shared structs ---
    "ObjectMeta": {"ownerReferences": _by("uid"), "finalizers": _SET},
    "ConditionsStatus": {"conditions": _CONDITIONS},
    "PodTemplateSpec": {"metadata": _of("ObjectMeta"), "spec": _of("PodSpec")},
    # Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and ReplicationController specs.
    "WorkloadSpec": {"template": _of("PodTemplateSpec")},
    "JobTemplateSpec": {"metadata": _of("ObjectMeta"), "spec": _of("WorkloadSpec")},
    "CronJobSpec": {"jobTemplate": _of("JobTemplateSpec")},
    "PodSpec": {
        "containers": _by("name", "Container"),
        "initContainers": _by("name", "Container"),
        "ephemeralContainers": _by("name", "Container"),
        "volumes": _by("name"),
        "imagePullSecrets": _by("name"),
        "hostAliases": _by("ip"),
        "topologySpreadConstraints": _by("topologyKey"),
        "resourceClaims": _by("name"),
        "schedulingGates": _by("name"),
    },
    "Container": {
        "env": _by("name"),
        "ports": _by("containerPort"),
        "volumeMounts": _by("mountPath"),
        "volumeDevices": _by("devicePath"),
    },
    # containerStatuses, initContainerStatuses and ephemeralContainerStatuses carry no merge key
    # upstream: a patch replaces them whole (checked against kubectl 1.32's built-in schema).
    "PodStatus": {
        "conditions": _CONDITIONS,
        "podIPs": _by("ip"),
        "hostIPs": _by("ip"),
        "resourceClaimStatuses": _by("name"),
    },
    "ServiceSpec": {"ports": _by("port")},
    "NodeSpec": {"podCIDRs": _SET},
    "NodeStatus": {"conditions": _CONDITIONS, "addresses": _by("type")},
    # --- kinds ---
    "Object": _kind(),  # any other kind: only ObjectMeta's lists merge
    "Pod": _kind(spec="PodSpec", status="PodStatus"),
    "PodTemplate": _kind(template="PodTemplateSpec"),
    "ReplicationController": _kind(spec="WorkloadSpec", status="ConditionsStatus"),
    "Deployment": _kind(spec="WorkloadSpec", status="ConditionsStatus"),
    "ReplicaSet": _kind(spec="WorkloadSpec", status="ConditionsStatus"),
    "StatefulSet": _kind(spec="WorkloadSpec", status="ConditionsStatus"),
    "DaemonSet": _kind(spec="WorkloadSpec", status="ConditionsStatus"),
    "Job": _kind(spec="WorkloadSpec", status="ConditionsStatus"),
    "CronJob": _kind(spec="CronJobSpec"),
    "Service": _kind(spec="ServiceSpec", status="ConditionsStatus"),
    "Node": _kind(spec="NodeSpec", status="NodeStatus"),
    "PersistentVolumeClaim": _kind(status="ConditionsStatus"),
    "Namespace": _kind(status="ConditionsStatus"),
    "HorizontalPodAutoscaler": _kind(status="ConditionsStatus"),
    "PodDisruptionBudget": _kind(status="ConditionsStatus"),
    "ServiceAccount": {"metadata": _of("ObjectMeta"), "secrets": _by("name")},
}

ATOMIC = Field()


def root(kind: str) -> Mapping[str, Field]:
    """The fields of the top-level object of `kind` (unknown kinds get only ObjectMeta's rules)."""
    return SCHEMAS.get(kind, SCHEMAS["Object"])


def field(struct: Mapping[str, Field] | None, name: str) -> Field:
    """The patch metadata of field `name` of `struct`; unknown fields are atomic."""
    if struct is None:
        return ATOMIC
    return struct.get(name, ATOMIC)


def fields_of(spec: Field) -> Mapping[str, Field] | None:
    """The fields of the object type that `spec` points at, if it is one we know."""
    return SCHEMAS[spec.struct] if spec.struct else None

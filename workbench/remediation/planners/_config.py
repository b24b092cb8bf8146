"""ConfigMaps and Secrets by key name (the frames hold names, never values), and the extra step a
StatefulSet needs before a fixed template reaches a broken pod."""

from __future__ import annotations

from workbench.analyzers._common import readable, records
from workbench.frames import Frames
from workbench.frames.schema import ConfigMaps, Pods, Secrets
from workbench.model import Action, ObjectRef, PlanStep
from workbench.remediation.planners import _frames as fx

KINDS = {"ConfigMap": (ConfigMaps.FRAME, ConfigMaps.KEYS), "Secret": (Secrets.FRAME, Secrets.KEYS)}
REF_FIELD = {"ConfigMap": "configMapKeyRef", "Secret": "secretKeyRef"}
"""The EnvVar ``valueFrom`` field that reads a key of each kind."""


def keys(frames: Frames, kind: str, namespace: str, name: str) -> list[str] | None:
    """The key names of ConfigMap/Secret ``namespace/name``; None when it does not exist (or its
    kind could not be read)."""
    frame, column = KINDS[kind]
    found = records(fx.rows_of(frames[frame], namespace, name))
    if not found:
        return None
    value = found[0][column]
    return [str(k) for k in value] if isinstance(value, list) else []


def holders(frames: Frames, namespace: str, key: str) -> list[ObjectRef]:
    """The ConfigMaps and Secrets in ``namespace`` that have a key named ``key``, sorted."""
    out = []
    for kind, (frame, column) in KINDS.items():
        df = frames[frame]
        here = records(df[(df[ConfigMaps.NAMESPACE] == namespace).to_numpy(dtype=bool)])
        out += [
            fx.ref(frames, kind, namespace, str(r[ConfigMaps.NAME])) for r in here if key in (r[column] or [])
        ]
    return sorted(out)


def unread(frames: Frames) -> list[str]:
    """The kinds (``Secret``...) whose frames were not read, so a key there cannot be seen."""
    return [kind for kind, (frame, _) in KINDS.items() if not readable(frames, frame)]


def env_from(var: str, source: ObjectRef, key: str) -> dict[str, object]:
    """An EnvVar reading ``key`` of ``source`` into ``var``."""
    return {"name": var, "valueFrom": {REF_FIELD[source.kind]: {"name": source.name, "key": key}}}


def forced_rollback(frames: Frames, top: ObjectRef, pod: ObjectRef, reason: str) -> list[PlanStep]:
    """For a StatefulSet: delete the broken pod after its template is fixed.

    With the default OrderedReady policy a StatefulSet does not replace a pod that never became
    Running and Ready; the Kubernetes docs' "forced rollback" is to fix the template, then delete
    that pod so the controller recreates it from the fixed template.
    """
    if top.kind != "StatefulSet":
        return []
    found = records(fx.rows_of(frames.pods, pod.namespace, pod.name))
    if not found or bool(found[0][Pods.READY]):
        return []
    target = fx.ref(frames, "Pod", pod.namespace, pod.name)
    return [
        PlanStep(
            Action.DELETE_POD,
            target,
            {},
            f"Delete pod {pod.namespace}/{pod.name} so {fx.describe(top)} recreates it from the fixed "
            "template (a StatefulSet does not replace a pod that never became ready by itself)",
            reason,
        )
    ]

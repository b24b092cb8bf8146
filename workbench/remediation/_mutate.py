"""What each allow-listed action does to an object, as a pure function from the object to its new state.

A step is sent as an update of the whole object (``PUT`` with the ``resourceVersion`` that was read),
so the server's optimistic concurrency is the precondition: if anyone changed the object since it was
read, the write fails with 409 and nothing is half-applied. Patches written by a person
(`Action.PATCH`) go as patches, with the ``resourceVersion`` folded into them for the same reason.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from workbench.errors import PlanNotReadyError
from workbench.model import Action, PlanStep

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
_PROBE_FIELD = {"readiness": "readinessProbe", "liveness": "livenessProbe", "startup": "startupProbe"}
Mutation = Callable[[dict[str, Any], Mapping[str, Any]], None]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a workload (CronJobs one level deeper)."""
    spec = obj.setdefault("spec", {})
    if obj.get("kind") == "CronJob":
        spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
    template: dict[str, Any] = spec.setdefault("template", {}).setdefault("spec", {})
    return template


def _container(obj: dict[str, Any], name: str) -> dict[str, Any]:
    spec = pod_spec(obj)
    for section in ("containers", "initContainers"):
        for container in spec.get(section) or []:
            if container.get("name") == name:
                return container  # type: ignore[no-any-return]  # JSON from the server
    names = [c.get("name") for s in ("containers", "initContainers") for c in spec.get(s) or []]
    raise PlanNotReadyError(
        f"{obj.get('kind')} {obj['metadata'].get('namespace', '')}/{obj['metadata']['name']} has no "
        f"container {name!r} (it has {', '.join(map(str, names)) or 'none'}); fix the step's container name"
    )


def _set_image(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    _container(obj, p["container"])["image"] = p["image"]


def _set_resources(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    resources = _container(obj, p["container"]).setdefault("resources", {})
    for section in ("requests", "limits"):
        if p.get(section):
            resources.setdefault(section, {}).update(p[section])


def _set_env(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    container = _container(obj, p["container"])
    env: list[dict[str, Any]] = container.setdefault("env", [])
    for entry in p["env"]:
        # An entry replaces the one of the same name whole (value and valueFrom never mix).
        for i, old in enumerate(env):
            if old.get("name") == entry["name"]:
                env[i] = dict(entry)
                break
        else:
            env.append(dict(entry))


def _set_probe(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    _container(obj, p["container"])[_PROBE_FIELD[p["probe"]]] = copy.deepcopy(dict(p["settings"]))


def _scale(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    obj.setdefault("spec", {})["replicas"] = p["replicas"]


def _selector(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    obj.setdefault("spec", {})["selector"] = dict(p["selector"])


def _configmap_key(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    obj.setdefault("data", {})[p["key"]] = p["value"]


def _hpa_range(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    if "min_replicas" in p:
        spec["minReplicas"] = p["min_replicas"]
    if "max_replicas" in p:
        spec["maxReplicas"] = p["max_replicas"]


def _cordon(obj: dict[str, Any], _: Mapping[str, Any]) -> None:
    obj.setdefault("spec", {})["unschedulable"] = True


def _uncordon(obj: dict[str, Any], _: Mapping[str, Any]) -> None:
    obj.setdefault("spec", {}).pop("unschedulable", None)


def _remove_taint(obj: dict[str, Any], p: Mapping[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    kept = [
        t
        for t in spec.get("taints") or []
        if not (t.get("key") == p["key"] and p.get("effect") in (None, t.get("effect")))
    ]
    if len(kept) == len(spec.get("taints") or []):
        effect = f":{p['effect']}" if p.get("effect") else ""
        raise PlanNotReadyError(
            f"node {obj['metadata']['name']} has no taint {p['key']}{effect} to remove (it was removed "
            "already, or the key is misspelt); check `kubectl describe node`"
        )
    if kept:
        spec["taints"] = kept
    else:
        spec.pop("taints", None)


MUTATIONS: Mapping[Action, Mutation] = {
    Action.SET_IMAGE: _set_image,
    Action.SET_RESOURCES: _set_resources,
    Action.SET_ENV: _set_env,
    Action.SET_PROBE: _set_probe,
    Action.SCALE: _scale,
    Action.SET_SERVICE_SELECTOR: _selector,
    Action.SET_CONFIGMAP_KEY: _configmap_key,
    Action.SET_HPA_RANGE: _hpa_range,
    Action.CORDON: _cordon,
    Action.UNCORDON: _uncordon,
    Action.REMOVE_TAINT: _remove_taint,
}
"""Actions that are a pure change of the target object."""


def mutate(step: PlanStep, obj: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """The object as the step leaves it (a new dict; ``obj`` is not changed).

    Raises:
        PlanNotReadyError: the step does not fit the object (no such container, no such taint).
    """
    new = copy.deepcopy(dict(obj))
    if step.action is Action.ROLLOUT_RESTART:
        template = new.setdefault("spec", {}).setdefault("template", {})
        annotations = template.setdefault("metadata", {}).setdefault("annotations", {})
        annotations[RESTARTED_AT] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        MUTATIONS[step.action](new, step.params)
    return new


def for_update(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An object as it is sent back in an update: without managed fields (the server keeps its own)."""
    body = copy.deepcopy(dict(obj))
    body.get("metadata", {}).pop("managedFields", None)
    return body

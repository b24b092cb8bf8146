"""After an apply: did each change take effect? Rollouts complete, endpoints ready, nodes as asked.

Each check reads the object again and answers (done, what it saw), like ``kubectl rollout status``.
`settle` polls every check until all are done or the timeout passes; with a zero timeout it checks
once (a test on a sandbox with a manual clock advances the clock and then checks).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from workbench.errors import StepRejectedError
from workbench.model import Action, PlanStep
from workbench.model._manifests import CREATES, manifest
from workbench.remediation._client import Writer
from workbench.remediation._steps import path_of

Check = tuple[bool, str]


def _rollout(obj: Mapping[str, Any]) -> Check:
    """``kubectl rollout status`` for Deployments, StatefulSets and DaemonSets."""
    kind, spec, status = obj.get("kind"), obj.get("spec") or {}, obj.get("status") or {}
    if (status.get("observedGeneration") or 0) < (obj["metadata"].get("generation") or 0):
        return False, "waiting for the controller to see the new spec"
    if kind == "DaemonSet":
        want = status.get("desiredNumberScheduled") or 0
        updated, available = status.get("updatedNumberScheduled") or 0, status.get("numberAvailable") or 0
        done = updated >= want and available >= want
        return done, f"{updated} of {want} updated, {available} available"
    want = spec.get("replicas", 1)
    updated = status.get("updatedReplicas") or 0
    if kind == "StatefulSet":
        ready = status.get("readyReplicas") or 0
        same = status.get("currentRevision") == status.get("updateRevision")
        return updated >= want and ready >= want and same, f"{updated} of {want} updated, {ready} ready"
    total, available = status.get("replicas") or 0, status.get("availableReplicas") or 0
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            return False, f"rollout failed: {condition.get('message', 'progress deadline exceeded')}"
    done = updated >= want and total <= want and available >= want
    return done, f"{updated} of {want} updated, {available} available, {total} in all"


def _endpoints(writer: Writer, step: PlanStep) -> Check:
    path = path_of(step.target).replace("/services/", "/endpoints/")
    try:
        endpoints = writer.read(path)
    except StepRejectedError:
        return False, "no Endpoints object yet"
    ready = sum(len(subset.get("addresses") or []) for subset in endpoints.get("subsets") or [])
    return ready > 0, f"{ready} ready endpoint address(es)"


def _node(obj: Mapping[str, Any], step: PlanStep, writer: Writer) -> Check:
    spec = obj.get("spec") or {}
    if step.action is Action.CORDON:
        return bool(spec.get("unschedulable")), "cordoned" if spec.get("unschedulable") else "schedulable"
    if step.action is Action.UNCORDON:
        return not spec.get("unschedulable"), "schedulable" if not spec.get("unschedulable") else "cordoned"
    if step.action is Action.REMOVE_TAINT:
        left = [t for t in spec.get("taints") or [] if t.get("key") == step.params["key"]]
        return not left, "taint removed" if not left else f"taint {step.params['key']} still present"
    if step.action is Action.DRAIN:
        pods = writer.read("/api/v1/pods", {"fieldSelector": f"spec.nodeName={step.target.name}"})
        movable = [
            p["metadata"]["name"]
            for p in pods.get("items") or []
            if not any(o.get("kind") == "DaemonSet" for o in p["metadata"].get("ownerReferences") or [])
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
        ]
        return not movable, f"{len(movable)} pod(s) still on the node" if movable else "drained"
    return True, "applied"


def _has(actual: Any, wanted: Any) -> bool:
    """``actual`` holds everything ``wanted`` says (the server may add defaults beside it)."""
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(_has(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(wanted)
            and all(_has(a, w) for a, w in zip(actual, wanted, strict=True))
        )
    return bool(actual == wanted)


def _created(step: PlanStep, obj: Mapping[str, Any]) -> Check:
    """The created object is there with what the step asked for (spec, or a class's fields)."""
    wanted = {k: v for k, v in manifest(step).items() if k not in ("apiVersion", "kind", "metadata")}
    if _has(obj, wanted):
        return True, f"{step.target} exists as created"
    return False, f"{step.target} exists but not as the step made it (changed since?)"


def _recreated(step: PlanStep, obj: Mapping[str, Any], deleted_uid: str) -> Check:
    """A Job of the name with another uid than the deleted one, whose container has the step's env."""
    uid = str(obj["metadata"].get("uid", ""))
    if uid == deleted_uid:
        return False, f"{step.target} is still the old Job (uid {uid})"
    spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    name = step.params["container"]
    container = next((c for c in spec.get("containers") or [] if c.get("name") == name), None)
    env = {e.get("name"): e for e in (container or {}).get("env") or []}
    missing = [e["name"] for e in step.params["env"] if not _has(env.get(e["name"]), e)]
    if missing:
        return False, f"{step.target} (uid {uid}) does not set {', '.join(missing)} in container {name}"
    status = obj.get("status") or {}
    counts = ", ".join(f"{status.get(k) or 0} {k}" for k in ("active", "succeeded", "failed"))
    return True, f"{step.target} was created again (uid {uid}) with the env set; its pods: {counts}"


def check(step: PlanStep, writer: Writer, *, deleted_uid: str = "") -> Check:
    """Whether one applied step has taken effect, and what was seen."""
    try:
        obj = writer.read(path_of(step.target))
    except StepRejectedError as exc:
        if step.action is Action.DELETE_POD and exc.code == 404:
            return True, "the pod is gone"
        if step.action is Action.DELETE_CREATED and exc.code == 404:
            return True, f"{step.target} is deleted"
        return False, f"cannot read {step.target}: {exc}"
    if step.action in CREATES:
        return _created(step, obj)
    if step.action is Action.DELETE_CREATED:
        if obj["metadata"].get("uid") != step.params["uid"]:
            return True, f"{step.target} is deleted (an object of that name was made since)"
        return False, f"{step.target} is still there (being deleted?)"
    if step.action is Action.RECREATE_JOB:
        return _recreated(step, obj, deleted_uid)
    if step.action is Action.DELETE_POD:
        replaced = obj["metadata"].get("uid") != deleted_uid
        return replaced, "a new pod of that name runs" if replaced else "the pod is still terminating"
    if step.target.kind in ("Deployment", "StatefulSet", "DaemonSet"):
        return _rollout(obj)
    if step.target.kind == "Service":
        return _endpoints(writer, step)
    if step.target.kind == "Node":
        return _node(obj, step, writer)
    if step.target.kind == "CronJob":
        return True, "the job template is updated; it takes effect at the next run"
    return True, "applied"


def settle(
    checks: Mapping[int, Callable[[], Check]],
    *,
    timeout: float,
    interval: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[int, Check]:
    """Run every check until all pass or ``timeout`` seconds pass; the last answer of each."""
    deadline = clock() + max(0.0, timeout)
    answers: dict[int, Check] = {}
    while True:
        for index, run in checks.items():
            if not answers.get(index, (False, ""))[0]:
                answers[index] = run()
        if all(done for done, _ in answers.values()) or clock() >= deadline:
            return answers
        sleep(min(interval, max(0.0, deadline - clock())))

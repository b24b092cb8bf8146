"""A plan step turned into the exact requests that carry it out, and the questions to ask RBAC first.

`prepare` reads what a step needs (the target, and for some actions the ReplicaSets or the pods on a
node) and returns the writes with their preconditions, the access checks, and the pods that will
restart. The same preparation serves the dry-run (sent with ``dryRun=All``) and the apply, so what is
applied is what was previewed.

A creating step is one POST of `workbench.model._manifests.manifest` to the collection, annotated with
the plan's digest; it never replaces an object: the server's 409 for a name that exists is refused
with the step's own message (`send`). Its undo (`Action.DELETE_CREATED`) deletes an object only when
its uid is the one the create answered with and it carries that plan's annotation.

Recreating a Job (`Action.RECREATE_JOB`, see `workbench.remediation._recreate`) is a DELETE of the
Job as read (its uid and resourceVersion as preconditions) and a POST of the new Job that `replaces`
it; the dry run sends that POST under a generated name, the old Job still being there.
"""

from __future__ import annotations

import shlex
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workbench.errors import PlanNotReadyError, StepRejectedError
from workbench.model import Action, ObjectRef, PlanStep
from workbench.model._manifests import CREATED_BY, CREATES, manifest
from workbench.remediation._client import PATCH_CONTENT_TYPES, Answer, Writer
from workbench.remediation._diff import template_changed
from workbench.remediation._mutate import for_update, mutate
from workbench.remediation._recreate import recreated, refusal, scratch
from workbench.sources import BUILTIN, Kind

_KINDS: Mapping[str, Kind] = {kind.kind: kind for kind in BUILTIN}
REVISION = "deployment.kubernetes.io/revision"
_TEMPLATE_HASH = "pod-template-hash"


@dataclass(frozen=True, slots=True)
class Access:
    """An RBAC question: may the user ``verb`` this resource?"""

    verb: str
    group: str
    resource: str
    namespace: str
    name: str = ""
    subresource: str = ""

    @property
    def label(self) -> str:
        resource = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        return f"{resource}.{self.group}" if self.group else resource


@dataclass(frozen=True, slots=True)
class Write:
    """One request that changes the cluster."""

    method: str
    path: str
    body: Any
    ref: ObjectRef
    content_type: str = "application/json"
    creates: bool = False  # a POST that makes ``ref`` (it must not exist)
    replaces: str = ""  # a POST that makes ``ref`` again: the uid of the one the DELETE before it removed
    dry_run_body: Any = None  # what the dry run sends instead of ``body`` (None: the same)


@dataclass(slots=True)
class Prepared:
    """What a step will send, what it read, and what it will disturb."""

    writes: list[Write] = field(default_factory=list)
    access: list[Access] = field(default_factory=list)
    read: dict[str, dict[str, Any]] = field(default_factory=dict)  # ref key → object as read
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)  # ref key → local after-state
    restarts: list[ObjectRef] = field(default_factory=list)
    note: str = ""  # when the step has nothing to do, or does more than its writes say


def kind_of(ref: ObjectRef) -> Kind:
    """The API resource of a ref's kind."""
    try:
        return _KINDS[ref.kind]
    except KeyError:
        raise PlanNotReadyError(f"{ref}: the workbench cannot write a {ref.kind}") from None


def path_of(ref: ObjectRef) -> str:
    """The object's URL path."""
    kind = kind_of(ref)
    return f"{kind.path(ref.namespace or None)}/{urllib.parse.quote(ref.name, safe='')}"


def key(ref: ObjectRef) -> str:
    """How objects are named in versions maps and messages: ``Deployment shop/web``."""
    return str(ObjectRef(ref.kind, ref.namespace, ref.name))


def ref_of(obj: Mapping[str, Any], kind: str) -> ObjectRef:
    meta = obj.get("metadata") or {}
    return ObjectRef(
        kind, str(meta.get("namespace") or ""), str(meta.get("name") or ""), str(meta.get("uid") or "")
    )


def _access(verb: str, ref: ObjectRef, *, name: bool = True, subresource: str = "") -> Access:
    kind = kind_of(ref)
    return Access(verb, kind.group, kind.plural, ref.namespace, ref.name if name else "", subresource)


def prepare(
    step: PlanStep, writer: Writer, state: dict[str, dict[str, Any]], *, now: datetime, digest: str
) -> Prepared:
    """The requests for one step against the objects as they are in ``state`` (read when missing).

    ``state`` maps ref keys to the latest known object (what the server returned for an earlier step
    of the same plan); it is filled with what this step reads. ``digest`` is the plan's: what a
    creating step marks its object with.

    Raises:
        PlanNotReadyError: the step does not fit the cluster (no such container, revision or taint;
            an object to delete that no plan created).
        StepRejectedError: a read was refused (the object does not exist, or RBAC forbids reading it).
    """
    out = Prepared()
    target = step.target
    action = step.action
    if action in CREATES:
        if key(target) in state:
            raise PlanNotReadyError(
                f"an earlier step of this plan reads or creates {target}; a step creates only an object that "
                "does not exist yet: give the new object another name"
            )
        body = manifest(step, created_by=digest)
        path = kind_of(target).path(target.namespace or None)
        out.writes.append(Write("POST", path, body, target, creates=True))
        out.access.append(_access("create", target, name=False))
        return out
    out.access.append(_access("get", target))
    current = _current(target, writer, state, out)
    if action is Action.DELETE_CREATED:
        _delete_created(step, current, out)
    elif action is Action.DELETE_POD:
        meta = current["metadata"]
        options = {"preconditions": {"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]}}
        out.writes.append(Write("DELETE", path_of(target), options, target))
        out.access.append(_access("delete", target))
        out.restarts.append(ref_of(current, "Pod"))
    elif action is Action.DRAIN:
        _drain(step, current, writer, out)
    elif action is Action.RECREATE_JOB:
        _recreate(step, current, out)
    elif action is Action.PATCH:
        out.writes.append(
            Write(
                "PATCH",
                path_of(target),
                _guarded_patch(step, current),
                target,
                PATCH_CONTENT_TYPES[step.params["patch_type"]],
            )
        )
        out.access.append(_access("patch", target))
    else:
        after = (
            _undo(current, step, writer, out)
            if action is Action.ROLLOUT_UNDO
            else mutate(step, current, now=now)
        )
        if after == current:
            out.note = "nothing to change: the object already is as the step would leave it"
            return out
        out.writes.append(Write("PUT", path_of(target), for_update(after), target))
        out.expected[key(target)] = after
        out.access.append(_access("update", target))
        out.restarts.extend(_disturbed(current, after, target, writer, out))
    return out


def send(writer: Writer, write: Write, *, dry_run: bool) -> Answer:
    """Send one write; a create refused because the name is taken says so, and what to do.

    Raises:
        StepRejectedError: the server refused it (for a create of a name that exists: code 409 and a
            message naming the object and the fix).
    """
    body = write.dry_run_body if dry_run and write.dry_run_body is not None else write.body
    try:
        return writer.send(write.method, write.path, body, dry_run=dry_run, content_type=write.content_type)
    except StepRejectedError as exc:
        if not (write.creates and exc.code == 409):
            raise
        ref = write.ref
        scope = ["-n", ref.namespace] if ref.namespace else []
        look = shlex.join(["kubectl", "get", ref.kind.lower(), ref.name, *scope, "-o", "yaml"])
        raise StepRejectedError(
            f"{ref} already exists, and this step only creates (it never changes or replaces an object): "
            f"nothing was written. Read the one there ({look}) and name the new object differently if "
            f"both are needed (the server said: {exc})",
            code=exc.code,
            reason=exc.reason,
            path=exc.path,
        ) from exc


def _delete_created(step: PlanStep, current: dict[str, Any], out: Prepared) -> None:
    """Delete the object only if it is the one a plan created: its uid, and that plan's annotation."""
    meta = current["metadata"]
    created_by = str((meta.get("annotations") or {}).get(CREATED_BY) or "")
    if meta.get("uid") != step.params["uid"] or created_by != step.params["created_by"]:
        made = f"created by {created_by[:19]}…" if created_by else "no plan made it"
        found = f"uid {meta.get('uid')}, {made}"
        raise PlanNotReadyError(
            f"{step.target} is not the object the plan created (expected uid {step.params['uid']} created by "
            f"{step.params['created_by'][:19]}…; found {found}): it was replaced or was never a plan's, so "
            "nothing is deleted. Delete it by hand if it must go"
        )
    options = {"preconditions": {"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]}}
    out.writes.append(Write("DELETE", path_of(step.target), options, step.target))
    out.access.append(_access("delete", step.target))


def _recreate(step: PlanStep, job: dict[str, Any], out: Prepared) -> None:
    """Delete the finished Job as read, then create it again with the step's env (`_recreate`)."""
    refusal(job, step)
    new = recreated(job, step)
    meta = job["metadata"]
    options = {
        "preconditions": {"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]},
        "propagationPolicy": "Background",
    }
    target = step.target
    out.writes.append(Write("DELETE", path_of(target), options, target))
    collection = kind_of(target).path(target.namespace)
    out.writes.append(Write("POST", collection, new, target, replaces=meta["uid"], dry_run_body=scratch(new)))
    out.access += [_access("delete", target), _access("create", target, name=False)]
    out.note = (
        f"deletes {target} and creates it again (its pods run again); the dry run validated the new Job "
        "under a name the server generated, the old one still being there"
    )


def _current(
    ref: ObjectRef, writer: Writer, state: dict[str, dict[str, Any]], out: Prepared
) -> dict[str, Any]:
    k = key(ref)
    if k not in state:
        state[k] = writer.read(path_of(ref))
    out.read[k] = state[k]
    return state[k]


def _guarded_patch(step: PlanStep, current: Mapping[str, Any]) -> Any:
    rv = current["metadata"]["resourceVersion"]
    patch = step.params["patch"]
    if step.params["patch_type"] == "json":
        # A failing "test" makes the server reject the whole patch: the precondition of a JSON patch.
        return [{"op": "test", "path": "/metadata/resourceVersion", "value": rv}, *patch]
    body = dict(patch)
    body["metadata"] = {**dict(body.get("metadata") or {}), "resourceVersion": rv}
    return body


def _undo(current: dict[str, Any], step: PlanStep, writer: Writer, out: Prepared) -> dict[str, Any]:
    """What ``kubectl rollout undo`` does: the Deployment's template from the ReplicaSet of a revision."""
    meta = current["metadata"]
    sets_ref = ObjectRef("ReplicaSet", meta["namespace"], "")
    out.access.append(_access("list", sets_ref, name=False))
    listed = writer.read(kind_of(sets_ref).path(meta["namespace"]))
    owned = [
        rs
        for rs in listed.get("items") or []
        if any(o.get("uid") == meta["uid"] for o in (rs["metadata"].get("ownerReferences") or []))
    ]
    revisions = {int((rs["metadata"].get("annotations") or {}).get(REVISION, "0")): rs for rs in owned}
    now_at = int((meta.get("annotations") or {}).get(REVISION, "0"))
    wanted = step.params.get("to_revision") or max((r for r in revisions if r < now_at), default=0)
    if wanted not in revisions:
        have = ", ".join(str(r) for r in sorted(revisions)) or "none"
        raise PlanNotReadyError(
            f"{step.target} has no revision {wanted or '(previous)'} to roll back to "
            f"(revisions kept: {have}); pick one of those with to_revision, or see `kubectl rollout history`"
        )
    template = dict(revisions[wanted]["spec"]["template"])
    labels = {
        k: v for k, v in (template.get("metadata") or {}).get("labels", {}).items() if k != _TEMPLATE_HASH
    }
    template["metadata"] = {**dict(template.get("metadata") or {}), "labels": labels}
    return {**current, "spec": {**current["spec"], "template": template}}


def _drain(step: PlanStep, node: dict[str, Any], writer: Writer, out: Prepared) -> None:
    """What ``kubectl drain`` does: cordon, then evict every pod a controller will recreate elsewhere."""
    target = step.target
    if not (node.get("spec") or {}).get("unschedulable"):
        after = mutate(PlanStep(Action.CORDON, target), node, now=datetime.now())
        out.writes.append(Write("PUT", path_of(target), for_update(after), target))
        out.expected[key(target)] = after
        out.access.append(_access("update", target))
    pods_ref = ObjectRef("Pod", "", "")
    out.access.append(_access("list", pods_ref, name=False))
    selector = {"fieldSelector": f"spec.nodeName={target.name}"}
    pods = writer.read(kind_of(pods_ref).path(), selector).get("items") or []
    options: dict[str, Any] = {}
    if "grace_seconds" in step.params:
        options["gracePeriodSeconds"] = step.params["grace_seconds"]
    bare = []
    for pod in sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"])):
        meta = pod["metadata"]
        owners = meta.get("ownerReferences") or []
        phase = (pod.get("status") or {}).get("phase")
        if any(o.get("kind") == "DaemonSet" for o in owners) or phase in ("Succeeded", "Failed"):
            continue  # daemon pods stay (--ignore-daemonsets); finished pods need no eviction
        if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
            continue  # static pods are the kubelet's, not the API's
        if not owners:
            bare.append(f"{meta.get('namespace')}/{meta['name']}")
            continue
        ref = ref_of(pod, "Pod")
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": ref.name, "namespace": ref.namespace},
        }
        if options:
            body["deleteOptions"] = options
        out.writes.append(Write("POST", path_of(ref) + "/eviction", body, ref))
        out.access.append(_access("create", ref, subresource="eviction"))
        out.restarts.append(ref)
    if bare:
        raise PlanNotReadyError(
            f"draining {target.name} would delete pods no controller recreates: {', '.join(bare)}; move or "
            "delete them yourself first (kubectl drain refuses too, unless --force)"
        )


def _disturbed(
    before: Mapping[str, Any], after: Mapping[str, Any], target: ObjectRef, writer: Writer, out: Prepared
) -> list[ObjectRef]:
    """Pods a workload change restarts (a new template) or removes (fewer replicas)."""
    if target.kind not in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return []
    replaced = template_changed(before, after)
    old_n, new_n = (before.get("spec") or {}).get("replicas"), (after.get("spec") or {}).get("replicas")
    shrink = isinstance(old_n, int) and isinstance(new_n, int) and new_n < old_n
    if not replaced and not shrink:
        return []
    selector = _label_selector((before.get("spec") or {}).get("selector") or {})
    pods_ref = ObjectRef("Pod", target.namespace, "")
    out.access.append(_access("list", pods_ref, name=False))
    items = (
        writer.read(kind_of(pods_ref).path(target.namespace), {"labelSelector": selector}).get("items") or []
    )
    pods = sorted(items, key=lambda p: str(p["metadata"].get("creationTimestamp", "")), reverse=True)
    if not replaced:
        pods = pods[: max(0, len(pods) - int(new_n or 0))]  # the youngest go first
    return sorted(ref_of(p, "Pod") for p in pods)


def _label_selector(selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op, k, values = expr.get("operator"), expr.get("key"), ",".join(expr.get("values") or [])
        if op == "In":
            parts.append(f"{k} in ({values})")
        elif op == "NotIn":
            parts.append(f"{k} notin ({values})")
        elif op == "Exists":
            parts.append(str(k))
        elif op == "DoesNotExist":
            parts.append(f"!{k}")
    return ",".join(parts)

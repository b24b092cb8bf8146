"""Recreating a Job (`Action.RECREATE_JOB`): the new Job, when it may be made, and waiting for the old one.

A Job's pod template is immutable and a failed Job starts no more pods, so the fix for a Job that
failed for want of a setting is a new Job: the old one as read, with the step's env entries set on one
container, its server-set metadata and status left out, and without ``spec.selector``, ``manualSelector``
and the controller-uid/job-name template labels, so that the API server generates them for the new
uid. The step deletes the old Job (``propagationPolicy: Background``, preconditioned on the uid and
resourceVersion that were read) and then creates the new one.

Only a finished Job is recreated (a running one would lose its pods' work), and never one a CronJob or
another controller made: the fix belongs in that controller's template. A dry run cannot create the new
Job under its name while the old one still exists, so it validates the new object under a name the
server generates from ``<name>-`` instead (``generateName``); nothing is stored either way.

Example:
    >>> from workbench.model import Action, ObjectRef, PlanStep
    >>> step = PlanStep(
    ...     Action.RECREATE_JOB,
    ...     ObjectRef("Job", "finance", "ledger-export"),
    ...     {"container": "export", "env": [{"name": "EXPORT_BUCKET", "value": "s3://bucket/daily"}]},
    ... )
    >>> old = {
    ...     "apiVersion": "batch/v1",
    ...     "kind": "Job",
    ...     "metadata": {"name": "ledger-export", "namespace": "finance", "uid": "u1", "labels": {"a": "x"}},
    ...     "spec": {
    ...         "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
    ...         "template": {
    ...             "metadata": {"labels": {"a": "x", "batch.kubernetes.io/controller-uid": "u1"}},
    ...             "spec": {"containers": [{"name": "export", "image": "ledger-export:1.2.0"}]},
    ...         },
    ...     },
    ...     "status": {"failed": 4},
    ... }
    >>> new = recreated(old, step)
    >>> sorted(new["metadata"]), sorted(new["spec"]), new["spec"]["template"]["metadata"]["labels"]
    (['labels', 'name', 'namespace'], ['template'], {'a': 'x'})
    >>> new["spec"]["template"]["spec"]["containers"][0]["env"]
    [{'name': 'EXPORT_BUCKET', 'value': 's3://bucket/daily'}]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import yaml

from workbench.errors import PlanNotReadyError
from workbench.model import Action, FieldChange, PlanStep
from workbench.model._manifests import JOB_GENERATED_LABELS
from workbench.remediation._diff import changes, readable, yaml_diff
from workbench.remediation._mutate import MUTATIONS

FINISHED = frozenset({"Complete", "Failed", "FailureTarget", "SuccessCriteriaMet"})
"""Job conditions (status True) after which no pod of the Job does work that recreating would cut short."""
_KEPT_METADATA = ("name", "namespace", "labels", "annotations")


def refusal(job: Mapping[str, Any], step: PlanStep) -> None:
    """Refuse a Job that must not be recreated (see the module docstring).

    Raises:
        PlanNotReadyError: the Job is being deleted, is made by a CronJob or another controller, or
            still runs pods and has not finished.
    """
    meta = job.get("metadata") or {}
    target = step.target
    if meta.get("deletionTimestamp"):
        raise PlanNotReadyError(
            f"{target} is being deleted already; wait until it is gone, then create the Job from its manifest"
        )
    for owner in meta.get("ownerReferences") or []:
        if not owner.get("controller"):
            continue
        kind, name = owner.get("kind", "?"), owner.get("name", "?")
        if kind == "CronJob":
            raise PlanNotReadyError(
                f"{target} is a run of CronJob {target.namespace}/{name}: a Job recreated by hand leaves the "
                "CronJob's job template as it is, and its next run fails the same way. Fix the CronJob "
                f"instead (set-env on CronJob {target.namespace}/{name}), then start a run from it "
                f"(kubectl create job --from=cronjob/{name} -n {target.namespace})"
            )
        raise PlanNotReadyError(
            f"{target} is managed by {kind} {name}: change the Job where {kind} {name} makes it (a Job "
            f"recreated by hand would not be {kind} {name}'s)"
        )
    status = job.get("status") or {}
    finished = [
        c.get("type")
        for c in status.get("conditions") or []
        if c.get("type") in FINISHED and c.get("status") == "True"
    ]
    active = status.get("active") or 0
    if active and not finished:
        raise PlanNotReadyError(
            f"{target} still runs {active} pod(s) and has not finished: recreating it would kill their work. "
            f"Wait until it completes or fails (kubectl get job {target.name} -n {target.namespace}), or "
            "stop it yourself first if its work is lost anyway"
        )


def recreated(job: Mapping[str, Any], step: PlanStep) -> dict[str, Any]:
    """The Job ``step`` creates in place of ``job`` as read (see the module docstring).

    Raises:
        PlanNotReadyError: the Job has no container named as the step says.
    """
    meta = job.get("metadata") or {}
    new_meta = {k: copy.deepcopy(meta[k]) for k in _KEPT_METADATA if meta.get(k)}
    # An owner that is not the controller (kept alive with it, garbage-collected with it) still owns it.
    owners = [copy.deepcopy(o) for o in meta.get("ownerReferences") or [] if not o.get("controller")]
    if owners:
        new_meta["ownerReferences"] = owners
    spec = copy.deepcopy(dict(job.get("spec") or {}))
    spec.pop("selector", None)
    spec.pop("manualSelector", None)
    template = spec.setdefault("template", {})
    template_meta = template.setdefault("metadata", {})
    labels = {k: v for k, v in (template_meta.get("labels") or {}).items() if k not in JOB_GENERATED_LABELS}
    if labels:
        template_meta["labels"] = labels
    else:
        template_meta.pop("labels", None)
    new = {
        "apiVersion": job.get("apiVersion") or "batch/v1",
        "kind": "Job",
        "metadata": new_meta,
        "spec": spec,
    }
    MUTATIONS[Action.SET_ENV](new, step.params)
    return new


def scratch(new: Mapping[str, Any]) -> dict[str, Any]:
    """``new`` under a name the server generates (``<name>-xxxxx``): what the dry run validates."""
    body = copy.deepcopy(dict(new))
    meta = body["metadata"]
    meta["generateName"] = meta.pop("name")[:57] + "-"
    return body


def comparable(job: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``job`` without what differs between any two Jobs of one manifest (uid, selector, generated
    labels, status, server metadata), named ``name``: the old Job and the new one side by side."""
    out = readable(job)
    meta = {k: v for k, v in (out.get("metadata") or {}).items() if k not in ("name", "generateName")}
    out["metadata"] = {"name": name, **meta}
    spec = out.get("spec") or {}
    spec.pop("selector", None)
    template_meta = (spec.get("template") or {}).get("metadata") or {}
    labels = template_meta.get("labels") or {}
    for label in JOB_GENERATED_LABELS:
        labels.pop(label, None)
    return out


def preview(old: Mapping[str, Any], dry: Mapping[str, Any], *, label: str) -> tuple[str, list[FieldChange]]:
    """The diff of the old Job and the new one as the server's dry run made it, and the changed fields.

    The first field says the Job is deleted and created again, under which name the dry run
    validated it, and that its pods run again.
    """
    name = str((old.get("metadata") or {}).get("name") or "")
    before, after = comparable(old, name), comparable(dry, name)
    validated = str((dry.get("metadata") or {}).get("name") or "")
    headers = (
        f"{label} (now; deleted)",
        f"{label} (created again; the dry run validated it as {validated}, the old Job still being there)",
    )
    fields = [
        FieldChange(
            f"{label} (deleted, then created again: a new uid and selector; its pods run again)",
            f"uid {(old.get('metadata') or {}).get('uid', '')}",
            "a new uid",
        ),
        *changes(before, after),
    ]
    return yaml_diff(before, after, label=label, headers=headers), fields


def old_manifest(job: Mapping[str, Any]) -> str:
    """The Job as it was read, as YAML without status and server bookkeeping (what the audit keeps)."""
    return yaml.safe_dump(readable(job), sort_keys=False, default_flow_style=False, allow_unicode=True)

"""Validation of batch/v1 Jobs and CronJobs, including the generated-selector checks.

Follows ``pkg/apis/batch/validation``: counters, completion mode, the template's restart policy
(``OnFailure`` or ``Never``), selector and template immutability, and cron schedules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._cron import cron_schedule_error, time_zone_error
from ._errors import (
    FieldError,
    GoRepr,
    at,
    go_label_selector,
    go_string_map,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
)
from ._names import (
    is_dns1123_label,
    name_is_dns_subdomain,
    selector_is_convertible,
    selector_is_empty,
    selector_matches,
    validate_label_selector,
    validate_object_meta,
)
from ._pod_defaults import as_dict
from ._pod_validation import validate_pod_template


def _job_spec(spec: Mapping[str, Any], path: str) -> list[FieldError]:
    """validateJobSpec: counters, completion mode, the pod template and its restart policy."""
    errs: list[FieldError] = []
    for key in (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ):
        if spec.get(key) is not None:
            errs += nonnegative(spec.get(key), at(path, key))
    mode = spec.get("completionMode")
    if mode is not None:
        if mode not in ("NonIndexed", "Indexed"):
            errs.append(not_supported(at(path, "completionMode"), mode, ("NonIndexed", "Indexed")))
        if mode == "Indexed" and spec.get("completions") is None:
            errs.append(required(at(path, "completions"), "when completion mode is Indexed"))
    replacement = spec.get("podReplacementPolicy")
    if replacement is not None and replacement not in ("TerminatingOrFailed", "Failed"):
        errs.append(
            not_supported(at(path, "podReplacementPolicy"), replacement, ("TerminatingOrFailed", "Failed"))
        )
    template = spec.get("template")
    errs += validate_pod_template(template, at(path, "template"))
    restart = as_dict(as_dict(template).get("spec")).get("restartPolicy", "")
    if restart in ("Always", ""):
        errs.append(
            not_supported(at(path, "template", "spec", "restartPolicy"), restart, ("OnFailure", "Never"))
        )
    return errs


def validate_job(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    meta, spec = as_dict(obj.get("metadata")), as_dict(obj.get("spec"))
    errs = validate_object_meta(meta, name_is_dns_subdomain, check_name=old is None)
    errs += _generated_selector(meta, spec, old)
    errs += _job_spec(spec, "spec")
    selector = spec.get("selector")
    if selector is None:
        errs.append(required("spec.selector"))
    else:
        errs += validate_label_selector(selector, "spec.selector")
    labels = as_dict(as_dict(spec.get("template")).get("metadata")).get("labels")
    # A missing selector selects nothing, so it mismatches too (LabelSelectorAsSelector(nil)).
    convertible = selector_is_convertible(selector)
    if convertible and not selector_is_empty(selector) and not selector_matches(selector, labels):
        errs.append(
            invalid(
                "spec.template.metadata.labels",
                go_string_map(labels),
                "`selector` does not match template `labels`",
            )
        )
    name, completions = meta.get("name", ""), spec.get("completions")
    if spec.get("completionMode") == "Indexed" and isinstance(completions, int) and completions > 0:
        hostname = f"{name}-{completions - 1}"
        if is_dns1123_label(hostname):
            errs.append(
                invalid(
                    "metadata.name", name, f"will not able to create pod with invalid DNS label: {hostname}"
                )
            )
    if old is not None:
        errs += _job_update(spec, as_dict(old.get("spec")), as_dict(old.get("status")))
    return errs


def _generated_selector(
    meta: Mapping[str, Any], spec: Mapping[str, Any], old: Mapping[str, Any] | None
) -> list[FieldError]:
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return []
    uid, name = str(meta.get("uid", "")), str(meta.get("name", ""))
    errs: list[FieldError] = []
    if not uid:
        errs.append(required("metadata.uid"))
    labels = as_dict(as_dict(spec.get("template")).get("metadata")).get("labels")
    wanted = {"controller-uid": uid, "job-name": name}
    old_labels = as_dict(as_dict(as_dict(as_dict(old).get("spec")).get("template")).get("metadata")).get(
        "labels"
    )
    prefixed = old is None or all(
        k in as_dict(old_labels)
        for k in ("batch.kubernetes.io/job-name", "batch.kubernetes.io/controller-uid")
    )
    if prefixed:
        wanted |= {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name}
    for key in (
        "controller-uid",
        "job-name",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-name",
    ):
        if key not in wanted:
            continue
        field = f"spec.template.metadata.labels[{key}]"
        if key not in as_dict(labels):
            errs.append(required(field, f"must be '{wanted[key]}'"))
        elif as_dict(labels)[key] != wanted[key]:
            errs.append(invalid(field, go_string_map(labels), f"must be '{wanted[key]}'"))
    if selector_is_convertible(spec.get("selector")) and not selector_matches(spec.get("selector"), wanted):
        errs.append(
            invalid("spec.selector", go_label_selector(spec.get("selector")), "`selector` not auto-generated")
        )
    return errs


_MUTABLE_WHILE_SUSPENDED = ("nodeSelector", "affinity", "tolerations", "schedulingGates")


def _job_update(
    spec: Mapping[str, Any], old: Mapping[str, Any], old_status: Mapping[str, Any]
) -> list[FieldError]:
    errs = immutable("spec.completions", spec.get("completions"), old.get("completions"))
    errs += immutable("spec.selector", spec.get("selector"), old.get("selector"), go_label_selector)
    template, old_template = as_dict(spec.get("template")), as_dict(old.get("template"))
    if old.get("suspend") is True and old_status.get("startTime") is None:
        # A suspended Job that never started may change its pods' scheduling directives.
        template, old_template = _strip_scheduling(template), _strip_scheduling(old_template)
    errs += immutable("spec.template", template, old_template, lambda _: GoRepr("core.PodTemplateSpec{...}"))
    errs += immutable("spec.completionMode", spec.get("completionMode"), old.get("completionMode"))
    errs += immutable("spec.podFailurePolicy", spec.get("podFailurePolicy"), old.get("podFailurePolicy"))
    return errs


def _strip_scheduling(template: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in as_dict(template.get("metadata")).items() if k not in ("labels", "annotations")}
    spec = {k: v for k, v in as_dict(template.get("spec")).items() if k not in _MUTABLE_WHILE_SUSPENDED}
    return {**template, "metadata": meta, "spec": spec}


def validate_cron_job(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[FieldError]:
    meta, spec = as_dict(obj.get("metadata")), as_dict(obj.get("spec"))
    errs = validate_object_meta(meta, name_is_dns_subdomain, check_name=old is None)
    schedule = spec.get("schedule", "")
    old_spec = as_dict(as_dict(old).get("spec"))
    if not schedule:
        errs.append(required("spec.schedule"))
    else:
        problem = cron_schedule_error(str(schedule))
        if problem:
            errs.append(invalid("spec.schedule", schedule, problem))
        if "TZ" in str(schedule) and "TZ" not in str(old_spec.get("schedule", "")):
            errs.append(
                invalid(
                    "spec.schedule",
                    schedule,
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                )
            )
    if spec.get("startingDeadlineSeconds") is not None:
        errs += nonnegative(spec.get("startingDeadlineSeconds"), "spec.startingDeadlineSeconds")
    time_zone = spec.get("timeZone")
    if time_zone is not None and (old is None or time_zone != old_spec.get("timeZone")):
        problem = time_zone_error(str(time_zone))
        if problem:
            errs.append(invalid("spec.timeZone", time_zone, problem))
    policy = spec.get("concurrencyPolicy", "")
    if not policy:
        errs.append(required("spec.concurrencyPolicy"))
    elif policy not in ("Allow", "Forbid", "Replace"):
        errs.append(not_supported("spec.concurrencyPolicy", policy, ("Allow", "Forbid", "Replace")))
    job_spec = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
    errs += _job_spec(job_spec, "spec.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        errs.append(
            invalid(
                "spec.jobTemplate.spec.selector",
                go_label_selector(job_spec.get("selector")),
                "`selector` will be auto-generated",
            )
        )
    if job_spec.get("manualSelector") is True:
        errs.append(not_supported("spec.jobTemplate.spec.manualSelector", True, ("nil", "false")))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        if spec.get(key) is not None:
            errs += nonnegative(spec.get(key), at("spec", key))
    name = str(meta.get("name", ""))
    if old is None and len(name) > 52:
        errs.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    return errs

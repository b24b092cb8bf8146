"""recreate-job: a failed bare Job whose pods' logs say a variable is not set is made again with it set,
from the one ConfigMap/Secret key of that name, else from a value a person gives; otherwise the
investigation answers."""

from __future__ import annotations

import functools
from typing import Any

import pytest

import workbench
from tests.analyzers.pods.objects import configmap, log_text, node, pod, secret, status, terminated
from tests.remediation.planners.objects import Obj, bundle, owned
from workbench import sandbox
from workbench.analyzers import AnalysisReport, analyze
from workbench.errors import PlanNotReadyError
from workbench.frames import Frames, with_log_tails
from workbench.model import Action, Finding, Investigation, ObjectRef, Plan, PlanInput, Severity
from workbench.remediation import Remediation
from workbench.remediation.planners import codes, proposals, propose
from workbench.remediation.planners.recreate_job import RecreateJob

LOG = "export 2.0: error: EXPORT_BUCKET is not set; where should the export go?"
JOB = ObjectRef("Job", "shop", "export")
FAILED = Finding("job.failed", Severity.ERROR, JOB, "Job shop/export failed: BackoffLimitExceeded")


@functools.cache
def live() -> tuple[AnalysisReport, Frames, Frames]:
    """The failed-job scenario after 10 minutes: report, frames with log tails, frames without."""
    with sandbox.start(scenario="failed-job", manual_clock=True) as sb:
        sb.advance(600)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            bare = cluster.frames()
            frames = with_log_tails(bare, cluster.source, tail=200)
    return analyze(frames), frames, bare


def job(*, owner: tuple[str, str] | None = None, condition: str = "Failed") -> Obj:
    made = owned("Job", "export", owner=owner, template={"spec": {"containers": [{"name": "app"}]}})
    made["status"] = {
        "failed": 4,
        "conditions": [{"type": condition, "status": "True", "reason": "BackoffLimitExceeded"}],
    }
    return made


def cluster(
    *objects: Obj,
    lines: tuple[str, ...] = (LOG,),
    container: str = "app",
    the_job: Obj | None = None,
    init: bool = False,
) -> Frames:
    """Job shop/export (failed), its failed pod and its log, plus ``objects``."""
    inits = [{"name": "setup", "image": "x"}] if init else []
    items = [
        the_job or job(),
        pod(
            "export-x1",
            owner=("Job", "export"),
            phase="Failed",
            restart_policy="Never",
            statuses=[status(ready=False, state=terminated(1))],
            init=inits,
            init_statuses=[status("setup", ready=False, state=terminated(0, "Completed"))] if init else (),
        ),
        node("node-1"),
        *objects,
    ]
    logs = [("shop", "export-x1", container, False, log_text(*lines))]
    return bundle(*items, logs=logs, pulled=("configmaps", "secrets"))


def step_of(result: Plan | Investigation | None) -> tuple[str, str, dict[str, Any]]:
    assert isinstance(result, Plan), result
    (step,) = result.steps
    return step.action.value, str(step.target), dict(step.params)


# --- the scenario ------------------------------------------------------------------------------------


def test_the_scenario_asks_for_the_bucket_and_recreates_the_job() -> None:
    report, frames, _ = live()
    (plan,) = proposals(report, frames)
    assert isinstance(plan, Plan)
    assert step_of(plan) == (
        "recreate-job",
        "Job finance/ledger-export",
        {"container": "export", "env": [{"name": "EXPORT_BUCKET", "value": "${EXPORT_BUCKET}"}]},
    )
    (step,) = plan.steps
    assert step.target.api_version == "batch/v1"
    assert step.reason == plan.findings[0] == "job.failed:Job/finance/ledger-export"
    (needed,) = plan.inputs
    assert needed.name == "EXPORT_BUCKET"
    assert needed.suggestion == ""  # the value is not in the cluster: nothing to suggest
    assert "no ConfigMap or Secret in finance has it" in needed.prompt
    assert needed.prompt.endswith(
        "its log says: ledger-export 1.2.0: error: EXPORT_BUCKET is not set; where should the export go?"
    )
    notes = " ".join(plan.notes)
    assert "pod template is immutable" in notes
    assert "a failed Job starts no more pods" in notes
    assert "does its work again, side effects included" in notes
    assert "old Job's manifest is kept in the apply's audit record" in notes
    assert 'plan.fill(EXPORT_BUCKET="...")' in notes


def test_the_filled_plan_renders_as_kubectl_and_as_a_cell() -> None:
    report, frames, _ = live()
    (plan,) = proposals(report, frames)
    assert isinstance(plan, Plan)
    filled = plan.fill(EXPORT_BUCKET="s3://ledger-exports.finance.example/daily")
    assert not filled.inputs
    assert filled.steps[0].params["env"] == [
        {"name": "EXPORT_BUCKET", "value": "s3://ledger-exports.finance.example/daily"}
    ]
    saved, delete, create = filled.kubectl()
    assert saved == "kubectl -n finance get job ledger-export -o json > job-ledger-export.json"
    assert delete == "kubectl -n finance delete job ledger-export"
    assert create.endswith("-o json | kubectl -n finance create -f -")
    cell = filled.to_cell()
    assert "Action.RECREATE_JOB" in cell
    compile(cell, "<cell>", "exec")


def test_without_the_pods_logs_the_investigation_answers() -> None:
    report, _, bare = live()
    (finding,) = report.findings
    assert RecreateJob().propose(finding, bare) is None
    look = propose(finding, bare)
    assert isinstance(look, Investigation)
    assert any("immutable" in c for c in look.checks)


# --- hand-built cases --------------------------------------------------------------------------------


def test_a_configmap_key_of_the_name_is_read_with_no_input() -> None:
    plan = RecreateJob().propose(FAILED, cluster(configmap("shop", "export-config", ["EXPORT_BUCKET"])))
    assert step_of(plan) == (
        "recreate-job",
        "Job shop/export",
        {
            "container": "app",
            "env": [
                {
                    "name": "EXPORT_BUCKET",
                    "valueFrom": {"configMapKeyRef": {"name": "export-config", "key": "EXPORT_BUCKET"}},
                }
            ],
        },
    )
    assert isinstance(plan, Plan)
    assert plan.inputs == ()
    assert "from key EXPORT_BUCKET of ConfigMap shop/export-config" in plan.steps[0].title


def test_a_secret_key_of_the_name_is_read_by_reference() -> None:
    plan = RecreateJob().propose(FAILED, cluster(secret("shop", "export-creds", ["EXPORT_BUCKET"])))
    assert step_of(plan)[2]["env"] == [
        {
            "name": "EXPORT_BUCKET",
            "valueFrom": {"secretKeyRef": {"name": "export-creds", "key": "EXPORT_BUCKET"}},
        }
    ]


def test_each_missing_variable_is_set_one_from_a_key_one_asked_for() -> None:
    lines = (LOG, "export 2.0: KeyError: 'EXPORT_REGION'")
    plan = RecreateJob().propose(FAILED, cluster(configmap("shop", "c", ["EXPORT_REGION"]), lines=lines))
    assert isinstance(plan, Plan)
    assert step_of(plan)[2]["env"] == [
        {"name": "EXPORT_BUCKET", "value": "${EXPORT_BUCKET}"},
        {"name": "EXPORT_REGION", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "EXPORT_REGION"}}},
    ]
    assert [i.name for i in plan.inputs] == ["EXPORT_BUCKET"]


def test_the_input_is_named_as_the_variable_and_the_prompt_quotes_the_log() -> None:
    plan = RecreateJob().propose(FAILED, cluster())
    assert isinstance(plan, Plan)
    (needed,) = plan.inputs
    assert needed == PlanInput(
        "EXPORT_BUCKET",
        "the value of EXPORT_BUCKET for container app of job shop/export: no ConfigMap or Secret in shop "
        f"has it, and its log says: {LOG}",
    )
    with pytest.raises(PlanNotReadyError, match=r"needs values before it can run: EXPORT_BUCKET: the value"):
        Remediation(plan, None)  # type: ignore[arg-type]  # refused before the source is used


def test_two_objects_with_the_key_leave_it_to_a_person() -> None:
    frames = cluster(configmap("shop", "a", ["EXPORT_BUCKET"]), secret("shop", "b", ["EXPORT_BUCKET"]))
    assert RecreateJob().propose(FAILED, frames) is None
    assert isinstance(propose(FAILED, frames), Investigation)


def test_a_cronjobs_run_is_the_cronjobs_to_fix() -> None:
    frames = cluster(the_job=job(owner=("CronJob", "nightly")))
    assert RecreateJob().propose(FAILED, frames) is None


def test_a_job_that_has_not_failed_is_not_recreated() -> None:
    assert RecreateJob().propose(FAILED, cluster(the_job=job(condition="Complete"))) is None


@pytest.mark.parametrize(
    "lines",
    [("export 2.0: error: the bucket is unreachable",), ("connection refused",)],
    ids=["no-variable", "unrelated"],
)
def test_a_log_that_names_no_missing_variable_is_not_this_planners(lines: tuple[str, ...]) -> None:
    assert RecreateJob().propose(FAILED, cluster(lines=lines)) is None


def test_an_init_containers_log_is_not_the_apps() -> None:
    assert RecreateJob().propose(FAILED, cluster(container="setup", init=True)) is None


def test_a_finding_about_another_kind_is_not_this_planners() -> None:
    other = Finding("job.failed", Severity.ERROR, ObjectRef("CronJob", "shop", "export"), "failed")
    assert RecreateJob().propose(other, cluster()) is None


def test_it_is_registered_before_the_investigation() -> None:
    assert codes()["job.failed"].index("recreate-job") < codes()["job.failed"].index("investigate-job")
    assert Action.RECREATE_JOB.value == "recreate-job"

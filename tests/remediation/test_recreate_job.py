"""recreate-job against a real sandbox over HTTP: the dry run validates the new Job under a generated
name and writes nothing; a running Job and a CronJob's run are refused; the apply deletes the failed
Job and creates it again (a new uid, the env set), keeps the old manifest in its result and audit
record, and has no rollback; the kubectl equivalent, pasted into a shell, does the same."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import workbench
from tests.conftest import KUBECTL, Kubectl
from tests.remediation.conftest import read
from workbench import sandbox as sandbox_pkg
from workbench.errors import ApplyFailedError, ConfigError
from workbench.model import AccessCheck, Action, ObjectRef, Plan, PlanStep, StepStatus
from workbench.model._kubectl import kubectl_commands
from workbench.remediation import AuditLog
from workbench.remediation import _apply as apply_module
from workbench.session import Cluster

JOB = ObjectRef("Job", "finance", "ledger-export", api_version="batch/v1")
BUCKET = "s3://ledger-exports.finance.example/daily"
ENV = [{"name": "EXPORT_BUCKET", "value": BUCKET}]
GENERATED = (
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
)


def recreate(target: ObjectRef = JOB, env: list[dict[str, Any]] | None = None) -> PlanStep:
    params = {"container": "export", "env": env or ENV}
    return PlanStep(Action.RECREATE_JOB, target, params, "Recreate ledger-export with EXPORT_BUCKET")


def plan_of(step: PlanStep | None = None) -> Plan:
    return Plan(
        "Run the ledger export again", (step or recreate(),), ("job.failed:Job/finance/ledger-export",)
    )


@pytest.fixture
def scenario_name() -> str:
    return "failed-job"  # ten minutes in, ledger-export has failed


@pytest.fixture
def finance(broken: sandbox_pkg.Sandbox) -> sandbox_pkg.Sandbox:
    return broken


def env_of(job: dict[str, Any]) -> list[dict[str, Any]]:
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return list(container.get("env") or [])


# --- parameters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "params", "error"),
    [
        (JOB, {"container": "export"}, r"missing parameter\(s\) env \(it takes container, env\)"),
        (JOB, {"container": "export", "env": []}, r"env must be a non-empty list of EnvVar entries"),
        (JOB, {"container": "", "env": ENV}, r"container must be a non-empty string"),
        (
            JOB,
            {"container": "export", "env": [{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}]},
            r"env X: valueFrom.fieldRef is not allowed \(only secretKeyRef or configMapKeyRef\)",
        ),
        (JOB, {"container": "export", "env": [{"name": "X", "value": 1}]}, r"env X: value must be a string"),
        (JOB, {"container": "export", "env": ENV, "image": "x"}, r"unknown parameter\(s\) image"),
        (
            ObjectRef("CronJob", "finance", "ledger-export"),
            {"container": "export", "env": ENV},
            r"recreate-job cannot target a CronJob; it applies to: Job",
        ),
        (ObjectRef("Job", "", "ledger-export"), {"container": "export", "env": ENV}, r"needs a name \(and a"),
    ],
    ids=["no-env", "empty-env", "no-container", "field-ref", "number", "extra", "cronjob", "no-namespace"],
)
def test_the_parameters_are_checked_when_the_step_is_made(
    target: ObjectRef, params: dict[str, Any], error: str
) -> None:
    with pytest.raises(ConfigError, match=error):
        PlanStep(Action.RECREATE_JOB, target, params)


def test_the_kubectl_equivalent_saves_deletes_and_creates_from_the_saved_job() -> None:
    secret = {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "export", "key": "TOKEN"}}}
    saved, delete, create = kubectl_commands(recreate(env=[*ENV, secret]), context="prod")
    assert saved == "kubectl --context prod -n finance get job ledger-export -o json > job-ledger-export.json"
    assert delete == "kubectl --context prod -n finance delete job ledger-export"
    local, _, created = create.partition(" | ")
    assert created == "kubectl --context prod -n finance create -f -"
    assert local.startswith("kubectl patch --local -f job-ledger-export.json --type strategic -p '{")
    assert local.endswith("}' -o json")
    assert (
        '"containers":[{"env":[{"name":"EXPORT_BUCKET","value":"s3://ledger-exports.finance.example/daily",'
        '"valueFrom":null},{"name":"TOKEN","value":null,"valueFrom":{"$patch":"replace","secretKeyRef":'
        '{"key":"TOKEN","name":"export"}}}],"name":"export"}]' in local
    )
    odd = kubectl_commands(recreate(ObjectRef("Job", "finance", "-x/../y")))
    assert odd[0] == "kubectl -n finance get job -o json -- -x/../y > job--x_.._y.json"  # a file here


# --- dry run -----------------------------------------------------------------------------------------


def test_the_dry_run_validates_the_new_job_under_a_generated_name_and_writes_nothing(
    finance: sandbox_pkg.Sandbox, cluster: Cluster, audit: AuditLog
) -> None:
    before = read(cluster, JOB)
    assert before is not None
    stored = finance.api.store.resource_version
    dry = cluster.remediation(plan_of(), audit=audit).dry_run()
    assert finance.api.store.resource_version == stored
    assert read(cluster, JOB) == before
    assert dry.ok, dry.problems()
    (step,) = dry.steps
    assert step.access == (
        AccessCheck(
            "get", "jobs.batch", "finance", "ledger-export", True, "the sandbox grants every request"
        ),
        AccessCheck(
            "delete", "jobs.batch", "finance", "ledger-export", True, "the sandbox grants every request"
        ),
        AccessCheck("create", "jobs.batch", "finance", "", True, "the sandbox grants every request"),
    )
    recreated, env = step.changes
    assert recreated.path == (
        "Job finance/ledger-export (deleted, then created again: a new uid and selector; its pods run again)"
    )
    assert (recreated.before, recreated.after) == (f"uid {before['metadata']['uid']}", "a new uid")
    assert (env.path, env.before, env.after) == ("spec.template.spec.containers[export].env", None, ENV)
    lines = step.diff.splitlines()
    assert lines[0] == "--- Job finance/ledger-export (now; deleted)"
    assert lines[1].startswith("+++ Job finance/ledger-export (created again; the dry run validated it as ")
    assert "ledger-export-" in lines[1]
    assert [line for line in lines if line.startswith(("+ ", "- ", "+", "-"))][2:] == [
        "+        env:",
        "+        - name: EXPORT_BUCKET",
        f"+          value: {BUCKET}",
    ]  # nothing but the env: the selector and generated labels are the server's
    assert "the dry run validated the new Job under a name the server generated" in step.message
    assert step.restarts == ()


def test_a_running_job_is_refused(
    finance: sandbox_pkg.Sandbox, cluster: Cluster, audit: AuditLog, kubectl: Kubectl
) -> None:
    job = read(cluster, JOB)
    assert job is not None
    rerun: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "ledger-export-rerun", "namespace": "finance"},
        "spec": {"template": {**job["spec"]["template"], "metadata": {"labels": {"app": "ledger-export"}}}},
    }
    rerun["spec"]["template"]["spec"]["containers"][0]["env"] = ENV
    kubectl("create", "-f", "-", stdin=yaml.safe_dump(rerun))
    finance.advance(10)  # scheduled and started; the export takes 30 s
    running = ObjectRef("Job", "finance", "ledger-export-rerun")
    assert (read(cluster, running) or {})["status"].get("active") == 1
    stored = finance.api.store.resource_version
    dry = cluster.remediation(plan_of(recreate(running)), audit=audit).dry_run()
    assert finance.api.store.resource_version == stored
    assert not dry.ok
    (problem,) = dry.problems()
    assert "Job finance/ledger-export-rerun still runs 1 pod(s) and has not finished" in problem
    assert "recreating it would kill their work" in problem
    finance.advance(60)  # once it has finished, it may be recreated
    assert cluster.remediation(plan_of(recreate(running)), audit=audit).dry_run().ok


def test_a_cronjobs_run_is_refused_pointing_at_the_cronjob(tmp_path: Path) -> None:
    with sandbox_pkg.start(scenario="cronjob-failing", manual_clock=True) as sb:
        sb.advance(600)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            jobs = cluster.source.read("/apis/batch/v1/namespaces/backups/jobs")  # type: ignore[attr-defined]
            name = jobs["items"][0]["metadata"]["name"]
            step = PlanStep(
                Action.RECREATE_JOB,
                ObjectRef("Job", "backups", name),
                {"container": "pg-backup", "env": [{"name": "X", "value": "1"}]},
            )
            stored = sb.api.store.resource_version
            dry = cluster.remediation(
                Plan("Recreate a run", (step,)), audit=AuditLog(tmp_path / "a")
            ).dry_run()
            assert sb.api.store.resource_version == stored
    assert not dry.ok
    (problem,) = dry.problems()
    assert f"Job backups/{name} is a run of CronJob backups/db-backup" in problem
    assert "Fix the CronJob instead (set-env on CronJob backups/db-backup)" in problem
    assert "kubectl create job --from=cronjob/db-backup -n backups" in problem


def test_a_container_the_job_does_not_have_is_refused(cluster: Cluster, audit: AuditLog) -> None:
    step = PlanStep(Action.RECREATE_JOB, JOB, {"container": "exporter", "env": ENV})
    dry = cluster.remediation(plan_of(step), audit=audit).dry_run()
    assert not dry.ok
    assert "has no container 'exporter' (it has export)" in dry.problems()[0]


# --- apply -------------------------------------------------------------------------------------------


def test_apply_recreates_the_job_with_a_new_uid_and_the_env_and_it_completes(
    finance: sandbox_pkg.Sandbox, cluster: Cluster, audit: AuditLog
) -> None:
    old = read(cluster, JOB)
    assert old is not None
    fix = cluster.remediation(plan_of(), audit=audit)
    assert fix.dry_run().ok
    result = fix.apply(fix.approve(by="on-call"), verify=False)
    new = read(cluster, JOB)
    assert new is not None
    uid = new["metadata"]["uid"]
    assert uid != old["metadata"]["uid"]
    assert env_of(new) == ENV
    assert new["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = new["spec"]["template"]["metadata"]["labels"]
    assert {k: labels[k] for k in GENERATED} == {
        "controller-uid": uid,
        "batch.kubernetes.io/controller-uid": uid,
        "job-name": "ledger-export",
        "batch.kubernetes.io/job-name": "ledger-export",
    }
    assert new["metadata"]["labels"] == old["metadata"]["labels"]
    assert new["metadata"]["annotations"] == old["metadata"]["annotations"]
    assert not new.get("status", {}).get("failed")  # a new Job: its status starts afresh

    (outcome,) = result.steps
    assert outcome.status is StepStatus.APPLIED
    first, *manifest = outcome.message.splitlines()
    assert first.startswith(
        f"Deleted Job finance/ledger-export (uid {old['metadata']['uid']}) and created it"
    )
    assert f"again (uid {uid}); its pods run again" in first
    assert "so this step has no rollback" in first
    kept = yaml.safe_load("\n".join(manifest))
    assert kept["metadata"]["name"] == "ledger-export"
    assert kept["spec"]["selector"] == old["spec"]["selector"]  # the old Job as it was read
    assert result.rollback is None
    with pytest.raises(ConfigError, match="changed nothing a plan can restore"):
        result.rollback_plan()
    (applied,) = [r for r in audit.records() if r.event == "apply"]
    assert applied.steps[0]["status"] == "applied"
    assert yaml.safe_load(applied.steps[0]["message"].split("\n", 1)[1]) == kept

    finance.advance(600)
    assert finance.check().passed  # the export ran with its bucket and completed
    (checked,) = fix.verify(result).steps
    assert checked.verified
    assert checked.verification == (
        f"Job finance/ledger-export was created again (uid {uid}) with the env set; its pods: 0 active, "
        "1 succeeded, 0 failed"
    )


def test_verification_says_when_the_job_is_not_the_recreated_one(
    cluster: Cluster, audit: AuditLog, kubectl: Kubectl
) -> None:
    fix = cluster.remediation(plan_of(), audit=audit)
    fix.dry_run()
    result = fix.apply(fix.approve(by="on-call"), verify=False)
    made = read(cluster, JOB)
    assert made is not None
    kubectl("-n", "finance", "delete", "job", "ledger-export")
    (gone,) = fix.verify(result).steps
    assert gone.verified is False
    assert gone.verification.startswith("cannot read Job finance/ledger-export: ")
    again = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "ledger-export", "namespace": "finance"},
        "spec": {
            "template": {
                "spec": made["spec"]["template"]["spec"] | {"containers": [{"name": "export", "image": "x"}]}
            }
        },
    }
    kubectl("create", "-f", "-", stdin=yaml.safe_dump(again))
    (other,) = fix.verify(result).steps
    assert other.verified is False
    assert "does not set EXPORT_BUCKET in container export" in other.verification


def test_a_job_that_is_not_gone_in_time_is_reported_with_its_manifest(
    cluster: Cluster, audit: AuditLog, kubectl: Kubectl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A finalizer keeps the deleted Job: the new one is not created, and the error says how to make it.
    kubectl(
        "-n",
        "finance",
        "patch",
        "job",
        "ledger-export",
        "--type",
        "merge",
        "-p",
        '{"metadata":{"finalizers":["example.com/hold"]}}',
    )
    monkeypatch.setattr(apply_module, "GONE_TIMEOUT", 0.0)
    fix = cluster.remediation(plan_of(), audit=audit)
    assert fix.dry_run().ok
    with pytest.raises(ApplyFailedError) as caught:
        fix.apply(fix.approve(by="on-call"))
    message = str(caught.value)
    assert "Job finance/ledger-export was deleted but not created again" in message
    assert "was still there after 0 s (a finalizer?)" in message
    assert "Job finance/ledger-export was deleted and not created again: see the step's message" in message
    (failed,) = caught.value.result.steps
    assert failed.status is StepStatus.FAILED
    assert "The old Job:\napiVersion: batch/v1\nkind: Job\n" in failed.message
    held = read(cluster, JOB)
    assert held is not None
    assert held["metadata"].get("deletionTimestamp")  # still being deleted, and nothing new was made
    assert not env_of(held)


# --- kubectl -----------------------------------------------------------------------------------------


def test_the_kubectl_equivalent_pasted_into_a_shell_recreates_the_job(
    finance: sandbox_pkg.Sandbox, cluster: Cluster, tmp_path: Path
) -> None:
    old = read(cluster, JOB)
    assert old is not None
    canary = tmp_path / "ran"
    hostile = f"{BUCKET}?q='x' \"y\" $(touch {canary}) `touch {canary}`"
    env = {
        "PATH": f"{Path(KUBECTL).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KUBECONFIG": str(finance.kubeconfig),
    }
    for command in kubectl_commands(recreate(env=[{"name": "EXPORT_BUCKET", "value": hostile}])):
        ran = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=env,
            cwd=tmp_path,
        )
        assert ran.returncode == 0, (command, ran.stderr)
    assert not canary.exists()
    assert (tmp_path / "job-ledger-export.json").exists()  # the old Job, saved before it was deleted
    new = read(cluster, JOB)
    assert new is not None
    assert new["metadata"]["uid"] != old["metadata"]["uid"]
    assert env_of(new) == [{"name": "EXPORT_BUCKET", "value": hostile}]
    finance.advance(600)
    assert finance.check().passed

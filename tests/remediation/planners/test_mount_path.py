"""fix-mount-path: move the ConfigMap/Secret mount to where the failed runs' logs say the file is read,
only when the evidence names one mount; otherwise the investigation answers."""

from __future__ import annotations

import functools
from typing import Any

import pytest

import workbench
from tests.analyzers.pods.objects import configmap, node, pod, secret, status, terminated
from tests.remediation.planners.objects import Obj, bundle, owned
from workbench import sandbox
from workbench.analyzers import AnalysisReport, analyze
from workbench.frames import Frames, with_log_tails
from workbench.model import Finding, Investigation, ObjectRef, Plan, Severity
from workbench.remediation.planners import proposals, propose
from workbench.remediation.planners.mount_path import FixMountPath

TEMPLATE = "/spec/jobTemplate/spec/template/spec"
LOG = (
    "2026-05-01T10:00:00Z pg-backup 3.1.0: fatal: open /etc/pg-backup/target.conf: no such file or directory"
)
CONFIG: list[Obj] = [{"name": "config", "configMap": {"name": "backup-config"}}]
MOUNTS: list[Obj] = [{"name": "config", "mountPath": "/etc/pgbackup", "readOnly": True}]


@functools.cache
def live() -> tuple[AnalysisReport, Frames, Frames]:
    """The cronjob-failing scenario after 10 minutes: report, frames with log tails, frames without."""
    with sandbox.start(scenario="cronjob-failing", manual_clock=True) as sb:
        sb.advance(600)
        with workbench.connect(kubeconfig=sb.kubeconfig) as cluster:
            bare = cluster.frames()
            frames = with_log_tails(bare, cluster.source, tail=200)
    return analyze(frames), frames, bare


def pod_spec(mounts: list[Obj], volumes: list[Obj], *, init: list[Obj] | None = None) -> Obj:
    spec: Obj = {
        "restartPolicy": "Never",
        "containers": [{"name": "app", "image": "registry.example/pg-backup:3.1.0", "volumeMounts": mounts}],
        "volumes": volumes,
    }
    if init is not None:
        spec["initContainers"] = init
    return spec


def cluster(
    *objects: Obj,
    cron_mounts: list[Obj] = MOUNTS,
    job_mounts: list[Obj] | None = None,
    volumes: list[Obj] = CONFIG,
    log: str = LOG,
    container: str = "app",
    init: list[Obj] | None = None,
    owner: tuple[str, str] | None = ("CronJob", "backup"),
) -> Frames:
    """CronJob shop/backup, its failed run backup-1 (same template unless ``job_mounts``), the run's
    pod and its log, plus ``objects`` (the ConfigMaps and Secrets)."""
    cron = pod_spec(cron_mounts, volumes, init=init)
    run = pod_spec(cron_mounts if job_mounts is None else job_mounts, volumes, init=init)
    items = [
        owned("Job", "backup-1", owner=owner, template={"spec": run}),
        pod(
            "backup-1-x1",
            owner=("Job", "backup-1"),
            phase="Failed",
            statuses=[status(ready=False, state=terminated(1))],
        ),
        node("node-1"),
        *objects,
    ]
    if owner is not None:
        items.append(owned("CronJob", "backup", jobTemplate={"spec": {"template": {"spec": cron}}}))
    return bundle(
        *items, logs=[("shop", "backup-1-x1", container, False, log)], pulled=("configmaps", "secrets")
    )


def failing(related: tuple[ObjectRef, ...] = (ObjectRef("Job", "shop", "backup-1"),)) -> Finding:
    return Finding(
        "cronjob.failing",
        Severity.ERROR,
        ObjectRef("CronJob", "shop", "backup"),
        "runs fail",
        related=related,
    )


def patch_of(result: Plan | Investigation | None) -> list[dict[str, Any]]:
    assert isinstance(result, Plan), result
    (step,) = result.steps
    assert (step.action.value, str(step.target), step.params["patch_type"]) == (
        "patch",
        "CronJob shop/backup",
        "json",
    )
    return list(step.params["patch"])


def moved(at: str, old: str, new: str, container: str = "app") -> list[dict[str, Any]]:
    """The ops that move the mount at ``at`` (``containers/0/volumeMounts/0``) from old to new."""
    group = at.split("/volumeMounts/", maxsplit=1)[0]
    return [
        {"op": "test", "path": f"{TEMPLATE}/{group}/name", "value": container},
        {"op": "test", "path": f"{TEMPLATE}/{at}/mountPath", "value": old},
        {"op": "replace", "path": f"{TEMPLATE}/{at}/mountPath", "value": new},
    ]


# --- the scenario ------------------------------------------------------------------------------------


def test_the_scenario_gets_a_patch_moving_the_config_mount_where_the_tool_reads_it() -> None:
    report, frames, _ = live()
    (plan,) = proposals(report, frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), step.target.api_version) == (
        "patch",
        "CronJob backups/db-backup",
        "batch/v1",
    )
    assert dict(step.params) == {
        "patch_type": "json",
        "patch": moved("containers/0/volumeMounts/0", "/etc/pgbackup", "/etc/pg-backup", "pg-backup"),
    }
    assert step.reason == plan.findings[0] == "cronjob.failing:CronJob/backups/db-backup"
    assert "mounted at /etc/pgbackup, the tool reads /etc/pg-backup/target.conf" in plan.title
    assert "ConfigMap db-backup-config (key target.conf) at /etc/pgbackup" in plan.notes[0]
    assert "kubectl create job db-backup-check --from=cronjob/db-backup -n backups" in plan.notes[-1]


def test_the_scenarios_plan_renders_as_kubectl_and_as_a_cell() -> None:
    report, frames, _ = live()
    plan = FixMountPath().propose(report.findings[0], frames)
    assert isinstance(plan, Plan)
    (command,) = plan.kubectl()
    assert command.startswith("kubectl -n backups patch cronjob/db-backup --type json -p '[")
    assert (
        '"op":"replace","path":"/spec/jobTemplate/spec/template/spec/containers/0/volumeMounts/0/mountPath"'
        in (command)
    )
    cell = plan.to_cell()
    assert "Action.PATCH" in cell
    assert '"value": "/etc/pg-backup"' in cell
    compile(cell, "<cell>", "exec")  # the generated cell is valid Python


def test_without_the_runs_logs_the_investigation_answers() -> None:
    report, _, bare = live()
    (finding,) = report.findings
    assert FixMountPath().propose(finding, bare) is None
    look = propose(finding, bare)
    assert isinstance(look, Investigation)
    assert any("job template" in c for c in look.checks)


# --- hand-built cases --------------------------------------------------------------------------------


def test_a_cronjob_whose_runs_miss_a_configmap_file_gets_its_mount_moved() -> None:
    frames = cluster(configmap("shop", "backup-config", ["target.conf"]))
    plan = FixMountPath().propose(failing(), frames)
    assert patch_of(plan) == moved("containers/0/volumeMounts/0", "/etc/pgbackup", "/etc/pg-backup")


def test_the_runs_are_found_from_the_cronjob_when_the_finding_names_none() -> None:
    frames = cluster(configmap("shop", "backup-config", ["target.conf"]))
    plan = FixMountPath().propose(failing(related=()), frames)
    assert patch_of(plan)[-1]["value"] == "/etc/pg-backup"


def test_a_failed_run_of_a_cronjob_patches_the_cronjob() -> None:
    frames = cluster(configmap("shop", "backup-config", ["target.conf"]))
    finding = Finding("job.failed", Severity.ERROR, ObjectRef("Job", "shop", "backup-1"), "failed")
    assert patch_of(FixMountPath().propose(finding, frames))[-1]["value"] == "/etc/pg-backup"


def test_a_bare_job_is_immutable_and_gets_no_plan() -> None:
    frames = cluster(configmap("shop", "backup-config", ["target.conf"]), owner=None)
    finding = Finding("job.failed", Severity.ERROR, ObjectRef("Job", "shop", "backup-1"), "failed")
    assert FixMountPath().propose(finding, frames) is None
    look = propose(finding, frames)
    assert isinstance(look, Investigation)
    assert any("immutable" in c for c in look.checks)


def test_a_secret_volume_is_judged_by_key_names_and_items_paths() -> None:
    volumes = [
        {"name": "config", "secret": {"secretName": "creds", "items": [{"key": "t", "path": "target.conf"}]}}
    ]
    frames = cluster(secret("shop", "creds", ["t"]), volumes=volumes)
    assert patch_of(FixMountPath().propose(failing(), frames))[-1]["value"] == "/etc/pg-backup"


def test_an_items_path_in_a_subdirectory_moves_the_mount_above_it() -> None:
    volumes = [
        {
            "name": "config",
            "configMap": {"name": "backup-config", "items": [{"key": "k", "path": "conf/x.ini"}]},
        }
    ]
    log = "FileNotFoundError: [Errno 2] No such file or directory: '/opt/app/conf/x.ini'"
    frames = cluster(configmap("shop", "backup-config", ["k"]), volumes=volumes, log=log)
    assert patch_of(FixMountPath().propose(failing(), frames))[-1]["value"] == "/opt/app"


def test_a_subpath_mount_moves_to_the_file_read() -> None:
    mounts = [{"name": "config", "mountPath": "/etc/pgbackup/target.conf", "subPath": "target.conf"}]
    frames = cluster(configmap("shop", "backup-config", ["target.conf"]), cron_mounts=mounts)
    assert patch_of(FixMountPath().propose(failing(), frames)) == moved(
        "containers/0/volumeMounts/0", "/etc/pgbackup/target.conf", "/etc/pg-backup/target.conf"
    )


def test_an_init_containers_mount_is_patched_in_init_containers() -> None:
    init = [
        {"name": "prepare", "image": "x", "volumeMounts": [{"name": "scratch", "mountPath": "/w"}, *MOUNTS]}
    ]
    volumes = [*CONFIG, {"name": "scratch", "emptyDir": {}}]
    frames = cluster(
        configmap("shop", "backup-config", ["target.conf"]),
        cron_mounts=[],
        volumes=volumes,
        init=init,
        container="prepare",
    )
    assert patch_of(FixMountPath().propose(failing(), frames)) == moved(
        "initContainers/0/volumeMounts/1", "/etc/pgbackup", "/etc/pg-backup", "prepare"
    )


@pytest.mark.parametrize(
    ("case", "kwargs", "objects"),
    [
        ("the object has no such key", {}, [configmap("shop", "backup-config", ["other.conf"])]),
        ("the object is not in the frames", {}, []),
        ("the log names no missing file", {"log": "reading /etc/pg-backup/target.conf"}, None),
        (
            "the file is read from the mount's own directory",
            {"log": "open /etc/pgbackup/target.conf: no such file"},
            None,
        ),
        (
            "two volumes hold the file",
            {
                "cron_mounts": [*MOUNTS, {"name": "more", "mountPath": "/srv"}],
                "volumes": [*CONFIG, {"name": "more", "configMap": {"name": "more"}}],
            },
            [configmap("shop", "backup-config", ["target.conf"]), configmap("shop", "more", ["target.conf"])],
        ),
        (
            "the new path is taken by another mount",
            {
                "cron_mounts": [*MOUNTS, {"name": "scratch", "mountPath": "/etc/pg-backup"}],
                "volumes": [*CONFIG, {"name": "scratch", "emptyDir": {}}],
            },
            None,
        ),
        (
            "the runs were made from another template (fixed since)",
            {"job_mounts": [{"name": "config", "mountPath": "/etc/old"}]},
            None,
        ),
        ("another container logged it", {"container": "sidecar"}, None),
        ("the path is not normal", {"log": "open /etc/pg-backup/../x/target.conf: no such file"}, None),
        (
            "an emptyDir holds no known files",
            {"volumes": [{"name": "config", "emptyDir": {}}]},
            None,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_partial_evidence_gives_no_plan(case: str, kwargs: dict[str, Any], objects: list[Obj] | None) -> None:
    found = [configmap("shop", "backup-config", ["target.conf"])] if objects is None else objects
    frames = cluster(*found, **kwargs)
    assert FixMountPath().propose(failing(), frames) is None, case
    assert isinstance(propose(failing(), frames), Investigation)


def test_other_kinds_are_not_this_planners() -> None:
    frames = cluster(configmap("shop", "backup-config", ["target.conf"]))
    finding = Finding("cronjob.failing", Severity.ERROR, ObjectRef("Deployment", "shop", "backup"), "x")
    assert FixMountPath().propose(finding, frames) is None

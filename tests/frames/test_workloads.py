"""Workload frames (deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs), real scenarios."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest

from tests.frames.conftest import SandboxSource
from tests.frames.helpers import frames_of, row
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._pull import pull
from workbench.frames._registry import builder_for
from workbench.sources._kinds import builtin

UTC_TIME = "datetime64[ns, UTC]"


def page(*items: dict[str, object]) -> bytes:
    return json.dumps({"kind": "List", "items": list(items)}).encode()


@pytest.fixture(scope="module")
def rollout_stuck() -> Iterator[dict[str, pd.DataFrame]]:
    with sandbox_pkg.start(scenario="rollout-stuck", manual_clock=True) as sb:
        sb.advance(30)
        yield frames_of(sb, "deployments", "replicasets", "daemonsets")


@pytest.fixture(scope="module")
def failed_job() -> Iterator[dict[str, pd.DataFrame]]:
    with sandbox_pkg.start(scenario="failed-job", manual_clock=True) as sb:
        yield frames_of(sb, "jobs", "cronjobs")


@pytest.fixture(scope="module")
def cronjob_failing() -> Iterator[dict[str, pd.DataFrame]]:
    with sandbox_pkg.start(scenario="cronjob-failing", manual_clock=True) as sb:
        sb.advance(60)
        yield frames_of(sb, "jobs", "cronjobs")


def test_stuck_rollout_shows_progress_deadline_exceeded_and_unavailable_replica(
    rollout_stuck: dict[str, pd.DataFrame],
) -> None:
    dep = row(rollout_stuck["deployments"], "accounts", "profile-api")
    assert dep["kind"] == "Deployment"
    assert (dep["replicas"], dep["current_replicas"], dep["updated_replicas"]) == (3, 4, 1)
    assert (dep["ready_replicas"], dep["available_replicas"], dep["unavailable_replicas"]) == (3, 3, 1)
    assert dep["progressing_status"] == "False"
    assert dep["progressing_reason"] == "ProgressDeadlineExceeded"
    assert "has timed out progressing" in dep["progressing_message"]
    assert dep["progressing_changed"] > dep["created"]
    assert (dep["available_status"], dep["available_reason"]) == ("True", "MinimumReplicasAvailable")
    assert (dep["strategy"], dep["max_surge"], dep["max_unavailable"]) == ("RollingUpdate", "1", "0")
    assert dep["progress_deadline_seconds"] == 180.0
    assert not dep["paused"]
    assert dep["revision"] == 2
    assert dep["change_cause"].endswith("profile-api=registry.shop.example/profile-api:4.3.0")
    assert dep["selector"] == {"app": "profile-api"}
    assert dep["selector_expressions"] == []
    assert dep["images"] == ["registry.shop.example/profile-api:4.3.0"]
    assert dep["observed_generation"] == dep["generation"]
    assert pd.isna(dep["owner_kind"])
    assert pd.isna(dep["replica_failure_reason"])


def test_replicasets_link_to_their_deployment_by_revision(rollout_stuck: dict[str, pd.DataFrame]) -> None:
    dep = row(rollout_stuck["deployments"], "accounts", "profile-api")
    rs = rollout_stuck["replicasets"]
    mine = rs[rs["owner_uid"] == dep["uid"]].sort_values("revision")
    assert list(mine["revision"]) == [1, 2]
    assert set(mine["owner_kind"]) == {"Deployment"}
    assert set(mine["owner_name"]) == {"profile-api"}
    old, new = mine.iloc[0], mine.iloc[1]
    assert old["images"] == ["registry.shop.example/profile-api:4.2.0"]
    assert (old["replicas"], old["ready_replicas"], old["available_replicas"]) == (3, 3, 3)
    assert new["images"] == ["registry.shop.example/profile-api:4.3.0"]
    assert (new["replicas"], new["current_replicas"], new["ready_replicas"]) == (1, 1, 0)
    for r in (old, new):
        assert r["name"] == f"profile-api-{r['pod_template_hash']}"
        assert r["selector"]["pod-template-hash"] == r["pod_template_hash"]


def test_workload_dtypes(rollout_stuck: dict[str, pd.DataFrame]) -> None:
    dep, rs = rollout_stuck["deployments"], rollout_stuck["replicasets"]
    for df in (dep, rs):
        assert str(df["created"].dtype) == UTC_TIME
        for col in ("kind", "namespace", "owner_kind"):
            assert isinstance(df[col].dtype, pd.CategoricalDtype), col
        assert str(df["replicas"].dtype) == "Int64"
        assert str(df["name"].dtype) == "string"
    for col in ("strategy", "progressing_status", "progressing_reason", "available_reason"):
        assert isinstance(dep[col].dtype, pd.CategoricalDtype), col
    assert str(dep["paused"].dtype) == "bool"
    assert str(dep["progress_deadline_seconds"].dtype) == "float64"
    assert list(dep.columns[:4]) == ["kind", "namespace", "name", "uid"]
    assert isinstance(dep.index, pd.RangeIndex)


def test_daemonsets_count_nodes(rollout_stuck: dict[str, pd.DataFrame]) -> None:
    ds = row(rollout_stuck["daemonsets"], "kube-system", "kube-proxy")
    assert ds["kind"] == "DaemonSet"
    assert (ds["desired_pods"], ds["current_pods"], ds["ready_pods"], ds["available_pods"]) == (3, 3, 3, 3)
    assert (ds["misscheduled_pods"], ds["unavailable_pods"], ds["updated_pods"]) == (0, 0, 3)
    assert ds["update_strategy"] == "RollingUpdate"
    assert ds["max_unavailable"] == "1"
    assert ds["node_selector"] == {"kubernetes.io/os": "linux"}
    assert ds["images"]
    assert ds["images"][0].startswith("registry.k8s.io/kube-proxy:")


def test_failed_job_shows_backoff_limit_exceeded(failed_job: dict[str, pd.DataFrame]) -> None:
    job = row(failed_job["jobs"], "finance", "ledger-export")
    assert (job["kind"], job["status"], job["reason"]) == ("Job", "Failed", "BackoffLimitExceeded")
    assert job["message"] == "Job has reached the specified backoff limit"
    assert (job["backoff_limit"], job["failed"], job["succeeded"], job["active"]) == (3, 4, 0, 0)
    assert (job["completions"], job["parallelism"]) == (1, 1)
    assert pd.isna(job["completion_time"])
    assert job["start_time"] <= job["finished"]
    assert job["images"] == ["registry.finance.example/ledger-export:1.2.0"]
    assert pd.isna(job["owner_name"])
    assert pd.isna(job["scheduled_time"])
    jobs = failed_job["jobs"]
    for col in ("status", "reason", "owner_kind"):
        assert isinstance(jobs[col].dtype, pd.CategoricalDtype), col
    assert str(jobs["start_time"].dtype) == UTC_TIME
    assert str(jobs["failed"].dtype) == "Int64"
    assert len(failed_job["cronjobs"]) == 0
    assert list(failed_job["cronjobs"].columns) == [str(c) for c in schema.columns("cronjobs")]


def test_failing_cronjob_never_succeeded_and_owns_failed_jobs(
    cronjob_failing: dict[str, pd.DataFrame],
) -> None:
    cj = row(cronjob_failing["cronjobs"], "backups", "db-backup")
    assert (cj["kind"], cj["schedule"], cj["concurrency_policy"]) == ("CronJob", "*/5 * * * *", "Forbid")
    assert pd.isna(cj["last_successful"])
    assert not pd.isna(cj["last_schedule"])
    assert not cj["suspend"]
    assert (cj["successful_history_limit"], cj["failed_history_limit"]) == (3, 3)
    assert cj["images"] == ["registry.ops.example/pg-backup:3.1.0"]
    assert str(cronjob_failing["cronjobs"]["last_schedule"].dtype) == UTC_TIME
    jobs = cronjob_failing["jobs"]
    runs = jobs[jobs["owner_uid"] == cj["uid"]]
    assert len(runs) >= 2
    assert set(runs["owner_kind"]) == {"CronJob"}
    assert set(runs["owner_name"]) == {"db-backup"}
    failed = runs[runs["status"] == "Failed"]
    assert len(failed) >= 2
    assert set(failed["reason"]) == {"BackoffLimitExceeded"}
    assert (failed["backoff_limit"] == 1).all()
    assert (failed["failed"] == 2).all()
    assert (failed["scheduled_time"] == failed["created"]).all()
    assert runs["scheduled_time"].max() == cj["last_schedule"]


def test_statefulset_from_incident() -> None:
    with sandbox_pkg.start(scenario="incident", manual_clock=True) as sb:
        sts = row(frames_of(sb, "statefulsets", limit=0)["statefulsets"], "data", "postgres")
    assert (sts["kind"], sts["service_name"], sts["pod_management_policy"]) == (
        "StatefulSet",
        "postgres-hl",
        "OrderedReady",
    )
    assert sts["volume_claim_templates"] == ["data"]
    assert (sts["replicas"], sts["update_strategy"], sts["partition"]) == (1, "RollingUpdate", 0)
    assert sts["current_revision"] == sts["update_revision"]
    assert sts["images"] == ["postgres:16.4"]


def test_raw_manifest_defaults_expressions_and_empty_pages() -> None:
    deployment = {
        "metadata": {"name": "web", "namespace": "shop", "uid": "u1"},
        "spec": {
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["api", "web"]},
                    {"key": "track", "operator": "NotIn", "values": ["canary"]},
                    {"key": "team", "operator": "Exists"},
                    {"key": "legacy", "operator": "DoesNotExist"},
                ],
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
            "template": {
                "spec": {
                    "initContainers": [{"name": "migrate", "image": "shop/migrate:1"}],
                    "containers": [{"name": "web", "image": "shop/web:2"}],
                }
            },
            "paused": True,
        },
        "status": {
            "conditions": [
                {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "quota"}
            ]
        },
    }
    kind = builtin("deployments")
    df = builder_for(kind)(kind, [page(deployment), b'{"items": null}', page()])["deployments"]
    schema.validate("deployments", df)
    dep = df.iloc[0]
    assert dep["replicas"] == 1  # the API's default when spec.replicas is absent
    assert dep["selector_expressions"] == ["tier in (api,web)", "track notin (canary)", "team", "!legacy"]
    assert dep["images"] == ["shop/migrate:1", "shop/web:2"]
    assert (dep["max_surge"], dep["max_unavailable"], dep["paused"]) == ("25%", "0", True)
    assert (dep["replica_failure_reason"], dep["replica_failure_message"]) == ("FailedCreate", "quota")
    assert pd.isna(dep["created"])
    assert pd.isna(dep["progressing_status"])
    assert pd.isna(dep["revision"])
    assert dep["current_replicas"] == 0

    empty = builder_for(builtin("jobs"))(builtin("jobs"), [b'{"items": []}'])["jobs"]
    schema.validate("jobs", empty)
    assert len(empty) == 0


def test_job_status_from_conditions() -> None:
    kind = builtin("jobs")
    done = "2026-01-01T00:01:00Z"
    jobs = [
        {
            "metadata": {"name": "ok", "namespace": "n"},
            "status": {
                "succeeded": 1,
                "completionTime": done,
                "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": done}],
            },
        },
        {
            "metadata": {"name": "late", "namespace": "n"},
            "spec": {"activeDeadlineSeconds": 60},
            "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]},
        },
        {
            "metadata": {"name": "paused", "namespace": "n"},
            "spec": {"suspend": True},
            "status": {"conditions": [{"type": "Suspended", "status": "True", "reason": "JobSuspended"}]},
        },
        {"metadata": {"name": "busy", "namespace": "n"}, "status": {"active": 2}},
    ]
    df = builder_for(kind)(kind, [page(*jobs)])["jobs"].set_index("name")
    assert list(df["status"]) == ["Complete", "Failed", "Suspended", "Running"]
    assert df.loc["ok", "finished"] == pd.Timestamp("2026-01-01T00:01:00Z")
    assert df.loc["late", "reason"] == "DeadlineExceeded"
    assert df.loc["late", "active_deadline_seconds"] == 60.0
    assert df.loc["paused", "suspend"]
    assert df["finished"].isna()["paused"]
    assert df.loc["busy", "active"] == 2
    assert df["reason"].isna()["busy"]


def test_owner_columns_chain_a_pod_to_its_cronjob() -> None:
    with sandbox_pkg.start(scenario="cronjob-failing", manual_clock=True) as sb:
        frames = pull(SandboxSource(sb), ["pods", "jobs", "cronjobs"])
    pods = frames.pods
    label = pods.index[pods["namespace"] == "backups"][0]
    chain = pods.k8s.owner_chain(label)
    assert [ref.kind for ref in chain] == ["Pod", "Job", "CronJob"]
    assert chain[-1].name == "db-backup"
    assert chain[-1].uid == row(frames.cronjobs, "backups", "db-backup")["uid"]

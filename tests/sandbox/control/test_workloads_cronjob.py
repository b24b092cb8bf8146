"""The CronJob controller on the virtual clock, and the cron schedules it reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Kubectl
from tests.sandbox.control.workloads_support import Workloads, kubectl_for, running_workloads
from workbench.sandbox._control._workloads._schedule import ScheduleError, parse_schedule


@pytest.fixture
def wl() -> Iterator[Workloads]:
    yield from running_workloads()


@pytest.fixture
def kubectl_wl(wl: Workloads, tmp_path: Path) -> Kubectl:
    return kubectl_for(wl, tmp_path)


def cronjob(name: str, schedule: str, extra: str = "") -> str:
    return f"""
apiVersion: batch/v1
kind: CronJob
metadata: {{name: {name}}}
spec:
  schedule: "{schedule}"
  {extra}
  jobTemplate:
    metadata: {{labels: {{team: ops}}}}
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: tick, image: "busybox:1.36", command: [date]}}]
"""


def now(wl: Workloads) -> datetime:
    return wl.sb.clock.now()


def until_next(wl: Workloads, minutes: int) -> tuple[float, datetime]:
    """Seconds from now to the next multiple of `minutes` past the hour, and that time."""
    current = now(wl)
    base = current.replace(second=0, microsecond=0)
    step = base + timedelta(minutes=minutes - base.minute % minutes)
    return (step - current).total_seconds(), step


def job_name(name: str, at: datetime) -> str:
    return f"{name}-{int(at.timestamp()) // 60}"


def finish(wl: Workloads, job: str, phase: str = "Succeeded") -> None:
    for pod in wl.pods(f"batch.kubernetes.io/job-name={job}"):
        wl.set_pod(pod, phase, ready=False)


@pytest.mark.kubectl
def test_jobs_are_created_at_the_scheduled_times(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(cronjob("tick", "*/5 * * * *", "successfulJobsHistoryLimit: 1"))
    wait, first = until_next(wl, 5)
    wl.advance(wait - 1)
    assert wl.names("Job") == []
    wl.advance(2)
    name = job_name("tick", first)
    assert wl.names("Job") == [name]
    made = wl.get("Job", name)
    assert made["metadata"]["labels"]["team"] == "ops"
    assert made["metadata"]["annotations"][
        "batch.kubernetes.io/cronjob-scheduled-timestamp"
    ] == first.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert made["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    status = wl.get("CronJob", "tick")["status"]
    assert status["lastScheduleTime"] == first.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [ref["name"] for ref in status["active"]] == [name]
    assert ("Normal", "SuccessfulCreate", f"Created job {name}", "cronjob-controller") in wl.events("tick")
    table = kubectl_wl("get", "cronjob", "tick").stdout.splitlines()
    assert table[0].split()[:2] == ["NAME", "SCHEDULE"]
    assert table[1].split()[:2] == ["tick", "*/5"]

    finish(wl, name)
    wl.advance(1)
    status = wl.get("CronJob", "tick")["status"]
    assert "active" not in status
    assert status["lastSuccessfulTime"]
    assert (
        "Normal",
        "SawCompletedJob",
        f"Saw completed job: {name}, condition: Complete",
        "cronjob-controller",
    ) in wl.events("tick")

    wl.advance(300)
    second = job_name("tick", first + timedelta(minutes=5))
    assert wl.names("Job") == [name, second]
    finish(wl, second)
    wl.advance(1)
    assert wl.names("Job") == [second]  # successfulJobsHistoryLimit: 1
    assert ("Normal", "SuccessfulDelete", f"Deleted job {name}", "cronjob-controller") in wl.events("tick")


def test_forbid_skips_a_run_while_one_is_active(wl: Workloads) -> None:
    wl.apply(cronjob("once", "* * * * *", "concurrencyPolicy: Forbid"))
    wait, first = until_next(wl, 1)
    wl.advance(wait + 1)
    assert wl.names("Job") == [job_name("once", first)]
    wl.advance(60)
    assert wl.names("Job") == [job_name("once", first)]
    message = "Not starting job because prior execution is running and concurrency policy is Forbid"
    assert ("Normal", "JobAlreadyActive", message, "cronjob-controller") in wl.events("once")
    finish(wl, job_name("once", first))
    wl.advance(60)
    assert len(wl.names("Job")) == 2


def test_replace_deletes_the_running_job(wl: Workloads) -> None:
    wl.apply(cronjob("swap", "* * * * *", "concurrencyPolicy: Replace"))
    wait, first = until_next(wl, 1)
    wl.advance(wait + 1)
    wl.advance(60)
    assert wl.names("Job") == [job_name("swap", first + timedelta(minutes=1))]
    assert (
        "Normal",
        "SuccessfulDelete",
        f"Deleted job {job_name('swap', first)}",
        "cronjob-controller",
    ) in wl.events("swap")


def test_suspended_cronjobs_run_nothing_and_time_zones_shift_the_schedule(wl: Workloads) -> None:
    wl.apply(cronjob("idle", "* * * * *", "suspend: true"))
    wl.apply(
        cronjob("india", "30 * * * *", "timeZone: Asia/Kolkata")
    )  # UTC+05:30: minute 30 there is :00 UTC
    wait, hour = until_next(wl, 60)
    wl.advance(wait + 1)
    assert wl.names("Job") == [job_name("india", hour)]
    stamp = wl.get("Job", job_name("india", hour))["metadata"]["annotations"][
        "batch.kubernetes.io/cronjob-scheduled-timestamp"
    ]
    assert stamp == (hour + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+05:30")


def test_cron_schedules() -> None:
    at = datetime(2026, 3, 6, 10, 7, 30, tzinfo=UTC)  # a Friday
    assert parse_schedule("*/15 * * * *").next_after(at) == at.replace(minute=15, second=0)
    assert parse_schedule("0 9-17/4 * * mon-fri").next_after(at) == at.replace(hour=13, minute=0, second=0)
    assert parse_schedule("0 0 1,15 * *").next_after(at) == datetime(2026, 3, 15, tzinfo=UTC)
    # Both day fields restricted: either one matching fires (the 1st, or any Monday).
    assert parse_schedule("0 0 1 * 1").next_after(at) == datetime(2026, 3, 9, tzinfo=UTC)
    assert parse_schedule("@hourly").next_after(at) == at.replace(hour=11, minute=0, second=0)
    assert parse_schedule("@weekly").next_after(at) == datetime(2026, 3, 8, tzinfo=UTC)
    assert parse_schedule("@yearly").next_after(at) == datetime(2027, 1, 1, tzinfo=UTC)
    assert parse_schedule("5/20 * * * *").last_until(at) == at.replace(minute=5, second=0)
    assert parse_schedule("0 12 * JAN,dec *").last_until(at) == datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert parse_schedule("CRON_TZ=Asia/Tokyo 0 9 * * *").next_after(at) == datetime(
        2026, 3, 7, 0, tzinfo=UTC
    )
    assert parse_schedule("@every 90s").next_after(at) == at.replace(second=0) + timedelta(seconds=120)
    with pytest.raises(ScheduleError):
        parse_schedule("61 * * * *")
    with pytest.raises(ScheduleError):
        parse_schedule("* * *")

"""The Job controller: completions and parallelism, the back-off limit, deadlines, suspension."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Kubectl
from tests.sandbox.control.workloads_support import Workloads, kubectl_for, running_workloads


@pytest.fixture
def wl() -> Iterator[Workloads]:
    yield from running_workloads()


@pytest.fixture
def kubectl_wl(wl: Workloads, tmp_path: Path) -> Kubectl:
    return kubectl_for(wl, tmp_path)


def job(name: str, spec: str, *, restart: str = "Never") -> str:
    return f"""
apiVersion: batch/v1
kind: Job
metadata: {{name: {name}}}
spec:
  {spec}
  template:
    spec:
      restartPolicy: {restart}
      containers: [{{name: work, image: "busybox:1.36", command: [sh, -c, "exit 1"]}}]
"""


def conditions(obj: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (c["type"], c["status"], c.get("reason", ""), c.get("message", ""))
        for c in obj["status"].get("conditions", [])
    ]


def fail_running(wl: Workloads, name: str) -> list[str]:
    failed = []
    for pod in wl.pods(f"batch.kubernetes.io/job-name={name}"):
        wl.set_pod(pod, "Failed", ready=False)
        failed.append(pod["metadata"]["name"])
    return failed


@pytest.mark.kubectl
def test_backoff_limit_fails_the_job(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(job("migrate", "backoffLimit: 2"))
    wl.advance(1)
    [pod] = wl.pods("batch.kubernetes.io/job-name=migrate")
    uid = wl.get("Job", "migrate")["metadata"]["uid"]
    labels = pod["metadata"]["labels"]
    assert labels["batch.kubernetes.io/job-name"] == labels["job-name"] == "migrate"
    assert labels["batch.kubernetes.io/controller-uid"] == labels["controller-uid"] == uid
    assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "Job"
    status = wl.get("Job", "migrate")["status"]
    assert {k: status.get(k) for k in ("active", "ready", "terminating", "uncountedTerminatedPods")} == {
        "active": 1,
        "ready": 0,
        "terminating": 0,
        "uncountedTerminatedPods": {},
    }
    assert "startTime" in status

    attempts = [pod["metadata"]["name"]]
    fail_running(wl, "migrate")
    wl.advance(1)
    status = wl.get("Job", "migrate")["status"]
    assert (status["failed"], status.get("active")) == (1, None)  # the replacement waits out a 10 s back-off
    assert "finalizers" not in wl.get("Pod", attempts[0])["metadata"]  # counted, so let go
    wl.advance(10)
    for _ in range(2):
        [retry] = wl.pods("batch.kubernetes.io/job-name=migrate")
        attempts.append(retry["metadata"]["name"])
        fail_running(wl, "migrate")
        wl.advance(25)
    final = wl.get("Job", "migrate")
    assert conditions(final) == [
        ("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
    ]
    assert final["status"]["failed"] == 3
    assert "completionTime" not in final["status"]
    assert wl.pods("batch.kubernetes.io/job-name=migrate") == []
    events = wl.events("migrate")
    assert [e[2] for e in events if e[1] == "SuccessfulCreate"] == [f"Created pod: {a}" for a in attempts]
    assert (
        "Warning",
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
        "job-controller",
    ) in events
    table = kubectl_wl("get", "job", "migrate").stdout.splitlines()
    assert table[0].split()[:3] == ["NAME", "STATUS", "COMPLETIONS"]
    assert table[1].split()[:3] == ["migrate", "Failed", "0/1"]


@pytest.mark.kubectl
def test_completions_with_parallelism(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(job("batch", "completions: 3\n  parallelism: 2"))
    wl.advance(1)
    first = wl.pods("batch.kubernetes.io/job-name=batch")
    assert len(first) == 2
    wl.ready(*first)
    wl.advance(1)
    assert wl.get("Job", "batch")["status"]["ready"] == 2
    for pod in first:
        wl.set_pod(pod, "Succeeded", ready=False)
    wl.advance(1)
    [last] = wl.pods("batch.kubernetes.io/job-name=batch")  # only one completion is left to run
    status = wl.get("Job", "batch")["status"]
    assert (status["succeeded"], status["active"]) == (2, 1)
    wl.set_pod(last, "Succeeded", ready=False)
    wl.advance(1)
    done = wl.get("Job", "batch")
    assert conditions(done) == [
        ("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
        ("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
    ]
    assert done["status"]["succeeded"] == 3
    assert done["status"]["completionTime"]
    assert ("Normal", "Completed", "Job completed", "job-controller") in wl.events("batch")
    assert all(
        "finalizers" not in p["metadata"] for p in wl.pods("batch.kubernetes.io/job-name=batch", alive=False)
    )
    table = kubectl_wl("get", "job", "batch").stdout.splitlines()
    assert table[1].split()[:3] == ["batch", "Complete", "3/3"]


def test_restarts_in_place_count_toward_the_backoff_limit(wl: Workloads) -> None:
    wl.apply(job("flaky", "backoffLimit: 3", restart="OnFailure"))
    wl.advance(1)
    [pod] = wl.pods("batch.kubernetes.io/job-name=flaky")
    wl.set_pod(pod, "Running", ready=False, restarts=2)
    wl.advance(1)
    assert conditions(wl.get("Job", "flaky")) == []
    wl.set_pod(pod, "Running", ready=False, restarts=3)
    wl.advance(1)
    reasons = [c[:3] for c in conditions(wl.get("Job", "flaky"))]
    assert reasons == [
        ("FailureTarget", "True", "BackoffLimitExceeded"),
        ("Failed", "True", "BackoffLimitExceeded"),
    ]
    assert wl.pods("batch.kubernetes.io/job-name=flaky") == []  # the running pod was deleted
    assert wl.get("Job", "flaky")["status"]["failed"] == 1


def test_active_deadline(wl: Workloads) -> None:
    wl.apply(job("slow", "activeDeadlineSeconds: 30"))
    wl.advance(1)
    [pod] = wl.pods("batch.kubernetes.io/job-name=slow")
    wl.ready(pod)
    wl.advance(20)
    assert conditions(wl.get("Job", "slow")) == []
    wl.advance(15)
    message = "Job was active longer than specified deadline"
    assert conditions(wl.get("Job", "slow")) == [
        ("FailureTarget", "True", "DeadlineExceeded", message),
        ("Failed", "True", "DeadlineExceeded", message),
    ]
    events = wl.events("slow")
    assert (
        "Normal",
        "SuccessfulDelete",
        f"Deleted pod: {pod['metadata']['name']}",
        "job-controller",
    ) in events
    assert ("Warning", "DeadlineExceeded", message, "job-controller") in events


def test_suspend_and_resume(wl: Workloads) -> None:
    wl.apply(job("paused", "parallelism: 2\n  completions: 4"))
    wl.advance(1)
    assert len(wl.pods("batch.kubernetes.io/job-name=paused")) == 2
    wl.patch_spec("Job", "paused", {"suspend": True})
    wl.advance(1)
    assert wl.pods("batch.kubernetes.io/job-name=paused") == []
    assert conditions(wl.get("Job", "paused"))[0] == ("Suspended", "True", "JobSuspended", "Job suspended")
    wl.patch_spec("Job", "paused", {"suspend": False})
    wl.advance(1)
    assert conditions(wl.get("Job", "paused"))[0] == ("Suspended", "False", "JobResumed", "Job resumed")
    assert len(wl.pods("batch.kubernetes.io/job-name=paused")) == 2
    reasons = [e[1] for e in wl.events("paused")]
    assert "Suspended" in reasons
    assert "Resumed" in reasons


def test_ttl_after_finished_deletes_the_job_and_a_deleted_job_frees_its_pods(wl: Workloads) -> None:
    wl.apply(job("short", "ttlSecondsAfterFinished: 60"))
    wl.advance(1)
    [pod] = wl.pods("batch.kubernetes.io/job-name=short")
    wl.set_pod(pod, "Succeeded", ready=False)
    wl.advance(30)
    assert wl.exists("Job", "short")
    wl.advance(40)
    assert not wl.exists("Job", "short")
    wl.apply(job("gone", "parallelism: 1"))
    wl.advance(1)
    [pod] = wl.pods("batch.kubernetes.io/job-name=gone")
    wl.cluster.delete("Job", "default", "gone")
    wl.advance(2)
    assert not wl.exists("Pod", pod["metadata"]["name"])  # the garbage collector's delete, then the finalizer

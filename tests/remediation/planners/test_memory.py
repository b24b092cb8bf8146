"""raise-memory-limit: twice the bound the evidence gives, request kept below (or equal, if it was)."""

from __future__ import annotations

from tests.analyzers.pods.objects import (
    container,
    node,
    pod,
    pod_metrics,
    status,
    terminated,
    waiting,
)
from tests.remediation.planners.objects import Obj, bundle, deployment, finding_of, owned, replicaset
from workbench.frames import Frames
from workbench.model import Finding, Investigation, ObjectRef, Plan, Severity
from workbench.remediation.planners import propose
from workbench.remediation.planners.memory import RaiseMemoryLimit

OOM = terminated(137, "OOMKilled")
BACKOFF = waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=app")


def killed(name: str = "web-7d9f8c6b5-a1", **resources: dict[str, str]) -> Obj:
    return pod(
        name,
        containers=[container(**resources)],  # type: ignore[arg-type]  # requests/limits mappings
        statuses=[status(ready=False, restarts=5, state=BACKOFF, last=OOM)],
    )


def cluster(*objects: Obj) -> Frames:
    return bundle(deployment("web"), replicaset("web-7d9f8c6b5", "web"), node("node-1"), *objects)


def params(frames: Frames) -> list[dict[str, object]]:
    plan = propose(finding_of(frames, "pod.oomkilled"), frames)
    assert isinstance(plan, Plan), plan
    assert [(s.action.value, str(s.target)) for s in plan.steps] == [("set-resources", "Deployment shop/web")]
    return [dict(s.params) for s in plan.steps]


def test_without_metrics_the_limit_doubles_and_a_lower_request_stays() -> None:
    frames = cluster(killed(requests={"cpu": "100m", "memory": "128Mi"}, limits={"memory": "192Mi"}))
    assert params(frames) == [{"container": "app", "limits": {"memory": "384Mi"}}]


def test_a_guaranteed_container_keeps_request_equal_to_limit() -> None:
    frames = cluster(
        killed(requests={"cpu": "100m", "memory": "256Mi"}, limits={"cpu": "100m", "memory": "256Mi"})
    )
    assert params(frames) == [
        {"container": "app", "limits": {"memory": "512Mi"}, "requests": {"memory": "512Mi"}}
    ]


def test_a_higher_working_set_seen_in_another_pod_raises_the_bound() -> None:
    old = pod(
        "web-6c8d9f7b4-z9",
        owner=("ReplicaSet", "web-6c8d9f7b4"),
        containers=[container(limits={"memory": "1Gi"})],
        statuses=[status()],
    )
    frames = cluster(
        killed(limits={"memory": "256Mi"}),
        replicaset("web-6c8d9f7b4", "web", revision=1, available=1),
        old,
        pod_metrics("shop", "web-6c8d9f7b4-z9", {"app": ("50m", "400Mi")}),
    )
    # max(256Mi limit, 400Mi seen) x 2 = 800Mi, rounded up to 64Mi.
    assert params(frames) == [{"container": "app", "limits": {"memory": "832Mi"}}]


def test_a_limit_no_node_can_hold_gets_an_investigation() -> None:
    frames = cluster(killed(limits={"memory": "10Gi"}))  # doubled: 20Gi; nodes have 15Gi allocatable
    look = propose(finding_of(frames, "pod.oomkilled"), frames)
    assert isinstance(look, Investigation)
    assert "would exceed the largest node's allocatable memory (15Gi)" in look.checks[0]


def test_a_container_without_a_limit_gets_an_investigation() -> None:
    frames = cluster(killed(limits={}))
    look = RaiseMemoryLimit().propose(finding_of(frames, "pod.oomkilled"), frames)
    assert isinstance(look, Investigation)
    assert "sets no memory limit" in look.checks[0]


def test_a_bare_jobs_template_cannot_change() -> None:
    p = pod(
        "export-x1",
        owner=("Job", "export"),
        restart_policy="Never",
        phase="Failed",
        statuses=[status(ready=False, state=OOM)],
    )
    frames = bundle(owned("Job", "export"), p, node("node-1"))
    finding = Finding("job.failed", Severity.ERROR, ObjectRef("Job", "shop", "export"), "export failed")
    look = RaiseMemoryLimit().propose(finding, frames)
    assert isinstance(look, Investigation)
    assert "a Job's pod template is immutable" in look.checks[0]


def test_a_cronjobs_oom_killed_runs_raise_its_job_template_limit() -> None:
    run = pod(
        "backup-1-x1",
        owner=("Job", "backup-1"),
        restart_policy="Never",
        phase="Failed",
        statuses=[status(ready=False, state=OOM)],
    )
    frames = bundle(
        owned("CronJob", "backup"), owned("Job", "backup-1", owner=("CronJob", "backup")), run, node("node-1")
    )
    finding = Finding("cronjob.failing", Severity.ERROR, ObjectRef("CronJob", "shop", "backup"), "runs fail")
    plan = RaiseMemoryLimit().propose(finding, frames)
    assert isinstance(plan, Plan)
    (step,) = plan.steps
    assert (step.action.value, str(step.target), step.target.api_version) == (
        "set-resources",
        "CronJob shop/backup",
        "batch/v1",
    )
    assert dict(step.params) == {"container": "app", "limits": {"memory": "512Mi"}}
    assert any("next scheduled run" in n for n in plan.notes)


def test_a_crash_loop_that_is_not_an_oom_kill_is_not_this_planners() -> None:
    p = pod("web-7d9f8c6b5-a1", statuses=[status(ready=False, restarts=5, state=BACKOFF, last=terminated(1))])
    frames = cluster(p)
    assert RaiseMemoryLimit().propose(finding_of(frames, "pod.crashloop"), frames) is None


def test_the_plan_says_what_to_watch() -> None:
    frames = cluster(
        killed(limits={"memory": "192Mi"}), pod_metrics("shop", "web-7d9f8c6b5-a1", {"app": ("0", "0")})
    )
    plan = propose(finding_of(frames, "pod.oomkilled"), frames)
    assert isinstance(plan, Plan)
    assert (
        plan.steps[0].title
        == "Raise the memory limit of container app in deployment shop/web from 192Mi to 384Mi"
    )
    assert plan.findings == (plan.steps[0].reason,)
    assert any("OOMKilled again" in n for n in plan.notes)
    assert any("no metrics show more" in n for n in plan.notes)  # a zero sample is a container not running

"""set-resources for pods that ask more than any node has and never ran: the request goes down to the
most that places every replica on the nodes the scheduler weighed."""

from __future__ import annotations

from tests.analyzers.pods.objects import container, node, pod, status
from tests.remediation.planners.objects import Obj, bundle, deployment, finding_of, replicaset
from workbench.frames import Frames
from workbench.model import Investigation, Plan
from workbench.remediation.planners import propose

CONTROL_PLANE = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
CP_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
MEMORY = f"0/3 nodes are available: 2 Insufficient memory, {CONTROL_PLANE}."


def pending(message: str, *, requests: dict[str, str], limits: dict[str, str], name: str = "a1") -> Obj:
    return pod(
        f"web-7d9f8c6b5-{name}",
        phase="Pending",
        created=600,
        unschedulable=message,
        containers=[container(requests=requests, limits=limits)],
    )


def other(name: str, on: str, **requests: str) -> Obj:
    """A pod of another workload bound to node ``on``."""
    return pod(name, owner=None, node=on, containers=[container(requests=requests or None)])


def cluster(message: str, *extra: Obj, replicas: int = 3, limits: dict[str, str] | None = None) -> Frames:
    big = {"cpu": "100m", "memory": "40Gi"}
    return bundle(
        deployment("web", replicas=replicas),
        replicaset("web-7d9f8c6b5", "web", replicas=replicas),
        pending(message, requests=big, limits={"memory": "40Gi"} if limits is None else limits),
        node("w1"),
        node("w2"),
        other("db-0", "w1", cpu="100m", memory="128Mi"),
        *extra,
    )


def only_step(plan: object) -> dict[str, object]:
    assert isinstance(plan, Plan), plan
    (step,) = plan.steps
    assert step.action.value == "set-resources"
    assert str(step.target) == "Deployment shop/web"
    return dict(step.params)


def test_three_replicas_fit_two_on_one_node_and_one_on_the_other() -> None:
    # w1 has 15Gi - 128Mi free, w2 15Gi: 7.5Gi puts two on w2 and one on w1; 7.75Gi fits only two.
    frames = cluster(MEMORY, node("cp", taints=[CP_TAINT]))
    finding = finding_of(frames, "pod.unschedulable")
    plan = propose(finding, frames)
    assert only_step(plan) == {
        "container": "app",
        "requests": {"memory": "7680Mi"},
        "limits": {"memory": "7680Mi"},
    }
    assert isinstance(plan, Plan)
    assert plan.findings == (finding.id,)
    assert plan.steps[0].title == (
        "Lower the requests of container app in deployment shop/web: memory from 40Gi to 7680Mi "
        "(its limit, equal to the request, too)"
    )
    assert plan.notes[0] == (
        "7680Mi of memory is the most each of the 3 replica(s) can request and all still be placed: the "
        "memory the nodes can still give (allocatable minus what the pods on them request) is w2 15Gi, "
        "w1 14.9Gi, rounded down to a multiple of 256Mi. Not counted, as the scheduler says: cp (taint "
        "node-role.kubernetes.io/control-plane)."
    )
    notes = " ".join(plan.notes)
    assert "No pod of deployment shop/web has run" in notes
    assert "kubectl top pod -n shop" in notes


def test_one_replica_per_node_takes_the_smaller_nodes_room() -> None:
    frames = cluster(MEMORY, node("cp", taints=[CP_TAINT]), replicas=2)
    # w1's 15Gi - 128Mi = 15232Mi, rounded down to 256Mi.
    assert only_step(propose(finding_of(frames, "pod.unschedulable"), frames))["requests"] == {
        "memory": "15104Mi"
    }


def test_a_limit_above_the_request_stays() -> None:
    frames = cluster(MEMORY, node("cp", taints=[CP_TAINT]), limits={"memory": "48Gi"})
    assert only_step(propose(finding_of(frames, "pod.unschedulable"), frames)) == {
        "container": "app",
        "requests": {"memory": "7680Mi"},
    }


def test_a_node_tainted_against_the_pod_is_not_counted() -> None:
    gpu = node("gpu-1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    gpu["status"]["allocatable"]["memory"] = "64Gi"
    message = (
        "0/3 nodes are available: 2 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}."
    )
    frames = cluster(message, gpu)
    plan = propose(finding_of(frames, "pod.unschedulable"), frames)
    assert only_step(plan)["requests"] == {"memory": "7680Mi"}  # w1 and w2 only
    assert isinstance(plan, Plan)
    assert plan.notes[0].endswith("Not counted, as the scheduler says: gpu-1 (taint dedicated).")


def test_cpu_no_node_has_is_lowered_to_a_tidy_step() -> None:
    message = "0/2 nodes are available: 2 Insufficient cpu."
    frames = bundle(
        deployment("web"),
        replicaset("web-7d9f8c6b5", "web"),
        pending(message, requests={"cpu": "8", "memory": "128Mi"}, limits={}),
        node("w1"),
        node("w2"),
        other("db-0", "w1", cpu="250m", memory="128Mi"),
    )
    # w1: 3800m - 250m = 3550m, rounded down to 100m; w2 could give 3800m.
    assert only_step(propose(finding_of(frames, "pod.unschedulable"), frames)) == {
        "container": "app",
        "requests": {"cpu": "3500m"},
    }


def test_nodes_without_room_keep_the_investigation() -> None:
    full = [other(f"db-{n}", n, cpu="100m", memory="15Gi") for n in ("w1", "w2")]
    frames = bundle(
        deployment("web"),
        replicaset("web-7d9f8c6b5", "web"),
        pending(MEMORY, requests={"cpu": "100m", "memory": "40Gi"}, limits={}),
        node("w1"),
        node("w2"),
        node("cp", taints=[CP_TAINT]),
        *full,
    )
    look = propose(finding_of(frames, "pod.unschedulable"), frames)
    assert isinstance(look, Investigation)
    assert look.title == "Find what deployment shop/web really needs"


def test_a_request_that_fits_an_empty_node_is_a_capacity_problem_not_this_rule() -> None:
    frames = bundle(
        deployment("web"),
        replicaset("web-7d9f8c6b5", "web"),
        pending(MEMORY, requests={"cpu": "100m", "memory": "14Gi"}, limits={}),
        node("w1"),
        node("w2"),
        node("cp", taints=[CP_TAINT]),
        other("db-0", "w1", cpu="100m", memory="2Gi"),
        other("db-1", "w2", cpu="100m", memory="2Gi"),
    )
    assert isinstance(propose(finding_of(frames, "pod.unschedulable"), frames), Investigation)


def test_a_pod_of_the_workload_on_a_node_means_the_nodes_are_not_the_evidence() -> None:
    # It runs without metrics: its use, once measured, should size the request; not the nodes' room.
    running = pod("web-7d9f8c6b5-r1", node="w2", containers=[container(limits={})], statuses=[status()])
    frames = cluster(MEMORY, node("cp", taints=[CP_TAINT]), running)
    assert isinstance(
        propose(finding_of(frames, "pod.unschedulable", "web-7d9f8c6b5-a1"), frames), Investigation
    )


def test_a_reason_the_frames_cannot_place_is_not_guessed_around() -> None:
    message = (
        "0/2 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector."
    )
    frames = cluster(message)
    assert not isinstance(propose(finding_of(frames, "pod.unschedulable"), frames), Plan)

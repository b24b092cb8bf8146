"""remove-taint, uncordon, scale and set-resources: from the scheduler's words, events, HPAs, metrics."""

from __future__ import annotations

from tests.analyzers.pods.objects import container, event, node, pod, pod_metrics, status
from tests.remediation.planners.objects import Obj, bundle, deployment, finding_of, hpa, replicaset
from workbench.frames import Frames
from workbench.model import Finding, Investigation, ObjectRef, Plan, Severity
from workbench.remediation.planners import propose
from workbench.remediation.planners.requests import SetRequests
from workbench.remediation.planners.scale import ScaleBack

MAINTENANCE = {"key": "node.example.io/maintenance", "value": "true", "effect": "NoSchedule"}
CONTROL_PLANE = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"


def pending(message: str, **pod_options: object) -> Obj:
    return pod("web-7d9f8c6b5-a1", phase="Pending", created=600, unschedulable=message, **pod_options)  # type: ignore[arg-type]


def cluster(message: str, *nodes: Obj, extra: tuple[Obj, ...] = ()) -> Frames:
    return bundle(deployment("web"), replicaset("web-7d9f8c6b5", "web"), pending(message), *nodes, *extra)


def actions(plan: object) -> list[tuple[str, str, dict[str, object]]]:
    assert isinstance(plan, Plan), plan
    return [(s.action.value, str(s.target), dict(s.params)) for s in plan.steps]


def test_a_taint_nothing_tolerates_is_removed_from_each_node_one_step_each() -> None:
    message = (
        "0/3 nodes are available: 2 node(s) had untolerated taint {node.example.io/maintenance: true}, "
        f"{CONTROL_PLANE}."
    )
    frames = cluster(message, node("w1", taints=[MAINTENANCE]), node("w2", taints=[MAINTENANCE]), node("cp"))
    plan = propose(finding_of(frames, "pod.unschedulable"), frames)
    assert actions(plan) == [
        ("remove-taint", f"Node {n}", {"key": "node.example.io/maintenance", "effect": "NoSchedule"})
        for n in ("w1", "w2")
    ]
    assert isinstance(plan, Plan)
    assert plan.steps[0].title == "Remove taint node.example.io/maintenance=true:NoSchedule from node w1"
    assert plan.steps[0].target.api_version == "v1"


def test_a_taint_and_a_cordon_are_lifted_together() -> None:
    message = (
        "0/2 nodes are available: 1 node(s) had untolerated taint {node.example.io/maintenance: true}, "
        "1 node(s) were unschedulable."
    )
    frames = cluster(message, node("w1", taints=[MAINTENANCE]), node("w2", unschedulable=True))
    assert actions(propose(finding_of(frames, "pod.unschedulable"), frames)) == [
        ("remove-taint", "Node w1", {"key": "node.example.io/maintenance", "effect": "NoSchedule"}),
        ("uncordon", "Node w2", {}),
    ]


def test_a_cordon_alone_is_uncordoned() -> None:
    frames = cluster("0/1 nodes are available: 1 node(s) were unschedulable.", node("w1", unschedulable=True))
    assert actions(propose(finding_of(frames, "pod.unschedulable"), frames)) == [("uncordon", "Node w1", {})]


def test_a_taint_the_system_sets_for_a_node_condition_is_not_removed() -> None:
    message = "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }."
    taint = {"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"}
    frames = cluster(message, node("w1", taints=[taint]))
    look = propose(finding_of(frames, "pod.unschedulable"), frames)
    assert isinstance(look, Investigation)
    assert look.checks[0].startswith(
        "The pod is kept off nodes by node.kubernetes.io/disk-pressure, a taint the system sets"
    )


def test_a_cordoned_node_nothing_waits_for_gets_an_investigation() -> None:
    frames = bundle(node("w1", unschedulable=True))
    look = propose(finding_of(frames, "node.unschedulable"), frames)
    assert isinstance(look, Investigation)
    assert "no pending pod waits for it" in look.checks[0]


def test_oversized_requests_without_evidence_of_the_real_need_get_an_investigation() -> None:
    message = f"0/3 nodes are available: 2 Insufficient memory, {CONTROL_PLANE}."
    frames = cluster(message, node("w1"), node("w2"))
    look = propose(finding_of(frames, "pod.unschedulable"), frames)
    assert isinstance(look, Investigation)
    assert look.checks[0] == (
        "The scheduler finds no node with enough memory: the pod requests cpu 100m, memory 128Mi; the "
        "largest node can give cpu 3800m, memory 15Gi."
    )


def test_running_pods_usage_is_evidence_of_the_real_need() -> None:
    message = f"0/3 nodes are available: 2 Insufficient memory, {CONTROL_PLANE}."
    big = pending(message, containers=[container(requests={"cpu": "100m", "memory": "40Gi"}, limits={})])
    old = pod(
        "web-6c8d9f7b4-z9",
        owner=("ReplicaSet", "web-6c8d9f7b4"),
        containers=[container(limits={})],
        statuses=[status()],
    )
    frames = bundle(
        deployment("web", revision=2),
        replicaset("web-6c8d9f7b4", "web", revision=1, available=1),
        replicaset("web-7d9f8c6b5", "web", revision=2),
        big,
        old,
        pod_metrics("shop", "web-6c8d9f7b4-z9", {"app": ("20m", "1Gi")}),
        node("w1"),
    )
    plan = propose(finding_of(frames, "pod.unschedulable"), frames)
    # 1Gi seen / 0.8, rounded up to 16Mi.
    assert actions(plan) == [
        ("set-resources", "Deployment shop/web", {"container": "app", "requests": {"memory": "1280Mi"}})
    ]


ZERO = Finding("deployment.scaled-to-zero", Severity.ERROR, ObjectRef("Deployment", "shop", "web"), "at zero")


def test_scaled_to_zero_goes_back_to_the_size_its_scale_down_event_names() -> None:
    dep = deployment("web", replicas=0)
    scaled = event(
        dep, "ScalingReplicaSet", "Scaled down replica set web-7d9f8c6b5 from 4 to 0", type="Normal"
    )
    frames = bundle(dep, scaled)
    assert actions(propose(ZERO, frames)) == [("scale", "Deployment shop/web", {"replicas": 4})]


def test_scaled_to_zero_without_an_event_takes_the_autoscalers_minimum() -> None:
    frames = bundle(deployment("web", replicas=0), hpa("web", "web", minimum=3))
    plan = ScaleBack().propose(ZERO, frames)
    assert actions(plan) == [("scale", "Deployment shop/web", {"replicas": 3})]


def test_scaled_to_zero_without_evidence_is_not_guessed() -> None:
    look = ScaleBack().propose(ZERO, bundle(deployment("web", replicas=0)))
    assert isinstance(look, Investigation)
    assert "nothing in the cluster's state says how many it ran" in look.checks[0]


def autoscaled(*extra: Obj, limits: dict[str, str] | None = None) -> Frames:
    pods = [
        pod(
            f"web-7d9f8c6b5-p{i}",
            containers=[container(requests={}, limits=limits or {})],
            statuses=[status()],
        )
        for i in range(2)
    ]
    return bundle(
        deployment("web"), replicaset("web-7d9f8c6b5", "web", available=2), hpa("web", "web"), *pods, *extra
    )


HPA = Finding(
    "hpa.unable-to-scale", Severity.ERROR, ObjectRef("HorizontalPodAutoscaler", "shop", "web"), "cannot scale"
)


def test_without_metrics_an_autoscaled_container_gets_the_documented_default_request() -> None:
    plan = SetRequests().propose(HPA, autoscaled())
    assert actions(plan) == [
        ("set-resources", "Deployment shop/web", {"container": "app", "requests": {"cpu": "100m"}})
    ]


def test_a_request_never_exceeds_the_limit() -> None:
    usage = [pod_metrics("shop", f"web-7d9f8c6b5-p{i}", {"app": ("60m", "64Mi")}) for i in range(2)]
    plan = SetRequests().propose(HPA, autoscaled(*usage, limits={"cpu": "50m"}))
    assert actions(plan) == [
        ("set-resources", "Deployment shop/web", {"container": "app", "requests": {"cpu": "50m"}})
    ]
    assert isinstance(plan, Plan)
    assert "capped at its limit" in plan.steps[0].title

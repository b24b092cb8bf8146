"""The room on the nodes: which nodes the scheduler weighed, what each can still give, and the largest
request that places every replica (several on one node where it has room)."""

from __future__ import annotations

from tests.analyzers.pods.objects import container, node, pod
from tests.remediation.planners.objects import bundle
from workbench.analyzers.pods._scheduler import parse
from workbench.remediation.planners._room import Room, candidates, largest, left_out, placeable, rooms

GI, MI = 2**30, 2**20
STEP = 256 * MI
CONTROL_PLANE = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
CP_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def free(name: str, memory: float, *, cpu: int = 4000, pods: int = 100) -> Room:
    amounts = {"cpu": cpu, "memory": int(memory * GI), "pods": pods}
    return Room(name, amounts, amounts)


NOTHING = {"cpu": 0, "memory": 0}


def test_one_replica_per_node_takes_the_kth_largest_free_amount() -> None:
    nodes = [free("a", 10), free("b", 8), free("c", 6)]
    assert largest(nodes, NOTHING, "memory", replicas=1, step=STEP) == 10 * GI
    assert largest(nodes, NOTHING, "memory", replicas=2, step=STEP) == 8 * GI
    assert largest(nodes, NOTHING, "memory", replicas=3, step=STEP) == 6 * GI


def test_a_node_with_room_for_two_takes_two() -> None:
    # Two replicas of 10Gi on a (20Gi free) beat one on each node (7Gi, b's room).
    assert largest([free("a", 20), free("b", 7)], NOTHING, "memory", replicas=2, step=STEP) == 10 * GI
    # Five replicas: 5Gi each, four on a and one on b (5.25Gi would leave room for only three on a).
    assert largest([free("a", 20), free("b", 7)], NOTHING, "memory", replicas=5, step=STEP) == 5 * GI
    assert placeable([free("a", 20), free("b", 7)], {"memory": 4 * GI}) == 6


def test_the_amount_is_rounded_down_to_the_step() -> None:
    nodes = [Room("a", {"memory": 10 * GI + 300 * MI}, {"memory": 10 * GI + 300 * MI})]
    assert largest(nodes, NOTHING, "memory", replicas=1, step=STEP) == 10 * GI + 256 * MI
    assert largest([free("a", 4, cpu=3850)], NOTHING, "cpu", replicas=1, step=100) == 3800


def test_the_pods_other_containers_and_resources_and_pod_slots_bound_it() -> None:
    # Another container asks 1Gi: the lowered one gets what is left.
    assert largest([free("a", 10)], {"cpu": 0, "memory": GI}, "memory", replicas=1, step=STEP) == 9 * GI
    # Each pod asks 3 cores of a node's 4: one per node, whatever its memory.
    two = [free("a", 20), free("b", 12)]
    assert largest(two, {"cpu": 3000, "memory": 0}, "memory", replicas=2, step=STEP) == 12 * GI
    # A node with one pod slot left holds one pod.
    assert (
        largest([free("a", 20, pods=1), free("b", 12)], NOTHING, "memory", replicas=2, step=STEP) == 12 * GI
    )


def test_nothing_fits_gives_zero() -> None:
    assert largest([free("a", 0.1)], NOTHING, "memory", replicas=1, step=STEP) == 0
    assert largest([free("a", 10)], NOTHING, "memory", replicas=1, step=STEP, floor=11 * GI) == 0  # init
    assert largest([], NOTHING, "memory", replicas=1, step=STEP) == 0
    assert largest([free("a", 10)], NOTHING, "memory", replicas=0, step=STEP) == 0


def names(message: str, *objects: dict[str, object]) -> list[str] | None:
    total, why = parse(message)
    return candidates(bundle(*objects), why, total)


def test_the_candidates_are_the_nodes_without_untolerated_taints_or_cordons() -> None:
    message = (
        f"0/4 nodes are available: 2 Insufficient memory, 1 node(s) were unschedulable, {CONTROL_PLANE}."
    )
    cluster = (node("w1"), node("w2"), node("w3", unschedulable=True), node("cp", taints=[CP_TAINT]))
    assert names(message, *cluster) == ["w1", "w2"]
    _, why = parse(message)
    assert left_out(bundle(*cluster), why) == {
        "cp": "taint node-role.kubernetes.io/control-plane",
        "w3": "cordoned",
    }


def test_a_taint_the_pod_tolerates_does_not_exclude_its_node() -> None:
    # The message names no taint on w2: the pod tolerates it, and the scheduler weighed w2's room.
    tolerated = {"key": "dedicated", "value": "ml", "effect": "NoSchedule"}
    message = f"0/3 nodes are available: 2 Insufficient memory, {CONTROL_PLANE}."
    assert names(message, node("w1"), node("w2", taints=[tolerated]), node("cp", taints=[CP_TAINT])) == [
        "w1",
        "w2",
    ]


def test_reasons_the_frames_cannot_tie_to_nodes_give_no_candidates() -> None:
    affinity = (
        "0/2 nodes are available: 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector."
    )
    assert names(affinity, node("w1"), node("w2")) is None
    assert names("0/2 nodes are available: 2 Insufficient memory.", node("w1"), node("w2")) == ["w1", "w2"]


def test_a_message_that_disagrees_with_the_frames_gives_no_candidates() -> None:
    assert names("0/3 nodes are available: 3 Insufficient memory.", node("w1"), node("w2")) is None
    assert names("0/2 nodes are available: 1 Insufficient memory.", node("w1"), node("w2")) is None
    # The same two nodes short of both: counted once per reason.
    both = "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory."
    assert names(both, node("w1"), node("w2")) == ["w1", "w2"]


def test_free_room_is_allocatable_minus_what_bound_live_pods_request() -> None:
    big = container(requests={"cpu": "500m", "memory": "2Gi"})
    frames = bundle(
        node("w1"),
        node("w2"),
        pod("a-1", owner=None, node="w1", containers=[big]),
        pod("a-2", owner=None, node="w1", containers=[container()]),  # 100m, 128Mi
        pod("done-1", owner=None, node="w2", containers=[big], phase="Succeeded"),
        pod("wait-1", owner=None, containers=[big], phase="Pending", unschedulable="0/2 nodes are available"),
    )
    w1, w2 = rooms(frames, ["w1", "w2"])
    assert w1.allocatable == {"cpu": 3800, "memory": 15 * GI, "pods": 110}
    assert w1.free == {"cpu": 3200, "memory": 15 * GI - 2 * GI - 128 * MI, "pods": 108}
    assert w2.free == w2.allocatable  # a finished pod frees its requests

"""The DaemonSet controller: a pod per eligible node, pinned by node affinity, rolled node by node."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Kubectl
from tests.sandbox.control.workloads_support import Workloads, kubectl_for, running_workloads
from workbench.sandbox._control._workloads._placement import target_node


@pytest.fixture
def wl() -> Iterator[Workloads]:
    yield from running_workloads()


@pytest.fixture
def kubectl_wl(wl: Workloads, tmp_path: Path) -> Kubectl:
    return kubectl_for(wl, tmp_path)


def daemonset(extra: str = "", *, image: str = "busybox:1.36") -> str:
    return f"""
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      containers: [{{name: agent, image: "{image}"}}]
      {extra}
"""


def nodes_of(wl: Workloads) -> list[str]:
    return sorted(str(target_node(p)) for p in wl.pods("app=agent"))


@pytest.mark.kubectl
def test_one_pod_per_node_skipping_the_tainted_control_plane(wl: Workloads, kubectl_wl: Kubectl) -> None:
    wl.apply(daemonset())
    wl.advance(1)
    assert nodes_of(wl) == ["kind-worker", "kind-worker2"]
    pod = wl.pods("app=agent")[0]
    node = target_node(pod)
    assert "nodeName" not in pod["spec"]
    assert pod["spec"]["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
    }
    tolerations = {(t.get("key"), t.get("effect")) for t in pod["spec"]["tolerations"]}
    assert {
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    } <= tolerations
    [revision] = wl.list("ControllerRevision", "app=agent")
    hash_ = revision["metadata"]["labels"]["controller-revision-hash"]
    assert revision["metadata"]["name"] == f"agent-{hash_}"
    assert pod["metadata"]["labels"] == {
        "app": "agent",
        "controller-revision-hash": hash_,
        "pod-template-generation": "1",
    }
    created = [e for e in wl.events("agent") if e[1] == "SuccessfulCreate"]
    assert [e[3] for e in created] == ["daemonset-controller"] * 2
    assert all(e[2].startswith("Created pod: agent-") for e in created)

    wl.run_ready("app=agent")
    wl.advance(1)
    status = wl.get("DaemonSet", "agent")["status"]
    assert status == {
        "desiredNumberScheduled": 2,
        "currentNumberScheduled": 2,
        "numberMisscheduled": 0,
        "numberReady": 2,
        "numberAvailable": 2,
        "updatedNumberScheduled": 2,
        "observedGeneration": 1,
    }
    table = kubectl_wl("get", "daemonset", "agent").stdout.splitlines()
    assert table[0].split()[:6] == ["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE"]
    assert table[1].split()[:6] == ["agent", "2", "2", "2", "2", "2"]
    out = kubectl_wl("rollout", "status", "daemonset/agent", "--timeout=20s").stdout
    assert 'daemon set "agent" successfully rolled out' in out


def test_tolerating_the_control_plane_taint_and_selecting_nodes(wl: Workloads) -> None:
    wl.apply(daemonset("tolerations: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]"))
    wl.advance(1)
    assert nodes_of(wl) == ["kind-control-plane", "kind-worker", "kind-worker2"]
    wl.patch_spec(
        "DaemonSet",
        "agent",
        {"template": {"spec": {"nodeSelector": {"kubernetes.io/hostname": "kind-worker"}}}},
    )
    wl.advance(1)
    assert nodes_of(wl) == ["kind-worker"]
    assert wl.get("DaemonSet", "agent")["status"]["desiredNumberScheduled"] == 1


def test_a_new_node_gets_a_pod_and_a_failed_pod_is_replaced(wl: Workloads) -> None:
    wl.apply(daemonset())
    wl.advance(1)
    node = wl.get("Node", "kind-worker2", "")
    node["metadata"] = {
        "name": "kind-worker3",
        "labels": {**node["metadata"]["labels"], "kubernetes.io/hostname": "kind-worker3"},
    }
    node.pop("status", None)
    wl.cluster.create("Node", node, manager="test")
    wl.advance(1)
    assert nodes_of(wl) == ["kind-worker", "kind-worker2", "kind-worker3"]
    failed = wl.pods("app=agent")[0]
    wl.set_pod(failed, "Failed", ready=False)
    wl.advance(1)
    assert not wl.exists("Pod", failed["metadata"]["name"])
    assert nodes_of(wl) == ["kind-worker", "kind-worker2", "kind-worker3"]
    name = f"default/{failed['metadata']['name']}"
    message = f"Found failed daemon pod {name} on node {target_node(failed)}, will try to kill it"
    assert ("Warning", "FailedDaemonPod", message, "daemonset-controller") in wl.events("agent")


def test_rolling_update_replaces_one_node_at_a_time(wl: Workloads) -> None:
    wl.apply(daemonset())
    wl.advance(1)
    wl.run_ready("app=agent")
    wl.advance(1)
    wl.patch_spec(
        "DaemonSet",
        "agent",
        {"template": {"spec": {"containers": [{"name": "agent", "image": "busybox:1.37"}]}}},
    )
    wl.advance(1)
    images = sorted(p["spec"]["containers"][0]["image"] for p in wl.pods("app=agent"))
    assert images == ["busybox:1.36", "busybox:1.37"]  # maxUnavailable 1: one node at a time
    wl.advance(30)
    assert (
        sorted(p["spec"]["containers"][0]["image"] for p in wl.pods("app=agent")) == images
    )  # waits for ready
    wl.run_ready("app=agent")
    wl.advance(1)
    wl.run_ready("app=agent")
    wl.advance(1)
    assert [p["spec"]["containers"][0]["image"] for p in wl.pods("app=agent")] == ["busybox:1.37"] * 2
    status = wl.get("DaemonSet", "agent")["status"]
    assert (status["updatedNumberScheduled"], status["numberAvailable"], status["observedGeneration"]) == (
        2,
        2,
        2,
    )
    assert [r["revision"] for r in wl.list("ControllerRevision", "app=agent")] == [1, 2]

"""Node health: a stopped kubelet, pressure, cordon/uncordon/drain with kubectl, and taint eviction."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import KUBECTL, Kubectl
from workbench import sandbox
from workbench.sandbox._clock import parse_time
from workbench.sandbox._control._nodes import GRACE_PERIOD, KUBELET_ANNOTATION, PRESSURE_ANNOTATION

DEFAULT_TOLERATION = 300  # seconds admission gives every pod for not-ready / unreachable


def pod(name: str, node: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.27"}],
            "nodeSelector": {"kubernetes.io/hostname": node},
            **spec,
        },
    }


def node(sb: sandbox.Sandbox, name: str) -> dict[str, Any]:
    found = sb.control.cluster.get("Node", "", name)
    assert found is not None
    return found


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in obj["status"]["conditions"]}


def taints(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["key"], t["effect"]) for t in obj["spec"].get("taints") or []]


def reasons(sb: sandbox.Sandbox, name: str) -> list[str]:
    found = [e for e in sb.control.cluster.objects("Event") if e["involvedObject"]["name"] == name]
    found.sort(key=lambda e: (e.get("lastTimestamp") or e.get("eventTime") or "", e["metadata"]["name"]))
    return [e["reason"] for e in found]


def messages(sb: sandbox.Sandbox, name: str, reason: str) -> list[str]:
    return [
        e["message"]
        for e in sb.control.cluster.objects("Event")
        if e["involvedObject"]["name"] == name and e["reason"] == reason
    ]


def get_pod(sb: sandbox.Sandbox, name: str) -> dict[str, Any] | None:
    return sb.control.cluster.get("Pod", "default", name)


def node_status(kubectl: Kubectl, name: str) -> str:
    return kubectl("get", "node", name, "--no-headers").stdout.split()[1]


def test_a_stopped_kubelet_turns_the_node_unknown_taints_it_and_evicts_its_pods(
    sb: sandbox.Sandbox, kubectl: Kubectl
) -> None:
    cluster = sb.control.cluster
    cluster.create("Pod", pod("api", "kind-worker2"), manager="kubectl")
    forever = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
    cluster.create("Pod", pod("agent", "kind-worker2", tolerations=[forever]), manager="kubectl")
    sb.advance(5)
    assert get_pod(sb, "api")["spec"]["nodeName"] == "kind-worker2"  # type: ignore[index]
    kubectl("annotate", "node", "kind-worker2", f"{KUBELET_ANNOTATION}=stopped")
    sb.advance(GRACE_PERIOD - 1)
    assert node_status(kubectl, "kind-worker2") == "Ready"  # within the node monitor grace period
    sb.advance(2)
    assert node_status(kubectl, "kind-worker2") == "NotReady"
    worker = node(sb, "kind-worker2")
    for cond in conditions(worker).values():
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "Unknown",
            "NodeStatusUnknown",
            "Kubelet stopped posting node status.",
        )
    assert taints(worker) == [
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    ]
    assert messages(sb, "kind-worker2", "NodeNotReady") == ["Node kind-worker2 status is now: NodeNotReady"]
    api = get_pod(sb, "api")
    assert api is not None
    ready = next(c for c in api["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"
    assert messages(sb, "api", "NodeNotReady") == ["Node is not ready"]
    sb.advance(DEFAULT_TOLERATION - 2)
    assert not api["metadata"].get("deletionTimestamp")
    assert get_pod(sb, "api") is not None
    sb.advance(4)
    assert messages(sb, "api", "TaintManagerEviction") == ["Marking for deletion Pod default/api"]
    assert get_pod(sb, "api") is None or get_pod(sb, "api")["metadata"]["deletionTimestamp"]  # type: ignore[index]
    assert get_pod(sb, "agent") is not None  # tolerates unreachable forever
    described = kubectl("describe", "node", "kind-worker2").stdout
    assert "node.kubernetes.io/unreachable:NoExecute" in described
    assert "NodeNotReady" in described
    kubectl("annotate", "node", "kind-worker2", f"{KUBELET_ANNOTATION}-")
    sb.advance(1)
    assert node_status(kubectl, "kind-worker2") == "Ready"
    healed = node(sb, "kind-worker2")
    assert taints(healed) == []
    assert conditions(healed)["Ready"]["reason"] == "KubeletReady"
    assert conditions(healed)["MemoryPressure"]["reason"] == "KubeletHasSufficientMemory"
    assert reasons(sb, "kind-worker2")[-6:] == [
        "Starting",
        "NodeHasSufficientMemory",
        "NodeHasNoDiskPressure",
        "NodeHasSufficientPID",
        "NodeAllocatableEnforced",
        "NodeReady",
    ]


def test_healing_before_the_toleration_ends_cancels_the_eviction(sb: sandbox.Sandbox) -> None:
    cluster = sb.control.cluster
    cluster.create("Pod", pod("api", "kind-worker"), manager="kubectl")
    short = {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 60,
    }
    cluster.create("Pod", pod("quick", "kind-worker", tolerations=[short]), manager="kubectl")
    sb.advance(2)
    worker = node(sb, "kind-worker")
    worker["metadata"].setdefault("annotations", {})[KUBELET_ANNOTATION] = "stopped"
    cluster.update("Node", worker, manager="kubectl")
    sb.advance(GRACE_PERIOD + 59)
    assert get_pod(sb, "quick") is not None
    sb.advance(2)
    assert messages(sb, "quick", "TaintManagerEviction") == ["Marking for deletion Pod default/quick"]
    worker = node(sb, "kind-worker")
    del worker["metadata"]["annotations"][KUBELET_ANNOTATION]
    cluster.update("Node", worker, manager="kubectl")
    sb.advance(DEFAULT_TOLERATION)
    assert get_pod(sb, "api") is not None
    assert messages(sb, "api", "TaintManagerEviction") == ["Cancelling deletion of Pod default/api"]


def test_a_noexecute_taint_evicts_pods_that_do_not_tolerate_it_at_once(
    sb: sandbox.Sandbox, kubectl: Kubectl
) -> None:
    cluster = sb.control.cluster
    cluster.create("Pod", pod("web", "kind-worker"), manager="kubectl")
    sb.advance(2)
    kubectl("taint", "node", "kind-worker", "maintenance=now:NoExecute")
    sb.advance(0.5)
    assert messages(sb, "web", "TaintManagerEviction") == ["Marking for deletion Pod default/web"]
    web = get_pod(sb, "web")
    assert web is not None
    target = next(c for c in web["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert (target["reason"], target["message"]) == (
        "DeletionByTaintManager",
        "Taint manager: deleting due to NoExecute taint",
    )
    daemons = cluster.objects(
        "Pod", "kube-system", where=lambda e: e.fields["spec.nodeName"] == "kind-worker"
    )
    assert {p["metadata"]["name"].split("-")[0] for p in daemons} >= {
        "kindnet",
        "kube",
    }  # tolerate everything


def test_pressure_conditions_taint_the_node(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    kubectl("annotate", "node", "kind-worker", f"{PRESSURE_ANNOTATION}=memory,disk")
    sb.advance(1)
    worker = node(sb, "kind-worker")
    found = conditions(worker)
    assert (found["MemoryPressure"]["status"], found["MemoryPressure"]["reason"]) == (
        "True",
        "KubeletHasInsufficientMemory",
    )
    assert found["MemoryPressure"]["message"] == "kubelet has insufficient memory available"
    assert (found["DiskPressure"]["reason"], found["DiskPressure"]["message"]) == (
        "KubeletHasDiskPressure",
        "kubelet has disk pressure",
    )
    assert found["PIDPressure"]["status"] == "False"
    assert found["Ready"]["status"] == "True"
    assert taints(worker) == [
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ]
    assert messages(sb, "kind-worker", "NodeHasInsufficientMemory") == [
        "Node kind-worker status is now: NodeHasInsufficientMemory"
    ]
    assert "Attempting to reclaim memory" in messages(sb, "kind-worker", "EvictionThresholdMet")
    sb.control.cluster.create("Pod", pod("pinned", "kind-worker"), manager="kubectl")
    sb.advance(1)
    scheduled = kubectl("get", "pod", "pinned", "-o", "jsonpath={.status.conditions[0].message}").stdout
    assert "1 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: }" in scheduled
    kubectl("annotate", "node", "kind-worker", f"{PRESSURE_ANNOTATION}-")
    sb.advance(15)
    assert taints(node(sb, "kind-worker")) == []
    assert conditions(node(sb, "kind-worker"))["MemoryPressure"]["reason"] == "KubeletHasSufficientMemory"
    assert get_pod(sb, "pinned")["spec"]["nodeName"] == "kind-worker"  # type: ignore[index]


def test_cordon_and_uncordon_with_kubectl(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    assert kubectl("cordon", "kind-worker").stdout.strip() == "node/kind-worker cordoned"
    sb.advance(1)
    assert node_status(kubectl, "kind-worker") == "Ready,SchedulingDisabled"
    assert taints(node(sb, "kind-worker")) == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    assert messages(sb, "kind-worker", "NodeNotSchedulable") == [
        "Node kind-worker status is now: NodeNotSchedulable"
    ]
    sb.control.cluster.create("Pod", pod("pinned", "kind-worker"), manager="kubectl")
    sb.advance(1)
    described = kubectl("describe", "pod", "pinned").stdout
    assert "1 node(s) were unschedulable" in described
    assert kubectl("uncordon", "kind-worker").stdout.strip() == "node/kind-worker uncordoned"
    sb.advance(15)
    assert taints(node(sb, "kind-worker")) == []
    assert node_status(kubectl, "kind-worker") == "Ready"
    assert get_pod(sb, "pinned")["spec"]["nodeName"] == "kind-worker"  # type: ignore[index]
    assert "NodeSchedulable" in reasons(sb, "kind-worker")


def run_while_time_passes(sb: sandbox.Sandbox, kubeconfig: Path, cache: Path, *args: str) -> str:
    """Run kubectl while the manual clock moves on (drain waits for the evicted pods to go)."""
    cmd = [KUBECTL, f"--kubeconfig={kubeconfig}", f"--cache-dir={cache}", *args]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for _ in range(600):
            if proc.poll() is not None:
                break
            sb.advance(1)
            time.sleep(0.05)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out
    return out


def prefers(name: str, node_name: str) -> dict[str, Any]:
    """A bare pod that would rather run on `node_name`."""
    preferred = pod(name, node_name)
    preferred["spec"].pop("nodeSelector")
    term = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node_name]}]}
    preferred["spec"]["affinity"] = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "preference": term}]
        }
    }
    return preferred


def test_drain_evicts_the_pods_and_they_are_placed_elsewhere(sb: sandbox.Sandbox, tmp_path: Path) -> None:
    cluster = sb.control.cluster
    cluster.create("Pod", prefers("solo", "kind-worker"), manager="kubectl")
    sb.advance(2)
    assert get_pod(sb, "solo")["spec"]["nodeName"] == "kind-worker"  # type: ignore[index]
    out = run_while_time_passes(
        sb,
        sb.kubeconfig,
        tmp_path / "cache",
        "drain",
        "kind-worker",
        "--ignore-daemonsets",
        "--force",
        "--delete-emptydir-data",
        "--timeout=120s",
    )
    assert "node/kind-worker cordoned" in out
    assert "evicting pod default/solo" in out
    assert "node/kind-worker drained" in out
    assert get_pod(sb, "solo") is None
    left = cluster.objects("Pod", where=lambda e: e.fields["spec.nodeName"] == "kind-worker")
    assert {p["metadata"]["ownerReferences"][0]["kind"] for p in left} == {"DaemonSet"}
    if "replicaset" in sb.control.controllers:  # the evicted CoreDNS replica is made again, elsewhere
        coredns = cluster.objects("Pod", "kube-system", where=lambda e: e.labels.get("k8s-app") == "kube-dns")
        assert len(coredns) == 2
        assert all(p["spec"].get("nodeName") not in (None, "kind-worker") for p in coredns)
    # The pod made again still prefers kind-worker, but the drained node is cordoned.
    cluster.create("Pod", prefers("solo", "kind-worker"), manager="kubectl")
    sb.advance(2)
    assert get_pod(sb, "solo")["spec"]["nodeName"] == "kind-worker2"  # type: ignore[index]


def test_ready_nodes_post_a_heartbeat_every_five_minutes(sb: sandbox.Sandbox) -> None:
    before = conditions(node(sb, "kind-worker"))["Ready"]
    sb.advance(900)
    after = conditions(node(sb, "kind-worker"))["Ready"]
    assert after["lastTransitionTime"] == before["lastTransitionTime"]
    gap = parse_time(after["lastHeartbeatTime"]) - parse_time(before["lastHeartbeatTime"])
    assert 600 <= gap.total_seconds() <= 900
    assert (
        sb.control.cluster.clock.now().timestamp() - parse_time(after["lastHeartbeatTime"]).timestamp() < 300
    )


def test_a_kubelet_reporting_not_ready_gets_the_not_ready_taints(
    sb: sandbox.Sandbox, kubectl: Kubectl
) -> None:
    sb.control.cluster.create("Pod", pod("api", "kind-worker"), manager="kubectl")
    sb.advance(2)
    kubectl("annotate", "node", "kind-worker", f"{KUBELET_ANNOTATION}=not-ready")
    sb.advance(1)
    assert node_status(kubectl, "kind-worker") == "NotReady"
    ready = conditions(node(sb, "kind-worker"))["Ready"]
    assert (ready["status"], ready["reason"]) == ("False", "KubeletNotReady")
    assert ready["message"].startswith("container runtime network not ready: NetworkReady=false")
    assert taints(node(sb, "kind-worker")) == [
        ("node.kubernetes.io/not-ready", "NoSchedule"),
        ("node.kubernetes.io/not-ready", "NoExecute"),
    ]
    assert messages(sb, "kind-worker", "NodeNotReady") == ["Node kind-worker status is now: NodeNotReady"]
    sb.advance(DEFAULT_TOLERATION + 1)
    assert messages(sb, "api", "TaintManagerEviction") == ["Marking for deletion Pod default/api"]

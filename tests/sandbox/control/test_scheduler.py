"""The scheduler: binding, the exact FailedScheduling texts of kube-scheduler 1.32, retries, preemption."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from tests.conftest import Kubectl
from workbench import sandbox
from workbench.sandbox._control import Cluster

TAINTED_CP = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
NOT_HELPFUL_3 = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."


def pod(name: str, *, memory: str = "", cpu: str = "", **spec: Any) -> dict[str, Any]:
    requests = {k: v for k, v in (("memory", memory), ("cpu", cpu)) if v}
    container: dict[str, Any] = {"name": "app", "image": "nginx:1.27"}
    if requests:
        container["resources"] = {"requests": requests}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"containers": [container], **spec},
    }


def create(sb: sandbox.Sandbox, obj: dict[str, Any]) -> None:
    cluster = sb.control.cluster
    cluster.create(obj["kind"], obj, manager="kubectl-create")


def get_pod(sb: sandbox.Sandbox, name: str) -> dict[str, Any]:
    found = sb.control.cluster.get("Pod", "default", name)
    assert found is not None
    return found


def condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


def events(sb: sandbox.Sandbox, name: str, reason: str = "") -> list[dict[str, Any]]:
    return [
        e
        for e in sb.control.cluster.objects("Event")
        if e["involvedObject"]["name"] == name and (not reason or e["reason"] == reason)
    ]


def unschedulable_message(sb: sandbox.Sandbox, name: str) -> str:
    scheduled = condition(get_pod(sb, name), "PodScheduled")
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")
    message: str = scheduled["message"]
    assert [e["message"] for e in events(sb, name, "FailedScheduling")][-1] == message
    return message


def label_node(cluster: Cluster, name: str, **labels: str) -> None:
    node = cluster.get("Node", "", name)
    assert node is not None
    node["metadata"]["labels"].update(labels)
    cluster.update("Node", node, manager="kubectl-label")


def test_a_pending_pod_is_bound_with_the_scheduled_event(sb: sandbox.Sandbox) -> None:
    create(sb, pod("web-1", memory="64Mi"))
    create(sb, pod("web-2", memory="64Mi"))
    sb.advance(1)
    first, second = get_pod(sb, "web-1"), get_pod(sb, "web-2")
    # Equal workers: the first by name; then the less allocated one.
    assert (first["spec"]["nodeName"], second["spec"]["nodeName"]) == ("kind-worker", "kind-worker2")
    scheduled = condition(first, "PodScheduled")
    assert scheduled["status"] == "True"
    assert "reason" not in scheduled
    [event] = events(sb, "web-1", "Scheduled")
    assert event["type"] == "Normal"
    assert event["message"] == "Successfully assigned default/web-1 to kind-worker"
    assert event["reportingComponent"] == "default-scheduler"
    assert event["action"] == "Binding"
    assert event["eventTime"]
    assert event["firstTimestamp"] is None
    # The binding records no managedFields entry of its own, as on a real cluster.
    assert all(m["manager"] != "kube-scheduler" for m in first["metadata"]["managedFields"])


def test_too_big_a_pod_gets_the_exact_1_32_message(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, pod("huge", memory="40Gi"))
    sb.advance(1)
    message = unschedulable_message(sb, "huge")
    assert message == (
        f"0/3 nodes are available: {TAINTED_CP}, 2 Insufficient memory. preemption: 0/3 nodes are "
        "available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for "
        "incoming pod."
    )
    assert "nodeName" not in get_pod(sb, "huge")["spec"]
    [event] = events(sb, "huge", "FailedScheduling")
    assert (event["type"], event["reportingComponent"], event["action"]) == (
        "Warning",
        "default-scheduler",
        "Scheduling",
    )
    described = kubectl("describe", "pod", "huge").stdout
    assert "Warning  FailedScheduling" in described
    assert "default-scheduler" in described
    assert "2 Insufficient memory." in described
    status = kubectl("get", "pod", "huge", "--no-headers").stdout.split()
    assert status[1:3] == ["0/1", "Pending"]


def test_a_pending_pod_schedules_once_resources_free_up(sb: sandbox.Sandbox) -> None:
    create(sb, pod("hog-1", memory="25Gi"))
    create(sb, pod("hog-2", memory="25Gi"))
    sb.advance(1)
    hogs = {get_pod(sb, n)["spec"]["nodeName"] for n in ("hog-1", "hog-2")}
    assert hogs == {"kind-worker", "kind-worker2"}
    create(sb, pod("big", memory="10Gi"))
    sb.advance(30)
    assert "2 Insufficient memory" in unschedulable_message(sb, "big")
    freed = get_pod(sb, "hog-1")["spec"]["nodeName"]
    sb.control.cluster.delete("Pod", "default", "hog-1")
    sb.advance(15)
    assert get_pod(sb, "big")["spec"]["nodeName"] == freed
    assert condition(get_pod(sb, "big"), "PodScheduled")["status"] == "True"


def test_selectors_affinity_and_tolerations(sb: sandbox.Sandbox) -> None:
    cluster = sb.control.cluster
    label_node(cluster, "kind-worker", rack="3")
    label_node(cluster, "kind-worker2", rack="7")
    control_plane = {
        "key": "node-role.kubernetes.io/control-plane",
        "operator": "Exists",
        "effect": "NoSchedule",
    }

    def required(*terms: dict[str, Any]) -> dict[str, Any]:
        return {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}
            }
        }

    create(sb, pod("ssd", nodeSelector={"disktype": "ssd"}))
    create(
        sb,
        pod(
            "on-cp",
            tolerations=[control_plane],
            nodeSelector={"kubernetes.io/hostname": "kind-control-plane"},
        ),
    )
    create(
        sb,
        pod(
            "rack-gt",
            affinity=required({"matchExpressions": [{"key": "rack", "operator": "Gt", "values": ["5"]}]}),
        ),
    )
    create(
        sb,
        pod(
            "rack-lt",
            affinity=required({"matchExpressions": [{"key": "rack", "operator": "Lt", "values": ["5"]}]}),
        ),
    )
    create(
        sb,
        pod(
            "not-worker",
            tolerations=[control_plane],
            affinity=required(
                {
                    "matchExpressions": [
                        {
                            "key": "kubernetes.io/hostname",
                            "operator": "NotIn",
                            "values": ["kind-worker", "kind-worker2"],
                        }
                    ]
                }
            ),
        ),
    )
    create(
        sb,
        pod(
            "no-rack",
            tolerations=[control_plane],
            affinity=required({"matchExpressions": [{"key": "rack", "operator": "DoesNotExist"}]}),
        ),
    )
    create(
        sb,
        pod(
            "by-name",
            affinity=required(
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["kind-worker2"]}]}
            ),
        ),
    )
    create(
        sb,
        pod(
            "no-such-node",
            affinity=required(
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["gone"]}]}
            ),
        ),
    )
    sb.advance(1)
    assert unschedulable_message(sb, "ssd") == (
        f"0/3 nodes are available: {TAINTED_CP}, 2 node(s) didn't match Pod's node affinity/selector. "
        + NOT_HELPFUL_3
    )
    assert {
        n: get_pod(sb, n)["spec"]["nodeName"]
        for n in ("on-cp", "rack-gt", "rack-lt", "not-worker", "no-rack", "by-name")
    } == {
        "on-cp": "kind-control-plane",
        "rack-gt": "kind-worker2",
        "rack-lt": "kind-worker",
        "not-worker": "kind-control-plane",
        "no-rack": "kind-control-plane",
        "by-name": "kind-worker2",
    }
    assert unschedulable_message(sb, "no-such-node") == (
        f"0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. {NOT_HELPFUL_3}"
    )
    # A label that appears later is a node update the scheduler retries on.
    label_node(cluster, "kind-worker2", disktype="ssd")
    sb.advance(15)
    assert get_pod(sb, "ssd")["spec"]["nodeName"] == "kind-worker2"


def test_cordon_and_taints_block_until_lifted(sb: sandbox.Sandbox) -> None:
    cluster = sb.control.cluster
    worker = cluster.get("Node", "", "kind-worker")
    assert worker is not None
    worker["spec"]["unschedulable"] = True
    cluster.update("Node", worker, manager="kubectl-cordon")
    worker2 = cluster.get("Node", "", "kind-worker2")
    assert worker2 is not None
    worker2["spec"]["taints"] = [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    cluster.update("Node", worker2, manager="kubectl-taint")
    create(sb, pod("blocked"))
    create(
        sb,
        pod(
            "gpu-job",
            tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}],
        ),
    )
    sb.advance(2)
    assert unschedulable_message(sb, "blocked") == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
        f"{TAINTED_CP}, 1 node(s) were unschedulable. {NOT_HELPFUL_3}"
    )
    assert get_pod(sb, "gpu-job")["spec"]["nodeName"] == "kind-worker2"
    worker = cluster.get("Node", "", "kind-worker")
    assert worker is not None
    worker["spec"].pop("unschedulable")
    cluster.update("Node", worker, manager="kubectl-uncordon")
    sb.advance(15)
    assert get_pod(sb, "blocked")["spec"]["nodeName"] == "kind-worker"


def test_host_ports_init_containers_overhead_and_pod_count(sb: sandbox.Sandbox) -> None:
    cluster = sb.control.cluster
    port = {"containerPort": 80, "hostPort": 8080}
    for name in ("edge-1", "edge-2", "edge-3"):
        spec = pod(name)
        spec["spec"]["containers"][0]["ports"] = [port]
        create(sb, spec)
    init = pod("migrate", memory="64Mi")
    init["spec"]["initContainers"] = [
        {"name": "init", "image": "busybox:1.36", "resources": {"requests": {"memory": "40Gi"}}}
    ]
    create(sb, init)
    sb.advance(1)
    assert {get_pod(sb, n)["spec"]["nodeName"] for n in ("edge-1", "edge-2")} == {
        "kind-worker",
        "kind-worker2",
    }
    assert unschedulable_message(sb, "edge-3") == (
        f"0/3 nodes are available: {TAINTED_CP}, 2 node(s) didn't have free ports for the requested pod "
        "ports. "
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod."
    )
    assert "2 Insufficient memory." in unschedulable_message(sb, "migrate")
    for name in ("kind-worker", "kind-worker2"):  # room for no more pods than the node has now
        node = cluster.get("Node", "", name)
        assert node is not None
        count = len(cluster.objects("Pod", where=lambda e, n=name: e.fields["spec.nodeName"] == n))
        node["status"]["allocatable"]["pods"] = str(count)
        cluster.update_status("Node", node, manager="kubelet")
    create(sb, pod("one-more"))
    sb.advance(1)
    assert "2 Too many pods." in unschedulable_message(sb, "one-more")


def test_preemption_evicts_lower_priority_pods(sb: sandbox.Sandbox) -> None:
    create(sb, pod("batch-1", memory="25Gi"))
    create(sb, pod("batch-2", memory="25Gi"))
    sb.advance(1)
    create(
        sb,
        pod("polite", memory="20Gi", priorityClassName="system-cluster-critical", preemptionPolicy="Never"),
    )
    create(sb, pod("urgent", memory="20Gi", priorityClassName="system-cluster-critical"))
    sb.advance(0.5)  # the victim is still terminating
    assert unschedulable_message(sb, "polite").endswith(
        "2 Insufficient memory. preemption: not eligible due to preemptionPolicy=Never."
    )
    urgent = get_pod(sb, "urgent")
    # Preemption made room: the FitError carries no PostFilter text, and the pod is nominated.
    assert (
        condition(urgent, "PodScheduled")["message"]
        == f"0/3 nodes are available: {TAINTED_CP}, 2 Insufficient memory."
    )
    node = urgent["status"]["nominatedNodeName"]
    victim = next(n for n in ("batch-1", "batch-2") if get_pod(sb, n)["spec"]["nodeName"] == node)
    [preempted] = events(sb, victim, "Preempted")
    assert preempted["message"] == f"Preempted by pod {urgent['metadata']['uid']} on node {node}"
    assert condition(get_pod(sb, victim), "DisruptionTarget")["reason"] == "PreemptionByScheduler"
    sb.advance(15)
    assert sb.control.cluster.get("Pod", "default", victim) is None
    assert get_pod(sb, "urgent")["spec"]["nodeName"] == node


def test_other_schedulers_pods_are_left_alone_and_binding_is_served(sb: sandbox.Sandbox) -> None:
    create(sb, pod("custom", schedulerName="my-scheduler"))
    sb.advance(5)
    custom = get_pod(sb, "custom")
    assert "nodeName" not in custom["spec"]
    assert not custom["status"].get("conditions")
    assert events(sb, "custom") == []
    api = client.CoreV1Api(config.new_client_from_config(config_file=str(sb.kubeconfig)))
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "custom"},
        "target": {"kind": "Node", "name": "kind-worker2"},
    }
    answer = api.create_namespaced_pod_binding("custom", "default", binding, _preload_content=False)
    assert json.loads(answer.data)["status"] == "Success"
    custom = get_pod(sb, "custom")
    assert custom["spec"]["nodeName"] == "kind-worker2"
    assert condition(custom, "PodScheduled")["status"] == "True"
    with pytest.raises(ApiException) as again:
        api.create_namespaced_pod_binding("custom", "default", binding, _preload_content=False)
    assert again.value.status == 409
    assert json.loads(again.value.body)["message"] == (
        'Operation cannot be fulfilled on pods/binding "custom": pod custom is already assigned to node '
        '"kind-worker2"'
    )


def test_pod_affinity_anti_affinity_and_topology_spread(sb: sandbox.Sandbox) -> None:
    apart = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}
            ]
        }
    }
    for i in range(3):
        cache = pod(f"cache-{i}", affinity=apart)
        cache["metadata"]["labels"] = {"app": "cache"}
        create(sb, cache)
    near = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}
            ]
        }
    }
    create(sb, pod("sidecar", affinity=near))
    spread = {
        "maxSkew": 1,
        "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app": "spread"}},
    }
    for i in range(3):
        spreading = pod(f"spread-{i}", topologySpreadConstraints=[spread])
        spreading["metadata"]["labels"] = {"app": "spread"}
        create(sb, spreading)
    sb.advance(1)
    workers = {"kind-worker", "kind-worker2"}
    assert {get_pod(sb, n)["spec"].get("nodeName") for n in ("cache-0", "cache-1")} == workers
    assert {get_pod(sb, n)["spec"].get("nodeName") for n in ("spread-0", "spread-1")} == workers
    assert get_pod(sb, "sidecar")["spec"]["nodeName"] in ("kind-worker", "kind-worker2")
    no_victims = (
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod."
    )
    assert unschedulable_message(sb, "cache-2") == (
        f"0/3 nodes are available: {TAINTED_CP}, 2 node(s) didn't match pod anti-affinity rules. {no_victims}"
    )
    # The tainted control-plane node still counts as a domain (nodeTaintsPolicy: Ignore) with 0 pods.
    assert unschedulable_message(sb, "spread-2") == (
        f"0/3 nodes are available: {TAINTED_CP}, 2 node(s) didn't match pod topology spread constraints. "
        + no_victims
    )

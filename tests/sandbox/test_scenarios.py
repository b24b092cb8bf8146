"""Scenario loading: the healthy scenario, manifest completion, recorded snapshots, and every error path."""

from __future__ import annotations

import gzip
import inspect
import json
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client import ApiClient

from workbench.errors import ScenarioError
from workbench.sandbox._scenarios import (
    SCENARIO_DIR,
    load_manifests,
    load_scenario,
    load_snapshot,
    scenario_names,
)

NOW = datetime(2026, 11, 28, 15, 44, 56, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"

# The official client's model for each stored kind (storage versions only).
MODELS = {
    ("v1", "Pod"): "V1Pod",
    ("v1", "Node"): "V1Node",
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "Service"): "V1Service",
    ("v1", "Endpoints"): "V1Endpoints",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Event"): "CoreV1Event",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("apps/v1", "ReplicaSet"): "V1ReplicaSet",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
    ("batch/v1", "CronJob"): "V1CronJob",
    ("autoscaling/v2", "HorizontalPodAutoscaler"): "V2HorizontalPodAutoscaler",
    ("discovery.k8s.io/v1", "EndpointSlice"): "V1EndpointSlice",
    ("coordination.k8s.io/v1", "Lease"): "V1Lease",
    ("storage.k8s.io/v1", "StorageClass"): "V1StorageClass",
    ("scheduling.k8s.io/v1", "PriorityClass"): "V1PriorityClass",
    ("apps/v1", "ControllerRevision"): "V1ControllerRevision",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "V1ClusterRole",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "V1ClusterRoleBinding",
    ("rbac.authorization.k8s.io/v1", "Role"): "V1Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "V1RoleBinding",
}


class _Response:
    """What older clients' `deserialize(response, type)` reads: the body as bytes in `.data`."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return "application/json" if name.lower() == "content-type" else default


@pytest.fixture(scope="module")
def api_client() -> Iterator[ApiClient]:
    with ApiClient() as client:
        yield client


def round_trip(client: ApiClient, obj: dict[str, Any]) -> Any:
    """Deserialize `obj` into its official model; pydantic raises on a missing required field."""
    model = MODELS[(obj["apiVersion"], obj["kind"])]
    text = json.dumps(obj)
    if "content_type" in inspect.signature(client.deserialize).parameters:  # v37 takes the text
        return client.deserialize(text, model, "application/json")
    # Older clients read a response object; mypy checks against the installed v37 signature.
    return client.deserialize(_Response(text.encode()), model)  # type: ignore[call-arg,arg-type]


def failures(client: ApiClient, objects: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> list[str]:
    problems = []
    for obj in objects:
        try:
            round_trip(client, obj)
        except Exception as exc:  # noqa: BLE001 - collected and reported with the object's name
            problems.append(f"{obj['kind']} {obj['metadata'].get('name')}: {exc}")
    return problems


@pytest.fixture(scope="module")
def healthy() -> Any:
    return load_scenario("healthy", now=NOW)


def by_kind(objects: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def named(objects: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def write_scenario(root: Path, files: dict[str, str], *, name: str = "demo", age: str = "3d") -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "scenario.yaml").write_text(
        f"name: {name}\ndescription: A test scenario.\nage: {age}\nseed: 7\n"
    )
    namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
    (directory / "00-namespace.yaml").write_text(namespace)
    for file_name, text in files.items():
        (directory / file_name).write_text(text)
    return directory


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  creationTimestamp: now-3d
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "shop/api:1.0"}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-5d9c7b8f6
  namespace: shop
  creationTimestamp: now-2h5m
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: api, controller: true, blockOwnerDeletion: true}
spec:
  replicas: 1
  selector: {matchLabels: {app: api, pod-template-hash: 5d9c7b8f6}}
  template:
    metadata: {labels: {app: api, pod-template-hash: 5d9c7b8f6}}
    spec: {containers: [{name: api, image: "shop/api:1.0"}]}
status: {replicas: 1}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-5d9c7b8f6-x2x7q
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-5d9c7b8f6, controller: true}]
spec: {containers: [{name: api, image: "shop/api:1.0"}]}
status:
  phase: Running
  startTime: now-45s
  conditions: [{type: Ready, status: "True", lastTransitionTime: now}]
---
apiVersion: v1
kind: Event
metadata: {namespace: shop}
involvedObject: {kind: Pod, name: api-5d9c7b8f6-x2x7q}
reason: Started
message: Started container api
source: {component: kubelet, host: node-1}
firstTimestamp: now-40s
lastTimestamp: now-40s
eventTime: now-40s
"""


# -- the healthy scenario ---------------------------------------------------------------------------
def test_healthy_is_listed_with_its_description() -> None:
    names = dict(scenario_names())
    assert "healthy" in names
    assert names["healthy"].startswith("A fresh three-node kind cluster")
    assert [n for n, _ in scenario_names()] == sorted(n for n, _ in scenario_names())


def test_healthy_every_object_deserializes_through_the_official_client(
    healthy: Any, api_client: ApiClient
) -> None:
    assert failures(api_client, healthy.objects) == []
    assert len(healthy.objects) > 60


def test_healthy_objects_are_complete(healthy: Any) -> None:
    for obj in healthy.objects:
        meta = obj["metadata"]
        assert meta["uid"], meta["name"]
        assert meta["creationTimestamp"].endswith("Z"), meta["name"]
        assert meta["managedFields"][0]["fieldsType"] == "FieldsV1"
        assert "resourceVersion" not in meta
    assert healthy.created == NOW - timedelta(minutes=42)


def test_healthy_nodes(healthy: Any) -> None:
    nodes = {n["metadata"]["name"]: n for n in by_kind(healthy.objects, "Node")}
    assert sorted(nodes) == ["kind-control-plane", "kind-worker", "kind-worker2"]
    control = nodes["kind-control-plane"]
    assert control["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert control["spec"]["taints"] == [
        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    ]
    for node in nodes.values():
        conditions = {c["type"]: c for c in node["status"]["conditions"]}
        assert conditions["Ready"]["status"] == "True"
        assert conditions["Ready"]["reason"] == "KubeletReady"
        assert conditions["MemoryPressure"]["reason"] == "KubeletHasSufficientMemory"
        assert len(node["status"]["nodeInfo"]) == 10
        assert node["status"]["allocatable"]["pods"] == "110"
        assert node["spec"]["podCIDR"].startswith("10.244.")
        assert node["status"]["images"]


def test_healthy_namespaces_and_service_accounts(healthy: Any) -> None:
    namespaces = by_kind(healthy.objects, "Namespace")
    names = sorted(n["metadata"]["name"] for n in namespaces)
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    for ns in namespaces:
        assert ns["status"]["phase"] == "Active"
        assert ns["spec"]["finalizers"] == ["kubernetes"]
        assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == ns["metadata"]["name"]
    accounts = {
        (a["metadata"]["namespace"], a["metadata"]["name"])
        for a in by_kind(healthy.objects, "ServiceAccount")
    }
    assert {(ns, "default") for ns in names} <= accounts
    assert {("kube-system", "coredns"), ("kube-system", "kube-proxy")} <= accounts


def test_healthy_services(healthy: Any) -> None:
    kubernetes = named(healthy.objects, "Service", "kubernetes")
    assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"
    assert kubernetes["spec"]["ports"] == [
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}
    ]
    dns = named(healthy.objects, "Service", "kube-dns")
    assert dns["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in dns["spec"]["ports"]] == [
        ("dns", 53, "UDP"),
        ("dns-tcp", 53, "TCP"),
        ("metrics", 9153, "TCP"),
    ]
    assert dns["metadata"]["labels"] == {
        "k8s-app": "kube-dns",
        "kubernetes.io/cluster-service": "true",
        "kubernetes.io/name": "CoreDNS",
    }


def test_healthy_coredns_rollout_history(healthy: Any) -> None:
    deployment = named(healthy.objects, "Deployment", "coredns")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert deployment["spec"]["replicas"] == 2
    assert container["args"] == ["-conf", "/etc/coredns/Corefile"]
    assert container["resources"] == {
        "limits": {"memory": "170Mi"},
        "requests": {"cpu": "100m", "memory": "70Mi"},
    }
    assert deployment["spec"]["template"]["spec"]["priorityClassName"] == "system-cluster-critical"
    replicasets = {
        r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: r
        for r in by_kind(healthy.objects, "ReplicaSet")
        if r["metadata"]["name"].startswith("coredns-")
    }
    assert sorted(replicasets) == ["1", "2"]
    assert replicasets["1"]["spec"]["replicas"] == 0
    assert replicasets["2"]["spec"]["replicas"] == 2
    for rs in replicasets.values():
        owner = rs["metadata"]["ownerReferences"][0]
        assert (owner["kind"], owner["uid"], owner["controller"]) == (
            "Deployment",
            deployment["metadata"]["uid"],
            True,
        )


def test_healthy_pods_are_owned_and_running(healthy: Any) -> None:
    pods = by_kind(healthy.objects, "Pod")
    owners = {o["metadata"]["uid"]: o for o in healthy.objects}
    for pod in pods:
        status = pod["status"]
        assert status["phase"] == "Running"
        assert all(c["ready"] and c["imageID"] and c["containerID"] for c in status["containerStatuses"])
        owner_ref = pod["metadata"]["ownerReferences"][0]
        assert owner_ref["controller"] is True
        assert owners[owner_ref["uid"]]["metadata"]["name"] == owner_ref["name"]
    coredns = [p for p in pods if p["metadata"]["name"].startswith("coredns-")]
    assert len(coredns) == 2
    for pod in coredns:
        template_hash = pod["metadata"]["labels"]["pod-template-hash"]
        assert pod["metadata"]["name"].startswith(f"coredns-{template_hash}-")
        assert pod["status"]["qosClass"] == "Burstable"
    proxies = [p for p in pods if p["metadata"]["name"].startswith("kube-proxy-")]
    assert sorted(p["spec"]["nodeName"] for p in proxies) == [
        "kind-control-plane",
        "kind-worker",
        "kind-worker2",
    ]


def test_healthy_dns_endpoints_point_at_the_coredns_pods(healthy: Any) -> None:
    pods = {p["metadata"]["name"]: p for p in by_kind(healthy.objects, "Pod")}
    endpoints = named(healthy.objects, "Endpoints", "kube-dns")
    for address in endpoints["subsets"][0]["addresses"]:
        pod = pods[address["targetRef"]["name"]]
        assert address["targetRef"]["uid"] == pod["metadata"]["uid"]
        assert address["ip"] == pod["status"]["podIP"]
    slice_ = next(
        s for s in by_kind(healthy.objects, "EndpointSlice") if s["metadata"]["name"].startswith("kube-dns-")
    )
    assert {e["targetRef"]["uid"] for e in slice_["endpoints"]} == {
        pods[a["targetRef"]["name"]]["metadata"]["uid"] for a in endpoints["subsets"][0]["addresses"]
    }


def test_healthy_events_leases_storage(healthy: Any) -> None:
    events = by_kind(healthy.objects, "Event")
    reasons = Counter(e["reason"] for e in events)
    assert {"Scheduled", "Pulled", "Created", "Started", "NodeReady", "RegisteredNode"} <= set(reasons)
    node_events = [e for e in events if e["involvedObject"]["kind"] == "Node"]
    assert node_events
    assert all(e["involvedObject"]["uid"] == e["involvedObject"]["name"] for e in node_events)
    uids = {o["metadata"]["uid"] for o in healthy.objects}
    assert all(e["involvedObject"]["uid"] in uids for e in events if e["involvedObject"]["kind"] != "Node")
    assert all(e["count"] >= 1 and e["firstTimestamp"] and e["source"]["component"] for e in events)
    leases = {
        lease["metadata"]["name"]
        for lease in by_kind(healthy.objects, "Lease")
        if lease["metadata"]["namespace"] == "kube-node-lease"
    }
    assert leases == {"kind-control-plane", "kind-worker", "kind-worker2"}
    storage = named(healthy.objects, "StorageClass", "standard")
    assert storage["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"


def test_healthy_logs(healthy: Any) -> None:
    pods = {p["metadata"]["name"] for p in by_kind(healthy.objects, "Pod")}
    assert all(pod in pods for _, pod, _ in healthy.logs)
    coredns = [v for (_, pod, container), v in healthy.logs.items() if container == "coredns"]
    assert len(coredns) == 2
    assert coredns[0]["current"][0] == ".:53"
    assert "CoreDNS-1.11.3" in coredns[0]["current"]
    assert coredns[0]["previous"] == ()
    proxy = next(v for (_, pod, c), v in healthy.logs.items() if c == "kube-proxy")
    assert proxy["current"][0].startswith("I1128 15:")  # a klog header expanded from {{klog:now-...}}
    assert "{{" not in "".join(proxy["current"])


def uids(objects: tuple[dict[str, Any], ...]) -> dict[tuple[str, str, str], str]:
    # Events are left out: their names (and so their uids) carry their creation time.
    return {
        (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o["metadata"]["uid"]
        for o in objects
        if o["kind"] != "Event"
    }


def test_uids_are_stable_across_loads_and_depend_on_the_seed(tmp_path: Path) -> None:
    first = uids(load_scenario("healthy", now=NOW).objects)
    assert first == uids(load_scenario("healthy", now=NOW + timedelta(days=9)).objects)
    assert uids(load_scenario("healthy", now=NOW).objects) == first
    copy = tmp_path / "healthy"
    shutil.copytree(SCENARIO_DIR / "healthy", copy)
    header = (copy / "scenario.yaml").read_text().replace("seed: healthy", "seed: other")
    (copy / "scenario.yaml").write_text(header)
    reseeded = uids(load_scenario(copy, now=NOW).objects)
    coredns = ("Deployment", "kube-system", "coredns")
    assert reseeded[coredns] != first[coredns]


# -- completion of manifests -----------------------------------------------------------------------
def test_relative_times_resolve(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, {"app.yaml": DEPLOYMENT}), now=NOW)
    objs = scenario.objects
    assert scenario.created == NOW - timedelta(days=3)
    assert named(objs, "Namespace", "shop")["metadata"]["creationTimestamp"] == "2026-11-25T15:44:56Z"
    assert named(objs, "Deployment", "api")["metadata"]["creationTimestamp"] == "2026-11-25T15:44:56Z"
    assert (
        named(objs, "ReplicaSet", "api-5d9c7b8f6")["metadata"]["creationTimestamp"] == "2026-11-28T13:39:56Z"
    )
    pod = named(objs, "Pod", "api-5d9c7b8f6-x2x7q")
    assert pod["status"]["startTime"] == "2026-11-28T15:44:11Z"
    assert pod["status"]["conditions"][0]["lastTransitionTime"] == "2026-11-28T15:44:56Z"
    event = by_kind(objs, "Event")[0]
    assert event["firstTimestamp"] == "2026-11-28T15:44:16Z"
    assert event["metadata"]["creationTimestamp"] == "2026-11-28T15:44:16Z"
    # MicroTime: microseconds, never after the moment named
    assert event["eventTime"].startswith("2026-11-28T15:44:1")
    assert len(event["eventTime"]) == len("2026-11-28T15:44:16.123456Z")
    assert datetime.fromisoformat(event["eventTime"]) <= NOW - timedelta(seconds=40)


def test_references_resolve_to_uids(tmp_path: Path) -> None:
    objs = load_scenario(write_scenario(tmp_path, {"app.yaml": DEPLOYMENT}), now=NOW).objects
    deployment, rs = named(objs, "Deployment", "api"), named(objs, "ReplicaSet", "api-5d9c7b8f6")
    pod = named(objs, "Pod", "api-5d9c7b8f6-x2x7q")
    assert rs["metadata"]["ownerReferences"][0]["uid"] == deployment["metadata"]["uid"]
    assert pod["metadata"]["ownerReferences"][0] == {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "api-5d9c7b8f6",
        "controller": True,
        "uid": rs["metadata"]["uid"],
    }
    event = by_kind(objs, "Event")[0]
    assert event["involvedObject"]["uid"] == pod["metadata"]["uid"]
    assert event["involvedObject"]["namespace"] == "shop"
    assert event["metadata"]["name"].startswith("api-5d9c7b8f6-x2x7q.")
    assert (event["count"], event["type"], event["reportingComponent"]) == (1, "Normal", "kubelet")


def test_generation_and_managed_fields(tmp_path: Path) -> None:
    objs = load_scenario(write_scenario(tmp_path, {"app.yaml": DEPLOYMENT}), now=NOW).objects
    deployment = named(objs, "Deployment", "api")
    assert deployment["metadata"]["generation"] == 1
    assert "generation" not in named(objs, "Pod", "api-5d9c7b8f6-x2x7q")["metadata"]
    assert "generation" not in named(objs, "Namespace", "shop")["metadata"]
    # a user object: applied with kubectl, so it carries the last-applied annotation
    managed = deployment["metadata"]["managedFields"][0]
    assert managed["manager"] == "kubectl-client-side-apply"
    assert managed["fieldsV1"]["f:spec"]["f:replicas"] == {}
    applied = json.loads(
        deployment["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert applied["spec"]["replicas"] == 1
    assert "uid" not in applied["metadata"]
    # controller-made objects: written by the controller manager, status by its subresource
    rs = named(objs, "ReplicaSet", "api-5d9c7b8f6")
    assert [(m["manager"], m.get("subresource")) for m in rs["metadata"]["managedFields"]] == [
        ("kube-controller-manager", None),
        ("kube-controller-manager", "status"),
    ]
    pod = named(objs, "Pod", "api-5d9c7b8f6-x2x7q")
    assert [m["manager"] for m in pod["metadata"]["managedFields"]] == ["kube-controller-manager", "kubelet"]
    assert "kubectl.kubernetes.io/last-applied-configuration" not in pod["metadata"].get("annotations", {})
    assert list(deployment["metadata"])[:4] == ["name", "namespace", "uid", "generation"]


def test_logs_yaml(tmp_path: Path) -> None:
    logs = (
        "shop/api-5d9c7b8f6-x2x7q/api:\n  current: [starting, 'listening on :8080', 42]\n  previous: [panic]"
    )
    scenario = load_scenario(write_scenario(tmp_path, {"app.yaml": DEPLOYMENT, "logs.yaml": logs}), now=NOW)
    assert scenario.logs == {
        ("shop", "api-5d9c7b8f6-x2x7q", "api"): {
            "current": ("starting", "listening on :8080", "42"),
            "previous": ("panic",),
        }
    }


def test_load_manifests_plain_files(tmp_path: Path) -> None:
    yaml_file = tmp_path / "app.yaml"
    yaml_file.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: fast}\n---\n"
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
        "spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, maxReplicas: 4, "
        "targetCPUUtilizationPercentage: 60}\n---\n"
        "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: nightly}\n"
        "spec: {schedule: '0 3 * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: Never, "
        "containers: [{name: job, image: busybox}]}}}}}\n"
    )
    json_file = tmp_path / "list.json"
    json_file.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [
                    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token", "namespace": "shop"}}
                ],
            }
        )
    )
    scenario = load_manifests([yaml_file, str(json_file)], now=NOW)
    kinds = {(o["apiVersion"], o["kind"]): o for o in scenario.objects}
    assert kinds[("v1", "ConfigMap")]["metadata"]["namespace"] == "default"
    assert kinds[("v1", "ConfigMap")]["metadata"]["creationTimestamp"] == "2026-11-28T15:44:56Z"
    hpa = kinds[("autoscaling/v2", "HorizontalPodAutoscaler")]
    assert hpa["spec"]["metrics"] == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
        }
    ]
    assert ("batch/v1", "CronJob") in kinds
    assert kinds[("v1", "Secret")]["metadata"]["namespace"] == "shop"
    again = load_manifests([yaml_file, str(json_file)], now=NOW)
    assert [o["metadata"]["uid"] for o in again.objects] == [o["metadata"]["uid"] for o in scenario.objects]


def test_manifest_objects_deserialize(tmp_path: Path, api_client: ApiClient) -> None:
    objs = load_scenario(write_scenario(tmp_path, {"app.yaml": DEPLOYMENT}), now=NOW).objects
    assert failures(api_client, objs) == []


# -- recorded snapshots ------------------------------------------------------------------------------
def test_snapshot_of_recorded_lists(api_client: ApiClient) -> None:
    scenario = load_snapshot(FIXTURES / "recorded-lists.json", now=NOW)
    objs = scenario.objects
    assert Counter(o["kind"] for o in objs) == {
        "Namespace": 2,
        "Node": 1,
        "Deployment": 1,
        "ReplicaSet": 1,
        "Pod": 1,
        "Service": 1,
        "Event": 1,  # recorded as core v1 and events.k8s.io/v1: one object
        "HorizontalPodAutoscaler": 1,
    }
    pod = named(objs, "Pod", "api-7c9d8f6b5d-q8w2n")
    assert pod["apiVersion"] == "v1"
    assert pod["metadata"]["uid"] == "f3e2d1c0-b9a8-4765-9432-10fedcba9876"
    assert pod["metadata"]["creationTimestamp"] == "2026-11-20T10:40:51Z"
    assert "resourceVersion" not in pod["metadata"]
    assert "managedFields" not in pod["metadata"]
    event = by_kind(objs, "Event")[0]
    assert (event["apiVersion"], event["count"], event["involvedObject"]["uid"]) == (
        "v1",
        87,
        pod["metadata"]["uid"],
    )
    hpa = by_kind(objs, "HorizontalPodAutoscaler")[0]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert scenario.created == datetime(2026, 10, 2, 9, 14, 7, tzinfo=UTC)
    assert scenario.logs == {}
    assert failures(api_client, objs) == []


def test_snapshot_of_kubectl_output_gzip_and_directory(tmp_path: Path) -> None:
    kubectl = load_snapshot(FIXTURES / "kubectl-get-all.json", now=NOW)
    assert sorted(o["kind"] for o in kubectl.objects) == ["Deployment", "Pod", "ReplicaSet", "Service"]
    packed = tmp_path / "recording.json.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "recorded-lists.json").read_bytes()))
    assert len(load_snapshot(packed, now=NOW).objects) == 9
    directory = tmp_path / "recording"
    directory.mkdir()
    shutil.copy(FIXTURES / "recorded-lists.json", directory / "a.json")
    shutil.copy(FIXTURES / "kubectl-get-all.json", directory / "b.json")
    # the same recorded objects (same uids) in two files are one object each
    assert len(load_snapshot(directory, now=NOW).objects) == 9


# -- error paths ---------------------------------------------------------------------------------------
def test_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"known scenarios: .*healthy") as info:
        load_scenario("no-such-scenario", now=NOW)
    assert info.value.source == "no-such-scenario"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n", r"invalid YAML at line \d+"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: shop}\n",
            "document 1 .*has no metadata.name",
        ),
        ("kind: ConfigMap\nmetadata: {name: a, namespace: shop}\n", "document 1 has no apiVersion"),
        ("- just\n- a list\n", "document 1 is a list"),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\n  ownerReferences: "
            "[{apiVersion: apps/v1, kind: ReplicaSet, name: gone}]\nspec: {containers: [{name: c}]}\n",
            r"document 1 \(Pod shop/p\): ownerReferences names ReplicaSet shop/gone, which is not in the "
            "scenario",
        ),
        (
            "apiVersion: v1\nkind: Event\nmetadata: {name: e, namespace: shop}\n"
            "involvedObject: {kind: Pod, name: gone}\n",
            "involvedObject names Pod shop/gone",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n",
            r"document 2 \(ConfigMap shop/a\) is defined twice",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: elsewhere}\n",
            "namespace 'elsewhere' is not defined",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop, labels: {version: 1.0}}\n",
            r"metadata.labels.version is 1.0, not a string; quote it",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\ndata: {enabled: yes}\n",
            "data.enabled is True",
        ),
    ],
)
def test_bad_manifests_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    directory = write_scenario(tmp_path, {"broken.yaml": text})
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(directory, now=NOW)
    assert info.value.source == str(directory / "broken.yaml")
    assert str(info.value).startswith(str(directory / "broken.yaml"))


@pytest.mark.parametrize(
    ("logs", "message"),
    [
        ("shop/nopod/api: {current: [a]}\n", "no pod shop/nopod"),
        ("shop/api-5d9c7b8f6-x2x7q/sidecar: {current: [a]}\n", "has no container 'sidecar'"),
        ("shop/api-5d9c7b8f6-x2x7q: {current: [a]}\n", "must be <namespace>/<pod>/<container>"),
        ("shop/api-5d9c7b8f6-x2x7q/api: {current: [{level: info}]}\n", "must be a list of lines"),
    ],
)
def test_bad_logs_name_the_file(tmp_path: Path, logs: str, message: str) -> None:
    directory = write_scenario(tmp_path, {"app.yaml": DEPLOYMENT, "logs.yaml": logs})
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(directory, now=NOW)
    assert info.value.source == str(directory / "logs.yaml")


def test_bad_scenario_header(tmp_path: Path) -> None:
    directory = write_scenario(tmp_path, {}, age="three days")
    with pytest.raises(ScenarioError, match="age: 'three days' is not a duration") as info:
        load_scenario(directory, now=NOW)
    assert info.value.source == str(directory / "scenario.yaml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"kind": "PodList", "items": [', "invalid JSON"),
        (b'[{"kind": "PodList", "apiVersion": "v1", "items": [{"metadata": {}}]}]', "has no metadata.name"),
        (b"[42]", "entry 1 is a int"),
    ],
)
def test_bad_snapshots_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "recording.json"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=message) as info:
        load_snapshot(path, now=NOW)
    assert info.value.source == str(path)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_snapshot(tmp_path / "absent.json", now=NOW)
    with pytest.raises(ScenarioError, match="no such file"):
        load_manifests([tmp_path / "absent.yaml"], now=NOW)
    with pytest.raises(ScenarioError, match="holds no recording"):
        load_snapshot(tmp_path, now=NOW)

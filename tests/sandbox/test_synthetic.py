"""Synthetic large clusters: spec parsing, completeness, determinism, size and speed."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from kubernetes.client import ApiClient

from workbench.errors import ConfigError
from workbench.sandbox._synthetic import SyntheticSpec, parse_synthetic_spec, synthetic_objects

NOW = datetime(2026, 11, 28, 15, 44, 56, tzinfo=UTC)
MODELS = {
    "Pod": "V1Pod",
    "Node": "V1Node",
    "Namespace": "V1Namespace",
    "ServiceAccount": "V1ServiceAccount",
    "ConfigMap": "V1ConfigMap",
    "Deployment": "V1Deployment",
    "ReplicaSet": "V1ReplicaSet",
    "Service": "V1Service",
}


@pytest.fixture(scope="module")
def api_client() -> Iterator[ApiClient]:
    with ApiClient() as client:
        yield client


@pytest.fixture(scope="module")
def cluster() -> list[dict[str, Any]]:
    return list(synthetic_objects(SyntheticSpec(pods=3000, nodes=40, seed=3), now=NOW))


def failures(client: ApiClient, objects: list[dict[str, Any]]) -> list[str]:
    """Objects the official client's models reject (v37 deserializes from the response text)."""
    problems = []
    for obj in objects:
        try:
            client.deserialize(orjson.dumps(obj).decode(), MODELS[obj["kind"]], "application/json")
        except Exception as exc:  # noqa: BLE001 - collected and reported with the object's name
            problems.append(f"{obj['kind']} {obj['metadata']['name']}: {exc}")
    return problems


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


# -- the spec ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pods=150000,nodes=5000", SyntheticSpec(pods=150_000, nodes=5_000)),
        ("pods=150000", SyntheticSpec(pods=150_000, nodes=1_500)),
        ("pods=250", SyntheticSpec(pods=250, nodes=3)),
        ("pods=1001", SyntheticSpec(pods=1001, nodes=11)),
        (" nodes = 20 , pods=2_000, seed=9 ", SyntheticSpec(pods=2000, nodes=20, seed=9)),
        ("pods=0,nodes=1", SyntheticSpec(pods=0, nodes=1)),
    ],
)
def test_parse_synthetic_spec(text: str, expected: SyntheticSpec) -> None:
    assert parse_synthetic_spec(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot read ''"),
        ("pods=lots", "cannot read 'pods=lots'"),
        ("nodes=10", "pods is missing"),
        ("pods=10,pods=20", "pods is given twice"),
        ("pods=150001", "pods=150001 is out of range 0..150000"),
        ("pods=100,nodes=5001", "nodes=5001 is out of range 1..5000"),
        ("pods=100,nodes=0", "nodes=0 is out of range"),
        ("pods=1000,nodes=5", "do not fit on 5 nodes at 110 pods per node; use nodes=10 or more"),
        ("pods=10;nodes=3", "cannot read"),
    ],
)
def test_bad_synthetic_specs_say_what_is_valid(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        parse_synthetic_spec(text)
    assert "pods=150000,nodes=5000" in str(info.value)


def test_spec_is_checked_when_built_directly() -> None:
    with pytest.raises(ConfigError, match="do not fit"):
        SyntheticSpec(pods=111, nodes=1)


# -- what is generated ---------------------------------------------------------------------------------
def test_counts_and_names(cluster: list[dict[str, Any]]) -> None:
    kinds = Counter(o["kind"] for o in cluster)
    assert kinds["Pod"] == 3000
    assert kinds["Node"] == 40
    assert kinds["Namespace"] == 10  # about one per 300 pods
    assert kinds["ServiceAccount"] == kinds["ConfigMap"] - kinds["Deployment"] == 10
    assert kinds["ReplicaSet"] >= kinds["Deployment"] > 300
    assert 0 < kinds["Service"] < kinds["Deployment"]
    assert all(
        re.fullmatch(r"pool-[a-f]-[bcdfghjklmnpqrstvwxz2456789]{5}", n["metadata"]["name"])
        for n in of_kind(cluster, "Node")
    )
    assert all(
        re.fullmatch(r"[a-z0-9-]+-[a-z]+", ns["metadata"]["name"]) for ns in of_kind(cluster, "Namespace")
    )
    keys = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in cluster]
    assert len(set(keys)) == len(keys)
    uids = [o["metadata"]["uid"] for o in cluster]
    assert len(set(uids)) == len(uids)


def test_namespaces_and_nodes_come_first(cluster: list[dict[str, Any]]) -> None:
    first_pod = next(i for i, o in enumerate(cluster) if o["kind"] == "Pod")
    assert {o["kind"] for o in cluster[:first_pod]} >= {"Namespace", "Node"}
    assert all(o["kind"] not in ("Namespace", "Node") for o in cluster[first_pod:])


def test_ownership_chain(cluster: list[dict[str, Any]]) -> None:
    by_uid = {o["metadata"]["uid"]: o for o in cluster}
    namespaces = {ns["metadata"]["name"] for ns in of_kind(cluster, "Namespace")}
    for pod in of_kind(cluster, "Pod"):
        owner = pod["metadata"]["ownerReferences"][0]
        rs = by_uid[owner["uid"]]
        assert (rs["kind"], rs["metadata"]["name"], owner["controller"]) == (
            "ReplicaSet",
            owner["name"],
            True,
        )
        template_hash = pod["metadata"]["labels"]["pod-template-hash"]
        assert pod["metadata"]["name"].startswith(f"{rs['metadata']['name']}-")
        assert rs["metadata"]["name"].endswith(f"-{template_hash}")
        assert pod["metadata"]["namespace"] in namespaces
        deployment = by_uid[rs["metadata"]["ownerReferences"][0]["uid"]]
        assert deployment["kind"] == "Deployment"
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod["metadata"]["labels"].items()


def test_deployment_status_matches_its_pods(cluster: list[dict[str, Any]]) -> None:
    ready: Counter[str] = Counter()
    replicas: Counter[str] = Counter()
    rs_owner = {
        rs["metadata"]["uid"]: rs["metadata"]["ownerReferences"][0]["uid"]
        for rs in of_kind(cluster, "ReplicaSet")
    }
    for pod in of_kind(cluster, "Pod"):
        deployment = rs_owner[pod["metadata"]["ownerReferences"][0]["uid"]]
        replicas[deployment] += 1
        conditions = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        ready[deployment] += conditions.get("Ready") == "True"
    for deployment in of_kind(cluster, "Deployment"):
        uid, status = deployment["metadata"]["uid"], deployment["status"]
        assert status["replicas"] == deployment["spec"]["replicas"] == replicas[uid]
        assert status.get("readyReplicas", 0) == ready[uid]


def test_pods_on_nodes(cluster: list[dict[str, Any]]) -> None:
    nodes = {n["metadata"]["name"]: n for n in of_kind(cluster, "Node")}
    pods = of_kind(cluster, "Pod")
    scheduled = [p for p in pods if p["status"]["phase"] != "Pending"]
    per_node = Counter(p["spec"]["nodeName"] for p in scheduled)
    assert max(per_node.values()) <= 110
    ips = [p["status"]["podIP"] for p in scheduled]
    assert len(set(ips)) == len(ips)
    for pod in scheduled:
        node = nodes[pod["spec"]["nodeName"]]
        assert pod["status"]["hostIP"] == node["status"]["addresses"][0]["address"]
        assert pod["metadata"]["creationTimestamp"] >= node["metadata"]["creationTimestamp"]
    assert all(o["metadata"]["creationTimestamp"] <= "2026-11-28T15:44:56Z" for o in cluster)


def test_a_small_realistic_share_of_pods_is_unwell(cluster: list[dict[str, Any]]) -> None:
    def state(pod: dict[str, Any]) -> str:
        if pod["status"]["phase"] == "Pending":
            return "Pending"
        main = pod["status"]["containerStatuses"][0]
        if "waiting" in main["state"]:
            return main["state"]["waiting"]["reason"]
        if main["lastState"]:
            return main["lastState"]["terminated"]["reason"]
        return "Ready" if main["ready"] else "NotReady"

    states = Counter(state(p) for p in of_kind(cluster, "Pod"))
    assert set(states) == {"Ready", "NotReady", "CrashLoopBackOff", "OOMKilled", "Pending"}
    assert 0.92 < states["Ready"] / 3000 < 0.99
    pending = next(p for p in of_kind(cluster, "Pod") if p["status"]["phase"] == "Pending")
    assert "nodeName" not in pending["spec"]
    assert pending["status"]["conditions"][0]["reason"] == "Unschedulable"
    assert pending["status"]["conditions"][0]["message"].startswith("0/40 nodes are available")


def test_pods_are_rich(cluster: list[dict[str, Any]]) -> None:
    pods = of_kind(cluster, "Pod")
    containers = Counter(len(p["spec"]["containers"]) for p in pods)
    assert set(containers) <= {1, 2, 3}
    assert containers[1] > containers[2] > 0
    main = pods[0]["spec"]["containers"][0]
    assert {"resources", "env", "ports", "livenessProbe", "readinessProbe", "volumeMounts"} <= set(main)
    managers = [m["manager"] for m in pods[0]["metadata"]["managedFields"]]
    assert managers == ["kube-controller-manager", "kubelet"]


def test_average_pod_size_is_realistic(cluster: list[dict[str, Any]]) -> None:
    sizes = [len(orjson.dumps(p)) for p in of_kind(cluster, "Pod")]
    average = sum(sizes) / len(sizes)
    assert 7_000 <= average <= 8_500, average  # measured: 7.9 KB


def test_every_kind_deserializes_through_the_official_client(api_client: ApiClient) -> None:
    objects = list(synthetic_objects(SyntheticSpec(pods=300, nodes=3, seed=5), now=NOW))
    assert Counter(o["kind"] for o in objects)["Pod"] == 300
    assert failures(api_client, objects) == []


def test_every_pod_variant_deserializes(cluster: list[dict[str, Any]], api_client: ApiClient) -> None:
    unwell = [
        p
        for p in of_kind(cluster, "Pod")
        if p["status"]["phase"] == "Pending" or p["status"]["conditions"][2]["status"] == "False"
    ]
    assert failures(api_client, unwell + of_kind(cluster, "Deployment")[:50]) == []


def test_deterministic_for_a_seed() -> None:
    spec = SyntheticSpec(pods=400, nodes=5, seed=11)
    first = [orjson.dumps(o) for o in synthetic_objects(spec, now=NOW)]
    again = [orjson.dumps(o) for o in synthetic_objects(spec, now=NOW)]
    other = [orjson.dumps(o) for o in synthetic_objects(SyntheticSpec(pods=400, nodes=5, seed=12), now=NOW)]
    assert first == again
    assert first != other


def test_per_object_parts_are_not_shared(cluster: list[dict[str, Any]]) -> None:
    first, second = of_kind(cluster, "Pod")[:2]
    assert first["metadata"] is not second["metadata"]
    assert first["metadata"]["labels"] is not second["metadata"]["labels"]
    assert first["status"] is not second["status"]
    first["metadata"]["resourceVersion"] = "1"  # what the store does on load
    assert "resourceVersion" not in second["metadata"]


@pytest.mark.slow
def test_the_largest_cluster_is_fast() -> None:
    started = time.perf_counter()
    counts = Counter(o["kind"] for o in synthetic_objects(SyntheticSpec(pods=150_000, nodes=5_000), now=NOW))
    elapsed = time.perf_counter() - started
    assert (counts["Pod"], counts["Node"]) == (150_000, 5_000)
    assert elapsed < 30, f"generating 150k pods took {elapsed:.1f} s"  # measured: 9-13 s on 2 cores

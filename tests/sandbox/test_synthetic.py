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
from workbench.sandbox._scenarios import load_scenario
from workbench.sandbox._synthetic import SyntheticSpec, parse_synthetic_spec, synthetic_objects
from workbench.sandbox._synthetic._endpoints import service_endpoints, spew_port_hash

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
    "Endpoints": "V1Endpoints",
    "EndpointSlice": "V1EndpointSlice",
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
    assert kinds["Endpoints"] == kinds["EndpointSlice"] == kinds["Service"]
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
            return str(main["state"]["waiting"]["reason"])
        if main["lastState"]:
            return str(main["lastState"]["terminated"]["reason"])
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


# -- Services' Endpoints and EndpointSlices -----------------------------------------------------------
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"


def is_ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"]["conditions"])


def ready_since(pod: dict[str, Any]) -> str | None:
    return next((c["lastTransitionTime"] for c in pod["status"]["conditions"] if c["type"] == "Ready"), None)


class Services:
    """Each generated Service with the pods its selector matches and its Endpoints and slices."""

    def __init__(self, cluster: list[dict[str, Any]]) -> None:
        self.pods: dict[str, list[dict[str, Any]]] = {}
        for pod in of_kind(cluster, "Pod"):
            self.pods.setdefault(pod["metadata"]["namespace"], []).append(pod)
        self.endpoints: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for endpoints in of_kind(cluster, "Endpoints"):
            meta = endpoints["metadata"]
            self.endpoints.setdefault((meta["namespace"], meta["name"]), []).append(endpoints)
        self.slices: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for endpoint_slice in of_kind(cluster, "EndpointSlice"):
            meta = endpoint_slice["metadata"]
            key = (meta["namespace"], meta["labels"]["kubernetes.io/service-name"])
            self.slices.setdefault(key, []).append(endpoint_slice)
        self.services = of_kind(cluster, "Service")
        self.nodes = {n["metadata"]["name"]: n for n in of_kind(cluster, "Node")}

    def selected(self, service: dict[str, Any]) -> list[dict[str, Any]]:
        selector = service["spec"]["selector"].items()
        pods = self.pods.get(service["metadata"]["namespace"], [])
        return [p for p in pods if selector <= p["metadata"]["labels"].items()]

    def of(self, service: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The Service's one Endpoints and one EndpointSlice."""
        key = (service["metadata"]["namespace"], service["metadata"]["name"])
        (endpoints,) = self.endpoints[key]
        (endpoint_slice,) = self.slices[key]
        return endpoints, endpoint_slice


@pytest.fixture(scope="module")
def services(cluster: list[dict[str, Any]]) -> Services:
    return Services(cluster)


def test_every_service_lists_exactly_its_pods(services: Services) -> None:
    seen = Counter[str]()
    for service in services.services:
        assert service["spec"]["selector"]
        endpoints, endpoint_slice = services.of(service)
        with_ip = [p for p in services.selected(service) if "podIP" in p["status"]]
        seen["pending"] += len(services.selected(service)) - len(with_ip)

        def pod_key(pod: dict[str, Any]) -> tuple[str, str, str, str]:
            return (
                pod["status"]["podIP"],
                pod["spec"]["nodeName"],
                pod["metadata"]["name"],
                pod["metadata"]["uid"],
            )

        def address_key(address: dict[str, Any]) -> tuple[str, str, str, str]:
            ref = address["targetRef"]
            return address["ip"], address["nodeName"], ref["name"], ref["uid"]

        subsets = endpoints.get("subsets", [])
        assert len(subsets) == (1 if with_ip else 0)
        ready = [address_key(a) for s in subsets for a in s.get("addresses", [])]
        unready = [address_key(a) for s in subsets for a in s.get("notReadyAddresses", [])]
        assert sorted(ready) == sorted(pod_key(p) for p in with_ip if is_ready(p))
        assert sorted(unready) == sorted(pod_key(p) for p in with_ip if not is_ready(p))
        seen["ready"] += len(ready)
        seen["not ready"] += len(unready)

        listed = {
            (e["addresses"][0], e["nodeName"], e["targetRef"]["name"], e["targetRef"]["uid"]): e
            for e in endpoint_slice["endpoints"]
        }
        assert len(listed) == len(endpoint_slice["endpoints"])
        assert set(listed) == {pod_key(p) for p in with_ip}
        namespace = service["metadata"]["namespace"]
        for pod in with_ip:
            endpoint = listed[pod_key(pod)]
            assert endpoint["addresses"] == [pod["status"]["podIP"]]
            assert endpoint["conditions"] == {
                "ready": is_ready(pod),
                "serving": is_ready(pod),
                "terminating": False,
            }
            assert endpoint["targetRef"] == {
                "kind": "Pod",
                "namespace": namespace,
                "name": pod["metadata"]["name"],
                "uid": pod["metadata"]["uid"],
            }
            node_labels = services.nodes[pod["spec"]["nodeName"]]["metadata"]["labels"]
            assert endpoint["zone"] == node_labels["topology.kubernetes.io/zone"]
        for address in (a for s in subsets for a in s.get("addresses", []) + s.get("notReadyAddresses", [])):
            assert address["targetRef"]["kind"] == "Pod"
            assert address["targetRef"]["namespace"] == namespace
    assert seen["ready"] > 1000
    assert seen["not ready"] > 0
    assert seen["pending"] > 0  # pods without an IP are in neither


def test_no_endpoints_without_a_service(cluster: list[dict[str, Any]], services: Services) -> None:
    keys = {(s["metadata"]["namespace"], s["metadata"]["name"]) for s in services.services}
    assert set(services.endpoints) == set(services.slices) == keys
    assert len(of_kind(cluster, "Endpoints")) == len(of_kind(cluster, "EndpointSlice")) == len(keys)


def test_endpoint_ports_are_the_resolved_target_ports(services: Services) -> None:
    for service in services.services:
        endpoints, endpoint_slice = services.of(service)
        pods = services.selected(service)
        main = pods[0]["spec"]["containers"][0]
        named = {p["name"]: p["containerPort"] for p in main["ports"]}
        expected = [
            {
                "name": p["name"],
                "protocol": p["protocol"],
                "port": named[p["targetPort"]] if isinstance(p["targetPort"], str) else p["targetPort"],
            }
            for p in service["spec"]["ports"]
        ]
        assert expected[0]["port"] == named["http"] != 80
        if not endpoints.get("subsets"):
            assert endpoint_slice["ports"] is None
            continue
        assert endpoint_slice["ports"] == expected  # the Service's order
        ports = endpoints["subsets"][0]["ports"]
        assert sorted(ports, key=lambda p: p["name"]) == sorted(expected, key=lambda p: p["name"])
        # RepackSubsets sorts ports by the md5 of their Go form.
        assert ports == sorted(ports, key=lambda p: spew_port_hash(p["name"], p["port"], p["protocol"]))


def test_port_order_matches_a_real_endpoints_controller() -> None:
    # The healthy scenario's kube-dns Endpoints was recorded from a kind cluster (v1.31): the order
    # is neither the Service's (dns, dns-tcp, metrics) nor by name.
    scenario = load_scenario("healthy", now=NOW)
    kube_dns = next(
        o for o in scenario.objects if o["kind"] == "Endpoints" and o["metadata"]["name"] == "kube-dns"
    )
    ports = kube_dns["subsets"][0]["ports"]
    assert [p["name"] for p in ports] == ["dns-tcp", "dns", "metrics"]
    assert ports == sorted(ports, key=lambda p: spew_port_hash(p["name"], p["port"], p["protocol"]))


def test_endpoints_addresses_are_sorted_by_ip_text_then_uid(cluster: list[dict[str, Any]]) -> None:
    for endpoints in of_kind(cluster, "Endpoints"):
        for subset in endpoints.get("subsets", []):
            for field in ("addresses", "notReadyAddresses"):
                keys = [(a["ip"], a["targetRef"]["uid"]) for a in subset.get(field, [])]
                assert keys == sorted(keys)


def test_endpoints_metadata_is_what_the_controllers_write(services: Services) -> None:
    for service in services.services:
        endpoints, endpoint_slice = services.of(service)
        meta, svc_meta = endpoints["metadata"], service["metadata"]
        ready_times = [t for t in map(ready_since, services.selected(service)) if t is not None]
        changed = max(ready_times, default=svc_meta["creationTimestamp"])
        assert meta["labels"] == svc_meta["labels"]
        # Only the apiserver's own default/kubernetes Endpoints carries skip-mirror.
        assert SKIP_MIRROR not in meta["labels"]
        assert meta["annotations"] == {"endpoints.kubernetes.io/last-change-trigger-time": changed}
        assert meta["creationTimestamp"] == svc_meta["creationTimestamp"] <= changed
        assert "generation" not in meta
        (managed,) = meta["managedFields"]
        assert (managed["manager"], managed["operation"], managed["time"]) == (
            "kube-controller-manager",
            "Update",
            changed,
        )
        assert ("f:subsets" in managed["fieldsV1"]) == bool(endpoints.get("subsets"))

        meta = endpoint_slice["metadata"]
        assert meta["generateName"] == f"{svc_meta['name']}-"
        suffix = meta["name"].removeprefix(meta["generateName"])
        assert re.fullmatch(r"[bcdfghjklmnpqrstvwxz2456789]{5}", suffix)
        assert meta["labels"] == {
            **svc_meta["labels"],
            "kubernetes.io/service-name": svc_meta["name"],
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        }
        assert list(meta["labels"]) == sorted(meta["labels"])
        assert meta["ownerReferences"] == [
            {
                "apiVersion": "v1",
                "kind": "Service",
                "name": svc_meta["name"],
                "uid": svc_meta["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        assert meta["annotations"] == endpoints["metadata"]["annotations"]
        assert meta["generation"] >= 1
        assert endpoint_slice["addressType"] == "IPv4"
        (managed,) = meta["managedFields"]
        assert (managed["manager"], managed["apiVersion"], managed["time"]) == (
            "kube-controller-manager",
            "discovery.k8s.io/v1",
            changed,
        )
        fields = managed["fieldsV1"]
        assert fields["f:endpoints"] == fields["f:ports"] == {}  # atomic lists
        assert "f:generateName" in fields["f:metadata"]


def _app_values(**extra: object) -> dict[str, object]:
    return {
        "NS": "shop-prod",
        "APP": "shop-api",
        "COMPONENT": "api",
        "TEAM": "shop",
        "CHART": "0.4.1",
        "PORT": 8080,
        "SVC_UID": "0d2d1b8e-7a43-4f4e-9d52-1b7c8a9e2f10",
        "DEP_CREATED": "2026-11-01T10:00:00Z",
        "EP_UID": "6b0e0a53-3d5d-4d0c-8f0e-2a1c9b7d6e54",
        "SLICE": "shop-api-x7k2p",
        "SLICE_UID": "f3a9c1d2-8e4b-4a6f-b1c0-5d7e9f2a3b86",
        "SLICE_GENERATION": 3,
        "EP_CHANGED": "2026-11-28T09:12:44Z",
        **extra,
    }


def test_a_service_whose_pods_have_no_ip_has_empty_endpoints(api_client: ApiClient) -> None:
    endpoints, endpoint_slice = service_endpoints(_app_values(), [])
    assert "subsets" not in endpoints  # omitempty
    assert "f:subsets" not in endpoints["metadata"]["managedFields"][0]["fieldsV1"]
    # The apiserver would serve "endpoints": null, which the official client refuses to decode.
    assert endpoint_slice["endpoints"] == []
    assert endpoint_slice["ports"] is None
    assert failures(api_client, [endpoints, endpoint_slice]) == []


def test_a_service_with_only_unready_pods(api_client: ApiClient) -> None:
    members = [
        ("100.64.3.9", "pool-a-bbbbb", "us-east-1b", "shop-api-abc-zzzzz", "uid-2", False),
        ("100.64.3.10", "pool-a-bbbbb", "us-east-1b", "shop-api-abc-yyyyy", "uid-1", False),
    ]
    endpoints, endpoint_slice = service_endpoints(_app_values(PORT=3000), members)
    (subset,) = endpoints["subsets"]
    assert "addresses" not in subset
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["100.64.3.10", "100.64.3.9"]  # as text
    assert {(p["name"], p["port"]) for p in subset["ports"]} == {("http", 3000), ("metrics", 9090)}
    assert [e["conditions"]["ready"] for e in endpoint_slice["endpoints"]] == [False, False]
    assert [e["targetRef"]["name"] for e in endpoint_slice["endpoints"]] == [
        "shop-api-abc-zzzzz",
        "shop-api-abc-yyyyy",
    ]
    assert failures(api_client, [endpoints, endpoint_slice]) == []


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


def test_all_endpoints_deserialize(cluster: list[dict[str, Any]], api_client: ApiClient) -> None:
    endpoints = of_kind(cluster, "Endpoints")
    assert any("notReadyAddresses" in s for e in endpoints for s in e.get("subsets", []))
    assert failures(api_client, endpoints + of_kind(cluster, "EndpointSlice")) == []


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
    endpoints, endpoint_slice = of_kind(cluster, "Endpoints")[0], of_kind(cluster, "EndpointSlice")[0]
    address = endpoints["subsets"][0]["addresses"][0]
    pod = endpoint_slice["endpoints"][0]
    assert address["targetRef"] is not pod["targetRef"]
    assert endpoints["subsets"] is not of_kind(cluster, "Endpoints")[1]["subsets"]
    assert endpoint_slice["ports"] is not of_kind(cluster, "EndpointSlice")[1]["ports"]


@pytest.mark.slow
def test_the_largest_cluster_is_fast() -> None:
    started = time.perf_counter()
    counts = Counter(o["kind"] for o in synthetic_objects(SyntheticSpec(pods=150_000, nodes=5_000), now=NOW))
    elapsed = time.perf_counter() - started
    assert (counts["Pod"], counts["Node"]) == (150_000, 5_000)
    assert counts["Endpoints"] == counts["EndpointSlice"] == counts["Service"] > 0
    assert elapsed < 30, f"generating 150k pods took {elapsed:.1f} s"  # measured: 9-13 s on 2 cores

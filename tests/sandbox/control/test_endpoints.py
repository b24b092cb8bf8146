"""The endpoints and endpointslice controllers: what a Service's pods become, as kubectl shows it."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Kubectl
from tests.sandbox.control._running_pods import create, pod_ip, pod_manifest, run_pod, service
from workbench import sandbox

TRIGGER = "endpoints.kubernetes.io/last-change-trigger-time"
WEB_PORTS = [
    {"name": "http", "port": 80, "targetPort": "http"},
    {"name": "metrics", "port": 9090, "targetPort": 9090},
]


def endpoints(sb: sandbox.Sandbox, name: str, namespace: str = "default") -> dict[str, Any]:
    found = sb.control.cluster.get("Endpoints", namespace, name)
    assert found is not None
    return found


def slices(sb: sandbox.Sandbox, service_name: str, namespace: str = "default") -> list[dict[str, Any]]:
    return [
        s
        for s in sb.control.cluster.objects("EndpointSlice", namespace)
        if s["metadata"].get("labels", {}).get("kubernetes.io/service-name") == service_name
    ]


def ips(addresses: list[dict[str, Any]] | None) -> list[str]:
    return [a["ip"] for a in addresses or []]


def web(sb: sandbox.Sandbox) -> None:
    """Service web (a named and a numbered port) with a ready pod, an unready one and a stranger."""
    create(sb, "Service", service("web", {"app": "web"}, WEB_PORTS, publishNotReadyAddresses=False))
    run_pod(sb, pod_manifest("web-a", {"app": "web", "tier": "front"}), "10.244.1.20")
    run_pod(sb, pod_manifest("web-b", {"app": "web"}, ready=False), "10.244.2.21", ready=False)
    run_pod(sb, pod_manifest("other", {"app": "other"}), "10.244.2.30")
    sb.advance(30)


def test_ready_pods_are_addresses_and_unready_ones_not_ready_addresses(sb: sandbox.Sandbox) -> None:
    web(sb)
    ep = endpoints(sb, "web")
    a, b = pod_ip(sb, "web-a"), pod_ip(sb, "web-b")
    [subset] = ep["subsets"]
    assert ips(subset["addresses"]) == [a]
    assert ips(subset["notReadyAddresses"]) == [b]
    pod_a = sb.control.cluster.get("Pod", "default", "web-a")
    assert pod_a is not None
    assert subset["addresses"][0]["nodeName"] == "kind-worker"
    assert subset["addresses"][0]["targetRef"] == {
        "kind": "Pod",
        "namespace": "default",
        "name": "web-a",
        "uid": pod_a["metadata"]["uid"],
    }
    # Ports in the order the controller's md5 sort leaves them; the named port resolved to 80.
    assert subset["ports"] == [
        {"name": "metrics", "port": 9090, "protocol": "TCP"},
        {"name": "http", "port": 80, "protocol": "TCP"},
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ep["metadata"]["annotations"][TRIGGER])


def test_the_endpoint_slice_mirrors_the_pods_with_conditions(sb: sandbox.Sandbox) -> None:
    web(sb)
    svc = sb.control.cluster.get("Service", "default", "web")
    assert svc is not None
    [eps] = slices(sb, "web")
    assert re.fullmatch(r"web-[a-z0-9]{5}", eps["metadata"]["name"])
    assert eps["metadata"]["generateName"] == "web-"
    assert eps["metadata"]["labels"] == {
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert eps["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "name": "web",
            "uid": svc["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert eps["addressType"] == "IPv4"
    assert eps["ports"] == [
        {"name": "http", "protocol": "TCP", "port": 80},
        {"name": "metrics", "protocol": "TCP", "port": 9090},
    ]
    by_pod = {e["targetRef"]["name"]: e for e in eps["endpoints"]}
    assert set(by_pod) == {"web-a", "web-b"}
    assert by_pod["web-a"]["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert by_pod["web-b"]["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert by_pod["web-a"]["addresses"] == [pod_ip(sb, "web-a")]
    assert by_pod["web-a"]["nodeName"] == "kind-worker"


def test_kubectl_shows_the_ready_endpoints(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    web(sb)
    a = pod_ip(sb, "web-a")
    out = kubectl("get", "endpoints", "web").stdout
    assert re.search(rf"^web\s+{re.escape(a)}:9090,{re.escape(a)}:80\s+\d+s$", out, re.M), out
    described = kubectl("describe", "svc", "web").stdout
    assert re.search(rf"^Endpoints:\s+{re.escape(a)}:80$", described, re.M), described
    assert re.search(rf"^Endpoints:\s+{re.escape(a)}:9090$", described, re.M), described


def test_a_service_selecting_nothing_has_no_subsets(sb: sandbox.Sandbox, kubectl: Kubectl) -> None:
    create(sb, "Service", service("lonely", {"app": "nobody"}, [{"port": 80}]))
    sb.advance(1)
    assert "subsets" not in endpoints(sb, "lonely")
    assert re.search(r"^lonely\s+<none>\s+\d+s$", kubectl("get", "endpoints", "lonely").stdout, re.M)
    # kubectl 1.32 describes a Service from its EndpointSlices: the controller's placeholder slice
    # (no endpoints, no ports) leaves the line empty, as on a real cluster.
    [placeholder] = slices(sb, "lonely")
    assert placeholder["endpoints"] == []
    assert "ports" not in placeholder
    assert re.search(r"^Endpoints:\s*$", kubectl("describe", "svc", "lonely").stdout, re.M)


def test_a_pod_without_the_named_port_is_left_out_of_that_port(sb: sandbox.Sandbox) -> None:
    web(sb)
    run_pod(sb, pod_manifest("web-c", {"app": "web"}, ports=[]), "10.244.2.22")
    sb.advance(30)
    a, c = pod_ip(sb, "web-a"), pod_ip(sb, "web-c")
    by_ports = {tuple(p["name"] for p in s["ports"]): s for s in endpoints(sb, "web")["subsets"]}
    assert ips(by_ports[("http",)]["addresses"]) == [a]
    assert sorted(ips(by_ports[("metrics",)]["addresses"])) == sorted([a, c])
    slice_ports = sorted(tuple(p["name"] for p in s["ports"]) for s in slices(sb, "web"))
    assert slice_ports == [("http", "metrics"), ("metrics",)]


def test_pods_follow_label_and_readiness_changes(sb: sandbox.Sandbox) -> None:
    web(sb)
    cluster = sb.control.cluster
    pod = cluster.get("Pod", "default", "web-a")
    assert pod is not None
    pod["metadata"]["labels"] = {"app": "retired"}
    cluster.api.update(cluster.rtype("Pod"), "default", "web-a", pod)
    sb.advance(1)
    [subset] = endpoints(sb, "web")["subsets"]
    assert "addresses" not in subset
    assert ips(subset["notReadyAddresses"]) == [pod_ip(sb, "web-b")]
    assert {e["targetRef"]["name"] for s in slices(sb, "web") for e in s["endpoints"]} == {"web-b"}


def test_a_terminating_pod_leaves_the_endpoints_but_stays_terminating_in_the_slice(
    sb: sandbox.Sandbox,
) -> None:
    web(sb)
    cluster = sb.control.cluster
    cluster.delete("Pod", "default", "web-a", grace=30)
    sb.advance(0.1)
    pod = cluster.get("Pod", "default", "web-a")
    assert pod is not None
    assert pod["metadata"]["deletionTimestamp"]
    addresses = [ip for s in endpoints(sb, "web")["subsets"] for ip in ips(s.get("addresses"))]
    assert pod["status"]["podIP"] not in addresses
    [gone] = [e for s in slices(sb, "web") for e in s["endpoints"] if e["targetRef"]["name"] == "web-a"]
    assert gone["conditions"]["terminating"] is True
    assert gone["conditions"]["ready"] is False
    sb.advance(40)
    assert cluster.get("Pod", "default", "web-a") is None
    assert {e["targetRef"]["name"] for s in slices(sb, "web") for e in s["endpoints"]} == {"web-b"}


def test_publish_not_ready_addresses_lists_every_pod_as_ready(sb: sandbox.Sandbox) -> None:
    create(sb, "Service", service("peers", {"app": "web"}, [{"port": 80}], publishNotReadyAddresses=True))
    run_pod(sb, pod_manifest("web-b", {"app": "web"}, ready=False), "10.244.2.21", ready=False)
    sb.advance(30)
    [subset] = endpoints(sb, "peers")["subsets"]
    assert ips(subset["addresses"]) == [pod_ip(sb, "web-b")]
    assert "notReadyAddresses" not in subset
    [eps] = slices(sb, "peers")
    assert eps["endpoints"][0]["conditions"] == {"ready": True, "serving": True, "terminating": False}


def test_a_headless_service_publishes_hostnames(sb: sandbox.Sandbox) -> None:
    create(sb, "Service", service("db", {"app": "db"}, [{"port": 5432}], clusterIP="None"))
    manifest = pod_manifest("db-0", {"app": "db"}, spec={"hostname": "db-0", "subdomain": "db"})
    run_pod(sb, manifest, "10.244.1.40")
    sb.advance(30)
    ep = endpoints(sb, "db")
    assert ep["metadata"]["labels"] == {"service.kubernetes.io/headless": ""}
    [address] = ep["subsets"][0]["addresses"]
    assert address["hostname"] == "db-0"
    [eps] = slices(sb, "db")
    assert eps["endpoints"][0]["hostname"] == "db-0"
    assert eps["metadata"]["labels"]["service.kubernetes.io/headless"] == ""


def test_a_service_without_a_selector_keeps_its_own_endpoints(sb: sandbox.Sandbox) -> None:
    create(sb, "Service", service("external-db", None, [{"port": 5432}]))
    create(
        sb,
        "Endpoints",
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "external-db", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "192.0.2.10"}], "ports": [{"port": 5432}]}],
        },
    )
    sb.advance(1)
    rv = endpoints(sb, "external-db")["metadata"]["resourceVersion"]
    run_pod(sb, pod_manifest("web-a", {"app": "web"}), "10.244.1.20")
    sb.advance(30)
    kept = endpoints(sb, "external-db")
    assert kept["metadata"]["resourceVersion"] == rv
    assert ips(kept["subsets"][0]["addresses"]) == ["192.0.2.10"]
    assert slices(sb, "external-db") == []


def test_endpoints_are_written_only_when_they_change(sb: sandbox.Sandbox) -> None:
    web(sb)
    rv = endpoints(sb, "web")["metadata"]["resourceVersion"]
    slice_rvs = {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in slices(sb, "web")}
    sb.control.enqueue("endpoints", ("default", "web"))
    run_pod(sb, pod_manifest("other-2", {"app": "other"}), "10.244.2.31")
    sb.advance(30)
    assert endpoints(sb, "web")["metadata"]["resourceVersion"] == rv
    assert {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in slices(sb, "web")} == slice_rvs


def test_loaded_endpoints_are_taken_as_current(sb: sandbox.Sandbox) -> None:
    before = endpoints(sb, "kube-dns", "kube-system")
    sb.advance(30)
    after = endpoints(sb, "kube-dns", "kube-system")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert [s["metadata"]["name"] for s in slices(sb, "kube-dns", "kube-system")] == ["kube-dns-wvllc"]


def test_deleting_the_service_removes_its_endpoints_and_slices(sb: sandbox.Sandbox) -> None:
    web(sb)
    cluster = sb.control.cluster
    cluster.delete("Service", "default", "web")
    sb.advance(5)
    assert cluster.get("Endpoints", "default", "web") is None
    assert slices(sb, "web") == []

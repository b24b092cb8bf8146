"""reach(): cluster DNS, kube-proxy and NetworkPolicy, with the errors an app would log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.control._running_pods import create, pod_ip, pod_manifest, run_pod, service
from workbench import sandbox
from workbench.sandbox._control._network import reach


@pytest.fixture
def sb() -> Iterator[sandbox.Sandbox]:
    """A healthy cluster with namespace shop: Service api (pod api-0 ready) and a frontend client."""
    with sandbox.start(scenario="healthy", manual_clock=True) as running:
        create(running, "Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
        create(running, "Service", service("api", {"app": "api"}, [{"port": 80}], namespace="shop"))
        run_pod(running, pod_manifest("api-0", {"app": "api"}, namespace="shop"), "10.244.1.50")
        run_pod(running, pod_manifest("client", {"role": "frontend"}, namespace="shop"), "10.244.2.60")
        run_pod(running, pod_manifest("visitor", {"role": "visitor"}), "10.244.2.61")
        running.advance(30)
        yield running
        assert running.control.errors == []


def pod(sb: sandbox.Sandbox, name: str, namespace: str = "shop") -> dict[str, Any]:
    found = sb.control.cluster.get("Pod", namespace, name)
    assert found is not None
    return found


def check(
    sb: sandbox.Sandbox, name: str, host: str, port: int | None, namespace: str = "shop"
) -> tuple[bool, str]:
    return reach(sb.control.cluster, pod(sb, name, namespace), host, port)


def cluster_ip(sb: sandbox.Sandbox, name: str, namespace: str = "shop") -> str:
    svc = sb.control.cluster.get("Service", namespace, name)
    assert svc is not None
    return str(svc["spec"]["clusterIP"])


def policy(name: str, spec: dict[str, Any], namespace: str = "shop") -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def stop_dns(sb: sandbox.Sandbox) -> None:
    """Scale CoreDNS to zero and let its pods go: the kube-dns Service keeps no ready endpoint."""
    cluster = sb.control.cluster
    deployment = cluster.get("Deployment", "kube-system", "coredns")
    assert deployment is not None
    deployment["spec"]["replicas"] = 0
    cluster.update("Deployment", deployment, manager="kubectl")
    for dns_pod in cluster.objects("Pod", "kube-system"):
        if dns_pod["metadata"]["labels"].get("k8s-app") == "kube-dns":
            cluster.delete("Pod", "kube-system", dns_pod["metadata"]["name"], grace=0)
    sb.advance(5)


def test_a_service_resolves_in_every_dns_form(sb: sandbox.Sandbox) -> None:
    for host in (
        "api",
        "api.shop",
        "api.shop.svc",
        "api.shop.svc.cluster.local",
        "api.shop.svc.cluster.local.",
    ):
        assert check(sb, "client", host, 80) == (True, ""), host
    assert check(sb, "visitor", "api.shop", 80, "default") == (True, "")
    assert check(sb, "visitor", "api", 80, "default") == (
        False,
        "dial tcp: lookup api on 10.96.0.10:53: no such host",
    )


def test_an_unknown_service_is_no_such_host(sb: sandbox.Sandbox) -> None:
    assert check(sb, "client", "payments", 8080) == (
        False,
        "dial tcp: lookup payments on 10.96.0.10:53: no such host",
    )
    assert check(sb, "client", "payments.shop.svc.cluster.local", None)[1].endswith("no such host")


def test_outside_names_resolve_while_dns_works(sb: sandbox.Sandbox) -> None:
    assert check(sb, "client", "api.github.com", 443) == (True, "")
    assert check(sb, "client", "db.shop", 5432)[1].endswith("no such host")  # "shop" is a namespace


def test_a_service_without_ready_endpoints_refuses(sb: sandbox.Sandbox) -> None:
    create(sb, "Service", service("cart", {"app": "cart"}, [{"port": 8080}], namespace="shop"))
    run_pod(
        sb, pod_manifest("cart-0", {"app": "cart"}, namespace="shop", ready=False), "10.244.1.51", ready=False
    )
    sb.advance(30)
    ip = cluster_ip(sb, "cart")
    assert check(sb, "client", "cart", 8080) == (False, f"dial tcp {ip}:8080: connect: connection refused")


def test_a_port_the_service_does_not_expose_times_out(sb: sandbox.Sandbox) -> None:
    assert check(sb, "client", "api", 8080) == (False, f"dial tcp {cluster_ip(sb, 'api')}:8080: i/o timeout")


def test_a_target_port_the_app_does_not_listen_on_refuses(sb: sandbox.Sandbox) -> None:
    create(
        sb, "Service", service("web", {"app": "api"}, [{"port": 80, "targetPort": 8080}], namespace="shop")
    )
    sb.advance(1)
    assert check(sb, "client", "web", 80) == (
        False,
        f"dial tcp {cluster_ip(sb, 'web')}:80: connect: connection refused",
    )


def test_lookups_time_out_when_coredns_has_no_ready_pod(sb: sandbox.Sandbox) -> None:
    stop_dns(sb)
    endpoints = sb.control.cluster.get("Endpoints", "kube-system", "kube-dns")
    assert endpoints is not None
    assert not any(s.get("addresses") for s in endpoints.get("subsets") or [])
    ok, error = check(sb, "client", "api", 80)
    assert not ok
    source = re.escape(pod_ip(sb, "client", "shop"))
    pattern = (
        rf"dial tcp: lookup api on 10\.96\.0\.10:53: read udp {source}:\d+->10\.96\.0\.10:53: i/o timeout"
    )
    assert re.fullmatch(pattern, error), error
    assert check(sb, "client", "example.com", 443)[1].endswith("i/o timeout")
    assert check(sb, "client", "api", 80) == (ok, error)  # the same source port each time: reproducible


def test_a_headless_service_dials_its_pods(sb: sandbox.Sandbox) -> None:
    create(sb, "Service", service("db", {"app": "db"}, [{"port": 80}], namespace="shop", clusterIP="None"))
    manifest = pod_manifest(
        "db-0", {"app": "db"}, namespace="shop", spec={"hostname": "db-0", "subdomain": "db"}
    )
    run_pod(sb, manifest, "10.244.1.52")
    sb.advance(30)
    assert check(sb, "client", "db", 80) == (True, "")
    assert check(sb, "client", "db-0.db", 80) == (True, "")
    assert check(sb, "client", "db", 81) == (
        False,
        f"dial tcp {pod_ip(sb, 'db-0', 'shop')}:81: connect: connection refused",
    )
    assert check(sb, "client", "db-1.db", 80)[1].endswith("no such host")


def test_a_default_deny_policy_times_out_and_an_allow_rule_lets_the_frontend_in(sb: sandbox.Sandbox) -> None:
    timeout = (False, f"dial tcp {cluster_ip(sb, 'api')}:80: i/o timeout")
    create(sb, "NetworkPolicy", policy("deny-all", {"podSelector": {}, "policyTypes": ["Ingress"]}))
    assert check(sb, "client", "api", 80) == timeout
    allow = {
        "podSelector": {"matchLabels": {"app": "api"}},
        "ingress": [
            {"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}], "ports": [{"port": 80}]}
        ],
    }
    create(sb, "NetworkPolicy", policy("allow-frontend", allow))
    assert check(sb, "client", "api", 80) == (True, "")
    assert (
        check(sb, "visitor", "api.shop", 80, "default") == timeout
    )  # a podSelector alone means this namespace
    from_default = {
        "podSelector": {"matchLabels": {"app": "api"}},
        "ingress": [
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "default"}}}]}
        ],
    }
    create(sb, "NetworkPolicy", policy("allow-default", from_default))
    assert check(sb, "visitor", "api.shop", 80, "default") == (True, "")


def test_an_ingress_rule_for_another_port_still_drops(sb: sandbox.Sandbox) -> None:
    allow = {
        "podSelector": {},
        "ingress": [{"ports": [{"port": "metrics"}, {"port": 8000, "endPort": 8100}]}],
    }
    create(sb, "NetworkPolicy", policy("other-ports", allow))
    assert check(sb, "client", "api", 80) == (False, f"dial tcp {cluster_ip(sb, 'api')}:80: i/o timeout")
    named = {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]}
    create(sb, "NetworkPolicy", policy("named-port", named))
    assert check(sb, "client", "api", 80) == (True, "")


def test_an_egress_policy_must_also_allow_dns(sb: sandbox.Sandbox) -> None:
    to_api = {"to": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": 80}]}
    egress = {
        "podSelector": {"matchLabels": {"role": "frontend"}},
        "policyTypes": ["Egress"],
        "egress": [to_api],
    }
    create(sb, "NetworkPolicy", policy("frontend-egress", egress))
    ok, error = check(sb, "client", "api", 80)
    assert not ok
    assert error.startswith("dial tcp: lookup api on 10.96.0.10:53: read udp ")
    assert error.endswith("->10.96.0.10:53: i/o timeout")

    dns_peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }
    tcp_only = {"to": [dns_peer], "ports": [{"port": 53, "protocol": "TCP"}]}
    create(sb, "NetworkPolicy", policy("dns-tcp", {**egress, "egress": [tcp_only]}))
    assert check(sb, "client", "api", 80)[1].endswith("i/o timeout")  # Go asks over UDP first

    udp = {"to": [dns_peer], "ports": [{"port": 53, "protocol": "UDP"}]}
    create(sb, "NetworkPolicy", policy("dns", {**egress, "egress": [udp]}))
    assert check(sb, "client", "api", 80) == (True, "")
    ok, error = check(sb, "client", "example.com", 443)  # resolved, then dropped on the way out
    assert not ok
    assert re.fullmatch(r"dial tcp (\d+\.){3}\d+:443: i/o timeout", error), error

    anywhere = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}
    create(sb, "NetworkPolicy", policy("internet", {**egress, "egress": [anywhere]}))
    assert check(sb, "client", "example.com", 443) == (True, "")


def test_an_external_name_service_is_a_cname(sb: sandbox.Sandbox) -> None:
    alias = service("legacy", None, [{"port": 80}], namespace="shop", type="ExternalName")
    alias["spec"]["externalName"] = "api.shop.svc.cluster.local"
    create(sb, "Service", alias)
    outside = service(
        "mail", None, [], namespace="shop", type="ExternalName", externalName="smtp.example.com"
    )
    create(sb, "Service", outside)
    assert check(sb, "client", "legacy", 80) == (True, "")
    assert check(sb, "client", "mail", 25) == (True, "")

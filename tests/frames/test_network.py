"""Network frames (services, endpoints, ingresses, networkpolicies) from real scenarios."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.frames.helpers import frames_of, kubectl, row
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._registry import builder_for
from workbench.sources._kinds import builtin


def build(frame: str, *items: dict[str, object]) -> pd.DataFrame:
    kind = builtin(frame)
    df = builder_for(kind)(kind, [json.dumps({"items": list(items)}).encode()])[frame]
    schema.validate(frame, df)
    return df


def is_category(df: pd.DataFrame, *cols: str) -> bool:
    return all(isinstance(df[c].dtype, pd.CategoricalDtype) for c in cols)


@pytest.fixture(scope="module")
def service_selector() -> Iterator[dict[str, pd.DataFrame]]:
    with sandbox_pkg.start(scenario="service-selector", manual_clock=True) as sb:
        sb.advance(30)
        yield frames_of(sb, "services", "endpoints", "pods")


def test_service_whose_selector_matches_no_pod_has_empty_endpoints(
    service_selector: dict[str, pd.DataFrame],
) -> None:
    svc = row(service_selector["services"], "orders", "orders-api")
    assert (svc["kind"], svc["type"], svc["headless"]) == ("Service", "ClusterIP", False)
    assert svc["selector"] == {"app": "order-api"}
    assert svc["ports"] == ["80/TCP->http"]
    assert svc["port_names"] == ["http"]
    assert svc["cluster_ip"].startswith("10.96.")
    ep = row(service_selector["endpoints"], "orders", "orders-api")
    assert (ep["kind"], ep["ready_addresses"], ep["not_ready_addresses"]) == ("Endpoints", 0, 0)
    assert (ep["addresses"], ep["pods"], ep["ports"]) == ([], [], [])
    # What an analyzer does with these columns: no pod carries every label the selector asks for.
    pods = service_selector["pods"]
    in_ns = pods[pods["namespace"] == "orders"]
    assert len(in_ns) >= 2
    assert not any(svc["selector"].items() <= labels.items() for labels in in_ns["labels"])
    assert any(labels.get("app") == "orders-api" for labels in in_ns["labels"])


def test_network_dtypes(service_selector: dict[str, pd.DataFrame]) -> None:
    svc, ep = service_selector["services"], service_selector["endpoints"]
    assert is_category(svc, "kind", "namespace", "type")
    assert is_category(ep, "kind", "namespace")
    assert str(svc["created"].dtype) == "datetime64[ns, UTC]"
    assert str(ep["ready_addresses"].dtype) == "Int64"
    assert str(svc["headless"].dtype) == "bool"
    assert str(svc["cluster_ip"].dtype) == "string"
    kube = row(svc, "default", "kubernetes")
    assert (kube["ports"], kube["port_names"], kube["selector"]) == (["443/TCP->6443"], ["https"], {})


def test_endpoints_split_ready_and_not_ready_pods() -> None:
    with sandbox_pkg.start(scenario="rollout-stuck", manual_clock=True) as sb:
        ep = row(frames_of(sb, "endpoints")["endpoints"], "accounts", "profile-api")
    assert (ep["ready_addresses"], ep["not_ready_addresses"]) == (3, 1)
    assert len(ep["addresses"]) == 3
    assert len(ep["not_ready"]) == 1
    assert all(p.startswith("profile-api-6d8f7b9c5d-") for p in ep["pods"])
    assert len(ep["pods"]) == 3
    assert len(ep["not_ready_pods"]) == 1
    assert ep["not_ready_pods"][0].startswith("profile-api-5b5d6d9b8-")
    assert (ep["ports"], ep["port_names"]) == (["8080/TCP"], ["http"])


def test_ingress_backend_names_a_service_that_does_not_exist() -> None:
    with sandbox_pkg.start(scenario="ingress-backend", manual_clock=True) as sb:
        frames = frames_of(sb, "ingresses", "services")
    ing = row(frames["ingresses"], "marketing", "marketing")
    assert ing["kind"] == "Ingress"
    assert ing["hosts"] == ["www.shop.example"]
    assert ing["backends"] == ["landing:80"]
    assert ing["backend_services"] == ["landing"]
    assert ing["routes"] == ["www.shop.example/ -> landing:80"]
    assert (ing["tls_secrets"], ing["resource_backends"], ing["load_balancer"]) == ([], [], [])
    assert pd.isna(ing["ingress_class"])
    assert is_category(frames["ingresses"], "kind", "namespace", "ingress_class")
    services = frames["services"]
    names = set(services[services["namespace"] == "marketing"]["name"])
    assert names == {"landing-page"}
    assert set(ing["backend_services"]) - names == {"landing"}


@pytest.fixture(scope="module")
def policy_sandbox() -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start(scenario="networkpolicy-deny", manual_clock=True) as sb:
        yield sb


ALLOW = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-frontend-to-catalog-api
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: catalog-api
  policyTypes:
  - Ingress
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: frontend
    ports:
    - protocol: TCP
      port: 8080
"""


def test_default_deny_policy_then_the_allow_rule(policy_sandbox: sandbox_pkg.Sandbox, tmp_path: Path) -> None:
    nps = frames_of(policy_sandbox, "networkpolicies")["networkpolicies"]
    deny = row(nps, "shop", "default-deny-ingress")
    assert (deny["kind"], deny["selects_all_pods"], deny["pod_selector"]) == ("NetworkPolicy", True, {})
    assert deny["policy_types"] == ["Ingress"]
    assert (deny["ingress_rules"], deny["egress_rules"]) == (0, 0)
    assert (deny["deny_all_ingress"], deny["deny_all_egress"]) == (True, False)
    assert (deny["allow_all_ingress"], deny["allow_all_egress"]) == (False, False)
    assert str(nps["deny_all_ingress"].dtype) == "bool"
    assert str(nps["ingress_rules"].dtype) == "Int64"

    kubectl(policy_sandbox, tmp_path, "apply", "-f", "-", stdin=ALLOW)
    nps = frames_of(policy_sandbox, "networkpolicies", limit=1)["networkpolicies"]
    assert len(nps) == 2
    allow = row(nps, "shop", "allow-frontend-to-catalog-api")
    assert (allow["pod_selector"], allow["selects_all_pods"]) == ({"app": "catalog-api"}, False)
    assert (allow["ingress_rules"], allow["deny_all_ingress"], allow["allow_all_ingress"]) == (
        1,
        False,
        False,
    )
    assert is_category(nps, "kind", "namespace")


def test_services_and_ingresses_from_raw_manifests() -> None:
    svc = build(
        "services",
        {
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "type": "NodePort",
                "selector": {"app": "web"},
                "ports": [
                    {"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"},
                    {"name": "metrics", "port": 9090},
                ],
            },
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}, {"hostname": "lb.example"}]}},
        },
        {"metadata": {"name": "db", "namespace": "shop"}, "spec": {"clusterIP": "None"}},
    )
    web, db = svc.iloc[0], svc.iloc[1]
    assert web["ports"] == ["80:30080/TCP->8080", "9090/TCP->9090"]
    assert web["port_names"] == ["", "metrics"]
    assert web["load_balancer"] == ["203.0.113.7", "lb.example"]
    assert (db["type"], db["headless"], db["selector"], db["ports"]) == ("ClusterIP", True, {}, [])

    ing = build(
        "ingresses",
        {
            "metadata": {
                "name": "edge",
                "namespace": "shop",
                "annotations": {"kubernetes.io/ingress.class": "nginx"},
            },
            "spec": {
                "defaultBackend": {"service": {"name": "fallback", "port": {"name": "http"}}},
                "tls": [{"hosts": ["shop.example"], "secretName": "shop-tls"}, {"secretName": "shop-tls"}],
                "rules": [
                    {
                        "host": "shop.example",
                        "http": {
                            "paths": [
                                {
                                    "path": "/api",
                                    "backend": {"service": {"name": "api", "port": {"number": 8080}}},
                                },
                                {
                                    "path": "/static",
                                    "backend": {"resource": {"kind": "StorageBucket", "name": "assets"}},
                                },
                                {
                                    "path": "/v2",
                                    "backend": {"service": {"name": "api", "port": {"number": 8080}}},
                                },
                            ]
                        },
                    },
                    {"http": {"paths": [{"backend": {"service": {"name": "web", "port": {"number": 80}}}}]}},
                ],
            },
        },
    )
    edge = ing.iloc[0]
    assert edge["ingress_class"] == "nginx"
    assert edge["hosts"] == ["shop.example", "*"]
    assert edge["backends"] == ["fallback:http", "api:8080", "web:80"]
    assert edge["backend_services"] == ["fallback", "api", "web"]
    assert edge["resource_backends"] == ["StorageBucket/assets"]
    assert edge["routes"] == [
        "default -> fallback:http",
        "shop.example/api -> api:8080",
        "shop.example/static -> StorageBucket/assets",
        "shop.example/v2 -> api:8080",
        "*/ -> web:80",
    ]
    assert edge["tls_secrets"] == ["shop-tls"]


def test_network_policy_defaults_and_allow_all_rules() -> None:
    nps = build(
        "networkpolicies",
        {
            # No policyTypes: Ingress always, Egress because egress rules are given (the API's default).
            "metadata": {"name": "egress-open", "namespace": "shop"},
            "spec": {
                "podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]},
                "egress": [{}],
            },
        },
        {
            "metadata": {"name": "lockdown", "namespace": "shop"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        },
        {
            "metadata": {"name": "open-in", "namespace": "shop"},
            "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{}]},
        },
    ).set_index("name")
    assert nps.loc["egress-open", "policy_types"] == ["Ingress", "Egress"]
    assert nps.loc["egress-open", "pod_selector_expressions"] == ["tier in (web)"]
    assert nps.loc["egress-open", "allow_all_egress"]
    assert nps.loc["egress-open", "deny_all_ingress"]
    assert not nps.loc["egress-open", "selects_all_pods"]
    assert nps.loc["lockdown", "deny_all_ingress"]
    assert nps.loc["lockdown", "deny_all_egress"]
    assert nps.loc["open-in", "allow_all_ingress"]
    assert not nps.loc["open-in", "deny_all_ingress"]
    assert nps.loc["open-in", "policy_types"] == ["Ingress"]

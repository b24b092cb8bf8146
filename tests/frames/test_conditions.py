"""The generic ``conditions`` frame of custom resources, and the ``crds`` frame, on a real sandbox.

A CRD and custom objects are created with the real kubectl; the failing condition is written
through the status subresource, as a controller would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pytest

from tests.frames.conftest import SandboxSource
from tests.frames.helpers import kubectl
from tests.pages import fetch_pages
from workbench import sandbox as sandbox_pkg
from workbench.frames import schema
from workbench.frames._bundle import Frames
from workbench.frames._conditions import build_conditions
from workbench.frames._pull import pull
from workbench.frames._registry import builder_for
from workbench.sources._kinds import custom

CERTIFICATES = custom("certs.example.com", "v1", "certificates", "Certificate", namespaced=True)
ISSUERS = custom("certs.example.com", "v1", "clusterissuers", "ClusterIssuer", namespaced=False)

CRDS = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: certificates.certs.example.com
spec:
  group: certs.example.com
  scope: Namespaced
  names: {plural: certificates, singular: certificate, kind: Certificate, shortNames: [cert]}
  versions:
  - name: v1alpha1
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clusterissuers.certs.example.com
spec:
  group: certs.example.com
  scope: Cluster
  names: {plural: clusterissuers, singular: clusterissuer, kind: ClusterIssuer}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""

OBJECTS = """
apiVersion: certs.example.com/v1
kind: Certificate
metadata: {name: shop-tls, namespace: default}
spec: {dnsNames: [shop.example], issuerRef: {name: letsencrypt-prod}}
---
apiVersion: certs.example.com/v1
kind: Certificate
metadata: {name: fresh, namespace: default}
spec: {dnsNames: [new.shop.example]}
---
apiVersion: certs.example.com/v1
kind: ClusterIssuer
metadata: {name: selfsigned}
spec: {selfSigned: {}}
"""

FAILING = {
    "status": {
        "conditions": [
            {
                "type": "Ready",
                "status": "False",
                "reason": "IssuerNotFound",
                "message": "issuer letsencrypt-prod not found",
                "lastTransitionTime": "2026-12-07T01:00:00Z",
                "observedGeneration": 1,
            },
            {
                "type": "Issuing",
                "status": "True",
                "reason": "Pending",
                "lastTransitionTime": "2026-12-07T01:00:05Z",
            },
        ]
    }
}
ISSUER_READY = {
    "status": {
        "observedGeneration": 1,
        "conditions": [{"type": "Ready", "status": "True", "reason": "IsReady", "message": ""}],
    }
}


@pytest.fixture(scope="module")
def crd_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox_pkg.Sandbox]:
    with sandbox_pkg.start(scenario="healthy", manual_clock=True) as sb:
        cache = tmp_path_factory.mktemp("kube-cache")
        kubectl(sb, cache, "apply", "-f", "-", stdin=CRDS)
        kubectl(sb, cache, "apply", "-f", "-", stdin=OBJECTS)
        patch = ("--subresource=status", "--type=merge", "-p")
        kubectl(sb, cache, "-n", "default", "patch", "certificate", "shop-tls", *patch, json.dumps(FAILING))
        kubectl(sb, cache, "patch", "clusterissuer", "selfsigned", *patch, json.dumps(ISSUER_READY))
        yield sb


@pytest.fixture(scope="module")
def pulled(crd_sandbox: sandbox_pkg.Sandbox) -> Frames:
    """Through `pull`: the source lists the CRDs, and every custom kind feeds ``conditions``."""
    return pull(SandboxSource(crd_sandbox, limit=1), ["conditions", "crds"])


def test_failing_condition_of_a_custom_object(pulled: Frames) -> None:
    conds = pulled.conditions
    schema.validate("conditions", conds)
    cert = conds[conds["kind"] == "Certificate"]
    assert list(cert["name"]) == ["shop-tls", "shop-tls"]  # `fresh` has no conditions: no rows
    ready = cert[cert["type"] == "Ready"].iloc[0]
    assert (ready["namespace"], ready["api_version"]) == ("default", "certs.example.com/v1")
    assert (ready["status"], ready["reason"]) == ("False", "IssuerNotFound")
    assert ready["message"] == "issuer letsencrypt-prod not found"
    assert ready["changed"] == pd.Timestamp("2026-12-07T01:00:00Z")
    assert (ready["observed_generation"], ready["generation"]) == (1, 1)
    assert len(ready["uid"]) == 36
    issuing = cert[cert["type"] == "Issuing"].iloc[0]
    assert (issuing["status"], issuing["reason"]) == ("True", "Pending")
    assert pd.isna(issuing["message"])
    assert pd.isna(issuing["observed_generation"])


def test_cluster_scoped_custom_object_and_status_observed_generation(pulled: Frames) -> None:
    conds = pulled.conditions
    issuer = conds[conds["kind"] == "ClusterIssuer"]
    assert len(issuer) == 1
    row = issuer.iloc[0]
    assert (row["namespace"], row["name"], row["type"], row["status"]) == ("", "selfsigned", "Ready", "True")
    assert pd.isna(row["message"])  # an empty message is missing, like an absent one
    assert pd.isna(row["changed"])
    assert row["observed_generation"] == 1  # from status.observedGeneration
    assert not pulled.missing


def test_conditions_dtypes(pulled: Frames) -> None:
    conds = pulled.conditions
    for col in ("kind", "namespace", "api_version", "type", "status", "reason"):
        assert isinstance(conds[col].dtype, pd.CategoricalDtype), col
    assert str(conds["changed"].dtype) == "datetime64[ns, UTC]"
    assert str(conds["observed_generation"].dtype) == "Int64"
    assert str(conds["message"].dtype) == "string"
    assert list(conds.columns[:4]) == ["kind", "namespace", "name", "uid"]


def test_crds_frame(pulled: Frames) -> None:
    crds = pulled.crds
    schema.validate("crds", crds)
    cert = crds[crds["name"] == "certificates.certs.example.com"].iloc[0]
    assert (cert["kind"], cert["namespace"], cert["group"]) == (
        "CustomResourceDefinition",
        "",
        "certs.example.com",
    )
    assert (cert["resource_kind"], cert["plural"], cert["scope"]) == (
        "Certificate",
        "certificates",
        "Namespaced",
    )
    assert cert["versions"] == ["v1alpha1", "v1"]
    assert (cert["storage_version"], cert["stored_versions"]) == ("v1", ["v1"])
    assert (cert["established_status"], cert["names_accepted_status"], cert["conversion"]) == (
        "True",
        "True",
        "None",
    )
    assert cert["names_accepted_message"] == "no conflicts found"
    issuer = crds[crds["name"] == "clusterissuers.certs.example.com"].iloc[0]
    assert issuer["scope"] == "Cluster"
    for col in ("group", "scope", "storage_version", "established_status"):
        assert isinstance(crds[col].dtype, pd.CategoricalDtype), col


def test_registry_routes_custom_kinds_to_the_conditions_builder(crd_sandbox: sandbox_pkg.Sandbox) -> None:
    assert builder_for(CERTIFICATES) is build_conditions
    one_page = build_conditions(CERTIFICATES, fetch_pages(crd_sandbox, CERTIFICATES))["conditions"]
    paged = build_conditions(CERTIFICATES, fetch_pages(crd_sandbox, CERTIFICATES, limit=1))["conditions"]
    pd.testing.assert_frame_equal(one_page, paged)
    empty = build_conditions(ISSUERS, [b'{"items": []}'])["conditions"]
    schema.validate("conditions", empty)
    assert len(empty) == 0


def test_conditions_that_do_not_follow_the_convention_are_read_loosely() -> None:
    odd = {
        "items": [
            {
                "metadata": {"name": "a", "namespace": "n", "uid": "u1", "generation": 4},
                "status": {
                    "observedGeneration": 3,
                    "conditions": [
                        {
                            "type": "Ready",
                            "status": True,
                            "lastTransitionTime": "yesterday",
                            "observedGeneration": "2",
                        },
                        "not a condition",
                        {"type": "Synced", "status": "False", "reason": {"nested": 1}, "message": 42},
                    ],
                },
            },
            {
                "metadata": {"name": "b", "namespace": "n", "uid": "u2"},
                "status": {"conditions": {"Healthy": {"status": "Unknown", "reason": "Probing"}}},
            },
            {"metadata": {"name": "c", "namespace": "n", "uid": "u3"}, "status": "Running"},
            {"metadata": {"name": "d", "namespace": "n", "uid": "u4"}},
        ]
    }
    good = {
        "items": [
            {
                "metadata": {"name": "e", "namespace": "n", "uid": "u5"},
                "status": {
                    "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "not-a-time"}]
                },
            }
        ]
    }
    df = build_conditions(CERTIFICATES, [json.dumps(odd).encode(), json.dumps(good).encode()])["conditions"]
    schema.validate("conditions", df)
    got = [(r.name, r.type, r.status) for r in df.itertuples()]
    assert got == [
        ("a", "Ready", "True"),
        ("a", "Synced", "False"),
        ("b", "Healthy", "Unknown"),
        ("e", "Ready", "True"),
    ]
    a_ready, a_synced, b_healthy, e_ready = (df.iloc[i] for i in range(4))
    assert pd.isna(a_ready["changed"])  # "yesterday" is not a time: missing, not an error
    assert a_ready["observed_generation"] == 2
    assert a_ready["generation"] == 4
    assert pd.isna(a_synced["reason"])
    assert a_synced["message"] == "42"
    assert a_synced["observed_generation"] == 3  # falls back to status.observedGeneration
    assert b_healthy["reason"] == "Probing"
    assert pd.isna(e_ready["changed"])
